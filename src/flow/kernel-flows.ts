/**
 * Flow records from the kernel's flow meter. The eBPF program counts packets per unidirectional
 * entry (netns, ifindex, direction, 5-tuple, VLAN) in a hash map; user space reads the whole map
 * on an interval (a snapshot: lookup without delete, so no count is ever lost to a race) and this
 * class turns the snapshots into the same RFC 5103 biflow records the replay flow table emits:
 *
 *   snapshot entry ──► Uni (last cumulative counters of one direction, what was reported so far)
 *                        └──► Bi (the two directions of one conversation on one interface)
 *                               ├─ idle for idleTimeout  → record (idle_timeout), kernel entries deleted
 *                               ├─ FIN both ways or RST, then quiet for the linger → (end_of_flow), deleted
 *                               ├─ active for activeTimeout → record of the counts since the last one
 *                               └─ flushAll (shutdown, --duration) → (forced_end)
 *
 * Records carry the counts since the previous record of the same conversation, so consecutive
 * records add up to exactly what the kernel counted. A kernel entry is deleted only once its
 * conversation has been quiet for the idle timeout (or the TCP linger): a packet would have to
 * arrive between the last read and the delete to be lost — the one residual race, which the
 * notes measured at zero for entries that are really idle.
 */
import { formatIp, monotonicToWall, readU64, type MonotonicOffset } from '../core/index.js';
import {
  FlowEndReason, type FlowRecord,
  WEFT_FLOW_KEY_SIZE, WEFT_FLOW_KEY_NETNS, WEFT_FLOW_KEY_IFINDEX, WEFT_FLOW_KEY_DIRECTION, WEFT_FLOW_KEY_L4PROTO,
  WEFT_FLOW_KEY_IP_VERSION, WEFT_FLOW_KEY_VLAN, WEFT_FLOW_KEY_SRC, WEFT_FLOW_KEY_DST, WEFT_FLOW_KEY_SPORT,
  WEFT_FLOW_KEY_DPORT, WEFT_FLOW_VALUE_SIZE, WEFT_FLOW_VALUE_PACKETS, WEFT_FLOW_VALUE_BYTES, WEFT_FLOW_VALUE_SKBS,
  WEFT_FLOW_VALUE_FIRST_NS, WEFT_FLOW_VALUE_LAST_NS, WEFT_FLOW_VALUE_TCP_FLAGS,
} from '../model/index.js';
import { communityIdFromWords, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from './community-id.js';

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

export interface KernelFlowConfig {
  /** A conversation with no packet for this long is ended and its kernel entries deleted. */
  readonly idleTimeoutNs: number;
  /** A long conversation gets a record (of the counts so far) at least this often. */
  readonly activeTimeoutNs: number;
  /** After FIN both ways or a RST, wait this long for stragglers before ending the conversation. */
  readonly tcpLingerNs: number;
}

/** Maps CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to wall-clock time. */
export type MonotonicToWall = MonotonicOffset;

/** The observation point (FlowRecord.observationPoint) of an interface of a namespace. */
export type PointResolver = (netns: number, ifindex: number) => number;

/** One direction: the kernel entry's last cumulative counters and what was already reported. */
class Uni {
  /** The kernel map key as a latin1 string (one char per byte): the Map key, the tuple read back
   *  at report time, and the bytes of the delete — no per-entry byte copy to keep. */
  readonly key: string;
  readonly bi: Bi;
  /** Which side of the conversation this direction sends from: 0 = the lower endpoint. */
  readonly side: number;
  packets = 0;
  bytes = 0;
  skbs = 0;
  firstNs = 0;
  lastNs = 0;
  flags = 0;
  reportedPackets = 0;
  reportedBytes = 0;
  /** Not yet read once: its first packet may start the conversation's record interval. */
  fresh = true;
  constructor(key: string, bi: Bi, side: number) {
    this.key = key;
    this.bi = bi;
    this.side = side;
  }
}

/** One conversation on one interface: up to two directions. */
class Bi {
  readonly key: string;
  readonly uni: [Uni | undefined, Uni | undefined] = [undefined, undefined];
  /** The key bytes of the first direction seen: netns, ifindex, protocol, addresses, ports. */
  readonly netns: number;
  readonly ifindex: number;
  readonly l4proto: number;
  readonly ipVersion: number;
  readonly vlan: number;
  lastNs = 0;
  /** Start of the interval the next record covers (first packet, or the previous record's end). */
  reportStartNs = -1;
  reported = false;
  constructor(key: string, netns: number, ifindex: number, l4proto: number, ipVersion: number, vlan: number) {
    this.key = key;
    this.netns = netns;
    this.ifindex = ifindex;
    this.l4proto = l4proto;
    this.ipVersion = ipVersion;
    this.vlan = vlan;
  }
}

export interface KernelFlowCounters {
  kernel_flow_entries: number;
  kernel_flows_active: number;
  kernel_flows_emitted: number;
  kernel_flow_entries_deleted: number;
}

export class KernelFlows {
  private readonly config: KernelFlowConfig;
  private readonly clock: MonotonicToWall;
  private readonly pointOf: PointResolver;
  private readonly emit: (record: FlowRecord) => void;
  private readonly unis = new Map<string, Uni>();
  private readonly bis = new Map<string, Bi>();
  private emitted = 0;
  private deleted = 0;

  constructor(config: KernelFlowConfig, clock: MonotonicToWall, pointOf: PointResolver, emit: (record: FlowRecord) => void) {
    this.config = config;
    this.clock = clock;
    this.pointOf = pointOf;
    this.emit = emit;
  }

  /**
   * Takes one snapshot of the kernel map (`count` entries, keys and values back to back), emits the
   * records that are due at `nowNs` (CLOCK_MONOTONIC), and writes the keys the caller must delete
   * from the kernel map into `deleteKeys` (room for as many keys as the map holds); returns how many.
   */
  update(keys: Uint8Array, values: Uint8Array, count: number, nowNs: number, deleteKeys: Uint8Array): number {
    const kv = new DataView(keys.buffer, keys.byteOffset, keys.byteLength);
    const vv = new DataView(values.buffer, values.byteOffset, values.byteLength);
    const latin1 = Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength);
    for (let i = 0; i < count; i++) {
      const ko = i * WEFT_FLOW_KEY_SIZE;
      const vo = i * WEFT_FLOW_VALUE_SIZE;
      const key = latin1.toString('latin1', ko, ko + WEFT_FLOW_KEY_SIZE);
      let u = this.unis.get(key);
      if (u === undefined) u = this.addUni(key, keys, latin1, kv, ko);
      u.packets = readU64(vv, vo + WEFT_FLOW_VALUE_PACKETS);
      u.bytes = readU64(vv, vo + WEFT_FLOW_VALUE_BYTES);
      u.skbs = readU64(vv, vo + WEFT_FLOW_VALUE_SKBS);
      u.firstNs = readU64(vv, vo + WEFT_FLOW_VALUE_FIRST_NS);
      // last_ns comes from the kernel's coarse clock (one tick), which may trail the precise first_ns.
      u.lastNs = Math.max(readU64(vv, vo + WEFT_FLOW_VALUE_LAST_NS), u.firstNs);
      u.flags = vv.getUint32(vo + WEFT_FLOW_VALUE_TCP_FLAGS, true);
      const bi = u.bi;
      if (u.lastNs > bi.lastNs) bi.lastNs = u.lastNs;
      if (u.fresh) {
        u.fresh = false;
        if (bi.reportStartNs < 0 || (!bi.reported && u.firstNs < bi.reportStartNs)) bi.reportStartNs = u.firstNs;
      }
    }

    let deletes = 0;
    const del = Buffer.from(deleteKeys.buffer, deleteKeys.byteOffset, deleteKeys.byteLength);
    const { idleTimeoutNs, activeTimeoutNs, tcpLingerNs } = this.config;
    for (const bi of this.bis.values()) {
      const quiet = nowNs - bi.lastNs;
      let reason = 0;
      if (quiet >= idleTimeoutNs) reason = FlowEndReason.IDLE_TIMEOUT;
      else if (bi.l4proto === IPPROTO_TCP && quiet >= tcpLingerNs && tcpEnded(bi)) reason = FlowEndReason.END_OF_FLOW;
      if (reason !== 0) {
        this.report(bi, reason as FlowEndReason);
        for (const u of bi.uni) {
          if (u === undefined) continue;
          del.write(u.key, deletes * WEFT_FLOW_KEY_SIZE, 'latin1');
          deletes++;
          this.unis.delete(u.key);
        }
        this.bis.delete(bi.key);
      } else if (nowNs - bi.reportStartNs >= activeTimeoutNs) {
        this.report(bi, FlowEndReason.ACTIVE_TIMEOUT);
      }
    }
    this.deleted += deletes;
    return deletes;
  }

  /** Emits every conversation's unreported counts (shutdown, --duration). */
  flushAll(reason: FlowEndReason = FlowEndReason.FORCED_END): void {
    for (const bi of this.bis.values()) this.report(bi, reason);
    this.bis.clear();
    this.unis.clear();
  }

  counters(): KernelFlowCounters {
    return {
      kernel_flow_entries: this.unis.size,
      kernel_flows_active: this.bis.size,
      kernel_flows_emitted: this.emitted,
      kernel_flow_entries_deleted: this.deleted,
    };
  }

  private addUni(key: string, bytes: Uint8Array, latin1: Buffer, kv: DataView, ko: number): Uni {
    const side = compareEndpoints(bytes, ko + WEFT_FLOW_KEY_SRC, ko + WEFT_FLOW_KEY_DST, kv.getUint16(ko + WEFT_FLOW_KEY_SPORT, true), kv.getUint16(ko + WEFT_FLOW_KEY_DPORT, true)) <= 0 ? 0 : 1;
    const direction = bytes[ko + WEFT_FLOW_KEY_DIRECTION]!;
    const l4proto = bytes[ko + WEFT_FLOW_KEY_L4PROTO]!;
    // Same interface, same endpoints: egress A→B pairs with ingress B→A (one bit tells the pairing).
    const pairing = side === 0 ? direction : 1 - direction;
    const low = side === 0 ? WEFT_FLOW_KEY_SRC : WEFT_FLOW_KEY_DST;
    const high = side === 0 ? WEFT_FLOW_KEY_DST : WEFT_FLOW_KEY_SRC;
    const lowPort = kv.getUint16(ko + (side === 0 ? WEFT_FLOW_KEY_SPORT : WEFT_FLOW_KEY_DPORT), true);
    const highPort = kv.getUint16(ko + (side === 0 ? WEFT_FLOW_KEY_DPORT : WEFT_FLOW_KEY_SPORT), true);
    // ICMP: the "ports" are type and code, which differ between request and reply: pair on addresses only.
    const icmp = l4proto === IPPROTO_ICMP || l4proto === IPPROTO_ICMPV6;
    // netns, ifindex, protocol, IP version, VLAN — everything of the key but direction and endpoints
    const where = `${kv.getUint32(ko + WEFT_FLOW_KEY_NETNS, true)}:${kv.getUint32(ko + WEFT_FLOW_KEY_IFINDEX, true)}:${l4proto}:` +
      `${bytes[ko + WEFT_FLOW_KEY_IP_VERSION]}:${kv.getUint16(ko + WEFT_FLOW_KEY_VLAN, true)}:`;
    const biKey = `${where}${pairing}${latin1.toString('latin1', ko + low, ko + low + 16)}` +
      `${latin1.toString('latin1', ko + high, ko + high + 16)}${icmp ? '' : `${lowPort}:${highPort}`}`;
    let bi = this.bis.get(biKey);
    if (bi === undefined) {
      bi = new Bi(biKey, kv.getUint32(ko + WEFT_FLOW_KEY_NETNS, true), kv.getUint32(ko + WEFT_FLOW_KEY_IFINDEX, true),
        l4proto, bytes[ko + WEFT_FLOW_KEY_IP_VERSION]!, kv.getUint16(ko + WEFT_FLOW_KEY_VLAN, true));
      this.bis.set(biKey, bi);
    }
    const u = new Uni(key, bi, side);
    bi.uni[side] = u;
    this.unis.set(key, u);
    return u;
  }

  /** One record of what the conversation did since its previous record. */
  private report(bi: Bi, reason: FlowEndReason): void {
    const a = bi.uni[0];
    const b = bi.uni[1];
    const da = a === undefined ? 0 : a.packets - a.reportedPackets;
    const db = b === undefined ? 0 : b.packets - b.reportedPackets;
    if (da === 0 && db === 0) return;
    // The initiator (RFC 5103 source): the direction whose first packet came first; a SYN without
    // ACK settles it for TCP even when both directions started in the same tick.
    let src: Uni;
    if (a === undefined) src = b!;
    else if (b === undefined) src = a;
    else if ((a.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) src = a;
    else if ((b.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) src = b;
    else src = a.firstNs <= b.firstNs ? a : b;
    const dst = src === a ? b : a;
    // The snapshot buffer is reused by the next read: the tuple comes back from the key string.
    const key = Buffer.from(src.key, 'latin1');
    const kv = new DataView(key.buffer, key.byteOffset, key.byteLength);
    const v4 = bi.ipVersion === 4;
    const s0 = v4 ? 0 : kv.getUint32(WEFT_FLOW_KEY_SRC, false);
    const s1 = v4 ? 0 : kv.getUint32(WEFT_FLOW_KEY_SRC + 4, false);
    const s2 = v4 ? 0 : kv.getUint32(WEFT_FLOW_KEY_SRC + 8, false);
    const s3 = kv.getUint32(WEFT_FLOW_KEY_SRC + 12, false);
    const d0 = v4 ? 0 : kv.getUint32(WEFT_FLOW_KEY_DST, false);
    const d1 = v4 ? 0 : kv.getUint32(WEFT_FLOW_KEY_DST + 4, false);
    const d2 = v4 ? 0 : kv.getUint32(WEFT_FLOW_KEY_DST + 8, false);
    const d3 = kv.getUint32(WEFT_FLOW_KEY_DST + 12, false);
    const sport = kv.getUint16(WEFT_FLOW_KEY_SPORT, true);
    const dport = kv.getUint16(WEFT_FLOW_KEY_DPORT, true);
    const icmp = bi.l4proto === IPPROTO_ICMP || bi.l4proto === IPPROTO_ICMPV6;
    const startNs = Math.max(bi.reportStartNs, 0);
    const [startSec, startNsec] = this.wall(startNs);
    const [endSec, endNsec] = this.wall(bi.lastNs);
    const srcPackets = src.packets - src.reportedPackets;
    const srcBytes = src.bytes - src.reportedBytes;
    const dstPackets = dst === undefined ? 0 : dst.packets - dst.reportedPackets;
    const dstBytes = dst === undefined ? 0 : dst.bytes - dst.reportedBytes;
    const record: FlowRecord = {
      kind: 'flow',
      observationPoint: this.pointOf(bi.netns, bi.ifindex),
      startSec, startNsec, endSec, endNsec,
      tsDigits: 9,
      endReason: reason,
      ipVersion: v4 ? 4 : 6,
      ipProto: bi.l4proto,
      sourceIp: formatIp(bi.ipVersion, s0, s1, s2, s3),
      destinationIp: formatIp(bi.ipVersion, d0, d1, d2, d3),
      sourcePort: icmp ? 0 : sport,
      destinationPort: icmp ? 0 : dport,
      icmpType: icmp ? sport : -1,
      icmpCode: icmp ? dport : -1,
      sourcePackets: srcPackets,
      sourceBytes: srcBytes,
      destinationPackets: dstPackets,
      destinationBytes: dstBytes,
      sourceTcpFlags: src.flags,
      destinationTcpFlags: dst === undefined ? 0 : dst.flags,
      communityId: communityIdFromWords(bi.ipVersion, bi.l4proto, s0, s1, s2, s3, d0, d1, d2, d3, sport, dport),
      vlanOuter: bi.vlan,
      vlanInner: 0,
      sourceMac: undefined,
      destinationMac: undefined,
      rttServerNs: -1,
      rttClientNs: -1,
      rttNs: -1,
      fragments: 0,
      tunnel: undefined,
    };
    for (const u of bi.uni) {
      if (u === undefined) continue;
      u.reportedPackets = u.packets;
      u.reportedBytes = u.bytes;
    }
    bi.reportStartNs = bi.lastNs;
    bi.reported = true;
    this.emitted++;
    this.emit(record);
  }

  private wall(monoNs: number): [number, number] {
    return monotonicToWall(monoNs, this.clock);
  }

}

function tcpEnded(bi: Bi): boolean {
  const a = bi.uni[0]?.flags ?? 0;
  const b = bi.uni[1]?.flags ?? 0;
  return ((a | b) & TCP_RST) !== 0 || ((a & TCP_FIN) !== 0 && (b & TCP_FIN) !== 0);
}


/** Orders (address, port) endpoints as bytes then port: ≤ 0 when the source is the lower one. */
function compareEndpoints(bytes: Uint8Array, src: number, dst: number, sport: number, dport: number): number {
  for (let i = 0; i < 16; i++) {
    const d = bytes[src + i]! - bytes[dst + i]!;
    if (d !== 0) return d;
  }
  return sport - dport;
}
