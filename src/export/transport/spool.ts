/**
 * A bounded, in-order spool of messages waiting for a bus: memory first, then disk.
 *
 *   push ─► [ memory queue (≤ memoryBytes) ] ─► peek/shift (the sender)
 *              │ full, or disk not empty (order!)
 *              ▼
 *           [ disk segments spool-<n>.bin (≤ diskBytes) ] ─► loaded back, oldest first, when memory is empty
 *
 * A message goes to disk only when memory is full, and once anything is on disk every newer
 * message goes there too, so the order out is the order in. When the disk tier is full (or there
 * is none) the oldest messages are dropped — counted, never silent. Segment files are created 0600
 * and removed as soon as they are loaded back.
 *
 *   frame: [u32 subject length][subject][u32 seq][u32 records][u32 payload length][payload]
 */
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SpoolMessage {
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly records: number;
  readonly seq: number;
}

export interface SpoolOptions {
  readonly memoryBytes: number;
  /** 0 = no disk tier. */
  readonly diskBytes: number;
  readonly dir?: string;
  /** A segment file is closed and a new one started past this size. */
  readonly segmentBytes?: number;
}

interface Segment {
  readonly path: string;
  bytes: number;
  messages: number;
  records: number;
  fd: number | undefined;
}

export class Spool {
  private readonly options: SpoolOptions;
  private readonly memory: SpoolMessage[] = [];
  private memoryBytes = 0;
  private readonly segments: Segment[] = [];
  private diskBytes = 0;
  private nextSegment = 0;
  readonly counters = {
    spool_dropped_messages: 0,
    spool_dropped_records: 0,
    spool_peak_bytes: 0,
    spool_disk_peak_bytes: 0,
    spool_disk_messages_written: 0,
  };

  constructor(options: SpoolOptions) {
    this.options = options;
    if (options.diskBytes > 0 && options.dir !== undefined) {
      mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      // What a previous run left is not ours to replay (its sequence numbers are another run's).
      for (const f of readdirSync(options.dir)) if (/^spool-\d+\.bin$/.test(f)) rmSync(join(options.dir, f), { force: true });
    }
  }

  get length(): number {
    return this.memory.length + this.segments.reduce((n, s) => n + s.messages, 0);
  }

  get bytes(): number {
    return this.memoryBytes + this.diskBytes;
  }

  get diskBytesNow(): number {
    return this.diskBytes;
  }

  push(m: SpoolMessage): void {
    const size = m.payload.length;
    const disk = this.options.diskBytes > 0 && this.options.dir !== undefined;
    if (disk && (this.segments.length > 0 || this.memoryBytes + size > this.options.memoryBytes)) {
      this.toDisk(m);
    } else {
      this.memory.push(m);
      this.memoryBytes += size;
      while (!disk && this.memoryBytes > this.options.memoryBytes && this.memory.length > 1) this.dropOldestInMemory();
    }
    if (this.bytes > this.counters.spool_peak_bytes) this.counters.spool_peak_bytes = this.bytes;
  }

  /** The oldest message, loading a disk segment back when memory is empty. */
  peek(): SpoolMessage | undefined {
    if (this.memory.length === 0 && this.segments.length > 0) this.loadOldestSegment();
    return this.memory[0];
  }

  /** Removes `m` if it is still the oldest (it may have been dropped meanwhile). */
  shift(m: SpoolMessage): void {
    if (this.memory[0] !== m) return;
    this.memory.shift();
    this.memoryBytes -= m.payload.length;
  }

  /** Removes the disk files (the sink is closing). */
  dispose(): void {
    for (const s of this.segments) this.removeSegment(s);
    this.segments.length = 0;
    this.diskBytes = 0;
  }

  private dropOldestInMemory(): void {
    const dropped = this.memory.shift()!;
    this.memoryBytes -= dropped.payload.length;
    this.counters.spool_dropped_messages++;
    this.counters.spool_dropped_records += dropped.records;
  }

  private toDisk(m: SpoolMessage): void {
    const subject = Buffer.from(m.subject);
    const frame = Buffer.allocUnsafe(16 + subject.length + m.payload.length);
    let p = frame.writeUInt32LE(subject.length, 0);
    p += subject.copy(frame, p);
    p = frame.writeUInt32LE(m.seq, p);
    p = frame.writeUInt32LE(m.records, p);
    p = frame.writeUInt32LE(m.payload.length, p);
    frame.set(m.payload, p);
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || seg.fd === undefined || seg.bytes + frame.length > (this.options.segmentBytes ?? 8 << 20)) {
      if (seg?.fd !== undefined) {
        closeSync(seg.fd);
        seg.fd = undefined;
      }
      const path = join(this.options.dir!, `spool-${this.nextSegment++}.bin`);
      seg = { path, bytes: 0, messages: 0, records: 0, fd: openSync(path, 'w', 0o600) };
      this.segments.push(seg);
    }
    writeSync(seg.fd!, frame);
    seg.bytes += frame.length;
    seg.messages++;
    seg.records += m.records;
    this.diskBytes += frame.length;
    this.counters.spool_disk_messages_written++;
    if (this.diskBytes > this.counters.spool_disk_peak_bytes) this.counters.spool_disk_peak_bytes = this.diskBytes;
    // Over the disk bound: the oldest whole segment goes (never the one being written).
    while (this.diskBytes > this.options.diskBytes && this.segments.length > 1) {
      const oldest = this.segments.shift()!;
      this.counters.spool_dropped_messages += oldest.messages;
      this.counters.spool_dropped_records += oldest.records;
      this.diskBytes -= oldest.bytes;
      this.removeSegment(oldest);
    }
  }

  private loadOldestSegment(): void {
    const seg = this.segments.shift()!;
    if (seg.fd !== undefined) {
      closeSync(seg.fd);
      seg.fd = undefined;
    }
    const data = readFileSync(seg.path);
    this.removeSegment(seg);
    this.diskBytes -= seg.bytes;
    let p = 0;
    while (p + 16 <= data.length) {
      const subjectLength = data.readUInt32LE(p);
      const subject = data.toString('utf8', p + 4, p + 4 + subjectLength);
      p += 4 + subjectLength;
      const seq = data.readUInt32LE(p);
      const records = data.readUInt32LE(p + 4);
      const length = data.readUInt32LE(p + 8);
      p += 12;
      const payload = data.subarray(p, p + length);
      p += length;
      this.memory.push({ subject, payload, records, seq });
      this.memoryBytes += length;
    }
  }

  private removeSegment(seg: Segment): void {
    if (seg.fd !== undefined) closeSync(seg.fd);
    seg.fd = undefined;
    rmSync(seg.path, { force: true });
  }
}
