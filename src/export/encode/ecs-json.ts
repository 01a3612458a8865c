/**
 * Records → one JSON object per line with Elastic Common Schema field names as flat dotted keys
 * (`source.ip`, `network.community_id`, …; weft's own fields under `weft.`), the same names the
 * filters, IPFIX and Parquet columns use. Times are RFC 3339 with the capture's precision;
 * durations integer nanoseconds (ECS `event.duration`).
 *
 * Hand-written rather than JSON.stringify of nested objects: this runs once per record at up to
 * millions of records per second, and the values are numbers or strings we built ourselves. Flow
 * records are written as bytes straight into the sink's buffer (`writeFlow`): everything in them is
 * ASCII except the observer fields (host and interface names, file names), which are UTF-8 encoded
 * once per observation point. `encode` gives the same text as a string.
 */
import { diffNanos, formatRfc3339 } from '../../core/time.js';
import { globToRegExp } from '../../core/glob.js';
import { FLOW_END_REASON_NAMES, type FlowRecord } from '../../model/flow-record.js';
import type { ObservationPoint } from '../../model/observation-point.js';
import type { ExportRecord, StatsRecord } from '../../model/stats-record.js';
import { ascii, asciiBytes, GrowableOutput, num, raw, rfc3339, type ByteOutput } from './ascii.js';
import { ianaProtocolName } from './iana-protocols.js';
import { writeAppRecord } from './ecs-app.js';
import { encodeControlRecord } from './ecs-control.js';
import type { ControlRecord } from '../../model/control-record.js';
import type { AppRecord } from '../../model/app-record.js';
import { KernelEventAction, type EventRecord } from '../../model/event-record.js';

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

/**
 * Runs of a flow line that depend only on a few small values (end reason, IP version, protocol,
 * TCP flags) are built once per value combination and copied whole: each copy is a call costing
 * about as much as copying 20 bytes, so fewer, longer pieces are faster.
 */
class Segments {
  private readonly table: (Uint8Array | undefined)[] = [];
  private readonly text: (key: number) => string;

  constructor(text: (key: number) => string) {
    this.text = text;
  }

  /** The bytes of text(key); cached when key is a small non-negative integer. */
  get(key: number): Uint8Array {
    const small = key >= 0 && key < 1 << 20 && Number.isInteger(key);
    let bytes = small ? this.table[key] : undefined;
    if (bytes === undefined) {
      bytes = asciiBytes(this.text(key));
      if (small) this.table[key] = bytes;
    }
    return bytes;
  }
}

/** From the end reason to the community ID's opening quote; key: networkKey(). */
const NETWORK = new Segments((key) => {
  const reason = Math.floor(key / 4096);
  const version = Math.floor(key / 256) % 16;
  const proto = key % 256;
  return `,"event.reason":"${FLOW_END_REASON_NAMES[reason as FlowRecord['endReason']]}","network.type":"ipv${version}",` +
    `"network.transport":"${ianaProtocolName(proto)}","network.iana_number":"${proto}","network.community_id":"`;
});

function networkKey(r: FlowRecord): number {
  const { endReason, ipVersion, ipProto } = r;
  const small = endReason >= 0 && endReason < 16 && ipVersion >= 0 && ipVersion < 16 && ipProto >= 0 && ipProto < 256;
  return small ? endReason * 4096 + ipVersion * 256 + ipProto : -1;
}

/** The source's TCP flags up to the destination address's opening quote; key: flags, or 256 when not TCP. */
const SOURCE_FLAGS = new Segments((key) =>
  `${key < 256 ? `,"source.tcp.flags":${tcpFlagsJson(key)}` : ''},"destination.ip":"`);
/** The destination's TCP flags; key: flags. */
const DESTINATION_FLAGS = new Segments((key) => `,"destination.tcp.flags":${tcpFlagsJson(key)}`);

// The fixed parts of a flow line, in order.
const L_TIMESTAMP = asciiBytes('{"@timestamp":"');
const L_START = asciiBytes('","event.kind":"event","event.category":["network"],"event.type":["connection","end"],' +
  '"event.dataset":"flow","event.start":"');
