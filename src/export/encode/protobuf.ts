/**
 * Records → protobuf (schema weft.v1, schema/weft/v1/weft.proto): each internal record is mapped
 * onto its generated message type (Flow, Dns, …) and written by the generated encoder. The same
 * information as the ECS JSON encoder (ecs-json.ts, ecs-app.ts), minus what the JSON derives from
 * other fields or writes as constants (docs/schema.md lists them).
 *
 *   NATS:  the records of one type from one flush → one `Batch` (writeBatchEntry per record)
 *   Kafka: one record → its own message (encode)
 *
 * The observer (host, observation point) of a record is the same object for every record of a
 * point, built once.
 */
import type { AppRecord, AppRecordBase } from '../../model/app-record.js';
import type { EventRecord } from '../../model/event-record.js';
import type { FlowRecord } from '../../model/flow-record.js';
import type * as S from '../../model/schema.gen.js';
import { AuditOutcome, AuditTransport, CaptureState, SCHEMA_PACKAGE, TopologyChange, TunnelType } from '../../model/schema.gen.js';
import type { AuditRecord, CaptureRecord, TopologyRecord } from '../../model/control-record.js';
import type { ExportRecord, StatsRecord } from '../../model/stats-record.js';
import type { EncoderContext } from './ecs-json.js';
import {
  FIELD_NUMBERS, writeAudit, writeCapture, writeDhcp, writeDns, writeEvent, writeFlow, writeHttp, writeIcmpError, writeQuic, writeStats,
  writeTls, writeTopology,
} from './protobuf.gen.js';
import { ProtoWriter } from './protobuf-wire.js';

/** Record type (`record.kind`, the subject / topic token) → its message. */
export const PROTOBUF_MESSAGES: Readonly<Record<ExportRecord['kind'], string>> = {
  flow: 'Flow', dns: 'Dns', http: 'Http', tls: 'Tls', quic: 'Quic', dhcp: 'Dhcp', icmp: 'IcmpError', event: 'Event', stats: 'Stats',
  topology: 'Topology', capture: 'Capture', audit: 'Audit',
};

/** The Content-Type of a protobuf payload holding one `message` (Batch, Flow, …). */
export function protobufContentType(message: string): string {
  return `application/x-protobuf; proto=${SCHEMA_PACKAGE}.${message}`;
}

export const BATCH_CONTENT_TYPE = protobufContentType('Batch');

/** Length-delimited tag of each Batch field. */
const BATCH_TAG: Readonly<Record<ExportRecord['kind'], number>> = {
  flow: FIELD_NUMBERS.Batch.flows * 8 + 2,
  dns: FIELD_NUMBERS.Batch.dns * 8 + 2,
  http: FIELD_NUMBERS.Batch.http * 8 + 2,
  tls: FIELD_NUMBERS.Batch.tls * 8 + 2,
  quic: FIELD_NUMBERS.Batch.quic * 8 + 2,
  dhcp: FIELD_NUMBERS.Batch.dhcp * 8 + 2,
  icmp: FIELD_NUMBERS.Batch.icmp_errors * 8 + 2,
  event: FIELD_NUMBERS.Batch.events * 8 + 2,
  stats: FIELD_NUMBERS.Batch.stats * 8 + 2,
  topology: FIELD_NUMBERS.Batch.topology * 8 + 2,
  capture: FIELD_NUMBERS.Batch.captures * 8 + 2,
  audit: FIELD_NUMBERS.Batch.audit * 8 + 2,
};

/** Records are above 127 bytes: their length takes two bytes (ProtoWriter moves them otherwise). */
const RECORD_LENGTH_BYTES = 2;

const TUNNEL_TYPES: Readonly<Record<string, TunnelType>> = {
  gre: TunnelType.TUNNEL_TYPE_GRE, erspan: TunnelType.TUNNEL_TYPE_ERSPAN, vxlan: TunnelType.TUNNEL_TYPE_VXLAN,
  geneve: TunnelType.TUNNEL_TYPE_GENEVE, ipip: TunnelType.TUNNEL_TYPE_IPIP,
};

