/**
 * TsResolution against a BigInt reference for every if_tsresol pcapng allows (10^-0 … 10^-19,
 * 2^-0 … 2^-63), on random and edge 64-bit unit counts, with and without offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TsResolution } from './timestamp.js';

const TSRESOLS = [...Array.from({ length: 20 }, (_, k) => k), ...Array.from({ length: 64 }, (_, k) => 0x80 | k)];
const TWO53 = 2n ** 53n;

function reference(hi: number, lo: number, tsresol: number, offset: number): { sec: bigint; nsec: bigint } {
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  const perSec = (tsresol & 0x80) !== 0 ? 2n ** BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return { sec: units / perSec + BigInt(offset), nsec: ((units % perSec) * 1_000_000_000n) / perSec };
}

function check(hi: number, lo: number, tsresol: number, offset = 0): void {
  const out = { tsSec: -1, tsNsec: -1 };
  new TsResolution(tsresol, offset).convert(hi, lo, out);
  const ref = reference(hi, lo, tsresol, offset);
  const at = `tsresol 0x${tsresol.toString(16)} hi ${hi} lo ${lo} offset ${offset}`;
  assert.equal(out.tsNsec, Number(ref.nsec), `${at}: nsec`);
  // Seconds are exact while they fit a Number exactly (any real date does) — before the
  // if_tsoffset is added as well as after it.
  const before = ref.sec - BigInt(offset);
  if (ref.sec < TWO53 && ref.sec > -TWO53 && before < TWO53) assert.equal(out.tsSec, Number(ref.sec), `${at}: sec`);
  else assert.ok(Math.abs(out.tsSec - Number(ref.sec)) <= Math.abs(Number(ref.sec)) * 2 ** -50, `${at}: sec ≈`);
}

test('timestamp: edge unit counts for every resolution', () => {
  const edges = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x000fffff, 0x00100000, 0x001fffff, 0x00200000];
  for (const tsresol of TSRESOLS) {
    for (const hi of edges) for (const lo of edges) check(hi, lo, tsresol);
  }
});

test('timestamp: random unit counts and offsets match BigInt (fast-check)', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  // Small "hi" values too: today's µs and ns counts have hi around 2^18 and 2^28.
  const hi = fc.oneof(u32, fc.integer({ min: 0, max: 1 << 21 }), fc.integer({ min: 300_000_000, max: 500_000_000 }));
  fc.assert(fc.property(hi, u32, fc.constantFrom(...TSRESOLS), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (h, l, r, off) => {
    check(h, l, r, off);
  }), { numRuns: 20_000 });
});

test('timestamp: digits and invalid resolutions', () => {
  assert.deepEqual([0, 3, 6, 9, 12, 19].map((r) => new TsResolution(r).digits), [0, 3, 6, 9, 9, 9]);
  assert.deepEqual([0x80, 0x80 | 10, 0x80 | 63].map((r) => new TsResolution(r).digits), [0, 9, 9]);
  assert.throws(() => new TsResolution(20), RangeError);
  assert.throws(() => new TsResolution(0x80 | 64), RangeError);
});
