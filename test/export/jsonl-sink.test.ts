import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SinkError } from '../../src/core/errors.js';
import { EcsJsonEncoder, JsonLinesSink, parseSinkUri } from '../../src/export/index.js';
import { runSinkContract, sampleFlow } from '../contracts/sink.contract.js';

const encoder = new EcsJsonEncoder({ observerHostname: 'node-a', points: [] });

runSinkContract({
  name: 'jsonl file',
  async newSink() {
    const path = join(mkdtempSync(join(tmpdir(), 'weft-jsonl-')), 'out.jsonl');
    const sink = new JsonLinesSink(path, encoder);
    return { sink, delivered: async () => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') };
  },
});

test('jsonl files are created 0600 and hold one JSON object per line', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'weft-jsonl-')), 'out.jsonl');
  const sink = new JsonLinesSink(path, encoder);
  sink.write([sampleFlow(0)]);
  await sink.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const record = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.equal(record['source.ip'], '10.0.0.1');
  assert.equal(record['event.duration'], 1_000_001_000);
  assert.deepEqual(record['destination.tcp.flags'], ['SYN', 'ACK']);
  assert.equal(record['observer.hostname'], 'node-a');
});

test('an unwritable path is a SinkError naming it', () => {
  assert.throws(() => new JsonLinesSink('/nonexistent-dir/x.jsonl', encoder), (e: unknown) =>
    e instanceof SinkError && /nonexistent-dir/.test(e.message));
});

test('sink URIs: jsonl:PATH, jsonl:-, stdout; others rejected with the scheme named', () => {
  assert.deepEqual(parseSinkUri('jsonl:/tmp/x'), { kind: 'jsonl', path: '/tmp/x' });
  assert.deepEqual(parseSinkUri('jsonl:-'), { kind: 'jsonl', path: '-' });
  assert.deepEqual(parseSinkUri('stdout'), { kind: 'jsonl', path: '-' });
  assert.throws(() => parseSinkUri('jsonl:'), /missing path/);
  assert.throws(() => parseSinkUri('ipfix+udp://x:4739'), /unknown scheme 'ipfix\+udp'/);
});
