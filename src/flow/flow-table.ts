/**
 * The flow meter: RFC 5103 biflows in an open-addressing table over struct-of-arrays typed arrays.
 *
 * Key (13 uint32 words, canonical order of the two endpoints so both directions hash alike):
 *
 *   word │ 0      │ 1                          │ 2                     │ 3        │ 4–7    │ 8–11   │ 12
 *        │ iface  │ vlanO:12 vlanI:12 proto:8  │ tunnelType:8 ipVer:8  │ tunnelId │ addr A │ addr B │ portA:16 portB:16
 *
 * "A" is the endpoint with the smaller (address, port); `ST_A_IS_SRC` remembers whether A is the
 * initiator (RFC 5103 source). Per-direction arrays are indexed [2e + 0] for A, [2e + 1] for B.
 *
 * Each live flow is on exactly one intrusive doubly linked list (Int32Array prev/next):
 *   ACTIVE  — ordered by last-seen clock (LRU at the head): idle expiry and eviction pop the head;
 *   ENDING  — TCP flows after FIN both ways or RST, ordered by when they began ending: linger expiry.
 *
 * Time is packet time. `clock` is the largest timestamp seen (captures can step backwards); idle
 * and linger are measured on the clock, the active timeout on the packet's own time, so a single
 * bogus timestamp cannot split every later packet into its own flow.
 *
 * Memory per flow slot (typed-array bytes / capacity, at the default 2 index slots per flow):
 *   key 52 + hash 4 + prev/next 8 + state/digits 2 + tcp flags 2 + icmp 2 + MACs 12
 *   + packets 16 + bytes 16 + first/last/touch/mark times 4×12 + RTT 16 + fragments 4
 *   + tunnel outer addresses 32 + outer version/proto 2 + index slots 16   = 232 B
 * → 1,048,576 flows ≈ 232 MiB (plus ~9 MiB for the 65,536-entry fragment table).
 */
import { formatIp } from '../core/index.js';
import {
  FlowEndReason, FLOW_END_REASON_NAMES, TunnelType, TUNNEL_TYPE_NAMES,
  type FlowRecord, type PacketView, type TunnelInfo,
} from '../model/index.js';
import {
  communityIdFromWords, icmpPortEquivalent,
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
} from './community-id.js';
import { resolveFlowConfig, type FlowConfig } from './config.js';
import { FragmentTable, FRAG_KEY_WORDS } from './fragment-table.js';
import { hashWords } from './hash.js';
import { KeyIndex } from './key-index.js';

const KEY_WORDS = 13;
const K_META = 1;
const K_TUN = 2;
const K_A = 4;
const K_B = 8;
const K_PORTS = 12;
const HASH_SEED_FLOW = 0x9e3779b9;
const HASH_SEED_FRAG = 0x7f4a7c15;

// state byte
const ST_LIVE = 0x01;
const ST_A_IS_SRC = 0x02;
const ST_ENDING = 0x04;
const ST_FIN_A = 0x08;
const ST_FIN_B = 0x10;
const ST_HAS_MAC = 0x20;
const HS_MASK = 0xc0; // handshake stage for RTT:
const HS_FRESH = 0x00; //   no packet processed yet
const HS_SYN = 0x40; //     SYN from the initiator seen (mark = its time)
const HS_SYNACK = 0x80; //  SYN/ACK from the responder seen (mark = its time)
const HS_DONE = 0xc0; //    finished or abandoned

// TCP flags (RFC 9293 §3.1)
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

const LIST_ACTIVE = 0;
const LIST_ENDING = 1;

const NS_PER_MS = 1e6;
const NO_RTT = -1;

/** Nanoseconds from (s0, n0) to (s1, n1); negative when time went backwards. */
function elapsedNs(s1: number, n1: number, s0: number, n0: number): number {
  return (s1 - s0) * 1e9 + (n1 - n0);
}

function slotsFor(capacity: number): number {
  let n = 2;
  while (n < capacity * 2) n *= 2;
  return n;
}

function hex2(b: number): string {
  return b < 16 ? `0${b.toString(16)}` : b.toString(16);
}

/** Counters for the `stats` record (a snapshot; allocated per call). */
export interface FlowTableStats {
  flowsCreated: number;
  /** Records emitted, by FLOW_END_REASON_NAMES name. */
  records: Record<string, number>;
  /** Flows evicted because the table was full (also counted in records.lack_of_resources). */
  evictionsFull: number;
  activeFlows: number;
  peakFlows: number;
  capacity: number;
  /** Fragment entries evicted before their time because the fragment table was full. */
  fragmentOverflows: number;
  /** Non-first fragments whose first fragment never came (attributed to a flow with ports 0). */
  fragmentOrphans: number;
  fragmentEntries: number;
  /** Views without an IP layer, ignored. */
  nonIpPackets: number;
  /** Typed-array bytes of the flow store and its index (the fragment table excluded). */
  memoryBytes: number;
}

/**
 * Meters decoded packets into bidirectional flows and emits a {@link FlowRecord} when a flow ends
 * (idle, active timeout, TCP end, eviction, flush). `observe` allocates nothing; records are built
 * (addresses formatted, Community ID hashed) once per emitted flow.
 *
 * Drive it with packets in capture order and call {@link advance} now and then (e.g. once per
 * batch) so that idle flows are emitted without waiting for their next packet.
 */
