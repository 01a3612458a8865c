/**
 * The live agent against real traffic: network namespaces joined by a veth pair (addresses only
 * inside them), a generator that reports exactly what it sent (test/support/workload.ts), and the
 * agent observing both namespaces. Per flow and per observation point, packets and bytes per
 * direction must equal the generator's truth — with GSO on and off, and through the libpcap
 * fallback. Runs here (root, eBPF); elsewhere each test skips with one line saying why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Agent, type AgentOptions } from '../../src/agent/index.js';
import { bridgeAvailable } from '../../src/native/index.js';
import type { DnsRecord, EventRecord, FlowRecord } from '../../src/model/index.js';
import { MemorySink } from '../support/memory-sink.js';
import { createTestNet, exec, hasNetnsPrivileges, spawnIn, type TestNet } from '../support/netns.js';
import { runDnsWorkload, runTcpWorkload, runUdpWorkload, type FlowTruth } from '../support/workload.js';
import { existsSync } from 'node:fs';
import { defaultObjectPath } from '../../src/capture/index.js';

const skip = hasNetnsPrivileges() ?? (!bridgeAvailable() ? 'the native bridge is not built (make build)'
  : !existsSync(defaultObjectPath()) ? 'the eBPF object is not built (clang missing)' : undefined);

/** What the agents of this file warned about; every test checks it stayed empty. */
const warnings: string[] = [];

function agentOptions(net: TestNet, sink: MemorySink, extra: Partial<AgentOptions> = {}): AgentOptions {
  return {
    source: 'ebpf',
    netns: [net.a.name, net.b.name],
    ifaces: [],
    sinks: [sink],
    flowIdleMs: 60_000,
    flowActiveMs: 600_000,
    statsIntervalMs: 0,
    drainIntervalMs: 200,
    rescanIntervalMs: 200,
    tapFirstPackets: 16,
    snaplen: 9216,
    flowEntries: 16384,
    dissect: true,
    info: () => undefined,
    warn: (line) => { warnings.push(line); },
    ...extra,
  };
}

function flowsOf(sink: MemorySink): FlowRecord[] {
  return sink.records.filter((r): r is FlowRecord => r.kind === 'flow');
}

/** The records of one conversation at each observation point, summed (active/idle splits add up). */
function measured(sink: MemorySink, agent: Agent, truth: FlowTruth): Map<string, [number, number, number, number]> {
  const byPoint = new Map<string, [number, number, number, number]>();
  const proto = truth.proto === 'tcp' ? 6 : 17;
  for (const f of flowsOf(sink)) {
    if (f.ipProto !== proto) continue;
    const forward = f.sourceIp === truth.src && f.sourcePort === truth.sport && f.destinationIp === truth.dst && f.destinationPort === truth.dport;
    const reverse = f.sourceIp === truth.dst && f.sourcePort === truth.dport && f.destinationIp === truth.src && f.destinationPort === truth.sport;
    if (!forward && !reverse) continue;
    const p = agent.points[f.observationPoint];
    const where = `${p?.netnsName}/${p?.name}`;
    const sum = byPoint.get(where) ?? [0, 0, 0, 0];
    if (forward) {
      sum[0] += f.sourcePackets; sum[1] += f.sourceBytes; sum[2] += f.destinationPackets; sum[3] += f.destinationBytes;
    } else {
      sum[0] += f.destinationPackets; sum[1] += f.destinationBytes; sum[2] += f.sourcePackets; sum[3] += f.sourceBytes;
    }
    byPoint.set(where, sum);
  }
  return byPoint;
}

