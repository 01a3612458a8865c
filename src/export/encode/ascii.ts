/**
 * Writing JSON text straight into a byte buffer: the helpers the ECS encoder uses so that a record
 * becomes bytes without first becoming a JS string (no concatenation garbage, no UTF-8 re-encoding
 * pass). Each takes the buffer and a position and returns the next position; the caller has
 * reserved enough room. Everything written here is ASCII, except `raw` bytes the caller encoded.
 */
import { formatRfc3339 } from '../../core/time.js';

/** A growable output the encoder appends to: room for `n` more bytes is made by `reserve(n)`. */
export interface ByteOutput {
  buffer: Uint8Array;
  /** Bytes written so far; the encoder advances it. */
  used: number;
  /** Makes `buffer` hold at least `n` free bytes after `used` (may flush or replace `buffer`). */
  reserve(n: number): void;
}

/** A ByteOutput over a private buffer that doubles when it fills (a line, a payload). */
export class GrowableOutput implements ByteOutput {
  buffer: Uint8Array;
  used = 0;
  constructor(initialBytes = 8192) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }
  reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + n));
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
  }
}

/** ASCII text as bytes, for literals built once. */
export function asciiBytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

/** Copies bytes. (TypedArray#set costs ~20 ns whatever the length; a JS byte loop, ~1.5 ns a byte.) */
export function raw(b: Uint8Array, p: number, bytes: Uint8Array): number {
  b.set(bytes, p);
  return p + bytes.length;
}

/** A string known to be ASCII (addresses, IDs, names we generate); short, so a loop is fastest. */
export function ascii(b: Uint8Array, p: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) b[p + i] = text.charCodeAt(i);
  return p + n;
}

const ZERO = 0x30;

/** "00" … "99" as character codes: two digits per division. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i & 1 ? (i >> 1) % 10 : ((i >> 1) / 10) | 0));

/** Decimal digits of a non-negative integer below 2^31. */
function digitCount(n: number): number {
  if (n < 100) return n < 10 ? 1 : 2;
  if (n < 10000) return n < 1000 ? 3 : 4;
  if (n < 1000000) return n < 100000 ? 5 : 6;
  if (n < 100000000) return n < 10000000 ? 7 : 8;
  return n < 1000000000 ? 9 : 10;
}

/** A non-negative integer below 2^31 with at least `width` digits (zero-padded). */
function smallInt(b: Uint8Array, p: number, n: number, width: number): number {
  let digits = digitCount(n);
  if (digits < width) digits = width;
  const end = p + digits;
  let q = end;
  let x = n;
  while (x >= 100) {
    const r = x % 100;
    x = (x / 100) | 0;
    b[--q] = PAIRS[2 * r + 1]!;
    b[--q] = PAIRS[2 * r]!;
  }
  if (x >= 10) {
    b[--q] = PAIRS[2 * x + 1]!;
    b[--q] = PAIRS[2 * x]!;
  } else {
    b[--q] = ZERO + x;
  }
  while (q > p) b[--q] = ZERO;
  return end;
}

/**
 * A number exactly as `String(n)` prints it. Safe integers (counters, nanosecond durations) are
 * written digit by digit; anything else (fractions, NaN, 1e21 and above) goes through String.
 */
export function num(b: Uint8Array, p: number, n: number): number {
  if (n >= 0 && n <= 0x7fffffff && (n | 0) === n) return smallInt(b, p, n, 1);
  return wideNum(b, p, n, 1);
}

/** `num` with at least `width` digits, as `String(n).padStart(width, '0')` for integers ≥ 0. */
export function paddedNum(b: Uint8Array, p: number, n: number, width: number): number {
  if (n >= 0 && n <= 0x7fffffff && (n | 0) === n) return smallInt(b, p, n, width);
  return wideNum(b, p, n, width);
}

function wideNum(b: Uint8Array, p: number, n: number, width: number): number {
  if (Number.isSafeInteger(n) && n > 0) {
    // Split so both halves are small integers: n = hi·10^9 + lo.
    const hi = Math.floor(n / 1e9);
    const lo = n - hi * 1e9;
    if (hi === 0) return smallInt(b, p, lo, width);
    p = smallInt(b, p, hi, width > 9 ? width - 9 : 1);
    return smallInt(b, p, lo, 9);
  }
  if (Number.isSafeInteger(n) && n < 0) {
    b[p] = 0x2d; // '-'
    return wideNum(b, p + 1, -n, width > 1 ? width - 1 : 1);
  }
  const text = String(n);
  for (let i = text.length; i < width; i++) b[p++] = ZERO;
  return ascii(b, p, text);
}

// RFC 3339 timestamps: the date part changes once a day, so it is formatted (by core/time's
// formatRfc3339, the reference) only when the day changes; the text up to the seconds is kept per
// second in a small direct-mapped cache (a flow's start and end alternate between two seconds).
const SECONDS_PER_DAY = 86400;
/** Beyond ±10^11 s the reference's Date arithmetic is left to it (and years get a fifth digit). */
const FAST_RANGE = 1e11;
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const SECOND_SLOTS = 8;
let dayStart = NaN;
let dayPrefix: Uint8Array = new Uint8Array(0);
const cachedSecond = new Float64Array(SECOND_SLOTS).fill(NaN);
const secondPrefix: Uint8Array[] = Array.from({ length: SECOND_SLOTS }, () => new Uint8Array(0));
const scratch = new Uint8Array(64);

/** `YYYY-MM-DDThh:mm:ss` of a whole second within FAST_RANGE. */
function secondText(sec: number): Uint8Array {
  const slot = sec & (SECOND_SLOTS - 1);
  if (cachedSecond[slot] === sec) return secondPrefix[slot]!;
  let s = sec - dayStart;
  if (!(s >= 0 && s < SECONDS_PER_DAY)) {
    dayStart = Math.floor(sec / SECONDS_PER_DAY) * SECONDS_PER_DAY;
    const day = formatRfc3339(dayStart, 0, 0);
    dayPrefix = asciiBytes(day.slice(0, day.indexOf('T') + 1));
    s = sec - dayStart;
  }
  let p = raw(scratch, 0, dayPrefix);
  const h = (s / 3600) | 0;
  const m = ((s - h * 3600) / 60) | 0;
  p = smallInt(scratch, p, h, 2);
  scratch[p++] = 0x3a; // ':'
  p = smallInt(scratch, p, m, 2);
  scratch[p++] = 0x3a;
  p = smallInt(scratch, p, s - h * 3600 - m * 60, 2);
  const text = scratch.slice(0, p);
  cachedSecond[slot] = sec;
  secondPrefix[slot] = text;
  return text;
}

/** The same text as `formatRfc3339(sec, nsec, digits)`, e.g. `2013-05-02T20:20:33.491822Z`. */
export function rfc3339(b: Uint8Array, p: number, sec: number, nsec: number, digits: number): number {
  if (!(Number.isInteger(sec) && sec > -FAST_RANGE && sec < FAST_RANGE && Number.isInteger(nsec) && nsec >= 0 &&
    Number.isInteger(digits))) {
    return ascii(b, p, formatRfc3339(sec, nsec, digits));
  }
  p = raw(b, p, secondText(sec));
  if (digits > 0) {
    const clamped = digits > 9 ? 9 : digits;
    b[p++] = 0x2e; // '.'
    p = paddedNum(b, p, Math.floor(nsec / POW10[9 - clamped]!), clamped);
  }
  b[p++] = 0x5a; // 'Z'
  return p;
}
