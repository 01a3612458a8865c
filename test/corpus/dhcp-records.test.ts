/**
 * `dhcp` records of a whole replay against tshark, message by message: type, transaction id,
 * client MAC, assigned/requested address, hostname and server id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dhcpMessageTypeName } from '../../src/dpi/dhcp/index.js';
import { replayRecords } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, truthFrames, type TruthDhcp } from '../support/corpus.js';

test('dhcp records agree with tshark, message by message', { skip: CORPUS_SKIP }, async () => {
  let messages = 0;
  let fields = 0;
  let cut = 0;
  const disagreements: string[] = [];
  for (const name of corpusNames()) {
    if (name.startsWith('malformed-')) continue;
    const frames = truthFrames(name).filter((f) => f['dhcp'] !== undefined && !f.non_packet_record);
    if (frames.length === 0) continue;
    const records = await replayRecords(name, 'dhcp');
    let next = 0;
    for (const f of frames) {
      const t = f['dhcp'] as TruthDhcp;
      messages++;
      // Frames cut by the capture's snaplen inside the BOOTP header give no record (the DHCP
      // parser test covers them); tshark still shows the fixed fields before the cut.
      if (f.caplen < f.len && f.caplen < 14 + 20 + 8 + 240) { cut++; continue; }
      const r = records[next++];
      if (r === undefined) { disagreements.push(`${name} frame ${f.frame}: no record`); continue; }
      const expect: [string, unknown, unknown][] = [
        ['type', t.msg_type?.[0] !== undefined ? dhcpMessageTypeName(t.msg_type[0]) : undefined, t.msg_type ? r.messageType : undefined],
        ['xid', t.xid?.[0], r.transactionId],
        ['client_mac', t.client_mac?.[0], r.clientMac],
        ['yiaddr', t.yiaddr?.[0], t.yiaddr ? r.assignedIp : undefined],
        ['requested_ip', t.requested_ip?.[0], r.requestedIp],
        ['hostname', t.hostname?.[0], r.hostname],
        ['server_id', t.server_id?.[0], r.serverId],
      ];
      for (const [field, want, got] of expect) {
        if (want === undefined) continue;
        fields++;
        if (want !== got) disagreements.push(`${name} frame ${f.frame} ${field}: ${String(got)} vs tshark ${String(want)}`);
      }
    }
    if (next !== records.length) disagreements.push(`${name}: ${records.length - next} dhcp records tshark does not show`);
  }
  process.stdout.write(`# dhcp records: ${messages} messages, ${fields} fields compared, ${cut} cut by the snaplen, ${disagreements.length} disagree\n`);
  assert.deepEqual(disagreements, []);
  assert.ok(messages >= 20);
});
