/**
 * IP datagram reassembly for the dissectors (the flow table only attributes fragments to flows):
 * UDP payloads split into IPv4 or IPv6 fragments — a large DNS response, a fragmented QUIC or
 * DHCP datagram — are put back together so a dissector sees the whole datagram.
 *
 *   fragment ─► entry (version, addresses, protocol, id) ─► pieces by offset
 *              the last fragment (no "more") gives the length; once [0, length) is covered the
 *              datagram (its transport header first) is handed over and the entry dropped
 *
 * Bounded: at most MAX_PENDING datagrams in progress (the oldest is dropped to make room) and
 * 65,535 bytes each; a datagram not complete within `timeoutNs` of packet time is dropped. Every
 * drop is counted. Overlapping pieces: the first copy wins (as for TCP).
 */
import type { PacketView } from '../model/index.js';

const MAX_PENDING = 1024;
const MAX_DATAGRAM = 65535;

interface Entry {
  sec: number;
  nsec: number;
  /** Length of the datagram once its last fragment came, else -1. */
  total: number;
  pieces: { at: number; bytes: Uint8Array }[];
}

export class IpReassembly {
  private readonly pending = new Map<string, Entry>();
  private readonly timeoutNs: number;
  /** Datagrams put back together, and datagrams given up (timeout, room, too long). */
  reassembled = 0;
  dropped = 0;

  constructor(timeoutNs = 30e9) {
    this.timeoutNs = timeoutNs;
  }

  /**
   * One fragment (view.isFragment). Returns the whole datagram — its transport header first —
   * when this fragment completes it, else undefined.
   */
  fragment(view: PacketView): Uint8Array | undefined {
    const start = view.l4Offset;
    const end = view.payloadOffset + view.payloadLength;
    if (end < start) return undefined;
    const key = `${view.ipVersion}|${view.src0}|${view.src1}|${view.src2}|${view.src3}|${view.dst0}|${view.dst1}|` +
      `${view.dst2}|${view.dst3}|${view.ipProto}|${view.fragId}`;
    let e = this.pending.get(key);
    if (e === undefined) {
      this.expire(view.tsSec, view.tsNsec);
      if (this.pending.size >= MAX_PENDING) this.dropOldest();
      e = { sec: view.tsSec, nsec: view.tsNsec, total: -1, pieces: [] };
      this.pending.set(key, e);
    }
    const at = view.fragOffset;
    if (at + (end - start) > MAX_DATAGRAM) {
      this.pending.delete(key);
      this.dropped++;
      return undefined;
    }
    e.pieces.push({ at, bytes: view.bytes.slice(start, end) });
    if (!view.moreFragments) e.total = at + (end - start);
    if (e.total < 0) return undefined;
    const whole = assemble(e);
    if (whole === undefined) return undefined;
    this.pending.delete(key);
    this.reassembled++;
    return whole;
  }

  /** Drops datagrams older than the timeout at packet time (sec, nsec). */
  expire(sec: number, nsec: number): void {
    for (const [key, e] of this.pending) {
      if ((sec - e.sec) * 1e9 + (nsec - e.nsec) < this.timeoutNs) return; // insertion order ≈ time order
      this.pending.delete(key);
      this.dropped++;
    }
  }

  private dropOldest(): void {
    const oldest = this.pending.keys().next().value as string;
    this.pending.delete(oldest);
    this.dropped++;
  }
}

/** The datagram when its pieces cover [0, total) (first copy wins on overlaps), else undefined. */
function assemble(e: Entry): Uint8Array | undefined {
  const pieces = [...e.pieces].sort((a, b) => a.at - b.at);
  let covered = 0;
  for (const p of pieces) {
    if (p.at > covered) return undefined;
    covered = Math.max(covered, p.at + p.bytes.length);
  }
  if (covered < e.total) return undefined;
  const out = new Uint8Array(e.total);
  // Later pieces first, so that the earliest arrival of each byte is written last and wins.
  for (let i = e.pieces.length - 1; i >= 0; i--) {
    const p = e.pieces[i]!;
    out.set(p.bytes.subarray(0, Math.max(0, Math.min(p.bytes.length, e.total - p.at))), p.at);
  }
  return out;
}