const CAPTURE_STATES: Readonly<Record<CaptureRecord['state'], CaptureState>> = {
  running: CaptureState.CAPTURE_STATE_RUNNING, completed: CaptureState.CAPTURE_STATE_COMPLETED,
  stopped: CaptureState.CAPTURE_STATE_STOPPED, failed: CaptureState.CAPTURE_STATE_FAILED,
};

const TOPOLOGY_CHANGES: Readonly<Record<TopologyRecord['change'], TopologyChange>> = {
  snapshot: TopologyChange.TOPOLOGY_CHANGE_SNAPSHOT, added: TopologyChange.TOPOLOGY_CHANGE_ADDED,
  removed: TopologyChange.TOPOLOGY_CHANGE_REMOVED,
};

const TCP = 6;

/** Fields 1–9 of the application records. */
type AppCommon = Pick<S.Dns, 'timestamp' | 'time_precision' | 'duration_ns' | 'ip_version' | 'iana_number' | 'community_id' |
  'source' | 'destination' | 'observer'>;

export class ProtobufEncoder {
  /** Of a NATS message (one Batch). */
  readonly contentType = BATCH_CONTENT_TYPE;
  private readonly context: EncoderContext;
  /** The observer without a point (stats; records whose point is unknown). */
  private readonly host: S.Observer;
  private readonly observers: (S.Observer | undefined)[] = [];
  private readonly scratch = new ProtoWriter(4096);

  constructor(context: EncoderContext) {
    this.context = context;
    this.host = { hostname: context.observerHostname };
  }

  /** The message name of a record type: `Flow` for flow, `IcmpError` for icmp, … */
  static messageName(kind: ExportRecord['kind']): string {
    return PROTOBUF_MESSAGES[kind];
  }

  /** One record as its own message (Flow, Dns, …), in a new buffer. */
  encode(record: ExportRecord): Buffer {
    const w = this.scratch;
    w.reset();
    this.writeMessage(w, record);
    return w.copy();
  }

  /** Records (of any types) as one Batch, in a new buffer. */
  encodeBatch(records: readonly ExportRecord[]): Buffer {
    const w = this.scratch;
    w.reset();
    for (const r of records) this.writeBatchEntry(w, r);
    return w.copy();
  }

  /** Appends a record to `w` as an element of its Batch field (`flows`, `dns`, …). */
  writeBatchEntry(w: ProtoWriter, record: ExportRecord): void {
    const at = w.begin(BATCH_TAG[record.kind], RECORD_LENGTH_BYTES);
    this.writeMessage(w, record);
    w.end(at, RECORD_LENGTH_BYTES);
  }

  /** Appends the fields of a record's message (no tag, no length) to `w`. */
  writeMessage(w: ProtoWriter, r: ExportRecord): void {
    switch (r.kind) {
      case 'flow': writeFlow(w, this.flow(r)); break;
      case 'dns': writeDns(w, this.dns(r)); break;
      case 'http': writeHttp(w, this.http(r)); break;
      case 'tls': writeTls(w, this.tls(r)); break;
      case 'quic': writeQuic(w, this.quic(r)); break;
      case 'dhcp': writeDhcp(w, this.dhcp(r)); break;
      case 'icmp': writeIcmpError(w, this.icmp(r)); break;
      case 'event': writeEvent(w, this.event(r)); break;
      case 'stats': writeStats(w, this.stats(r)); break;
      case 'topology': writeTopology(w, this.topology(r)); break;
      case 'capture': writeCapture(w, this.capture(r)); break;
      case 'audit': writeAudit(w, this.audit(r)); break;
    }
  }

  /** The message of a record. */
  message(r: ExportRecord): S.Flow | S.Dns | S.Http | S.Tls | S.Quic | S.Dhcp | S.IcmpError | S.Event | S.Stats | S.Topology
    | S.Capture | S.Audit {
    switch (r.kind) {
      case 'flow': return this.flow(r);
      case 'stats': return this.stats(r);
      case 'event': return this.event(r);
      case 'topology': return this.topology(r);
      case 'capture': return this.capture(r);
      case 'audit': return this.audit(r);
      default: return this.app(r);
    }
  }