export class FlowTable {
  readonly config: Readonly<FlowConfig>;
  private readonly onRecord: (record: FlowRecord) => void;
  private readonly idleNs: number;
  private readonly activeNs: number;
  private readonly lingerNs: number;
  private readonly fragTimeoutNs: number;
  private readonly seed: number;

  // ── store ──────────────────────────────────────────────────────────────────────────────────
  private cap: number;
  private hwm = 0;
  private freeHead = -1;
  private live = 0;
  private index: KeyIndex;
  private keys: Uint32Array;
  private hash: Uint32Array;
  private prev: Int32Array;
  private next: Int32Array;
  private state: Uint8Array;
  private digits: Uint8Array;
  /** [2e + side] */
  private tcpFlags: Uint8Array;
  /** [2e] type, [2e + 1] code of the first packet. */
  private icmp: Uint8Array;
  /** [12e + 6·side …]: the MAC of side A, then of side B (from the first packet). */
  private mac: Uint8Array;
  private packets: Float64Array;
  private octets: Float64Array;
  private firstSec: Float64Array;
  private firstNsec: Uint32Array;
  private lastSec: Float64Array;
  private lastNsec: Uint32Array;
  /** Clock when the flow last got a packet (ACTIVE list order, idle expiry). */
  private touchSec: Float64Array;
  private touchNsec: Uint32Array;
  /** Handshake: time of the SYN or SYN/ACK; ending: clock when it began ending. */
  private markSec: Float64Array;
  private markNsec: Uint32Array;
  private rttServer: Float64Array;
  private rttClient: Float64Array;
  private frags: Uint32Array;
  /** [2e] outer IP version, [2e + 1] outer protocol. */
  private outerMeta: Uint8Array;
  /** [8e + 4·side …]: outer address of side A, then of side B. */
  private outerAddr: Uint32Array;

  private readonly headOf = new Int32Array([-1, -1]);
  private readonly tailOf = new Int32Array([-1, -1]);
  private readonly probe = new Uint32Array(KEY_WORDS);
  private readonly fragProbe = new Uint32Array(FRAG_KEY_WORDS);
  private readonly frag: FragmentTable;

  private clockSec = -Infinity;
  private clockNsec = 0;

  // ── counters ───────────────────────────────────────────────────────────────────────────────
  private readonly recordsByReason = new Float64Array(6);
  private flowsCreated = 0;
  private evictionsFull = 0;
  private peak = 0;
  private fragOverflows = 0;
  private fragOrphans = 0;
  private nonIp = 0;

  /**
   * @param config overrides of {@link DEFAULT_FLOW_CONFIG}; validated here.
   * @param onRecord receives every record, synchronously, from observe/advance/flushAll.
   * @throws RangeError on an invalid setting.
   */
  constructor(config: Partial<FlowConfig>, onRecord: (record: FlowRecord) => void) {
    const c = resolveFlowConfig(config);
    this.config = Object.freeze(c);
    this.onRecord = onRecord;
    this.idleNs = c.idleTimeoutMs * NS_PER_MS;
    this.activeNs = c.activeTimeoutMs * NS_PER_MS;
    this.lingerNs = c.tcpEndLingerMs * NS_PER_MS;
    this.fragTimeoutNs = c.fragmentTimeoutMs * NS_PER_MS;
    this.seed = c.communityIdSeed;
    const n = c.initialCapacity;
    this.cap = n;
    this.index = new KeyIndex(slotsFor(n), KEY_WORDS);
    this.keys = new Uint32Array(n * KEY_WORDS);
    this.hash = new Uint32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.state = new Uint8Array(n);
    this.digits = new Uint8Array(n);
    this.tcpFlags = new Uint8Array(2 * n);
    this.icmp = new Uint8Array(2 * n);
    this.mac = new Uint8Array(12 * n);
    this.packets = new Float64Array(2 * n);
    this.octets = new Float64Array(2 * n);
    this.firstSec = new Float64Array(n);
    this.firstNsec = new Uint32Array(n);
    this.lastSec = new Float64Array(n);
    this.lastNsec = new Uint32Array(n);
    this.touchSec = new Float64Array(n);
    this.touchNsec = new Uint32Array(n);
    this.markSec = new Float64Array(n);
    this.markNsec = new Uint32Array(n);
    this.rttServer = new Float64Array(n);
    this.rttClient = new Float64Array(n);
    this.frags = new Uint32Array(n);
    this.outerMeta = new Uint8Array(2 * n);
    this.outerAddr = new Uint32Array(8 * n);
    this.frag = new FragmentTable(c.fragmentCapacity);
  }

  // ── public API ─────────────────────────────────────────────────────────────────────────────

  /** Live flows now. */
  get activeFlows(): number {
    return this.live;
  }

  /** Flow slots allocated now (grows by doubling up to maxFlows). */
  get capacity(): number {
    return this.cap;
  }

  /** Typed-array bytes of the flow store and its index. */
  get memoryBytes(): number {
    return this.index.byteLength + this.keys.byteLength + this.hash.byteLength + this.prev.byteLength +
      this.next.byteLength + this.state.byteLength + this.digits.byteLength + this.tcpFlags.byteLength +
      this.icmp.byteLength + this.mac.byteLength + this.packets.byteLength + this.octets.byteLength +
      this.firstSec.byteLength + this.firstNsec.byteLength + this.lastSec.byteLength + this.lastNsec.byteLength +
      this.touchSec.byteLength + this.touchNsec.byteLength + this.markSec.byteLength + this.markNsec.byteLength +
      this.rttServer.byteLength + this.rttClient.byteLength + this.frags.byteLength + this.outerMeta.byteLength +
      this.outerAddr.byteLength;
  }

