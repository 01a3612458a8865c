/**
 * Walks the batches the native ring consumer hands over and turns each record into what the
 * pipeline takes: tapped packets fill one reused PacketView (no allocation per packet); socket
 * and drop records become EventRecords (few, so objects are fine).
 *
 *   batch:  [u32 len][u16 ring][u16 0][record: len bytes][pad to 8] [u32 len]…
 *   packet record: weft_packet_record (40 B) + caplen bytes of the frame from its L2 header
 */
import { formatIp, monotonicToWall, readU64 } from '../../core/index.js';
import {
  KernelEventAction, LinkType, PacketView, type EventRecord, type EventProcess,
  WEFT_REC_PACKET, WEFT_REC_TCP_STATE, WEFT_REC_TCP_RETRANSMIT, WEFT_REC_DROP,
  WEFT_PACKET_RECORD_SIZE, WEFT_PACKET_RECORD_CAPLEN, WEFT_PACKET_RECORD_LEN, WEFT_PACKET_RECORD_IFINDEX,
  WEFT_PACKET_RECORD_TS_NS, WEFT_PACKET_RECORD_NETNS, WEFT_PACKET_RECORD_L2_LEN,
  WEFT_SOCK_RECORD_NETNS, WEFT_SOCK_RECORD_TS_NS, WEFT_SOCK_RECORD_COOKIE, WEFT_SOCK_RECORD_CGROUP_ID,
  WEFT_SOCK_RECORD_PID, WEFT_SOCK_RECORD_TID, WEFT_SOCK_RECORD_COMM, WEFT_SOCK_RECORD_SADDR, WEFT_SOCK_RECORD_DADDR,
  WEFT_SOCK_RECORD_SPORT, WEFT_SOCK_RECORD_DPORT, WEFT_SOCK_RECORD_FAMILY, WEFT_SOCK_RECORD_OLD_STATE,
  WEFT_SOCK_RECORD_NEW_STATE, WEFT_SOCK_RECORD_IN_TASK, WEFT_SOCK_RECORD_SIZE,
  WEFT_DROP_RECORD_NETNS, WEFT_DROP_RECORD_TS_NS, WEFT_DROP_RECORD_LOCATION, WEFT_DROP_RECORD_REASON,
  WEFT_DROP_RECORD_IFINDEX, WEFT_DROP_RECORD_L4PROTO, WEFT_DROP_RECORD_IP_VERSION, WEFT_DROP_RECORD_SPORT,
  WEFT_DROP_RECORD_DPORT, WEFT_DROP_RECORD_SADDR, WEFT_DROP_RECORD_DADDR, WEFT_DROP_RECORD_SIZE,
} from '../../model/index.js';

const AF_INET6 = 10;
/** linux/include/net/tcp_states.h */
export const TCP_STATE_NAMES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT',
  'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV', 'BOUND_INACTIVE'];

export interface RingDecoderContext {
  /** realtime − monotonic, for converting bpf_ktime_get_ns(). */
  readonly offsetSec: number;
  readonly offsetNsec: number;
  /** Observation point of (netns, ifindex); -1 when the interface is not (or no longer) observed. */
  pointOf(netns: number, ifindex: number): number;
  netnsName(netns: number): string | undefined;
  interfaceName(netns: number, ifindex: number): string | undefined;
  dropReasonName(code: number): string;
  communityId(ipVersion: number, proto: number, s0: number, s1: number, s2: number, s3: number,
    d0: number, d1: number, d2: number, d3: number, sport: number, dport: number): string;
}

export interface RingHandler {
  packet(view: PacketView): void;
  event(record: EventRecord): void;
}

export interface RingDecoderCounters {
  ring_packets: number;
  ring_events: number;
  ring_packets_unknown_interface: number;
  ring_records_malformed: number;
}

export class RingDecoder {
  private readonly context: RingDecoderContext;
  private readonly handler: RingHandler;
  private readonly view = new PacketView();
  readonly counters: RingDecoderCounters = { ring_packets: 0, ring_events: 0, ring_packets_unknown_interface: 0, ring_records_malformed: 0 };

  constructor(context: RingDecoderContext, handler: RingHandler) {
    this.context = context;
    this.handler = handler;
  }