function assertExact(sink: MemorySink, agent: Agent, net: TestNet, forward: FlowTruth, reverse: FlowTruth, what: string): void {
  const got = measured(sink, agent, forward);
  const seen = (): string => flowsOf(sink).filter((f) => f.sourcePort === forward.sport || f.destinationPort === forward.sport)
    .map((f) => `${f.observationPoint}:${f.ipProto} ${f.sourceIp}:${f.sourcePort}>${f.destinationIp}:${f.destinationPort} ${f.sourcePackets}/${f.sourceBytes} ${f.destinationPackets}/${f.destinationBytes}`).join('; ');
  const want: [number, number, number, number] = [forward.packets, forward.bytes, reverse.packets, reverse.bytes];
  assert.deepEqual(got.get(`${net.a.name}/${net.a.iface}`), want, `${what} at ${net.a.name}/${net.a.iface} (packets, bytes forward; packets, bytes back); seen: ${seen()}`);
  assert.deepEqual(got.get(`${net.b.name}/${net.b.iface}`), want, `${what} at ${net.b.name}/${net.b.iface}; seen: ${seen()}; points: ${agent.points.map((p) => `${p.index}=${p.netnsName}/${p.name}`).join(' ')}`);
}

for (const gso of [true, false]) {
  describe(`eBPF agent, GSO ${gso ? 'on' : 'off'}: exact flows, DNS records, TCP state events`, { skip }, () => {
    let net: TestNet;
    before(async () => { net = await createTestNet({ gso, ipv6: true }); });
    after(async () => { await net?.destroy(); });

    test('TCP connections, a UDP burst and DNS queries are measured exactly in both namespaces', async () => {
      const sink = new MemorySink();
      const agent = await Agent.start(agentOptions(net, sink));
      try {
        assert.equal(agent.source, 'ebpf');
        assert.deepEqual(agent.interfaces().map((i) => `${i.netns}/${i.iface}`).sort(),
          [`${net.a.name}/lo`, `${net.a.name}/${net.a.iface}`, `${net.b.name}/lo`, `${net.b.name}/${net.b.iface}`].sort());
        const tcp = await runTcpWorkload(net, { connections: [{ request: 1, response: 0 }, { request: 1000, response: 100 }, { request: 1_000_000, response: 20_000 }] });
        assert.ok(tcp.exact, `the generator's own truth is exact: ${tcp.connections.flatMap((c) => c.problems).join('; ')}`);
        const udp = await runUdpWorkload(net, { count: 300, size: 512, replySize: 64 });
        const udp6 = await runUdpWorkload(net, { count: 100, size: 1000, family: 6, port: 5302 });
        const tcp6 = await runTcpWorkload(net, { connections: [{ request: 200_000, response: 300 }], family: 6, port: 5202, basePort: 41000 });
        assert.ok(tcp6.exact);
        const dns = await runDnsWorkload(net, { queries: [{ name: 'one.weft.test', qtype: 'A' }, { name: 'two.weft.test', qtype: 'A' }, { name: 'gone.invalid', qtype: 'A' }] });
        await agent.stop();
        for (const c of tcp.connections) assertExact(sink, agent, net, c.forward, c.reverse, `TCP ${c.request}/${c.response} bytes`);
        assertExact(sink, agent, net, udp.forward, udp.reverse, 'UDP burst');
        assertExact(sink, agent, net, udp6.forward, udp6.reverse, 'UDP over IPv6');
        assertExact(sink, agent, net, tcp6.connections[0]!.forward, tcp6.connections[0]!.reverse, 'TCP over IPv6');
        assertExact(sink, agent, net, dns.forward, dns.reverse, 'DNS flow');

        const dnsFlows = flowsOf(sink).filter((f) => f.sourcePort === dns.forward.sport && f.destinationPort === 53);
        assert.deepEqual(dnsFlows.map((f) => f.appProtocol), ['dns', 'dns'], 'kernel flows carry what the dissectors recognised');
        const dnsRecords = sink.records.filter((r): r is DnsRecord => r.kind === 'dns');
        for (const ex of dns.exchanges) {
          const at = dnsRecords.filter((r) => r.id === ex.id && r.questionName === ex.name);
          assert.equal(at.length, 2, `one dns record per namespace for ${ex.name}`);
          for (const r of at) {
            assert.equal(r.responseCode, (['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'] as const)[ex.rcode], `rcode of ${ex.name}`);
            assert.ok(r.durationNs >= 0);
          }
        }

        const events = sink.records.filter((r): r is EventRecord => r.kind === 'event');
        const conn = tcp.connections[1]!;
        const client = events.filter((e) => e.action === 'tcp-state-change' && e.sourcePort === conn.forward.sport && e.destinationPort === conn.forward.dport);
        assert.ok(client.some((e) => e.oldState === 'CLOSE' && e.newState === 'SYN_SENT'), 'client connect');
        assert.ok(client.some((e) => e.newState === 'ESTABLISHED'), 'client established');
        assert.ok(client.every((e) => e.netnsInode === net.a.inode && e.netnsName === net.a.name), 'client events carry namespace a');
        const connect = client.find((e) => e.newState === 'SYN_SENT')!;
        assert.equal(connect.process?.name, 'node', 'connect() runs in the generator process');
        const server = events.filter((e) => e.action === 'tcp-state-change' && e.sourcePort === conn.forward.dport && e.destinationPort === conn.forward.sport);
        assert.ok(server.some((e) => e.newState === 'ESTABLISHED'), 'server side established');
        assert.ok(server.every((e) => e.netnsInode === net.b.inode), 'server events carry namespace b');
        const accepted = server.find((e) => e.oldState === 'SYN_RECV' && e.newState === 'ESTABLISHED');
        assert.equal(accepted?.process?.name, 'node', 'an accepted connection belongs to the process that listens on its port');
        const stats = sink.records.find((r) => r.kind === 'stats');
        assert.ok(stats !== undefined && stats.kind === 'stats');
        assert.equal(stats.counters['kernel_flow_map_full'], 0);
        assert.equal(stats.counters['kernel_tap_ring_full'], 0);
        assert.deepEqual(warnings.splice(0), [], 'the agent warned about nothing');
      } finally {
        await agent.stop();
      }
    });
  });
}

