/**
 * Records → one JSON object per line with Elastic Common Schema field names as flat dotted keys
 * (`source.ip`, `network.community_id`, …; weft's own fields under `weft.`), the same names the
 * filters, IPFIX and Parquet columns use. Times are RFC 3339 with the capture's precision;
 * durations integer nanoseconds (ECS `event.duration`).
 *
 * Hand-written rather than JSON.stringify of nested objects: this runs once per record at up to
 * millions of records per second, and the values are numbers or strings we built ourselves.
 */
import { formatRfc3339, diffNanos } from '../../core/time.js';
import { FLOW_END_REASON_NAMES, type FlowRecord } from '../../model/flow-record.js';
import type { ObservationPoint } from '../../model/observation-point.js';
import type { ExportRecord, StatsRecord } from '../../model/stats-record.js';
import { ianaProtocolName } from './iana-protocols.js';

/** TCP flag names in bit order (RFC 9293 §3.1, RFC 3168 for ECE/CWR). */
const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;
const flagsJsonCache: string[] = [];

/** `["SYN","ACK"]` for 0x12; cached, there are only 256. */
export function tcpFlagsJson(flags: number): string {
  const cached = flagsJsonCache[flags];
  if (cached !== undefined) return cached;
  const names: string[] = [];
  for (let bit = 0; bit < 8; bit++) if (flags & (1 << bit)) names.push(TCP_FLAG_NAMES[bit] as string);
  const json = JSON.stringify(names);
  flagsJsonCache[flags] = json;
  return json;
}

export interface EncoderContext {
  /** `observer.hostname`: the node that observed the traffic. */
  readonly observerHostname: string;
  /** Observation points by index (PacketView.interfaceIndex / FlowRecord.observationPoint). */
  readonly points: readonly (ObservationPoint | undefined)[];
}

export class EcsJsonEncoder {
  readonly contentType = 'application/x-ndjson';
  private readonly context: EncoderContext;
  private readonly observerJson: string;
  private readonly pointJson: string[] = [];

  constructor(context: EncoderContext) {
    this.context = context;
    this.observerJson = `"observer.hostname":${JSON.stringify(context.observerHostname)},"observer.type":"weft"`;
  }

  /** One record as one line of JSON (no trailing newline). */
  encode(record: ExportRecord): string {
    return record.kind === 'flow' ? this.encodeFlow(record) : this.encodeStats(record);
  }

  encodeFlow(r: FlowRecord): string {
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
    return `${s},${this.observer(r.observationPoint)}}`;
  }

  encodeStats(r: StatsRecord): string {
    const ts = formatRfc3339(r.sec, r.nsec, r.tsDigits);
    let s = `{"@timestamp":"${ts}","event.kind":"metric","event.dataset":"stats",${this.observerJson}`;
    for (const [name, value] of Object.entries(r.counters)) s += `,"weft.stats.${name}":${value}`;
    return `${s}}`;
  }

  /** The observer fields of one observation point, built once per point. */
  private observer(index: number): string {
    const cached = this.pointJson[index];
    if (cached !== undefined) return cached;
    const p = this.context.points[index];
    let s = this.observerJson;
    if (p !== undefined) {
      s += `,"observer.ingress.interface.id":"${p.interfaceId}"`;
      if (p.name !== undefined) s += `,"observer.ingress.interface.name":${JSON.stringify(p.name)}`;
      if (p.description !== undefined) s += `,"observer.ingress.interface.alias":${JSON.stringify(p.description)}`;
      s += `,"weft.observation_point":${index}`;
      if (p.file !== undefined) s += `,"weft.capture.file":${JSON.stringify(p.file)}`;
      if (p.section !== 0) s += `,"weft.capture.section":${p.section}`;
    }
    this.pointJson[index] = s;
    return s;
  }
}
