/**
 * The NATS sink against a real nats-server (Debian package) on a free loopback port: a replay
 * published to core NATS arrives complete (every record once, a gapless sequence per subject,
 * the completeness headers); with JetStream, a 20 s server outage mid-stream loses nothing and
 * keeps the order per subject (the spool holds what the server did not ack). In protobuf, one
 * weft.v1.Batch per type per flush, decoded by protobufjs, holds what the JSON lines hold.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EcsJsonEncoder, NatsSink, parseSinkUri, type Sink } from '../../src/export/index.js';
import { ProtobufEncoder } from '../../src/export/encode/protobuf.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { FlowEndReason, type ExportRecord, type FlowRecord } from '../../src/model/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../support/nats-server.js';
import { BATCH_KINDS, decode, protoToEcs, type Obj } from './proto-ecs.js';

const skip = natsServerMissing();
const OUTAGE_MS = Number(process.env['WEFT_TEST_NATS_OUTAGE_MS'] ?? 20_000);

function sink(server: NatsServer, jetstreamOn: boolean, node: string, points: EcsJsonEncoder | ProtobufEncoder, spool: { memory: number; disk: number; dir?: string } = { memory: 64 << 20, disk: 0 }): NatsSink {
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

  test('protobuf: one weft.v1.Batch per type per flush, the content type saying so, records as in the JSON lines', { skip: existsSync(join(CORPUS_DIR, 'pcap')) ? false : 'corpus absent' }, async () => {
    const nc = await connect({ servers: server.url });
    const got = new Map<string, { seq: number; records: number; decoded: Obj[]; contentType: string | undefined }[]>();
    const sub = nc.subscribe('weft.v1.proto-node.>');
    const done = (async () => {
      for await (const m of sub) {
        const kind = m.subject.split('.').pop()!;
        const batch = decode('Batch', m.data);
        const fields = Object.keys(batch);
        assert.ok(fields.length === 1 && BATCH_KINDS[fields[0]!] === kind, `${m.subject}: one Batch field, of its type (${fields.join(', ')})`);
        const list = got.get(kind) ?? [];
        list.push({ seq: Number(m.headers?.get('Weft-Seq')), records: Number(m.headers?.get('Weft-Records')), decoded: batch[fields[0]!] as Obj[], contentType: m.headers?.get('Content-Type') });
        got.set(kind, list);
      }
    })();
    await nc.flush();
    const pipeline = new ReplayPipeline({ warn: () => undefined });
    const context = { observerHostname: 'proto-node', points: pipeline.points };
    const nats = sink(server, false, 'proto-node', new ProtobufEncoder(context));
    const memory = new MemorySink();
    const captures = ['dns-udp.pcap', 'http-get.pcap', 'tls-12.pcap', 'quic-chromium.pcap', 'dhcp-dora.pcap', 'icmp-unreach-udp.pcap', 'tunnel-vxlan-http.pcap'];
    await pipeline.run(captures.map((c) => join(CORPUS_DIR, 'pcap', c)), [nats, memory]);
    await nats.close();
    await new Promise((r) => setTimeout(r, 200));
    await nc.drain();
    await done;
    const json = new EcsJsonEncoder(context);
    const kinds: string[] = [...new Set(memory.records.map((r) => r.kind))].sort();
    assert.deepEqual([...got.keys()].sort(), kinds);
    for (const kind of kinds) {
      const list = got.get(kind)!;
      assert.deepEqual(list.map((m) => m.seq), list.map((_, i) => i + 1), `${kind}: a gapless sequence`);
      for (const m of list) {
        assert.equal(m.contentType, 'application/x-protobuf; proto=weft.v1.Batch');
        assert.equal(m.decoded.length, m.records, `${kind}: Weft-Records is the Batch's length`);
      }
      const decoded = list.flatMap((m) => m.decoded);
      const records = memory.records.filter((r) => r.kind === kind);
      assert.equal(decoded.length, records.length, `${kind}: every record once`);
      if (kind === 'stats') {
        // The sink adds its own nats_* counters to the stats record.
        const counters = decoded[0]!['counters'] as Obj;
        assert.ok('nats_spool_dropped_records' in counters);
        const { flows_emitted: flows } = (records[0] as { counters: Record<string, number> }).counters;
        assert.equal(counters['flows_emitted'], flows);
        continue;
      }
      records.forEach((r, i) => assert.deepEqual(protoToEcs(kind, decoded[i]!), JSON.parse(json.encode(r)), `${kind} #${i}`));
    }
    assert.ok(['flow', 'dns', 'http', 'tls', 'quic', 'dhcp', 'icmp', 'stats'].every((k) => kinds.includes(k)), kinds.join(', '));
  });

  test('protobuf on JetStream: acked Batches in the stream, in order', async () => {
    const nats = sink(server, true, 'proto-js', new ProtobufEncoder({ observerHostname: 'proto-js', points: [] }));
    for (let b = 0; b < 5; b++) await nats.write(Array.from({ length: 100 }, (_, i) => flow(b * 100 + i)));
    await nats.close();
    const nc = await connect({ servers: server.url });
    const packets: number[] = [];
    try {
      const consumer = await jetstream(nc).consumers.get('WEFT');
      const messages = await consumer.fetch({ max_messages: 5, expires: 5000 });
      for await (const m of messages) {
        assert.equal(m.subject, 'weft.v1.proto-js.flow');
        assert.equal(m.headers?.get('Content-Type'), 'application/x-protobuf; proto=weft.v1.Batch');
        for (const f of decode('Batch', m.data)['flows'] as Obj[]) packets.push(f['source']?.['packets'] ?? 0);
        m.ack();
        if (packets.length === 500) break;
      }
    } finally {
      await (await jetstreamManager(nc)).streams.delete('WEFT'); // the outage test counts the stream's messages
      await nc.drain();
    }
    assert.deepEqual(packets, Array.from({ length: 500 }, (_, i) => i));
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
    assert.deepEqual(spec, { kind: 'nats', servers: 'nats://127.0.0.1:4222,nats://127.0.0.1:4223', jetstream: true, node: 'n-1', stream: 'S', spoolBytes: 1024, diskSpoolBytes: 4096, spoolDir: '/tmp/s', streamMaxBytes: 1 << 30, streamMaxAgeMs: 86_400_000, encoding: 'json' });
    assert.equal((parseSinkUri('nats://h:1?encoding=protobuf') as { encoding: string }).encoding, 'protobuf');
    assert.equal((parseSinkUri('nats://h:1?encoding=json') as { encoding: string }).encoding, 'json');
    assert.throws(() => parseSinkUri('nats://h:1?encoding=avro'), /encoding: expected json or protobuf, got 'avro'/);
    assert.equal((parseSinkUri('nats://h:1?disk_spool=0') as { diskSpoolBytes: number }).diskSpoolBytes, 0);
    assert.throws(() => parseSinkUri('nats://h:1?bogus=1'), /unknown parameter 'bogus'/);
    assert.throws(() => parseSinkUri('nats://h:1?node=a.b'), /node 'a.b' must be/);
    assert.throws(() => parseSinkUri('nats://h:1?spool=-5'), /spool: expected a positive integer/);
    assert.throws(() => parseSinkUri('nats://'), /missing host:port/);
  });
});
