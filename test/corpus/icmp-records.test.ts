/**
 * `icmp` records: every ICMP error tshark shows quoting a packet (ip_layers with in_icmp_error)
 * comes out as one record naming the quoted packet's addresses, and its quoted Community ID is
 * the one of that packet's own flow record when the capture holds it — so the two join.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord, IcmpErrorRecord } from '../../src/model/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { ipText } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFrames } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';

test('icmp error records name the flow they quote, as tshark reads the quote', { skip: CORPUS_SKIP }, async () => {
  let errors = 0;
  let joined = 0;
  const problems: string[] = [];
  for (const name of corpusNames()) {
    if (name.startsWith('malformed-')) continue;
    const quoting = truthFrames(name).filter((f) => f.ip_layers?.some((l) => l.in_icmp_error === true));
    if (quoting.length === 0) continue;
    const sink = new MemorySink();
    await new ReplayPipeline({ warn: () => {} }).run([corpusPcap(name)], [sink]);
    const icmp = sink.records.filter((r): r is IcmpErrorRecord => r.kind === 'icmp');
    const flows = sink.records.filter((r): r is FlowRecord => r.kind === 'flow');
    if (icmp.length !== quoting.length) problems.push(`${name}: ${icmp.length} icmp records, tshark shows ${quoting.length} quoting errors`);
    for (let i = 0; i < Math.min(icmp.length, quoting.length); i++) {
      errors++;
      const quoted = quoting[i]!.ip_layers!.find((l) => l.in_icmp_error === true)!;
      const r = icmp[i]!;
      if (ipText(r.quotedSourceIp) !== ipText(quoted.src) || ipText(r.quotedDestinationIp) !== ipText(quoted.dst)) {
        problems.push(`${name} frame ${quoting[i]!.frame}: quoted ${r.quotedSourceIp} → ${r.quotedDestinationIp}, tshark ${quoted.src} → ${quoted.dst}`);
      }
      const own = flows.find((f) => f.ipProto === r.quotedIpProto &&
        ((f.sourceIp === r.quotedSourceIp && f.destinationIp === r.quotedDestinationIp) ||
          (f.sourceIp === r.quotedDestinationIp && f.destinationIp === r.quotedSourceIp)) &&
        (r.quotedSourcePort === undefined || [f.sourcePort, f.destinationPort].includes(r.quotedSourcePort)));
      if (own !== undefined) {
        joined++;
        if (own.communityId !== r.quotedCommunityId) problems.push(`${name} frame ${quoting[i]!.frame}: quoted community id ${r.quotedCommunityId}, its flow's ${own.communityId}`);
      }
    }
  }
  process.stdout.write(`# icmp records: ${errors} quoting errors, ${joined} joined to the quoted flow's record, ${problems.length} problems\n`);
  assert.deepEqual(problems, []);
  assert.ok(errors >= 5 && joined >= 1);
});
