/**
 * The protobuf wire format, written straight into one growable byte buffer: varints (with zigzag
 * for sint*), fixed-width numbers, UTF-8 strings and length-delimited fields. The generated
 * encoders (protobuf.gen.ts) call these with each field's tag computed at generation time.
 *
 * Length prefixes are back-patched rather than computed by a first sizing pass: `begin` reserves
 * the bytes the length will probably need, `end` writes it and, only when the guess was wrong,
 * moves the message's bytes by the difference. Strings shorter than 43 UTF-16 units are written
 * the same way (they cannot exceed 126 bytes: a one-byte length); longer ones are measured first.
 *
 * 64-bit integers come in as JS numbers: exact up to 2^53, which holds every counter, nanosecond
 * duration and Unix second we have. Strings are encoded as WHATWG/Buffer UTF-8 does: a lone
 * surrogate becomes U+FFFD (protobuf strings must be valid UTF-8).
 */

const TWO_32 = 4294967296;
/** Strings shorter than this are at most 3 × 42 = 126 bytes: their length fits one byte. */
const SHORT_STRING = 43;

/** Bytes of the varint of a length (non-negative, below 2^35). */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Forgets what was written (keeps the buffer). */
  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far, as a view: valid until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far. */
  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  // ── raw values (no tag): packed elements, and the parts of the field writers ─────────────────

  /** An unsigned 32-bit varint (v is taken modulo 2^32). */
  u32v(v: number): void {
    this.room(5);
    const b = this.buf;
    let p = this.pos;
    v >>>= 0;
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** A 64-bit varint from its two unsigned 32-bit halves. */
  private v64(lo: number, hi: number): void {
    this.room(10);
    const b = this.buf;
    let p = this.pos;
    while (hi !== 0) {
      b[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      b[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  /** int32: negative values sign-extend to ten bytes, as protobuf has it. */
  i32v(v: number): void {
    v |= 0;
    if (v >= 0) this.u32v(v);
    else this.v64(v >>> 0, 0xffffffff);
  }

  /** sint32: zigzag. */
  s32v(v: number): void {
    v |= 0;
    this.u32v((v << 1) ^ (v >> 31));
  }

  /** uint64 from a non-negative integer (exact below 2^53). */
  u64v(v: number): void {
    if (v >= 0 && v <= 0xffffffff) {
      this.u32v(v);
      return;
    }
    if (!(v > 0 && v < 1.8446744073709552e19)) {
      if (v < 0) this.i64v(v);
      else this.u32v(0); // NaN, ±Infinity: not a number protobuf can carry
      return;
    }
    this.room(10);
    const b = this.buf;
    let p = this.pos;
    let x = Math.trunc(v);
    while (x >= 128) {
      b[p++] = (x % 128) | 128;
      x = Math.floor(x / 128);
    }
    b[p++] = x;
    this.pos = p;
  }

  /** int64: two's complement, ten bytes when negative. */
  i64v(v: number): void {
    if (v >= 0) {
      this.u64v(v);
      return;
    }
    if (!Number.isFinite(v)) {
      this.u32v(0);
      return;
    }
    v = Math.trunc(v);
    const hi = Math.floor(v / TWO_32);
    this.v64(v - hi * TWO_32, hi >>> 0);
  }

  /** sint64: zigzag over the two's complement halves (exact for |v| < 2^53). */
  s64v(v: number): void {
    if (!Number.isFinite(v)) v = 0;
    v = Math.trunc(v);
    const high = Math.floor(v / TWO_32);
    const lo = (v - high * TWO_32) >>> 0;
    const hi = high | 0;
    const sign = hi >> 31;
    this.v64(((lo << 1) ^ sign) >>> 0, (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0);
  }

  boolv(v: boolean): void {
    this.room(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  f64v(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  f32v(v: number): void {
    this.room(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }

  fx32v(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  sfx32v(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  /** fixed64 / sfixed64: the same eight bytes, two's complement. */
  fx64v(v: number): void {
    if (!Number.isFinite(v)) v = 0;
    v = Math.trunc(v);
    const hi = Math.floor(v / TWO_32);
    this.room(8);
    this.buf.writeUInt32LE((v - hi * TWO_32) >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** A string, length-prefixed, in UTF-8. */
  strv(s: string): void {
    const n = s.length;
    if (n < SHORT_STRING) {
      this.room(n * 3 + 1);
      const b = this.buf;
      const at = this.pos;
      let p = at + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) {
          b[p++] = c;
        } else {
          p = utf8(b, p, s, i);
          break;
        }
      }
      b[at] = p - at - 1;
      this.pos = p;
      return;
    }
    const length = Buffer.byteLength(s, 'utf8');
    this.u32v(length);
    this.room(length);
    if (length === n && n <= 128) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    } else {
      this.buf.write(s, this.pos, length, 'utf8');
    }
    this.pos += length;
  }

  bytesv(v: Uint8Array): void {
    this.u32v(v.length);
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  // ── fields: the tag (wire type included), then the value ────────────────────────────────────

  /** A tag (field number << 3 | wire type). */
  tag(t: number): void {
    if (t < 128) {
      this.room(1);
      this.buf[this.pos++] = t;
    } else {
      this.u32v(t);
    }
  }

  u32(t: number, v: number): void { this.tag(t); this.u32v(v); }
  i32(t: number, v: number): void { this.tag(t); this.i32v(v); }
  s32(t: number, v: number): void { this.tag(t); this.s32v(v); }
  u64(t: number, v: number): void { this.tag(t); this.u64v(v); }
  i64(t: number, v: number): void { this.tag(t); this.i64v(v); }
  s64(t: number, v: number): void { this.tag(t); this.s64v(v); }
  bool(t: number, v: boolean): void { this.tag(t); this.boolv(v); }
  f64(t: number, v: number): void { this.tag(t); this.f64v(v); }
  f32(t: number, v: number): void { this.tag(t); this.f32v(v); }
  fx32(t: number, v: number): void { this.tag(t); this.fx32v(v); }
  sfx32(t: number, v: number): void { this.tag(t); this.sfx32v(v); }
  fx64(t: number, v: number): void { this.tag(t); this.fx64v(v); }
  str(t: number, v: string): void { this.tag(t); this.strv(v); }
  bytes(t: number, v: Uint8Array): void { this.tag(t); this.bytesv(v); }

  /**
   * Opens a length-delimited field (a message, a packed array): writes the tag and leaves
   * `reserve` bytes for the length. Returns where the content starts, for `end`.
   */
  begin(t: number, reserve: number): number {
    this.tag(t);
    this.room(reserve);
    this.pos += reserve;
    return this.pos;
  }

  /** Closes the field `begin` opened: writes its length, moving the content if it needs more or fewer bytes. */
  end(start: number, reserve: number): void {
    const length = this.pos - start;
    const size = varintSize(length);
    if (size !== reserve) {
      if (size > reserve) this.room(size - reserve);
      this.buf.copyWithin(start + size - reserve, start, this.pos);
      this.pos += size - reserve;
    }
    const b = this.buf;
    let p = start - reserve;
    let v = length;
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p] = v;
  }
}

/** Writes s[i…] as UTF-8 at b[p] (room for 3 bytes per UTF-16 unit); returns the end. */
function utf8(b: Uint8Array, p: number, s: string, i: number): number {
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      b[p++] = c;
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        b[p++] = 0xf0 | (cp >> 18);
        b[p++] = 0x80 | ((cp >> 12) & 0x3f);
        b[p++] = 0x80 | ((cp >> 6) & 0x3f);
        b[p++] = 0x80 | (cp & 0x3f);
      } else {
        // A lone surrogate: U+FFFD, the replacement character, as TextEncoder and Buffer write.
        b[p++] = 0xef; b[p++] = 0xbf; b[p++] = 0xbd;
      }
    } else {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}
