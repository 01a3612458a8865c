/**
 * The protobuf encoding against the JSON one: every record of a replay of the whole corpus (and
 * synthetic kernel events, control records, unicode text, 64-bit counters, absent optional fields)
 * encoded by ProtobufEncoder, decoded by protobufjs from schema/weft/v1/weft.proto, converted back
 * by the rules of docs/schema.md — and compared with the ECS JSON line EcsJsonEncoder writes for
 * the same record, key by key. Equal objects: the protobuf record carries what the JSON line has.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EcsJsonEncoder, type EncoderContext } from '../../src/export/index.js';
import { BATCH_CONTENT_TYPE, ProtobufEncoder, protobufContentType } from '../../src/export/encode/protobuf.js';
import { encodeTopology, encodeTimestamp } from '../../src/export/encode/protobuf.gen.js';
import { FlowEndReason, KernelEventAction, type AppRecord, type AuditRecord, type CaptureRecord, type EventRecord, type ExportRecord,
  type FlowRecord, type ObservationPoint, type StatsRecord, type TopologyRecord } from '../../src/model/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { CORPUS_DIR, CORPUS_SKIP } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';
import { BATCH_KINDS, decode, protoToEcs, type Obj } from './proto-ecs.js';

/** The Batch field of each record type. */
const FIELD_OF = Object.fromEntries(Object.entries(BATCH_KINDS).map(([field, kind]) => [kind, field]));

/** JSON text may hold lone surrogates (escaped); protobuf strings are UTF-8, where they become U+FFFD. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wellFormed(v)]));
  return value;
}

/**
 * Encodes the records as one Batch per type and each alone, decodes both with protobufjs, and
 * compares each with its JSON line. Returns the number of records compared per type.
 */
function compare(context: EncoderContext, records: readonly ExportRecord[]): Map<string, number> {
  const json = new EcsJsonEncoder(context);
  const protobuf = new ProtobufEncoder(context);
  const byKind = new Map<string, ExportRecord[]>();
  for (const r of records) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  const counts = new Map<string, number>();
  for (const [kind, list] of byKind) {
    const batch = decode('Batch', protobuf.encodeBatch(list));
    assert.deepEqual(Object.keys(batch), [FIELD_OF[kind]], `${kind}: one Batch field`);
    const decoded = batch[FIELD_OF[kind]!] as Obj[];
    assert.equal(decoded.length, list.length, `${kind}: every record in the Batch`);
    list.forEach((r, i) => {
      const line = JSON.parse(json.encode(r)) as Obj;
      assert.deepEqual(protoToEcs(kind, decoded[i]!), wellFormed(line), `${kind} #${i}`);
      assert.deepEqual(decode(ProtobufEncoder.messageName(r.kind), protobuf.encode(r)), decoded[i], `${kind} #${i}: alone as in the Batch`);
    });
    counts.set(kind, list.length);
  }
  return counts;
}

describe('protobuf encoding of a replay of the whole corpus', { skip: CORPUS_SKIP }, () => {
  let records: ExportRecord[] = [];
  let context: EncoderContext;
  before(async () => {
    const sink = new MemorySink();
    const pipeline = new ReplayPipeline({ warn: () => undefined });
    const dir = join(CORPUS_DIR, 'pcap');
    await pipeline.run(readdirSync(dir).sort().map((f) => join(dir, f)), [sink]);
    records = sink.records;
    context = { observerHostname: 'proto-node', points: pipeline.points };
  });

  test('every record the corpus produces carries what its JSON line has', () => {
    const counts = compare(context, records);
    for (const kind of ['flow', 'dns', 'http', 'tls', 'quic', 'dhcp', 'icmp', 'stats']) assert.ok((counts.get(kind) ?? 0) > 0, `the corpus gives ${kind} records`);
  });

  test('what the corpus exercises: tunnels, VLANs, MACs, ICMP, RTTs, fragments, certificates, named interfaces', () => {
    const flows = records.filter((r): r is FlowRecord => r.kind === 'flow');
    assert.ok(flows.some((f) => f.tunnel !== undefined));
    assert.ok(flows.some((f) => f.vlanInner !== 0 && f.vlanInner !== f.vlanOuter));
    assert.ok(flows.some((f) => f.sourceMac !== undefined));
    assert.ok(flows.some((f) => f.icmpType === 0));
    assert.ok(flows.some((f) => f.rttNs >= 0));
    assert.ok(flows.some((f) => f.fragments > 0));
    assert.ok(records.some((r) => r.kind === 'tls' && r.serverCertificate !== undefined));
    assert.ok(context.points.some((p) => p?.name !== undefined));
  });

  test('a Batch of every flow of the corpus is a fraction of its JSON lines', () => {
    const flows = records.filter((r) => r.kind === 'flow');
    const json = new EcsJsonEncoder(context);
    const jsonBytes = flows.reduce((n, r) => n + Buffer.byteLength(json.encode(r)) + 1, 0);
    const protoBytes = new ProtobufEncoder(context).encodeBatch(flows).length;
    assert.ok(protoBytes < jsonBytes / 2, `${protoBytes} protobuf bytes vs ${jsonBytes} JSON`);
  });
});