describe('libpcap fallback (GSO off): the same workload gives the same flow records', { skip }, () => {
  let net: TestNet;
  before(async () => { net = await createTestNet({ gso: false }); });
  after(async () => { await net?.destroy(); });

  test('TCP, UDP and DNS flows through libpcap and the user-space flow table equal the truth', async () => {
    const sink = new MemorySink();
    const agent = await Agent.start(agentOptions(net, sink, { source: 'pcap' }));
    try {
      assert.equal(agent.source, 'pcap');
      const tcp = await runTcpWorkload(net, { connections: [{ request: 1, response: 0 }, { request: 100_000, response: 5000 }] });
      assert.ok(tcp.exact);
      const udp = await runUdpWorkload(net, { count: 200, size: 300, replySize: 40 });
      const dns = await runDnsWorkload(net, { queries: [{ name: 'pcap.weft.test', qtype: 'A' }] });
      await new Promise((r) => setTimeout(r, 100)); // libpcap hands packets over on its 2 ms timer
      await agent.stop();
      for (const c of tcp.connections) assertExact(sink, agent, net, c.forward, c.reverse, `TCP ${c.request}/${c.response} bytes`);
      assertExact(sink, agent, net, udp.forward, udp.reverse, 'UDP burst');
      assertExact(sink, agent, net, dns.forward, dns.reverse, 'DNS flow');
      assert.equal(sink.records.filter((r) => r.kind === 'dns').length, 2, 'the DNS transaction, once per namespace');
      assert.deepEqual(warnings.splice(0), []);
    } finally {
      await agent.stop();
    }
  });
});

