import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashWords } from './hash.js';
import { KeyIndex } from './key-index.js';

describe('KeyIndex', () => {
  it('agrees with a Map under any sequence of inserts and removals (backward-shift deletion)', () => {
    const STRIDE = 3;
    const CAP = 16;
    fc.assert(fc.property(fc.array(fc.record({ add: fc.boolean(), k: fc.nat(40) }), { maxLength: 300 }),
      fc.boolean(), (ops, badHash) => {
        // 32 slots for at most 16 entries; badHash forces long collision chains across the wrap.
        const index = new KeyIndex(32, STRIDE);
        const keys = new Uint32Array(CAP * STRIDE);
        const probe = new Uint32Array(STRIDE);
        const model = new Map<number, number>();
        const free: number[] = Array.from({ length: CAP }, (_, i) => CAP - 1 - i);
        const hashOf = (k: number): number => {
          probe[0] = k; probe[1] = k * 7; probe[2] = 0xffffffff - k;
          return badHash ? (30 + (k & 3)) >>> 0 : hashWords(probe, STRIDE, 1);
        };
        for (const { add, k } of ops) {
          const h = hashOf(k);
          const found = index.find(h, keys, probe);
          assert.equal(found, model.get(k) ?? -1);
          if (add && found < 0 && free.length > 0) {
            const e = free.pop()!;
            keys.set(probe, e * STRIDE);
            index.insert(h, e);
            model.set(k, e);
          } else if (!add && found >= 0) {
            index.remove(h, found);
            model.delete(k);
            free.push(found);
          }
        }
        for (let k = 0; k <= 40; k++) assert.equal(index.find(hashOf(k), keys, probe), model.get(k) ?? -1, `key ${k}`);
      }), { numRuns: 300 });
  });

  it('rejects a slot count that is not a power of two', () => {
    assert.throws(() => new KeyIndex(24, 4), RangeError);
  });

  it('hashes with murmur3 x86_32 (reference vector)', () => {
    // MurmurHash3_x86_32 of the 4 bytes 0x00000000 with seed 0 is 0x2362f9de.
    assert.equal(hashWords(new Uint32Array([0]), 1, 0), 0x2362f9de);
  });
});