  /** memoryBytes / capacity. */
  get bytesPerFlow(): number {
    return this.memoryBytes / this.cap;
  }

  stats(): FlowTableStats {
    const records: Record<string, number> = {};
    for (const [reason, name] of Object.entries(FLOW_END_REASON_NAMES)) records[name] = this.recordsByReason[Number(reason)]!;
    return {
      flowsCreated: this.flowsCreated,
      records,
      evictionsFull: this.evictionsFull,
      activeFlows: this.live,
      peakFlows: this.peak,
      capacity: this.cap,
      fragmentOverflows: this.fragOverflows,
      fragmentOrphans: this.fragOrphans,
      fragmentEntries: this.frag.size,
      nonIpPackets: this.nonIp,
      memoryBytes: this.memoryBytes,
    };
  }

  /**
   * The counters as `stats` record entries (docs/records.md `flows_*`): flows_created,
   * flows_<end reason> per reason, flows_evicted_full, flows_active, flows_peak,
   * flows_fragment_overflows, flows_fragment_orphans.
   */
  counters(): Record<string, number> {
    const out: Record<string, number> = { flows_created: this.flowsCreated };
    for (const [reason, name] of Object.entries(FLOW_END_REASON_NAMES)) out[`flows_${name}`] = this.recordsByReason[Number(reason)]!;
    out['flows_evicted_full'] = this.evictionsFull;
    out['flows_active'] = this.live;
    out['flows_peak'] = this.peak;
    out['flows_fragment_overflows'] = this.fragOverflows;
    out['flows_fragment_orphans'] = this.fragOrphans;
    return out;
  }

  /** Counts one decoded packet into its flow. Views without IP are counted and ignored. */
  observe(view: PacketView): void {
    const ver = view.ipVersion;
    if (ver !== 4 && ver !== 6) {
      this.nonIp++;
      return;
    }
    const sec = view.tsSec;
    const nsec = view.tsNsec;
    if (sec > this.clockSec || (sec === this.clockSec && nsec > this.clockNsec)) {
      this.clockSec = sec;
      this.clockNsec = nsec;
    }
    const proto = view.ipProto;
    let sp = 0;
    let dp = 0;
    let icmpWord = 0;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      sp = view.srcPort;
      dp = view.dstPort;
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      // Community ID port mapping: request and reply share (type, counterpart) → one biflow.
      sp = view.icmpType;
      dp = icmpPortEquivalent(proto, sp, view.icmpCode);
      icmpWord = ((view.icmpType & 0xff) << 8) | (view.icmpCode & 0xff);
    }
    let flags = proto === IPPROTO_TCP ? view.tcpFlags : 0;
    let fe = -1;
    let isFrag = 0;
    if (view.isFragment) {
      // Must run before the flow key is built: making room may attribute an orphan (uses `probe`).
      fe = this.fragment(view, proto, ver, (sp << 16) | dp, icmpWord);
      if (fe < 0) return; // held until its first fragment arrives
      const pw = this.frag.ports[fe]!;
      sp = pw >>> 16;
      dp = pw & 0xffff;
      icmpWord = this.frag.icmp[fe]!;
      isFrag = 1;
      if (view.fragOffset !== 0) flags = 0;
    }

    const p = this.probe;
    p[0] = view.interfaceIndex;
    p[K_META] = ((view.vlanOuter & 0xfff) << 20) | ((view.vlanInner & 0xfff) << 8) | (proto & 0xff);
    p[K_TUN] = ((view.tunnelType & 0xff) << 8) | ver;
    p[3] = view.tunnelId;
    p[4] = view.src0; p[5] = view.src1; p[6] = view.src2; p[7] = view.src3;
    p[8] = view.dst0; p[9] = view.dst1; p[10] = view.dst2; p[11] = view.dst3;
    const fromA = this.canonicalize(sp, dp);

    const e = this.locate(view, fromA, proto, flags, sec, nsec, icmpWord);
    this.account(e, fromA, 1, view.ipLength, flags, sec, nsec, sec, nsec, view.tsDigits, isFrag);
    if (proto === IPPROTO_TCP && (isFrag === 0 || view.fragOffset === 0)) this.tcpTrack(e, fromA, flags, sec, nsec);

