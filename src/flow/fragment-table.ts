/**
 * A small bounded table of IP fragment trains, keyed by where and what they are:
 *
 *   word │ 0      │ 1                    │ 2                   │ 3        │ 4–7  │ 8–11 │ 12
 *        │ iface  │ vlanO·vlanI·proto    │ tunnelType·ipVersion│ tunnelId │ src  │ dst  │ fragment id
 *
 * (words 0–3 are the flow key's first four words, so an orphan's flow key is built from them).
 * An entry remembers the first fragment's ports, and holds the counts of non-first fragments that
 * arrived before it ("pending"). Entries are created in packet-time order and expire after a fixed
 * time, so a singly linked FIFO (oldest at the head) makes expiry and overflow eviction O(1).
 * Struct-of-arrays, fixed capacity, no allocation after construction. The FlowTable owns the policy.
 */
import { KeyIndex } from './key-index.js';

export const FRAG_KEY_WORDS = 13;

function slotsFor(capacity: number): number {
  let n = 2;
  while (n < capacity * 2) n *= 2;
  return n;
}

export class FragmentTable {
  readonly capacity: number;
  readonly keys: Uint32Array;
  readonly hash: Uint32Array;
  /** FIFO link (creation order); also the free list. */
  readonly next: Int32Array;
  /** Flow-key ports of the first fragment: sport << 16 | dport (ICMP: type, equivalent). */
  readonly ports: Uint32Array;
  /** ICMP type << 8 | code of the first fragment. */
  readonly icmp: Uint16Array;
  readonly hasFirst: Uint8Array;
  readonly digits: Uint8Array;
  readonly createdSec: Float64Array;
  readonly createdNsec: Uint32Array;
  /** Non-first fragments seen before the first one. */
  readonly pendPackets: Float64Array;
  readonly pendBytes: Float64Array;
  readonly pendFirstSec: Float64Array;
  readonly pendFirstNsec: Uint32Array;
  readonly pendLastSec: Float64Array;
  readonly pendLastNsec: Uint32Array;
  private readonly index: KeyIndex;
  head = -1;
  tail = -1;
  size = 0;
  private freeHead = -1;
  private hwm = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity * FRAG_KEY_WORDS);
    this.hash = new Uint32Array(capacity);
    this.next = new Int32Array(capacity);
    this.ports = new Uint32Array(capacity);
    this.icmp = new Uint16Array(capacity);
    this.hasFirst = new Uint8Array(capacity);
    this.digits = new Uint8Array(capacity);
    this.createdSec = new Float64Array(capacity);
    this.createdNsec = new Uint32Array(capacity);
    this.pendPackets = new Float64Array(capacity);
    this.pendBytes = new Float64Array(capacity);
    this.pendFirstSec = new Float64Array(capacity);
    this.pendFirstNsec = new Uint32Array(capacity);
    this.pendLastSec = new Float64Array(capacity);
    this.pendLastNsec = new Uint32Array(capacity);
    this.index = new KeyIndex(slotsFor(capacity), FRAG_KEY_WORDS);
  }

  find(hash: number, probe: Uint32Array): number {
    return this.index.find(hash, this.keys, probe);
  }

  /** Adds the key in `probe` (known absent) at the FIFO tail; the caller makes room first. */
  insert(hash: number, probe: Uint32Array, sec: number, nsec: number): number {
    let f: number;
    if (this.freeHead >= 0) {
      f = this.freeHead;
      this.freeHead = this.next[f]!;
    } else {
      f = this.hwm++;
    }
    this.keys.set(probe.subarray(0, FRAG_KEY_WORDS), f * FRAG_KEY_WORDS);
    this.hash[f] = hash;
    this.index.insert(hash, f);
    this.ports[f] = 0;
    this.icmp[f] = 0;
    this.hasFirst[f] = 0;
    this.digits[f] = 0;
    this.createdSec[f] = sec;
    this.createdNsec[f] = nsec;
    this.pendPackets[f] = 0;
    this.pendBytes[f] = 0;
    this.pendFirstSec[f] = Infinity;
    this.pendFirstNsec[f] = 0;
    this.pendLastSec[f] = -Infinity;
    this.pendLastNsec[f] = 0;
    this.next[f] = -1;
    if (this.tail >= 0) this.next[this.tail] = f;
    else this.head = f;
    this.tail = f;
    this.size++;
    return f;
  }

  /** Holds one non-first fragment that arrived before its first fragment. */
  addPending(f: number, bytes: number, sec: number, nsec: number, digits: number): void {
    this.pendPackets[f]! += 1;
    this.pendBytes[f]! += bytes;
    const fs = this.pendFirstSec[f]!;
    if (sec < fs || (sec === fs && nsec < this.pendFirstNsec[f]!)) {
      this.pendFirstSec[f] = sec;
      this.pendFirstNsec[f] = nsec;
    }
    const ls = this.pendLastSec[f]!;
    if (sec > ls || (sec === ls && nsec > this.pendLastNsec[f]!)) {
      this.pendLastSec[f] = sec;
      this.pendLastNsec[f] = nsec;
    }
    if (digits > this.digits[f]!) this.digits[f] = digits;
  }

  clearPending(f: number): void {
    this.pendPackets[f] = 0;
    this.pendBytes[f] = 0;
    this.pendFirstSec[f] = Infinity;
    this.pendLastSec[f] = -Infinity;
  }

  /** Removes the oldest entry (the FIFO head). */
  removeOldest(): void {
    const f = this.head;
    if (f < 0) return;
    this.index.remove(this.hash[f]!, f);
    this.head = this.next[f]!;
    if (this.head < 0) this.tail = -1;
    this.next[f] = this.freeHead;
    this.freeHead = f;
    this.size--;
  }

  get byteLength(): number {
    return this.keys.byteLength + this.hash.byteLength + this.next.byteLength + this.ports.byteLength +
      this.icmp.byteLength + this.hasFirst.byteLength + this.digits.byteLength + this.createdSec.byteLength +
      this.createdNsec.byteLength + this.pendPackets.byteLength + this.pendBytes.byteLength +
      this.pendFirstSec.byteLength + this.pendFirstNsec.byteLength + this.pendLastSec.byteLength +
      this.pendLastNsec.byteLength + this.index.byteLength;
  }
}
