/**
 * The flow meter: RFC 5103 biflows in an open-addressing table over typed arrays.
 *
 * Key (13 uint32 words, canonical order of the two endpoints so both directions hash alike):
 *
 *   word │ 0      │ 1                          │ 2                     │ 3        │ 4–7    │ 8–11   │ 12
 *        │ iface  │ vlanO:12 vlanI:12 proto:8  │ tunnelType:8 ipVer:8  │ tunnelId │ addr A │ addr B │ portA:16 portB:16
 *
 * "A" is the endpoint with the smaller (address, port); `ST_A_IS_SRC` remembers whether A is the
 * initiator (RFC 5103 source). Per-direction fields come in pairs: A, then B.
 *
 * Store layout. A packet of a known flow touches one index line, the flow's hot block and its
 * list links, so the fields it reads and writes sit together (array of structs) instead of in one
 * typed array each (one cache miss each once the table outgrows the caches):
 *
 *   hot   128 B = 2 cache lines per flow, three views over one buffer (u32, f64, u8):
 *         key 13 words │ state, digits, tcp flags A, B (bytes) │ first/last/touch nsec │ fragments
 *         │ first/last/touch sec (f64) │ packets A, B │ octets A, B
 *   links   8 B  prev, next (Int32Array pairs): apart from the hot blocks because moving a flow to
 *                the LRU tail also writes its two neighbours' links, and 8 links share a cache line
 *   warm   32 B  handshake/ending mark time, RTTs, key hash — TCP setup and teardown, expiry
 *   cold   64 B  MACs, ICMP type/code, tunnel outer version/protocol/addresses, application
 *                protocol, generation — flow start, dissectors, record
 *
 * Each live flow is on exactly one intrusive doubly linked list (the links):
 *   ACTIVE  — ordered by last-seen clock (LRU at the head): idle expiry and eviction pop the head;
 *   ENDING  — TCP flows after FIN both ways or RST, ordered by when they began ending: linger expiry.
 *
 * Time is packet time. `clock` is the largest timestamp seen (captures can step backwards); idle
 * and linger are measured on the clock, the active timeout on the packet's own time, so a single
 * bogus timestamp cannot split every later packet into its own flow.
 *
 * Memory per flow slot: 128 + 8 + 32 + 64 + 16 (two 8-byte index slots) = 248 B
 * → 1,048,576 flows ≈ 248 MiB (plus ~9 MiB for the 65,536-entry fragment table).
 */