    if (fe >= 0) {
      const ft = this.frag;
      const pending = ft.pendPackets[fe]!;
      if (pending > 0) {
        // Non-first fragments that came before this first one: same sender, same flow.
        this.account(e, fromA, pending, ft.pendBytes[fe]!, 0, ft.pendFirstSec[fe]!, ft.pendFirstNsec[fe]!,
          ft.pendLastSec[fe]!, ft.pendLastNsec[fe]!, ft.digits[fe]!, pending);
        ft.clearPending(fe);
      }
    }
  }

  /**
   * Moves the clock to (nowSec, nowNsec) when that is later, then emits flows idle for
   * idleTimeoutMs (IDLE_TIMEOUT), TCP flows whose linger is over (END_OF_FLOW), and expires
   * fragment entries (attributing orphans).
   */
  advance(nowSec: number, nowNsec: number): void {
    if (nowSec > this.clockSec || (nowSec === this.clockSec && nowNsec > this.clockNsec)) {
      this.clockSec = nowSec;
      this.clockNsec = nowNsec;
    }
    const cs = this.clockSec;
    const cn = this.clockNsec;
    const ft = this.frag;
    while (ft.head >= 0 && elapsedNs(cs, cn, ft.createdSec[ft.head]!, ft.createdNsec[ft.head]!) >= this.fragTimeoutNs) {
      this.expireFragment();
    }
    let e = this.headOf[LIST_ACTIVE]!;
    while (e >= 0 && elapsedNs(cs, cn, this.touchSec[e]!, this.touchNsec[e]!) >= this.idleNs) {
      this.expire(e, FlowEndReason.IDLE_TIMEOUT);
      e = this.headOf[LIST_ACTIVE]!;
    }
    e = this.headOf[LIST_ENDING]!;
    while (e >= 0 && elapsedNs(cs, cn, this.markSec[e]!, this.markNsec[e]!) >= this.lingerNs) {
      this.expire(e, FlowEndReason.END_OF_FLOW);
      e = this.headOf[LIST_ENDING]!;
    }
  }

  /**
   * Emits every remaining flow with `reason` (FORCED_END at the end of input), ordered by first-seen
   * time (ties by slot), after attributing pending fragments. The table is empty and reusable after.
   */
  flushAll(reason: FlowEndReason = FlowEndReason.FORCED_END): void {
    while (this.frag.head >= 0) this.expireFragment();
    const order = new Int32Array(this.live);
    let n = 0;
    for (let list = 0; list < 2; list++) {
      for (let e = this.headOf[list]!; e >= 0; e = this.next[e]!) order[n++] = e;
    }
    const fs = this.firstSec;
    const fn = this.firstNsec;
    order.sort((a, b) => (fs[a]! - fs[b]!) || (fn[a]! - fn[b]!) || (a - b));
    for (let i = 0; i < n; i++) this.emit(order[i]!, reason);
    this.index.clear();
    this.state.fill(0);
    this.headOf.fill(-1);
    this.tailOf.fill(-1);
    this.hwm = 0;
    this.freeHead = -1;
    this.live = 0;
  }

  // ── key and lookup ─────────────────────────────────────────────────────────────────────────

  /**
   * Orders the endpoints in `probe` (words 4–7 = sender, 8–11 = receiver) so the smaller
   * (address, port) is A, writes the port word, and returns whether the sender is A.
   */
  private canonicalize(sp: number, dp: number): boolean {
    const p = this.probe;
    let cmp = 0;
    for (let i = K_A; i < K_B; i++) {
      const a = p[i]!;
      const b = p[i + 4]!;
      if (a !== b) {
        cmp = a < b ? -1 : 1;
        break;
      }
    }
    if (cmp === 0) cmp = sp < dp ? -1 : sp > dp ? 1 : 0;
    if (cmp <= 0) {
      p[K_PORTS] = ((sp << 16) | dp) >>> 0;
      return true;
    }
    for (let i = K_A; i < K_B; i++) {
      const t = p[i]!;
      p[i] = p[i + 4]!;
      p[i + 4] = t;
    }
    p[K_PORTS] = ((dp << 16) | sp) >>> 0;
    return false;
  }

  /**
   * Finds or creates the flow for the key in `probe`; ends the old flow first when it timed out,
   * finished lingering or a new SYN reuses its ports. Touches it (clock, LRU position).
   */
  private locate(view: PacketView, fromA: boolean, proto: number, flags: number, sec: number, nsec: number, icmpWord: number): number {
    const h = hashWords(this.probe, KEY_WORDS, HASH_SEED_FLOW);
    let e = this.index.find(h, this.keys, this.probe);
    const cs = this.clockSec;
    const cn = this.clockNsec;
    if (e < 0) {
      e = this.allocate(h);
      this.initFlow(e, fromA, proto, flags, sec, nsec, view, icmpWord);
    } else if ((this.state[e]! & ST_ENDING) !== 0) {
      const newSyn = proto === IPPROTO_TCP && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
      if (newSyn || elapsedNs(cs, cn, this.markSec[e]!, this.markNsec[e]!) >= this.lingerNs) {
        this.emit(e, FlowEndReason.END_OF_FLOW);
        this.listRemove(LIST_ENDING, e);
        this.listAppend(LIST_ACTIVE, e);
        this.initFlow(e, fromA, proto, flags, sec, nsec, view, icmpWord);
      }
    } else if (elapsedNs(cs, cn, this.touchSec[e]!, this.touchNsec[e]!) >= this.idleNs) {
      this.emit(e, FlowEndReason.IDLE_TIMEOUT);
      this.initFlow(e, fromA, proto, flags, sec, nsec, view, icmpWord);
      this.moveToTail(e);
    } else {
      if (elapsedNs(sec, nsec, this.firstSec[e]!, this.firstNsec[e]!) >= this.activeNs) {
        this.emit(e, FlowEndReason.ACTIVE_TIMEOUT);
        this.restartCounters(e, sec, nsec);
      }
      this.moveToTail(e);
    }
    this.touchSec[e] = cs;
    this.touchNsec[e] = cn;
    return e;
  }

  /** A free slot holding the key in `probe`, on the ACTIVE tail; grows or makes room when full. */
  private allocate(h: number): number {
    if (this.freeHead < 0 && this.hwm === this.cap) {
      if (this.cap < this.config.maxFlows) this.grow();
      else this.makeRoom();
    }
    let e: number;
    if (this.freeHead >= 0) {
      e = this.freeHead;
      this.freeHead = this.next[e]!;
    } else {
      e = this.hwm++;
    }
    this.keys.set(this.probe, e * KEY_WORDS);
    this.hash[e] = h;
    this.index.insert(h, e);
    this.state[e] = ST_LIVE;
    this.listAppend(LIST_ACTIVE, e);
    this.live++;
    if (this.live > this.peak) this.peak = this.live;
    return e;
  }

  /** Frees one slot: an expired flow if there is one at a list head, else the least recently seen. */
  private makeRoom(): void {
    const cs = this.clockSec;
    const cn = this.clockNsec;
    const a = this.headOf[LIST_ACTIVE]!;
    const z = this.headOf[LIST_ENDING]!;
    if (a >= 0 && elapsedNs(cs, cn, this.touchSec[a]!, this.touchNsec[a]!) >= this.idleNs) {
      this.expire(a, FlowEndReason.IDLE_TIMEOUT);
    } else if (z >= 0 && elapsedNs(cs, cn, this.markSec[z]!, this.markNsec[z]!) >= this.lingerNs) {
      this.expire(z, FlowEndReason.END_OF_FLOW);
    } else {
      let victim = a;
      if (a < 0 || (z >= 0 && elapsedNs(this.touchSec[a]!, this.touchNsec[a]!, this.touchSec[z]!, this.touchNsec[z]!) > 0)) {
        victim = z;
      }
      this.evictionsFull++;
      this.expire(victim, FlowEndReason.LACK_OF_RESOURCES);
    }
  }

  /** Doubles the store (up to maxFlows) and rebuilds the index. */
  private grow(): void {
    const old = this.cap;
    const n = Math.min(old * 2, this.config.maxFlows);
    const u32 = (a: Uint32Array, k: number): Uint32Array => { const b = new Uint32Array(n * k); b.set(a); return b; };
    const i32 = (a: Int32Array): Int32Array => { const b = new Int32Array(n); b.set(a); return b; };
    const u8 = (a: Uint8Array, k: number): Uint8Array => { const b = new Uint8Array(n * k); b.set(a); return b; };
    const f64 = (a: Float64Array, k: number): Float64Array => { const b = new Float64Array(n * k); b.set(a); return b; };
    this.keys = u32(this.keys, KEY_WORDS);
    this.hash = u32(this.hash, 1);
    this.prev = i32(this.prev);
    this.next = i32(this.next);
    this.state = u8(this.state, 1);
    this.digits = u8(this.digits, 1);
    this.tcpFlags = u8(this.tcpFlags, 2);
    this.icmp = u8(this.icmp, 2);
    this.mac = u8(this.mac, 12);
    this.packets = f64(this.packets, 2);
    this.octets = f64(this.octets, 2);
    this.firstSec = f64(this.firstSec, 1);
    this.firstNsec = u32(this.firstNsec, 1);
    this.lastSec = f64(this.lastSec, 1);
    this.lastNsec = u32(this.lastNsec, 1);
    this.touchSec = f64(this.touchSec, 1);
    this.touchNsec = u32(this.touchNsec, 1);
    this.markSec = f64(this.markSec, 1);
    this.markNsec = u32(this.markNsec, 1);
    this.rttServer = f64(this.rttServer, 1);
    this.rttClient = f64(this.rttClient, 1);
    this.frags = u32(this.frags, 1);
    this.outerMeta = u8(this.outerMeta, 2);
    this.outerAddr = u32(this.outerAddr, 8);
    this.cap = n;
    const index = new KeyIndex(slotsFor(n), KEY_WORDS);
    for (let e = 0; e < this.hwm; e++) if ((this.state[e]! & ST_LIVE) !== 0) index.insert(this.hash[e]!, e);
    this.index = index;
  }

  // ── per-flow state ─────────────────────────────────────────────────────────────────────────

  /** Starts a new flow in slot e (its key and list membership are the caller's business). */
  private initFlow(e: number, fromA: boolean, proto: number, flags: number, sec: number, nsec: number,
    view: PacketView | null, icmpWord: number): void {
    // RFC 5103 initiator: the SYN sender; the receiver of a SYN/ACK seen first; else the sender.
    let aIsSrc = fromA;
    if (proto === IPPROTO_TCP && (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) aIsSrc = !fromA;
    let st = ST_LIVE | (aIsSrc ? ST_A_IS_SRC : 0) | HS_FRESH;
    const d = 2 * e;
    this.packets[d] = 0; this.packets[d + 1] = 0;
    this.octets[d] = 0; this.octets[d + 1] = 0;
    this.tcpFlags[d] = 0; this.tcpFlags[d + 1] = 0;
    this.icmp[d] = icmpWord >>> 8; this.icmp[d + 1] = icmpWord & 0xff;
    this.firstSec[e] = sec; this.firstNsec[e] = nsec;
    this.lastSec[e] = sec; this.lastNsec[e] = nsec;
    this.markSec[e] = sec; this.markNsec[e] = nsec;
    this.rttServer[e] = NO_RTT; this.rttClient[e] = NO_RTT;
    this.frags[e] = 0;
    this.digits[e] = 0;
    // The first packet's sender side gets its source MAC and outer source address.
    const sOff = fromA ? 0 : 6;
    const rOff = 6 - sOff;
    const m = 12 * e;
    const o = 8 * e;
    if (view !== null && view.ethOffset >= 0 && view.ethOffset + 12 <= view.bytes.length) {
      const b = view.bytes;
      const eo = view.ethOffset;
      for (let i = 0; i < 6; i++) {
        this.mac[m + sOff + i] = b[eo + 6 + i]!;
        this.mac[m + rOff + i] = b[eo + i]!;
      }
      st |= ST_HAS_MAC;
    }
    if (view !== null && view.tunnelType !== TunnelType.NONE) {
      this.outerMeta[d] = view.outerIpVersion;
      this.outerMeta[d + 1] = view.outerIpProto;
      const so = fromA ? o : o + 4;
      const ro = fromA ? o + 4 : o;
      this.outerAddr[so] = view.outerSrc0; this.outerAddr[so + 1] = view.outerSrc1;
      this.outerAddr[so + 2] = view.outerSrc2; this.outerAddr[so + 3] = view.outerSrc3;
      this.outerAddr[ro] = view.outerDst0; this.outerAddr[ro + 1] = view.outerDst1;
      this.outerAddr[ro + 2] = view.outerDst2; this.outerAddr[ro + 3] = view.outerDst3;
    } else {
      this.outerMeta[d] = 0;
      this.outerMeta[d + 1] = 0;
    }
    this.state[e] = st;
    this.flowsCreated++;
  }

  /** After an active timeout: the same flow continues in a new record (orientation, TCP state kept). */
  private restartCounters(e: number, sec: number, nsec: number): void {
    const d = 2 * e;
    this.packets[d] = 0; this.packets[d + 1] = 0;
    this.octets[d] = 0; this.octets[d + 1] = 0;
    this.tcpFlags[d] = 0; this.tcpFlags[d + 1] = 0;
    this.firstSec[e] = sec; this.firstNsec[e] = nsec;
    this.lastSec[e] = sec; this.lastNsec[e] = nsec;
    this.rttServer[e] = NO_RTT; this.rttClient[e] = NO_RTT;
    this.frags[e] = 0;
    this.digits[e] = 0;
    this.state[e] = (this.state[e]! & ~HS_MASK) | HS_DONE;
  }

  /** Adds n packets (len bytes) sent by side A (fromA) or B, seen between first and last. */
  private account(e: number, fromA: boolean, n: number, len: number, flags: number,
    fSec: number, fNsec: number, lSec: number, lNsec: number, digits: number, fragments: number): void {
    const d = 2 * e + (fromA ? 0 : 1);
    this.packets[d]! += n;
    this.octets[d]! += len;
    this.tcpFlags[d]! |= flags;
    const fs = this.firstSec[e]!;
    if (fSec < fs || (fSec === fs && fNsec < this.firstNsec[e]!)) {
      this.firstSec[e] = fSec;
      this.firstNsec[e] = fNsec;
    }
    const ls = this.lastSec[e]!;
    if (lSec > ls || (lSec === ls && lNsec > this.lastNsec[e]!)) {
      this.lastSec[e] = lSec;
      this.lastNsec[e] = lNsec;
    }
    if (digits > this.digits[e]!) this.digits[e] = digits;
    this.frags[e]! += fragments;
  }

  /** Handshake RTT (clean order only) and the TCP end: FIN both ways or RST. */
  private tcpTrack(e: number, fromA: boolean, flags: number, sec: number, nsec: number): void {
    let st = this.state[e]!;
    const hs = st & HS_MASK;
    if (hs !== HS_DONE) {
      const fromSrc = fromA === ((st & ST_A_IS_SRC) !== 0);
      const sa = flags & (TCP_SYN | TCP_ACK | TCP_RST);
      let next = HS_DONE;
      if (hs === HS_FRESH) {
        if (sa === TCP_SYN) next = HS_SYN;
        else if (sa === (TCP_SYN | TCP_ACK)) next = HS_SYNACK;
        if (next !== HS_DONE) { this.markSec[e] = sec; this.markNsec[e] = nsec; }
      } else if (hs === HS_SYN) {
        if (fromSrc && sa === TCP_SYN) {
          next = HS_SYN; // retransmitted SYN: measure from the last one
          this.markSec[e] = sec; this.markNsec[e] = nsec;
        } else if (!fromSrc && sa === (TCP_SYN | TCP_ACK)) {
          const dt = elapsedNs(sec, nsec, this.markSec[e]!, this.markNsec[e]!);
          if (dt >= 0) {
            this.rttServer[e] = dt;
            next = HS_SYNACK;
            this.markSec[e] = sec; this.markNsec[e] = nsec;
          }
        }
      } else if (!fromSrc && sa === (TCP_SYN | TCP_ACK)) {
        next = HS_SYNACK; // retransmitted SYN/ACK
        this.markSec[e] = sec; this.markNsec[e] = nsec;
      } else if (fromSrc && sa === TCP_ACK) {
        const dt = elapsedNs(sec, nsec, this.markSec[e]!, this.markNsec[e]!);
        if (dt >= 0) this.rttClient[e] = dt;
      }
      if (next === HS_DONE && hs === HS_SYN) this.rttServer[e] = NO_RTT; // not a clean handshake
      st = (st & ~HS_MASK) | next;
    }
    if ((flags & TCP_FIN) !== 0) st |= fromA ? ST_FIN_A : ST_FIN_B;
    this.state[e] = st;
    if ((flags & TCP_RST) !== 0 || (st & (ST_FIN_A | ST_FIN_B)) === (ST_FIN_A | ST_FIN_B)) this.beginEnding(e);
  }

  private beginEnding(e: number): void {
    const st = this.state[e]!;
    if ((st & ST_ENDING) !== 0) return;
    this.listRemove(LIST_ACTIVE, e);
    this.state[e] = (st & ~HS_MASK) | HS_DONE | ST_ENDING;
    this.markSec[e] = this.clockSec;
    this.markNsec[e] = this.clockNsec;
    this.listAppend(LIST_ENDING, e);
  }

  // ── fragments ──────────────────────────────────────────────────────────────────────────────

  /**
   * Looks the fragment's train up. Returns the entry whose ports the packet takes, or -1 when the
   * packet (a non-first fragment ahead of its first) was held in the entry.
   */
  private fragment(view: PacketView, proto: number, ver: number, portsWord: number, icmpWord: number): number {
    const p = this.fragProbe;
    p[0] = view.interfaceIndex;
    p[K_META] = ((view.vlanOuter & 0xfff) << 20) | ((view.vlanInner & 0xfff) << 8) | (proto & 0xff);
    p[K_TUN] = ((view.tunnelType & 0xff) << 8) | ver;
    p[3] = view.tunnelId;
    p[4] = view.src0; p[5] = view.src1; p[6] = view.src2; p[7] = view.src3;
    p[8] = view.dst0; p[9] = view.dst1; p[10] = view.dst2; p[11] = view.dst3;
    p[12] = view.fragId;
    const h = hashWords(p, FRAG_KEY_WORDS, HASH_SEED_FRAG);
    const ft = this.frag;
    let f = ft.find(h, p);
    if (view.fragOffset === 0) {
      if (f < 0) f = this.fragInsert(h);
      ft.ports[f] = portsWord >>> 0;
      ft.icmp[f] = icmpWord;
      ft.hasFirst[f] = 1;
      return f;
    }
    if (f >= 0 && ft.hasFirst[f] === 1) return f;
    if (f < 0) f = this.fragInsert(h);
    ft.addPending(f, view.ipLength, view.tsSec, view.tsNsec, view.tsDigits);
    return -1;
  }

  private fragInsert(h: number): number {
    const ft = this.frag;
    if (ft.size === ft.capacity) {
      const old = ft.head;
      if (elapsedNs(this.clockSec, this.clockNsec, ft.createdSec[old]!, ft.createdNsec[old]!) < this.fragTimeoutNs) {
        this.fragOverflows++;
      }
      this.expireFragment();
    }
    return ft.insert(h, this.fragProbe, this.clockSec, this.clockNsec);
  }

  /** Drops the oldest fragment entry; fragments still pending go to a flow with ports 0. */
  private expireFragment(): void {
    const ft = this.frag;
    const f = ft.head;
    const pending = ft.pendPackets[f]!;
    if (pending > 0) {
      this.fragOrphans += pending;
      const k = f * FRAG_KEY_WORDS;
      const p = this.probe;
      for (let i = 0; i < 12; i++) p[i] = ft.keys[k + i]!;
      const fromA = this.canonicalize(0, 0);
      const h = hashWords(p, KEY_WORDS, HASH_SEED_FLOW);
      let e = this.index.find(h, this.keys, p);
      const fs = ft.pendFirstSec[f]!;
      const fn = ft.pendFirstNsec[f]!;
      if (e < 0) {
        e = this.allocate(h);
        this.initFlow(e, fromA, (p[K_META]! & 0xff), 0, fs, fn, null, 0);
      } else if ((this.state[e]! & ST_ENDING) === 0) {
        this.moveToTail(e);
      }
      this.touchSec[e] = this.clockSec;
      this.touchNsec[e] = this.clockNsec;
      this.account(e, fromA, pending, ft.pendBytes[f]!, 0, fs, fn, ft.pendLastSec[f]!, ft.pendLastNsec[f]!,
        ft.digits[f]!, pending);
    }
    ft.removeOldest();
  }

  // ── lists and removal ──────────────────────────────────────────────────────────────────────

  private listAppend(list: number, e: number): void {
    const t = this.tailOf[list]!;
    this.prev[e] = t;
    this.next[e] = -1;
    if (t >= 0) this.next[t] = e;
    else this.headOf[list] = e;
    this.tailOf[list] = e;
  }

  private listRemove(list: number, e: number): void {
    const p = this.prev[e]!;
    const n = this.next[e]!;
    if (p >= 0) this.next[p] = n;
    else this.headOf[list] = n;
    if (n >= 0) this.prev[n] = p;
    else this.tailOf[list] = p;
  }

  private moveToTail(e: number): void {
    if (this.tailOf[LIST_ACTIVE] === e) return;
    this.listRemove(LIST_ACTIVE, e);
    this.listAppend(LIST_ACTIVE, e);
  }

  /** Emits flow e and frees its slot. */
  private expire(e: number, reason: FlowEndReason): void {
    this.emit(e, reason);
    this.listRemove((this.state[e]! & ST_ENDING) !== 0 ? LIST_ENDING : LIST_ACTIVE, e);
    this.index.remove(this.hash[e]!, e);
    this.state[e] = 0;
    this.next[e] = this.freeHead;
    this.freeHead = e;
    this.live--;
  }

  // ── record boundary ────────────────────────────────────────────────────────────────────────

  private emit(e: number, reason: FlowEndReason): void {
    this.recordsByReason[reason]! += 1;
    this.onRecord(this.buildRecord(e, reason));
  }

  private buildRecord(e: number, reason: FlowEndReason): FlowRecord {
    const keys = this.keys;
    const k = e * KEY_WORDS;
    const meta = keys[k + K_META]!;
    const tun = keys[k + K_TUN]!;
    const proto = meta & 0xff;
    const ver = (tun & 0xff) === 6 ? 6 : 4;
    const tunnelType = tun >>> 8;
    const st = this.state[e]!;
    const aSrc = (st & ST_A_IS_SRC) !== 0;
    const so = k + (aSrc ? K_A : K_B);
    const dof = k + (aSrc ? K_B : K_A);
    const s0 = keys[so]!, s1 = keys[so + 1]!, s2 = keys[so + 2]!, s3 = keys[so + 3]!;
    const d0 = keys[dof]!, d1 = keys[dof + 1]!, d2 = keys[dof + 2]!, d3 = keys[dof + 3]!;
    const ports = keys[k + K_PORTS]!;
    const portA = ports >>> 16;
    const portB = ports & 0xffff;
    const hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
    const isIcmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
    const sPort = hasPorts ? (aSrc ? portA : portB) : 0;
    const dPort = hasPorts ? (aSrc ? portB : portA) : 0;
    const icmpType = isIcmp ? this.icmp[2 * e]! : -1;
    const icmpCode = isIcmp ? this.icmp[2 * e + 1]! : -1;
    const sd = 2 * e + (aSrc ? 0 : 1);
    const dd = 2 * e + (aSrc ? 1 : 0);
    const rs = this.rttServer[e]!;
    const rc = this.rttClient[e]!;
    let sourceMac: string | undefined;
    let destinationMac: string | undefined;
    if ((st & ST_HAS_MAC) !== 0) {
      sourceMac = this.formatMac(12 * e + (aSrc ? 0 : 6));
      destinationMac = this.formatMac(12 * e + (aSrc ? 6 : 0));
    }
    let tunnel: TunnelInfo | undefined;
    if (tunnelType !== TunnelType.NONE) {
      const ov = this.outerMeta[2 * e]!;
      const os = 8 * e + (aSrc ? 0 : 4);
      const od = 8 * e + (aSrc ? 4 : 0);
      const oa = this.outerAddr;
      tunnel = {
        type: TUNNEL_TYPE_NAMES[tunnelType] ?? String(tunnelType),
        id: keys[k + 3]!,
        outerIpVersion: ov,
        outerSourceIp: ov === 0 ? '' : formatIp(ov, oa[os]!, oa[os + 1]!, oa[os + 2]!, oa[os + 3]!),
        outerDestinationIp: ov === 0 ? '' : formatIp(ov, oa[od]!, oa[od + 1]!, oa[od + 2]!, oa[od + 3]!),
        outerIpProto: this.outerMeta[2 * e + 1]!,
      };
    }
    return {
      kind: 'flow',
      observationPoint: keys[k]!,
      startSec: this.firstSec[e]!,
      startNsec: this.firstNsec[e]!,
      endSec: this.lastSec[e]!,
      endNsec: this.lastNsec[e]!,
      tsDigits: this.digits[e]!,
      endReason: reason,
      ipVersion: ver,
      ipProto: proto,
      sourceIp: formatIp(ver, s0, s1, s2, s3),
      destinationIp: formatIp(ver, d0, d1, d2, d3),
      sourcePort: sPort,
      destinationPort: dPort,
      icmpType,
      icmpCode,
      sourcePackets: this.packets[sd]!,
      sourceBytes: this.octets[sd]!,
      destinationPackets: this.packets[dd]!,
      destinationBytes: this.octets[dd]!,
      sourceTcpFlags: this.tcpFlags[sd]!,
      destinationTcpFlags: this.tcpFlags[dd]!,
      communityId: communityIdFromWords(ver, proto, s0, s1, s2, s3, d0, d1, d2, d3,
        isIcmp ? icmpType : sPort, isIcmp ? icmpCode : dPort, this.seed, true),
      vlanOuter: meta >>> 20,
      vlanInner: (meta >>> 8) & 0xfff,
      sourceMac,
      destinationMac,
      rttServerNs: rs,
      rttClientNs: rc,
      rttNs: rs >= 0 && rc >= 0 ? rs + rc : NO_RTT,
      fragments: this.frags[e]!,
      tunnel,
    };
  }

  private formatMac(off: number): string {
    const m = this.mac;
    return `${hex2(m[off]!)}:${hex2(m[off + 1]!)}:${hex2(m[off + 2]!)}:${hex2(m[off + 3]!)}:${hex2(m[off + 4]!)}:${hex2(m[off + 5]!)}`;
  }
}
