/**
 * Which dissector sees which packet, and the per-connection state they keep.
 *
 *   UDP  port 53/5353/5355 ─► DNS message ─► DnsTransactions ─► dns record
 *        (IP fragments of UDP datagrams are put back together first: IpReassembly)
 *        ports 67/68       ─► DHCP message ─► dhcp record
 *        any port, a QUIC long-header Initial from the client ─► QuicSession ─► quic record
 *   TCP  first payload of a connection decides, before any state is made:
 *          port 53 → DNS over TCP · a TLS handshake record (or SSLv2 hello) → TLS ·
 *          an HTTP request line → HTTP (a CONNECT/upgrade tunnel then goes on as TLS) ·
 *          anything else → the connection is left alone (a mark per flow slot)
 *        then: TcpDirection per side (bounded reassembly) ─► in-order bytes ─► the dissector
 *
 * Connection state lives in an array indexed by the flow table's slot and is checked against the
 * slot's generation, so a packet finds its connection without hashing its tuple again; a slot
 * reused by a new flow finalizes the old connection first. The pipeline gives each packet's slot,
 * generation and direction (from FlowTable). Connections no dissector wants cost one typed-array
 * mark and no allocation.
 *
 * Dissector errors never escape: malformed application data is counted per protocol (`*_malformed`)
 * and that connection's dissector stops.
 */
import { AppProtocol, type AppRecord, type AppRecordBase, type HttpRecord, type PacketView } from '../model/index.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpParseError, parseDhcpMessage, type DhcpMessage } from './dhcp/index.js';
import { DnsParseError, DnsTcpFramer, parseDnsMessage } from './dns/index.js';
import { DnsTransactions, emptyDnsContext, type DnsPacketContext } from './dns-transactions.js';
import { HttpConnectionParser, looksLikeHttpRequest, type HttpTransaction, type HttpTunnel } from './http/index.js';
import { isIcmpError, readQuoted, type QuotedTuple } from './icmp-error.js';
import { IpReassembly } from './ip-reassembly.js';
import { QuicSession } from './quic-session.js';
import { ReassemblyBudget, TcpDirection, type StreamConsumer } from './tcp-reassembly.js';
import { TlsSession } from './tls-session.js';

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const TCP_FIN = 0x01;
const TCP_RST = 0x04;

function isIcmpProto(proto: number): boolean {
  return proto === 1 || proto === 58;
}

function isDnsPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}

/** Address words in the order communityIdFromWords and formatIp take them. */
export type CommunityIdFn = (ipVersion: number, proto: number,
  s0: number, s1: number, s2: number, s3: number, d0: number, d1: number, d2: number, d3: number,
  sport: number, dport: number) => string;
export type FormatIpFn = (ipVersion: number, w0: number, w1: number, w2: number, w3: number) => string;

export interface DissectOptions {
  /** Community ID of a flow, from the client's side (addresses as words). */
  readonly communityId: CommunityIdFn;
  readonly formatIp: FormatIpFn;
  readonly emit: (record: AppRecord) => void;
  /** How long a DNS query waits for its response, in ms of packet time (default 10 s). */
  readonly dnsTimeoutMs?: number;
  /** Bytes of out-of-order TCP data held across all connections (default 64 MiB). */
  readonly reassemblyBytes?: number;
  /**
   * Connections (TCP, QUIC) dissected at once (default 65,536): each holds parser state (an HTTP
   * head, a TLS message, CRYPTO data) of up to 64 KiB, so this bounds the dissectors' memory. A
   * connection beyond it is metered but not dissected, and counted (dpi_sessions_over_limit).
   */
  readonly maxSessions?: number;
}