  batch(batch: Buffer): void {
    const dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    let off = 0;
    while (off + 8 <= batch.length) {
      const len = dv.getUint32(off, true);
      const start = off + 8;
      if (start + len > batch.length || len < 4) {
        this.counters.ring_records_malformed++;
        return;
      }
      const type = dv.getUint32(start, true);
      if (type === WEFT_REC_PACKET && len >= WEFT_PACKET_RECORD_SIZE) this.packet(batch, dv, start, len);
      else if ((type === WEFT_REC_TCP_STATE || type === WEFT_REC_TCP_RETRANSMIT) && len >= WEFT_SOCK_RECORD_SIZE) this.sock(batch, dv, start, type);
      else if (type === WEFT_REC_DROP && len >= WEFT_DROP_RECORD_SIZE) this.drop(dv, start);
      else this.counters.ring_records_malformed++;
      off = start + ((len + 7) & ~7);
    }
  }

  private packet(batch: Buffer, dv: DataView, start: number, len: number): void {
    const netns = dv.getUint32(start + WEFT_PACKET_RECORD_NETNS, true);
    const ifindex = dv.getUint32(start + WEFT_PACKET_RECORD_IFINDEX, true);
    const point = this.context.pointOf(netns, ifindex);
    if (point < 0) {
      this.counters.ring_packets_unknown_interface++;
      return;
    }
    const caplen = Math.min(dv.getUint32(start + WEFT_PACKET_RECORD_CAPLEN, true), len - WEFT_PACKET_RECORD_SIZE);
    const v = this.view;
    v.bytes = batch;
    v.frameOffset = start + WEFT_PACKET_RECORD_SIZE;
    v.capturedLength = caplen;
    v.wireLength = dv.getUint32(start + WEFT_PACKET_RECORD_LEN, true);
    this.time(v, readU64(dv, start + WEFT_PACKET_RECORD_TS_NS));
    v.tsDigits = 9;
    v.linkType = dv.getUint16(start + WEFT_PACKET_RECORD_L2_LEN, true) === 0 ? LinkType.RAW : LinkType.ETHERNET;
    v.interfaceIndex = point;
    this.counters.ring_packets++;
    this.handler.packet(v);
  }

  private sock(batch: Buffer, dv: DataView, start: number, type: number): void {
    const netns = dv.getUint32(start + WEFT_SOCK_RECORD_NETNS, true);
    // A dual-stack AF_INET6 socket carrying IPv4 holds IPv4-mapped addresses: report them as IPv4.
    const v6 = dv.getUint16(start + WEFT_SOCK_RECORD_FAMILY, true) === AF_INET6 && !isV4Mapped(dv, start + WEFT_SOCK_RECORD_DADDR);
    const [sourceIp, s] = address(dv, start + WEFT_SOCK_RECORD_SADDR, v6);
    const [destinationIp, d] = address(dv, start + WEFT_SOCK_RECORD_DADDR, v6);
    const sport = dv.getUint16(start + WEFT_SOCK_RECORD_SPORT, true);
    const dport = dv.getUint16(start + WEFT_SOCK_RECORD_DPORT, true);
    const [sec, nsec] = this.wall(readU64(dv, start + WEFT_SOCK_RECORD_TS_NS));
    const inTask = dv.getUint32(start + WEFT_SOCK_RECORD_IN_TASK, true) !== 0;
    let process: EventProcess | undefined;
    if (inTask) {
      const commStart = start + WEFT_SOCK_RECORD_COMM;
      const commEnd = batch.indexOf(0, commStart);
      process = {
        pid: dv.getUint32(start + WEFT_SOCK_RECORD_PID, true),
        tid: dv.getUint32(start + WEFT_SOCK_RECORD_TID, true),
        name: batch.toString('utf8', commStart, commEnd < 0 || commEnd > commStart + 16 ? commStart + 16 : commEnd),
        cgroupId: readU64(dv, start + WEFT_SOCK_RECORD_CGROUP_ID),
      };
    }
    const version = v6 ? 6 : 4;
    const record: EventRecord = {
      kind: 'event',
      action: type === WEFT_REC_TCP_STATE ? KernelEventAction.TCP_STATE : KernelEventAction.TCP_RETRANSMIT,
      sec, nsec, tsDigits: 9,
      netnsInode: netns,
      netnsName: this.context.netnsName(netns),
      ifindex: 0,
      ipVersion: version,
      ipProto: 6,
      sourceIp, sourcePort: sport, destinationIp, destinationPort: dport,
      communityId: this.context.communityId(version, 6, s[0]!, s[1]!, s[2]!, s[3]!, d[0]!, d[1]!, d[2]!, d[3]!, sport, dport),
      oldState: TCP_STATE_NAMES[dv.getUint8(start + WEFT_SOCK_RECORD_OLD_STATE)] ?? 'UNKNOWN',
      newState: TCP_STATE_NAMES[dv.getUint8(start + WEFT_SOCK_RECORD_NEW_STATE)] ?? 'UNKNOWN',
      socketCookie: dv.getBigUint64(start + WEFT_SOCK_RECORD_COOKIE, true).toString(),
      process,
    };
    this.counters.ring_events++;
    this.handler.event(record);
  }

