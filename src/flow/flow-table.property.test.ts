import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FlowEndReason, PacketView, type FlowRecord } from '../model/index.js';
import { ICMP, ICMPV6, TCP, UDP, fillView, type ViewSpec } from '../../test/support/views.js';
import { FlowTable } from './flow-table.js';

const V4 = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
const V6 = ['2001:db8::1', '2001:db8::2'];

const packet = fc.record({
  v6: fc.boolean(),
  a: fc.nat(2),
  b: fc.nat(2),
  proto: fc.constantFrom(TCP, UDP, ICMP, ICMPV6, 132, 47),
  sport: fc.constantFrom(1, 2, 80),
  dport: fc.constantFrom(1, 2, 80),
  flags: fc.integer({ min: 0, max: 0x1f }),
  icmpType: fc.constantFrom(0, 3, 8, 128, 129, 135, 136),
  dtMs: fc.integer({ min: -3_000, max: 25_000 }),
  len: fc.integer({ min: 20, max: 1500 }),
  frag: fc.option(fc.record({ id: fc.nat(3), offset: fc.constantFrom(0, 1480), more: fc.boolean() }), { freq: 3 }),
  iface: fc.nat(1),
  vlan: fc.constantFrom(0, 10),
});
type Pkt = typeof packet extends fc.Arbitrary<infer T> ? T : never;

/** A packet of one of a few flows (so flows are revisited), in either direction. */
const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ flow: fc.nat(3), reverse: fc.boolean(), p: packet }).map((x) => ({ kind: 'pkt' as const, ...x })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000 }).map((dtMs) => ({ kind: 'adv' as const, dtMs })) },
);

const config = fc.record({
  maxFlows: fc.integer({ min: 1, max: 8 }),
  initialCapacity: fc.integer({ min: 1, max: 4 }),
  idleTimeoutMs: fc.integer({ min: 1, max: 30_000 }),
  activeTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
  tcpEndLingerMs: fc.integer({ min: 0, max: 2_000 }),
  fragmentCapacity: fc.integer({ min: 1, max: 4 }),
  fragmentTimeoutMs: fc.integer({ min: 1, max: 40_000 }),
});

function spec(p: Pkt, ms: number): ViewSpec {
  const hosts = p.v6 ? V6 : V4;
  return {
    src: hosts[p.a % hosts.length]!, dst: hosts[p.b % hosts.length]!, proto: p.proto, sport: p.sport, dport: p.dport,
    flags: p.flags, icmpType: p.icmpType, ms, len: p.len, iface: p.iface, vlanOuter: p.vlan,
    ...(p.frag !== null && { frag: p.frag }),
  };
}

const REPLY: Record<number, number> = { 0: 8, 8: 0, 128: 129, 129: 128, 135: 136, 136: 135, 3: 3 };

/** `key`'s flow (addresses, ports, protocol, iface, VLAN) with `p`'s flags, length, fragment, type. */
function poolSpec(key: Pkt, reverse: boolean, p: Pkt, ms: number): ViewSpec {
  const s = spec({ ...p, v6: key.v6, a: key.a, b: key.b, proto: key.proto, sport: key.sport, dport: key.dport,
    iface: key.iface, vlan: key.vlan }, ms);
  if (!reverse) return s;
  return { ...s, src: s.dst, dst: s.src, sport: s.dport!, dport: s.sport!, icmpType: REPLY[s.icmpType!]! };
}

const toSecNsec = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];

describe('FlowTable properties', () => {
  it('conserves packets and bytes across any observes, advances, evictions and the flush', () => {
    fc.assert(fc.property(config, fc.array(packet, { minLength: 4, maxLength: 4 }), fc.array(op, { maxLength: 150 }), (cfg, pool, ops) => {
      const records: FlowRecord[] = [];
      const table = new FlowTable(cfg, (r) => { records.push(r); });
      const view = new PacketView();
      let t = 1_000_000;
      let packets = 0;
      let bytes = 0;
      for (const o of ops) {
        if (o.kind === 'adv') {
          t += o.dtMs;
          table.advance(...toSecNsec(t));
        } else {
          t = Math.max(0, t + o.p.dtMs);
          table.observe(fillView(view, poolSpec(pool[o.flow]!, o.reverse, o.p, t)));
          packets += 1;
          bytes += o.p.len;
        }
      }
      table.flushAll(FlowEndReason.FORCED_END);
      let rp = 0;
      let rb = 0;
      for (const r of records) {
        rp += r.sourcePackets + r.destinationPackets;
        rb += r.sourceBytes + r.destinationBytes;
        assert.ok(r.sourcePackets + r.destinationPackets > 0, 'no empty records');
      }
      assert.equal(rp, packets);
      assert.equal(rb, bytes);
      const st = table.stats();
      assert.equal(st.activeFlows, 0);
      assert.equal(st.fragmentEntries, 0);
      assert.equal(records.length, st.flowsCreated + (st.records['active_timeout'] ?? 0));
      assert.equal(st.records['lack_of_resources'], st.evictionsFull);
      assert.ok(st.peakFlows <= cfg.maxFlows);
    }), { numRuns: 500 });
  });

  it('maps both directions of a packet to one flow (symmetric key)', () => {
    const reply: Record<number, number> = { 0: 8, 8: 0, 128: 129, 129: 128, 135: 136, 136: 135 };
    fc.assert(fc.property(packet, (p) => {
      const records: FlowRecord[] = [];
      const table = new FlowTable({}, (r) => { records.push(r); });
      const view = new PacketView();
      const q: Pkt = { ...p, frag: null, flags: 0x10 };
      if (q.proto === ICMP || q.proto === ICMPV6) q.icmpType = q.proto === ICMP ? 8 : 128;
      const fwd = spec(q, 0);
      const rev: ViewSpec = { ...fwd, src: fwd.dst, dst: fwd.src, sport: fwd.dport!, dport: fwd.sport!, ms: 1,
        icmpType: reply[fwd.icmpType!]! };
      table.observe(fillView(view, fwd));
      table.observe(fillView(view, rev));
      assert.equal(table.activeFlows, 1);
      table.flushAll();
      assert.equal(records.length, 1);
      const r = records[0]!;
      assert.equal(r.sourcePackets + r.destinationPackets, 2);
      const icmp = q.proto === ICMP || q.proto === ICMPV6;
      const sameEndpoints = fwd.src === fwd.dst && (q.proto === 47 || fwd.sport === fwd.dport);
      // Identical endpoints are one side of the key: both packets count there.
      assert.deepEqual([r.sourcePackets, r.destinationPackets], !icmp && sameEndpoints ? [2, 0] : [1, 1]);
      assert.equal(r.sourceIp, fwd.src);
    }), { numRuns: 300 });
  });
});
