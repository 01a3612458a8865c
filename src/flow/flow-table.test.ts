import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FlowEndReason, PacketView, TunnelType, type FlowRecord } from '../model/index.js';
import { ACK, FIN, ICMP, ICMPV6, PSH, RST, SYN, TCP, UDP, fillView, type ViewSpec } from '../../test/support/views.js';
import { type FlowConfig } from './config.js';
import { FlowTable } from './flow-table.js';

const C = '10.0.0.1';
const S = '10.0.0.2';

function setup(config: Partial<FlowConfig> = {}) {
  const records: FlowRecord[] = [];
  const table = new FlowTable(config, (r) => { records.push(r); });
  const view = new PacketView();
  const send = (spec: ViewSpec): void => { table.observe(fillView(view, spec)); };
  const advance = (ms: number): void => { table.advance(Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)); };
  return { table, records, send, advance };
}

/** Client → server and server → client TCP packets at `ms`. */
const c2s = (ms: number, flags: number, len = 60): ViewSpec => ({ src: C, dst: S, sport: 40000, dport: 80, flags, ms, len });
const s2c = (ms: number, flags: number, len = 60): ViewSpec => ({ src: S, dst: C, sport: 80, dport: 40000, flags, ms, len });

function only(records: FlowRecord[]): FlowRecord {
  assert.equal(records.length, 1, `expected one record, got ${records.length}`);
  return records[0]!;
}

