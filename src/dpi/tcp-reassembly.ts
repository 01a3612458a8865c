/**
 * Bounded TCP reassembly, one direction of one connection: segments in, in-order bytes out.
 *
 *   segment(seq, …) ─► seq == next:  deliver, then whatever buffered data now follows
 *                     seq <  next:  retransmission or overlap — the part already delivered is
 *                                   dropped (first copy wins, as in most IDSs), the rest delivered
 *                     seq >  next:  out of order — a copy is held (bounded) until the hole fills
 *
 * Memory is bounded twice: per direction (`maxBufferedPerDirection`) and across every direction of
 * the process (`ReassemblyBudget`). When either is hit, or the direction ends with holes, the
 * stream skips the hole: the consumer is told the gap's size (`gap`) and delivery continues after
 * it. Every skip and every byte that could not be held is counted on the budget, never silent.
 *
 * Sequence numbers are compared modulo 2^32 (RFC 9293 §3.4).
 */

/** Receives in-order stream data (the bytes are valid only during the call) and holes. */
export interface StreamConsumer {
  data(bytes: Uint8Array, offset: number, length: number): void;
  gap(bytes: number): void;
}

/** Process-wide limit on buffered out-of-order bytes, and the loss counters. */
export class ReassemblyBudget {
  readonly maxBytes: number;
  buffered = 0;
  /** Out-of-order bytes not held because a limit was reached (later delivered as a gap). */
  overflowBytes = 0;
  /** Holes skipped (missing data, or data dropped by a limit). */
  gaps = 0;
  gapBytes = 0;
  /** Bytes of retransmitted or overlapping segments that had been delivered already. */
  duplicateBytes = 0;

  constructor(maxBytes = 64 << 20) {
    this.maxBytes = maxBytes;
  }
}

interface Held {
  seq: number;
  bytes: Uint8Array;
}

const TCP_SYN = 0x02;
const TCP_FIN = 0x01;
const TCP_RST = 0x04;

/** Signed distance a − b in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpDirection {
  private readonly budget: ReassemblyBudget;
  private readonly maxBuffered: number;
  private started = false;
  /** Next sequence number to deliver. */
  private next = 0;
  /** Out-of-order segments, sorted by seq, not overlapping what was delivered. */
  private held: Held[] = [];
  private heldBytes = 0;
  /** FIN or RST seen: nothing more is expected. */
  closed = false;
  /** Bytes delivered so far (stream offset of `next`). */
  delivered = 0;

  constructor(budget: ReassemblyBudget, maxBufferedPerDirection = 1 << 20) {
    this.budget = budget;
    this.maxBuffered = maxBufferedPerDirection;
  }

  /** Bytes held out of order now. */
  get buffered(): number {
    return this.heldBytes;
  }

  /**
   * One segment of this direction: `seq` from its header, `flags` its TCP flags, payload at
   * bytes[offset, offset + length).
   */
  segment(seq: number, flags: number, bytes: Uint8Array, offset: number, length: number, out: StreamConsumer): void {
    seq >>>= 0;
    if ((flags & TCP_SYN) !== 0) {
      // The SYN takes one sequence number; data on a SYN (TCP Fast Open) follows it.
      if (!this.started || this.delivered === 0) {
        this.started = true;
        this.next = (seq + 1) >>> 0;
      }
      seq = (seq + 1) >>> 0;
    } else if (!this.started) {
      if (length === 0) return;
      // Picked up mid-stream (no SYN seen): start at the first data.
      this.started = true;
      this.next = seq;
    }
    if (length > 0) this.accept(seq, bytes, offset, length, out);
    if ((flags & (TCP_FIN | TCP_RST)) !== 0) this.closed = true;
  }

  /** End of the connection: delivers what is held, skipping the holes before it. */
  finish(out: StreamConsumer): void {
    while (this.held.length > 0) this.skipToHeld(out);
  }

  private accept(seq: number, bytes: Uint8Array, offset: number, length: number, out: StreamConsumer): void {
    const d = seqDiff(seq, this.next);
    if (d <= 0) {
      // Starts at or before the next byte: drop the part already delivered.
      const dup = Math.min(-d, length);
      if (dup > 0) this.budget.duplicateBytes += dup;
      if (dup >= length) return;
      this.deliver(bytes, offset + dup, length - dup, out);
      this.drain(out);
      return;
    }
    this.hold(seq, bytes, offset, length, out);
  }

  private deliver(bytes: Uint8Array, offset: number, length: number, out: StreamConsumer): void {
    this.next = (this.next + length) >>> 0;
    this.delivered += length;
    out.data(bytes, offset, length);
  }

  /** Delivers held segments that now follow on. */
  private drain(out: StreamConsumer): void {
    while (this.held.length > 0) {
      const h = this.held[0]!;
      const d = seqDiff(h.seq, this.next);
      if (d > 0) return;
      this.held.shift();
      this.release(h.bytes.length);
      const skip = -d;
      if (skip >= h.bytes.length) {
        this.budget.duplicateBytes += h.bytes.length;
        continue;
      }
      this.budget.duplicateBytes += skip;
      this.deliver(h.bytes, skip, h.bytes.length - skip, out);
    }
  }

  private hold(seq: number, bytes: Uint8Array, offset: number, length: number, out: StreamConsumer): void {
    // Insert sorted by seq; an exact duplicate of a held segment is dropped.
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1]!.seq, seq) > 0) i--;
    const prev = this.held[i - 1];
    if (prev !== undefined && prev.seq === seq && prev.bytes.length >= length) {
      this.budget.duplicateBytes += length;
      return;
    }
    while (this.heldBytes + length > this.maxBuffered || this.budget.buffered + length > this.budget.maxBytes) {
      if (this.held.length === 0) {
        // Nothing held to make room with: this segment cannot be kept; the hole grows over it.
        this.budget.overflowBytes += length;
        return;
      }
      // Give up waiting for the oldest hole: skip it and deliver what follows.
      this.skipToHeld(out);
      const d = seqDiff(seq, this.next);
      if (d <= 0) {
        this.accept(seq, bytes, offset, length, out);
        return;
      }
      i = this.held.length;
      while (i > 0 && seqDiff(this.held[i - 1]!.seq, seq) > 0) i--;
    }
    this.held.splice(i, 0, { seq, bytes: bytes.slice(offset, offset + length) });
    this.heldBytes += length;
    this.budget.buffered += length;
  }

  /** Declares the hole before the first held segment and delivers from there. */
  private skipToHeld(out: StreamConsumer): void {
    const h = this.held[0]!;
    const missing = seqDiff(h.seq, this.next);
    if (missing > 0) {
      this.budget.gaps++;
      this.budget.gapBytes += missing;
      this.next = h.seq;
      this.delivered += missing;
      out.gap(missing);
    }
    this.drain(out);
  }

  private release(n: number): void {
    this.heldBytes -= n;
    this.budget.buffered -= n;
  }
}
