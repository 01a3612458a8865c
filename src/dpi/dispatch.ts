/**
 * Which dissector sees which packet, and the per-connection state they keep.
 *
 *   UDP  port 53/5353/5355 ─► DNS message ─► DnsTransactions ─► dns record
 *        ports 67/68       ─► DHCP message ─► dhcp record
 *   TCP  first payload of a connection decides, before any state is made:
 *          port 53 → DNS over TCP · otherwise the connection is left alone (a mark per flow slot)
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
import { AppProtocol, type AppRecord, type PacketView } from '../model/index.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpParseError, parseDhcpMessage, type DhcpMessage } from './dhcp/index.js';
import { DnsParseError, DnsTcpFramer, parseDnsMessage } from './dns/index.js';
import { DnsTransactions, emptyDnsContext, type DnsPacketContext } from './dns-transactions.js';
import { ReassemblyBudget, TcpDirection, type StreamConsumer } from './tcp-reassembly.js';

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const TCP_FIN = 0x01;
const TCP_RST = 0x04;

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
}

/** What a TCP connection carries. */
const Kind = { NONE: 0, DNS: 1 } as const;
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
  constructor(owner: Dissectors, kind: Kind, budget: ReassemblyBudget, ctx: DnsPacketContext) {
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
  /** Scratch contexts (DnsTransactions copies what it keeps). */
  private readonly ctx = emptyDnsContext();
  private readonly sideCtx = emptyDnsContext();
  private dnsMalformed = 0;
  private dhcpMessages = 0;
  private dhcpMalformed = 0;
  private dnsMessages = 0;
  private connections = 0;

  constructor(options: DissectOptions) {
    this.options = options;
    this.budget = new ReassemblyBudget(options.reassemblyBytes ?? 64 << 20);
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
    if (flow < 0 || view.payloadLength === 0) return AppProtocol.NONE;
    const proto = view.ipProto;
    if (proto === IPPROTO_UDP) return this.udp(view, flow, generation);
    if (proto === IPPROTO_TCP) return this.tcp(view, flow, generation, fromClient);
    return AppProtocol.NONE;
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
    };
  }

  // ── UDP ─────────────────────────────────────────────────────────────────────────────────────

  private udp(view: PacketView, flow: number, generation: number): AppProtocol {
    const sp = view.srcPort;
    const dp = view.dstPort;
    if (isDnsPort(sp) || isDnsPort(dp)) {
      const ctx = fillContext(this.ctx, view, flow, generation);
      return this.dnsMessage(view.bytes, view.payloadOffset, view.payloadLength, ctx) ? AppProtocol.DNS : AppProtocol.NONE;
    }
    if ((sp === DHCP_SERVER_PORT || sp === DHCP_CLIENT_PORT) && (dp === DHCP_SERVER_PORT || dp === DHCP_CLIENT_PORT)) {
      return this.dhcp(view) ? AppProtocol.DHCP : AppProtocol.NONE;
    }
    return AppProtocol.NONE;
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
    if (flow >= this.marks.length) this.growMarks(flow);
    let c = this.conns[flow];
    if (this.marks[flow] !== generation + 1) {
      if (c !== undefined) this.finish(c);
      c = undefined;
      this.conns[flow] = undefined;
      this.marks[flow] = generation + 1;
      const kind = this.classify(view);
      if (kind === Kind.NONE) return AppProtocol.NONE;
      const ctx = fillContext(emptyDnsContext(), view, flow, generation);
      if (!fromClient) swapEnds(ctx);
      c = new TcpConn(this, kind, this.budget, ctx);
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
    const flags = view.tcpFlags;
    const side = fromClient ? c.client : c.server;
    const seq = ((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16) | (b[l4 + 6]! << 8) | b[l4 + 7]!) >>> 0;
    side.dir.segment(seq, flags, b, view.payloadOffset, view.payloadLength, side);
    const kind = c.kind as Kind; // segment() may have changed it
    if ((flags & (TCP_FIN | TCP_RST)) !== 0 && c.client.dir.closed && c.server.dir.closed) {
      this.finish(c);
      this.conns[flow] = undefined;
    }
    return protocolOf(kind);
  }

  /** Decides from a connection's first data packet which dissector, if any, will read it. */
  private classify(view: PacketView): Kind {
    if (isDnsPort(view.srcPort) || isDnsPort(view.dstPort)) return Kind.DNS;
    return Kind.NONE;
  }

  /** In-order bytes of one side of a connection. */
  streamData(side: Side, bytes: Uint8Array, offset: number, length: number): void {
    const c = side.conn;
    if (c.kind === Kind.DNS) {
      side.dnsFramer ??= new DnsTcpFramer();
      side.dnsFramer.push(bytes, offset, length, (m, o, l) => {
        this.dnsMessage(m, o, l, contextFor(c.ctx, side.client, this.sideCtx));
      });
    }
  }

  streamGap(side: Side, _bytes: number): void {
    // A hole in a DNS-over-TCP stream loses the framing: stop dissecting this connection.
    if (side.conn.kind === Kind.DNS) side.conn.kind = Kind.NONE;
  }

  private finish(c: TcpConn): void {
    if (c.kind === Kind.NONE) return;
    c.client.dir.finish(c.client);
    c.server.dir.finish(c.server);
    c.kind = Kind.NONE;
  }

  private growMarks(flow: number): void {
    let n = this.marks.length;
    while (n <= flow) n *= 2;
    const marks = new Float64Array(n);
    marks.set(this.marks);
    this.marks = marks;
  }
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
  return kind === Kind.DNS ? AppProtocol.DNS : AppProtocol.NONE;
}