describe('FlowTable: biflow orientation (RFC 5103)', () => {
  it('makes the SYN sender the source, even when the SYN comes from the larger endpoint', () => {
    const { table, records, send } = setup();
    send({ src: S, dst: C, sport: 80, dport: 40000, flags: SYN, ms: 0 }); // S > C: side B initiates
    send({ src: C, dst: S, sport: 40000, dport: 80, flags: SYN | ACK, ms: 1 });
    table.flushAll();
    const r = only(records);
    assert.equal(r.sourceIp, S);
    assert.equal(r.sourcePort, 80);
    assert.equal(r.destinationIp, C);
    assert.equal(r.sourcePackets, 1);
    assert.equal(r.destinationPackets, 1);
    assert.equal(r.sourceTcpFlags, SYN);
    assert.equal(r.destinationTcpFlags, SYN | ACK);
    assert.equal(r.endReason, FlowEndReason.FORCED_END);
  });

  it('makes the receiver of a SYN/ACK seen first the source', () => {
    const { table, records, send } = setup();
    send(s2c(0, SYN | ACK));
    send(c2s(1, ACK));
    table.flushAll();
    const r = only(records);
    assert.equal(r.sourceIp, C);
    assert.equal(r.sourcePort, 40000);
    assert.equal(r.sourcePackets, 1);
    assert.equal(r.sourceTcpFlags, ACK);
    assert.equal(r.destinationTcpFlags, SYN | ACK);
  });

  it('falls back to the first packet sender for mid-stream TCP and for UDP', () => {
    const t = setup();
    t.send(s2c(0, ACK | PSH));
    t.send(c2s(1, SYN)); // a SYN later does not re-orient
    t.table.flushAll();
    assert.equal(only(t.records).sourceIp, S);

    const u = setup();
    u.send({ src: '192.168.1.52', dst: '8.8.8.8', proto: UDP, sport: 54585, dport: 53, ms: 0, len: 60 });
    u.send({ src: '8.8.8.8', dst: '192.168.1.52', proto: UDP, sport: 53, dport: 54585, ms: 20, len: 120 });
    u.table.flushAll();
    const r = only(u.records);
    assert.equal(r.sourceIp, '192.168.1.52');
    assert.equal(r.destinationPort, 53);
    assert.equal(r.sourceBytes, 60);
    assert.equal(r.destinationBytes, 120);
    assert.equal(r.communityId, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
    assert.equal(r.icmpType, -1);
    assert.equal(r.startSec, 0);
    assert.equal(r.endNsec, 20e6);
  });
});

describe('FlowTable: timeouts (packet time)', () => {
  const udp = (ms: number, fromClient = true): ViewSpec => fromClient
    ? { src: C, dst: S, proto: UDP, sport: 5000, dport: 53, ms }
    : { src: S, dst: C, proto: UDP, sport: 53, dport: 5000, ms };

  it('emits idle_timeout from advance exactly when last + idle ≤ now', () => {
    const { records, send, advance } = setup({ idleTimeoutMs: 15_000 });
    send(udp(0));
    send(udp(10_000));
    advance(24_999);
    assert.equal(records.length, 0);
    advance(25_000);
    const r = only(records);
    assert.equal(r.endReason, FlowEndReason.IDLE_TIMEOUT);
    assert.equal(r.sourcePackets, 2);
    assert.deepEqual([r.startSec, r.endSec], [0, 10]);
  });

  it('emits idle_timeout on the next packet when advance was not called', () => {
    const { table, records, send } = setup({ idleTimeoutMs: 15_000 });
    send(udp(0));
    send(udp(15_000)); // exactly the idle timeout later: a new flow
    assert.equal(records.length, 1);
    assert.equal(records[0]!.endReason, FlowEndReason.IDLE_TIMEOUT);
    assert.equal(records[0]!.sourcePackets, 1);
    send(udp(29_999, false));
    table.flushAll();
    assert.equal(records.length, 2);
    const r = records[1]!;
    assert.equal(r.endReason, FlowEndReason.FORCED_END);
    assert.deepEqual([r.startSec, r.endSec, r.endNsec], [15, 29, 999e6]);
    assert.deepEqual([r.sourcePackets, r.destinationPackets], [1, 1]);
    assert.equal(table.stats().flowsCreated, 2);
  });

  it('cuts active_timeout records at exact boundaries and keeps the orientation', () => {
    const { table, records, send } = setup({ idleTimeoutMs: 15_000, activeTimeoutMs: 60_000 });
    for (let t = 0; t <= 130_000; t += 10_000) send(udp(t, t !== 60_000 && t !== 120_000));
    table.flushAll();
    assert.deepEqual(records.map((r) => r.endReason),
      [FlowEndReason.ACTIVE_TIMEOUT, FlowEndReason.ACTIVE_TIMEOUT, FlowEndReason.FORCED_END]);
    assert.deepEqual(records.map((r) => [r.startSec, r.endSec]), [[0, 50], [60, 110], [120, 130]]);
    assert.deepEqual(records.map((r) => r.sourcePackets + r.destinationPackets), [6, 6, 2]);
    for (const r of records) assert.equal(r.sourceIp, C);
    assert.deepEqual(records.map((r) => r.destinationPackets), [0, 1, 1]);
    const st = table.stats();
    assert.equal(st.flowsCreated, 1);
    assert.equal(st.records['active_timeout'], 2);
  });

  it('survives time going backwards: no crash, clock is the max, no spurious splits', () => {
    const { table, records, send, advance } = setup({ idleTimeoutMs: 15_000 });
    send(udp(100_000));
    send(udp(50_000, false)); // 50 s back in time
    send(udp(101_000));
    advance(60_000); // behind the clock: no effect
    assert.equal(records.length, 0);
    table.flushAll();
    const r = only(records);
    assert.equal(r.sourcePackets + r.destinationPackets, 3);
    assert.deepEqual([r.startSec, r.endSec], [50, 101]);
    records.length = 0;

    // One bogus future timestamp expires what is idle relative to it, but packets after it with
    // older timestamps still group into flows.
    send(udp(200_000));
    send({ src: '10.9.9.9', dst: S, proto: UDP, sport: 1, dport: 2, ms: 9_000_000 });
    advance(9_000_000);
    assert.equal(records.length, 1);
    send(udp(201_000));
    send(udp(202_000, false));
    send(udp(203_000));
    advance(9_000_001);
    table.flushAll();
    const tail = records.filter((x) => x.sourceIp === C);
    assert.equal(tail.length, 2);
    assert.equal(tail[1]!.sourcePackets + tail[1]!.destinationPackets, 3);
  });
});

describe('FlowTable: TCP end, linger, port reuse, RTT', () => {
  function handshake(send: (v: ViewSpec) => void): void {
    send(c2s(0, SYN));
    send(s2c(10, SYN | ACK));
    send(c2s(25, ACK));
    send(c2s(30, ACK | PSH, 500));
    send(s2c(40, ACK | PSH, 1500));
  }

  it('ends on FIN both ways after the linger, with the last ACK in the same flow', () => {
    const { table, records, send, advance } = setup({ tcpEndLingerMs: 1000 });
    handshake(send);
    send(c2s(100, FIN | ACK));
    send(s2c(110, ACK));
    send(s2c(120, FIN | ACK)); // both FINs seen: ending, linger until 1120 ms
    send(c2s(130, ACK)); // the last ACK
    advance(1119);
    assert.equal(records.length, 0);
    advance(1120);
    const r = only(records);
    assert.equal(r.endReason, FlowEndReason.END_OF_FLOW);
    assert.equal(r.sourceIp, C);
    assert.equal(r.sourcePackets, 5);
    assert.equal(r.destinationPackets, 4);
    assert.equal(r.sourceBytes, 4 * 60 + 500);
    assert.equal(r.sourceTcpFlags, SYN | ACK | PSH | FIN);
    assert.equal(r.endNsec, 130e6);
    assert.equal(r.rttServerNs, 10e6);
    assert.equal(r.rttClientNs, 15e6);
    assert.equal(r.rttNs, 25e6);
    assert.equal(table.activeFlows, 0);
    assert.equal(table.stats().records['end_of_flow'], 1);
  });

  it('ends on RST after the linger, counting packets that arrive during it', () => {
    const { table, records, send, advance } = setup({ tcpEndLingerMs: 1000, idleTimeoutMs: 500 });
    handshake(send);
    send(s2c(200, RST | ACK));
    send(c2s(900, ACK)); // late, but within the linger (idle does not apply while ending)
    advance(1100);
    assert.equal(records.length, 0);
    advance(1200);
    const r = only(records);
    assert.equal(r.endReason, FlowEndReason.END_OF_FLOW);
    assert.equal(r.sourcePackets + r.destinationPackets, 7);
    assert.equal(r.destinationTcpFlags & RST, RST);
    assert.equal(table.activeFlows, 0);
  });

  it('emits a flow whose linger passed when its next packet comes before advance', () => {
    const { table, records, send } = setup({ tcpEndLingerMs: 1000 });
    handshake(send);
    send(c2s(100, RST));
    send(c2s(5000, ACK)); // a stray packet after the linger: a new (mid-stream) flow
    assert.equal(records.length, 1);
    assert.equal(records[0]!.endReason, FlowEndReason.END_OF_FLOW);
    assert.equal(records[0]!.sourcePackets + records[0]!.destinationPackets, 6);
    table.flushAll();
    assert.equal(records.length, 2);
    assert.equal(records[1]!.sourcePackets, 1);
    assert.equal(records[1]!.rttNs, -1);
  });

  it('closes an ending flow when a new SYN reuses its ports and starts a new one', () => {
    const { table, records, send } = setup({ tcpEndLingerMs: 1000 });
    handshake(send);
    send(c2s(100, FIN | ACK));
    send(s2c(120, FIN | ACK));
    send(c2s(200, SYN)); // within the linger: port reuse
    assert.equal(records.length, 1);
    assert.equal(records[0]!.endReason, FlowEndReason.END_OF_FLOW);
    assert.equal(records[0]!.sourcePackets + records[0]!.destinationPackets, 7);
    send(s2c(210, SYN | ACK));
    send(c2s(230, ACK));
    table.flushAll();
    assert.equal(records.length, 2);
    const r = records[1]!;
    assert.equal(r.endReason, FlowEndReason.FORCED_END);
    assert.equal(r.sourceIp, C);
    assert.deepEqual([r.sourcePackets, r.destinationPackets], [2, 1]);
    assert.equal(r.rttServerNs, 10e6);
    assert.equal(r.rttClientNs, 20e6);
    assert.equal(table.stats().flowsCreated, 2);
  });

  it('measures server RTT from the last retransmitted SYN', () => {
    const { table, records, send } = setup();
    send(c2s(0, SYN));
    send(c2s(1000, SYN));
    send(s2c(1007, SYN | ACK));
    send(c2s(1010, ACK));
    table.flushAll();
    const r = only(records);
    assert.equal(r.rttServerNs, 7e6);
    assert.equal(r.rttClientNs, 3e6);
    assert.equal(r.rttNs, 10e6);
  });

  it('measures only the client RTT when the SYN/ACK is the first packet', () => {
    const { table, records, send } = setup();
    send(s2c(0, SYN | ACK));
    send(c2s(4, ACK));
    table.flushAll();
    const r = only(records);
    assert.equal(r.rttServerNs, -1);
    assert.equal(r.rttClientNs, 4e6);
    assert.equal(r.rttNs, -1);
  });

  it('reports no RTT for an unclean handshake or a mid-stream flow', () => {
    const a = setup();
    a.send(c2s(0, SYN));
    a.send(c2s(5, ACK)); // ACK before any SYN/ACK
    a.send(s2c(10, SYN | ACK));
    a.send(c2s(12, ACK));
    a.table.flushAll();
    assert.deepEqual([only(a.records).rttServerNs, only(a.records).rttClientNs, only(a.records).rttNs], [-1, -1, -1]);
    const b = setup();
    b.send(c2s(0, ACK));
    b.send(s2c(1, ACK));
    b.table.flushAll();
    assert.equal(only(b.records).rttNs, -1);
    const c = setup();
    c.send({ src: C, dst: S, proto: UDP, sport: 1, dport: 2, ms: 0 });
    c.table.flushAll();
    assert.deepEqual([only(c.records).rttServerNs, only(c.records).rttNs], [-1, -1]);
  });
});

describe('FlowTable: ICMP', () => {
  it('puts an echo request and its reply in one flow with the baseline community id', () => {
    const { table, records, send } = setup();
    send({ src: '192.168.0.89', dst: '192.168.0.1', proto: ICMP, icmpType: 8, icmpCode: 0, ms: 0, len: 84 });
    send({ src: '192.168.0.1', dst: '192.168.0.89', proto: ICMP, icmpType: 0, icmpCode: 0, ms: 1, len: 84 });
    send({ src: '10.0.0.1', dst: '10.0.0.2', proto: ICMP, icmpType: 11, icmpCode: 0, ms: 2, len: 56 });
    table.flushAll();
    assert.equal(records.length, 2);
    const echo = records[0]!;
    assert.equal(echo.sourceIp, '192.168.0.89');
    assert.deepEqual([echo.sourcePackets, echo.destinationPackets], [1, 1]);
    assert.deepEqual([echo.icmpType, echo.icmpCode, echo.sourcePort, echo.destinationPort], [8, 0, 0, 0]);
    assert.equal(echo.communityId, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
    const ttl = records[1]!;
    assert.deepEqual([ttl.icmpType, ttl.icmpCode], [11, 0]);
    assert.equal(ttl.communityId, '1:YHxtAirCG//0OzkcVAukqKQN9xM=');
  });

  it('pairs ICMPv6 echo request/reply and neighbor solicitation/advertisement', () => {
    const { table, records, send } = setup();
    const a = '3ffe:507:0:1:200:86ff:fe05:80da';
    const b = '3ffe:501:0:1001::2';
    send({ src: a, dst: b, proto: ICMPV6, icmpType: 128, ms: 0 });
    send({ src: b, dst: a, proto: ICMPV6, icmpType: 129, ms: 1 });
    const m = 'fe80::200:86ff:fe05:80da';
    const n = 'fe80::260:97ff:fe07:69ea';
    send({ src: m, dst: n, proto: ICMPV6, icmpType: 135, ms: 2 });
    send({ src: n, dst: m, proto: ICMPV6, icmpType: 136, ms: 3 });
    table.flushAll();
    assert.equal(records.length, 2);
    assert.equal(records[0]!.communityId, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=');
    assert.equal(records[0]!.destinationPackets, 1);
    assert.equal(records[1]!.communityId, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=');
    assert.equal(records[1]!.ipVersion, 6);
  });
});

describe('FlowTable: fragments', () => {
  const frag = (ms: number, offset: number, id = 7, len = 1500, more = true): ViewSpec =>
    ({ src: C, dst: S, proto: UDP, sport: 5000, dport: 4789, ms, len, frag: { id, offset, more } });

  it('attributes in-order non-first fragments to the first fragment\'s flow', () => {
    const { table, records, send } = setup();
    send(frag(0, 0));
    send(frag(1, 1480));
    send(frag(2, 2960, 7, 520, false));
    send({ src: S, dst: C, proto: UDP, sport: 4789, dport: 5000, ms: 3, len: 40 });
    table.flushAll();
    const r = only(records);
    assert.equal(r.sourcePort, 5000);
    assert.equal(r.sourcePackets, 3);
    assert.equal(r.sourceBytes, 1500 + 1500 + 520);
    assert.equal(r.destinationPackets, 1);
    assert.equal(r.fragments, 3);
  });

  it('holds non-first fragments that come before the first and adds them when it arrives', () => {
    const { table, records, send } = setup();
    send(frag(10, 2960, 9, 520, false));
    send(frag(11, 1480, 9));
    assert.equal(table.activeFlows, 0);
    send(frag(12, 0, 9));
    send(frag(13, 0, 10, 300, false)); // another datagram of the same flow, unfragmented tail
    table.flushAll();
    const r = only(records);
    assert.equal(r.sourcePackets, 4);
    assert.equal(r.sourceBytes, 520 + 1500 + 1500 + 300);
    assert.equal(r.fragments, 4);
    assert.deepEqual([r.startNsec, r.endNsec], [10e6, 13e6]);
    assert.equal(table.stats().fragmentOrphans, 0);
  });

  it('attributes orphans (first fragment never seen) to a ports-0 flow at expiry', () => {
    const { table, records, send, advance } = setup({ fragmentTimeoutMs: 30_000, idleTimeoutMs: 15_000 });
    send(frag(0, 1480, 3));
    send(frag(5, 2960, 3, 200, false));
    advance(29_999);
    assert.equal(table.stats().fragmentEntries, 1);
    advance(30_000);
    assert.equal(table.stats().fragmentEntries, 0);
    assert.equal(table.stats().fragmentOrphans, 2);
    table.flushAll();
    const r = only(records);
    assert.deepEqual([r.sourcePort, r.destinationPort], [0, 0]);
    assert.equal(r.sourceIp, C);
    assert.equal(r.sourcePackets, 2);
    assert.equal(r.sourceBytes, 1700);
    assert.equal(r.fragments, 2);
    assert.deepEqual([r.startSec, r.endNsec], [0, 5e6]);
  });

  it('flushAll attributes pending fragments too, and overflows are counted', () => {
    const { table, records, send } = setup({ fragmentCapacity: 2 });
    send(frag(0, 1480, 1));
    send(frag(1, 1480, 2));
    send(frag(2, 1480, 3)); // evicts entry 1 (its pending fragment becomes an orphan)
    assert.equal(table.stats().fragmentOverflows, 1);
    assert.equal(table.stats().fragmentOrphans, 1);
    table.flushAll();
    const r = only(records);
    assert.equal(r.sourcePackets, 3);
    assert.equal(table.stats().fragmentOrphans, 3);
  });
});

describe('FlowTable: key', () => {
  it('separates flows by observation point, VLAN and tunnel, and reports them', () => {
    const { table, records, send } = setup();
    const base: ViewSpec = { src: C, dst: S, proto: UDP, sport: 1, dport: 2, ms: 0 };
    send(base);
    send({ ...base, ms: 1, iface: 1 });
    send({ ...base, ms: 2, vlanOuter: 100 });
    send({ ...base, ms: 3, vlanOuter: 100, vlanInner: 200 });
    send({ ...base, ms: 4, tunnel: { type: TunnelType.VXLAN, id: 42, outerSrc: '192.0.2.1', outerDst: '192.0.2.2' } });
    send({ ...base, ms: 5, tunnel: { type: TunnelType.VXLAN, id: 43, outerSrc: '192.0.2.1', outerDst: '192.0.2.2' } });
    // the reverse direction of the tunnelled flow, with swapped outer addresses
    send({ src: S, dst: C, proto: UDP, sport: 2, dport: 1, ms: 6,
      tunnel: { type: TunnelType.VXLAN, id: 42, outerSrc: '192.0.2.2', outerDst: '192.0.2.1' } });
    table.flushAll();
    assert.equal(records.length, 6);
    assert.deepEqual(records.map((r) => r.observationPoint), [0, 1, 0, 0, 0, 0]);
    assert.deepEqual(records.map((r) => [r.vlanOuter, r.vlanInner]), [[0, 0], [0, 0], [100, 0], [100, 200], [0, 0], [0, 0]]);
    const vx = records[4]!;
    assert.deepEqual(vx.tunnel, {
      type: 'vxlan', id: 42, outerIpVersion: 4, outerSourceIp: '192.0.2.1', outerDestinationIp: '192.0.2.2', outerIpProto: UDP,
    });
    assert.equal(vx.destinationPackets, 1);
    assert.equal(records[0]!.tunnel, undefined);
  });

  it('orients MAC addresses with the flow', () => {
    const { table, records, send } = setup();
    send({ ...s2c(0, SYN | ACK), srcMac: '02:00:00:00:00:0b', dstMac: '02:00:00:00:00:0a' });
    send({ ...c2s(1, ACK), srcMac: 'ff:ff:ff:ff:ff:ff', dstMac: 'ff:ff:ff:ff:ff:ff' });
    send({ src: '2001:db8::1', dst: '2001:db8::2', proto: UDP, sport: 1, dport: 2, ms: 2 });
    table.flushAll();
    assert.equal(records[0]!.sourceMac, '02:00:00:00:00:0a');
    assert.equal(records[0]!.destinationMac, '02:00:00:00:00:0b');
    assert.equal(records[1]!.sourceMac, undefined);
    assert.equal(records[1]!.sourceIp, '2001:db8::1');
  });

  it('keeps the larger tsDigits of a flow\'s packets and ignores non-IP views', () => {
    const { table, records, send } = setup();
    send({ src: C, dst: S, proto: UDP, sport: 1, dport: 2, ms: 0, tsDigits: 6 });
    send({ src: C, dst: S, proto: UDP, sport: 1, dport: 2, ms: 1, tsDigits: 9 });
    const v = new PacketView();
    table.observe(v); // ipVersion 0
    table.flushAll();
    assert.equal(only(records).tsDigits, 9);
    assert.equal(table.stats().nonIpPackets, 1);
  });
});

describe('FlowTable: capacity', () => {
  const udpFrom = (i: number, ms: number): ViewSpec => ({ src: `10.1.0.${i}`, dst: S, proto: UDP, sport: 1000, dport: 53, ms });

  it('evicts the least recently seen flow when full and counts it', () => {
    const { table, records, send } = setup({ maxFlows: 4, initialCapacity: 2 });
    for (let i = 1; i <= 4; i++) send(udpFrom(i, i));
    send(udpFrom(1, 5)); // 1 is now the most recent; 2 is the LRU
    send(udpFrom(5, 6));
    const r = only(records);
    assert.equal(r.endReason, FlowEndReason.LACK_OF_RESOURCES);
    assert.equal(r.sourceIp, '10.1.0.2');
    assert.equal(table.activeFlows, 4);
    assert.equal(table.capacity, 4);
    const st = table.stats();
    assert.equal(st.evictionsFull, 1);
    assert.equal(st.records['lack_of_resources'], 1);
    assert.equal(st.peakFlows, 4);
    table.flushAll();
    // first-seen order: flow 1 began at 1 ms
    assert.deepEqual(records.slice(1).map((x) => x.sourceIp), ['10.1.0.1', '10.1.0.3', '10.1.0.4', '10.1.0.5']);
  });

  it('flushes in first-seen order', () => {
    const { table, records, send } = setup();
    send(udpFrom(3, 30));
    send(udpFrom(1, 10));
    send(udpFrom(2, 20));
    send(udpFrom(3, 40));
    table.flushAll();
    assert.deepEqual(records.map((r) => r.sourceIp), ['10.1.0.1', '10.1.0.2', '10.1.0.3']);
    assert.equal(table.activeFlows, 0);
  });

  it('prefers an idle-expired flow over evicting a live one', () => {
    const { table, records, send } = setup({ maxFlows: 2, idleTimeoutMs: 15_000 });
    send(udpFrom(1, 0));
    send(udpFrom(2, 20_000));
    send(udpFrom(3, 21_000));
    const r = only(records);
    assert.equal(r.endReason, FlowEndReason.IDLE_TIMEOUT);
    assert.equal(table.stats().evictionsFull, 0);
  });

  it('validates the config with a clear RangeError', () => {
    const cb = (): void => {};
    assert.throws(() => new FlowTable({ maxFlows: 0 }, cb), /maxFlows/);
    assert.throws(() => new FlowTable({ idleTimeoutMs: -1 }, cb), RangeError);
    assert.throws(() => new FlowTable({ maxFlows: 1.5 }, cb), RangeError);
    assert.throws(() => new FlowTable({ bogus: 1 } as unknown as Partial<FlowConfig>, cb), /unknown setting 'bogus'/);
    assert.equal(new FlowTable({ maxFlows: 8 }, cb).capacity, 8); // initialCapacity clamped to maxFlows
  });

  it('exposes the stats counters under flows_* names', () => {
    const { table, send } = setup();
    send(udpFrom(1, 0));
    const c = table.counters();
    assert.equal(c['flows_created'], 1);
    assert.equal(c['flows_active'], 1);
    for (const k of ['flows_idle_timeout', 'flows_active_timeout', 'flows_end_of_flow', 'flows_forced_end',
      'flows_lack_of_resources', 'flows_evicted_full', 'flows_peak', 'flows_fragment_overflows', 'flows_fragment_orphans']) {
      assert.equal(typeof c[k], 'number', k);
    }
  });

  it('grows from a small capacity to 1M flows within the memory budget', () => {
    let emitted = 0;
    const table = new FlowTable({}, () => { emitted++; });
    const v = fillView(new PacketView(), { src: '10.0.0.0', dst: '172.16.0.1', proto: UDP, sport: 0, dport: 53, ms: 1000 });
    const N = 1_000_000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      v.src3 = (0x0a000000 + (i >>> 4)) >>> 0;
      v.srcPort = 1024 + (i & 15);
      table.observe(v);
    }
    // some of the same flows again, in the other direction: no new entries
    v.src3 = v.dst3;
    v.srcPort = 53;
    for (let i = 0; i < N; i += 997) {
      v.dst3 = (0x0a000000 + (i >>> 4)) >>> 0;
      v.dstPort = 1024 + (i & 15);
      table.observe(v);
    }
    const ms = performance.now() - t0;
    assert.equal(emitted, 0);
    assert.equal(table.activeFlows, N);
    assert.equal(table.capacity, 1_048_576);
    assert.equal(table.stats().flowsCreated, N);
    const perFlow = table.bytesPerFlow;
    assert.ok(perFlow <= 300, `bytes per flow ${perFlow}`);
    assert.ok(table.memoryBytes < 512 * 1024 * 1024);
    assert.ok(ms < 10_000, `took ${ms} ms`);
    console.log(`# 1M flows: ${ms.toFixed(0)} ms, ${perFlow} B/flow, ${(table.memoryBytes / 2 ** 20).toFixed(0)} MiB`);
  });
});

describe('FlowTable: final flush order', () => {
  it('emits by first-seen time (seconds, then nanoseconds), ties in slot order, over many flows and seconds', () => {
    const { table, records, send } = setup({ idleTimeoutMs: 1e9, activeTimeoutMs: 1e9 });
    // Start times out of order, spread over ~70 000 s (several radix digits) with many exact ties.
    const starts: number[] = [];
    for (let i = 0; i < 3000; i++) starts.push(((i * 7919) % 997) * 70_123.456 + (i % 5 === 0 ? 0 : (i % 3) * 0.25));
    for (const [i, ms] of starts.entries()) {
      send({ src: '10.1.0.1', dst: '10.2.0.1', proto: UDP, sport: 1024 + (i % 60000), dport: 53 + Math.floor(i / 60000), ms });
    }
    table.flushAll();
    assert.equal(records.length, starts.length);
    // Slots are taken in arrival order here, so ties keep arrival order.
    const expected = starts.map((ms, i) => ({ ms, i })).sort((a, b) => a.ms - b.ms || a.i - b.i).map((x) => 1024 + (x.i % 60000));
    assert.deepEqual(records.map((r) => r.sourcePort), expected);
  });
});

describe('FlowTable: onFlowEnd', () => {
  it('tells the slot and generation of flows that end for good, not of active-timeout records', () => {
    const { table, records, send, advance } = setup({ idleTimeoutMs: 5000, activeTimeoutMs: 1000 });
    const ended: [number, number][] = [];
    table.onFlowEnd = (slot, generation) => { ended.push([slot, generation]); };
    send(c2s(0, SYN));
    const slot = table.lastObservedFlow;
    const generation = table.generationOf(slot);
    send(s2c(1500, SYN | ACK)); // past the active timeout: a record, the flow goes on
    assert.equal(records.length, 1);
    assert.deepEqual(ended, []);
    advance(10_000); // idle
    assert.deepEqual(ended, [[slot, generation]]);
    send(c2s(10_001, SYN)); // a new flow, maybe in the same slot: another generation
    assert.notEqual(table.generationOf(table.lastObservedFlow), generation);
  });
});
