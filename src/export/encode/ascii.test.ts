import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatRfc3339 } from '../../core/time.js';
import { ascii, num, paddedNum, rfc3339 } from './ascii.js';

const buf = Buffer.alloc(256);
const text = (end: number): string => buf.toString('latin1', 0, end);

describe('ascii writers', () => {
  it('write numbers exactly as String does', () => {
    const edges = [0, -0, 1, 9, 10, 99, 100, 101, 999, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 1e9, 1e9 - 1, 1e9 + 1,
      2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1.5, -1, -12345678901, NaN, Infinity, -Infinity, 0.1, 5e-324];
    for (const n of edges) assert.equal(text(num(buf, 0, n)), String(n), String(n));
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double()), (n) => {
      assert.equal(text(num(buf, 0, n)), String(n));
    }), { numRuns: 20000 });
  });

  it('pad numbers as padStart does', () => {
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat()), fc.integer({ min: 1, max: 12 }), (n, width) => {
      assert.equal(text(paddedNum(buf, 0, n, width)), String(n).padStart(width, '0'));
    }), { numRuns: 5000 });
  });

  it('write timestamps as formatRfc3339 does, across days, digits and odd values', () => {
    const secs = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.integer({ min: -1e12, max: 1e13 }),
      fc.constantFrom(0, 86399, 86400, -1, 1e11 - 1, 1e11, -1e11, 8.64e12, 8.64e12 + 1), fc.double());
    const nsecs = fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(0, 1e9, 4_294_967_295, -1, 0.5));
    const digits = fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constantFrom(0, 3, 6, 9, 2.5));
    fc.assert(fc.property(secs, nsecs, digits, (sec, nsec, d) => {
      assert.equal(text(rfc3339(buf, 0, sec, nsec, d)), formatRfc3339(sec, nsec, d));
    }), { numRuns: 20000 });
    // The same day many times, then the next (the cached date part must follow).
    for (let sec = 1_700_000_000; sec < 1_700_200_000; sec += 997) {
      assert.equal(text(rfc3339(buf, 0, sec, 123_456_789, 6)), formatRfc3339(sec, 123_456_789, 6));
    }
  });

  it('copy ASCII strings at an offset', () => {
    buf.fill(0x2e);
    const end = ascii(buf, 3, '10.0.0.1');
    assert.equal(end, 11);
    assert.equal(text(12), '...10.0.0.1.');
  });
});