import { formatIp } from '../core/index.js';
import {
  APP_PROTOCOL_NAMES, AppProtocol, FlowEndReason, FLOW_END_REASON_NAMES, TunnelType, TUNNEL_TYPE_NAMES,
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

// Hot block: 32 words per flow (e << HOT_SHIFT words, e << 4 doubles, e << 7 bytes). The key is
// words 0–12, so the index compares keys in place.
const HOT_SHIFT = 5;
const H_STATE = 52; // byte: ST_* bits and the handshake stage
const H_DIGITS = 53; // byte: sub-second digits to print
const H_FLAGS = 54; // bytes 54, 55: OR of the TCP flags sent by A, by B
const H_FIRST_NSEC = 14; // words
const H_LAST_NSEC = 15;
const H_TOUCH_NSEC = 16;
const H_FRAGS = 17;
const H_FIRST_SEC = 9; // doubles
const H_LAST_SEC = 10;
/** Clock when the flow last got a packet (ACTIVE list order, idle expiry). */
const H_TOUCH_SEC = 11;
const H_PACKETS = 12; // doubles 12, 13: packets sent by A, by B
const H_OCTETS = 14; // doubles 14, 15: octets sent by A, by B

// Warm block: 8 words per flow (e << 3 words, e << 2 doubles).
const WARM_SHIFT = 3;
/** Handshake: time of the SYN or SYN/ACK; ending: clock when it began ending. */
const W_MARK_SEC = 0; // double
const W_RTT_SERVER = 1; // double
const W_RTT_CLIENT = 2; // double
const W_MARK_NSEC = 6; // word
const W_HASH = 7; // word: the key hash (index removal, rebuild on growth)

// Cold block: 64 bytes per flow (16 words).
const COLD_BYTES = 64;
const COLD_WORDS = 16;
const C_MAC = 0; // bytes 0–5: MAC of side A, 6–11: of side B (from the first packet)
const C_ICMP_TYPE = 12; // byte, of the first packet
const C_ICMP_CODE = 13;
const C_OUTER_VERSION = 14; // byte, 0 when not tunnelled
const C_OUTER_PROTO = 15;
const C_OUTER_ADDR = 4; // words 4–7: outer address of side A, 8–11: of side B
const C_APP_PROTOCOL = 48; // byte: AppProtocol the dissectors recognised, 0 = none yet
const C_GENERATION = 13; // word: flowsCreated when the flow began (tells reuses of a slot apart)
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

/** Character codes of the lowercase hex digits, and of ':'. */
const HEX_DIGIT = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const COLON = 0x3a;

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

  // ── store (layout in the file comment) ──────────────────────────────────────────────────
  private cap: number;
  private hwm = 0;
  private freeHead = -1;
  private live = 0;
  private index: KeyIndex;
  private hotU32: Uint32Array;
  private hotF64: Float64Array;
  private hotU8: Uint8Array;
  /** [2e] prev, [2e + 1] next on the flow's list (also the free list, through next). */
  private links: Int32Array;
  private warmU32: Uint32Array;
  private warmF64: Float64Array;
  private coldU32: Uint32Array;
  private coldU8: Uint8Array;

  private readonly headOf = new Int32Array([-1, -1]);
  private readonly tailOf = new Int32Array([-1, -1]);
  private readonly probe = new Uint32Array(KEY_WORDS);
  private readonly fragProbe = new Uint32Array(FRAG_KEY_WORDS);
  private readonly frag: FragmentTable;

  /** Sink for the loads of the prefetch methods (so that the compiler keeps them). */
  private touched = 0;

  private clockSec = -Infinity;
  private clockNsec = 0;

  // ── counters ───────────────────────────────────────────────────────────────────────────────
  private readonly recordsByReason = new Float64Array(6);
  private flowsCreated = 0;
  /** The flow of the packet observe counted last (-1: none), and whether side A sent it. */
  private lastFlow = -1;
  private lastFromA = false;
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
    this.index = new KeyIndex(slotsFor(n), KEY_WORDS, 1 << HOT_SHIFT);
    const hot = new ArrayBuffer(n << (HOT_SHIFT + 2));
    this.hotU32 = new Uint32Array(hot);
    this.hotF64 = new Float64Array(hot);
    this.hotU8 = new Uint8Array(hot);
    this.links = new Int32Array(2 * n);
    const warm = new ArrayBuffer(n << (WARM_SHIFT + 2));
    this.warmU32 = new Uint32Array(warm);
    this.warmF64 = new Float64Array(warm);
    const cold = new ArrayBuffer(n * COLD_BYTES);
    this.coldU32 = new Uint32Array(cold);
    this.coldU8 = new Uint8Array(cold);
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
    return this.index.byteLength + this.hotU8.byteLength + this.links.byteLength + this.warmU32.byteLength +
      this.coldU8.byteLength;
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

  /**
   * Counts one decoded packet into its flow. Views without IP are counted and ignored.
   * @param hash `flowHash(view)` when the caller has it already (saves hashing the key twice).
   */
  observe(view: PacketView, hash = -1): void {
    this.lastFlow = -1;
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
    const ports = keyPorts(view, proto);
    let sp = ports >>> 16;
    let dp = ports & 0xffff;
    let icmpWord = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6
      ? ((view.icmpType & 0xff) << 8) | (view.icmpCode & 0xff) : 0;
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

    const fromA = this.keyOf(view, proto, ver, sp, dp);
    if (hash < 0 || isFrag !== 0) hash = hashWords(this.probe, KEY_WORDS, HASH_SEED_FLOW);
    const e = this.locate(view, hash, fromA, proto, flags, sec, nsec, icmpWord);
    this.lastFlow = e;
    this.lastFromA = fromA;
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

  // ── for the dissectors ─────────────────────────────────────────────────────────────────────

  /**
   * Called with (slot, generation) when a flow ends for good (idle, TCP end, eviction; not an
   * active-timeout record, after which the flow goes on; not flushAll, whose caller knows), before
   * the slot can be reused: state kept per slot elsewhere can be finished then.
   */
  onFlowEnd: ((slot: number, generation: number) => void) | null = null;

  private ended(e: number): void {
    this.onFlowEnd?.(e, this.coldU32[e * COLD_WORDS + C_GENERATION]!);
  }

  /** The flow slot of the packet `observe` counted last, or -1 (not IP, or a fragment held back). */
  get lastObservedFlow(): number {
    return this.lastFlow;
  }

  /** Whether the packet `observe` counted last was sent by its flow's initiator (RFC 5103 source). */
  get lastFromSource(): boolean {
    const e = this.lastFlow;
    return e >= 0 && this.lastFromA === ((this.hotU8[(e << 7) + H_STATE]! & ST_A_IS_SRC) !== 0);
  }

  /** A number that tells the flows that used slot e apart (state kept per slot checks it). */
  generationOf(e: number): number {
    return this.coldU32[e * COLD_WORDS + C_GENERATION]!;
  }

  appProtocolOf(e: number): AppProtocol {
    return this.coldU8[e * COLD_BYTES + C_APP_PROTOCOL]! as AppProtocol;
  }

  /** Marks flow e as carrying `protocol` (its record's network.protocol). */
  setAppProtocol(e: number, protocol: AppProtocol): void {
    this.coldU8[e * COLD_BYTES + C_APP_PROTOCOL] = protocol;
  }

  // ── lookahead ──────────────────────────────────────────────────────────────────────────────
  //
  // Once the table outgrows the CPU caches, a packet's lookup waits on dependent cache misses
  // (its index line, then its flow's hot block and links, then the links of its LRU neighbours),
  // ~100 ns each, and little else overlaps them. A caller holding a batch of decoded packets can
  // start those loads for the whole batch first, one level at a time:
  //   for each: h[i] = flowHash(view[i]);   for each: prefetchIndex(h[i]);
  //   for each: prefetchFlow(h[i]);         for each: prefetchNeighbours(h[i]);
  //   then observe them in order.
  // The loads of one pass do not depend on each other, so the CPU overlaps them. These methods
  // only read (they change no flow state), so observing gives the same results with or without them.

  /** The index hash of the packet's flow, or -1 when observe would not look one up directly. */
  flowHash(view: PacketView): number {
    const ver = view.ipVersion;
    if ((ver !== 4 && ver !== 6) || view.isFragment) return -1;
    const proto = view.ipProto;
    const ports = keyPorts(view, proto);
    this.keyOf(view, proto, ver, ports >>> 16, ports & 0xffff);
    return hashWords(this.probe, KEY_WORDS, HASH_SEED_FLOW);
  }

  /** Starts loading the index slot of a flowHash. */
  prefetchIndex(hash: number): void {
    this.touched ^= this.index.slots[2 * (hash & this.index.mask)]!;
  }

  /** Starts loading the hot block and links of the flows whose hash is `hash` (after prefetchIndex). */
  prefetchFlow(hash: number): void {
    const slots = this.index.slots;
    const mask = this.index.mask;
    const h = hash | 0;
    let touched = this.touched;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[2 * i]!;
      if (s === 0) break;
      if (slots[2 * i + 1] === h) {
        const w = (s - 1) << HOT_SHIFT;
        touched ^= this.hotU32[w]! ^ this.hotU32[w + 16]! ^ this.links[2 * (s - 1)]!;
      }
    }
    this.touched = touched;
  }

  /** Starts loading the links of the list neighbours of those flows (after prefetchFlow). */
  prefetchNeighbours(hash: number): void {
    const slots = this.index.slots;
    const mask = this.index.mask;
    const links = this.links;
    const h = hash | 0;
    let touched = this.touched;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[2 * i]!;
      if (s === 0) break;
      if (slots[2 * i + 1] === h) {
        const prev = links[2 * (s - 1)]!;
        const next = links[2 * (s - 1) + 1]!;
        if (prev >= 0) touched ^= links[2 * prev + 1]!;
        if (next >= 0) touched ^= links[2 * next]!;
      }
    }
    this.touched = touched;
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
    while (e >= 0 && this.idleFor(e, cs, cn) >= this.idleNs) {
      this.expire(e, FlowEndReason.IDLE_TIMEOUT);
      e = this.headOf[LIST_ACTIVE]!;
    }
    e = this.headOf[LIST_ENDING]!;
    while (e >= 0 && this.endingFor(e, cs, cn) >= this.lingerNs) {
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
    const order = this.firstSeenOrder();
    for (let i = 0; i < order.length; i++) this.emit(order[i]!, reason);
    this.index.clear();
    for (let e = 0; e < this.hwm; e++) this.hotU8[(e << 7) + H_STATE] = 0;
    this.headOf.fill(-1);
    this.tailOf.fill(-1);
    this.hwm = 0;
    this.freeHead = -1;
    this.live = 0;
  }

  /** Live flows ordered by first-seen time, ties by slot. */
  private firstSeenOrder(): Int32Array {
    const f64 = this.hotF64;
    const u32 = this.hotU32;
    // In slot order first: the sorts below are stable, so ties stay in slot order.
    let order = new Int32Array(this.live);
    let n = 0;
    let minSec = Infinity;
    let maxSec = -Infinity;
    let integral = true;
    for (let e = 0; e < this.hwm; e++) {
      if ((this.hotU8[(e << 7) + H_STATE]! & ST_LIVE) === 0) continue;
      order[n++] = e;
      const sec = f64[(e << 4) + H_FIRST_SEC]!;
      if (sec < minSec) minSec = sec;
      if (sec > maxSec) maxSec = sec;
      if (!Number.isInteger(sec)) integral = false;
    }
    if (n < 2) return order;
    if (!integral || maxSec - minSec >= 2 ** 32) {
      // Not whole seconds in a 136-year span: compare (never happens with capture timestamps).
      return order.sort((a, b) => (f64[(a << 4) + H_FIRST_SEC]! - f64[(b << 4) + H_FIRST_SEC]!) ||
        (u32[(a << HOT_SHIFT) + H_FIRST_NSEC]! - u32[(b << HOT_SHIFT) + H_FIRST_NSEC]!) || (a - b));
    }
    // LSD radix sort on (second − minSec, nanoseconds): four stable passes of 16 bits, least
    // significant first, over keys copied out of the flow blocks (which lie scattered over
    // memory). At the end of a capture this orders ~10^5–10^6 flows, where a comparison sort
    // calling back into JS costs a good fraction of a second.
    const keys = [new Uint32Array(n), new Uint32Array(n)]; // [0] nanoseconds, [1] seconds − minSec
    for (let i = 0; i < n; i++) {
      const e = order[i]!;
      keys[0]![i] = u32[(e << HOT_SHIFT) + H_FIRST_NSEC]!;
      keys[1]![i] = f64[(e << 4) + H_FIRST_SEC]! - minSec;
    }
    let rank = Int32Array.from({ length: n }, (_, i) => i);
    let spare = new Int32Array(n);
    const counts = new Int32Array(65537);
    for (let pass = 0; pass < 4; pass++) {
      const key = keys[pass >> 1]!;
      const shift = (pass & 1) * 16;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[((key[i]! >>> shift) & 0xffff) + 1]!++;
      if (counts[((key[0]! >>> shift) & 0xffff) + 1] === n) continue; // one digit value: order unchanged
      for (let d = 1; d <= 65536; d++) counts[d]! += counts[d - 1]!;
      for (let i = 0; i < n; i++) {
        const r = rank[i]!;
        spare[counts[(key[r]! >>> shift) & 0xffff]!++] = r;
      }
      const t = rank;
      rank = spare;
      spare = t;
    }
    for (let i = 0; i < n; i++) spare[i] = order[rank[i]!]!;
    return spare;
  }

  // ── key and lookup ─────────────────────────────────────────────────────────────────────────

  /** Builds the flow key of the packet in `probe` (canonical order); returns whether the sender is A. */
  private keyOf(view: PacketView, proto: number, ver: number, sp: number, dp: number): boolean {
    putEndpointWords(this.probe, view, proto, ver);
    return this.canonicalize(sp, dp);
  }

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
  private locate(view: PacketView, h: number, fromA: boolean, proto: number, flags: number, sec: number, nsec: number,
    icmpWord: number): number {
    let e = this.index.find(h, this.hotU32, this.probe);
    const cs = this.clockSec;
    const cn = this.clockNsec;
    if (e < 0) {
      e = this.allocate(h);
      this.initFlow(e, fromA, proto, flags, sec, nsec, view, icmpWord);
    } else if ((this.hotU8[(e << 7) + H_STATE]! & ST_ENDING) !== 0) {
      const newSyn = proto === IPPROTO_TCP && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
      if (newSyn || this.endingFor(e, cs, cn) >= this.lingerNs) {
        this.emit(e, FlowEndReason.END_OF_FLOW);
        this.ended(e);
        this.listRemove(LIST_ENDING, e);
        this.listAppend(LIST_ACTIVE, e);
        this.initFlow(e, fromA, proto, flags, sec, nsec, view, icmpWord);
      }
    } else if (this.idleFor(e, cs, cn) >= this.idleNs) {
      this.emit(e, FlowEndReason.IDLE_TIMEOUT);
      this.ended(e);
      this.initFlow(e, fromA, proto, flags, sec, nsec, view, icmpWord);
      this.moveToTail(e);
    } else {
      if (elapsedNs(sec, nsec, this.hotF64[(e << 4) + H_FIRST_SEC]!, this.hotU32[(e << HOT_SHIFT) + H_FIRST_NSEC]!) >= this.activeNs) {
        this.emit(e, FlowEndReason.ACTIVE_TIMEOUT);
        this.restartCounters(e, sec, nsec);
      }
      this.moveToTail(e);
    }
    this.hotF64[(e << 4) + H_TOUCH_SEC] = cs;
    this.hotU32[(e << HOT_SHIFT) + H_TOUCH_NSEC] = cn;
    return e;
  }

  /** Nanoseconds from flow e's last packet (on the clock) to (cs, cn). */
  private idleFor(e: number, cs: number, cn: number): number {
    return elapsedNs(cs, cn, this.hotF64[(e << 4) + H_TOUCH_SEC]!, this.hotU32[(e << HOT_SHIFT) + H_TOUCH_NSEC]!);
  }

  /** Nanoseconds from when the ENDING flow e began ending to (cs, cn). */
  private endingFor(e: number, cs: number, cn: number): number {
    return elapsedNs(cs, cn, this.warmF64[(e << 2) + W_MARK_SEC]!, this.warmU32[(e << WARM_SHIFT) + W_MARK_NSEC]!);
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
      this.freeHead = this.links[2 * e + 1]!;
    } else {
      e = this.hwm++;
    }
    this.hotU32.set(this.probe, e << HOT_SHIFT);
    this.warmU32[(e << WARM_SHIFT) + W_HASH] = h;
    this.index.insert(h, e);
    this.hotU8[(e << 7) + H_STATE] = ST_LIVE;
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
    if (a >= 0 && this.idleFor(a, cs, cn) >= this.idleNs) {
      this.expire(a, FlowEndReason.IDLE_TIMEOUT);
    } else if (z >= 0 && this.endingFor(z, cs, cn) >= this.lingerNs) {
      this.expire(z, FlowEndReason.END_OF_FLOW);
    } else {
      let victim = a;
      if (a < 0 || (z >= 0 && this.idleFor(z, this.hotF64[(a << 4) + H_TOUCH_SEC]!, this.hotU32[(a << HOT_SHIFT) + H_TOUCH_NSEC]!) > 0)) {
        victim = z;
      }
      this.evictionsFull++;
      this.expire(victim, FlowEndReason.LACK_OF_RESOURCES);
    }
  }

  /** Doubles the store (up to maxFlows) and rebuilds the index. */
  private grow(): void {
    const n = Math.min(this.cap * 2, this.config.maxFlows);
    const hot = new ArrayBuffer(n << (HOT_SHIFT + 2));
    new Uint8Array(hot).set(this.hotU8);
    this.hotU32 = new Uint32Array(hot);
    this.hotF64 = new Float64Array(hot);
    this.hotU8 = new Uint8Array(hot);
    const links = new Int32Array(2 * n);
    links.set(this.links);
    this.links = links;
    const warm = new ArrayBuffer(n << (WARM_SHIFT + 2));
    new Uint32Array(warm).set(this.warmU32);
    this.warmU32 = new Uint32Array(warm);
    this.warmF64 = new Float64Array(warm);
    const cold = new ArrayBuffer(n * COLD_BYTES);
    new Uint8Array(cold).set(this.coldU8);
    this.coldU32 = new Uint32Array(cold);
    this.coldU8 = new Uint8Array(cold);
    this.cap = n;
    const index = new KeyIndex(slotsFor(n), KEY_WORDS, 1 << HOT_SHIFT);
    for (let e = 0; e < this.hwm; e++) {
      if ((this.hotU8[(e << 7) + H_STATE]! & ST_LIVE) !== 0) index.insert(this.warmU32[(e << WARM_SHIFT) + W_HASH]!, e);
    }
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
    this.clearCounters(e, sec, nsec);
    const x = e << 2;
    this.warmF64[x + W_MARK_SEC] = sec; this.warmU32[(e << WARM_SHIFT) + W_MARK_NSEC] = nsec;
    this.warmF64[x + W_RTT_SERVER] = NO_RTT; this.warmF64[x + W_RTT_CLIENT] = NO_RTT;
    const cb = e * COLD_BYTES;
    const c8 = this.coldU8;
    c8[cb + C_ICMP_TYPE] = icmpWord >>> 8; c8[cb + C_ICMP_CODE] = icmpWord & 0xff;
    // The first packet's sender side gets its source MAC and outer source address.
    if (view !== null && view.ethOffset >= 0 && view.ethOffset + 12 <= view.bytes.length) {
      const m = cb + C_MAC;
      const sOff = fromA ? 0 : 6;
      const rOff = 6 - sOff;
      const bytes = view.bytes;
      const eo = view.ethOffset;
      for (let i = 0; i < 6; i++) {
        c8[m + sOff + i] = bytes[eo + 6 + i]!;
        c8[m + rOff + i] = bytes[eo + i]!;
      }
      st |= ST_HAS_MAC;
    }
    if (view !== null && view.tunnelType !== TunnelType.NONE) {
      c8[cb + C_OUTER_VERSION] = view.outerIpVersion;
      c8[cb + C_OUTER_PROTO] = view.outerIpProto;
      const o = e * COLD_WORDS + C_OUTER_ADDR;
      const so = fromA ? o : o + 4;
      const ro = fromA ? o + 4 : o;
      const a = this.coldU32;
      a[so] = view.outerSrc0; a[so + 1] = view.outerSrc1; a[so + 2] = view.outerSrc2; a[so + 3] = view.outerSrc3;
      a[ro] = view.outerDst0; a[ro + 1] = view.outerDst1; a[ro + 2] = view.outerDst2; a[ro + 3] = view.outerDst3;
    } else {
      c8[cb + C_OUTER_VERSION] = 0;
      c8[cb + C_OUTER_PROTO] = 0;
    }
    this.hotU8[(e << 7) + H_STATE] = st;
    c8[cb + C_APP_PROTOCOL] = 0;
    this.coldU32[e * COLD_WORDS + C_GENERATION] = this.flowsCreated;
    this.flowsCreated++;
  }

  /** Zeroes a flow's counters, flags and fragment count and starts its time span at (sec, nsec). */
  private clearCounters(e: number, sec: number, nsec: number): void {
    const f64 = this.hotF64;
    const u32 = this.hotU32;
    const u8 = this.hotU8;
    const d = e << 4;
    const w = e << HOT_SHIFT;
    const b = e << 7;
    f64[d + H_PACKETS] = 0; f64[d + H_PACKETS + 1] = 0;
    f64[d + H_OCTETS] = 0; f64[d + H_OCTETS + 1] = 0;
    u8[b + H_FLAGS] = 0; u8[b + H_FLAGS + 1] = 0;
    f64[d + H_FIRST_SEC] = sec; u32[w + H_FIRST_NSEC] = nsec;
    f64[d + H_LAST_SEC] = sec; u32[w + H_LAST_NSEC] = nsec;
    u32[w + H_FRAGS] = 0;
    u8[b + H_DIGITS] = 0;
  }

  /** After an active timeout: the same flow continues in a new record (orientation, TCP state kept). */
  private restartCounters(e: number, sec: number, nsec: number): void {
    this.clearCounters(e, sec, nsec);
    this.warmF64[(e << 2) + W_RTT_SERVER] = NO_RTT; this.warmF64[(e << 2) + W_RTT_CLIENT] = NO_RTT;
    const b = e << 7;
    this.hotU8[b + H_STATE] = (this.hotU8[b + H_STATE]! & ~HS_MASK) | HS_DONE;
  }

  /** Adds n packets (len bytes) sent by side A (fromA) or B, seen between first and last. */
  private account(e: number, fromA: boolean, n: number, len: number, flags: number,
    fSec: number, fNsec: number, lSec: number, lNsec: number, digits: number, fragments: number): void {
    const f64 = this.hotF64;
    const u32 = this.hotU32;
    const u8 = this.hotU8;
    const side = fromA ? 0 : 1;
    const d = e << 4;
    const w = e << HOT_SHIFT;
    const b = e << 7;
    f64[d + H_PACKETS + side]! += n;
    f64[d + H_OCTETS + side]! += len;
    u8[b + H_FLAGS + side]! |= flags;
    const fs = f64[d + H_FIRST_SEC]!;
    if (fSec < fs || (fSec === fs && fNsec < u32[w + H_FIRST_NSEC]!)) {
      f64[d + H_FIRST_SEC] = fSec;
      u32[w + H_FIRST_NSEC] = fNsec;
    }
    const ls = f64[d + H_LAST_SEC]!;
    if (lSec > ls || (lSec === ls && lNsec > u32[w + H_LAST_NSEC]!)) {
      f64[d + H_LAST_SEC] = lSec;
      u32[w + H_LAST_NSEC] = lNsec;
    }
    if (digits > u8[b + H_DIGITS]!) u8[b + H_DIGITS] = digits;
    if (fragments !== 0) u32[w + H_FRAGS]! += fragments;
  }

  /** Handshake RTT (clean order only) and the TCP end: FIN both ways or RST. */
  private tcpTrack(e: number, fromA: boolean, flags: number, sec: number, nsec: number): void {
    const sb = (e << 7) + H_STATE;
    let st = this.hotU8[sb]!;
    const hs = st & HS_MASK;
    if (hs !== HS_DONE) {
      const x = e << 2;
      const xm = (e << WARM_SHIFT) + W_MARK_NSEC;
      const warm = this.warmF64;
      const fromSrc = fromA === ((st & ST_A_IS_SRC) !== 0);
      const sa = flags & (TCP_SYN | TCP_ACK | TCP_RST);
      let next = HS_DONE;
      if (hs === HS_FRESH) {
        if (sa === TCP_SYN) next = HS_SYN;
        else if (sa === (TCP_SYN | TCP_ACK)) next = HS_SYNACK;
        if (next !== HS_DONE) { warm[x + W_MARK_SEC] = sec; this.warmU32[xm] = nsec; }
      } else if (hs === HS_SYN) {
        if (fromSrc && sa === TCP_SYN) {
          next = HS_SYN; // retransmitted SYN: measure from the last one
          warm[x + W_MARK_SEC] = sec; this.warmU32[xm] = nsec;
        } else if (!fromSrc && sa === (TCP_SYN | TCP_ACK)) {
          const dt = elapsedNs(sec, nsec, warm[x + W_MARK_SEC]!, this.warmU32[xm]!);
          if (dt >= 0) {
            warm[x + W_RTT_SERVER] = dt;
            next = HS_SYNACK;
            warm[x + W_MARK_SEC] = sec; this.warmU32[xm] = nsec;
          }
        }
      } else if (!fromSrc && sa === (TCP_SYN | TCP_ACK)) {
        next = HS_SYNACK; // retransmitted SYN/ACK
        warm[x + W_MARK_SEC] = sec; this.warmU32[xm] = nsec;
      } else if (fromSrc && sa === TCP_ACK) {
        const dt = elapsedNs(sec, nsec, warm[x + W_MARK_SEC]!, this.warmU32[xm]!);
        if (dt >= 0) warm[x + W_RTT_CLIENT] = dt;
      }
      if (next === HS_DONE && hs === HS_SYN) warm[x + W_RTT_SERVER] = NO_RTT; // not a clean handshake
      st = (st & ~HS_MASK) | next;
    }
    if ((flags & TCP_FIN) !== 0) st |= fromA ? ST_FIN_A : ST_FIN_B;
    this.hotU8[sb] = st;
    if ((flags & TCP_RST) !== 0 || (st & (ST_FIN_A | ST_FIN_B)) === (ST_FIN_A | ST_FIN_B)) this.beginEnding(e);
  }

  private beginEnding(e: number): void {
    const sb = (e << 7) + H_STATE;
    const st = this.hotU8[sb]!;
    if ((st & ST_ENDING) !== 0) return;
    this.listRemove(LIST_ACTIVE, e);
    this.hotU8[sb] = (st & ~HS_MASK) | HS_DONE | ST_ENDING;
    this.warmF64[(e << 2) + W_MARK_SEC] = this.clockSec;
    this.warmU32[(e << WARM_SHIFT) + W_MARK_NSEC] = this.clockNsec;
    this.listAppend(LIST_ENDING, e);
  }

  // ── fragments ──────────────────────────────────────────────────────────────────────────────

  /**
   * Looks the fragment's train up. Returns the entry whose ports the packet takes, or -1 when the
   * packet (a non-first fragment ahead of its first) was held in the entry.
   */
  private fragment(view: PacketView, proto: number, ver: number, portsWord: number, icmpWord: number): number {
    const p = this.fragProbe;
    putEndpointWords(p, view, proto, ver);
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
      let e = this.index.find(h, this.hotU32, p);
      const fs = ft.pendFirstSec[f]!;
      const fn = ft.pendFirstNsec[f]!;
      if (e < 0) {
        e = this.allocate(h);
        this.initFlow(e, fromA, (p[K_META]! & 0xff), 0, fs, fn, null, 0);
      } else if ((this.hotU8[(e << 7) + H_STATE]! & ST_ENDING) === 0) {
        this.moveToTail(e);
      }
      this.hotF64[(e << 4) + H_TOUCH_SEC] = this.clockSec;
      this.hotU32[(e << HOT_SHIFT) + H_TOUCH_NSEC] = this.clockNsec;
      this.account(e, fromA, pending, ft.pendBytes[f]!, 0, fs, fn, ft.pendLastSec[f]!, ft.pendLastNsec[f]!,
        ft.digits[f]!, pending);
    }
    ft.removeOldest();
  }

  // ── lists and removal ──────────────────────────────────────────────────────────────────────

  private listAppend(list: number, e: number): void {
    const links = this.links;
    const t = this.tailOf[list]!;
    links[2 * e] = t;
    links[2 * e + 1] = -1;
    if (t >= 0) links[2 * t + 1] = e;
    else this.headOf[list] = e;
    this.tailOf[list] = e;
  }

  private listRemove(list: number, e: number): void {
    const links = this.links;
    const p = links[2 * e]!;
    const n = links[2 * e + 1]!;
    if (p >= 0) links[2 * p + 1] = n;
    else this.headOf[list] = n;
    if (n >= 0) links[2 * n] = p;
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
    this.ended(e);
    const sb = (e << 7) + H_STATE;
    this.listRemove((this.hotU8[sb]! & ST_ENDING) !== 0 ? LIST_ENDING : LIST_ACTIVE, e);
    this.index.remove(this.warmU32[(e << WARM_SHIFT) + W_HASH]!, e);
    this.hotU8[sb] = 0;
    this.links[2 * e + 1] = this.freeHead;
    this.freeHead = e;
    this.live--;
  }

  // ── record boundary ────────────────────────────────────────────────────────────────────────

  private emit(e: number, reason: FlowEndReason): void {
    this.recordsByReason[reason]! += 1;
    this.onRecord(this.buildRecord(e, reason));
  }

  private buildRecord(e: number, reason: FlowEndReason): FlowRecord {
    const keys = this.hotU32;
    const f64 = this.hotF64;
    const u8 = this.hotU8;
    const k = e << HOT_SHIFT;
    const d = e << 4;
    const b = e << 7;
    const meta = keys[k + K_META]!;
    const tun = keys[k + K_TUN]!;
    const proto = meta & 0xff;
    const ver = (tun & 0xff) === 6 ? 6 : 4;
    const tunnelType = tun >>> 8;
    const st = u8[b + H_STATE]!;
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
    const cb = e * COLD_BYTES;
    const icmpType = isIcmp ? this.coldU8[cb + C_ICMP_TYPE]! : -1;
    const icmpCode = isIcmp ? this.coldU8[cb + C_ICMP_CODE]! : -1;
    const sSide = aSrc ? 0 : 1;
    const dSide = 1 - sSide;
    const rs = this.warmF64[(e << 2) + W_RTT_SERVER]!;
    const rc = this.warmF64[(e << 2) + W_RTT_CLIENT]!;
    let sourceMac: string | undefined;
    let destinationMac: string | undefined;
    if ((st & ST_HAS_MAC) !== 0) {
      sourceMac = this.formatMac(cb + C_MAC + (aSrc ? 0 : 6));
      destinationMac = this.formatMac(cb + C_MAC + (aSrc ? 6 : 0));
    }
    let tunnel: TunnelInfo | undefined;
    if (tunnelType !== TunnelType.NONE) {
      const ov = this.coldU8[cb + C_OUTER_VERSION]!;
      const o = e * COLD_WORDS + C_OUTER_ADDR;
      const os = o + (aSrc ? 0 : 4);
      const od = o + (aSrc ? 4 : 0);
      const oa = this.coldU32;
      tunnel = {
        type: TUNNEL_TYPE_NAMES[tunnelType] ?? String(tunnelType),
        id: keys[k + 3]!,
        outerIpVersion: ov,
        outerSourceIp: ov === 0 ? '' : formatIp(ov, oa[os]!, oa[os + 1]!, oa[os + 2]!, oa[os + 3]!),
        outerDestinationIp: ov === 0 ? '' : formatIp(ov, oa[od]!, oa[od + 1]!, oa[od + 2]!, oa[od + 3]!),
        outerIpProto: this.coldU8[cb + C_OUTER_PROTO]!,
      };
    }
    return {
      kind: 'flow',
      observationPoint: keys[k]!,
      startSec: f64[d + H_FIRST_SEC]!,
      startNsec: keys[k + H_FIRST_NSEC]!,
      endSec: f64[d + H_LAST_SEC]!,
      endNsec: keys[k + H_LAST_NSEC]!,
      tsDigits: u8[b + H_DIGITS]!,
      endReason: reason,
      ipVersion: ver,
      ipProto: proto,
      sourceIp: formatIp(ver, s0, s1, s2, s3),
      destinationIp: formatIp(ver, d0, d1, d2, d3),
      sourcePort: sPort,
      destinationPort: dPort,
      icmpType,
      icmpCode,
      sourcePackets: f64[d + H_PACKETS + sSide]!,
      sourceBytes: f64[d + H_OCTETS + sSide]!,
      destinationPackets: f64[d + H_PACKETS + dSide]!,
      destinationBytes: f64[d + H_OCTETS + dSide]!,
      sourceTcpFlags: u8[b + H_FLAGS + sSide]!,
      destinationTcpFlags: u8[b + H_FLAGS + dSide]!,
      communityId: communityIdFromWords(ver, proto, s0, s1, s2, s3, d0, d1, d2, d3,
        isIcmp ? icmpType : sPort, isIcmp ? icmpCode : dPort, this.seed, true),
      vlanOuter: meta >>> 20,
      vlanInner: (meta >>> 8) & 0xfff,
      sourceMac,
      destinationMac,
      rttServerNs: rs,
      rttClientNs: rc,
      rttNs: rs >= 0 && rc >= 0 ? rs + rc : NO_RTT,
      fragments: keys[k + H_FRAGS]!,
      tunnel,
      // Always set (undefined when none), so that every record has the same shape.
      appProtocol: this.coldU8[cb + C_APP_PROTOCOL] !== 0
        ? APP_PROTOCOL_NAMES[this.coldU8[cb + C_APP_PROTOCOL] as AppProtocol] : undefined,
    };
  }

  /** `aa:bb:cc:dd:ee:ff`, built in one call (a template of six hex pairs makes a rope of 11 strings). */
  private formatMac(off: number): string {
    const m = this.coldU8;
    const a = m[off]!, b = m[off + 1]!, c = m[off + 2]!, d = m[off + 3]!, e = m[off + 4]!, f = m[off + 5]!;
    return String.fromCharCode(
      HEX_DIGIT[a >>> 4]!, HEX_DIGIT[a & 15]!, COLON, HEX_DIGIT[b >>> 4]!, HEX_DIGIT[b & 15]!, COLON,
      HEX_DIGIT[c >>> 4]!, HEX_DIGIT[c & 15]!, COLON, HEX_DIGIT[d >>> 4]!, HEX_DIGIT[d & 15]!, COLON,
      HEX_DIGIT[e >>> 4]!, HEX_DIGIT[e & 15]!, COLON, HEX_DIGIT[f >>> 4]!, HEX_DIGIT[f & 15]!);
  }
}

