import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordPolicy } from './record-policy.js';
import type { ExportRecord, FlowRecord } from '../model/index.js';

function flow(sourceIp: string, dport: number, communityId: string): FlowRecord {
  return {
    kind: 'flow', observationPoint: 0, startSec: 1, startNsec: 0, endSec: 2, endNsec: 0, tsDigits: 9, endReason: 1, ipVersion: 4, ipProto: 6,
    sourceIp, destinationIp: '10.9.9.9', sourcePort: 40000, destinationPort: dport, icmpType: -1, icmpCode: -1, sourcePackets: 1, sourceBytes: 60,
    destinationPackets: 1, destinationBytes: 60, sourceTcpFlags: 2, destinationTcpFlags: 18, communityId, vlanOuter: 0, vlanInner: 0,
    sourceMac: undefined, destinationMac: undefined, rttServerNs: -1, rttClientNs: -1, rttNs: -1, fragments: 0, tunnel: undefined,
  };
}
const points = [{ index: 0, interfaceId: 0, section: 0, linkType: 1, name: 'veth0', snaplen: 0, tsDigits: 9, netnsInode: 5, netnsName: 'pod-a' }];

test('include/exclude filters: fields AND, values OR, CIDR, globs, numbers; stats always pass', () => {
  const p = new RecordPolicy({ include: [{ 'source.ip': '10.1.0.0/16', 'destination.port': [80, 443] }, { 'weft.netns.name': 'pod-*', 'network.transport': 'udp' }], exclude: [{ 'source.ip': '10.1.2.3' }] });
  assert.equal(p.passes(flow('10.1.9.9', 443, '1:a'), points), true);
  assert.equal(p.passes(flow('10.1.9.9', 22, '1:a'), points), false);
  assert.equal(p.passes(flow('10.2.9.9', 80, '1:a'), points), false);
  assert.equal(p.passes(flow('10.1.2.3', 80, '1:a'), points), false, 'excluded');
  assert.equal(p.passes({ kind: 'stats', sec: 0, nsec: 0, tsDigits: 0, counters: {} } as ExportRecord, points), true);
  assert.equal(p.filtered, 3);
  assert.throws(() => new RecordPolicy({ include: [{ 'source.colour': 'red' }] }), /include\.0: unknown field 'source\.colour'/);
});

test('sampling keeps 1 in N by Community ID: every record of a connection together', () => {
  const p = new RecordPolicy({ sampling: { flow: 4 } });
  let kept = 0;
  for (let i = 0; i < 4000; i++) {
    const id = `1:${i}`;
    const a = p.passes(flow('10.0.0.1', 80, id), points);
    assert.equal(p.passes(flow('10.0.0.1', 80, id), points), a, 'the same connection decides the same way');
    if (a) kept++;
  }
  assert.ok(kept > 800 && kept < 1200, `kept ${kept} of 4000 connections at 1:4`);
});
