/**
 * The workload generator: determinism, and its truth checked against external tools — capinfos
 * for the packet count, tshark's conversation tables for per-flow, per-direction packet counts,
 * tshark's checksum validation for every header. The tshark parts skip with one line when the
 * tools are not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, type Truth, type TruthFlow } from './generate.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-gen-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const has = (cmd: string): boolean => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).status === 0;
const TSHARK_SKIP: string | false = has('tshark') ? false : 'tshark not installed (scripts/setup.sh installs it)';
const CAPINFOS_SKIP: string | false = has('capinfos') ? false : 'capinfos not installed (comes with tshark)';

const PACKETS = 5000;
function gen(name: string, extra: { seed?: number; snaplen?: number } = {}): { file: string; truth: Truth } {
  const file = join(dir, name);
  const truth = generate({ packets: PACKETS, flows: 300, out: file, truthFlows: true, ...extra });
  return { file, truth };
}
const a = gen('a.pcap');

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

test('same arguments give a byte-identical pcap and truth; another seed does not', () => {
  const b = gen('b.pcap');
  assert.ok(readFileSync(a.file).equals(readFileSync(b.file)), 'pcap differs between two runs');
  assert.equal(readFileSync(`${a.file}.truth.json`, 'utf8').replace(/a\.pcap/g, 'x'),
    readFileSync(`${b.file}.truth.json`, 'utf8').replace(/b\.pcap/g, 'x'));
  const c = gen('c.pcap', { seed: 2 });
  assert.ok(!readFileSync(a.file).equals(readFileSync(c.file)), 'seed has no effect');
});

test('truth is self-consistent', () => {
  const t = a.truth;
  assert.equal(t.packets, PACKETS);
  const list = t.flowList ?? [];
  assert.equal(list.reduce((s, f) => s + f.packets[0] + f.packets[1], 0), PACKETS);
  const p = t.packetsByProtocol;
  assert.equal(p.tcp + p.udp + p.icmp + p.icmpv6, PACKETS);
  assert.equal(t.packetsByIpVersion['4'] + t.packetsByIpVersion['6'], PACKETS);
  assert.ok(t.flowsByIpVersion['6'] > 0 && p.tcp > 0 && p.udp > 0 && t.dns.queries > 0 && t.dns.responses > 0);
  // file = 24-byte header + 16 per record + captured bytes
  assert.equal(t.fileBytes, 24 + 16 * PACKETS + t.bytes.captured);
  const keys = new Set(list.map(key));
  assert.equal(keys.size, list.length, 'a 5-tuple was reused by two flows');
});

test('capinfos counts the generator\'s packets', { skip: CAPINFOS_SKIP }, () => {
  const r = spawnSync('capinfos', ['-c', '-M', a.file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Number of packets:\\s+${PACKETS}\\b`));
});

/** One row of `tshark -z conv,tcp|udp`: A→B is "->", B→A is "<-". */
interface Conv { proto: 'tcp' | 'udp'; a: string; aPort: number; b: string; bPort: number; aToB: number; bToA: number; aToBBytes?: number; bToABytes?: number }

function parseConvs(text: string): Conv[] {
  const out: Conv[] = [];
  let proto: 'tcp' | 'udp' | undefined;
  for (const line of text.split('\n')) {
    if (/^TCP Conversations/.test(line)) proto = 'tcp';
    else if (/^UDP Conversations/.test(line)) proto = 'udp';
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+([\d,]+)\s+([\d.,]+)\s+(\S+)\s+([\d,]+)\s+([\d.,]+)\s+(\S+)\s+/.exec(line);
    if (!m || !proto) continue;
    const n = (s: string | undefined): number => Number((s ?? '').replace(/,/g, ''));
    const c: Conv = { proto, a: m[1] as string, aPort: n(m[2]), b: m[3] as string, bPort: n(m[4]), bToA: n(m[5]), aToB: n(m[8]) };
    if (m[7] === 'bytes') c.bToABytes = n(m[6]);
    if (m[10] === 'bytes') c.aToBBytes = n(m[9]);
    out.push(c);
  }
  return out;
}

