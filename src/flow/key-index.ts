/**
 * An open-addressing index from a fixed-width uint32 key to an entry number: linear probing,
 * backward-shift deletion (no tombstones), power-of-two slot count. The keys themselves live in
 * the owner's store: entry e's key is `keys[e*stride … e*stride + keyWords)` (the key may be the
 * head of a larger per-entry record). A slot holds the entry number + 1 (0 = empty) next to the
 * key's full hash, so a probe reads one cache line of the index and most mismatches are rejected
 * without touching the key words.
 *
 *   slots:  … │ e+1 │  h  │ e+1 │  h  │  0  │  -  │ …     probe from (hash & mask) until an empty slot
 *             └── slot i ─┘
 */
export class KeyIndex {
  /** [2i] entry + 1 (0 = empty), [2i + 1] the entry's key hash. */
  slots: Int32Array;
  mask: number;
  readonly keyWords: number;
  readonly stride: number;

  /**
   * @param slotCount a power of two, at least twice the most entries it will hold.
   * @param keyWords words compared per key.
   * @param stride words from one entry's key to the next (≥ keyWords); defaults to keyWords.
   */
  constructor(slotCount: number, keyWords: number, stride = keyWords) {
    if (slotCount < 2 || (slotCount & (slotCount - 1)) !== 0) throw new RangeError(`slot count ${slotCount} is not a power of two`);
    this.slots = new Int32Array(2 * slotCount);
    this.mask = slotCount - 1;
    this.keyWords = keyWords;
    this.stride = stride;
  }

  /** The entry whose key (keys[e*stride …]) equals probe[0 … keyWords), or -1. */
  find(hash: number, keys: Uint32Array, probe: Uint32Array): number {
    const slots = this.slots;
    const mask = this.mask;
    const last = this.keyWords - 1;
    const h = hash | 0;
    let i = h & mask;
    for (;;) {
      const s = slots[2 * i]!;
      if (s === 0) return -1;
      if (slots[2 * i + 1] === h) {
        const base = (s - 1) * this.stride;
        let j = last;
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
    while (slots[2 * i] !== 0) i = (i + 1) & mask;
    slots[2 * i] = entry + 1;
    slots[2 * i + 1] = hash | 0;
  }

  /** Removes an entry known to be present, shifting its probe chain back over the hole. */
  remove(hash: number, entry: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const want = entry + 1;
    let i = hash & mask;
    while (slots[2 * i] !== want) {
      if (slots[2 * i] === 0) return; // not present: nothing to do
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = slots[2 * j]!;
      if (s === 0) break;
      const home = slots[2 * j + 1]! & mask;
      // The entry at j may fill the hole at i when its home is not inside (i, j] (cyclically).
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[2 * i] = s;
        slots[2 * i + 1] = slots[2 * j + 1]!;
        i = j;
      }
    }
    slots[2 * i] = 0;
  }

  clear(): void {
    this.slots.fill(0);
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }
}
