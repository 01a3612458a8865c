/**
 * A bounds-checked reader over one region of a buffer, and the one error the QUIC parsers throw.
 * Every read checks against `end` first, so a lying length field becomes a QuicParseError naming
 * the field and its offset — never an out-of-bounds read, never a RangeError.
 */
import type { QuicFrame, QuicPacketInfo } from './types.js';

/**
 * Malformed QUIC bytes: `offset` (in the buffer given to the parser) and `field` say where and
 * what. `packets` holds what parsed cleanly before the fault (the earlier packets of a coalesced
 * datagram), so a caller can still use them.
 */
export class QuicParseError extends Error {
  readonly offset: number;
  readonly field: string;
  /**
   * parseQuicLongHeaders: the packets of the datagram before the faulty one — and, when the fault
   * is a Length running past the datagram's end, that packet's header, marked `truncated`.
   */
  packets: QuicPacketInfo[] = [];
  /** parseQuicFrames: the frames before the faulty one. */
  frames: QuicFrame[] = [];
  constructor(offset: number, field: string, why: string) {
    super(`QUIC: offset ${offset}: ${field}: ${why}`);
    this.name = 'QuicParseError';
    this.offset = offset;
    this.field = field;
  }
}

export class Reader {
  pos: number;
  readonly end: number;
  readonly b: Uint8Array;

  constructor(b: Uint8Array, pos: number, end: number) {
    this.b = b;
    this.pos = pos;
    this.end = end;
  }

  get left(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are there for `field`. */
  need(n: number, field: string): void {
    if (n > this.end - this.pos) {
      throw new QuicParseError(this.pos, field, `needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.b[this.pos++]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.b;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /**
   * A variable-length integer (RFC 9000 §16): the top 2 bits of the first byte give its size (1,
   * 2, 4 or 8 bytes). Values above 2^53 lose precision as Numbers; every caller either bounds them
   * against the buffer (lengths, offsets) or only reports them.
   */
  varint(field: string): number {
    const start = this.pos;
    this.need(1, field);
    const b = this.b;
    const first = b[start]!;
    const size = 1 << (first >> 6);
    if (size > this.end - start) {
      throw new QuicParseError(start, field, `variable-length integer needs ${size} bytes, ${this.end - start} left`);
    }
    let v = first & 0x3f;
    for (let i = 1; i < size; i++) v = v * 256 + b[start + i]!;
    this.pos = start + size;
    return v;
  }

  /** `n` bytes as a copy (the caller's buffer may be reused after the call). */
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = copyOf(this.b, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }
}

/**
 * A copy of `b[start, end)` as a plain Uint8Array. Not `b.slice()`: on a node Buffer that is a
 * view sharing memory, and writing to it would change the caller's packet.
 */
export function copyOf(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(b.subarray(start, end));
  return out;
}

/** Lowercase hex without separators, as tshark prints connection IDs. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}
