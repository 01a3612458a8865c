// PacketFilter (libpcap through the bridge) against tshark's display filters on the corpus, its
// errors, one program per link type; and coarseKernelRule: exact answers for the forms it reads,
// {} for the rest, and (fast-check) never narrower than libpcap on generated packets, as the
// kernel program (bpf/weft.bpf.c parse + rule_matches, modelled below) would match the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { ErrorCode, FilterError } from '../core/errors.js';
import { parseIp } from '../core/ip.js';
import { LinkType, PacketView } from '../model/index.js';
import { NATIVE_PATH, bridgeAvailable, loadBridge, type Bridge } from '../native/index.js';
import { readCaptureFile } from './pcap-file/index.js';
import { PacketFilter, coarseKernelRule, type CoarseRule } from './packet-filter.js';
import { CORPUS_SKIP, corpusPcap } from '../../test/support/corpus.js';
import { frame, ipv4Header, u16, u32 } from '../../test/support/packets.js';

const BRIDGE_SKIP: string | false = bridgeAvailable() ? false : `native bridge not built (${NATIVE_PATH} missing); run make build`;
const TSHARK_SKIP: string | false = spawnSync('tshark', ['--version']).status === 0 ? false : 'tshark not installed (apt-get install tshark)';
const bridge = (): Bridge => loadBridge();

function viewOf(bytes: Uint8Array, linkType: number, v = new PacketView()): PacketView {
  v.bytes = bytes;
  v.frameOffset = 0;
  v.capturedLength = bytes.length;
  v.wireLength = bytes.length;
  v.linkType = linkType;
  return v;
}

// ── libpcap vs tshark on real captures ──────────────────────────────────────────────────────────

/** Frame numbers (1-based) of `file` that the filter accepts. */
async function matchingFrames(file: string, expression: string): Promise<number[]> {
  let filter: PacketFilter | undefined;
  const out: number[] = [];
  let n = 0;
  await readCaptureFile(corpusPcap(file), {
    interface() {},
    warning() {},
    packet(v) {
      n++;
      filter ??= PacketFilter.compile(bridge(), expression, v.linkType);
      if (filter.matches(v)) out.push(n);
    },
  });
  filter?.close();
  return out;
}

