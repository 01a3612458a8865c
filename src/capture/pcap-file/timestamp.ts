/**
 * pcapng timestamps: a 64-bit count of `if_tsresol` units since the epoch, turned into exact
 * (seconds, nanoseconds) pairs without BigInt and without allocating.
 *
 * The 64-bit value arrives as two uint32 halves (hi, lo). Numbers hold integers exactly up to
 * 2^53, so the general path divides it as four 16-bit limbs (schoolbook long division): each step
 * divides `remainder * 2^16 + limb`, which stays below 2^53 for divisors below 2^37.
 *
 *   ts = [ l3 | l2 | l1 | l0 ]   l3 = hi >>> 16, l2 = hi & 0xffff, l1 = lo >>> 16, l0 = lo & 0xffff
 *
 * Resolutions (pcapng §4.2 if_tsresol): bit 7 clear → 10^-k s, set → 2^-k s.
 *   10^-k, k ≤ 9   seconds = ts / 10^k, ns = rem × 10^(9-k)   (fast path when ts < 2^52: µs today)
 *   10^-k, k > 9   ns = ts / 10^(k-9) (truncated, as Wireshark does), then seconds = ns / 10^9
 *   2^-k           seconds = ts >> k, ns = floor(frac × 10^9 / 2^k) with 10^9 = 2^9 × 1953125
 * Seconds above 2^53 (year 285 million) lose precision; nanoseconds are always exact.
 */

/** Writable (seconds, nanoseconds) target: a PacketView or any object with these two fields. */
export interface TimeTarget {
  tsSec: number;
  tsNsec: number;
}

const TWO32 = 4294967296;
const NS_PER_S = 1e9;
/** 10^9 / 2^9: multiplying by it and dividing by 2^(k-9) scales a 2^-k fraction to ns exactly. */
const NS_ODD = 1953125;

// Quotient limbs of the last divLimbs call (module scratch: no allocation per call).
let q3 = 0;
let q2 = 0;
let q1 = 0;
let q0 = 0;

/**
 * Divides the 64-bit value (l3:l2:l1:l0, 16-bit limbs) by d (1 ≤ d < 2^37): leaves the quotient
 * limbs in q3..q0 and returns the remainder. Each step's floating quotient can only be one too
 * high (the true quotient's floor is representable), so one correction per step suffices.
 */
function divLimbs(l3: number, l2: number, l1: number, l0: number, d: number): number {
  let cur = l3;
  let q = Math.floor(cur / d);
  let r = cur - q * d;
  if (r < 0) { q--; r += d; }
  q3 = q;
  cur = r * 65536 + l2;
  q = Math.floor(cur / d);
  r = cur - q * d;
  if (r < 0) { q--; r += d; }
  q2 = q;
  cur = r * 65536 + l1;
  q = Math.floor(cur / d);
  r = cur - q * d;
  if (r < 0) { q--; r += d; }
  q1 = q;
  cur = r * 65536 + l0;
  q = Math.floor(cur / d);
  r = cur - q * d;
  if (r < 0) { q--; r += d; }
  q0 = q;
  return r;
}

function quotient(): number {
  return ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
}