// ── synthetic records ─────────────────────────────────────────────────────────────────────────

const POINTS: ObservationPoint[] = [
  { index: 0, interfaceId: 0, section: 0, linkType: 1, snaplen: 262144, tsDigits: 9 },
  {
    index: 1, file: '/captures/nœud/😀 été.pcapng', interfaceId: 3, section: 2, linkType: 1, snaplen: 65535, tsDigits: 6,
    name: 'eth0-ü', description: 'uplink « 東京 » 🚀', netnsInode: 4026531993, netnsName: 'pod-α',
  },
];
const CONTEXT: EncoderContext = { observerHostname: 'nœud-東京-😀', points: POINTS };
const LONG = `${'x'.repeat(120)}-ü-${'y'.repeat(20_000)}`;

function flow(overrides: Partial<FlowRecord> = {}): FlowRecord {
  return {
    kind: 'flow', observationPoint: 0, startSec: 1_700_000_000, startNsec: 123_456_789, endSec: 1_700_000_002, endNsec: 5, tsDigits: 9,
    endReason: FlowEndReason.ACTIVE_TIMEOUT, ipVersion: 6, ipProto: 6, sourceIp: '2001:db8::1', destinationIp: '2001:db8::ffff:1',
    sourcePort: 65535, destinationPort: 443, icmpType: -1, icmpCode: -1, sourcePackets: 2 ** 33 + 1, sourceBytes: 2 ** 40 + 7,
    destinationPackets: 0, destinationBytes: 2 ** 52 - 1, sourceTcpFlags: 0xff, destinationTcpFlags: 0, communityId: '1:abc=',
    vlanOuter: 4094, vlanInner: 7, sourceMac: '00:11:22:33:44:55', destinationMac: 'ff:ff:ff:ff:ff:ff', rttServerNs: 0, rttClientNs: 2 ** 35,
    rttNs: 2 ** 35, fragments: 2 ** 31, tunnel: { type: 'geneve', id: 16_777_215, outerIpVersion: 4, outerSourceIp: '192.0.2.1', outerDestinationIp: '192.0.2.2', outerIpProto: 17 },
    appProtocol: 'tls', ...overrides,
  };
}

const BASE = {
  observationPoint: 1, sec: 1_600_000_000, nsec: 999_999_000, tsDigits: 6, durationNs: -1, ipVersion: 4, ipProto: 17,
  sourceIp: '10.0.0.1', sourcePort: 0, destinationIp: '10.0.0.2', destinationPort: 53, communityId: '',
} as const;

