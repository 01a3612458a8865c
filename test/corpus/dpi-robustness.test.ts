/**
 * The application dissectors must never take the replay down: whatever the bytes, `weft replay`
 * ends with its stats record.
 *
 * 1. Every capture of the corpus (malformed-* included) through the whole pipeline, dissectors on:
 *    no exception, the stats record last with every dpi_* counter (docs/records.md), every record
 *    encodable as ECS JSON, and the counters consistent with the records emitted.
 * 2. fast-check: small pcaps built in memory (Ethernet, IPv4/IPv6, TCP/UDP) carrying arbitrary
 *    bytes — random, or a protocol's opening (HTTP request/response heads, a TLS ClientHello /
 *    ServerHello, DNS over TCP/UDP, BOOTP, QUIC Initials sealed with the real Initial keys) with
 *    random bytes overwritten and cut — on ports 80, 443, 53, 5353, 67/68, 8080 and random ones,
 *    TCP segments cut anywhere, reordered, retransmitted with the same or different bytes,
 *    overlapping, with or without SYN/FIN/RST, odd time gaps (timestamps going backwards
 *    included), and flow tables small enough that slots are evicted and reused mid-connection.
 *    Records must stay sane too: times normalised (0 ≤ nsec < 10^9), ports in range, a
 *    Community ID, encodable as JSON. WEFT_FUZZ_RUNS=N runs the property N times (default 150);
 *    WEFT_FUZZ_VERBOSE=1 prints how far the sample got into each dissector.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildDhcp, opt } from '../../src/dpi/dhcp/fixtures.js';
import { header as dnsHeader, message as dnsMessage, question as dnsQuestion, rr as dnsRr, wireName } from '../../src/dpi/dns/fixtures.js';
import { deriveInitialKeys } from '../../src/dpi/quic/index.js';
import { cryptoFrame, RFC9001_CLIENT_INITIAL, RFC9001_RETRY, RFC9369_CLIENT_INITIAL, sealLongHeader } from '../../src/dpi/quic/testdata.js';
import { EcsJsonEncoder } from '../../src/export/index.js';
import type { ExportRecord, StatsRecord } from '../../src/model/index.js';
import type { FlowConfig } from '../../src/flow/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { concat, writePcap, type PcapRecord } from '../support/capture-writer.js';
import { CORPUS_SKIP, corpusNames, corpusPcap } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';
import { clientHello, frame, records, serverHello, text, u16, type Endpoints } from '../support/packets.js';

/** The dissectors' counters in the stats record (docs/records.md, "Stats record"). */
const DPI_COUNTERS = [
  'dpi_tcp_connections', 'dpi_reassembly_gaps', 'dpi_reassembly_gap_bytes', 'dpi_reassembly_overflow_bytes',
  'dpi_reassembly_duplicate_bytes', 'dpi_dns_messages', 'dpi_dns_malformed', 'dpi_dns_answered', 'dpi_dns_unanswered',
  'dpi_dns_response_only', 'dpi_dns_evicted', 'dpi_http_transactions', 'dpi_http_not_http', 'dpi_tls_handshakes',
  'dpi_tls_malformed', 'dpi_quic_connections', 'dpi_dhcp_messages', 'dpi_dhcp_malformed', 'dpi_sessions_over_limit', 'dpi_ip_reassembled', 'dpi_ip_reassembly_dropped', 'dpi_icmp_errors',
  'dpi_icmp_errors_unreadable',
] as const;

/** Replays `input` (a path, or pcap bytes given as standard input) and checks what must hold whatever the input. */
async function replayChecked(input: string | Uint8Array, flow: Partial<FlowConfig> = {}): Promise<{ stats: StatsRecord; kinds: Record<string, number> }> {
  const sink = new MemorySink();
  const pipeline = new ReplayPipeline({
    warn: () => {},
    flow,
    ...(typeof input !== 'string' && { stdin: Readable.from([input]) }),
  });
  const result = await pipeline.run([typeof input === 'string' ? input : '-'], [sink]);
  const last = sink.records[sink.records.length - 1];
  assert.equal(last?.kind, 'stats', 'the replay ends with the stats record');
  const stats = last as StatsRecord;
  assert.equal(result.stats, stats);
  assert.equal(sink.records.filter((r) => r.kind === 'stats').length, 1);
  for (const name of DPI_COUNTERS) {
    const v = stats.counters[name];
    assert.ok(typeof v === 'number' && Number.isInteger(v) && v >= 0, `${name} = ${v}`);
  }
  return { stats, kinds: checkRecords(sink.records, stats, pipeline) };
}

