import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelFlows } from './kernel-flows.js';
import {
  FlowEndReason, type FlowRecord, WEFT_FLOW_KEY_SIZE, WEFT_FLOW_VALUE_SIZE, WEFT_FLOW_KEY_NETNS, WEFT_FLOW_KEY_IFINDEX,
  WEFT_FLOW_KEY_DIRECTION, WEFT_FLOW_KEY_L4PROTO, WEFT_FLOW_KEY_IP_VERSION, WEFT_FLOW_KEY_SRC, WEFT_FLOW_KEY_DST,
  WEFT_FLOW_KEY_SPORT, WEFT_FLOW_KEY_DPORT, WEFT_FLOW_VALUE_PACKETS, WEFT_FLOW_VALUE_BYTES, WEFT_FLOW_VALUE_SKBS,
  WEFT_FLOW_VALUE_FIRST_NS, WEFT_FLOW_VALUE_LAST_NS, WEFT_FLOW_VALUE_TCP_FLAGS,
} from '../model/index.js';

interface Entry { dir: number; proto: number; src: string; dst: string; sport: number; dport: number; packets: number; bytes: number; first: number; last: number; flags: number; netns?: number; ifindex?: number }

function snapshot(entries: Entry[]): { keys: Buffer; values: Buffer } {
  const keys = Buffer.alloc(entries.length * WEFT_FLOW_KEY_SIZE);
  const values = Buffer.alloc(entries.length * WEFT_FLOW_VALUE_SIZE);
  entries.forEach((e, i) => {
    const k = i * WEFT_FLOW_KEY_SIZE;
    keys.writeUInt32LE(e.netns ?? 4026532000, k + WEFT_FLOW_KEY_NETNS);
    keys.writeUInt32LE(e.ifindex ?? 2, k + WEFT_FLOW_KEY_IFINDEX);
    keys[k + WEFT_FLOW_KEY_DIRECTION] = e.dir;
    keys[k + WEFT_FLOW_KEY_L4PROTO] = e.proto;
    keys[k + WEFT_FLOW_KEY_IP_VERSION] = 4;
    for (const [at, ip] of [[WEFT_FLOW_KEY_SRC, e.src], [WEFT_FLOW_KEY_DST, e.dst]] as const) {
      keys[k + at + 10] = 0xff;
      keys[k + at + 11] = 0xff;
      ip.split('.').forEach((o, j) => { keys[k + at + 12 + j] = Number(o); });
    }
    keys.writeUInt16LE(e.sport, k + WEFT_FLOW_KEY_SPORT);
    keys.writeUInt16LE(e.dport, k + WEFT_FLOW_KEY_DPORT);
    const v = i * WEFT_FLOW_VALUE_SIZE;
    values.writeBigUInt64LE(BigInt(e.packets), v + WEFT_FLOW_VALUE_PACKETS);
    values.writeBigUInt64LE(BigInt(e.bytes), v + WEFT_FLOW_VALUE_BYTES);
    values.writeBigUInt64LE(BigInt(e.packets), v + WEFT_FLOW_VALUE_SKBS);
    values.writeBigUInt64LE(BigInt(e.first), v + WEFT_FLOW_VALUE_FIRST_NS);
    values.writeBigUInt64LE(BigInt(e.last), v + WEFT_FLOW_VALUE_LAST_NS);
    values.writeUInt32LE(e.flags, v + WEFT_FLOW_VALUE_TCP_FLAGS);
  });
  return { keys, values };
}

const S = 1e9;
function setup(): { flows: KernelFlows; records: FlowRecord[]; deletes: Buffer } {
  const records: FlowRecord[] = [];
  const flows = new KernelFlows({ idleTimeoutNs: 10 * S, activeTimeoutNs: 60 * S, tcpLingerNs: 2 * S },
    { offsetSec: 1_700_000_000, offsetNsec: 500_000_000 }, (netns, ifindex) => (netns === 4026532000 && ifindex === 2 ? 7 : -1),
    (r) => records.push(r));
  return { flows, records, deletes: Buffer.alloc(64 * WEFT_FLOW_KEY_SIZE) };
}

const client = { src: '10.202.1.1', dst: '10.202.1.2', sport: 40000, dport: 80 };
const server = { src: '10.202.1.2', dst: '10.202.1.1', sport: 80, dport: 40000 };