const APP: AppRecord[] = [
  // Nothing optional: absent keys stay absent, empty lists stay as JSON has them.
  { ...BASE, kind: 'dns', type: 'query', id: 0, opCode: 0, headerFlags: [], answers: [], resolvedIps: [], transport: 'udp' },
  {
    ...BASE, kind: 'dns', durationNs: 2 ** 40, type: 'answer', id: 65535, opCode: 15, questionName: 'bücher.例え.テスト\u0000\ud800', questionType: 'TYPE65535',
    questionClass: 'IN', responseCode: 'NXDOMAIN', headerFlags: ['AA', 'TC', 'RD', 'RA', 'AD', 'CD', 'DO'],
    answers: [{ name: '', type: 'A', class: 'IN', ttl: 0, data: '' }, { name: LONG, type: 'TXT', class: 'CH', ttl: 2 ** 32 - 1, data: '"\\\n😀' }],
    resolvedIps: ['192.0.2.1', '2001:db8::1'], incomplete: 'response_only', transport: 'tcp',
  },
  {
    ...BASE, kind: 'http', ipProto: 6, method: '', urlOriginal: '', version: '', requestBodyBytes: 0, responseBodyBytes: 0, interim: [],
  },
  {
    ...BASE, kind: 'http', ipVersion: 6, ipProto: 6, durationNs: 0, method: 'GET', urlOriginal: '/ä?q=1', urlPath: '/ä', urlQuery: 'q=1', urlDomain: 'exämple.com',
    urlPort: 0, version: '1.1', statusCode: 100, responseVersion: '1.0', userAgent: `Mozilla 😀 \u0001\t"${LONG}`, referrer: '',
    requestMimeType: 'text/plain', responseMimeType: 'application/json', requestBodyBytes: 2 ** 45, responseBodyBytes: 1, interim: [100, 102, 103],
    incomplete: 'gap', error: 'client: bad chunk at 12',
  },
  {
    ...BASE, kind: 'http', ipProto: 6, method: 'PUT', urlOriginal: 'x', version: '1.1', responseVersion: '1.1', requestBodyBytes: 0, responseBodyBytes: 0, interim: [],
  },
  {
    ...BASE, kind: 'tls', ipProto: 6, offeredAlpn: [], supportedVersions: [], supportedCiphers: [], established: false, resumed: false,
    sslv2ClientHello: false, serverChainLength: 0,
  },
  {
    ...BASE, kind: 'tls', ipProto: 6, durationNs: 1, version: '1.2', versionProtocol: 'tls', cipher: 'TLS_AES_128_GCM_SHA256', serverName: 'exämple.com',
    ja3: 'a', ja3String: 'b', ja4: 'c', ja3s: 'd', ja3sString: 'e', nextProtocol: 'h2', offeredAlpn: ['h2', 'http/1.1'], supportedVersions: ['1.3', '1.2'],
    supportedCiphers: ['x', 'y'], established: true, resumed: true, sslv2ClientHello: true,
    serverCertificate: { subject: 'CN=Ünïcödé', issuer: '', notBefore: '2020-01-01T00:00:00Z', notAfter: '2030-01-01T00:00:00Z', sha256: 'ab', serialNumber: '00' },
    serverChainLength: 3, incomplete: 'no_server_hello', error: 'bad certificate',
  },
  {
    ...BASE, kind: 'quic', version: '', dcid: '', scid: '', offeredAlpn: [], supportedVersions: [], retry: false, versionNegotiation: false,
  },
  {
    ...BASE, kind: 'quic', version: 'draft-29', dcid: '00', scid: 'ff', serverName: 'q.example', offeredAlpn: ['h3'], ja4: 'q13d', supportedVersions: ['1.3'],
    retry: true, versionNegotiation: true, incomplete: 'no_client_hello', error: 'x',
  },
  {
    ...BASE, kind: 'dhcp', messageType: 'DISCOVER', transactionId: 2 ** 32 - 1, clientMac: '00:00:00:00:00:00', clientIp: '0.0.0.0', assignedIp: '0.0.0.0',
    relayIp: '0.0.0.0', options: [],
  },
  {
    ...BASE, kind: 'dhcp', messageType: 'ACK', transactionId: 1, clientMac: 'aa:bb:cc:dd:ee:ff', clientIp: '10.0.0.9', assignedIp: '10.0.0.9',
    relayIp: '10.0.0.254', requestedIp: '10.0.0.9', serverId: '10.0.0.1', hostname: 'höst', leaseTime: 0, vendorClass: 'MSFT 5.0', clientId: '01aabb',
    paramRequestList: [1, 3, 6, 255], routers: ['10.0.0.1'], dnsServers: ['10.0.0.2', '10.0.0.3'], subnetMask: '255.255.255.0', domainName: 'lan',
    relayCircuitId: 'c', relayRemoteId: 'r', options: [53, 54, 51, 1, 3, 6, 255],
  },
  {
    ...BASE, kind: 'icmp', ipProto: 1, icmpType: 3, icmpCode: 3, quotedIpProto: 17, quotedSourceIp: '10.0.0.2', quotedDestinationIp: '10.0.0.1',
    quotedCommunityId: '1:q=',
  },
  {
    ...BASE, kind: 'icmp', ipVersion: 6, ipProto: 58, icmpType: 0, icmpCode: 0, quotedIpProto: 6, quotedSourceIp: '::1', quotedSourcePort: 0,
    quotedDestinationIp: '::2', quotedDestinationPort: 65535, quotedCommunityId: '',
  },
];