/**
 * Words 0–11 of a flow key (and of a fragment key, which has the same head): observation point,
 * VLANs + protocol, tunnel type + IP version, tunnel id, sender address, receiver address.
 */
function putEndpointWords(p: Uint32Array, view: PacketView, proto: number, ver: number): void {
  p[0] = view.interfaceIndex;
  p[K_META] = ((view.vlanOuter & 0xfff) << 20) | ((view.vlanInner & 0xfff) << 8) | (proto & 0xff);
  p[K_TUN] = ((view.tunnelType & 0xff) << 8) | ver;
  p[3] = view.tunnelId;
  p[4] = view.src0; p[5] = view.src1; p[6] = view.src2; p[7] = view.src3;
  p[8] = view.dst0; p[9] = view.dst1; p[10] = view.dst2; p[11] = view.dst3;
}

/**
 * The ports a packet's flow key uses, as (sender port << 16 | receiver port): TCP/UDP/SCTP ports;
 * for ICMP the Community ID mapping (type, counterpart), so request and reply share one biflow;
 * 0 otherwise. observe and flowHash both call it: the prefetched hash must be observe's hash.
 */
function keyPorts(view: PacketView, proto: number): number {
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
    return ((view.srcPort << 16) | view.dstPort) >>> 0;
  }
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    return ((view.icmpType << 16) | icmpPortEquivalent(proto, view.icmpType, view.icmpCode)) >>> 0;
  }
  return 0;
}