/** Records are well-formed, encode as ECS JSON, and agree with the counters. Returns the records per kind. */
function checkRecords(records: readonly ExportRecord[], stats: StatsRecord, pipeline: ReplayPipeline): Record<string, number> {
  const encoder = new EcsJsonEncoder({ observerHostname: 'robustness', points: pipeline.points });
  const count: Record<string, number> = {};
  for (const r of records) {
    count[r.kind] = (count[r.kind] ?? 0) + 1;
    const line = encoder.encode(r);
    assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line.slice(0, 200)}`);
    if (r.kind === 'flow' || r.kind === 'stats' || r.kind === 'event' || r.kind === 'audit' || r.kind === 'capture' || r.kind === 'topology') continue;
    for (const port of [r.sourcePort, r.destinationPort]) assert.ok(Number.isInteger(port) && port >= 0 && port <= 65535, `${r.kind} port ${port}`);
    assert.ok(r.sourceIp.length > 0 && r.destinationIp.length > 0, `${r.kind} without addresses`);
    assert.match(r.communityId, /^1:[A-Za-z0-9+/]{27}=$/);
    assert.ok(Number.isFinite(r.sec) && Number.isInteger(r.nsec) && r.nsec >= 0 && r.nsec < 1e9, `${r.kind} time ${r.sec}.${r.nsec}`);
    assert.ok(r.durationNs === -1 || r.durationNs >= 0, `${r.kind} duration ${r.durationNs}`);
  }
  const c = stats.counters;
  assert.equal(count['http'] ?? 0, c['dpi_http_transactions'], 'one http record per counted transaction');
  assert.equal(count['tls'] ?? 0, c['dpi_tls_handshakes'], 'one tls record per counted handshake');
  assert.equal(count['dhcp'] ?? 0, c['dpi_dhcp_messages'], 'one dhcp record per counted message');
  assert.equal(count['icmp'] ?? 0, c['dpi_icmp_errors'], 'one icmp record per counted ICMP error');
  assert.ok((count['quic'] ?? 0) <= c['dpi_quic_connections']!, 'at most one quic record per QUIC connection');
  assert.equal(count['dns'] ?? 0, c['dpi_dns_answered']! + c['dpi_dns_unanswered']! + c['dpi_dns_response_only']!,
    'dns records = answered + unanswered + response-only transactions');
  return count;
}

test('every corpus capture replays with the dissectors on and ends with the stats record', { skip: CORPUS_SKIP }, async () => {
  const names = corpusNames();
  assert.ok(names.length >= 100, `only ${names.length} captures`);
  for (const name of names) {
    try {
      await replayChecked(corpusPcap(name));
    } catch (e) {
      assert.fail(`${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
  }
});

// ── building captures ──────────────────────────────────────────────────────────────────────────

const HTTP_REQUESTS = [
  'GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fc\r\n\r\n',
  'POST /form?a=1 HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 5\r\n\r\nhello',
  'PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET http://proxy.example:3128/p HTTP/1.0\r\n\r\n',
  'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
  'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  'POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc',
  'GET /zeek.html\n',
  'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\n\r\n',
];
const HTTP_RESPONSES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nabc',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
  'HTTP/1.1 200 Connection established\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n',
  'HTTP/1.0 404 Not Found\r\n\r\n<html>',
  'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n',
];

/** Well-formed bytes as they are (half the time), or with a few bytes overwritten, or cut short. */
function damaged(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const pokes = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
  return fc.tuple(base, fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: pokes.map((p) => ({ pokes: p })) },
    { weight: 1, arbitrary: fc.nat().map((cut) => ({ cut })) },
  )).map(([b, damage]) => {
    if (damage === null || b.length === 0) return b;
    if ('cut' in damage) return b.slice(0, damage.cut % b.length);
    const out = b.slice();
    for (const [at, v] of damage.pokes) out[at % out.length] = v;
    return out;
  });
}

const randomBytes = fc.uint8Array({ maxLength: 700 });
const hostName = fc.stringMatching(/^[a-z0-9.-]{0,40}$/);
const alpnList = fc.array(fc.constantFrom('h2', 'http/1.1', 'h3', 'spdy/3.1', ''), { maxLength: 3 });