function key(f: TruthFlow): string {
  const x = `${f.clientIp}:${f.clientPort}`, y = `${f.serverIp}:${f.serverPort}`;
  return `${f.proto}|${x < y ? `${x}|${y}` : `${y}|${x}`}`;
}

for (const variant of [{ name: 'full frames', snaplen: 0 }, { name: 'snaplen 96', snaplen: 96 }]) {
  test(`tshark sees every TCP/UDP flow with the generator's per-direction packet counts (${variant.name})`, { skip: TSHARK_SKIP }, () => {
    const { file, truth } = variant.snaplen ? gen('s.pcap', { snaplen: variant.snaplen }) : a;
    const convs = parseConvs(tshark(['-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp']));
    const flows = (truth.flowList ?? []).filter((f) => f.proto === 6 || f.proto === 17);
    const byKey = new Map(flows.map((f) => [key(f), f]));
    assert.equal(convs.length, flows.length, 'conversation count');
    let bytesChecked = 0;
    for (const c of convs) {
      const x = `${c.a}:${c.aPort}`, y = `${c.b}:${c.bPort}`;
      const k = `${c.proto === 'tcp' ? 6 : 17}|${x < y ? `${x}|${y}` : `${y}|${x}`}`;
      const f = byKey.get(k);
      assert.ok(f, `tshark conversation ${x} <-> ${y} (${c.proto}) is not in the truth`);
      const aIsClient = c.a === f.clientIp && c.aPort === f.clientPort;
      const [c2s, s2c] = aIsClient ? [c.aToB, c.bToA] : [c.bToA, c.aToB];
      assert.deepEqual([c2s, s2c], f.packets, `packets per direction of flow ${f.id} (${x} <-> ${y})`);
      const [c2sB, s2cB] = aIsClient ? [c.aToBBytes, c.bToABytes] : [c.bToABytes, c.aToBBytes];
      if (c2sB !== undefined) { assert.equal(c2sB, f.frameBytes[0], `bytes client→server of flow ${f.id}`); bytesChecked++; }
      if (s2cB !== undefined) { assert.equal(s2cB, f.frameBytes[1], `bytes server→client of flow ${f.id}`); bytesChecked++; }
    }
    assert.ok(bytesChecked > 0, 'no byte counts compared');
  });
}

test('tshark finds no bad checksum and no malformed Ethernet/IP/TCP/UDP/ICMP/DNS/NTP header', { skip: TSHARK_SKIP }, () => {
  // Opaque payload on well-known ports (SSH, MQTT, RTCP, ESP, …) is malformed for their dissectors
  // by design; only the layers the generator builds must be clean.
  const headers = new Set(['eth', 'ip', 'ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'icmpv6', 'dns', 'ntp', 'http']);
  const expert = tshark(['-r', a.file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
    '-o', 'udp.check_checksum:TRUE', '-q', '-z', 'expert,error']);
  const bad = expert.split('\n').filter((line) => {
    const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+/.exec(line);
    return m !== null && (m[2] === 'Checksum' || headers.has((m[3] as string).toLowerCase()));
  });
  assert.deepEqual(bad, [], `tshark expert errors:\n${expert}`);
  const good = tshark(['-r', a.file, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
    '-Y', 'tcp.checksum.status == 1 || udp.checksum.status == 1', '-T', 'fields', '-e', 'frame.number']);
  const p = a.truth.packetsByProtocol;
  assert.equal(good.trim().split('\n').length, p.tcp + p.udp, 'tshark did not verify every TCP/UDP checksum as good');
  const ipGood = tshark(['-r', a.file, '-o', 'ip.check_checksum:TRUE', '-Y', 'ip.checksum.status == 1', '-T', 'fields', '-e', 'frame.number']);
  assert.equal(ipGood.trim().split('\n').length, a.truth.packetsByIpVersion['4'], 'tshark did not verify every IPv4 header checksum as good');
});