test('the two directions of a connection on one interface become one biflow, initiator first', () => {
  const { flows, records, deletes } = setup();
  // the reply direction listed first, and both first seen in the same ns: the SYN without ACK decides
  const s = snapshot([
    { dir: 0, proto: 6, ...server, packets: 5, bytes: 900, first: 100 * S, last: 101 * S, flags: 0x1b },
    { dir: 1, proto: 6, ...client, packets: 6, bytes: 500, first: 100 * S, last: 101 * S, flags: 0x02 },
  ]);
  assert.equal(flows.update(s.keys, s.values, 2, 102 * S, deletes), 0);
  assert.equal(records.length, 0, 'nothing due yet');
  assert.equal(flows.update(s.keys, s.values, 2, 112 * S, deletes), 2, 'idle: both kernel entries deleted');
  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.equal(r.sourceIp, '10.202.1.1');
  assert.equal(r.sourcePort, 40000);
  assert.equal(r.destinationPort, 80);
  assert.deepEqual([r.sourcePackets, r.sourceBytes, r.destinationPackets, r.destinationBytes], [6, 500, 5, 900]);
  assert.equal(r.endReason, FlowEndReason.IDLE_TIMEOUT);
  assert.equal(r.observationPoint, 7);
  assert.deepEqual([r.startSec, r.startNsec, r.endSec, r.endNsec], [1_700_000_100, 500_000_000, 1_700_000_101, 500_000_000]);
  assert.match(r.communityId, /^1:/);
  const deleted = new Set([deletes.toString('hex', 0, WEFT_FLOW_KEY_SIZE), deletes.toString('hex', WEFT_FLOW_KEY_SIZE, 2 * WEFT_FLOW_KEY_SIZE)]);
  assert.deepEqual(deleted, new Set([s.keys.toString('hex', 0, WEFT_FLOW_KEY_SIZE), s.keys.toString('hex', WEFT_FLOW_KEY_SIZE)]));
});

test('active timeout reports the counts since the previous record; the records add up', () => {
  const { flows, records, deletes } = setup();
  const at = (p: number, last: number) => snapshot([
    { dir: 1, proto: 17, ...client, packets: p, bytes: p * 128, first: 0, last, flags: 0 },
  ]);
  let s = at(10, 10 * S);
  flows.update(s.keys, s.values, 1, 10 * S, deletes);
  s = at(70, 61 * S);
  flows.update(s.keys, s.values, 1, 61 * S, deletes);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.endReason, FlowEndReason.ACTIVE_TIMEOUT);
  assert.equal(records[0]!.sourcePackets, 70);
  s = at(100, 65 * S);
  flows.update(s.keys, s.values, 1, 66 * S, deletes);
  flows.flushAll();
  assert.equal(records.length, 2);
  assert.equal(records[1]!.sourcePackets, 30);
  assert.equal(records[1]!.sourceBytes, 30 * 128);
  assert.equal(records[1]!.endReason, FlowEndReason.FORCED_END);
});

test('a TCP connection ended by FIN both ways is reported after the linger, not the idle timeout', () => {
  const { flows, records, deletes } = setup();
  const s = snapshot([
    { dir: 1, proto: 6, ...client, packets: 4, bytes: 200, first: 0, last: 1 * S, flags: 0x13 },
    { dir: 0, proto: 6, ...server, packets: 3, bytes: 150, first: 0, last: 1 * S, flags: 0x13 },
  ]);
  assert.equal(flows.update(s.keys, s.values, 2, 2 * S, deletes), 0);
  assert.equal(flows.update(s.keys, s.values, 2, 3.5 * S, deletes), 2);
  assert.equal(records[0]!.endReason, FlowEndReason.END_OF_FLOW);
});

test('the same tuple on another interface or namespace is another flow; ICMP pairs request and reply', () => {
  const { flows, records } = setup();
  const s = snapshot([
    { dir: 1, proto: 17, ...client, packets: 1, bytes: 100, first: 0, last: 0, flags: 0 },
    { dir: 1, proto: 17, ...client, packets: 2, bytes: 200, first: 0, last: 0, flags: 0, ifindex: 3 },
    { dir: 1, proto: 1, src: client.src, dst: client.dst, sport: 8, dport: 0, packets: 3, bytes: 252, first: 0, last: 0, flags: 0 },
    { dir: 0, proto: 1, src: server.src, dst: server.dst, sport: 0, dport: 0, packets: 3, bytes: 252, first: 1, last: 1, flags: 0 },
  ]);
  flows.update(s.keys, s.values, 4, 0, Buffer.alloc(8 * WEFT_FLOW_KEY_SIZE));
  flows.flushAll();
  assert.equal(records.length, 3);
  const icmp = records.find((r) => r.ipProto === 1)!;
  assert.deepEqual([icmp.icmpType, icmp.sourcePackets, icmp.destinationPackets, icmp.sourcePort], [8, 3, 3, 0]);
  assert.deepEqual(records.filter((r) => r.ipProto === 17).map((r) => r.observationPoint).sort(), [-1, 7]);
});