/** Sometimes random bytes after the protocol's own. */
function withTail(a: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(a, fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) }))
    .map(([x, tail]) => concat(x, tail));
}

const ephemeral = fc.integer({ min: 1024, max: 65535 });
const anyPort = fc.integer({ min: 1, max: 65535 });

/** What one TCP connection carries: both byte streams and the ports. */
interface TcpPayload { ports: [number, number]; client: Uint8Array; server: Uint8Array }

const dnsQuery = (id: number, name: string, type = 1): Uint8Array =>
  dnsMessage(dnsHeader({ id, qd: 1 }), dnsQuestion(wireName(name.length > 0 ? name : 'a'), type));
const dnsAnswer = (id: number, name: string, type = 1): Uint8Array =>
  dnsMessage(dnsHeader({ id, flags: 0x8180, qd: 1, an: 1 }), dnsQuestion(wireName(name.length > 0 ? name : 'a'), type),
    dnsRr([0xc0, 12], 1, [10, 0, 0, 1]));
const framed = (m: Uint8Array): Uint8Array => concat(Uint8Array.from(u16(m.length)), m);

const tcpPayload: fc.Arbitrary<TcpPayload> = fc.oneof(
  // Anything, anywhere.
  fc.record({ ports: fc.tuple(anyPort, fc.constantFrom(80, 443, 53, 8080, 1234)), client: randomBytes, server: randomBytes }),
  // HTTP/1.x on 80 or elsewhere.
  fc.record({
    ports: fc.tuple(ephemeral, fc.constantFrom(80, 8080, 3128, 5005)),
    client: withTail(damaged(fc.array(fc.constantFrom(...HTTP_REQUESTS), { minLength: 1, maxLength: 3 }).map((r) => text(r.join(''))))),
    server: withTail(damaged(fc.array(fc.constantFrom(...HTTP_RESPONSES), { minLength: 1, maxLength: 3 }).map((r) => text(r.join(''))))),
  }),
  // TLS: ClientHello / ServerHello in records of any size, then ChangeCipherSpec and application data.
  fc.record({
    ports: fc.tuple(ephemeral, fc.constantFrom(443, 8443, 993)),
    client: withTail(damaged(fc.tuple(hostName, alpnList, fc.array(fc.constantFrom(0x0304, 0x0303, 0x7f1c, 0x0a0a), { maxLength: 3 }), fc.integer({ min: 1, max: 300 }))
      .map(([sni, alpn, versions, max]) => concat(records(0x16, clientHello(sni, alpn, versions), max), Uint8Array.of(0x14, 3, 3, 0, 1, 1, 0x17, 3, 3, 0, 2, 0xaa, 0xbb))))),
    server: withTail(damaged(fc.tuple(fc.constantFrom(0x0304, 0x0303, 0x0301), fc.option(fc.constantFrom('h2', 'http/1.1')), fc.integer({ min: 1, max: 300 }))
      .map(([v, alpn, max]) => concat(records(0x16, serverHello(v, alpn ?? undefined), max), Uint8Array.of(0x14, 3, 3, 0, 1, 1, 0x17, 3, 3, 0, 1, 0))))),
  }),
  // An SSL 2.0-format ClientHello.
  fc.record({
    ports: fc.tuple(ephemeral, fc.constant(443)),
    client: damaged(fc.uint8Array({ minLength: 3, maxLength: 60 }).map((b) => concat(Uint8Array.of(0x80, b.length + 3, 0x01, 0x03, 0x01), b))),
    server: randomBytes,
  }),
  // DNS over TCP: length-prefixed messages, several per segment or split across segments.
  fc.tuple(ephemeral, fc.integer({ min: 0, max: 0xffff }), hostName).chain(([cport, id, name]) => fc.record({
    ports: fc.constant<[number, number]>([cport, 53]),
    client: withTail(damaged(fc.constant(concat(framed(dnsQuery(id, name)), framed(dnsQuery(id + 1, name, 28)))))),
    server: withTail(damaged(fc.constant(concat(framed(dnsAnswer(id, name)), framed(dnsAnswer(id + 1, name, 28)))))),
  })),
);