function tsharkFrames(file: string, displayFilter: string): number[] {
  const r = spawnSync('tshark', ['-r', corpusPcap(file), '-Y', displayFilter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map(Number);
}

// Pairs that mean the same on these files. Where they part (tunnels, VLAN-tagged frames without
// `vlan`, ICMP errors quoting a header, IPv6 fragment headers before the ports, reassembly) the
// display filter spells out the outermost-header reading libpcap has.
const PAIRS: [file: string, bpf: string, display: string, count: number][] = [
  ['flow-mixed.pcap', 'tcp port 80', 'tcp.port == 80', 4441],
  ['http-get.pcap', 'tcp port 80', 'tcp.port == 80', 14],
  ['linktype-raw.pcap', 'tcp port 80', 'tcp.port == 80', 91],
  ['linktype-sll.pcap', 'tcp port 80', 'tcp.port == 80', 483],
  ['vlan-http.pcap', 'tcp port 80', 'tcp.port == 80 && !vlan', 0],
  ['flow-mixed.pcap', 'host 10.0.0.6 and udp', 'ip.addr == 10.0.0.6 && udp', 138],
  ['flow-mixed.pcap', 'host 10.0.0.138 && udp', 'ip.addr == 10.0.0.138 && udp', 139],
  ['dns-many.pcap', 'udp port 53', 'udp.port == 53', 428],
  ['vlan-http.pcap', 'vlan and tcp', 'vlan && tcp', 14],
  ['tunnel-mpls-vlan.pcap', 'vlan and tcp', 'vlan && tcp', 14],
  ['vlan-qinq-http.pcap', 'vlan and tcp', 'count(vlan.id) == 1 && tcp', 0],
  ['vlan-qinq-http.pcap', 'vlan and vlan and tcp', 'count(vlan.id) == 2 && tcp', 14],
  ['dns-many.pcap', 'ip6', 'eth.type == 0x86dd', 15],
  ['ipv6-frag.pcap', 'ip6', 'eth.type == 0x86dd', 36],
  ['tunnel-6in4.pcap', 'ip6', 'eth.type == 0x86dd', 0],
  ['linktype-raw.pcap', 'ip6', 'ipv6', 50],
  ['icmp-traceroute.pcapng', 'icmp', 'icmp', 54],
];

for (const [file, bpf, display, count] of PAIRS) {
  test(`'${bpf}' on ${file} accepts the frames tshark's '${display}' shows`, { skip: BRIDGE_SKIP || CORPUS_SKIP || TSHARK_SKIP }, async () => {
    const mine = await matchingFrames(file, bpf);
    assert.deepEqual(mine, tsharkFrames(file, display));
    assert.equal(mine.length, count);
  });
}

// ── errors, link types ──────────────────────────────────────────────────────────────────────────

test('a bad expression is a FilterError naming the expression, the link type and libpcap\'s words', { skip: BRIDGE_SKIP }, () => {
  const cases: [string, number, RegExp][] = [
    ['tcp port', LinkType.ETHERNET, /^invalid packet filter 'tcp port' for ETHERNET \(1\): can't parse filter expression: syntax error/],
    ['host 999.1.1.1', LinkType.ETHERNET, /'host 999\.1\.1\.1' .*invalid IPv4 address '999\.1\.1\.1'/],
    ['port 99999', LinkType.ETHERNET, /port 99999.*port number 99999 > 65535/],
    ['vlan and tcp', LinkType.RAW, /for RAW \(101\): no VLAN support for Raw IP/],
    ['tcp and (udp', LinkType.ETHERNET, /syntax error/],
    ['ip6 and host 10.0.0.1', LinkType.ETHERNET, /expression rejects all packets/],
  ];
  for (const [expression, linkType, message] of cases) {
    assert.throws(() => PacketFilter.compile(bridge(), expression, linkType), (e: unknown) => {
      assert.ok(e instanceof FilterError, String(e));
      assert.equal(e.code, ErrorCode.FILTER_INVALID);
      assert.equal(e.expression, expression);
      assert.equal(e.linkType, linkType);
      assert.match(e.message, message);
      return true;
    });
  }
});

test('one program per link type: Ethernet and raw IP in one session; a link type it cannot serve matches nothing', { skip: BRIDGE_SKIP }, () => {
  const eth = frame({ v6: false, src: 0x0a010203, dst: 0x0a010204, sport: 40000, dport: 80 }, { tcp: { seq: 1, ack: 0, flags: 2 } }, new Uint8Array(3));
  const raw = eth.subarray(14);
  const filter = PacketFilter.compile(bridge(), 'tcp port 80 and host 10.1.2.3', LinkType.ETHERNET);
  const v = new PacketView();
  assert.equal(filter.matches(viewOf(eth, LinkType.ETHERNET, v)), true);
  assert.equal(filter.matches(viewOf(raw, LinkType.RAW, v)), true); // compiled on first sight
  assert.equal(filter.matches(viewOf(raw, LinkType.ETHERNET, v)), false); // raw bytes read as Ethernet
  assert.equal(filter.matches(viewOf(raw, LinkType.IPV4, v)), true);
  // A frame inside a larger buffer, cut short: libpcap sees capturedLength bytes from frameOffset.
  const big = new Uint8Array(eth.length + 10);
  big.set(eth, 10);
  v.bytes = big; v.frameOffset = 10; v.capturedLength = 14 + 20 + 4; v.wireLength = eth.length; v.linkType = LinkType.ETHERNET;
  assert.equal(filter.matches(v), true);
  v.capturedLength = 14 + 20 + 3; // the destination port is not all there
  assert.equal(filter.matches(v), false);
  assert.equal(filter.linkTypeErrors.size, 0);

  const vlan = PacketFilter.compile(bridge(), 'vlan', LinkType.ETHERNET);
  assert.equal(vlan.matches(viewOf(raw, LinkType.RAW, v)), false);
  assert.match(vlan.linkTypeErrors.get(LinkType.RAW) ?? '', /no VLAN support/);
  assert.throws(() => vlan.prepare(LinkType.RAW), FilterError);
  filter.close();
  filter.close();
  assert.equal(filter.matches(viewOf(eth, LinkType.ETHERNET, v)), false);
});

test('the bridge: freed filters, foreign handles and out-of-range frames throw', { skip: BRIDGE_SKIP }, () => {
  const b = bridge();
  const h = b.compileFilter(LinkType.ETHERNET, 65535, 'ip');
  const bytes = new Uint8Array(64);
  assert.equal(b.filterMatch(h, bytes, 0, 64, 64), false);
  assert.throws(() => b.filterMatch(h, bytes, 10, 60, 60), RangeError);
  assert.throws(() => b.filterMatch({} as typeof h, bytes, 0, 1, 1), TypeError);
  assert.throws(() => b.filterMatch(h, [] as unknown as Uint8Array, 0, 0, 0), TypeError);
  b.freeFilter(h);
  b.freeFilter(h);
  assert.throws(() => b.filterMatch(h, bytes, 0, 64, 64), (e: unknown) => (e as { code?: string }).code === 'EBADF');
  assert.throws(() => b.compileFilter(LinkType.ETHERNET, 65535, 'tcp port'), (e: unknown) =>
    (e as Error).message === "can't parse filter expression: syntax error" && (e as { code?: string; syscall?: string }).code === 'EINVAL'
    && (e as { syscall?: string }).syscall === 'pcap_compile');
});

// ── coarseKernelRule ────────────────────────────────────────────────────────────────────────────

test('coarseKernelRule reads conjunctions of the simple primitives', () => {
  const cases: [string, CoarseRule][] = [
    ['tcp', { protocol: 6 }],
    ['  udp  ', { protocol: 17 }],
    ['tcp port 80', { protocol: 6, portLow: 80, portHigh: 80 }],
    ['port 53 and udp', { protocol: 17, portLow: 53, portHigh: 53 }],
    ['udp dst port 53', { protocol: 17, portLow: 53, portHigh: 53 }],
    ['src portrange 1000-2000', { portLow: 1000, portHigh: 2000 }],
    ['portrange 2000-1000', { portLow: 1000, portHigh: 2000 }],
    ['host 10.1.2.3 and udp', { protocol: 17, address: '10.1.2.3', prefixLength: 32 }],
    ['dst host 2001:db8::1 && tcp && port 443', { protocol: 6, portLow: 443, portHigh: 443, address: '2001:db8::1', prefixLength: 128 }],
    ['net 10.0.0.0/8 and sctp', { protocol: 132, address: '10.0.0.0', prefixLength: 8 }],
    ['src net 10.1.2.3', { address: '10.1.2.3', prefixLength: 32 }],
    ['icmp and host 192.168.0.1', { protocol: 1, address: '192.168.0.1', prefixLength: 32 }],
    // at most one of each: the first (dropping a conjunct only widens)
    ['port 80 and port 443 and host 10.0.0.1 and net 10.0.0.0/8', { portLow: 80, portHigh: 80, address: '10.0.0.1', prefixLength: 32 }],
  ];
  for (const [expression, rule] of cases) assert.deepEqual(coarseKernelRule(expression), rule, expression);
});

test('coarseKernelRule gives {} for anything it cannot read exactly', () => {
  for (const expression of [
    '', 'ip', 'ip6', 'arp', 'not tcp', '! tcp', 'tcp or udp', '(tcp)', 'tcp and (port 80)', 'vlan and tcp', 'mpls',
    'port http', 'port 0x50', 'port 080', 'port 70000', 'portrange 80', 'host example.com', 'host 10.0.0.0/8',
    'net 10', 'net 10.0.0.0 mask 255.0.0.0', 'net 10.0.0.0/33', 'tcp host 10.0.0.1', 'icmp port 80', 'src or dst port 80',
    'port 80 and 443', 'tcp and', 'and tcp', 'TCP', 'tcp[13] & 2 != 0', 'len > 100', 'ether host 02:00:00:00:00:01',
    'udp port 53 or tcp port 53', 'geneve and host 10.0.0.1',
  ]) assert.deepEqual(coarseKernelRule(expression), {}, expression);
});

/** What bpf/weft.bpf.c parse() puts in the flow key, or undefined where it does not see IP. */
interface KernelKey { l4proto: number; sport: number; dport: number; src: Uint8Array; dst: Uint8Array }

function kernelKey(b: Uint8Array, linkType: number): KernelKey | undefined {
  const be16 = (o: number): number => (b[o]! << 8) | b[o + 1]!;
  let off = 0;
  let proto: number;
  if (linkType === LinkType.ETHERNET) {
    if (b.length < 14) return undefined;
    proto = be16(12);
    off = 14;
    for (let i = 0; i < 2 && (proto === 0x8100 || proto === 0x88a8); i++) {
      if (off + 4 > b.length) return undefined;
      proto = be16(off + 2);
      off += 4;
    }
  } else {
    // an L3 device: skb->protocol, which the device sets from the version
    proto = b.length > 0 && b[0]! >> 4 === 4 ? 0x0800 : b.length > 0 && b[0]! >> 4 === 6 ? 0x86dd : 0;
  }
  const src = new Uint8Array(16);
  const dst = new Uint8Array(16);
  let l4: number;
  let l4off: number;
  let first = true;
  if (proto === 0x0800) {
    if (off + 20 > b.length) return undefined;
    const ihl = (b[off]! & 0x0f) * 4;
    if (b[off]! >> 4 !== 4 || ihl < 20) return undefined;
    src[10] = src[11] = dst[10] = dst[11] = 0xff;
    src.set(b.subarray(off + 12, off + 16), 12);
    dst.set(b.subarray(off + 16, off + 20), 12);
    l4 = b[off + 9]!;
    if (((b[off + 6]! & 0x1f) | b[off + 7]!) !== 0) first = false;
    l4off = off + ihl;
  } else if (proto === 0x86dd) {
    if (off + 40 > b.length || b[off]! >> 4 !== 6) return undefined;
    src.set(b.subarray(off + 8, off + 24));
    dst.set(b.subarray(off + 24, off + 40));
    l4 = b[off + 6]!;
    l4off = off + 40;
    for (let i = 0; i < 4 && (l4 === 0 || l4 === 43 || l4 === 44 || l4 === 60); i++) {
      if (l4off + 4 > b.length) return undefined;
      if (l4 === 44) {
        if ((be16(l4off + 2) & 0xfff8) !== 0) first = false;
        l4 = b[l4off]!;
        l4off += 8;
      } else {
        const next = b[l4off]!;
        l4off += (b[l4off + 1]! + 1) * 8;
        l4 = next;
      }
    }
  } else {
    return undefined;
  }
  const key = { l4proto: l4, sport: 0, dport: 0, src, dst };
  if (!first) return key;
  const need = l4 === 6 ? 14 : l4 === 17 || l4 === 132 ? 4 : l4 === 1 || l4 === 58 ? 2 : 0;
  if (need > 0 && l4off + need <= b.length) {
    if (need === 2) {
      key.sport = b[l4off]!;
      key.dport = b[l4off + 1]!;
    } else {
      key.sport = be16(l4off);
      key.dport = be16(l4off + 2);
    }
  }
  return key;
}

/** rule_matches() for the match fields, with encodeRule's encoding of them. */
function ruleMatches(rule: CoarseRule, key: KernelKey): boolean {
  if (rule.protocol !== undefined && rule.protocol !== key.l4proto) return false;
  const lo = rule.portLow ?? rule.portHigh ?? 0;
  const hi = rule.portHigh ?? rule.portLow ?? 0;
  if (hi !== 0 && !((key.sport >= lo && key.sport <= hi) || (key.dport >= lo && key.dport <= hi))) return false;
  if (rule.address !== undefined) {
    const ip = parseIp(rule.address)!;
    const addr = new Uint8Array(16);
    const view = new DataView(addr.buffer);
    if (ip.version === 4) {
      addr[10] = addr[11] = 0xff;
      view.setUint32(12, ip.words[3]);
    } else {
      for (let i = 0; i < 4; i++) view.setUint32(i * 4, ip.words[i]!);
    }
    let bits = (ip.version === 4 ? 96 : 0) + (rule.prefixLength ?? (ip.version === 4 ? 32 : 128));
    const mask = new Uint8Array(16);
    for (let i = 0; i < 16; i++, bits -= 8) mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    const inPrefix = (a: Uint8Array): boolean => a.every((x, i) => (x & mask[i]!) === (addr[i]! & mask[i]!));
    if (!inPrefix(key.src) && !inPrefix(key.dst)) return false;
  }
  return true;
}

const V4 = ['10.1.2.3', '10.1.2.4', '10.1.9.9', '192.168.0.1', '172.16.5.5'];
const V6 = ['2001:db8::1', '2001:db8::2', '2001:db8:1::5', '::ffff:10.1.2.3', 'fe80::1'];
const PORTS = [0, 7, 53, 80, 443, 1000, 1005, 2000, 65535];
const PROTOCOLS = [6, 17, 132, 1, 58, 47];

function ipBytes(text: string): number[] {
  const ip = parseIp(text)!;
  return ip.version === 4 ? u32(ip.words[3]) : ip.words.flatMap((w) => u32(w));
}

/** Values an expression names (its addresses, ports, protocols): packets lean on them so that
 *  conjunctions match often enough for the property to bite. */
interface Hints { v4: string[]; v6: string[]; ports: number[]; protocols: number[] }

function hintsOf(expression: string): Hints {
  const h: Hints = { v4: [...V4], v6: [...V6], ports: [...PORTS], protocols: [...PROTOCOLS] };
  for (const m of expression.matchAll(/(?:host|net) ([0-9a-f.:]+)/g)) (m[1]!.includes(':') ? h.v6 : h.v4).push(m[1]!, m[1]!, m[1]!);
  for (const m of expression.matchAll(/port (\d+)/g)) h.ports.push(Number(m[1]), Number(m[1]));
  for (const m of expression.matchAll(/portrange (\d+)-(\d+)/g)) h.ports.push(Number(m[1]), Number(m[2]), (Number(m[1]) + Number(m[2])) >> 1);
  for (const [name, n] of [['tcp', 6], ['udp', 17], ['icmp', 1], ['sctp', 132]] as const) if (expression.includes(name)) h.protocols.push(n, n, n);
  return h;
}

const addrArb = (h: Hints, v6: boolean): fc.Arbitrary<number[]> => v6
  ? fc.oneof({ arbitrary: fc.constantFrom(...h.v6).map(ipBytes), weight: 4 }, fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => [...a]))
  : fc.oneof({ arbitrary: fc.constantFrom(...h.v4).map(ipBytes), weight: 4 }, fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => [...a]));
const portArb = (h: Hints): fc.Arbitrary<number> => fc.oneof({ arbitrary: fc.constantFrom(...h.ports), weight: 4 }, fc.integer({ min: 0, max: 65535 }));

/** An Ethernet frame (maybe VLAN-tagged, maybe ARP) or a raw IP packet with varied headers. */
const packetArb = (h: Hints): fc.Arbitrary<{ linkType: number; bytes: Uint8Array }> => fc.record({
  link: fc.constantFrom('eth', 'eth', 'eth', 'raw', 'raw', 'vlan', 'qinq', 'arp'),
  v6: fc.boolean(),
  proto: fc.oneof({ arbitrary: fc.constantFrom(...h.protocols), weight: 4 }, fc.integer({ min: 0, max: 255 })),
  ihl: fc.integer({ min: 5, max: 7 }),
  fragOffset: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.integer({ min: 1, max: 0x1fff })),
  ext: fc.array(fc.constantFrom(0, 43, 44, 60), { maxLength: 3 }),
  sport: portArb(h),
  dport: portArb(h),
  payload: fc.uint8Array({ maxLength: 12 }),
}).chain((p) => fc.tuple(fc.constant(p), addrArb(h, p.v6), addrArb(h, p.v6))).map(([p, src, dst]) => {
  const l4 = p.proto === 6 ? [...u16(p.sport), ...u16(p.dport), ...u32(1), ...u32(0), 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]
    : p.proto === 17 ? [...u16(p.sport), ...u16(p.dport), ...u16(8 + p.payload.length), 0, 0]
      : p.proto === 132 ? [...u16(p.sport), ...u16(p.dport), 0, 0, 0, 1, 0, 0, 0, 0]
        : [p.sport & 0xff, p.dport & 0xff, 0, 0, 0, 0, 0, 0];
  const body = [...l4, ...p.payload];
  let ip: number[];
  if (!p.v6) {
    const h = [...ipv4Header(0, 0, p.proto, body.length + (p.ihl - 5) * 4)];
    h[0] = 0x40 | p.ihl;
    h[6] = (p.fragOffset >> 8) & 0x1f;
    h[7] = p.fragOffset & 0xff;
    const v4src = src.length === 4 ? src : src.slice(12);
    const v4dst = dst.length === 4 ? dst : dst.slice(12);
    ip = [...h.slice(0, 12), ...v4src, ...v4dst, ...new Array<number>((p.ihl - 5) * 4).fill(1), ...body];
  } else {
    const s6 = src.length === 16 ? src : [...new Array<number>(10).fill(0), 0xff, 0xff, ...src];
    const d6 = dst.length === 16 ? dst : [...new Array<number>(10).fill(0), 0xff, 0xff, ...dst];
    // extension headers, each naming the next; a fragment header carries the offset
    const chain = [...p.ext, p.proto];
    let exts: number[] = [];
    for (let i = 0; i < p.ext.length; i++) {
      exts = exts.concat(p.ext[i] === 44
        ? [chain[i + 1]!, 0, ...u16((p.fragOffset << 3) & 0xfff8), 0, 0, 0, 1]
        : [chain[i + 1]!, 0, 1, 4, 0, 0, 0, 0]);
    }
    const payload = [...exts, ...body];
    ip = [0x60, 0, 0, 0, ...u16(payload.length), chain[0]!, 64, ...s6, ...d6, ...payload];
  }
  if (p.link === 'raw') return { linkType: LinkType.RAW, bytes: Uint8Array.from(ip) };
  const macs = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
  if (p.link === 'arp') {
    const v4 = (a: number[]): number[] => (a.length === 4 ? a : a.slice(12));
    return { linkType: LinkType.ETHERNET, bytes: Uint8Array.from([...macs, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 2, ...v4(src), 0, 0, 0, 0, 0, 0, ...v4(dst)]) };
  }
  const type = p.v6 ? [0x86, 0xdd] : [0x08, 0x00];
  const tags = p.link === 'vlan' ? [0x81, 0x00, 0, 5] : p.link === 'qinq' ? [0x88, 0xa8, 0, 7, 0x81, 0x00, 0, 5] : [];
  return { linkType: LinkType.ETHERNET, bytes: Uint8Array.from([...macs, ...tags, ...type, ...ip]) };
});

