/**
 * The NATS sink: records onto subjects `weft.v1.<node>.<type>`, JSON lines (ECS) by default, one
 * message per record type per batch (records are batched, never one message each). With a
 * ProtobufEncoder the payload is one weft.v1.Batch instead (Content-Type says which).
 *
 *   batch ─► group by type ─► NDJSON (or Batch) payload per type ─► message { subject, headers } ─► spool ─► pump
 *                                                                                   │ (in order)
 *   core NATS: publish, flush ◄──────────────────────────────────────────────────────┤
 *   JetStream: publish and wait for the ack; a message leaves the spool only once acked, and is
 *              retried (same Nats-Msg-Id: the stream drops a duplicate) while the server is away
 *
 * Every message carries what a consumer needs to prove completeness (DESIGN.md): the agent id, a
 * sequence number per subject (gapless: a consumer sees a gap as a missing number), the number of
 * records, and the records the spool had to drop so far. The spool (../transport/spool.ts) is
 * bounded: memory, then disk; when both are full the oldest messages are dropped and counted
 * (`nats_spool_dropped_*`), never silently.
 */
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { ErrorCode, SinkError } from '../../core/errors.js';
import type { ExportRecord } from '../../model/stats-record.js';
import type { EcsJsonEncoder } from '../encode/ecs-json.js';
import { GrowableOutput } from '../encode/ascii.js';
import { ProtobufEncoder } from '../encode/protobuf.js';
import { ProtoWriter } from '../encode/protobuf-wire.js';
import type { Sink } from '../sink.js';
import { Spool, type SpoolMessage } from '../transport/spool.js';

export interface NatsSinkOptions {
  /** nats://host:port (several comma-separated for a cluster). */
  readonly servers: string;
  /** The node name in the subjects. */
  readonly node: string;
  /** Stable id of this agent (or replay run) in every message. */
  readonly agentId: string;
  /** Publish with JetStream acks into `stream` (created when missing, capturing weft.v1.>). */
  readonly jetstream: boolean;
  readonly stream: string;
  /** Stream limits when the sink creates it. */
  readonly streamMaxBytes: number;
  readonly streamMaxAgeMs: number;
  /** Spool bounds: messages waiting for the server (or its ack), in memory, then on disk. */
  readonly maxSpoolBytes: number;
  readonly diskSpoolBytes?: number;
  readonly spoolDir?: string;
  /** One JetStream publish waits this long for its ack before it is retried. */
  readonly ackTimeoutMs: number;
  readonly warn: (message: string) => void;
}


/** One message's payload: JSON lines, and how many records it holds. */
class Payload extends GrowableOutput {
  records = 0;
  constructor() {
    super(64 * 1024);
  }
  line(text: string): void {
    const n = Buffer.byteLength(text);
    this.reserve(n + 1);
    (this.buffer as Buffer).write(text, this.used);
    this.used += n;
    this.buffer[this.used++] = 0x0a;
  }
}

const NEWLINE = 0x0a;
/** A Batch payload's first guess: bytes per record (a flow is ~150). */
const PROTOBUF_RECORD_BYTES = 256;

export class NatsSink implements Sink {
  readonly name: string;
  private readonly options: NatsSinkOptions;
  private readonly encoder: EcsJsonEncoder | ProtobufEncoder;
  private readonly contentType: string;
  private connection: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connecting: Promise<void> | undefined;
  private readonly seqs = new Map<string, number>();
  private readonly spool: Spool;
  private pumping: Promise<void> | undefined;
  private closed = false;
  private readonly counters = {
    nats_messages_published: 0,
    nats_records_published: 0,
    nats_publish_retries: 0,
    nats_disconnects: 0,
  };

