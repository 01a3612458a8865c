import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { diffNanos, formatRfc3339 } from '../../core/time.js';
import { FLOW_END_REASON_NAMES, type FlowRecord } from '../../model/flow-record.js';
import type { ObservationPoint } from '../../model/observation-point.js';
import type { ByteOutput } from './ascii.js';
import { EcsJsonEncoder, tcpFlagsJson } from './ecs-json.js';
import { ianaProtocolName } from './iana-protocols.js';

/** The template-string encoder the byte writer replaced: the reference for its output. */
function referenceFlow(r: FlowRecord, observer: string): string {
  const start = formatRfc3339(r.startSec, r.startNsec, r.tsDigits);
  const end = formatRfc3339(r.endSec, r.endNsec, r.tsDigits);
  const isTcp = r.ipProto === 6;
  let s =
    `{"@timestamp":"${end}","event.kind":"event","event.category":["network"],"event.type":["connection","end"],` +
    `"event.dataset":"flow","event.start":"${start}","event.end":"${end}",` +
    `"event.duration":${diffNanos(r.endSec, r.endNsec, r.startSec, r.startNsec)},` +
    `"event.reason":"${FLOW_END_REASON_NAMES[r.endReason]}",` +
    `"network.type":"ipv${r.ipVersion}","network.transport":"${ianaProtocolName(r.ipProto)}",` +
    `"network.iana_number":"${r.ipProto}","network.community_id":"${r.communityId}",` +
    `"network.packets":${r.sourcePackets + r.destinationPackets},"network.bytes":${r.sourceBytes + r.destinationBytes},` +
    `"source.ip":"${r.sourceIp}","source.port":${r.sourcePort},`;
  if (r.sourceMac !== undefined) s += `"source.mac":"${r.sourceMac}",`;
  s += `"source.packets":${r.sourcePackets},"source.bytes":${r.sourceBytes},`;
  if (isTcp) s += `"source.tcp.flags":${tcpFlagsJson(r.sourceTcpFlags)},`;
  s += `"destination.ip":"${r.destinationIp}","destination.port":${r.destinationPort},`;
  if (r.destinationMac !== undefined) s += `"destination.mac":"${r.destinationMac}",`;
  s += `"destination.packets":${r.destinationPackets},"destination.bytes":${r.destinationBytes}`;
  if (isTcp) s += `,"destination.tcp.flags":${tcpFlagsJson(r.destinationTcpFlags)}`;
  if (r.vlanOuter !== 0 || r.vlanInner !== 0) {
    s += `,"network.vlan.id":"${r.vlanOuter}"`;
    if (r.vlanInner !== 0 && r.vlanInner !== r.vlanOuter) s += `,"network.inner.vlan.id":"${r.vlanInner}"`;
  }
  if (r.icmpType >= 0) s += `,"weft.icmp.type":${r.icmpType},"weft.icmp.code":${r.icmpCode}`;
  if (r.rttNs >= 0) s += `,"weft.tcp.rtt":${r.rttNs}`;
  if (r.rttServerNs >= 0) s += `,"weft.tcp.rtt_server":${r.rttServerNs}`;
  if (r.rttClientNs >= 0) s += `,"weft.tcp.rtt_client":${r.rttClientNs}`;
  if (r.fragments > 0) s += `,"weft.fragments":${r.fragments}`;
  const t = r.tunnel;
  if (t !== undefined) {
    s +=
      `,"weft.tunnel.type":"${t.type}","weft.tunnel.id":${t.id},"weft.tunnel.network.type":"ipv${t.outerIpVersion}",` +
      `"weft.tunnel.source.ip":"${t.outerSourceIp}","weft.tunnel.destination.ip":"${t.outerDestinationIp}",` +
      `"weft.tunnel.network.iana_number":"${t.outerIpProto}"`;
  }
  return `${s},${observer}}`;
}

/** The observer fields as the template encoder wrote them. */
function referenceObserver(hostname: string, index: number): string {
  let s = `"observer.hostname":${JSON.stringify(hostname)},"observer.type":"weft"`;
  const p = points[index];
  if (p !== undefined) {
    s += `,"observer.ingress.interface.id":"${p.interfaceId}"`;
    if (p.name !== undefined) s += `,"observer.ingress.interface.name":${JSON.stringify(p.name)}`;
    if (p.description !== undefined) s += `,"observer.ingress.interface.alias":${JSON.stringify(p.description)}`;
    s += `,"weft.observation_point":${index}`;
    if (p.file !== undefined) s += `,"weft.capture.file":${JSON.stringify(p.file)}`;
    if (p.section !== 0) s += `,"weft.capture.section":${p.section}`;
  }
  return s;
}

const asciiText = fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.'), maxLength: 45 });
const count = fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat());
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