  flow(r: FlowRecord): S.Flow {
    const tcp = r.ipProto === TCP;
    const t = r.tunnel;
    return {
      start: { seconds: r.startSec, nanos: r.startNsec },
      end: { seconds: r.endSec, nanos: r.endNsec },
      time_precision: r.tsDigits,
      reason: r.endReason,
      ip_version: r.ipVersion,
      iana_number: r.ipProto,
      community_id: r.communityId,
      protocol: r.appProtocol,
      source: {
        ip: r.sourceIp, port: r.sourcePort, mac: r.sourceMac, packets: r.sourcePackets, bytes: r.sourceBytes,
        tcp_flags: tcp ? r.sourceTcpFlags : 0,
      },
      destination: {
        ip: r.destinationIp, port: r.destinationPort, mac: r.destinationMac, packets: r.destinationPackets,
        bytes: r.destinationBytes, tcp_flags: tcp ? r.destinationTcpFlags : 0,
      },
      observer: this.observers[r.observationPoint] ?? this.observer(r.observationPoint),
      rtt_ns: r.rttNs >= 0 ? r.rttNs : undefined,
      rtt_server_ns: r.rttServerNs >= 0 ? r.rttServerNs : undefined,
      rtt_client_ns: r.rttClientNs >= 0 ? r.rttClientNs : undefined,
      icmp_type: r.icmpType >= 0 ? r.icmpType : undefined,
      icmp_code: r.icmpType >= 0 ? r.icmpCode : undefined,
      vlan_id: r.vlanOuter,
      inner_vlan_id: r.vlanInner !== r.vlanOuter ? r.vlanInner : 0,
      fragments: r.fragments,
      tunnel: t === undefined ? undefined : {
        type: TUNNEL_TYPES[t.type] ?? TunnelType.TUNNEL_TYPE_UNSPECIFIED, id: t.id, ip_version: t.outerIpVersion,
        source_ip: t.outerSourceIp, destination_ip: t.outerDestinationIp, iana_number: t.outerIpProto,
      },
    };
  }

  app(r: AppRecord): S.Dns | S.Http | S.Tls | S.Quic | S.Dhcp | S.IcmpError {
    switch (r.kind) {
      case 'dns': return this.dns(r);
      case 'http': return this.http(r);
      case 'tls': return this.tls(r);
      case 'quic': return this.quic(r);
      case 'dhcp': return this.dhcp(r);
      case 'icmp': return this.icmp(r);
    }
  }

  /** Fields 1–9, the same in every application record. */
  private common(r: AppRecordBase): AppCommon {
    return {
      timestamp: { seconds: r.sec, nanos: r.nsec },
      time_precision: r.tsDigits,
      duration_ns: r.durationNs >= 0 ? r.durationNs : undefined,
      ip_version: r.ipVersion,
      iana_number: r.ipProto,
      community_id: r.communityId,
      source: { ip: r.sourceIp, port: r.sourcePort, packets: 0, bytes: 0, tcp_flags: 0 },
      destination: { ip: r.destinationIp, port: r.destinationPort, packets: 0, bytes: 0, tcp_flags: 0 },
      observer: this.observers[r.observationPoint] ?? this.observer(r.observationPoint),
    };
  }

  dns(r: Extract<AppRecord, { kind: 'dns' }>): S.Dns {
    const question = r.questionName !== undefined;
    return {
      ...this.common(r),
      type: r.type,
      id: r.id,
      op_code: r.opCode,
      question_name: r.questionName,
      question_type: question ? r.questionType : undefined,
      question_class: question ? r.questionClass : undefined,
      response_code: r.responseCode,
      header_flags: r.headerFlags,
      answers: r.answers.map((a) => ({ name: a.name, type: a.type, class: a.class, ttl: a.ttl, data: a.data })),
      resolved_ip: r.resolvedIps,
      incomplete: r.incomplete,
    };
  }

  http(r: Extract<AppRecord, { kind: 'http' }>): S.Http {
    return {
      ...this.common(r),
      method: r.method,
      url_original: r.urlOriginal,
      url_path: r.urlPath,
      url_query: r.urlQuery,
      url_domain: r.urlDomain,
      url_port: r.urlPort,
      version: r.version,
      status_code: r.statusCode,
      response_version: r.responseVersion !== r.version ? r.responseVersion : undefined,
      user_agent: r.userAgent,
      referrer: r.referrer,
      request_mime_type: r.requestMimeType,
      response_mime_type: r.responseMimeType,
      request_body_bytes: r.requestBodyBytes,
      response_body_bytes: r.responseBodyBytes,
      interim_status_codes: r.interim,
      incomplete: r.incomplete,
      error: r.error,
    };
  }