  /** The encoder decides the payload: JSON lines (EcsJsonEncoder) or one protobuf Batch (ProtobufEncoder). */
  constructor(options: NatsSinkOptions, encoder: EcsJsonEncoder | ProtobufEncoder) {
    this.options = options;
    this.encoder = encoder;
    this.contentType = encoder instanceof ProtobufEncoder ? encoder.contentType : 'application/x-ndjson';
    const notes = [...(options.jetstream ? ['jetstream'] : []), ...(encoder instanceof ProtobufEncoder ? ['protobuf'] : [])];
    this.name = `nats ${options.servers}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
    this.spool = new Spool({
      memoryBytes: options.maxSpoolBytes,
      diskBytes: options.diskSpoolBytes ?? 0,
      ...(options.spoolDir !== undefined && { dir: options.spoolDir }),
    });
  }

  /** Counters for the stats record (`nats_*`). */
  stats(): Record<string, number> {
    const c = this.spool.counters;
    return {
      ...this.counters,
      nats_spool_bytes: this.spool.bytes,
      nats_spool_disk_bytes: this.spool.diskBytesNow,
      nats_spool_messages: this.spool.length,
      nats_spool_peak_bytes: c.spool_peak_bytes,
      nats_spool_disk_peak_bytes: c.spool_disk_peak_bytes,
      nats_spool_dropped_messages: c.spool_dropped_messages,
      nats_spool_dropped_records: c.spool_dropped_records,
    };
  }

  write(batch: readonly ExportRecord[]): Promise<void> {
    if (this.encoder instanceof ProtobufEncoder) return this.writeProtobuf(batch, this.encoder);
    const encoder = this.encoder;
    const byType = new Map<string, Payload>();
    for (const record of batch) {
      let p = byType.get(record.kind);
      if (p === undefined) byType.set(record.kind, (p = new Payload()));
      if (record.kind === 'flow') {
        encoder.writeFlow(record, p);
        p.reserve(1);
        p.buffer[p.used++] = NEWLINE;
      } else if (record.kind === 'stats') {
        p.line(encoder.encodeStats({ ...record, counters: { ...record.counters, ...this.stats() } }));
      } else if (record.kind === 'event') {
        p.line(encoder.encodeEvent(record));
      } else {
        encoder.writeApp(record, p);
        p.reserve(1);
        p.buffer[p.used++] = NEWLINE;
      }
      p.records++;
    }
    for (const [kind, p] of byType) this.enqueue(kind, p.buffer.subarray(0, p.used), p.records);
    return this.pump();
  }

  /** One weft.v1.Batch per record type. */
  private writeProtobuf(batch: readonly ExportRecord[], encoder: ProtobufEncoder): Promise<void> {
    const byType = new Map<string, ExportRecord[]>();
    for (const record of batch) {
      const list = byType.get(record.kind);
      if (list === undefined) byType.set(record.kind, [record]);
      else list.push(record);
    }
    for (const [kind, records] of byType) {
      const w = new ProtoWriter(records.length * PROTOBUF_RECORD_BYTES + 1024);
      for (const record of records) {
        encoder.writeBatchEntry(w, record.kind === 'stats' ? { ...record, counters: { ...record.counters, ...this.stats() } } : record);
      }
      this.enqueue(kind, w.view(), records.length);
    }
    return this.pump();
  }

  /** Spools one message for subject weft.v1.NODE.KIND with the next sequence number of that subject. */
  private enqueue(kind: string, payload: Uint8Array, records: number): void {
    const subject = `weft.v1.${this.options.node}.${kind}`;
    const seq = (this.seqs.get(subject) ?? 0) + 1;
    this.seqs.set(subject, seq);
    this.spool.push({ subject, payload, records, seq });
  }

  async flush(): Promise<void> {
    await this.pump();
    if (this.connection !== undefined && !this.connection.isClosed()) await this.connection.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.spool.length > 0) this.options.warn(`${this.name}: ${this.spool.length} messages not delivered at close`);
    this.spool.dispose();
    await this.connection?.drain().catch(() => undefined);
  }

  /** Sends the spool in order; one pump at a time; resolves when the spool is empty. */
  private pump(): Promise<void> {
    this.pumping ??= this.drainSpool().finally(() => { this.pumping = undefined; });
    return this.pumping;
  }

  private async drainSpool(): Promise<void> {
    let backoff = 100;
    while (this.spool.length > 0 && !this.closed) {
      try {
        await this.ensureConnected();
        const m = this.spool.peek()!;
        await this.publish(m);
        // The message may have been dropped from the spool's head meanwhile (overflow): shift checks.
        this.spool.shift(m);
        this.counters.nats_messages_published++;
        this.counters.nats_records_published += m.records;
        backoff = 100;
      } catch (error) {
        this.counters.nats_publish_retries++;
        if (this.counters.nats_publish_retries === 1 || this.counters.nats_publish_retries % 100 === 0) {
          this.options.warn(`${this.name}: ${(error as Error).message}; ${this.spool.length} messages spooled, retrying`);
        }
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private async publish(m: SpoolMessage): Promise<void> {
    const h = headers();
    h.set('Content-Type', this.contentType);
    h.set('Weft-Agent', this.options.agentId);
    h.set('Weft-Seq', String(m.seq));
    h.set('Weft-Records', String(m.records));
    h.set('Weft-Spool-Dropped', String(this.spool.counters.spool_dropped_records));
    if (this.js !== undefined) {
      await this.js.publish(m.subject, m.payload, { headers: h, msgID: `${this.options.agentId}:${m.subject}:${m.seq}`, timeout: this.options.ackTimeoutMs });
    } else {
      this.connection!.publish(m.subject, m.payload, { headers: h });
    }
  }

  private ensureConnected(): Promise<void> {
    if (this.connection !== undefined && !this.connection.isClosed()) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: this.options.servers.split(','),
        name: `weft ${this.options.agentId}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        waitOnFirstConnect: false,
        timeout: 2000,
      });
    } catch (error) {
      throw new SinkError(ErrorCode.SINK_IO, `cannot connect to ${this.options.servers}: ${(error as Error).message}`, true, { cause: error });
    }
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'disconnect') this.counters.nats_disconnects++;
    })().catch(() => undefined);
    if (this.options.jetstream) {
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(this.options.stream);
      } catch {
        await jsm.streams.add({
          name: this.options.stream,
          subjects: ['weft.v1.>'],
          max_bytes: this.options.streamMaxBytes,
          max_age: this.options.streamMaxAgeMs * 1e6,
        });
      }
      this.js = jetstream(nc);
    }
    this.connection = nc;
  }
}