const dirArb = fc.constantFrom('', 'src ', 'dst ');
const primitiveArb = fc.oneof(
  fc.constantFrom('tcp', 'udp', 'icmp', 'sctp'),
  fc.tuple(fc.constantFrom('', 'tcp ', 'udp ', 'sctp '), dirArb, fc.constantFrom(...PORTS)).map(([p, d, n]) => `${p}${d}port ${n}`),
  fc.tuple(fc.constantFrom('', 'tcp ', 'udp '), dirArb, fc.constantFrom(...PORTS), fc.constantFrom(...PORTS)).map(([p, d, a, b]) => `${p}${d}portrange ${a}-${b}`),
  fc.tuple(dirArb, fc.constantFrom(...V4, ...V6)).map(([d, a]) => `${d}host ${a}`),
  fc.tuple(dirArb, fc.constantFrom('10.1.2.0/24', '10.0.0.0/8', '192.168.0.0/16', '10.1.2.3', '2001:db8::/32', '2001:db8:1::/48', '::/0', '0.0.0.0/0'))
    .map(([d, n]) => `${d}net ${n}`),
  // forms the coarse rule does not read
  fc.constantFrom('ip', 'ip6', 'vlan', 'not tcp', 'tcp or udp', '(udp)', 'greater 60'),
);
const expressionArb = fc.tuple(fc.array(primitiveArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(' and ', ' && '))
  .map(([parts, glue]) => parts.join(glue));

test('coarseKernelRule is never narrower than libpcap: every packet the filter accepts and the kernel parses matches the rule', { skip: BRIDGE_SKIP }, () => {
  const b = bridge();
  const v = new PacketView();
  let compiled = 0;
  let accepted = 0;
  let narrowed = 0;
  const caseArb = expressionArb.chain((e) => fc.tuple(fc.constant(e), fc.array(packetArb(hintsOf(e)), { minLength: 1, maxLength: 40 })));
  fc.assert(fc.property(caseArb, ([expression, packets]) => {
    const rule = coarseKernelRule(expression);
    const filters = new Map<number, PacketFilter | null>();
    for (const p of packets) {
      let filter = filters.get(p.linkType);
      if (filter === undefined) {
        try {
          filter = PacketFilter.compile(b, expression, p.linkType);
          compiled++;
        } catch (e) {
          if (!(e instanceof FilterError)) throw e;
          filter = null; // libpcap rejects it (e.g. 'icmp and port 80' rejects all packets)
        }
        filters.set(p.linkType, filter);
      }
      if (filter === null || !filter.matches(viewOf(p.bytes, p.linkType, v))) continue;
      const key = kernelKey(p.bytes, p.linkType);
      if (key === undefined) continue; // the kernel never taps it, whatever the rule
      accepted++;
      if (Object.keys(rule).length > 0) narrowed++;
      assert.ok(ruleMatches(rule, key), `${expression} → ${JSON.stringify(rule)} misses ${Buffer.from(p.bytes).toString('hex')} (${JSON.stringify({ ...key, src: undefined, dst: undefined })})`);
    }
    for (const f of filters.values()) f?.close();
  }), { numRuns: 3000 });
  // the property was not vacuous (conjunctions are selective and many are contradictory: ~4% of
  // generated packets pass libpcap)
  const counts = `compiled ${compiled}, accepted ${accepted}, accepted under a non-empty rule ${narrowed}`;
  assert.ok(compiled > 2000 && accepted > 800 && narrowed > 400, counts);
});

test('the kernel model agrees with the decoder-independent facts it relies on', () => {
  // tcp port 80 in a VLAN tag: the kernel parses through up to two tags
  const eth = frame({ v6: false, src: 0x0a010203, dst: 0x0a010204, sport: 40000, dport: 80 }, { tcp: { seq: 1, ack: 0, flags: 2 } }, new Uint8Array(0));
  const tagged = Uint8Array.from([...eth.subarray(0, 12), 0x81, 0, 0, 5, ...eth.subarray(12)]);
  for (const bytes of [eth, tagged]) {
    const key = kernelKey(bytes, LinkType.ETHERNET)!;
    assert.deepEqual([key.l4proto, key.sport, key.dport], [6, 40000, 80]);
    assert.ok(ruleMatches({ protocol: 6, portLow: 80, portHigh: 80, address: '10.1.2.0', prefixLength: 24 }, key));
    assert.ok(!ruleMatches({ address: '10.1.3.0', prefixLength: 24 }, key));
  }
  assert.equal(kernelKey(eth.subarray(0, 30), LinkType.ETHERNET), undefined);
});
