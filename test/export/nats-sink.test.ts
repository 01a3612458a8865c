/**
 * The NATS sink against a real nats-server (Debian package) on a free loopback port: a replay
 * published to core NATS arrives complete (every record once, a gapless sequence per subject,
 * the completeness headers); with JetStream, a 20 s server outage mid-stream loses nothing and
 * keeps the order per subject (the spool holds what the server did not ack).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EcsJsonEncoder, NatsSink, parseSinkUri, type Sink } from '../../src/export/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { FlowEndReason, type ExportRecord, type FlowRecord } from '../../src/model/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../support/nats-server.js';

const skip = natsServerMissing();
const OUTAGE_MS = Number(process.env['WEFT_TEST_NATS_OUTAGE_MS'] ?? 20_000);

function sink(server: NatsServer, jetstreamOn: boolean, node: string, points: EcsJsonEncoder, spool: { memory: number; disk: number; dir?: string } = { memory: 64 << 20, disk: 0 }): NatsSink {
  return new NatsSink({
    servers: server.url, node, agentId: `test-${node}`, jetstream: jetstreamOn, stream: 'WEFT',
    streamMaxBytes: 64 << 20, streamMaxAgeMs: 3600_000, maxSpoolBytes: spool.memory, diskSpoolBytes: spool.disk,
    ...(spool.dir !== undefined && { spoolDir: spool.dir }), ackTimeoutMs: 1000, warn: () => undefined,
  }, points);
}

function flow(i: number): FlowRecord {
  return {
    kind: 'flow', observationPoint: 0, startSec: 1_700_000_000 + i, startNsec: 0, endSec: 1_700_000_000 + i, endNsec: 5, tsDigits: 9,
    endReason: FlowEndReason.IDLE_TIMEOUT, ipVersion: 4, ipProto: 17, sourceIp: '10.0.0.1', destinationIp: '10.0.0.2',
    sourcePort: 10_000 + (i % 50_000), destinationPort: 53, icmpType: -1, icmpCode: -1, sourcePackets: i, sourceBytes: 100 * i,
    destinationPackets: 0, destinationBytes: 0, sourceTcpFlags: 0, destinationTcpFlags: 0, communityId: '1:x', vlanOuter: 0,
    vlanInner: 0, sourceMac: undefined, destinationMac: undefined, rttServerNs: -1, rttClientNs: -1, rttNs: -1, fragments: 0, tunnel: undefined,
  };
}

describe('NATS sink', { skip }, () => {
  let server: NatsServer;
  before(async () => { server = await startNatsServer(); });
  after(async () => { await server?.destroy(); });

  test('a replay on core NATS: every record once, gapless sequence per subject, completeness headers', { skip: existsSync(join(CORPUS_DIR, 'pcap')) ? false : 'corpus absent' }, async () => {
    const nc = await connect({ servers: server.url });
    const got = new Map<string, { seq: number; records: number; lines: string[]; agent: string | undefined }[]>();
    const sub = nc.subscribe('weft.v1.replay-node.>');
    const done = (async () => {
      for await (const m of sub) {
        const list = got.get(m.subject) ?? [];
        list.push({ seq: Number(m.headers?.get('Weft-Seq')), records: Number(m.headers?.get('Weft-Records')), lines: m.string().trim().split('\n'), agent: m.headers?.get('Weft-Agent') });
        got.set(m.subject, list);
        assert.equal(m.headers?.get('Content-Type'), 'application/x-ndjson');
      }
    })();
    await nc.flush();
    const pipeline = new ReplayPipeline({ warn: () => undefined });
    const encoder = new EcsJsonEncoder({ observerHostname: 'replay-node', points: pipeline.points });
    const nats = sink(server, false, 'replay-node', encoder);
    const memory = new MemorySink();
    const sinks: Sink[] = [nats, memory];
    await pipeline.run([join(CORPUS_DIR, 'pcap', 'dns-udp.pcap'), join(CORPUS_DIR, 'pcap', 'http-get.pcap')], sinks);
    await nats.close();
    await new Promise((r) => setTimeout(r, 200));
    await nc.drain();
    await done;
    const want = new Map<string, number>();
    for (const r of memory.records) want.set(r.kind, (want.get(r.kind) ?? 0) + 1);
    for (const [kind, count] of want) {
      const list = got.get(`weft.v1.replay-node.${kind}`) ?? [];
      assert.deepEqual(list.map((m) => m.seq), list.map((_, i) => i + 1), `${kind}: a gapless sequence`);
      assert.equal(list.reduce((n, m) => n + m.lines.length, 0), count, `${kind}: every record once`);
      for (const m of list) {
        assert.equal(m.lines.length, m.records);
        assert.equal(m.agent, 'test-replay-node');
        for (const line of m.lines) assert.equal((JSON.parse(line) as Record<string, unknown>)['event.dataset'], kind);
      }
    }
    assert.ok(want.get('dns')! > 0 && want.get('flow')! > 0);
  });

  test(`JetStream: a ${OUTAGE_MS / 1000} s server outage mid-stream loses nothing and keeps the order (spooled to disk)`, { timeout: OUTAGE_MS + 60_000 }, async () => {
    const encoder = new EcsJsonEncoder({ observerHostname: 'js-node', points: [] });
    const spoolDir = mkdtempSync(join(tmpdir(), 'weft-nats-spool-'));
    // 128 KiB of memory: the outage's ~20 batches of ~160 KB each must go to disk and come back in order.
    const nats = sink(server, true, 'js-node', encoder, { memory: 128 << 10, disk: 256 << 20, dir: spoolDir });
    const total = 60;
    const perBatch = 200;
    let written = 0;
    const pending: Promise<void>[] = [];
    for (let b = 0; b < total; b++) {
      const batch: ExportRecord[] = [];
      for (let i = 0; i < perBatch; i++) batch.push(flow(written++));
      pending.push(nats.write(batch));
      if (b === 20) {
        await nats.flush();
        await server.stop();
      }
      if (b > 20 && b < 40) await new Promise((r) => setTimeout(r, OUTAGE_MS / 20));
      if (b === 40) await server.start();
    }
    await Promise.all(pending);
    await nats.flush();
    const stats = nats.stats();
    await nats.close();
    assert.equal(stats['nats_spool_dropped_records'], 0);
    assert.ok(stats['nats_publish_retries']! > 0, 'the outage was seen (publishes retried)');
    assert.ok(stats['nats_spool_peak_bytes']! > 0);
    assert.ok(stats['nats_spool_disk_peak_bytes']! > 0, 'the spool spilled to disk');
    assert.deepEqual(readdirSync(spoolDir), [], 'and the disk spool is empty again');
    rmSync(spoolDir, { recursive: true, force: true });

    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('WEFT');
    assert.equal(info.state.messages, total, 'one stream message per batch, no duplicate');
    const consumer = await jetstream(nc).consumers.get('WEFT');
    const seqs: number[] = [];
    let sourcePackets = 0;
    const messages = await consumer.fetch({ max_messages: total, expires: 5000 });
    for await (const m of messages) {
      seqs.push(Number(m.headers?.get('Weft-Seq')));
      for (const line of m.string().trim().split('\n')) sourcePackets = (JSON.parse(line) as Record<string, number>)['source.packets']!;
      m.ack();
      if (seqs.length === total) break;
    }
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1), 'in order, every batch');
    assert.equal(sourcePackets, written - 1, 'the last record is the last one written');
    await nc.drain();
  });

  test('sink URIs: nats:// with its parameters; bad ones named', () => {
    const spec = parseSinkUri('nats://127.0.0.1:4222,127.0.0.1:4223?jetstream=1&node=n-1&stream=S&spool=1024&disk_spool=4096&spool_dir=/tmp/s');
    assert.deepEqual(spec, { kind: 'nats', servers: 'nats://127.0.0.1:4222,nats://127.0.0.1:4223', jetstream: true, node: 'n-1', stream: 'S', spoolBytes: 1024, diskSpoolBytes: 4096, spoolDir: '/tmp/s', streamMaxBytes: 1 << 30, streamMaxAgeMs: 86_400_000 });
    assert.equal((parseSinkUri('nats://h:1?disk_spool=0') as { diskSpoolBytes: number }).diskSpoolBytes, 0);
    assert.throws(() => parseSinkUri('nats://h:1?bogus=1'), /unknown parameter 'bogus'/);
    assert.throws(() => parseSinkUri('nats://h:1?node=a.b'), /node 'a.b' must be/);
    assert.throws(() => parseSinkUri('nats://h:1?spool=-5'), /spool: expected a positive integer/);
    assert.throws(() => parseSinkUri('nats://'), /missing host:port/);
  });
});
