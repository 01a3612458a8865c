/**
 * Timestamps as (whole seconds, nanoseconds) pairs: epoch nanoseconds exceed 2^53, so a single
 * Number cannot hold them exactly. Text is RFC 3339 in UTC with as many fraction digits as the
 * source's precision, the way protobuf's JSON mapping of Timestamp writes them.
 */

const PAD = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : (PAD[width - s.length] as string) + s;
}

/** RFC 3339 text, e.g. `2013-05-02T20:20:33.491822Z` for digits = 6. */
export function formatRfc3339(sec: number, nsec: number, digits: number): string {
  const d = new Date(sec * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (digits <= 0) return `${base}Z`;
  const clamped = digits > 9 ? 9 : digits;
  const frac = Math.floor(nsec / 10 ** (9 - clamped));
  return `${base}.${pad(frac, clamped)}Z`;
}

/** Nanoseconds between two (sec, nsec) instants, exact while the span is below ~104 days. */
export function diffNanos(sec1: number, nsec1: number, sec0: number, nsec0: number): number {
  return (sec1 - sec0) * 1e9 + (nsec1 - nsec0);
}

/** Microseconds since the epoch as a Number (for timeout arithmetic, not for output). */
export function toMicros(sec: number, nsec: number): number {
  return sec * 1e6 + nsec / 1e3;
}

/**
 * How CLOCK_MONOTONIC (the kernel's bpf_ktime_get_ns) maps to wall-clock time: realtime − monotonic,
 * read back to back once, as whole seconds and nanoseconds (0 ≤ nsec < 1e9).
 */
export interface MonotonicOffset {
  readonly offsetSec: number;
  readonly offsetNsec: number;
}

/** A CLOCK_MONOTONIC time in ns (a Number: exact below 2^53 ns, ~104 days of uptime) as wall [sec, nsec]. */
export function monotonicToWall(monoNs: number, clock: MonotonicOffset): [number, number] {
  const s = Math.floor(monoNs / 1e9);
  let nsec = monoNs - s * 1e9 + clock.offsetNsec;
  let sec = s + clock.offsetSec;
  if (nsec >= 1e9) {
    nsec -= 1e9;
    sec++;
  }
  return [sec, nsec];
}

/** A little-endian u64 as a Number (exact below 2^53); no BigInt on the way. */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 4294967296;
}
