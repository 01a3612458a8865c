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