/** QUIC Initial packets carrying `stream` (a ClientHello, or anything) in CRYPTO frames cut at `cuts`, sealed with the real keys. */
function quicInitials(version: number, dcid: Uint8Array, stream: Uint8Array, cuts: number[], pnLength: number): Uint8Array[] {
  const keys = deriveInitialKeys(dcid, version, 'client');
  const points = [...new Set([0, ...cuts.map((c) => c % (stream.length + 1)), stream.length])].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < points.length || out.length === 0; i++) {
    const from = points[i] ?? 0;
    const to = points[i + 1] ?? stream.length;
    const payload = concat(cryptoFrame(from, stream.subarray(from, to)), new Uint8Array(24)); // PADDING
    out.push(sealLongHeader({
      keys, typeBits: version === 1 ? 0 : 1, dcid, scid: Uint8Array.of(1, 2, 3), token: new Uint8Array(0),
      packetNumber: i, pnLength, payload,
    }));
  }
  return out;
}

/** What one UDP flow carries: the client's and the server's datagrams, and the ports. */
interface UdpPayload { ports: [number, number]; client: Uint8Array[]; server: Uint8Array[] }

const VERSION_NEGOTIATION = Uint8Array.of(0x80, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1);
const GREASED_INITIAL = Uint8Array.of(0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, ...new Array<number>(40).fill(0));

const udpPayload: fc.Arbitrary<UdpPayload> = fc.oneof(
  fc.record({
    ports: fc.tuple(anyPort, fc.constantFrom(53, 67, 443, 5353, 1234)),
    client: fc.array(randomBytes, { minLength: 1, maxLength: 3 }),
    server: fc.array(randomBytes, { maxLength: 3 }),
  }),
  // DNS (and mDNS): queries, answers with the same ids, some damaged.
  fc.tuple(fc.constantFrom<[number, number]>([40000, 53], [5353, 5353], [53, 53]), fc.integer({ min: 0, max: 0xffff }), hostName, fc.constantFrom(1, 28, 65, 255))
    .chain(([ports, id, name, type]) => fc.record({
      ports: fc.constant(ports),
      client: fc.array(damaged(fc.constant(dnsQuery(id, name, type))), { minLength: 1, maxLength: 2 }),
      server: fc.array(damaged(fc.constant(dnsAnswer(id, name, type))), { maxLength: 2 }),
    })),
  // BOOTP/DHCP between 68 and 67.
  fc.record({
    ports: fc.constantFrom<[number, number]>([68, 67], [67, 67]),
    client: fc.array(damaged(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.uint8Array({ maxLength: 40 })).map(([type, more]) =>
      buildDhcp({ options: [...opt(53, type), ...opt(12, 0x61, 0x62), ...more] }))), { minLength: 1, maxLength: 3 }),
    server: fc.array(damaged(fc.constant(buildDhcp({ op: 2, yiaddr: '10.0.0.9', options: [...opt(53, 2), ...opt(54, 10, 0, 0, 1)] }))), { maxLength: 2 }),
  }),
  // QUIC: the RFC sample Initials (damaged or not), a greased version, Retry and Version Negotiation back.
  fc.record({
    ports: fc.tuple(ephemeral, fc.constantFrom(443, 4433)),
    client: fc.array(damaged(fc.constantFrom(RFC9001_CLIENT_INITIAL, RFC9369_CLIENT_INITIAL, GREASED_INITIAL)), { minLength: 1, maxLength: 3 }),
    server: fc.array(fc.oneof(fc.constant(RFC9001_RETRY), fc.constant(VERSION_NEGOTIATION), randomBytes), { maxLength: 2 }),
  }),
  // QUIC Initials sealed with the real keys: ClientHellos (or arbitrary crypto data) cut into
  // CRYPTO frames anyhow, sent in any order and repeated.
  fc.record({
    ports: fc.tuple(ephemeral, fc.constantFrom(443, 4433)),
    client: fc.tuple(
      fc.constantFrom(1, 0x6b3343cf), fc.uint8Array({ minLength: 0, maxLength: 20 }),
      fc.oneof(fc.tuple(hostName, alpnList).map(([sni, alpn]) => clientHello(sni, alpn, [0x0304])), randomBytes),
      fc.array(fc.nat(), { maxLength: 4 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { maxLength: 6 }),
    ).map(([version, dcid, stream, cuts, pnLength, order]) => {
      const packets = quicInitials(version, dcid, stream, cuts, pnLength);
      return order.length === 0 ? packets : order.map((o) => packets[o % packets.length]!);
    }),
    server: fc.array(fc.oneof(fc.constant(RFC9001_RETRY), fc.constant(VERSION_NEGOTIATION), randomBytes), { maxLength: 2 }),
  }),
);

interface Packet { data: Uint8Array }

