/**
 * An owned, immutable flow record: built once when a flow ends (or is cut by the active timeout),
 * safe to queue and hand to sinks. Field meanings follow RFC 5103 biflows: `source` is the
 * initiator (the TCP SYN sender, otherwise the sender of the first packet seen) and `source*`
 * counters are what the source sent. Bytes are IP total lengths, as IPFIX counts octets.
 * Encoders map these fields to ECS names (`source.ip`, `network.community_id`, …).
 */

/** Why the flow record was emitted — the IPFIX flowEndReason (IANA IE 136) vocabulary. */
export const FlowEndReason = {
  IDLE_TIMEOUT: 1,
  ACTIVE_TIMEOUT: 2,
  END_OF_FLOW: 3, // TCP FIN in both directions, or RST
  FORCED_END: 4, // end of capture / shutdown
  LACK_OF_RESOURCES: 5, // evicted because the flow table was full
} as const;
export type FlowEndReason = (typeof FlowEndReason)[keyof typeof FlowEndReason];
export const FLOW_END_REASON_NAMES: Readonly<Record<FlowEndReason, string>> = {
  1: 'idle_timeout',
  2: 'active_timeout',
  3: 'end_of_flow',
  4: 'forced_end',
  5: 'lack_of_resources',
};

/** Application protocols the dissectors recognise in a flow (ECS network.protocol). */
export const AppProtocol = {
  NONE: 0,
  DNS: 1,
  HTTP: 2,
  TLS: 3,
  QUIC: 4,
  DHCP: 5,
} as const;
export type AppProtocol = (typeof AppProtocol)[keyof typeof AppProtocol];
export const APP_PROTOCOL_NAMES: Readonly<Record<AppProtocol, string>> = {
  0: '',
  1: 'dns',
  2: 'http',
  3: 'tls',
  4: 'quic',
  5: 'dhcp',
};

export interface TunnelInfo {
  /** TUNNEL_TYPE_NAMES entry: gre, erspan, vxlan, geneve, ipip. */
  readonly type: string;
  /** VNI, GRE key or ERSPAN session id (0 when none). */
  readonly id: number;
  readonly outerIpVersion: number;
  readonly outerSourceIp: string;
  readonly outerDestinationIp: string;
  readonly outerIpProto: number;
}

export interface FlowRecord {
  readonly kind: 'flow';
  readonly observationPoint: number;
  readonly startSec: number;
  readonly startNsec: number;
  readonly endSec: number;
  readonly endNsec: number;
  /** Sub-second digits to print (the capture's precision). */
  readonly tsDigits: number;
  readonly endReason: FlowEndReason;
  readonly ipVersion: 4 | 6;
  readonly ipProto: number;
  readonly sourceIp: string;
  readonly destinationIp: string;
  /** Ports for TCP/UDP/SCTP; 0 otherwise. */
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** ICMP/ICMPv6 type and code of the flow's first packet; -1 when not ICMP. */
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly sourcePackets: number;
  readonly sourceBytes: number;
  readonly destinationPackets: number;
  readonly destinationBytes: number;
  /** OR of the TCP flags each side sent. */
  readonly sourceTcpFlags: number;
  readonly destinationTcpFlags: number;
  /** Community ID v1 (seed 0, base64), e.g. `1:LQU9qZlK+B5F3KDmev6m5PMibrg=`. */
  readonly communityId: string;
  readonly vlanOuter: number;
  readonly vlanInner: number;
  /** MAC addresses of the first packet's outermost Ethernet header, oriented to source/destination. */
  readonly sourceMac: string | undefined;
  readonly destinationMac: string | undefined;
  /** TCP handshake round-trip times in ns (SYN→SYN/ACK, SYN/ACK→ACK, SYN→ACK); -1 when not seen. */
  readonly rttServerNs: number;
  readonly rttClientNs: number;
  readonly rttNs: number;
  /** IP fragments counted in this flow. */
  readonly fragments: number;
  readonly tunnel: TunnelInfo | undefined;
  /** ECS network.protocol from what the dissectors saw (not the port alone); undefined when none. */
  readonly appProtocol?: string;
}