  private drop(dv: DataView, start: number): void {
    const netns = dv.getUint32(start + WEFT_DROP_RECORD_NETNS, true);
    const ifindex = dv.getUint32(start + WEFT_DROP_RECORD_IFINDEX, true);
    const version = dv.getUint8(start + WEFT_DROP_RECORD_IP_VERSION);
    const proto = dv.getUint8(start + WEFT_DROP_RECORD_L4PROTO);
    const [sourceIp, s] = address(dv, start + WEFT_DROP_RECORD_SADDR, version === 6);
    const [destinationIp, d] = address(dv, start + WEFT_DROP_RECORD_DADDR, version === 6);
    const sport = dv.getUint16(start + WEFT_DROP_RECORD_SPORT, true);
    const dport = dv.getUint16(start + WEFT_DROP_RECORD_DPORT, true);
    const [sec, nsec] = this.wall(readU64(dv, start + WEFT_DROP_RECORD_TS_NS));
    const code = dv.getUint32(start + WEFT_DROP_RECORD_REASON, true);
    const record: EventRecord = {
      kind: 'event',
      action: KernelEventAction.PACKET_DROP,
      sec, nsec, tsDigits: 9,
      netnsInode: netns,
      netnsName: this.context.netnsName(netns),
      ifindex,
      interfaceName: ifindex === 0 ? undefined : this.context.interfaceName(netns, ifindex),
      ipVersion: version === 4 || version === 6 ? version : 0,
      ipProto: proto,
      sourceIp: version === 0 ? '' : sourceIp,
      sourcePort: sport,
      destinationIp: version === 0 ? '' : destinationIp,
      destinationPort: dport,
      communityId: version === 0 ? '' : this.context.communityId(version, proto, s[0]!, s[1]!, s[2]!, s[3]!, d[0]!, d[1]!, d[2]!, d[3]!, sport, dport),
      dropReason: this.context.dropReasonName(code),
      dropReasonCode: code,
      dropLocation: `0x${dv.getBigUint64(start + WEFT_DROP_RECORD_LOCATION, true).toString(16)}`,
    };
    this.counters.ring_events++;
    this.handler.event(record);
  }

  private time(v: PacketView, monoNs: number): void {
    const [sec, nsec] = this.wall(monoNs);
    v.tsSec = sec;
    v.tsNsec = nsec;
  }

  private wall(monoNs: number): [number, number] {
    return monotonicToWall(monoNs, this.context);
  }

}

function isV4Mapped(dv: DataView, offset: number): boolean {
  return dv.getUint32(offset, false) === 0 && dv.getUint32(offset + 4, false) === 0 && dv.getUint32(offset + 8, false) === 0xffff;
}


/** A 16-byte (IPv4-mapped for v4) address as text and as the four words the flow code uses. */
function address(dv: DataView, offset: number, v6: boolean): [string, number[]] {
  const w = [dv.getUint32(offset, false), dv.getUint32(offset + 4, false), dv.getUint32(offset + 8, false), dv.getUint32(offset + 12, false)];
  if (!v6) {
    w[0] = 0;
    w[1] = 0;
    w[2] = 0;
  }
  return [formatIp(v6 ? 6 : 4, w[0]!, w[1]!, w[2]!, w[3]!), w];
}
