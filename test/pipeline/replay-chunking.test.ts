/**
 * The pipeline meters packets in groups that hold views into the reader's chunk (see
 * pipeline/replay.ts). However the input arrives — one file read, or a stream of tiny pieces —
 * the records must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { EcsJsonEncoder } from '../../src/export/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { CORPUS_SKIP, corpusPcap } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';

async function replay(file: string, stdin?: Readable): Promise<string> {
  const sink = new MemorySink();
  const pipeline = new ReplayPipeline({ warn: () => {}, ...(stdin !== undefined && { stdin }) });
  await pipeline.run([stdin === undefined ? file : '-'], [sink]);
  const encoder = new EcsJsonEncoder({ observerHostname: 't', points: pipeline.points });
  return sink.records.map((r) => encoder.encode(r)).join('\n')
    .replaceAll(/"weft\.capture\.file":"[^"]*",?/g, '').replaceAll(/"@timestamp":"[^"]*","event\.kind":"metric"/g, '');
}

/** A stream that hands out `bytes` in pieces of 1 to `max` bytes (deterministic sizes). */
function pieces(bytes: Uint8Array, max: number): Readable {
  const out: Uint8Array[] = [];
  let seed = 7;
  for (let off = 0; off < bytes.length;) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const n = 1 + (seed % max);
    out.push(bytes.slice(off, off + n));
    off += n;
  }
  return Readable.from(out);
}

for (const name of ['flow-mixed.pcap', 'pcapng-many-if.pcapng', 'tunnel-gre-in-gre.pcap', 'ipv6-frag.pcap']) {
  test(`records do not depend on how the input is chunked: ${name}`, { skip: CORPUS_SKIP }, async () => {
    const file = corpusPcap(name);
    const whole = await replay(file);
    assert.ok(whole.length > 0);
    assert.equal(await replay(file, pieces(readFileSync(file), 97)), whole);
    assert.equal(await replay(file, pieces(readFileSync(file), 5000)), whole);
  });
}
