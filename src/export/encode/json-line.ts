/**
 * A JSON object written field by field straight into a ByteOutput: keys are byte literals made
 * once, values go in as bytes (numbers digit by digit, strings escaped per RFC 8259 and UTF-8
 * encoded in place). No intermediate strings: application records are many and short-lived.
 *
 *   const K_NAME = key('dns.question.name');      // once, at module load: `,"dns.question.name":`
 *   w.begin(out); w.str(K_NAME, name); … w.end(tail);
 *
 * Room is reserved per value (its worst case), so `out` may flush between fields.
 */
import { num, raw, rfc3339, type ByteOutput } from './ascii.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Control characters with a one-letter escape (b t n f r), else 0. */
const SHORT_ESCAPE = new Uint8Array(0x20);
SHORT_ESCAPE[0x08] = 0x62; SHORT_ESCAPE[0x09] = 0x74; SHORT_ESCAPE[0x0a] = 0x6e; SHORT_ESCAPE[0x0c] = 0x66; SHORT_ESCAPE[0x0d] = 0x72;

/** `,"name":` as bytes (the first field of a line drops the comma: see JsonLine.begin). */
export function key(name: string): Uint8Array {
  return Buffer.from(`,${JSON.stringify(name)}:`, 'utf8');
}

/** Writes a JSON string (quotes included) at b[p]; room for 6 bytes per UTF-16 unit + 2. */
function jsonString(b: Uint8Array, p: number, s: string): number {
  b[p++] = QUOTE;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === QUOTE || c === BACKSLASH) b[p++] = BACKSLASH;
      b[p++] = c;
    } else if (c === 0x7f) {
      b[p++] = c;
    } else if (c < 0x20) {
      // The escapes JSON.stringify writes: \b \t \n \f \r, else \u00XX.
      b[p++] = BACKSLASH;
      const short = SHORT_ESCAPE[c]!;
      if (short !== 0) {
        b[p++] = short;
      } else {
        b[p++] = 0x75; b[p++] = 0x30; b[p++] = 0x30;
        b[p++] = HEX[c >> 4]!;
        b[p++] = HEX[c & 15]!;
      }
    } else if (c < 0x80) {
      b[p++] = c;
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      b[p++] = 0xf0 | (cp >> 18);
      b[p++] = 0x80 | ((cp >> 12) & 0x3f);
      b[p++] = 0x80 | ((cp >> 6) & 0x3f);
      b[p++] = 0x80 | (cp & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate cannot be UTF-8: escaped, as JSON.stringify does (\udXXX).
      b[p++] = BACKSLASH; b[p++] = 0x75;
      b[p++] = HEX[c >> 12]!; b[p++] = HEX[(c >> 8) & 15]!; b[p++] = HEX[(c >> 4) & 15]!; b[p++] = HEX[c & 15]!;
    } else {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
  b[p++] = QUOTE;
  return p;
}

/**
 * Encoded forms of strings from small vocabularies (cipher suite names, versions, ALPN ids, RR
 * types): looked up instead of escaped again. Bounded: cleared when full.
 */
const INTERNED_MAX = 8192;
const interned = new Map<string, Uint8Array>();
const internScratch = new Uint8Array(64 * 6 + 2);

function internedBytes(s: string): Uint8Array | undefined {
  let bytes = interned.get(s);
  if (bytes === undefined) {
    if (s.length > 64) return undefined;
    if (interned.size >= INTERNED_MAX) interned.clear();
    bytes = internScratch.slice(0, jsonString(internScratch, 0, s));
    interned.set(s, bytes);
  }
  return bytes;
}

export class JsonLine {
  private out: ByteOutput = { buffer: new Uint8Array(0), used: 0, reserve() {} };
  private first = false;

  /** Starts an object on `out`. */
  begin(out: ByteOutput): this {
    this.out = out;
    out.reserve(1);
    out.buffer[out.used++] = 0x7b; // '{'
    this.first = true;
    return this;
  }

  /** Ends the object with `tail` (bytes that close it, e.g. `,"observer…":…}`), or `}`. */
  end(tail?: Uint8Array): void {
    const out = this.out;
    if (tail === undefined) {
      out.reserve(1);
      out.buffer[out.used++] = 0x7d;
      return;
    }
    out.reserve(tail.length);
    out.used = this.first ? raw(out.buffer, out.used, tail.subarray(1)) : raw(out.buffer, out.used, tail);
  }

  private k(name: Uint8Array, room: number): Uint8Array {
    const out = this.out;
    out.reserve(name.length + room);
    const b = out.buffer;
    if (this.first) {
      out.used = raw(b, out.used, name.subarray(1));
      this.first = false;
    } else {
      out.used = raw(b, out.used, name);
    }
    return b;
  }

  str(name: Uint8Array, value: string | undefined): this {
    if (value === undefined) return this;
    const b = this.k(name, value.length * 6 + 2);
    this.out.used = jsonString(b, this.out.used, value);
    return this;
  }

  /** `str` for values from a small vocabulary (their encoded bytes are remembered). */
  word(name: Uint8Array, value: string | undefined): this {
    if (value === undefined) return this;
    const bytes = internedBytes(value);
    if (bytes === undefined) return this.str(name, value);
    const b = this.k(name, bytes.length);
    this.out.used = raw(b, this.out.used, bytes);
    return this;
  }

  /** `strs` for values from a small vocabulary. */
  words(name: Uint8Array, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    let room = 2;
    for (const v of values) room += v.length * 6 + 3;
    const b = this.k(name, room);
    let p = this.out.used;
    b[p++] = 0x5b;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) b[p++] = 0x2c;
      const bytes = internedBytes(values[i]!);
      p = bytes !== undefined ? raw(b, p, bytes) : jsonString(b, p, values[i]!);
    }
    b[p++] = 0x5d;
    this.out.used = p;
    return this;
  }

  num(name: Uint8Array, value: number | undefined): this {
    if (value === undefined) return this;
    const b = this.k(name, 32);
    this.out.used = num(b, this.out.used, value);
    return this;
  }

  bool(name: Uint8Array, value: boolean): this {
    const b = this.k(name, 5);
    const text = value ? TRUE : FALSE;
    this.out.used = raw(b, this.out.used, text);
    return this;
  }

  /** A number written as a JSON string ("6"), as ECS wants for some fields. */
  numString(name: Uint8Array, value: number): this {
    const b = this.k(name, 34);
    let p = this.out.used;
    b[p++] = QUOTE;
    p = num(b, p, value);
    b[p++] = QUOTE;
    this.out.used = p;
    return this;
  }

  time(name: Uint8Array, sec: number, nsec: number, digits: number): this {
    const b = this.k(name, 48);
    let p = this.out.used;
    b[p++] = QUOTE;
    p = rfc3339(b, p, sec, nsec, digits);
    b[p++] = QUOTE;
    this.out.used = p;
    return this;
  }

  /** Pre-encoded bytes as the value (a literal such as `["network"]`). */
  rawValue(name: Uint8Array, value: Uint8Array): this {
    const b = this.k(name, value.length);
    this.out.used = raw(b, this.out.used, value);
    return this;
  }

  strs(name: Uint8Array, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    let room = 2;
    for (const v of values) room += v.length * 6 + 3;
    const b = this.k(name, room);
    let p = this.out.used;
    b[p++] = 0x5b; // '['
    for (let i = 0; i < values.length; i++) {
      if (i > 0) b[p++] = 0x2c;
      p = jsonString(b, p, values[i]!);
    }
    b[p++] = 0x5d;
    this.out.used = p;
    return this;
  }

  nums(name: Uint8Array, values: readonly number[] | undefined): this {
    if (values === undefined) return this;
    const b = this.k(name, values.length * 33 + 2);
    let p = this.out.used;
    b[p++] = 0x5b;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) b[p++] = 0x2c;
      p = num(b, p, values[i]!);
    }
    b[p++] = 0x5d;
    this.out.used = p;
    return this;
  }

  /** An array of objects, each written by `item` with `inner` (keys of inner objects). */
  objects<T>(name: Uint8Array, values: readonly T[], item: (w: JsonLine, value: T) => void): this {
    this.k(name, 1);
    const out = this.out;
    out.buffer[out.used++] = 0x5b;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) {
        out.reserve(1);
        out.buffer[out.used++] = 0x2c;
      }
      out.reserve(1);
      out.buffer[out.used++] = 0x7b;
      this.first = true;
      item(this, values[i]!);
      out.reserve(1);
      out.buffer[out.used++] = 0x7d;
    }
    out.reserve(1);
    out.buffer[out.used++] = 0x5d;
    this.first = false;
    return this;
  }
}

const TRUE = Buffer.from('true', 'latin1');
const FALSE = Buffer.from('false', 'latin1');
