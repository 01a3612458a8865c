/**
 * @module bench/bus — records/s through the NATS sink to a local nats-server (Debian package, a
 * free loopback port, JetStream in a temporary folder), counted by a subscriber in the same process:
 *
 *   1. core NATS, JSON lines: N flow records in batches of 1024 → records/s from the first write
 *      until the subscriber has them all; per-message latency (write → subscriber) p50/p99;
 *   2. JetStream, JSON lines, acked publishes: the same, counted when the last ack is in.
 *
 * Usage: node dist/bench/bus.bench.js [--records N] [--json]
 * (protobuf encoding is not built yet: only JSON is measured.)
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

export interface BusRun { readonly mode: string; readonly records: number; readonly seconds: number; readonly recordsPerSecond: number; readonly p50Ms: number; readonly p99Ms: number; readonly bytesPerRecord: number }
export interface BusBenchOutput { readonly runs: readonly BusRun[]; readonly skipped?: string }

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

export function formatBusTable(out: BusBenchOutput): string {
  if (out.skipped !== undefined) return `── bus: skipped, ${out.skipped}`;
  const lines = ['── bus: NATS sink → local nats-server (flow records, JSON lines, batches of 1024)',
    '    mode                 records   seconds   records/s   bytes/record   latency p50 / p99 (ms)'];
  for (const r of out.runs) {
    lines.push(`    ${r.mode.padEnd(20)} ${String(r.records).padStart(8)}  ${r.seconds.toFixed(2).padStart(8)}  ${Math.round(r.recordsPerSecond).toLocaleString('en-US').padStart(10)}  ${r.bytesPerRecord.toFixed(0).padStart(13)}   ${r.p50Ms.toFixed(1)} / ${r.p99Ms.toFixed(1)}`);
  }
  return lines.join('\n');
}

async function run(records: number): Promise<BusBenchOutput> {
  const { natsServerMissing, startNatsServer } = await import('../test/support/nats-server.js');
  const missing = natsServerMissing();
  if (missing !== undefined) return { runs: [], skipped: missing };
  const { connect } = await import('@nats-io/transport-node');
  const { EcsJsonEncoder, NatsSink } = await import('../src/export/index.js');
  const { FlowEndReason } = await import('../src/model/index.js');
  type FlowRecord = import('../src/model/index.js').FlowRecord;
  const server = await startNatsServer();
  const runs: BusRun[] = [];
  try {
    for (const jetstream of [false, true]) {
      const n = jetstream ? Math.min(records, 200_000) : records;
      const node = jetstream ? 'bench-js' : 'bench-core';
      const sink = new NatsSink({
        servers: server.url, node, agentId: node, jetstream, stream: 'WEFT', streamMaxBytes: 4 << 30, streamMaxAgeMs: 3600_000,
        maxSpoolBytes: 1 << 30, ackTimeoutMs: 10_000, warn: (m) => process.stderr.write(`bus: ${m}\n`),
      }, new EcsJsonEncoder({ observerHostname: node, points: [] }));
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
        batch.push({
          kind: 'flow', observationPoint: 0, startSec: 1_700_000_000, startNsec: i, endSec: 1_700_000_001, endNsec: i, tsDigits: 9,
          endReason: FlowEndReason.IDLE_TIMEOUT, ipVersion: 4, ipProto: 6, sourceIp: '10.1.2.3', destinationIp: '10.4.5.6',
          sourcePort: 1024 + (i % 60000), destinationPort: 443, icmpType: -1, icmpCode: -1, sourcePackets: 10, sourceBytes: 1500,
          destinationPackets: 12, destinationBytes: 9000, sourceTcpFlags: 0x1b, destinationTcpFlags: 0x1b,
          communityId: '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=', vlanOuter: 0, vlanInner: 0, sourceMac: undefined, destinationMac: undefined,
          rttServerNs: -1, rttClientNs: -1, rttNs: -1, fragments: 0, tunnel: undefined,
        });
        if (batch.length === 1024 || i === n - 1) {
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
        mode: jetstream ? 'JetStream (acked)' : 'core NATS', records: received, seconds, recordsPerSecond: received / seconds,
        p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), bytesPerRecord: bytes / Math.max(1, received),
      });
      await sink.close();
      await nc.drain();
    }
  } finally {
    await server.destroy();
  }
  return { runs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { records: { type: 'string' }, json: { type: 'boolean' } } });
  const out = await run(Number(values.records ?? 500_000));
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${formatBusTable(out)}\n`);
}
