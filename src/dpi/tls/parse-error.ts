/**
 * The one error the TLS body parsers throw, and the bounds-checked cursor they read with. Every
 * read checks its length against the end of the enclosing vector first, so a lying length field
 * becomes a TlsParseError naming the field and where it sits — never a RangeError, never a read
 * past the body.
 */

export class TlsParseError extends Error {
  /** Offset within the parsed body where the bad field starts. */
  readonly offset: number;
  /** Which field was wrong, e.g. "cipher_suites" or "extension 16 (alpn)". */
  readonly field: string;

  constructor(field: string, offset: number, problem: string) {
    super(`${field} at offset ${offset}: ${problem}`);
    this.name = 'TlsParseError';
    this.field = field;
    this.offset = offset;
  }
}

/**
 * Reads big-endian fields from `b[off, end)`. `vector()` opens a length-prefixed sub-range whose
 * reads are bounded by that length (TLS vectors, RFC 8446 §3.4).
 */
export class TlsCursor {
  readonly b: Uint8Array;
  off: number;
  readonly end: number;

  constructor(b: Uint8Array, off = 0, end = b.length) {
    this.b = b;
    this.off = off;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.off;
  }

  private need(n: number, field: string): void {
    if (this.end - this.off < n) {
      throw new TlsParseError(field, this.off, `needs ${n} bytes, ${this.end - this.off} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.b[this.off++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = (this.b[this.off]! << 8) | this.b[this.off + 1]!;
    this.off += 2;
    return v;
  }

  u24(field: string): number {
    this.need(3, field);
    const v = (this.b[this.off]! << 16) | (this.b[this.off + 1]! << 8) | this.b[this.off + 2]!;
    this.off += 3;
    return v;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.off += n;
  }

  /** `n` bytes as a view (no copy). */
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  /** A vector with a `lengthBytes`-byte length prefix: a cursor over its contents, this one moved past it. */
  vector(lengthBytes: 1 | 2 | 3, field: string): TlsCursor {
    const at = this.off;
    const len = lengthBytes === 1 ? this.u8(field) : lengthBytes === 2 ? this.u16(field) : this.u24(field);
    if (this.end - this.off < len) {
      throw new TlsParseError(field, at, `length ${len} exceeds the ${this.end - this.off} bytes left`);
    }
    const sub = new TlsCursor(this.b, this.off, this.off + len);
    this.off += len;
    return sub;
  }

  /** A vector of uint16 values (cipher suites, groups, signature schemes): its length must be even. */
  u16List(lengthBytes: 1 | 2, field: string): number[] {
    const at = this.off;
    const v = this.vector(lengthBytes, field);
    if (v.remaining % 2 !== 0) throw new TlsParseError(field, at, `odd length ${v.remaining} for a list of uint16`);
    const out: number[] = [];
    while (v.remaining > 0) out.push(v.u16(field));
    return out;
  }

  /** A vector of uint8 values (compression methods, EC point formats). */
  u8List(field: string): number[] {
    const v = this.vector(1, field);
    return Array.from(v.b.subarray(v.off, v.end));
  }

  /** Throws unless every byte was read: a vector whose contents end early is malformed. */
  expectEnd(field: string): void {
    if (this.off !== this.end) throw new TlsParseError(field, this.off, `${this.end - this.off} unexpected trailing bytes`);
  }
}
