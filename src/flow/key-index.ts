/**
 * An open-addressing index from a fixed-width uint32 key to an entry number: linear probing,
 * backward-shift deletion (no tombstones), power-of-two slot count. The keys themselves live in
 * the owner's struct-of-arrays store (`keys`, `stride` words per entry); a slot holds the entry
 * number + 1 (0 = empty) and the key's full hash, so most mismatches are rejected without
 * touching the key words.
 *
 *   slot:   … │ e+1 │ e+1 │  0  │ …      probe from (hash & mask) until an empty slot
 *   hash:   … │  h  │  h  │  -  │ …
 */
export class KeyIndex {
  slots: Int32Array;
  hashes: Uint32Array;
  mask: number;
  readonly stride: number;

  /** @param slotCount a power of two, at least twice the most entries it will hold. */
  constructor(slotCount: number, stride: number) {
    if (slotCount < 2 || (slotCount & (slotCount - 1)) !== 0) throw new RangeError(`slot count ${slotCount} is not a power of two`);
    this.slots = new Int32Array(slotCount);
    this.hashes = new Uint32Array(slotCount);
    this.mask = slotCount - 1;
    this.stride = stride;
  }

  /** The entry whose key (keys[e*stride …]) equals probe[0 … stride), or -1. */
  find(hash: number, keys: Uint32Array, probe: Uint32Array): number {
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = this.mask;
    const stride = this.stride;
    let i = hash & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (hashes[i] === hash) {
        const base = (s - 1) * stride;
        let j = stride - 1;
        while (j >= 0 && keys[base + j] === probe[j]) j--;
        if (j < 0) return s - 1;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds an entry known to be absent. */
  insert(hash: number, entry: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = entry + 1;
    this.hashes[i] = hash;
  }

  /** Removes an entry known to be present, shifting its probe chain back over the hole. */
  remove(hash: number, entry: number): void {
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = this.mask;
    const want = entry + 1;
    let i = hash & mask;
    while (slots[i] !== want) {
      if (slots[i] === 0) return; // not present: nothing to do
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = slots[j]!;
      if (s === 0) break;
      const home = hashes[j]! & mask;
      // The entry at j may fill the hole at i when its home is not inside (i, j] (cyclically).
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = s;
        hashes[i] = hashes[j]!;
        i = j;
      }
    }
    slots[i] = 0;
  }

  clear(): void {
    this.slots.fill(0);
  }

  get byteLength(): number {
    return this.slots.byteLength + this.hashes.byteLength;
  }
}