/** One connection's packets in the order it sent them. */
const connection: fc.Arbitrary<Packet[]> = fc.record({
  transport: fc.oneof(tcpPayload.map((tcp) => ({ tcp })), udpPayload.map((udp) => ({ udp }))),
  v6: fc.boolean(),
  client: fc.integer({ min: 1, max: 3 }),
  cisn: fc.nat({ max: 0xffffffff }),
  sisn: fc.nat({ max: 0xffffffff }),
  syn: fc.boolean(),
  close: fc.constantFrom('none', 'fin', 'rst'),
  ccuts: fc.array(fc.nat(), { maxLength: 8 }),
  scuts: fc.array(fc.nat(), { maxLength: 8 }),
  // Retransmissions and overlaps: [side, start, length, bytes changed].
  extra: fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 300 }), fc.boolean()), { maxLength: 4 }),
}).map((c) => {
  const t = c.transport;
  const [cport, sport] = 'tcp' in t ? t.tcp.ports : t.udp.ports;
  const up: Endpoints = { v6: c.v6, src: c.client, dst: 100, sport: cport, dport: sport };
  const down: Endpoints = { v6: c.v6, src: 100, dst: c.client, sport, dport: cport };
  const out: Packet[] = [];
  if ('udp' in t) {
    const n = Math.max(t.udp.client.length, t.udp.server.length);
    for (let i = 0; i < n; i++) {
      const a = t.udp.client[i];
      const b = t.udp.server[i];
      if (a !== undefined) out.push({ data: frame(up, { udp: true }, a) });
      if (b !== undefined) out.push({ data: frame(down, { udp: true }, b) });
    }
    return out;
  }
  const cdata = t.tcp.client;
  const sdata = t.tcp.server;
  const ACK = 0x10;
  const seg = (client: boolean, seq: number, flags: number, payload: Uint8Array): Packet => ({
    data: frame(client ? up : down, { tcp: { seq: seq >>> 0, ack: ((client ? c.sisn : c.cisn) + 1) >>> 0, flags } }, payload),
  });
  if (c.syn) {
    out.push(seg(true, c.cisn, 0x02, new Uint8Array(0)));
    out.push(seg(false, c.sisn, 0x12, new Uint8Array(0)));
  }
  const pieces = (client: boolean, data: Uint8Array, cuts: number[]): Packet[] => {
    const points = [...new Set([0, ...cuts.map((x) => x % (data.length + 1)), data.length])].sort((a, b) => a - b);
    const isn = client ? c.cisn : c.sisn;
    const list: Packet[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      list.push(seg(client, isn + 1 + points[i]!, ACK | 0x08, data.subarray(points[i]!, points[i + 1]!)));
    }
    return list;
  };
  const cp = pieces(true, cdata, c.ccuts);
  const sp = pieces(false, sdata, c.scuts);
  // Client first, then the two sides alternate.
  for (let i = 0; i < Math.max(cp.length, sp.length); i++) {
    if (cp[i] !== undefined) out.push(cp[i]!);
    if (sp[i] !== undefined) out.push(sp[i]!);
  }
  for (const [client, start, length, changed] of c.extra) {
    const data = client ? cdata : sdata;
    if (data.length === 0) continue;
    const from = start % data.length;
    const bytes = data.slice(from, Math.min(data.length, from + length));
    if (changed) for (let i = 0; i < bytes.length; i += 3) bytes[i] = bytes[i]! ^ 0x5a;
    out.push(seg(client, (client ? c.cisn : c.sisn) + 1 + from, ACK, bytes));
  }
  if (c.close === 'fin') {
    out.push(seg(true, c.cisn + 1 + cdata.length, ACK | 0x01, new Uint8Array(0)));
    out.push(seg(false, c.sisn + 1 + sdata.length, ACK | 0x01, new Uint8Array(0)));
  } else if (c.close === 'rst') {
    out.push(seg(false, c.sisn + 1 + sdata.length, 0x04, new Uint8Array(0)));
  }
  return out;
});

