/**
 * The workload ground truth (test/support/workload.ts) against what a capture saw on the veth:
 * - TCP with GSO/TSO off: truth == `tshark -z conv,tcp` exactly (frames; IP bytes = frame bytes
 *   − 14 per frame), per connection and direction, for 0 / 1 / 100 kB / 1 MB transfers, IPv4 and IPv6;
 * - TCP with GSO/TSO on: the capture shows super-packets; splitting each into ceil(payload / mss)
 *   segments (each repeating the IP + TCP header) gives the truth exactly;
 * - UDP (single packets, replies, fragments) and DNS.
 * Needs root and tshark/dumpcap; skips with one line otherwise.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createTestNet, hasNetnsPrivileges, run, type TestNet } from './netns.js';
import {
  hasTshark, runDnsWorkload, runTcpWorkload, runUdpWorkload, startCapture, tsharkConversations, tsharkIpFlows, tsharkTcpFrames,
  type FlowTruth, type TcpConnSpec,
} from './workload.js';

const skip = hasNetnsPrivileges() ?? (hasTshark() ? undefined : 'tshark/dumpcap not installed (Debian package tshark)');
const dir = mkdtempSync(join(tmpdir(), 'weft-workload-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SIZES: TcpConnSpec[] = [
  { request: 0, response: 0 },
  { request: 0, response: 1 },
  { request: 1, response: 0 },
  { request: 1, response: 1 },
  { request: 100_000, response: 1_000_000 },
  { request: 1_000_000, response: 100_000 },
];

function sameFlow(f: FlowTruth) {
  return (c: { sport: number; dport: number }): boolean => c.sport === f.sport && c.dport === f.dport;
}

async function withNet<T>(options: Parameters<typeof createTestNet>[0], fn: (net: TestNet) => Promise<T>): Promise<T> {
  const net = await createTestNet(options);
  try {
    return await fn(net);
  } finally {
    await net.destroy();
  }
}

for (const family of [4, 6] as const) {
  test(`TCP truth, GSO off, IPv${family}: equals tshark conv,tcp exactly`, { skip, timeout: 40_000 }, () =>
    withNet({ gso: false, ipv6: family === 6 }, async (net) => {
      const file = join(dir, `tcp-nogso-${family}.pcapng`);
      const cap = await startCapture(net.b, file);
      let truth;
      try {
        truth = await runTcpWorkload(net, { family, connections: SIZES });
      } finally {
        await cap.stop();
      }
      const conv = await tsharkConversations(file, 'tcp');
      assert.equal(conv.length, SIZES.length * 2, 'one conversation per connection and direction');
      for (const c of truth.connections) {
        assert.deepEqual(c.problems, [], `connection ${c.index}`);
        assert.deepEqual(c.headers, { syn: 40, synAck: 40, segment: 32 });
        for (const f of [c.forward, c.reverse]) {
          const seen = conv.find(sameFlow(f));
          assert.ok(seen, `no conversation for ${f.sport} → ${f.dport}`);
          assert.deepEqual({ packets: seen.frames, bytes: seen.ipBytes }, { packets: f.packets, bytes: f.bytes },
            `connection ${c.index} (${c.request}/${c.response}) ${f.sport} → ${f.dport}`);
        }
      }
      // Sanity: the smallest connection is SYN, ACK, RST one way and SYN-ACK back.
      const c0 = truth.connections[0]!;
      assert.deepEqual([c0.forward.packets, c0.forward.bytes, c0.reverse.packets, c0.reverse.bytes],
        family === 4 ? [3, 60 + 52 + 52, 1, 60] : [3, 80 + 72 + 72, 1, 80]);
    }));
}

for (const family of [4, 6] as const) {
  test(`TCP truth, GSO on, IPv${family}: equals the capture split into MSS segments`, { skip, timeout: 40_000 }, () =>
    withNet({ gso: true, ipv6: family === 6 }, async (net) => {
      const file = join(dir, `tcp-gso-${family}.pcapng`);
      const cap = await startCapture(net.b, file);
      let truth;
      try {
        truth = await runTcpWorkload(net, { family, connections: [SIZES[1]!, SIZES[2]!, SIZES[4]!, SIZES[5]!] });
      } finally {
        await cap.stop();
      }
      const frames = await tsharkTcpFrames(file);
      let superPackets = 0;
      for (const c of truth.connections) {
        assert.deepEqual(c.problems, [], `connection ${c.index}`);
        for (const [f, mss] of [[c.forward, c.client.mss], [c.reverse, c.server!.mss]] as const) {
          let packets = 0;
          let bytes = 0;
          for (const fr of frames.filter(sameFlow(f))) {
            const segs = Math.max(1, Math.ceil(fr.payload / mss));
            if (segs > 1) superPackets++;
            packets += segs;
            bytes += fr.ipLen + (segs - 1) * (fr.ipLen - fr.payload);
          }
          assert.deepEqual({ packets, bytes }, { packets: f.packets, bytes: f.bytes }, `connection ${c.index} ${f.sport} → ${f.dport}`);
        }
      }
      assert.ok(superPackets > 0, 'GSO on but the capture shows no super-packets');
    }));
}

test('UDP truth: datagrams, replies and fragments equal the capture (IPv4 and IPv6)', { skip, timeout: 40_000 }, () =>
  withNet({ ipv6: true }, async (net) => {
    await assert.rejects(runUdpWorkload(net, { count: 1, size: 1473 }), /would fragment; pass allowFragments/);
    const file = join(dir, 'udp.pcapng');
    const cap = await startCapture(net.b, file);
    const runs = [];
    try {
      runs.push(await runUdpWorkload(net, { count: 300, size: 1000, port: 6000 }));
      runs.push(await runUdpWorkload(net, { count: 20, size: 1472, replySize: 0, port: 6001 }));
      runs.push(await runUdpWorkload(net, { count: 20, size: 1452, replySize: 7, port: 6002, family: 6 }));
      runs.push(await runUdpWorkload(net, { count: 3, size: 4000, replySize: 3000, port: 6003, allowFragments: true }));
    } finally {
      await cap.stop();
    }
    const conv = await tsharkConversations(file, 'udp');
    for (const r of runs.slice(0, 3)) {
      assert.equal(r.serverReceived, r.raw.client.sent);
      for (const f of r.flows) {
        const seen = conv.find(sameFlow(f));
        assert.ok(seen, `no conversation for ${f.sport} → ${f.dport}`);
        assert.deepEqual({ packets: seen.frames, bytes: seen.ipBytes }, { packets: f.packets, bytes: f.bytes });
      }
    }
    assert.deepEqual([runs[0]!.forward.packets, runs[0]!.forward.bytes], [300, 300 * 1028]);
    assert.deepEqual([runs[1]!.forward.packets, runs[1]!.forward.bytes, runs[1]!.reverse.packets, runs[1]!.reverse.bytes], [20, 20 * 1500, 20, 20 * 28]);
    assert.deepEqual([runs[2]!.forward.bytes, runs[2]!.reverse.bytes], [20 * 1500, 20 * 55]);
    // Fragments: 4008 bytes of UDP in 1480-byte pieces = 3 packets, 4068 IP bytes per datagram.
    const frag = runs[3]!;
    assert.equal(frag.fragmentsPerDatagram, 3);
    const ip = await tsharkIpFlows(file);
    const fwd = ip.find((x) => x.src === net.a.ipv4 && x.dst === net.b.ipv4);
    const rev = ip.find((x) => x.src === net.b.ipv4 && x.dst === net.a.ipv4);
    const v4fwd = runs.filter((r) => r.forward.family === 4);
    assert.deepEqual({ packets: fwd?.packets, bytes: fwd?.bytes },
      { packets: v4fwd.reduce((s, r) => s + r.forward.packets, 0), bytes: v4fwd.reduce((s, r) => s + r.forward.bytes, 0) });
    assert.deepEqual({ packets: rev?.packets, bytes: rev?.bytes },
      { packets: v4fwd.reduce((s, r) => s + r.reverse.packets, 0), bytes: v4fwd.reduce((s, r) => s + r.reverse.bytes, 0) });
    assert.deepEqual([frag.forward.packets, frag.forward.bytes, frag.reverse.packets, frag.reverse.bytes], [9, 3 * 4068, 9, 3 * 3068]);
  }));

test('DNS truth: answers, NXDOMAIN, ids and the two flows equal the capture', { skip, timeout: 40_000 }, () =>
  withNet({ ipv6: true }, async (net) => {
    const file = join(dir, 'dns.pcapng');
    const cap = await startCapture(net.b, file);
    let t4;
    let t6;
    try {
      t4 = await runDnsWorkload(net, {
        queries: [{ name: 'a.example' }, { name: 'gone.invalid' }, { name: 'six.example', qtype: 'AAAA' }, { name: 'txt.example', qtype: 'TXT' }, { name: 'b.example', id: 7 }],
      });
      t6 = await runDnsWorkload(net, { family: 6, queries: [{ name: 'over.six.example' }] });
    } finally {
      await cap.stop();
    }
    assert.deepEqual(t4.exchanges.map(({ id, name, qtype, rcode, answer }) => ({ id, name, qtype, rcode, answer })), [
      { id: 0x1000, name: 'a.example', qtype: 'A', rcode: 0, answer: [net.b.ipv4] },
      { id: 0x1007, name: 'gone.invalid', qtype: 'A', rcode: 3, answer: [] },
      { id: 0x100e, name: 'six.example', qtype: 'AAAA', rcode: 0, answer: [net.b.ipv6] },
      { id: 0x1015, name: 'txt.example', qtype: 'TXT', rcode: 0, answer: [] },
      { id: 7, name: 'b.example', qtype: 'A', rcode: 0, answer: [net.b.ipv4] },
    ]);
    assert.deepEqual(t4.raw.server.exchanges.map((e) => e.id), t4.exchanges.map((e) => e.id));
    assert.deepEqual(t6.exchanges.map((e) => e.answer), [[net.b.ipv4]]);
    const conv = await tsharkConversations(file, 'udp');
    for (const t of [t4, t6]) {
      assert.equal(t.forward.dport, 53);
      for (const f of t.flows) {
        const seen = conv.find(sameFlow(f));
        assert.ok(seen, `no conversation for ${f.sport} → ${f.dport}`);
        assert.deepEqual({ packets: seen.frames, bytes: seen.ipBytes }, { packets: f.packets, bytes: f.bytes });
      }
    }
    // tshark agrees on the answers.
    const { stdout } = await run(['tshark', '-n', '-r', file, '-Y', 'dns.flags.response == 1', '-T', 'fields', '-e', 'dns.id', '-e', 'dns.flags.rcode']);
    const seen = stdout.trim().split('\n').map((l) => l.split('\t').map(Number));
    assert.deepEqual(seen, [...t4.exchanges, ...t6.exchanges].map((e) => [e.id, e.rcode]));
  }));

test('a workload that overruns its timeout is killed and rejects with a clear message', { skip, timeout: 30_000 }, () =>
  withNet({}, async (net) => {
    const t0 = Date.now();
    await assert.rejects(runTcpWorkload(net, { connections: [{ request: 1, response: 1 }], quiescenceMs: 5000, timeoutMs: 800 }),
      /workload tcp-server \+ tcp-client: timed out after 800 ms while waiting for tcp-client in weft-t\d+-\d+-a; killed both/);
    assert.ok(Date.now() - t0 < 5000);
    // Both generator processes are gone (SIGKILL is asynchronous: allow a moment).
    for (const end of [net.a, net.b]) {
      let pids = '';
      for (let i = 0; i < 20; i++) {
        pids = spawnSync('ip', ['netns', 'pids', end.name], { encoding: 'utf8' }).stdout.trim();
        if (!pids) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(pids, '', `processes left in ${end.name}`);
    }
  }));
