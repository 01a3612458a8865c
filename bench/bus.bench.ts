/**
 * @module bench/bus — records/s through the NATS sink to a local nats-server (Debian package, a
 * free loopback port, JetStream in a temporary folder), counted by a subscriber in the same process:
 *
 *   1. core NATS: N flow records in batches of 1024 → records/s from the first write until the
 *      subscriber has them all; per-message latency (write → subscriber) p50/p99; bytes/record;
 *   2. JetStream, acked publishes: the same, counted when the last ack is in;
 * each in both encodings: JSON lines (ECS) and protobuf (one weft.v1.Batch per message). Before
 * them, the encoders alone: records/s of encoding batches of 1024 flows into a buffer.
 *
 * Usage: node dist/bench/bus.bench.js [--records N] [--json]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

export type BusEncoding = 'json' | 'protobuf';
export interface BusRun {
  readonly mode: string; readonly encoding?: BusEncoding; readonly records: number; readonly seconds: number; readonly recordsPerSecond: number;
  readonly p50Ms: number; readonly p99Ms: number; readonly bytesPerRecord: number;
}
/** An encoder alone: flow records into a buffer, batches of 1024, no transport. */
export interface EncodeRun { readonly encoding: BusEncoding; readonly records: number; readonly recordsPerSecond: number; readonly bytesPerRecord: number }
export interface BusBenchOutput { readonly runs: readonly BusRun[]; readonly encode?: readonly EncodeRun[]; readonly skipped?: string }

const BATCH = 1024;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatBusTable(out: BusBenchOutput): string {
  if (out.skipped !== undefined) return `── bus: skipped, ${out.skipped}`;
  const lines = ['── bus: NATS sink → local nats-server (flow records, batches of 1024)',
    '    mode                 encoding   records   seconds   records/s   bytes/record   latency p50 / p99 (ms)'];
  for (const r of out.runs) {
    lines.push(`    ${r.mode.padEnd(20)} ${(r.encoding ?? 'json').padEnd(9)} ${String(r.records).padStart(8)}  ${r.seconds.toFixed(2).padStart(8)}  ${rate(r.recordsPerSecond).padStart(10)}  ${r.bytesPerRecord.toFixed(0).padStart(13)}   ${r.p50Ms.toFixed(1)} / ${r.p99Ms.toFixed(1)}`);
  }
  for (const e of out.encode ?? []) {
    lines.push(`    encode only          ${e.encoding.padEnd(9)} ${String(e.records).padStart(8)}            ${rate(e.recordsPerSecond).padStart(10)}  ${e.bytesPerRecord.toFixed(0).padStart(13)}`);
  }
  return lines.join('\n');
}

type FlowRecord = import('../src/model/index.js').FlowRecord;

/** Flow record number i; `idle` is FlowEndReason.IDLE_TIMEOUT (the model is loaded lazily). */
function flowRecord(i: number, idle: FlowRecord['endReason']): FlowRecord {
  return {
    kind: 'flow', observationPoint: 0, startSec: 1_700_000_000, startNsec: i, endSec: 1_700_000_001, endNsec: i, tsDigits: 9,
    endReason: idle, ipVersion: 4, ipProto: 6, sourceIp: '10.1.2.3', destinationIp: '10.4.5.6',
    sourcePort: 1024 + (i % 60000), destinationPort: 443, icmpType: -1, icmpCode: -1, sourcePackets: 10, sourceBytes: 1500,
    destinationPackets: 12, destinationBytes: 9000, sourceTcpFlags: 0x1b, destinationTcpFlags: 0x1b,
    communityId: '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=', vlanOuter: 0, vlanInner: 0, sourceMac: undefined, destinationMac: undefined,
    rttServerNs: -1, rttClientNs: -1, rttNs: -1, fragments: 0, tunnel: undefined,
  };
}

