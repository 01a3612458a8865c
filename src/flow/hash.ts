/**
 * MurmurHash3 (x86, 32-bit) over uint32 words — the key hash of the flow and fragment tables.
 * Keys are canonicalized before hashing, so the hash of a biflow key is symmetric by construction.
 */

/** Hashes `words[0 .. count)`. Allocation-free; returns an unsigned 32-bit value. */
export function hashWords(words: Uint32Array, count: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < count; i++) {
    let k = words[i]! | 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= count << 2;
  // fmix32
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