describe('ring buffer overload', { skip }, () => {
  let net: TestNet;
  before(async () => { net = await createTestNet(); });
  after(async () => { await net?.destroy(); });

  test('with a deliberately slow consumer, delivered + counted drops = matched packets', async () => {
    const sink = new MemorySink();
    const port = 5311;
    const agent = await Agent.start(agentOptions(net, sink, {
      netns: [net.a.name], dissect: false, tapFirstPackets: 0,
      tapRules: [{ id: 7, action: 'tap', protocol: 17, portLow: port, portHigh: port, snaplen: 128 }],
      tapRingBytes: 64 * 1024,
      ringOptions: { batchBytes: 16 * 1024, maxQueue: 1, intervalMs: 1 },
      onRingBatch: () => { const until = Date.now() + 20; while (Date.now() < until) { /* a slow consumer */ } },
    }));
    let stats;
    try {
      const udp = await runUdpWorkload(net, { count: 5000, size: 32, port, timeoutMs: 20_000 });
      assert.equal(udp.forward.packets, 5000);
      await agent.stop();
      stats = sink.records.find((r) => r.kind === 'stats');
    } finally {
      await agent.stop();
    }
    assert.ok(stats !== undefined && stats.kind === 'stats');
    const delivered = stats.counters['ring_packets']!;
    const dropped = stats.counters['kernel_tap_ring_full']!;
    assert.ok(dropped > 0, `the slow consumer must lose packets (delivered ${delivered})`);
    assert.equal(delivered + dropped, 5000, `delivered ${delivered} + dropped ${dropped}`);
    assert.equal(stats.counters['kernel_tap_packets'], delivered, 'every packet the kernel put in the ring reached JavaScript');
  });
});