/** The encoders alone: `records` flows in batches of 1024 into a reused buffer. */
async function encodeOnly(records: number): Promise<EncodeRun[]> {
  const { EcsJsonEncoder } = await import('../src/export/index.js');
  const { GrowableOutput } = await import('../src/export/encode/ascii.js');
  const { ProtobufEncoder } = await import('../src/export/encode/protobuf.js');
  const { ProtoWriter } = await import('../src/export/encode/protobuf-wire.js');
  const { FlowEndReason } = await import('../src/model/index.js');
  const context = { observerHostname: 'bench-encode', points: [] };
  const batch: FlowRecord[] = [];
  for (let i = 0; i < BATCH; i++) batch.push(flowRecord(i, FlowEndReason.IDLE_TIMEOUT));
  const runs: EncodeRun[] = [];
  for (const encoding of ['json', 'protobuf'] as const) {
    const json = new EcsJsonEncoder(context);
    const protobuf = new ProtobufEncoder(context);
    const out = new GrowableOutput(1 << 20);
    const w = new ProtoWriter(1 << 20);
    let bytes = 0;
    const pass = (): void => {
      if (encoding === 'json') {
        out.used = 0;
        for (const r of batch) { json.writeFlow(r, out); out.reserve(1); out.buffer[out.used++] = 0x0a; }
        bytes += out.used;
      } else {
        w.reset();
        for (const r of batch) protobuf.writeBatchEntry(w, r);
        bytes += w.pos;
      }
    };
    for (let i = 0; i < 50; i++) pass(); // warm up
    bytes = 0;
    const passes = Math.max(1, Math.ceil(records / BATCH));
    const t0 = performance.now();
    for (let i = 0; i < passes; i++) pass();
    const seconds = (performance.now() - t0) / 1000;
    runs.push({ encoding, records: passes * BATCH, recordsPerSecond: (passes * BATCH) / seconds, bytesPerRecord: bytes / (passes * BATCH) });
  }
  return runs;
}

async function run(records: number): Promise<BusBenchOutput> {
  const encode = await encodeOnly(records);
  const { natsServerMissing, startNatsServer } = await import('../test/support/nats-server.js');
  const missing = natsServerMissing();
  if (missing !== undefined) return { runs: [], encode, skipped: missing };
  const { connect } = await import('@nats-io/transport-node');
  const { EcsJsonEncoder, NatsSink } = await import('../src/export/index.js');
  const { ProtobufEncoder } = await import('../src/export/encode/protobuf.js');
  const { FlowEndReason } = await import('../src/model/index.js');
  const server = await startNatsServer();
  const runs: BusRun[] = [];
  try {
    for (const jetstream of [false, true]) {
      for (const encoding of ['json', 'protobuf'] as const) {
        const n = jetstream ? Math.min(records, 200_000) : records;
        const node = `bench-${jetstream ? 'js' : 'core'}-${encoding}`;
        const context = { observerHostname: node, points: [] };
        const sink = new NatsSink({
          servers: server.url, node, agentId: node, jetstream, stream: 'WEFT', streamMaxBytes: 4 << 30, streamMaxAgeMs: 3600_000,
          maxSpoolBytes: 1 << 30, ackTimeoutMs: 10_000, warn: (m) => process.stderr.write(`bus: ${m}\n`),
        }, encoding === 'json' ? new EcsJsonEncoder(context) : new ProtobufEncoder(context));
        const nc = await connect({ servers: server.url });
        const writtenAt = new Map<number, number>();
        const latencies: number[] = [];
        let received = 0;
        let bytes = 0;
        let resolveAll: () => void = () => undefined;
        const all = new Promise<void>((r) => { resolveAll = r; });
        nc.subscribe(`weft.v1.${node}.flow`, {
          callback: (_e, m) => {
            const seq = Number(m.headers?.get('Weft-Seq'));
            const t = writtenAt.get(seq);
            if (t !== undefined) latencies.push(performance.now() - t);
            received += Number(m.headers?.get('Weft-Records'));
            bytes += m.data.length;
            if (received >= n) resolveAll();
          },
        });
        await nc.flush();
        const batch: FlowRecord[] = [];
        const t0 = performance.now();
        let seq = 0;
        for (let i = 0; i < n; i++) {
          batch.push(flowRecord(i, FlowEndReason.IDLE_TIMEOUT));
          if (batch.length === BATCH || i === n - 1) {
            writtenAt.set(++seq, performance.now());
            const pending = sink.write(batch.splice(0, batch.length));
            // Keep the spool short: a live agent hands over a batch at a time, too.
            if (seq % 8 === 0) {
              await pending;
              await new Promise((r) => setImmediate(r)); // the subscriber shares this event loop
            }
          }
        }
        await sink.flush();
        await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
        const seconds = (performance.now() - t0) / 1000;
        latencies.sort((a, b) => a - b);
        runs.push({
          mode: jetstream ? 'JetStream (acked)' : 'core NATS', encoding, records: received, seconds, recordsPerSecond: received / seconds,
          p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), bytesPerRecord: bytes / Math.max(1, received),
        });
        await sink.close();
        await nc.drain();
      }
    }
  } finally {
    await server.destroy();
  }
  return { runs, encode };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { records: { type: 'string' }, json: { type: 'boolean' } } });
  const out = await run(Number(values.records ?? 500_000));
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${formatBusTable(out)}\n`);
}