const flowRecord: fc.Arbitrary<FlowRecord> = fc.record({
  kind: fc.constant('flow' as const),
  observationPoint: fc.integer({ min: 0, max: 2 }),
  startSec: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constant(1_700_000_000)),
  startNsec: fc.integer({ min: 0, max: 999_999_999 }),
  endSec: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constant(1_700_000_100)),
  endNsec: fc.integer({ min: 0, max: 999_999_999 }),
  tsDigits: fc.integer({ min: 0, max: 9 }),
  endReason: fc.constantFrom(1, 2, 3, 4, 5) as fc.Arbitrary<FlowRecord['endReason']>,
  ipVersion: fc.constantFrom(4, 6) as fc.Arbitrary<4 | 6>,
  ipProto: fc.oneof(fc.constantFrom(1, 6, 17, 58, 132), fc.integer({ min: 0, max: 255 })),
  sourceIp: asciiText,
  destinationIp: asciiText,
  sourcePort: fc.integer({ min: 0, max: 65535 }),
  destinationPort: fc.integer({ min: 0, max: 65535 }),
  icmpType: fc.integer({ min: -1, max: 255 }),
  icmpCode: fc.integer({ min: -1, max: 255 }),
  sourcePackets: count,
  sourceBytes: count,
  destinationPackets: count,
  destinationBytes: count,
  sourceTcpFlags: fc.integer({ min: 0, max: 255 }),
  destinationTcpFlags: fc.integer({ min: 0, max: 255 }),
  communityId: fc.constantFrom('1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:0123456789abcdef0123456789abcdef01234567'),
  vlanOuter: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4095 })),
  vlanInner: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4095 })),
  sourceMac: optional(fc.constant('02:42:00:00:26:48')),
  destinationMac: optional(fc.constant('00:1b:21:3c:9d:01')),
  rttServerNs: fc.oneof(fc.constant(-1), fc.maxSafeNat()),
  rttClientNs: fc.oneof(fc.constant(-1), fc.maxSafeNat()),
  rttNs: fc.oneof(fc.constant(-1), fc.maxSafeNat()),
  fragments: fc.nat({ max: 5 }),
  tunnel: optional(fc.record({
    type: fc.constantFrom('gre', 'vxlan', '9'),
    id: fc.nat({ max: 0xffffffff }),
    outerIpVersion: fc.constantFrom(0, 4, 6),
    outerSourceIp: asciiText,
    outerDestinationIp: asciiText,
    outerIpProto: fc.integer({ min: 0, max: 255 }),
  })),
});

const points: ObservationPoint[] = [
  { index: 0, file: '/captures/ünïcödé 😀.pcapng', interfaceId: 0, section: 0, linkType: 1, snaplen: 65535, tsDigits: 6 },
  { index: 1, interfaceId: 3, section: 1, linkType: 1, name: 'eth0 "uplink"', description: 'Ström\\ab', snaplen: 65535, tsDigits: 9 },
];

describe('EcsJsonEncoder flow lines', () => {
  it('are byte for byte what the template encoder wrote, observer names in UTF-8 included', () => {
    const encoder = new EcsJsonEncoder({ observerHostname: 'höst-😀', points });
    fc.assert(fc.property(flowRecord, (r) => {
      const line = encoder.encodeFlow(r);
      assert.equal(line, referenceFlow(r, referenceObserver('höst-😀', r.observationPoint)));
      JSON.parse(line);
    }), { numRuns: 3000 });
  });

  it('write the same bytes into a ByteOutput as encode returns, growing it as needed', () => {
    const encoder = new EcsJsonEncoder({ observerHostname: 'höst-😀', points });
    const out: ByteOutput = {
      buffer: new Uint8Array(16),
      used: 0,
      reserve(n: number): void {
        if (this.used + n <= this.buffer.length) return;
        const grown = new Uint8Array(this.used + n);
        grown.set(this.buffer.subarray(0, this.used));
        this.buffer = grown;
      },
    };
    const expected: string[] = [];
    fc.assert(fc.property(flowRecord, (r) => {
      encoder.writeFlow(r, out);
      out.reserve(1);
      out.buffer[out.used++] = 0x0a;
      expected.push(encoder.encodeFlow(r));
    }), { numRuns: 200 });
    assert.equal(Buffer.from(out.buffer.subarray(0, out.used)).toString('utf8'), `${expected.join('\n')}\n`);
  });

  it('end with the observer fields of the record\'s point', () => {
    const encoder = new EcsJsonEncoder({ observerHostname: 'höst-😀', points });
    const r = fc.sample(flowRecord, { numRuns: 1, seed: 7 })[0]!;
    const line = JSON.parse(encoder.encodeFlow({ ...r, observationPoint: 0 })) as Record<string, unknown>;
    assert.equal(line['observer.hostname'], 'höst-😀');
    assert.equal(line['weft.capture.file'], '/captures/ünïcödé 😀.pcapng');
    const line1 = JSON.parse(encoder.encodeFlow({ ...r, observationPoint: 1 })) as Record<string, unknown>;
    assert.equal(line1['observer.ingress.interface.name'], 'eth0 "uplink"');
    assert.equal(line1['observer.ingress.interface.alias'], 'Ström\\ab');
  });
});
