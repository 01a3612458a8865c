/**
 * Golden traces (Zeek btest style): a few corpus captures through the real pipeline and encoder,
 * compared line for line with test/golden/NAME.jsonl. Truth for the numbers comes from tshark in
 * the corpus tests; this guards every other field against unintended change. After an intended
 * change, `UPDATE_GOLDEN=1 make test` rewrites the files — review the diff before committing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcsJsonEncoder } from '../../src/export/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { CORPUS_SKIP, REPO_ROOT, corpusPcap } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';

const TRACES = [
  'http-get.pcap', 'tunnel-vxlan-http.pcap', 'tunnel-gre-erspan.pcap', 'vlan-qinq-http.pcap', 'ipv6-frag.pcap',
  'frag-ipv4-policy.pcap', 'icmp-ping.pcap', 'icmp-unreach-udp.pcap', 'pcapng-multi-if.pcapng', 'linktype-nflog.pcap',
  'tcp-retransmissions.pcapng', 'dns-tcp.pcap',
];

for (const name of TRACES) {
  test(`golden: ${name}`, { skip: CORPUS_SKIP }, async () => {
    const sink = new MemorySink();
    const pipeline = new ReplayPipeline({ warn: () => {} });
    await pipeline.run([corpusPcap(name)], [sink]);
    const encoder = new EcsJsonEncoder({ observerHostname: 'golden', points: pipeline.points });
    const text = sink.records.map((r) => encoder.encode(r)).join('\n')
      .replaceAll(/"weft\.capture\.file":"[^"]*"/g, `"weft.capture.file":"${name}"`) + '\n';
    const golden = join(REPO_ROOT, 'test', 'golden', `${name}.jsonl`);
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(golden)) {
      writeFileSync(golden, text);
      if (process.env['UPDATE_GOLDEN'] !== '1') assert.fail(`${golden} did not exist: written, check it in`);
      return;
    }
    assert.equal(text, readFileSync(golden, 'utf8'));
  });
}