const L_END = asciiBytes('","event.end":"');
const L_DURATION = asciiBytes('","event.duration":');
const L_PACKETS = asciiBytes('","network.packets":');
const L_PROTOCOL = asciiBytes('","network.protocol":"');
const L_BYTES = asciiBytes(',"network.bytes":');
const L_SOURCE_IP = asciiBytes(',"source.ip":"');
const L_SOURCE_PORT = asciiBytes('","source.port":');
const L_SOURCE_MAC = asciiBytes(',"source.mac":"');
const L_SOURCE_PACKETS = asciiBytes(',"source.packets":');
const L_SOURCE_PACKETS_AFTER_MAC = asciiBytes('","source.packets":');
const L_SOURCE_BYTES = asciiBytes(',"source.bytes":');
const L_DESTINATION_PORT = asciiBytes('","destination.port":');
const L_DESTINATION_MAC = asciiBytes(',"destination.mac":"');
const L_DESTINATION_PACKETS = asciiBytes(',"destination.packets":');
const L_DESTINATION_PACKETS_AFTER_MAC = asciiBytes('","destination.packets":');
const L_DESTINATION_BYTES = asciiBytes(',"destination.bytes":');
const L_VLAN = asciiBytes(',"network.vlan.id":"');
const L_INNER_VLAN = asciiBytes('","network.inner.vlan.id":"');
const L_ICMP_TYPE = asciiBytes(',"weft.icmp.type":');
const L_ICMP_CODE = asciiBytes(',"weft.icmp.code":');
const L_RTT = asciiBytes(',"weft.tcp.rtt":');
const L_RTT_SERVER = asciiBytes(',"weft.tcp.rtt_server":');
const L_RTT_CLIENT = asciiBytes(',"weft.tcp.rtt_client":');
const L_FRAGMENTS = asciiBytes(',"weft.fragments":');
const L_TUNNEL_TYPE = asciiBytes(',"weft.tunnel.type":"');
const L_TUNNEL_ID = asciiBytes('","weft.tunnel.id":');
const L_TUNNEL_NETWORK_TYPE = asciiBytes(',"weft.tunnel.network.type":"ipv');
const L_TUNNEL_SOURCE_IP = asciiBytes('","weft.tunnel.source.ip":"');
const L_TUNNEL_DESTINATION_IP = asciiBytes('","weft.tunnel.destination.ip":"');
const L_TUNNEL_IANA = asciiBytes('","weft.tunnel.network.iana_number":"');
const QUOTE = 0x22;

/**
 * Room a flow line needs besides its observer fields: the literals (~1 KB) plus the longest
 * values (addresses, timestamps, numbers printed by String), with a wide margin.
 */
const FLOW_LINE_MAX = 4096;


function selectKeys(line: string, keep: readonly RegExp[]): string {
  const o = JSON.parse(line) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k === '@timestamp' || keep.some((re) => re.test(k))) out[k] = v;
  return JSON.stringify(out);
}

export interface EncoderContext {
  /** `observer.hostname`: the node that observed the traffic. */
  readonly observerHostname: string;
  /** Observation points by index (PacketView.interfaceIndex / FlowRecord.observationPoint). */
  readonly points: readonly (ObservationPoint | undefined)[];
}

export class EcsJsonEncoder {
  readonly contentType = 'application/x-ndjson';
  readonly context: EncoderContext;
  private readonly observerJson: string;
  private readonly pointJson: string[] = [];
  /** `,` + observer fields + `}`: the UTF-8 end of every flow line of a point. */
  private readonly pointTail: Uint8Array[] = [];
  /** pipeline.set field selection: record type → patterns of the JSON keys to keep. */
  private selection: ReadonlyMap<string, readonly RegExp[]> | undefined;
  /** For `encode` (the string API). */
  private readonly scratch = new GrowableOutput();

  constructor(context: EncoderContext) {
    this.context = context;
    this.observerJson = `"observer.hostname":${JSON.stringify(context.observerHostname)},"observer.type":"weft"`;
  }