/** What a TCP connection carries. */
const Kind = { NONE: 0, DNS: 1, TLS: 2, HTTP: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** One direction of a connection: reassembly, then its dissector. */
class Side implements StreamConsumer {
  readonly dir: TcpDirection;
  readonly conn: TcpConn;
  readonly client: boolean;
  dnsFramer: DnsTcpFramer | null = null;
  constructor(conn: TcpConn, client: boolean, budget: ReassemblyBudget) {
    this.conn = conn;
    this.client = client;
    this.dir = new TcpDirection(budget);
  }
  data(bytes: Uint8Array, offset: number, length: number): void {
    this.conn.owner.streamData(this, bytes, offset, length);
  }
  gap(bytes: number): void {
    this.conn.owner.streamGap(this, bytes);
  }
}

class TcpConn {
  readonly owner: Dissectors;
  kind: Kind;
  readonly client: Side;
  readonly server: Side;
  /** Oriented client → server; the time is that of the packet being handled. */
  readonly ctx: DnsPacketContext;
  /** Packet time when the connection's state was made: HTTP times are kept relative to it. */
  readonly startSec: number;
  readonly startNsec: number;
  tls: TlsSession | null = null;
  http: HttpConnectionParser | null = null;
  tunnel: HttpTunnel | null = null;
  constructor(owner: Dissectors, kind: Kind, budget: ReassemblyBudget, ctx: DnsPacketContext) {
    this.startSec = ctx.sec;
    this.startNsec = ctx.nsec;
    this.owner = owner;
    this.kind = kind;
    this.client = new Side(this, true, budget);
    this.server = new Side(this, false, budget);
    this.ctx = ctx;
  }
}

export class Dissectors {
  private readonly options: DissectOptions;
  private readonly budget: ReassemblyBudget;
  private readonly dns: DnsTransactions;
  /** Per flow slot: the connection, and the generation it (or the "nothing to do" mark) is for. */
  private conns: (TcpConn | undefined)[] = [];
  private marks = new Float64Array(1024);
  /** Per flow slot: the QUIC session of a UDP flow, and the generation its mark is for. */
  private quic: (QuicSession | undefined)[] = [];
  private quicMarks = new Float64Array(1024);
  /** Scratch contexts (DnsTransactions copies what it keeps). */
  private readonly ctx = emptyDnsContext();
  private readonly sideCtx = emptyDnsContext();
  private dnsMalformed = 0;
  private readonly quoted: QuotedTuple = {
    ipVersion: 4, proto: 0, s0: 0, s1: 0, s2: 0, s3: 0, d0: 0, d1: 0, d2: 0, d3: 0, sport: 0, dport: 0, hasPorts: false,
  };
  private readonly maxSessions: number;
  private readonly ipReassembly = new IpReassembly();
  /** TCP connections and QUIC sessions holding state now, and those refused at the limit. */
  private liveSessions = 0;
  private sessionsOverLimit = 0;
  private icmpErrors = 0;
  private icmpUnreadable = 0;
  private dhcpMessages = 0;
  private dhcpMalformed = 0;
  private tlsHandshakes = 0;
  private tlsMalformed = 0;
  private httpTransactions = 0;
  private httpNotHttp = 0;
  private quicConnections = 0;
  private dnsMessages = 0;
  private connections = 0;

  constructor(options: DissectOptions) {
    this.options = options;
    this.budget = new ReassemblyBudget(options.reassemblyBytes ?? 64 << 20);
    this.maxSessions = options.maxSessions ?? 65536;
    const { communityId, formatIp } = options;
    this.dns = new DnsTransactions({
      timeoutNs: (options.dnsTimeoutMs ?? 10_000) * 1e6,
      maxPending: 65536,
      communityId: (c, clientIsSender) => clientIsSender
        ? communityId(c.ipVersion, c.ipProto, c.s0, c.s1, c.s2, c.s3, c.d0, c.d1, c.d2, c.d3, c.senderPort, c.receiverPort)
        : communityId(c.ipVersion, c.ipProto, c.d0, c.d1, c.d2, c.d3, c.s0, c.s1, c.s2, c.s3, c.receiverPort, c.senderPort),
      address: (c, sender) => sender ? formatIp(c.ipVersion, c.s0, c.s1, c.s2, c.s3) : formatIp(c.ipVersion, c.d0, c.d1, c.d2, c.d3),
      emit: (r) => options.emit(r),
    });
  }

  /**
   * One decoded packet that the flow table counted into slot `flow` (generation `generation`),
   * sent by the flow's initiator when `fromClient`. Returns the application protocol it carries
   * (AppProtocol.NONE when none is known).
   */
  packet(view: PacketView, flow: number, generation: number, fromClient: boolean): AppProtocol {
    if (flow < 0) return AppProtocol.NONE;
    const proto = view.ipProto;
    if (view.payloadLength === 0 && proto !== 1 && proto !== 58) return AppProtocol.NONE;
    if (proto === IPPROTO_UDP) return this.udp(view, flow, generation, fromClient);
    if (proto === IPPROTO_TCP) return this.tcp(view, flow, generation, fromClient);
    if (isIcmpError(proto, view.icmpType)) this.icmpError(view);
    return AppProtocol.NONE;
  }

  /** An ICMP error: an `icmp` record naming the flow of the packet it quotes. */
  private icmpError(view: PacketView): void {
    const q = this.quoted;
    if (!readQuoted(view.bytes, view.l4Offset, view.payloadOffset + view.payloadLength, q)) {
      this.icmpUnreadable++;
      return;
    }
    this.icmpErrors++;
    const { communityId, formatIp } = this.options;
    const v = view.ipVersion;
    const qv = q.ipVersion;
    this.options.emit({
      kind: 'icmp',
      observationPoint: view.interfaceIndex,
      sec: view.tsSec,
      nsec: view.tsNsec,
      tsDigits: view.tsDigits,
      durationNs: -1,
      ipVersion: v,
      ipProto: view.ipProto,
      sourceIp: formatIp(v, view.src0, view.src1, view.src2, view.src3),
      sourcePort: 0,
      destinationIp: formatIp(v, view.dst0, view.dst1, view.dst2, view.dst3),
      destinationPort: 0,
      communityId: communityId(v, view.ipProto, view.src0, view.src1, view.src2, view.src3,
        view.dst0, view.dst1, view.dst2, view.dst3, view.icmpType, view.icmpCode),
      icmpType: view.icmpType,
      icmpCode: view.icmpCode,
      quotedIpProto: q.proto,
      quotedSourceIp: formatIp(qv, q.s0, q.s1, q.s2, q.s3),
      quotedDestinationIp: formatIp(qv, q.d0, q.d1, q.d2, q.d3),
      quotedSourcePort: q.hasPorts && !isIcmpProto(q.proto) ? q.sport : undefined,
      quotedDestinationPort: q.hasPorts && !isIcmpProto(q.proto) ? q.dport : undefined,
      quotedCommunityId: communityId(qv, q.proto, q.s0, q.s1, q.s2, q.s3, q.d0, q.d1, q.d2, q.d3, q.sport, q.dport),
    });
  }

  /** Flow `flow` (of `generation`) ended: its connection's records are made now. */
  flowEnded(flow: number, generation: number): void {
    const c = this.conns[flow];
    if (c !== undefined && this.marks[flow] === generation + 1) {
      this.finish(c);
      this.dropConn(flow);
    }
    const q = this.quic[flow];
    if (q !== undefined && this.quicMarks[flow] === generation + 1) {
      q.finish();
      this.dropQuic(flow);
    }
  }

  /** Packet time moved to (sec, nsec): DNS queries that waited too long become records. */
  advance(sec: number, nsec: number): void {
    this.dns.advance(sec, nsec);
  }

  /** End of input: every connection and waiting query is finished into records. */
  flush(): void {
    for (let i = 0; i < this.conns.length; i++) {
      const c = this.conns[i];
      if (c !== undefined) this.finish(c);
    }
    this.conns = [];
    this.marks.fill(0);
    for (const q of this.quic) q?.finish();
    this.quic = [];
    this.liveSessions = 0;
    this.quicMarks.fill(0);
    this.dns.flush();
  }

  /** Counters for the stats record (`dpi_*`). */
  counters(): Record<string, number> {
    return {
      dpi_tcp_connections: this.connections,
      dpi_reassembly_gaps: this.budget.gaps,
      dpi_reassembly_gap_bytes: this.budget.gapBytes,
      dpi_reassembly_overflow_bytes: this.budget.overflowBytes,
      dpi_reassembly_duplicate_bytes: this.budget.duplicateBytes,
      dpi_dns_messages: this.dnsMessages,
      dpi_dns_malformed: this.dnsMalformed,
      dpi_dns_answered: this.dns.answered,
      dpi_dns_unanswered: this.dns.unanswered,
      dpi_dns_response_only: this.dns.responseOnly,
      dpi_dns_evicted: this.dns.evicted,
      dpi_dhcp_messages: this.dhcpMessages,
      dpi_dhcp_malformed: this.dhcpMalformed,
      dpi_http_transactions: this.httpTransactions,
      dpi_http_not_http: this.httpNotHttp,
      dpi_tls_handshakes: this.tlsHandshakes,
      dpi_tls_malformed: this.tlsMalformed,
      dpi_quic_connections: this.quicConnections,
      dpi_sessions_over_limit: this.sessionsOverLimit,
      dpi_ip_reassembled: this.ipReassembly.reassembled,
      dpi_ip_reassembly_dropped: this.ipReassembly.dropped,
      dpi_icmp_errors: this.icmpErrors,
      dpi_icmp_errors_unreadable: this.icmpUnreadable,
    };
  }

  // ── UDP ─────────────────────────────────────────────────────────────────────────────────────

  private udp(view: PacketView, flow: number, generation: number, fromClient: boolean): AppProtocol {
    if (view.isFragment) return this.udpFragment(view, flow, generation);
    const sp = view.srcPort;
    const dp = view.dstPort;
    if (isDnsPort(sp) || isDnsPort(dp)) {
      const ctx = fillContext(this.ctx, view, flow, generation);
      return this.dnsMessage(view.bytes, view.payloadOffset, view.payloadLength, ctx) ? AppProtocol.DNS : AppProtocol.NONE;
    }
    if ((sp === DHCP_SERVER_PORT || sp === DHCP_CLIENT_PORT) && (dp === DHCP_SERVER_PORT || dp === DHCP_CLIENT_PORT)) {
      return this.dhcp(view) ? AppProtocol.DHCP : AppProtocol.NONE;
    }
    return this.quicPacket(view, flow, generation, fromClient);
  }

  /** A fragment of a UDP datagram: once the datagram is whole, DNS in it is read like any other. */
  private udpFragment(view: PacketView, flow: number, generation: number): AppProtocol {
    const whole = this.ipReassembly.fragment(view);
    if (whole === undefined || whole.length < 8) return AppProtocol.NONE;
    const sp = (whole[0]! << 8) | whole[1]!;
    const dp = (whole[2]! << 8) | whole[3]!;
    if (!isDnsPort(sp) && !isDnsPort(dp)) return AppProtocol.NONE;
    const ctx = fillContext(this.ctx, view, flow, generation);
    ctx.senderPort = sp;
    ctx.receiverPort = dp;
    return this.dnsMessage(whole, 8, whole.length - 8, ctx) ? AppProtocol.DNS : AppProtocol.NONE;
  }

  /** QUIC on any port: a session starts at a client long-header packet of a version with Initial keys. */
  private quicPacket(view: PacketView, flow: number, generation: number, fromClient: boolean): AppProtocol {
    if (flow >= this.quicMarks.length) this.quicMarks = grow(this.quicMarks, flow);
    let q = this.quic[flow];
    if (this.quicMarks[flow] !== generation + 1) {
      if (q !== undefined) { q.finish(); this.dropQuic(flow); }
      q = undefined;
      const b = view.bytes;
      const o = view.payloadOffset;
      // The first datagram decides: a client long header (form and fixed bits set) of a version
      // with Initial keys. Anything else: this flow is not looked at again.
      if (!fromClient || !QuicSession.looksLikeInitial(b, o, view.payloadLength)) {
        this.quicMarks[flow] = generation + 1;
        return AppProtocol.NONE;
      }
      this.quicMarks[flow] = generation + 1;
      if (!this.admit()) return AppProtocol.NONE;
      const ctx = fillContext(emptyDnsContext(), view, flow, generation);
      q = new QuicSession((sec, nsec, d) => this.base(ctx, sec, nsec, d), (r) => this.options.emit(r));
      this.quic[flow] = q;
      this.quicConnections++;
    }
    if (q === undefined) return AppProtocol.NONE;
    q.datagram(view.bytes, view.payloadOffset, view.payloadLength, fromClient, view.tsSec, view.tsNsec);
    const recognised = q.recognised;
    if (q.finished) this.dropQuic(flow); // the record is out (or it is not QUIC): the mark stays
    return recognised ? AppProtocol.QUIC : AppProtocol.NONE;
  }

  /** Whether one more session may hold state (counts the refusal when not). */
  private admit(): boolean {
    if (this.liveSessions >= this.maxSessions) {
      this.sessionsOverLimit++;
      return false;
    }
    this.liveSessions++;
    return true;
  }

  private dropQuic(flow: number): void {
    if (this.quic[flow] === undefined) return;
    this.quic[flow] = undefined;
    this.liveSessions--;
  }

  private dropConn(flow: number): void {
    if (this.conns[flow] === undefined) return;
    this.conns[flow] = undefined;
    this.liveSessions--;
  }

  private dhcp(view: PacketView): boolean {
    let m: DhcpMessage;
    try {
      m = parseDhcpMessage(view.bytes, view.payloadOffset, view.payloadLength);
    } catch (error) {
      if (!(error instanceof DhcpParseError)) throw error;
      this.dhcpMalformed++;
      return false;
    }
    this.dhcpMessages++;
    const { communityId, formatIp } = this.options;
    const v = view.ipVersion;
    this.options.emit({
      kind: 'dhcp',
      observationPoint: view.interfaceIndex,
      sec: view.tsSec,
      nsec: view.tsNsec,
      tsDigits: view.tsDigits,
      durationNs: -1,
      ipVersion: v,
      ipProto: view.ipProto,
      sourceIp: formatIp(v, view.src0, view.src1, view.src2, view.src3),
      sourcePort: view.srcPort,
      destinationIp: formatIp(v, view.dst0, view.dst1, view.dst2, view.dst3),
      destinationPort: view.dstPort,
      communityId: communityId(v, view.ipProto, view.src0, view.src1, view.src2, view.src3,
        view.dst0, view.dst1, view.dst2, view.dst3, view.srcPort, view.dstPort),
      messageType: m.messageTypeName ?? (m.op === 1 ? 'BOOTREQUEST' : 'BOOTREPLY'),
      transactionId: m.xid,
      clientMac: m.clientMac,
      clientIp: m.ciaddr,
      assignedIp: m.yiaddr,
      relayIp: m.giaddr,
      ...(m.requestedIp !== undefined && { requestedIp: m.requestedIp }),
      ...(m.serverId !== undefined && { serverId: m.serverId }),
      ...(m.hostname !== undefined && { hostname: m.hostname }),
      ...(m.leaseTime !== undefined && { leaseTime: m.leaseTime }),
      ...(m.vendorClass !== undefined && { vendorClass: m.vendorClass }),
      ...(m.clientId !== undefined && { clientId: m.clientId }),
      ...(m.paramRequestList !== undefined && { paramRequestList: m.paramRequestList }),
      ...(m.routers !== undefined && { routers: m.routers }),
      ...(m.dnsServers !== undefined && { dnsServers: m.dnsServers }),
      ...(m.subnetMask !== undefined && { subnetMask: m.subnetMask }),
      ...(m.domainName !== undefined && { domainName: m.domainName }),
      ...(m.relayAgent?.circuitId !== undefined && { relayCircuitId: m.relayAgent.circuitId }),
      ...(m.relayAgent?.remoteId !== undefined && { relayRemoteId: m.relayAgent.remoteId }),
      options: m.options.map((o) => o.code),
    });
    return true;
  }

  private dnsMessage(bytes: Uint8Array, offset: number, length: number, ctx: DnsPacketContext): boolean {
    try {
      const msg = parseDnsMessage(bytes, offset, length);
      this.dnsMessages++;
      this.dns.message(msg, ctx);
      return true;
    } catch (error) {
      if (!(error instanceof DnsParseError)) throw error;
      this.dnsMalformed++;
      return false;
    }
  }

  // ── TCP ─────────────────────────────────────────────────────────────────────────────────────

  private tcp(view: PacketView, flow: number, generation: number, fromClient: boolean): AppProtocol {
    // marks[flow] = generation + 1 once this flow's connection was looked at.
    if (flow >= this.marks.length) this.marks = grow(this.marks, flow);
    let c = this.conns[flow];
    if (this.marks[flow] !== generation + 1) {
      if (c !== undefined) { this.finish(c); this.dropConn(flow); }
      c = undefined;
      this.marks[flow] = generation + 1;
      const kind = this.classify(view, fromClient);
      if (kind === Kind.NONE || !this.admit()) return AppProtocol.NONE;
      const ctx = fillContext(emptyDnsContext(), view, flow, generation);
      if (!fromClient) swapEnds(ctx);
      c = new TcpConn(this, kind, this.budget, ctx);
      if (kind === Kind.TLS) c.tls = this.tlsSession(c);
      else if (kind === Kind.HTTP) c.http = this.httpParser(c);
      this.conns[flow] = c;
      this.connections++;
    }
    if (c === undefined || c.kind === Kind.NONE) return AppProtocol.NONE;
    const l4 = view.l4Offset;
    const b = view.bytes;
    if (l4 + 8 > b.length) return protocolOf(c.kind); // header cut by the snaplen: no sequence number
    c.ctx.sec = view.tsSec;
    c.ctx.nsec = view.tsNsec;
    if (view.tsDigits > c.ctx.tsDigits) c.ctx.tsDigits = view.tsDigits;
    if (c.tls !== null) { c.tls.sec = view.tsSec; c.tls.nsec = view.tsNsec; }
    const flags = view.tcpFlags;
    const side = fromClient ? c.client : c.server;
    const seq = ((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16) | (b[l4 + 6]! << 8) | b[l4 + 7]!) >>> 0;
    side.dir.segment(seq, flags, b, view.payloadOffset, view.payloadLength, side);
    const kind = c.kind as Kind; // segment() may have changed it
    if (kind === Kind.NONE) {
      // The dissector is done with this connection: drop its state now (the mark stays, so the
      // rest of the connection costs nothing), rather than keep it until the flow ends.
      this.dropConn(flow);
    } else if ((flags & (TCP_FIN | TCP_RST)) !== 0 && c.client.dir.closed && c.server.dir.closed) {
      this.finish(c);
      this.dropConn(flow);
    }
    return protocolOf(c.tls !== null ? Kind.TLS : c.http !== null ? Kind.HTTP : kind);
  }

  /** Decides from a connection's first data packet which dissector, if any, will read it. */
  private classify(view: PacketView, fromClient: boolean): Kind {
    if (isDnsPort(view.srcPort) || isDnsPort(view.dstPort)) return Kind.DNS;
    if (!fromClient) return Kind.NONE; // TLS and HTTP clients speak first
    const b = view.bytes;
    const o = view.payloadOffset;
    const n = view.payloadLength;
    if (looksLikeTls(b, o, n)) return Kind.TLS;
    if (looksLikeHttpRequest(b, o, n)) return Kind.HTTP;
    return Kind.NONE;
  }

  /** In-order bytes of one side of a connection. */
  streamData(side: Side, bytes: Uint8Array, offset: number, length: number): void {
    const c = side.conn;
    if (c.kind === Kind.TLS) {
      const tls = c.tls!;
      (side.client ? tls.client : tls.server).push(bytes, offset, length);
      this.afterTls(c);
      return;
    }
    if (c.kind === Kind.HTTP) {
      const http = c.http!;
      const start = side.dir.delivered - length; // stream offset of bytes[offset]
      const t = this.relativeNs(c);
      if (side.client) http.clientData(bytes, offset, length, t);
      else http.serverData(bytes, offset, length, t);
      if (c.tunnel !== null) this.enterTunnel(c, side, bytes, offset, length, start);
      else if (http.notHttp) { this.httpNotHttp++; c.kind = Kind.NONE; }
      return;
    }
    if (c.kind === Kind.DNS) {
      side.dnsFramer ??= new DnsTcpFramer();
      side.dnsFramer.push(bytes, offset, length, (m, o, l) => {
        this.dnsMessage(m, o, l, contextFor(c.ctx, side.client, this.sideCtx));
      });
    }
  }

  streamGap(side: Side, bytes: number): void {
    const c = side.conn;
    if (c.kind === Kind.TLS) {
      (side.client ? c.tls!.client : c.tls!.server).gap(bytes);
      this.afterTls(c);
    } else if (c.kind === Kind.HTTP) {
      c.http!.gap(side.client ? 'client' : 'server', bytes);
    } else if (c.kind === Kind.DNS) {
      // A hole in a DNS-over-TCP stream loses the framing: stop dissecting this connection.
      c.kind = Kind.NONE;
    }
  }

  private finish(c: TcpConn): void {
    if (c.kind === Kind.NONE) return;
    c.client.dir.finish(c.client);
    c.server.dir.finish(c.server);
    if (c.http !== null && c.kind === Kind.HTTP) c.http.end(this.relativeNs(c));
    c.tls?.finish();
    c.kind = Kind.NONE;
  }

  // ── TLS and HTTP ────────────────────────────────────────────────────────────────────────────

  private tlsSession(c: TcpConn): TlsSession {
    return new TlsSession((sec, nsec, d) => this.base(c.ctx, sec, nsec, d), (r) => {
      this.tlsHandshakes++;
      this.options.emit(r);
    });
  }

  /** After TLS bytes: the record once the handshake is over; stop reading when both sides are done. */
  private afterTls(c: TcpConn): void {
    const tls = c.tls!;
    tls.check();
    if (tls.done) {
      this.tlsMalformed += tls.malformed;
      tls.malformed = 0;
      c.kind = Kind.NONE; // the record is out: nothing more to read
    }
  }

  private httpParser(c: TcpConn): HttpConnectionParser {
    return new HttpConnectionParser((t) => {
      this.httpTransactions++;
      this.options.emit(this.httpRecord(c, t));
    }, { onTunnel: (tunnel) => { c.tunnel = tunnel; } });
  }

  /** Packet time since the connection's state was made, in ns (small, so exact as a double). */
  private relativeNs(c: TcpConn): number {
    return (c.ctx.sec - c.startSec) * 1e9 + (c.ctx.nsec - c.startNsec);
  }

  /**
   * The HTTP parser saw CONNECT answered 2xx (or an upgrade): the rest of both streams is a
   * tunnel. A TLS handshake in it (HTTPS through a proxy) is read as TLS; anything else is left.
   */
  private enterTunnel(c: TcpConn, side: Side, bytes: Uint8Array, offset: number, length: number, start: number): void {
    const tunnel = c.tunnel!;
    c.http = null;
    c.kind = Kind.NONE;
    if (tunnel.kind !== 'connect') return;
    const tls = this.tlsSession(c);
    tls.sec = c.ctx.sec;
    tls.nsec = c.ctx.nsec;
    c.tls = tls;
    c.kind = Kind.TLS;
    if (tunnel.clientHeld.length > 0) tls.client.push(tunnel.clientHeld, 0, tunnel.clientHeld.length);
    // The part of this push past the tunnel's start belongs to the tunnel.
    const from = side.client ? tunnel.clientOffset : tunnel.serverOffset;
    const skip = Math.max(0, from - start);
    if (skip < length && !(side.client && tunnel.clientHeld.length > 0)) {
      (side.client ? tls.client : tls.server).push(bytes, offset + skip, length - skip);
    }
    if (tls.client.notTls) c.kind = Kind.NONE;
    this.afterTls(c);
  }

  private httpRecord(c: TcpConn, t: HttpTransaction): HttpRecord {
    const startNs = t.requestStartNs;
    // Times are ns since the connection's first packet (may be negative: captures step back).
    const at = t.method === '' && t.responseStartNs !== undefined ? t.responseStartNs : startNs;
    const total = c.startNsec + at;
    const carry = Math.floor(total / 1e9);
    const sec = c.startSec + carry;
    const nsec = total - carry * 1e9;
    const duration = t.responseStartNs !== undefined && t.method !== '' ? Math.max(0, t.responseStartNs - startNs) : -1;
    const { path, query } = splitTarget(t.uri);
    const host = t.host !== undefined ? splitHost(t.host) : undefined;
    const b = this.base(c.ctx, sec, nsec, duration);
    return {
      kind: 'http',
      observationPoint: b.observationPoint,
      sec: b.sec,
      nsec: b.nsec,
      tsDigits: b.tsDigits,
      durationNs: b.durationNs,
      ipVersion: b.ipVersion,
      ipProto: b.ipProto,
      sourceIp: b.sourceIp,
      sourcePort: b.sourcePort,
      destinationIp: b.destinationIp,
      destinationPort: b.destinationPort,
      communityId: b.communityId,
      method: t.method,
      urlOriginal: t.uri,
      urlPath: path,
      urlQuery: query,
      urlDomain: host?.domain,
      urlPort: host?.port,
      version: t.version,
      statusCode: t.statusCode,
      responseVersion: t.responseVersion,
      userAgent: t.userAgent,
      referrer: t.referrer,
      requestMimeType: t.contentType,
      responseMimeType: t.responseMimeType,
      requestBodyBytes: t.requestBodyBytes,
      responseBodyBytes: t.responseBodyBytes,
      interim: t.interim,
      incomplete: t.incomplete,
      error: t.error,
    };
  }

  /** Time, endpoints (client → server) and Community ID of a record of the connection `ctx`. */
  private base(ctx: DnsPacketContext, sec: number, nsec: number, durationNs: number): AppRecordBase {
    const { communityId, formatIp } = this.options;
    const v = ctx.ipVersion;
    return {
      observationPoint: ctx.observationPoint,
      sec,
      nsec,
      tsDigits: ctx.tsDigits,
      durationNs,
      ipVersion: v,
      ipProto: ctx.ipProto,
      sourceIp: formatIp(v, ctx.s0, ctx.s1, ctx.s2, ctx.s3),
      sourcePort: ctx.senderPort,
      destinationIp: formatIp(v, ctx.d0, ctx.d1, ctx.d2, ctx.d3),
      destinationPort: ctx.receiverPort,
      communityId: communityId(v, ctx.ipProto, ctx.s0, ctx.s1, ctx.s2, ctx.s3, ctx.d0, ctx.d1, ctx.d2, ctx.d3,
        ctx.senderPort, ctx.receiverPort),
    };
  }

}

function grow(marks: Float64Array<ArrayBuffer>, index: number): Float64Array<ArrayBuffer> {
  let n = marks.length;
  while (n <= index) n *= 2;
  const bigger = new Float64Array(n);
  bigger.set(marks);
  return bigger;
}

/** The packet's flow, time and endpoints (sender → receiver) into ctx. */
function fillContext(ctx: DnsPacketContext, view: PacketView, flow: number, generation: number): DnsPacketContext {
  ctx.flow = flow;
  ctx.generation = generation;
  ctx.observationPoint = view.interfaceIndex;
  ctx.sec = view.tsSec;
  ctx.nsec = view.tsNsec;
  ctx.tsDigits = view.tsDigits;
  ctx.ipVersion = view.ipVersion;
  ctx.ipProto = view.ipProto;
  ctx.s0 = view.src0; ctx.s1 = view.src1; ctx.s2 = view.src2; ctx.s3 = view.src3;
  ctx.d0 = view.dst0; ctx.d1 = view.dst1; ctx.d2 = view.dst2; ctx.d3 = view.dst3;
  ctx.senderPort = view.srcPort;
  ctx.receiverPort = view.dstPort;
  return ctx;
}

/** A connection's client → server context, turned to have `client`'s side as the sender. */
function contextFor(conn: DnsPacketContext, client: boolean, out: DnsPacketContext): DnsPacketContext {
  Object.assign(out, conn);
  if (!client) swapEnds(out);
  return out;
}

function swapEnds(c: DnsPacketContext): void {
  let t = c.s0; c.s0 = c.d0; c.d0 = t;
  t = c.s1; c.s1 = c.d1; c.d1 = t;
  t = c.s2; c.s2 = c.d2; c.d2 = t;
  t = c.s3; c.s3 = c.d3; c.d3 = t;
  t = c.senderPort; c.senderPort = c.receiverPort; c.receiverPort = t;
}

function protocolOf(kind: Kind): AppProtocol {
  switch (kind) {
    case Kind.DNS: return AppProtocol.DNS;
    case Kind.TLS: return AppProtocol.TLS;
    case Kind.HTTP: return AppProtocol.HTTP;
    default: return AppProtocol.NONE;
  }
}

/** A TLS handshake record header (content type 22, version 3.x) or an SSL 2.0 ClientHello. */
function looksLikeTls(b: Uint8Array, o: number, n: number): boolean {
  if (n < 3) return false;
  if (b[o] === 0x16 && b[o + 1] === 0x03 && b[o + 2]! <= 0x04) return true;
  return (b[o]! & 0x80) !== 0 && b[o + 2] === 0x01 && n >= 5 && (b[o + 3] === 0x03 || b[o + 3] === 0x00 || b[o + 3] === 0x02);
}

/** Path and query of a request target (origin- or absolute-form); neither for authority-form or "*". */
function splitTarget(uri: string): { path?: string; query?: string } {
  let rest = uri;
  if (!rest.startsWith('/')) {
    const scheme = rest.indexOf('://');
    if (scheme < 0) return {};
    const slash = rest.indexOf('/', scheme + 3);
    rest = slash < 0 ? '/' : rest.slice(slash);
  }
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** Host header → domain and port ("[::1]:8080" → "::1", 8080). */
function splitHost(host: string): { domain: string; port?: number } {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    const port = end >= 0 && host[end + 1] === ':' ? Number(host.slice(end + 2)) : NaN;
    return { domain: host.slice(1, end < 0 ? undefined : end), ...(Number.isInteger(port) && { port }) };
  }
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.indexOf(':') === colon) {
    const port = Number(host.slice(colon + 1));
    if (Number.isInteger(port) && port >= 0 && port <= 65535) return { domain: host.slice(0, colon), port };
  }
  return { domain: host };
}
