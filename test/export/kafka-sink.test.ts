/**
 * The Kafka sink. No broker can be installed on our machines: the end-to-end test runs against
 * WEFT_TEST_KAFKA=host:port when set and says it was skipped otherwise. The messages themselves
 * (topics, keys, values, headers) are checked without a broker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EcsJsonEncoder, KafkaSink, kafkaTopicMessages, parseSinkUri } from '../../src/export/index.js';
import { ProtobufEncoder } from '../../src/export/encode/protobuf.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';
import { decode, protoToEcs } from './proto-ecs.js';

const CAPTURE = join(CORPUS_DIR, 'pcap', 'dns-udp.pcap');
const BROKER = process.env['WEFT_TEST_KAFKA'];

async function replayed(): Promise<{ memory: MemorySink; encoder: EcsJsonEncoder; protobuf: ProtobufEncoder }> {
  const pipeline = new ReplayPipeline({ warn: () => undefined });
  const context = { observerHostname: 'kafka-node', points: pipeline.points };
  const encoder = new EcsJsonEncoder(context);
  const memory = new MemorySink();
  await pipeline.run([CAPTURE], [memory]);
  return { memory, encoder, protobuf: new ProtobufEncoder(context) };
}

test('one message per record on PREFIX.TYPE, keyed by Community ID, with a gapless sequence per topic', { skip: existsSync(CAPTURE) ? false : 'corpus absent' }, async () => {
  const { memory, encoder } = await replayed();
  const seqs = new Map<string, number>();
  const first = kafkaTopicMessages(memory.records.slice(0, 2), encoder, 'weft', 'agent-1', seqs);
  const rest = kafkaTopicMessages(memory.records.slice(2), encoder, 'weft', 'agent-1', seqs);
  const all = [...first, ...rest];
  const count = (t: string): number => all.filter((m) => m.topic === t).reduce((n, m) => n + m.messages.length, 0);
  for (const kind of new Set(memory.records.map((r) => r.kind))) {
    assert.equal(count(`weft.${kind}`), memory.records.filter((r) => r.kind === kind).length, kind);
    const seq = all.filter((m) => m.topic === `weft.${kind}`).flatMap((m) => m.messages.map((x) => Number(x.headers!['weft-seq'])));
    assert.deepEqual(seq, seq.map((_, i) => i + 1), `${kind}: gapless across batches`);
  }
  for (const { topic, messages } of all) {
    for (const m of messages) {
      const value = JSON.parse(String(m.value)) as Record<string, unknown>;
      assert.equal(`weft.${String(value['event.dataset'])}`, topic);
      if (topic !== 'weft.stats') assert.equal(m.key, value['network.community_id']);
      assert.equal(m.headers!['weft-agent'], 'agent-1');
    }
  }
});

test('protobuf: each value is the record\'s own message, the content type naming it', { skip: existsSync(CAPTURE) ? false : 'corpus absent' }, async () => {
  const { memory, encoder, protobuf } = await replayed();
  const topics = kafkaTopicMessages(memory.records, protobuf, 'weft', 'agent-1', new Map());
  const messages = { dns: 'Dns', flow: 'Flow', stats: 'Stats' } as Record<string, string>;
  for (const { topic, messages: list } of topics) {
    const kind = topic.slice('weft.'.length);
    const records = memory.records.filter((r) => r.kind === kind);
    assert.equal(list.length, records.length);
    list.forEach((m, i) => {
      assert.equal(m.headers!['content-type'], `application/x-protobuf; proto=weft.v1.${messages[kind]}`);
      assert.ok(Buffer.isBuffer(m.value));
      assert.deepEqual(protoToEcs(kind, decode(messages[kind]!, m.value)), JSON.parse(encoder.encode(records[i]!)), `${kind} #${i}`);
    });
  }
  assert.deepEqual(topics.map((t) => t.topic).sort(), ['weft.dns', 'weft.flow', 'weft.stats']);
});

test('kafka:// sink URIs; bad ones named', () => {
  assert.deepEqual(parseSinkUri('kafka://b1:9092,b2:9092?acks=1&topic_prefix=lab.weft&node=n1'),
    { kind: 'kafka', brokers: ['b1:9092', 'b2:9092'], topicPrefix: 'lab.weft', acks: 1, node: 'n1', encoding: 'json' });
  assert.equal((parseSinkUri('kafka://b:9092?encoding=protobuf') as { encoding: string }).encoding, 'protobuf');
  assert.throws(() => parseSinkUri('kafka://b:9092?encoding=xml'), /encoding: expected json or protobuf, got 'xml'/);
  assert.equal((parseSinkUri('kafka://b:9092') as { acks: number }).acks, -1);
  assert.throws(() => parseSinkUri('kafka://b:9092?acks=2'), /acks: expected all, 1 or 0, got '2'/);
  assert.throws(() => parseSinkUri('kafka://b:9092?partitions=3'), /unknown parameter 'partitions'/);
  assert.throws(() => parseSinkUri('kafka://'), /missing host:port/);
});

test('end to end against a Kafka broker', { skip: BROKER === undefined ? 'WEFT_TEST_KAFKA not set (no Kafka broker can be installed here; set it to host:port to run this test)' : existsSync(CAPTURE) ? false : 'corpus absent' }, async () => {
  const { memory, encoder } = await replayed();
  const prefix = `weft-test-${process.pid}-${Date.now()}`;
  const sink = new KafkaSink({ brokers: [BROKER!], topicPrefix: prefix, acks: -1, agentId: 'e2e', warn: () => undefined }, encoder);
  await sink.write(memory.records);
  await sink.close();
  const kafka = new Kafka({ clientId: 'weft-test', brokers: [BROKER!], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${prefix}-reader` });
  await consumer.connect();
  const topics = [...new Set(memory.records.map((r) => `${prefix}.${r.kind}`))];
  await consumer.subscribe({ topics, fromBeginning: true });
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received} of ${memory.records.length}`)), 30_000);
    void consumer.run({ eachMessage: async () => { if (++received === memory.records.length) { clearTimeout(timer); resolve(); } } });
  });
  await consumer.disconnect();
  assert.equal(received, memory.records.length);
});