  /**
   * Per record type, the only JSON keys written (dotted ECS names, `*` globs; `@timestamp` always
   * stays); undefined = every field. A selected type costs a parse and a re-serialisation per record.
   */
  setFieldSelection(fields: Readonly<Record<string, readonly string[]>> | undefined): void {
    const entries = Object.entries(fields ?? {}).map(([type, globs]) => [type, globs.map((g) => globToRegExp(g))] as const);
    this.selection = entries.length === 0 ? undefined : new Map(entries);
  }

  /** One record as one line of JSON (no trailing newline). */
  encode(record: ExportRecord): string {
    const line = this.encodeAll(record);
    const keep = this.selection?.get(record.kind);
    return keep === undefined ? line : selectKeys(line, keep);
  }

  private encodeAll(record: ExportRecord): string {
    switch (record.kind) {
      case 'flow': return this.encodeFlow(record);
      case 'stats': return this.encodeStats(record);
      case 'event': return this.encodeEvent(record);
      default: {
        const out = this.scratch;
        out.used = 0;
        this.writeApp(record, out);
        return Buffer.from(out.buffer.buffer, out.buffer.byteOffset, out.used).toString('utf8');
      }
    }
  }

  encodeFlow(r: FlowRecord): string {
    const out = this.scratch;
    out.used = 0;
    this.writeFlow(r, out);
    return Buffer.from(out.buffer.buffer, out.buffer.byteOffset, out.used).toString('utf8');
  }

  /** Appends one flow record as one line of JSON (no trailing newline) to `out`. */
  writeFlow(r: FlowRecord, out: ByteOutput): void {
    const start = out.used;
    this.writeFlowLine(r, out);
    this.select(r.kind, out, start);
  }