const EVENTS: EventRecord[] = [
  {
    kind: 'event', action: KernelEventAction.TCP_STATE, sec: 1_700_000_000, nsec: 1, tsDigits: 9, netnsInode: 4026531840, netnsName: 'höst-ns', ifindex: 0,
    ipVersion: 4, ipProto: 6, sourceIp: '10.0.0.1', sourcePort: 40000, destinationIp: '10.0.0.2', destinationPort: 80, communityId: '1:e=',
    oldState: 'SYN_SENT', newState: 'ESTABLISHED', socketCookie: '18446744073709551615', process: { pid: 2 ** 22, tid: 1, name: 'cürl', cgroupId: 2 ** 50 },
  },
  {
    kind: 'event', action: KernelEventAction.PACKET_DROP, sec: 1_700_000_000, nsec: 0, tsDigits: 9, netnsInode: 1, ifindex: 7, interfaceName: 'veth-ü',
    ipVersion: 0, ipProto: 0, sourceIp: '', sourcePort: 0, destinationIp: '', destinationPort: 0, communityId: '', dropReason: 'NO_SOCKET',
    dropReasonCode: 0, dropLocation: 'tcp_v4_rcv+0x1a0',
  },
  {
    kind: 'event', action: KernelEventAction.TCP_RETRANSMIT, sec: 0, nsec: 0, tsDigits: 9, netnsInode: 0, ifindex: 0, ipVersion: 6, ipProto: 6,
    sourceIp: '::1', sourcePort: 1, destinationIp: '::1', destinationPort: 2, communityId: '',
  },
];

const CONTROL: (AuditRecord | CaptureRecord | TopologyRecord)[] = [
  {
    kind: 'audit', sec: 1_700_000_000, nsec: 5, node: 'nœud', transport: 'nats', verb: 'block.add', target: 'all', identity: 'ops', identityKey: 'UABC',
    role: 'admin', request: '{"match":{"port":53},"reason":"ü"}', outcome: 'success', durationNs: 2 ** 40, summary: 'block 3 added',
  },
  {
    kind: 'audit', sec: 1_700_000_000, nsec: 5, node: 'n', transport: 'http', verb: 'bogus', target: 'n', identity: 'anonymous', role: '', request: '',
    outcome: 'failure', errorCode: 'forbidden', errorMessage: 'no right to bogus', durationNs: 0,
  },
  {
    kind: 'capture', sec: 1_700_000_100, nsec: 0, id: 'c-1', node: 'n', state: 'completed', filter: 'tcp port 443', selector: 'pod-*/eth0', startSec: 1_700_000_000,
    startNsec: 1, endSec: 1_700_000_100, endNsec: 999_999_999, packets: 2 ** 33, bytes: 2 ** 41, path: '/var/lib/weft/captures/c-1.pcapng', endReason: 'duration',
    object: { bucket: 'weft-captures', name: 'n/c-1.pcapng', size: 2 ** 41, sha256: 'ab'.repeat(32) },
  },
  {
    kind: 'capture', sec: 1, nsec: 0, id: 'c-2', node: 'n', state: 'failed', filter: '', selector: '', startSec: 0, startNsec: 0, endSec: 0, endNsec: 0,
    packets: 0, bytes: 0, path: '', endReason: 'error', error: 'disk full',
  },
  {
    kind: 'topology', sec: 1_700_000_000, nsec: 0, node: 'n', change: 'snapshot', namespaces: [
      { inode: 4026531993, own: true, interfaces: [] },
      {
        inode: 4026532100, name: 'pod-α', own: false, interfaces: [
          { ifindex: 1, name: 'lo', kind: '', mac: '00:00:00:00:00:00', mtu: 65536, up: true, addresses: ['127.0.0.1/8', '::1/128'], link: 0, linkNetnsId: -1, master: 0, observed: false },
          { ifindex: 3, name: 'eth0', kind: 'veth', mac: 'aa:bb:cc:00:11:22', mtu: 1500, up: false, addresses: [], link: 12, linkNetnsId: 0, master: 5, observed: true },
        ],
      },
    ],
  },
];