describe('eBPF agent: namespaces come and go; kernel drops', { skip }, () => {
  let net: TestNet;
  before(async () => { net = await createTestNet(); });
  after(async () => { await net?.destroy(); });

  test('a namespace created while the agent runs is measured within 1 s; one deleted is detached cleanly', async () => {
    const sink = new MemorySink();
    const prefix = net.a.name.replace(/-\d+-a$/, '-*');
    const agent = await Agent.start(agentOptions(net, sink, { netns: [prefix] }));
    let late: TestNet | undefined;
    try {
      late = await createTestNet();
      const t0 = Date.now();
      while (!agent.interfaces().some((i) => i.netns === late!.a.name && i.iface === late!.a.iface) && Date.now() - t0 < 3000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const took = Date.now() - t0;
      assert.ok(took <= 1000, `attached after ${took} ms`);
      const udp = await runUdpWorkload(late, { count: 50, size: 100 });
      agent.drainFlows();
      await late.destroy();
      const t1 = Date.now();
      while (agent.interfaces().some((i) => i.netns === late!.a.name) && Date.now() - t1 < 3000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(Date.now() - t1 <= 1000, 'detached within 1 s of the namespace going away');
      await agent.stop();
      const got = measured(sink, agent, udp.forward);
      assert.deepEqual(got.get(`${late.a.name}/${late.a.iface}`), [50, udp.forward.bytes, 0, 0]);
    } finally {
      await agent.stop();
      await late?.destroy();
    }
  });

  test('block rules drop matching packets in the kernel (dry-run only counts), hits are counted, expiry is honoured', async () => {
    const sink = new MemorySink();
    const agent = await Agent.start(agentOptions(net, sink, { netns: [net.a.name] }));
    try {
      const port = 5321;
      // dry-run: counted, passed on
      agent.setBlockRules([{ id: 1, action: 'count', protocol: 17, portLow: port, portHigh: port, address: net.b.ipv4 }]);
      const counted = await runUdpWorkload(net, { count: 30, size: 50, port });
      assert.equal(counted.serverReceived, 30, 'dry-run passes every datagram');
      assert.deepEqual(agent.blockHits(1), [30]);
      // drop: nothing reaches the server; the flow still shows what was sent (metered before the verdict)
      agent.setBlockRules([{ id: 2, action: 'drop', protocol: 17, portLow: port, portHigh: port, address: `${net.b.ipv4.replace(/\.\d+$/, '.0')}`, prefixLength: 24 }]);
      const blocked = await runUdpWorkload(net, { count: 25, size: 50, port, timeoutMs: 3000 }).catch((e: Error) => e);
      assert.ok(blocked instanceof Error || blocked.serverReceived === 0, 'the server got nothing');
      assert.deepEqual(agent.blockHits(1), [25]);
      // a rule that expires 300 ms from now: dropped before, passed after (the kernel checks the deadline)
      agent.setBlockRules([{ id: 3, action: 'drop', protocol: 17, portLow: port, portHigh: port, expiresMonoNs: agent.monotonicNowNs() + 300e6 }]);
      await new Promise((r) => setTimeout(r, 400));
      const after = await runUdpWorkload(net, { count: 10, size: 50, port });
      assert.equal(after.serverReceived, 10, 'an expired rule no longer drops');
      assert.deepEqual(agent.blockHits(1), [0]);
      const stats = agent.stats().counters;
      assert.equal(stats['kernel_block_dropped'], 25);
      assert.equal(stats['kernel_block_counted'], 30);
      agent.setBlockRules([]);
    } finally {
      await agent.stop();
    }
  });

  test('TCP retransmissions are reported (forced by a block rule that drops the data for a while)', async () => {
    const sink = new MemorySink();
    const agent = await Agent.start(agentOptions(net, sink, { netns: [net.a.name, net.b.name] }));
    const port = 5331;
    const server = spawnIn(net.b, [process.execPath, '-e',
      `require('net').createServer((s) => { s.on('data', () => {}); s.on('end', () => s.end()); }).listen(${port}, '${net.b.ipv4}'); setTimeout(() => process.exit(0), 8000)`]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const client = exec(net.a, [process.execPath, '-e',
        `const c = require('net').connect(${port}, '${net.b.ipv4}', () => setTimeout(() => c.end(Buffer.alloc(1000)), 600)); c.on('close', () => process.exit(0));`], { timeoutMs: 8000 });
      await new Promise((r) => setTimeout(r, 300));
      // Dropped on arrival in b: a drop at a's own egress fails the send itself, which the kernel does not trace as a retransmission.
      agent.setBlockRules([{ id: 1, action: 'drop', protocol: 6, portLow: port, portHigh: port, direction: 'ingress', netns: net.b.inode }]);
      await new Promise((r) => setTimeout(r, 1500));
      const hits = agent.blockHits(1);
      agent.setBlockRules([]);
      await client;
      await agent.stop();
      const retransmits = sink.records.filter((r): r is EventRecord => r.kind === 'event' && r.action === 'tcp-retransmit' && r.destinationPort === port);
      const seen = sink.records.filter((r): r is EventRecord => r.kind === 'event').map((e) => `${e.action} ${e.sourcePort}>${e.destinationPort} ${e.oldState}>${e.newState}`);
      assert.ok(hits[0]! >= 1, `the rule dropped the client's data (hits ${hits[0]})`);
      assert.ok(retransmits.length >= 1, `the client retransmitted while its data was dropped; events: ${seen.join('; ')}`);
      for (const e of retransmits) {
        assert.equal(e.netnsInode, net.a.inode);
        assert.equal(e.sourceIp, net.a.ipv4);
        assert.ok(e.socketCookie !== undefined);
      }
    } finally {
      server.kill();
      await agent.stop();
    }
  });

  test('a UDP datagram to a closed port is reported as a kernel drop with its reason and namespace', async () => {
    const sink = new MemorySink();
    const agent = await Agent.start(agentOptions(net, sink));
    try {
      execFileSync('ip', ['netns', 'exec', net.a.name, 'node', '-e',
        `const s=require('dgram').createSocket('udp4');s.send(Buffer.alloc(8),9,'${net.b.ipv4}',()=>s.close())`]);
      await new Promise((r) => setTimeout(r, 300));
      await agent.stop();
      const drops = sink.records.filter((r): r is EventRecord => r.kind === 'event' && r.action === 'packet-drop' && r.destinationPort === 9);
      assert.ok(drops.length >= 1, 'a drop event for the datagram to port 9');
      assert.equal(drops[0]!.dropReason, 'NO_SOCKET');
      assert.equal(drops[0]!.netnsInode, net.b.inode);
      assert.equal(drops[0]!.sourceIp, net.a.ipv4);
    } finally {
      await agent.stop();
    }
  });
});