  private writeFlowLine(r: FlowRecord, out: ByteOutput): void {
    const tail = this.pointTail[r.observationPoint] ?? this.observerTail(r.observationPoint);
    out.reserve(FLOW_LINE_MAX + tail.length);
    const b = out.buffer;
    let p = out.used;
    const isTcp = r.ipProto === 6;
    p = raw(b, p, L_TIMESTAMP);
    const endAt = p;
    p = rfc3339(b, p, r.endSec, r.endNsec, r.tsDigits);
    const endLength = p - endAt;
    p = raw(b, p, L_START);
    p = rfc3339(b, p, r.startSec, r.startNsec, r.tsDigits);
    p = raw(b, p, L_END);
    b.copyWithin(p, endAt, endAt + endLength); // the end time again
    p += endLength;
    p = raw(b, p, L_DURATION);
    p = num(b, p, diffNanos(r.endSec, r.endNsec, r.startSec, r.startNsec));
    const nk = networkKey(r);
    if (nk >= 0) {
      p = raw(b, p, NETWORK.get(nk));
    } else {
      p = ascii(b, p, `,"event.reason":"${FLOW_END_REASON_NAMES[r.endReason]}","network.type":"ipv${r.ipVersion}",` +
        `"network.transport":"${ianaProtocolName(r.ipProto)}","network.iana_number":"${r.ipProto}","network.community_id":"`);
    }
    p = ascii(b, p, r.communityId);
    if (r.appProtocol !== undefined) {
      p = raw(b, p, L_PROTOCOL);
      p = ascii(b, p, r.appProtocol);
    }
    p = raw(b, p, L_PACKETS);
    p = num(b, p, r.sourcePackets + r.destinationPackets);
    p = raw(b, p, L_BYTES);
    p = num(b, p, r.sourceBytes + r.destinationBytes);
    p = raw(b, p, L_SOURCE_IP);
    p = ascii(b, p, r.sourceIp);
    p = raw(b, p, L_SOURCE_PORT);
    p = num(b, p, r.sourcePort);
    if (r.sourceMac !== undefined) {
      p = raw(b, p, L_SOURCE_MAC);
      p = ascii(b, p, r.sourceMac);
      p = raw(b, p, L_SOURCE_PACKETS_AFTER_MAC);
    } else {
      p = raw(b, p, L_SOURCE_PACKETS);
    }
    p = num(b, p, r.sourcePackets);
    p = raw(b, p, L_SOURCE_BYTES);
    p = num(b, p, r.sourceBytes);
    p = raw(b, p, SOURCE_FLAGS.get(isTcp ? r.sourceTcpFlags : 256));
    p = ascii(b, p, r.destinationIp);
    p = raw(b, p, L_DESTINATION_PORT);
    p = num(b, p, r.destinationPort);
    if (r.destinationMac !== undefined) {
      p = raw(b, p, L_DESTINATION_MAC);
      p = ascii(b, p, r.destinationMac);
      p = raw(b, p, L_DESTINATION_PACKETS_AFTER_MAC);
    } else {
      p = raw(b, p, L_DESTINATION_PACKETS);
    }
    p = num(b, p, r.destinationPackets);
    p = raw(b, p, L_DESTINATION_BYTES);
    p = num(b, p, r.destinationBytes);
    if (isTcp) p = raw(b, p, DESTINATION_FLAGS.get(r.destinationTcpFlags));
    if (r.vlanOuter !== 0 || r.vlanInner !== 0) {
      p = raw(b, p, L_VLAN);
      p = num(b, p, r.vlanOuter);
      if (r.vlanInner !== 0 && r.vlanInner !== r.vlanOuter) {
        p = raw(b, p, L_INNER_VLAN);
        p = num(b, p, r.vlanInner);
      }
      b[p++] = QUOTE;
    }
    if (r.icmpType >= 0) {
      p = raw(b, p, L_ICMP_TYPE);
      p = num(b, p, r.icmpType);
      p = raw(b, p, L_ICMP_CODE);
      p = num(b, p, r.icmpCode);
    }
    if (r.rttNs >= 0) {
      p = raw(b, p, L_RTT);
      p = num(b, p, r.rttNs);
    }
    if (r.rttServerNs >= 0) {
      p = raw(b, p, L_RTT_SERVER);
      p = num(b, p, r.rttServerNs);
    }
    if (r.rttClientNs >= 0) {
      p = raw(b, p, L_RTT_CLIENT);
      p = num(b, p, r.rttClientNs);
    }
    if (r.fragments > 0) {
      p = raw(b, p, L_FRAGMENTS);
      p = num(b, p, r.fragments);
    }
    const t = r.tunnel;
    if (t !== undefined) {
      p = raw(b, p, L_TUNNEL_TYPE);
      p = ascii(b, p, t.type);
      p = raw(b, p, L_TUNNEL_ID);
      p = num(b, p, t.id);
      p = raw(b, p, L_TUNNEL_NETWORK_TYPE);
      p = num(b, p, t.outerIpVersion);
      p = raw(b, p, L_TUNNEL_SOURCE_IP);
      p = ascii(b, p, t.outerSourceIp);
      p = raw(b, p, L_TUNNEL_DESTINATION_IP);
      p = ascii(b, p, t.outerDestinationIp);
      p = raw(b, p, L_TUNNEL_IANA);
      p = num(b, p, t.outerIpProto);
      b[p++] = QUOTE;
    }
    p = raw(b, p, tail);
    out.used = p;
  }

  /** Appends one application (or control) record as one line of JSON (no trailing newline) to `out`. */
  writeApp(r: AppRecord | ControlRecord, out: ByteOutput): void {
    const start = out.used;
    this.writeAppLine(r, out);
    this.select(r.kind, out, start);
  }

  /** Rewrites the line at out[start, used) with only the selected keys, when its type has a selection. */
  private select(kind: string, out: ByteOutput, start: number): void {
    const keep = this.selection?.get(kind);
    if (keep === undefined) return;
    const line = Buffer.from(out.buffer.buffer, out.buffer.byteOffset + start, out.used - start).toString('utf8');
    const reduced = Buffer.from(selectKeys(line, keep), 'utf8');
    out.used = start;
    out.reserve(reduced.length);
    out.buffer.set(reduced, start);
    out.used = start + reduced.length;
  }