  tls(r: Extract<AppRecord, { kind: 'tls' }>): S.Tls {
    const c = r.serverCertificate;
    return {
      ...this.common(r),
      version: r.version,
      version_protocol: r.versionProtocol,
      cipher: r.cipher,
      server_name: r.serverName,
      ja3: r.ja3,
      ja3_string: r.ja3String,
      ja4: r.ja4,
      ja3s: r.ja3s,
      ja3s_string: r.ja3sString,
      next_protocol: r.nextProtocol,
      offered_alpn: r.offeredAlpn,
      supported_versions: r.supportedVersions,
      supported_ciphers: r.supportedCiphers,
      established: r.established,
      resumed: r.resumed,
      sslv2: r.sslv2ClientHello,
      server_certificate: c === undefined ? undefined : {
        subject: c.subject, issuer: c.issuer, not_before: c.notBefore, not_after: c.notAfter, sha256: c.sha256,
        serial_number: c.serialNumber,
      },
      server_chain_length: r.serverChainLength,
      incomplete: r.incomplete,
      error: r.error,
    };
  }

  quic(r: Extract<AppRecord, { kind: 'quic' }>): S.Quic {
    return {
      ...this.common(r),
      version: r.version,
      dcid: r.dcid,
      scid: r.scid,
      server_name: r.serverName,
      offered_alpn: r.offeredAlpn,
      ja4: r.ja4,
      supported_versions: r.supportedVersions,
      retry: r.retry,
      version_negotiation: r.versionNegotiation,
      incomplete: r.incomplete,
      error: r.error,
    };
  }

  dhcp(r: Extract<AppRecord, { kind: 'dhcp' }>): S.Dhcp {
    return {
      ...this.common(r),
      message_type: r.messageType,
      transaction_id: r.transactionId,
      client_mac: r.clientMac,
      client_ip: r.clientIp,
      assigned_ip: r.assignedIp,
      relay_ip: r.relayIp,
      requested_ip: r.requestedIp,
      server_id: r.serverId,
      hostname: r.hostname,
      lease_time: r.leaseTime,
      vendor_class: r.vendorClass,
      client_id: r.clientId,
      param_request_list: r.paramRequestList,
      routers: r.routers,
      dns_servers: r.dnsServers,
      subnet_mask: r.subnetMask,
      domain_name: r.domainName,
      relay_circuit_id: r.relayCircuitId,
      relay_remote_id: r.relayRemoteId,
      options: r.options,
    };
  }

  icmp(r: Extract<AppRecord, { kind: 'icmp' }>): S.IcmpError {
    return {
      ...this.common(r),
      icmp_type: r.icmpType,
      icmp_code: r.icmpCode,
      quoted_iana_number: r.quotedIpProto,
      quoted_source_ip: r.quotedSourceIp,
      quoted_source_port: r.quotedSourcePort,
      quoted_destination_ip: r.quotedDestinationIp,
      quoted_destination_port: r.quotedDestinationPort,
      quoted_community_id: r.quotedCommunityId,
    };
  }

  event(r: EventRecord): S.Event {
    const ip = r.ipVersion !== 0;
    const p = r.process;
    const drop = r.dropReason !== undefined;
    return {
      timestamp: { seconds: r.sec, nanos: r.nsec },
      time_precision: r.tsDigits,
      action: r.action,
      ip_version: r.ipVersion,
      iana_number: ip ? r.ipProto : 0,
      community_id: ip ? r.communityId : '',
      source: ip ? { ip: r.sourceIp, port: r.sourcePort, packets: 0, bytes: 0, tcp_flags: 0 } : undefined,
      destination: ip ? { ip: r.destinationIp, port: r.destinationPort, packets: 0, bytes: 0, tcp_flags: 0 } : undefined,
      observer: {
        hostname: this.context.observerHostname,
        point: {
          interface_id: r.ifindex !== 0 ? r.ifindex : undefined,
          interface_name: r.interfaceName,
          netns_inode: r.netnsInode,
          netns_name: r.netnsName,
          capture_section: 0,
          link_type: 0,
          snaplen: 0,
        },
      },
      process: p === undefined ? undefined : { pid: p.pid, thread_id: p.tid, name: p.name, cgroup_id: p.cgroupId },
      old_state: r.oldState,
      new_state: r.newState,
      socket_cookie: r.socketCookie,
      drop_reason: r.dropReason,
      drop_reason_code: drop ? r.dropReasonCode : undefined,
      drop_location: drop ? r.dropLocation : undefined,
    };
  }