/** A capture: a few connections interleaved, packets swapped around, odd gaps in time; and the flow table's settings. */
const capture = fc.record({
  connections: fc.array(connection, { minLength: 1, maxLength: 3 }),
  swaps: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 6 })), { maxLength: 6 }),
  // Microseconds between packets: mostly back-to-back; past the DNS timeout (10 s), the idle
  // timeout, or backwards (captures are not always in time order) now and then.
  gaps: fc.array(fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(0, 10, 1000) },
    { weight: 1, arbitrary: fc.constantFrom(1_000_000, 11_000_000, 20_000_000, -500_000) },
  ), { minLength: 1, maxLength: 8 }),
  flow: fc.record({
    maxFlows: fc.oneof({ weight: 3, arbitrary: fc.constant(1000) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 4) }),
    idleTimeoutMs: fc.oneof({ weight: 3, arbitrary: fc.constant(15_000) }, { weight: 1, arbitrary: fc.constant(500) }),
    activeTimeoutMs: fc.oneof({ weight: 3, arbitrary: fc.constant(60_000) }, { weight: 1, arbitrary: fc.constant(1_500) }),
    tcpEndLingerMs: fc.constantFrom(0, 1_000),
  }),
}).map(({ connections, swaps, gaps, flow }) => {
  // Round-robin over the connections, then local reordering.
  const packets: Packet[] = [];
  for (let i = 0; connections.some((c) => i < c.length); i++) {
    for (const c of connections) if (c[i] !== undefined) packets.push(c[i]!);
  }
  for (const [at, d] of swaps) {
    const i = at % packets.length;
    const j = (i + d) % packets.length;
    [packets[i], packets[j]] = [packets[j]!, packets[i]!];
  }
  let us = 1_700_000_000 * 1e6;
  const recs: PcapRecord[] = packets.map((p, i) => {
    us += gaps[i % gaps.length]!;
    return { sec: Math.floor(us / 1e6), frac: us % 1e6, data: p.data };
  });
  return { pcap: writePcap({}, recs), flow: { ...flow, initialCapacity: 4 } };
});

test('arbitrary TCP/UDP payloads through the pipeline never throw and end with the stats record', async () => {
  await fc.assert(fc.asyncProperty(capture, async ({ pcap, flow }) => {
    await replayChecked(pcap, flow);
  }), { numRuns: Number(process.env['WEFT_FUZZ_RUNS'] ?? 150) });
});

test('the generated captures reach the dissectors', async () => {
  // A fixed sample: the property above must be exercising HTTP, TLS, DNS, DHCP and QUIC, not only
  // bytes every classifier turns away.
  const totals: Record<string, number> = {};
  for (const { pcap, flow } of fc.sample(capture, { numRuns: 150, seed: 42 })) {
    const { stats, kinds } = await replayChecked(pcap, flow);
    for (const name of DPI_COUNTERS) totals[name] = (totals[name] ?? 0) + stats.counters[name]!;
    for (const [kind, n] of Object.entries(kinds)) totals[`${kind} records`] = (totals[`${kind} records`] ?? 0) + n;
  }
  if (process.env['WEFT_FUZZ_VERBOSE']) console.log(totals);
  for (const name of ['dpi_tcp_connections', 'dpi_http_transactions', 'dpi_tls_handshakes', 'dpi_dns_messages', 'dpi_dhcp_messages',
    'dpi_quic_connections', 'dpi_reassembly_duplicate_bytes', 'dpi_reassembly_gaps', 'dpi_dns_answered', 'quic records']) {
    assert.ok(totals[name]! > 0, `${name} stayed 0 over the sample: ${JSON.stringify(totals)}`);
  }
});

test('packet time going backwards inside an HTTP connection leaves record times normalised', async () => {
  // Captures are not always in time order (merged interfaces, clock steps). The connection's
  // second request is stamped half a second before its first packet.
  const up: Endpoints = { v6: false, src: 1, dst: 2, sport: 40000, dport: 80 };
  const down: Endpoints = { v6: false, src: 2, dst: 1, sport: 80, dport: 40000 };
  const first = text('GET /1 HTTP/1.1\r\nHost: a\r\n\r\n');
  const second = text('GET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
  const pcap = writePcap({}, [
    { sec: 1_700_000_000, frac: 0, data: frame(up, { tcp: { seq: 1000, ack: 5000, flags: 0x18 } }, first) },
    { sec: 1_700_000_000, frac: 100, data: frame(down, { tcp: { seq: 5000, ack: 1000 + first.length, flags: 0x18 } },
      text('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')) },
    { sec: 1_699_999_999, frac: 500_000, data: frame(up, { tcp: { seq: 1000 + first.length, ack: 5000, flags: 0x18 } }, second) },
  ]);
  const { kinds } = await replayChecked(pcap);
  assert.equal(kinds['http'], 2);
});