  private writeAppLine(r: AppRecord | ControlRecord, out: ByteOutput): void {
    if (r.kind === 'audit' || r.kind === 'capture' || r.kind === 'topology') {
      const line = Buffer.from(encodeControlRecord(r, this.observerJson), 'utf8');
      out.reserve(line.length);
      out.buffer.set(line, out.used);
      out.used += line.length;
      return;
    }
    writeAppRecord(r, out, this.pointTail[r.observationPoint] ?? this.observerTail(r.observationPoint));
  }

  encodeStats(r: StatsRecord): string {
    const ts = formatRfc3339(r.sec, r.nsec, r.tsDigits);
    let s = `{"@timestamp":"${ts}","event.kind":"metric","event.dataset":"stats",${this.observerJson}`;
    for (const [name, value] of Object.entries(r.counters)) s += `,"weft.stats.${name}":${value}`;
    return `${s}}`;
  }

  /** Kernel events are few (state changes, retransmissions, drops): built as a plain object. */
  encodeEvent(r: EventRecord): string {
    const o: Record<string, unknown> = {
      '@timestamp': formatRfc3339(r.sec, r.nsec, r.tsDigits),
      'event.kind': 'event',
      'event.category': ['network'],
      'event.type': r.action === KernelEventAction.PACKET_DROP ? ['denied'] : ['connection'],
      'event.action': r.action,
      'event.dataset': 'event',
    };
    if (r.ipVersion !== 0) {
      o['network.type'] = `ipv${r.ipVersion}`;
      o['network.transport'] = ianaProtocolName(r.ipProto);
      o['network.iana_number'] = String(r.ipProto);
      if (r.communityId !== '') o['network.community_id'] = r.communityId;
      o['source.ip'] = r.sourceIp;
      o['source.port'] = r.sourcePort;
      o['destination.ip'] = r.destinationIp;
      o['destination.port'] = r.destinationPort;
    }
    if (r.process !== undefined) {
      o['process.pid'] = r.process.pid;
      o['process.thread.id'] = r.process.tid;
      o['process.name'] = r.process.name;
      o['weft.process.cgroup_id'] = r.process.cgroupId;
    }
    if (r.oldState !== undefined) o['weft.tcp.old_state'] = r.oldState;
    if (r.newState !== undefined) o['weft.tcp.new_state'] = r.newState;
    if (r.socketCookie !== undefined) o['weft.socket.cookie'] = r.socketCookie;
    if (r.dropReason !== undefined) {
      o['weft.drop.reason'] = r.dropReason;
      o['weft.drop.reason_code'] = r.dropReasonCode;
      if (r.dropLocation !== undefined) o['weft.drop.location'] = r.dropLocation;
    }
    o['weft.netns.inode'] = r.netnsInode;
    if (r.netnsName !== undefined) o['weft.netns.name'] = r.netnsName;
    if (r.ifindex !== 0) o['observer.ingress.interface.id'] = String(r.ifindex);
    if (r.interfaceName !== undefined) o['observer.ingress.interface.name'] = r.interfaceName;
    const json = JSON.stringify(o);
    return `${json.slice(0, -1)},${this.observerJson}}`;
  }

  /** `,` + the observer fields of a point + `}`, as UTF-8 bytes, built once per point. */
  private observerTail(index: number): Uint8Array {
    const tail = Buffer.from(`,${this.observer(index)}}`, 'utf8');
    this.pointTail[index] = tail;
    return tail;
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
      if (p.netnsInode !== undefined) s += `,"weft.netns.inode":${p.netnsInode}`;
      if (p.netnsName !== undefined) s += `,"weft.netns.name":${JSON.stringify(p.netnsName)}`;
      if (p.file !== undefined) s += `,"weft.capture.file":${JSON.stringify(p.file)}`;
      if (p.section !== 0) s += `,"weft.capture.section":${p.section}`;
    }
    this.pointJson[index] = s;
    return s;
  }
}