const Kind = { DECIMAL: 0, DECIMAL_FINE: 1, BINARY: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/**
 * One interface's timestamp unit (if_tsresol) and offset (if_tsoffset), precomputed once per IDB.
 * `convert` is the per-packet call: a switch on a constant, a few divisions, no allocation.
 */
export class TsResolution {
  /** Sub-second decimal digits worth printing: k for 10^-k (at most 9), 9 for 2^-k. */
  readonly digits: number;
  private readonly kind: Kind;
  private readonly exponent: number;
  /** DECIMAL: units per second (10^k); DECIMAL_FINE: units per ns (10^(k-9)); BINARY: unused. */
  private readonly divisor: number;
  /** DECIMAL: ns per unit (10^(9-k)). */
  private readonly nsPerUnit: number;
  /** if_tsoffset: seconds added to every timestamp (signed). */
  private readonly offsetSec: number;

  /** `tsresol` is the raw if_tsresol byte (6 = µs, the pcapng default). */
  constructor(tsresol: number, offsetSec = 0) {
    const binary = (tsresol & 0x80) !== 0;
    const k = tsresol & 0x7f;
    this.exponent = k;
    this.offsetSec = offsetSec;
    if (binary) {
      if (k > 63) throw new RangeError(`power-of-2 resolution 2^-${k} is finer than 2^-63`);
      this.kind = Kind.BINARY;
      this.divisor = 0;
      this.nsPerUnit = 0;
      this.digits = k === 0 ? 0 : 9;
    } else if (k <= 9) {
      this.kind = Kind.DECIMAL;
      this.divisor = 10 ** k;
      this.nsPerUnit = 10 ** (9 - k);
      this.digits = k;
    } else {
      if (k > 19) throw new RangeError(`power-of-10 resolution 10^-${k} is finer than 10^-19`);
      this.kind = Kind.DECIMAL_FINE;
      this.divisor = 10 ** (k - 9);
      this.nsPerUnit = 0;
      this.digits = 9;
    }
  }

  /** Converts the unit count hi·2^32 + lo and writes seconds and nanoseconds into `out`. */
  convert(hi: number, lo: number, out: TimeTarget): void {
    switch (this.kind) {
      case Kind.DECIMAL: {
        const d = this.divisor;
        if (d >= 1e6) {
          // µs … ns (the common case): the floating quotient of the rounded ts is at most one
          // off (ts/d < 2^45, so its error is far below 1), and the true remainder then lies in
          // [-d, 2d) ⊂ int32, so it is exactly lo − (s·d mod 2^32) in 32-bit arithmetic.
          const t = hi * TWO32 + lo;
          let s = Math.floor(t / d);
          let r = (lo - Math.imul(s, d)) | 0;
          if (r < 0) { s--; r += d; } else if (r >= d) { s++; r -= d; }
          out.tsSec = s + this.offsetSec;
          out.tsNsec = r * this.nsPerUnit;
          return;
        }
        if (hi < 0x100000) {
          // ts < 2^52: exact as one Number, and so is sec × d (≤ ts + d).
          const t = hi * TWO32 + lo;
          let s = Math.floor(t / d);
          let r = t - s * d;
          if (r < 0) { s--; r += d; }
          out.tsSec = s + this.offsetSec;
          out.tsNsec = r * this.nsPerUnit;
          return;
        }
        const r = divLimbs(hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff, d);
        out.tsSec = quotient() + this.offsetSec;
        out.tsNsec = r * this.nsPerUnit;
        return;
      }
      case Kind.DECIMAL_FINE: {
        divLimbs(hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff, this.divisor);
        const ns = divLimbs(q3, q2, q1, q0, NS_PER_S);
        out.tsSec = quotient() + this.offsetSec;
        out.tsNsec = ns;
        return;
      }
      default:
        this.convertBinary(hi, lo, out);
    }
  }

  private convertBinary(hi: number, lo: number, out: TimeTarget): void {
    const k = this.exponent;
    if (k === 0) {
      out.tsSec = hi * TWO32 + lo + this.offsetSec;
      out.tsNsec = 0;
      return;
    }
    if (k <= 32) {
      const unit = 2 ** k;
      const loSec = Math.floor(lo / unit);
      const frac = lo - loSec * unit; // < 2^k ≤ 2^32
      const x = frac * NS_ODD; // < 2^53: exact
      out.tsSec = hi * 2 ** (32 - k) + loSec + this.offsetSec;
      out.tsNsec = k >= 9 ? Math.floor(x / 2 ** (k - 9)) : x * 2 ** (9 - k);
      return;
    }
    // k in 33..63: the fraction spans both halves: frac = fracHi·2^32 + lo, fracHi < 2^(k-32).
    const m = 2 ** (k - 32);
    const sec = Math.floor(hi / m);
    const fracHi = hi - sec * m;
    // frac × 1953125 = C·2^32 + D with C, D exact Numbers.
    const b = lo * NS_ODD;
    const bHi = Math.floor(b / TWO32);
    const c = fracHi * NS_ODD + bHi;
    const dLow = b - bHi * TWO32;
    const s = k - 9; // ns = floor((C·2^32 + D) / 2^s)
    out.tsSec = sec + this.offsetSec;
    out.tsNsec = s >= 32 ? Math.floor(c / 2 ** (s - 32)) : c * 2 ** (32 - s) + Math.floor(dLow / 2 ** s);
  }
}

/** The pcapng default (no if_tsresol option): microseconds. */
export const TSRESOL_DEFAULT = 6;