const STATS: StatsRecord[] = [
  { kind: 'stats', sec: 1_700_000_000, nsec: 0, tsDigits: 3, counters: {} },
  { kind: 'stats', sec: 1_700_000_000, nsec: 250_000_000, tsDigits: 3, counters: { zero: 0, big: 2 ** 52, negative: -5, fraction: 0.25, 'ünï': 1 } },
];

describe('protobuf encoding of synthetic records', () => {
  test('flows: 64-bit counters above 2^32, all optional fields, unicode observer; and none of them', () => {
    compare(CONTEXT, [
      flow(),
      flow({ observationPoint: 1, tsDigits: 6, startNsec: 1000, endNsec: 2000 }),
      flow({
        ipVersion: 4, ipProto: 1, sourceIp: '', destinationIp: '', sourcePort: 0, destinationPort: 0, icmpType: 0, icmpCode: 0, sourcePackets: 0,
        sourceBytes: 0, destinationBytes: 0, sourceTcpFlags: 0xff, communityId: '', vlanOuter: 0, vlanInner: 0, sourceMac: undefined, destinationMac: undefined,
        rttServerNs: -1, rttClientNs: -1, rttNs: -1, fragments: 0, tunnel: undefined, appProtocol: undefined, endReason: FlowEndReason.FORCED_END,
      }),
      flow({ observationPoint: 9, vlanOuter: 5, vlanInner: 5, ipProto: 17, tunnel: { type: 'ipip', id: 0, outerIpVersion: 6, outerSourceIp: '::', outerDestinationIp: '::', outerIpProto: 41 } }),
      // Before 1970: negative Timestamp seconds.
      flow({ startSec: -86_400 * 365, startNsec: 0, endSec: -1, endNsec: 500_000_000 }),
    ]);
  });

  test('application records: unicode, control characters, lone surrogates, long strings, empty lists and absent fields', () => {
    compare(CONTEXT, APP);
  });

  test('kernel events, stats (negative and fractional values), audit, capture and topology records', () => {
    const counts = compare(CONTEXT, [...EVENTS, ...STATS, ...CONTROL]);
    assert.deepEqual([...counts.keys()].sort(), ['audit', 'capture', 'event', 'stats', 'topology']);
  });

  test('content types name the message', () => {
    assert.equal(BATCH_CONTENT_TYPE, 'application/x-protobuf; proto=weft.v1.Batch');
    assert.equal(protobufContentType(ProtobufEncoder.messageName('icmp')), 'application/x-protobuf; proto=weft.v1.IcmpError');
  });

  test('generated encoders straight from the schema types: negative int32/sint32, empty messages, a Timestamp before 1970', () => {
    const t = decode('Topology', encodeTopology({
      node: '', change: 0, namespaces: [{ inode: 0, own: false, interfaces: [{ ifindex: 0, name: '', kind: '', mac: '', mtu: 0, up: false, link: -2, link_netnsid: -(2 ** 31), master: 0, observed: false }] }],
    }));
    assert.deepEqual(t, { namespaces: [{ interfaces: [{ link: -2, link_netnsid: -(2 ** 31) }] }] });
    assert.deepEqual(decode('Topology', encodeTopology({ node: '', change: 0 })), {});
    const ts = encodeTimestamp({ seconds: -62_135_596_800, nanos: 999_999_999 });
    const decoded = decode('Capture', Buffer.concat([Buffer.from([8 * 8 + 2, ts.length]), ts]));
    assert.deepEqual(decoded, { start: { seconds: -62_135_596_800, nanos: 999_999_999 } });
  });
});