  /** Integer counters in `counters`; any value that is not an integer in `values`. */
  stats(r: StatsRecord): S.Stats {
    const counters: Record<string, number> = {};
    let values: Record<string, number> | undefined;
    for (const [name, value] of Object.entries(r.counters)) {
      if (Number.isSafeInteger(value)) counters[name] = value;
      else (values ??= {})[name] = value;
    }
    return { timestamp: { seconds: r.sec, nanos: r.nsec }, time_precision: r.tsDigits, observer: this.host, counters, values };
  }

  topology(r: TopologyRecord): S.Topology {
    return {
      timestamp: { seconds: r.sec, nanos: r.nsec },
      observer: this.host,
      node: r.node,
      change: TOPOLOGY_CHANGES[r.change] ?? TopologyChange.TOPOLOGY_CHANGE_UNSPECIFIED,
      namespaces: r.namespaces.map((ns) => ({
        inode: ns.inode,
        name: ns.name,
        own: ns.own,
        interfaces: ns.interfaces.map((i) => ({
          ifindex: i.ifindex, name: i.name, kind: i.kind, mac: i.mac, mtu: i.mtu, up: i.up, addresses: i.addresses, link: i.link,
          link_netnsid: i.linkNetnsId, master: i.master, observed: i.observed,
        })),
      })),
    };
  }

  capture(r: CaptureRecord): S.Capture {
    const o = r.object;
    return {
      timestamp: { seconds: r.sec, nanos: r.nsec },
      observer: this.host,
      id: r.id,
      node: r.node,
      state: CAPTURE_STATES[r.state] ?? CaptureState.CAPTURE_STATE_UNSPECIFIED,
      filter: r.filter,
      selector: r.selector,
      start: { seconds: r.startSec, nanos: r.startNsec },
      end: { seconds: r.endSec, nanos: r.endNsec },
      packets: r.packets,
      bytes: r.bytes,
      path: r.path,
      end_reason: r.endReason,
      error: r.error,
      object: o === undefined ? undefined : { bucket: o.bucket, name: o.name, size: o.size, sha256: o.sha256 },
    };
  }

  audit(r: AuditRecord): S.Audit {
    return {
      timestamp: { seconds: r.sec, nanos: r.nsec },
      observer: this.host,
      node: r.node,
      transport: r.transport === 'http' ? AuditTransport.AUDIT_TRANSPORT_HTTP : AuditTransport.AUDIT_TRANSPORT_NATS,
      verb: r.verb,
      target: r.target,
      identity: r.identity,
      identity_key: r.identityKey,
      role: r.role,
      request: r.request,
      outcome: r.outcome === 'success' ? AuditOutcome.AUDIT_OUTCOME_SUCCESS : AuditOutcome.AUDIT_OUTCOME_FAILURE,
      error_code: r.errorCode,
      error_message: r.errorMessage,
      duration_ns: r.durationNs,
      summary: r.summary,
    };
  }

  /** The observer of an observation point, built once the point is known. */
  private observer(index: number): S.Observer {
    const p = this.context.points[index];
    if (p === undefined) return this.host;
    const o: S.Observer = {
      hostname: this.context.observerHostname,
      point: {
        index,
        interface_id: p.interfaceId,
        interface_name: p.name,
        interface_alias: p.description,
        netns_inode: p.netnsInode,
        netns_name: p.netnsName,
        capture_file: p.file,
        capture_section: p.section,
        link_type: p.linkType,
        snaplen: p.snaplen,
      },
    };
    this.observers[index] = o;
    return o;
  }
}
