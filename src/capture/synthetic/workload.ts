/**
 * Deterministic synthetic workload (used by `weft up`'s demo capture and by the benchmarks): writes a classic pcap (µs timestamps,
 * LINKTYPE_ETHERNET) with a realistic traffic mix and a sidecar `FILE.truth.json` holding the
 * generator's own counts (the ground truth a correctness test compares a flow meter against).
 *
 * Model
 *  1. A pool of at most `flows` concurrent flows. Each step either starts a new flow (while the pool
 *     is not full, with probability ½, so the pool ramps up over the first ~2×flows packets and
 *     refills as flows end) or picks an active flow with probability proportional to its rate
 *     weight (a Fenwick tree over the pool's slots) and lets it emit its next packet.
 *  2. The clock advances by an exponential gap per packet (mean 1/pps). Some flows sleep (TCP think time between keep-alive rounds,
 *     long-lived idle connections, UDP stream pauses, DNS retransmission after a lost answer):
 *     they leave the sampling tree and come back at their wake time (a binary heap), so idle gaps
 *     longer than a meter's idle timeout happen now and then.
 *  3. The file ends after exactly `packets` packets; flows still open are cut there, as in a real
 *     capture (the truth marks them `complete: false`).
 *
 * Packets are built in place in one large output buffer, written to the file in 8 MiB chunks.
 * All checksums are correct for the packet as sent on the wire, even when `snaplen` cuts the
 * captured bytes: IPv4 header, TCP, UDP (v4 and v6), ICMP and ICMPv6. Opaque payload bytes come
 * from a fixed pseudo-random pattern whose 16-bit word prefix sums are precomputed, so a payload
 * checksum costs O(1) instead of a pass over up to 1448 bytes.
 *
 * Frames shorter than the Ethernet minimum (60 bytes without FCS) are zero-padded, as a capture
 * taken off the wire shows them; the IP total length stays the real one. `--no-pad` turns that off.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { formatIp } from '../../core/ip.js';

// ── constants (IANA) ──────────────────────────────────────────────────────────────────────────
const ETHERTYPE_IPV4 = 0x0800; // IEEE 802 numbers
const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_ICMP = 1; // IANA protocol numbers
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const LINKTYPE_ETHERNET = 1; // tcpdump.org link-layer header types
const PCAP_MAGIC_USEC = 0xa1b2c3d4;

const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;

const ETH_LEN = 14;
const ETH_MIN_FRAME = 60; // 64 minus the 4-byte FCS a capture does not show
const TCP_MSS_V4 = 1448; // 1500 − 20 (IPv4) − 32 (TCP with the timestamps option)
const TCP_MSS_V6 = 1428; // 1500 − 40 (IPv6) − 32
const QUIC_MAX = 1250; // typical QUIC datagram payload (Chrome)

const OUT_CHUNK = 8 << 20;
const OUT_MARGIN = 4096; // a packet (headers + structured payload) never needs more than this

// ── PRNG: xoshiro128** seeded through splitmix32 (no Math.random anywhere) ─────────────────────
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const sm = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
  }
  /** Uniform uint32. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t; this.d = rotl(this.d, 11);
    return r;
  }
  /** Uniform in [0, 1). */
  float(): number { return this.u32() / 4294967296; }
  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.floor(this.float() * n); }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.float() < p; }
  exp(mean: number): number { return -Math.log(1 - this.float()) * mean; }
  normal(): number {
    const u = 1 - this.float(), v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Log-normal with the given median and log-space σ. */
  lognormal(median: number, sigma: number): number { return median * Math.exp(sigma * this.normal()); }
  /** Pareto with scale xm and shape alpha (heavy tail for alpha near 1). */
  pareto(xm: number, alpha: number): number { return xm / Math.pow(1 - this.float(), 1 / alpha); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)] as T; }
}
function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

// ── weighted sampling over the pool: a Fenwick tree of integer weights (exact in float64) ───────
class Fenwick {
  readonly n: number;
  readonly tree: Float64Array;
  readonly w: Float64Array;
  total = 0;
  private readonly top: number;
  constructor(n: number) {
    this.n = n;
    this.tree = new Float64Array(n + 1);
    this.w = new Float64Array(n);
    let top = 1; while (top * 2 <= n) top *= 2;
    this.top = top;
  }
  set(i: number, weight: number): void {
    const delta = weight - (this.w[i] as number);
    if (delta === 0) return;
    this.w[i] = weight; this.total += delta;
    for (let j = i + 1; j <= this.n; j += j & -j) this.tree[j] = (this.tree[j] as number) + delta;
  }
  /** Index i with prefix(i) ≤ r < prefix(i+1), for r in [0, total). */
  find(r: number): number {
    let pos = 0;
    for (let step = this.top; step > 0; step >>= 1) {
      const nx = pos + step;
      if (nx <= this.n && (this.tree[nx] as number) <= r) { pos = nx; r -= this.tree[nx] as number; }
    }
    return pos;
  }
}

// ── wake-up queue for sleeping flows: binary min-heap on wake time ─────────────────────────────
class WakeHeap {
  private t: number[] = [];
  private f: Flow[] = [];
  get size(): number { return this.t.length; }
  minTime(): number { return this.t[0] as number; }
  push(time: number, flow: Flow): void {
    const t = this.t, f = this.f;
    let i = t.length; t.push(time); f.push(flow);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((t[p] as number) <= time) break;
      t[i] = t[p] as number; f[i] = f[p] as Flow; i = p;
    }
    t[i] = time; f[i] = flow;
  }
  pop(): Flow {
    const t = this.t, f = this.f;
    const top = f[0] as Flow;
    const lastT = t.pop() as number, lastF = f.pop() as Flow;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (t[c + 1] as number) < (t[c] as number)) c++;
        if ((t[c] as number) >= lastT) break;
        t[i] = t[c] as number; f[i] = f[c] as Flow; i = c;
      }
      t[i] = lastT; f[i] = lastF;
    }
    return top;
  }
}

// ── flows ─────────────────────────────────────────────────────────────────────────────────────
export const FlowKind = { TCP: 0, DNS: 1, QUIC: 2, UDP_STREAM: 3, NTP: 4, ICMP: 5 } as const;
export type FlowKind = (typeof FlowKind)[keyof typeof FlowKind];
export const FLOW_KIND_NAMES = ['tcp', 'dns', 'quic', 'udp_stream', 'ntp', 'icmp_echo'] as const;
/** New-flow mix (cumulative thresholds follow the order of FlowKind). */
const KIND_MIX = [0.55, 0.28, 0.08, 0.05, 0.03, 0.01];

const TcpClose = { FIN_CLIENT: 0, FIN_SERVER: 1, RST_CLIENT: 2, RST_SERVER: 3, NONE: 4 } as const;

// TCP states
const T_SYN = 0, T_SYNACK = 1, T_HS_ACK = 2, T_REQ = 3, T_RESP = 4, T_CLOSE = 5, T_REFUSED = 6,
  T_SYN_RETX = 7, T_DONE = 8;
// QUIC states
const Q_INIT = 0, Q_SERVER_HS = 1, Q_CLIENT_HS = 2, Q_BULK = 3, Q_CLOSE = 4, Q_DONE = 5;

class Flow {
  id = 0;
  slot = -1;
  kind: FlowKind = FlowKind.TCP;
  v6 = false;
  proto = 0;
  // addresses as four 32-bit words (IPv4 in word 3), ports, MAC ids
  c0 = 0; c1 = 0; c2 = 0; c3 = 0;
  s0 = 0; s1 = 0; s2 = 0; s3 = 0;
  cport = 0; sport = 0;
  clientIdx = 0;
  flowLabel = 0;
  cIpId = 0; sIpId = 0; sTtl = 64;
  /** Relative sampling weight while awake (see rateWeight); TCP switches it per phase. */
  weight = 1;
  /** TCP: weight while moving data (handshake and close run at the quick, round-trip weight). */
  dataWeight = 1;
  /** Think time between TCP rounds: probability, median (µs), log-space σ, cap (µs). */
  thinkProb = 0; thinkMedianUs = 0; thinkSigma = 0; thinkCapUs = 0;
  sleepUntil = -1;
  done = false;
  // truth counters
  cPkts = 0; sPkts = 0; cIpBytes = 0; sIpBytes = 0; cFrameBytes = 0; sFrameBytes = 0;
  firstUs = 0; lastUs = 0; maxGapUs = 0;
  // state machine (meaning depends on kind)
  state = 0;
  rounds = 0;
  roundIdx = 0;
  left = 0; // bytes (or packets) left in the current message
  unacked = 0;
  msgFirst = true;
  msg: Uint8Array | null = null; // structured bytes opening the current message (HTTP, TLS ClientHello)
  cSeq = 0; sSeq = 0; cTs = 0; sTs = 0; tsOffC = 0; tsOffS = 0;
  closeKind = 0; closeStep = 0;
  // request/response sizes for the rounds to come (TCP), bulk sizes (QUIC/UDP)
  reqBytes: number[] = [];
  respBytes: number[] = [];
  // DNS / NTP / ICMP script: which packets, in order (bit 0: from server), and their payloads
  script: Uint8Array[] = [];
  scriptDir: number[] = [];
  step = 0;
  pktSize = 0;
  icmpId = 0;
}

export interface GenerateOptions {
  /** Exactly this many packets are written. */
  packets: number;
  /** Concurrent flows: the size of the pool of active flows (default packets / 20). */
  flows?: number;
  out: string;
  seed?: number;
  /** Captured bytes per frame at most (wire length stays real); 0 = full frames. */
  snaplen?: number;
  /**
   * Average packets per second of capture time. Default: `flows` (one packet per second per
   * concurrent flow), so per-flow timing — and hence which meter timeouts fire — does not depend
   * on the file's size, and the standard files (1M/50k, 10M/500k) both span about 20 s.
   */
  pps?: number;
  /** First timestamp, seconds since the epoch (default 2024-01-01T00:00:00Z). */
  startSec?: number;
  /** Pad frames to the 60-byte Ethernet minimum, as seen on the wire (default true). */
  pad?: boolean;
  /** Write every flow's counts into the truth file (default: only when packets ≤ 100 000). */
  truthFlows?: boolean;
  /** Truth file path (default `${out}.truth.json`). */
  truthOut?: string;
}

/** One flow of the truth file. Directions: [client→server, server→client]. */
export interface TruthFlow {
  id: number;
  kind: string;
  ipVersion: 4 | 6;
  proto: number;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  packets: [number, number];
  ipBytes: [number, number];
  frameBytes: [number, number];
  firstUs: number;
  lastUs: number;
  complete: boolean;
}

export interface Truth {
  generator: string;
  options: Required<Omit<GenerateOptions, 'out' | 'truthOut'>>;
  file: string;
  fileBytes: number;
  packets: number;
  /** Flows started (each unique 5-tuple; DNS A+AAAA on one socket is one flow). */
  flows: number;
  flowsComplete: number;
  flowsByKind: Record<string, number>;
  flowsByIpVersion: { '4': number; '6': number };
  packetsByProtocol: { tcp: number; udp: number; icmp: number; icmpv6: number };
  packetsByIpVersion: { '4': number; '6': number };
  /** Sums over all packets: wire (frame) bytes, captured bytes, IP total lengths. */
  bytes: { wire: number; captured: number; ip: number };
  dns: { queries: number; responses: number };
  tcp: { syn: number; finClosed: number; rst: number; refused: number };
  /** Most flows active (started, not ended, sleeping included) at once. */
  concurrentPeak: number;
  firstUs: number;
  lastUs: number;
  durationSec: number;
  ppsAverage: number;
  flowDurationSec: { p50: number; p90: number; p99: number; max: number; medianByKind: Record<string, number> };
  /** Flows whose longest silence between two of their packets exceeded 15 s / that lasted over 60 s. */
  flowsWithGapOver15s: number;
  flowsLongerThan60s: number;
  elephants: { over1000Packets: number; largestPackets: number };
  /** Present when per-flow truth was asked for. */
  flowList?: TruthFlow[];
}

const WORDS = ['example', 'weather', 'news', 'shop', 'video', 'maps', 'mail', 'cloud', 'photos', 'music',
  'search', 'social', 'bank', 'travel', 'games', 'sports', 'docs', 'code', 'status', 'metrics', 'assets',
  'fonts', 'ads', 'tracker', 'cdn', 'images', 'market', 'books', 'health', 'learn', 'stream', 'chat',
  'calendar', 'drive', 'store', 'login', 'payments', 'support', 'forum', 'wiki'];
const SUBS = ['www', 'api', 'cdn', 'static', 'img', 'login', 'edge', 'app', 'm', 's3', 'assets', 'media'];
const TLDS = ['com', 'net', 'org', 'io', 'dev', 'co.uk', 'de', 'fr'];
const SERVER_V4_NETS = [23, 31, 34, 35, 37, 45, 52, 54, 64, 66, 69, 74, 91, 104, 142, 151, 157, 162, 185, 199, 208, 216];
const SERVER_V6_NETS = [0x26064700, 0x2a001450, 0x26200000, 0x2a032880, 0x24046800, 0x26001f18, 0x2a0498c0];
const DNS_V4 = [0x0aff0035, 0x08080808, 0x01010101]; // 10.255.0.53, 8.8.8.8, 1.1.1.1
const DNS_V6 = [[0x20014860, 0x48600000, 0, 0x8888], [0x26064700, 0x47000000, 0, 0x1111]];
const ROUTER_MAC = [0x00, 0x1b, 0x21, 0x3c, 0x9d, 0x01];

/** Writes the pcap and its truth file; returns the truth. */
export function generate(opts: GenerateOptions): Truth {
  return new Generator(opts).run();
}

class Generator {
  private readonly rng: Rng;
  private readonly P: number;
  private readonly M: number;
  private readonly snaplen: number;
  private readonly pad: boolean;
  private readonly pps: number;
  private readonly meanGapUs: number;
  private readonly startSec: number;
  private readonly truthFlows: boolean;
  private readonly nClients: number;
  private readonly nServers: number;
  private readonly clientPorts: Uint16Array;
  private readonly pattern: Uint8Array;
  private readonly prefix: Float64Array; // prefix[i] = Σ of the first i big-endian words of pattern

  private buf = Buffer.allocUnsafe(OUT_CHUNK + OUT_MARGIN);
  private pos = 0;
  private fd = -1;
  private fileBytes = 0;

  private nowUs = 0; // capture time since start, µs (fractional)
  private pool: (Flow | null)[];
  private freeSlots: number[] = [];
  private fen: Fenwick;
  private heap = new WakeHeap();
  private active = 0;
  private nextFlowId = 0;

  // truth
  private t = {
    packets: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0, v4: 0, v6: 0, wire: 0, captured: 0, ip: 0,
    dnsQ: 0, dnsR: 0, syn: 0, finClosed: 0, rst: 0, refused: 0, complete: 0, peak: 0,
    flowsV4: 0, flowsV6: 0, gap15: 0, long60: 0, over1000: 0, largest: 0,
  };
  private byKind = [0, 0, 0, 0, 0, 0];
  private durations: number[] = [];
  private durationsByKind: number[][] = FLOW_KIND_NAMES.map(() => []);
  private flowList: TruthFlow[] = [];

  private readonly o: GenerateOptions;

  constructor(o: GenerateOptions) {
    this.o = o;
    if (!Number.isInteger(o.packets) || o.packets <= 0) throw new RangeError('packets must be a positive integer');
    this.P = o.packets;
    this.M = Math.max(1, Math.floor(o.flows ?? Math.ceil(o.packets / 20)));
    this.rng = new Rng(o.seed ?? 1);
    this.snaplen = o.snaplen && o.snaplen > 0 ? Math.max(o.snaplen, 16) : 0;
    this.pad = o.pad ?? true;
    this.pps = o.pps && o.pps > 0 ? o.pps : this.M;
    this.meanGapUs = 1e6 / this.pps;
    this.startSec = o.startSec ?? 1_704_067_200;
    this.truthFlows = o.truthFlows ?? o.packets <= 100_000;
    // Enough hosts that no client reuses an ephemeral port within a file (28 232 ports each).
    this.nClients = Math.max(16, Math.ceil(this.M / 4));
    this.nServers = Math.max(32, Math.ceil(this.M / 2));
    this.clientPorts = new Uint16Array(this.nClients);
    for (let i = 0; i < this.nClients; i++) this.clientPorts[i] = 32768 + this.rng.int(28232);
    this.pool = new Array<Flow | null>(this.M).fill(null);
    for (let i = this.M - 1; i >= 0; i--) this.freeSlots.push(i);
    this.fen = new Fenwick(this.M);
    // 32 KiB of opaque payload plus room for a full segment past any even start offset below 32 KiB
    this.pattern = new Uint8Array(32768 + 2048);
    for (let i = 0; i < this.pattern.length; i += 4) {
      const r = this.rng.u32();
      this.pattern[i] = r >>> 24; this.pattern[i + 1] = r >>> 16; this.pattern[i + 2] = r >>> 8; this.pattern[i + 3] = r;
    }
    this.prefix = new Float64Array(this.pattern.length / 2 + 1);
    for (let i = 0; i < this.pattern.length / 2; i++) {
      this.prefix[i + 1] = (this.prefix[i] as number) + (((this.pattern[2 * i] as number) << 8) | (this.pattern[2 * i + 1] as number));
    }
  }

  run(): Truth {
    this.fd = openSync(this.o.out, 'w');
    try {
      this.writeGlobalHeader();
      const P = this.P, rng = this.rng, fen = this.fen, heap = this.heap;
      let emitted = 0;
      while (emitted < P) {
        while (heap.size > 0 && heap.minTime() <= this.nowUs) {
          const f = heap.pop();
          f.sleepUntil = -1;
          fen.set(f.slot, f.weight);
        }
        let f: Flow;
        if (this.active < this.M && (fen.total === 0 || rng.float() < 0.5)) {
          f = this.startFlow();
        } else if (fen.total === 0) {
          this.nowUs = heap.minTime(); // everyone asleep: jump to the next wake-up
          continue;
        } else {
          f = this.pool[fen.find(rng.float() * fen.total)] as Flow;
        }
        this.stepFlow(f);
        emitted++;
        if (f.done) {
          this.endFlow(f, true);
        } else if (f.sleepUntil > this.nowUs) {
          fen.set(f.slot, 0);
          heap.push(f.sleepUntil, f);
        } else {
          fen.set(f.slot, f.weight); // no-op unless the flow changed phase
        }
        this.nowUs += rng.exp(this.meanGapUs);
        if (this.pos > OUT_CHUNK) this.flush();
      }
      for (const f of this.pool) if (f) this.endFlow(f, false);
      this.flush();
    } finally {
      closeSync(this.fd);
    }
    const truth = this.buildTruth();
    writeFileSync(this.o.truthOut ?? `${this.o.out}.truth.json`, JSON.stringify(truth, null, truth.flowList ? 0 : 2) + '\n');
    return truth;
  }

  // ── flow lifecycle ──────────────────────────────────────────────────────────────────────────
  private startFlow(): Flow {
    const rng = this.rng;
    const f = new Flow();
    f.id = this.nextFlowId++;
    f.slot = this.freeSlots.pop() as number;
    this.pool[f.slot] = f;
    this.active++;
    if (this.active > this.t.peak) this.t.peak = this.active;
    const u = rng.float();
    let k = 0, acc = KIND_MIX[0] as number;
    while (u >= acc && k < KIND_MIX.length - 1) acc += KIND_MIX[++k] as number;
    f.kind = k as FlowKind;
    f.v6 = rng.chance(0.15);
    f.clientIdx = rng.int(this.nClients);
    if (f.v6) {
      f.c0 = 0x20010db8; f.c1 = (f.clientIdx >>> 16) & 0xffff; f.c2 = f.clientIdx & 0xffff; f.c3 = (mix32(f.clientIdx + 1) | 1) >>> 0;
    } else {
      f.c3 = (0x0a000000 + 256 + f.clientIdx) >>> 0; // 10.0.1.0 onwards
    }
    const port = this.clientPorts[f.clientIdx] as number;
    f.cport = port;
    this.clientPorts[f.clientIdx] = port >= 60999 ? 32768 : port + 1;
    f.flowLabel = rng.u32() & 0xfffff;
    f.cIpId = rng.u32() & 0xffff; f.sIpId = rng.u32() & 0xffff;
    f.sTtl = rng.pick([52, 54, 56, 57, 58, 116, 118, 121]);
    switch (f.kind) {
      case FlowKind.TCP: this.planTcp(f); break;
      case FlowKind.DNS: this.planDns(f); break;
      case FlowKind.QUIC: this.planQuic(f); break;
      case FlowKind.UDP_STREAM: this.planStream(f); break;
      case FlowKind.NTP: this.planNtp(f); break;
      case FlowKind.ICMP: this.planIcmp(f); break;
    }
    this.fen.set(f.slot, f.weight);
    f.firstUs = this.nowUs;
    this.byKind[f.kind] = (this.byKind[f.kind] ?? 0) + 1;
    if (f.v6) this.t.flowsV6++; else this.t.flowsV4++;
    return f;
  }

  private endFlow(f: Flow, complete: boolean): void {
    this.fen.set(f.slot, 0);
    this.pool[f.slot] = null;
    this.freeSlots.push(f.slot);
    this.active--;
    if (complete) this.t.complete++;
    const dur = (f.lastUs - f.firstUs) / 1e6;
    this.durations.push(dur);
    (this.durationsByKind[f.kind] as number[]).push(dur);
    if (f.maxGapUs > 15e6) this.t.gap15++;
    if (dur > 60) this.t.long60++;
    const pk = f.cPkts + f.sPkts;
    if (pk > 1000) this.t.over1000++;
    if (pk > this.t.largest) this.t.largest = pk;
    if (this.truthFlows && pk > 0) {
      this.flowList.push({
        id: f.id, kind: FLOW_KIND_NAMES[f.kind], ipVersion: f.v6 ? 6 : 4, proto: f.proto,
        clientIp: formatIp(f.v6 ? 6 : 4, f.c0, f.c1, f.c2, f.c3), clientPort: f.cport,
        serverIp: formatIp(f.v6 ? 6 : 4, f.s0, f.s1, f.s2, f.s3), serverPort: f.sport,
        packets: [f.cPkts, f.sPkts], ipBytes: [f.cIpBytes, f.sIpBytes], frameBytes: [f.cFrameBytes, f.sFrameBytes],
        firstUs: Math.floor(f.firstUs) + this.startSec * 1e6, lastUs: Math.floor(f.lastUs) + this.startSec * 1e6, complete,
      });
    }
  }

  private sleep(f: Flow, us: number): void { f.sleepUntil = this.nowUs + us; }

  private pickServer(f: Flow): void {
    const rng = this.rng;
    // Zipf-like popularity: a few servers get most flows.
    const idx = Math.floor(this.nServers * Math.pow(rng.float(), 3));
    const h = mix32(Math.imul(idx, 0x9e3779b1) + 12345);
    if (f.v6) {
      f.s0 = SERVER_V6_NETS[idx % SERVER_V6_NETS.length] as number; f.s1 = ((h & 0xffff) << 16) >>> 0; f.s2 = 0; f.s3 = (idx + 1) >>> 0;
    } else {
      f.s3 = (((SERVER_V4_NETS[idx % SERVER_V4_NETS.length] as number) << 24) | (h & 0x00ffffff)) >>> 0;
      if ((f.s3 & 0xff) === 0 || (f.s3 & 0xff) === 255) f.s3 = (f.s3 ^ 0x11) >>> 0;
    }
  }

  private randomName(): string {
    const rng = this.rng;
    const w = rng.pick(WORDS);
    return `${rng.pick(SUBS)}.${w}${rng.chance(0.3) ? rng.int(100) : ''}.${rng.pick(TLDS)}`;
  }

  /**
   * Weight of a round-trip-bound exchange (DNS, NTP, ping, a TCP handshake or close): a constant
   * 200× that of a small transfer, so the answer follows the question within milliseconds. (A share
   * of the current total would feed back on itself and blow up.)
   */
  private quickWeight(): number { return QUICK_WEIGHT; }

  // ── plans ───────────────────────────────────────────────────────────────────────────────────
  private planTcp(f: Flow): void {
    const rng = this.rng;
    f.proto = IPPROTO_TCP;
    this.pickServer(f);
    const u = rng.float();
    f.sport = u < 0.6 ? 443 : u < 0.75 ? 80 : u < 0.8 ? 22 : u < 0.85 ? 8080 : u < 0.9 ? 5432 : u < 0.93 ? 6379 : rng.range(1024, 32767);
    f.cSeq = rng.u32(); f.sSeq = rng.u32();
    f.tsOffC = rng.u32(); f.tsOffS = rng.u32();
    const v = rng.float();
    f.closeKind = v < 0.55 ? TcpClose.FIN_CLIENT : v < 0.83 ? TcpClose.FIN_SERVER : v < 0.9 ? TcpClose.RST_CLIENT
      : v < 0.94 ? TcpClose.RST_SERVER : TcpClose.NONE;
    let est = 6;
    if (rng.chance(0.06)) {
      // Long-lived, mostly idle connection (websocket, MQTT, SSH, database pool): small messages
      // every few seconds to minutes. These hold most of a meter's table and trip its timeouts.
      f.sport = rng.pick([443, 443, 22, 5432, 6379, 1883, 5222]);
      f.rounds = rng.range(3, 40);
      f.thinkProb = 1; f.thinkMedianUs = 6e6; f.thinkSigma = 1.0; f.thinkCapUs = 300e6;
      if (rng.chance(0.5)) f.closeKind = TcpClose.NONE;
      for (let r = 0; r < f.rounds; r++) {
        const req = Math.max(20, Math.round(rng.lognormal(120, 0.8))), resp = Math.max(20, Math.round(rng.lognormal(300, 1.0)));
        f.reqBytes.push(req); f.respBytes.push(resp);
        est += 3;
      }
      f.state = T_SYN;
      f.dataWeight = rateWeight(est);
      f.weight = this.quickWeight();
      return;
    }
    f.thinkProb = 0.7; f.thinkMedianUs = 1.5e6; f.thinkSigma = 1.5; f.thinkCapUs = 120e6;
    f.rounds = 1;
    while (f.rounds < 50 && rng.chance(0.4)) f.rounds++;
    for (let r = 0; r < f.rounds; r++) {
      let req = Math.min(65536, Math.max(40, Math.round(rng.lognormal(350, 1.0))));
      // heavy tail: most responses a few kB, a few elephants of tens of MB
      let resp = Math.min(200e6, Math.round(rng.pareto(600, 1.05)));
      if (rng.chance(0.05)) { const t = req; req = Math.min(50e6, resp); resp = t; } // uploads
      f.reqBytes.push(req); f.respBytes.push(resp);
      est += Math.ceil(req / 1400) * 1.5 + Math.ceil(resp / 1400) * 1.5;
    }
    f.state = rng.chance(0.015) ? T_SYN_RETX : T_SYN;
    // Bursty: a connection moves its data quickly, then idles between rounds (think time). The
    // handshake and the close take round trips (quick weight), so a FIN is answered in ms.
    f.dataWeight = rateWeight(est);
    f.weight = this.quickWeight();
  }

  private planDns(f: Flow): void {
    const rng = this.rng;
    f.proto = IPPROTO_UDP;
    f.sport = 53;
    if (f.v6) { const d = rng.pick(DNS_V6); f.s0 = d[0] as number; f.s1 = d[1] as number; f.s2 = d[2] as number; f.s3 = d[3] as number; }
    else f.s3 = rng.pick(DNS_V4);
    const name = this.randomName();
    const both = rng.chance(0.3); // glibc asks A and AAAA over one socket
    const lost = rng.chance(0.03);
    const nx = rng.chance(0.04);
    const idA = rng.u32() & 0xffff, idB = rng.u32() & 0xffff;
    const qA = dnsQuery(idA, name, 1), qB = both ? dnsQuery(idB, name, 28) : null;
    f.script.push(qA); f.scriptDir.push(0);
    if (qB) { f.script.push(qB); f.scriptDir.push(0); }
    if (lost) {
      f.script.push(qA); f.scriptDir.push(2); // retransmission after a 1–5 s timeout (bit 1: sleep first)
    } else {
      f.script.push(dnsResponse(rng, idA, name, 1, nx)); f.scriptDir.push(1);
      if (both) { f.script.push(dnsResponse(rng, idB, name, 28, nx)); f.scriptDir.push(1); }
    }
    f.weight = this.quickWeight();
  }

  private planNtp(f: Flow): void {
    const rng = this.rng;
    f.proto = IPPROTO_UDP;
    this.pickServer(f);
    f.sport = 123;
    const req = new Uint8Array(48), resp = new Uint8Array(48);
    req[0] = 0x23; // LI 0, VN 4, mode 3 (client) — RFC 5905 §7.3
    resp[0] = 0x24; resp[1] = 2; resp[2] = 3; resp[3] = 0xe9; // mode 4 (server), stratum 2
    for (let i = 40; i < 48; i++) { req[i] = rng.int(256); resp[i - 16] = req[i] as number; resp[i] = rng.int(256); }
    f.script.push(req, resp); f.scriptDir.push(0, 1);
    f.weight = this.quickWeight();
  }

  private planIcmp(f: Flow): void {
    const rng = this.rng;
    f.proto = f.v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    this.pickServer(f);
    f.icmpId = rng.u32() & 0xffff;
    const n = rng.range(1, 5);
    for (let i = 0; i < 2 * n; i++) f.scriptDir.push(i & 1);
    f.pktSize = 56;
    f.weight = this.quickWeight();
  }

  private planQuic(f: Flow): void {
    const rng = this.rng;
    f.proto = IPPROTO_UDP;
    this.pickServer(f);
    f.sport = 443;
    f.left = Math.min(100e6, Math.round(rng.pareto(3000, 1.1)));
    f.state = Q_INIT;
    f.closeKind = rng.chance(0.7) ? 1 : 0; // CONNECTION_CLOSE or just idle
    f.weight = rateWeight(6 + f.left / 800);
  }

  private planStream(f: Flow): void {
    const rng = this.rng;
    f.proto = IPPROTO_UDP;
    this.pickServer(f);
    f.sport = rng.pick([5004, 5060, 514, 4500, 3478, 27015, 10000 + rng.int(10000)]);
    f.pktSize = rng.pick([160, 172, 200, 320, 600, 1024, 1200]);
    f.left = Math.min(200_000, Math.round(rng.pareto(4, 1.1)));
    f.weight = rateWeight(f.pktSize <= 320 ? 100 : 400); // voice; video faster
  }

  // ── one packet per call ─────────────────────────────────────────────────────────────────────
  private stepFlow(f: Flow): void {
    switch (f.kind) {
      case FlowKind.TCP: this.stepTcp(f); break;
      case FlowKind.QUIC: this.stepQuic(f); break;
      case FlowKind.UDP_STREAM: this.stepStream(f); break;
      case FlowKind.ICMP: this.stepIcmp(f); break;
      default: this.stepScript(f); break;
    }
  }

  private stepScript(f: Flow): void {
    const i = f.step++;
    const payload = f.script[i] as Uint8Array;
    const dir = f.scriptDir[i] as number;
    const fromServer = (dir & 1) === 1;
    this.udp(f, fromServer, payload, 0, 0);
    if (f.sport === 53) { if (fromServer) this.t.dnsR++; else this.t.dnsQ++; }
    if (f.step >= f.script.length) { f.done = true; return; }
    if ((f.scriptDir[f.step] as number) & 2) this.sleep(f, this.rng.range(1, 5) * 1e6);
  }

  private stepIcmp(f: Flow): void {
    const i = f.step++;
    const fromServer = (f.scriptDir[i] as number) === 1;
    const seq = (i >> 1) + 1;
    const l4 = this.l4Offset(f);
    const b = this.buf;
    const type = f.v6 ? (fromServer ? 129 : 128) : (fromServer ? 0 : 8); // RFC 792 / RFC 4443 echo
    b[l4] = type; b[l4 + 1] = 0; b[l4 + 2] = 0; b[l4 + 3] = 0;
    b.writeUInt16BE(f.icmpId, l4 + 4); b.writeUInt16BE(seq, l4 + 6);
    // 8-byte timestamp then the classic ping fill 0x10, 0x11, …
    const sec = this.startSec + Math.floor(f.firstUs / 1e6) + (i >> 1);
    b.writeUInt32LE(sec, l4 + 8); b.writeUInt32LE(f.icmpId * 7 % 1000000, l4 + 12);
    for (let j = 16; j < 8 + f.pktSize; j++) b[l4 + j] = j;
    this.finish(f, fromServer, f.proto, 8 + f.pktSize, 8 + f.pktSize, 0, 0, 2);
    if (f.step >= f.scriptDir.length) f.done = true;
    else if (fromServer) this.sleep(f, 1e6); // ping -i 1
  }

  private stepStream(f: Flow): void {
    const rng = this.rng;
    // one packet in 40 is a report from the far end (RTCP-like); the rest go client→server
    const fromServer = rng.chance(0.025);
    const size = fromServer ? 64 : f.pktSize;
    this.udp(f, fromServer, null, size, Math.imul(f.cPkts, 0x9e3779b1) & 0x7ffe);
    if (--f.left <= 0) { f.done = true; return; }
    if (rng.chance(0.003)) this.sleep(f, rng.lognormal(3e6, 1.2));
  }

  private stepQuic(f: Flow): void {
    const rng = this.rng;
    switch (f.state) {
      case Q_INIT: // client Initial, padded to 1200+ bytes (RFC 9000 §14.1)
        this.quic(f, false, true, QUIC_MAX);
        f.state = Q_SERVER_HS; f.step = 0;
        return;
      case Q_SERVER_HS:
        this.quic(f, true, true, f.step === 0 ? QUIC_MAX : rng.range(400, QUIC_MAX));
        if (++f.step >= 2) f.state = Q_CLIENT_HS;
        return;
      case Q_CLIENT_HS:
        this.quic(f, false, true, rng.range(80, 120));
        f.state = Q_BULK; f.unacked = 0;
        return;
      case Q_BULK:
        if (f.unacked >= 2 || (f.left <= 0 && f.unacked > 0)) {
          this.quic(f, false, false, rng.range(30, 50)); f.unacked = 0;
        } else {
          const n = Math.min(f.left, QUIC_MAX);
          this.quic(f, true, false, Math.max(n, 30)); f.left -= n; f.unacked++;
        }
        if (f.left <= 0 && f.unacked === 0) {
          if (f.closeKind === 1) f.state = Q_CLOSE; else { f.state = Q_DONE; f.done = true; }
        }
        return;
      case Q_CLOSE:
        this.quic(f, false, false, rng.range(30, 45));
        f.state = Q_DONE; f.done = true;
        return;
    }
  }

  private quic(f: Flow, fromServer: boolean, long: boolean, size: number): void {
    // First bytes of a QUIC header (RFC 9000 §17): long header + version 1, or a short header.
    const hdr = this.scratch;
    if (long) { hdr[0] = 0xc3; hdr[1] = 0; hdr[2] = 0; hdr[3] = 0; hdr[4] = 1; hdr[5] = 8; }
    else { hdr[0] = 0x40 | (this.rng.u32() & 0x3f); hdr[1] = 0x8a; hdr[2] = 0x1f; hdr[3] = 0x2d; hdr[4] = 0x5c; hdr[5] = 0x70; }
    this.udp(f, fromServer, hdr, size - 6, Math.imul(f.cPkts + f.sPkts, 40503) & 0x7ffe);
  }
  private readonly scratch = new Uint8Array(6);

  private stepTcp(f: Flow): void {
    const rng = this.rng;
    switch (f.state) {
      case T_SYN_RETX: // SYN, no answer, SYN again after 1 s, then give up
        this.tcp(f, false, TCP_SYN, 0, null);
        this.t.syn++;
        if (f.step++ === 0) this.sleep(f, 1e6); else f.done = true;
        return;
      case T_SYN:
        this.tcp(f, false, TCP_SYN, 0, null);
        this.t.syn++;
        f.cSeq = (f.cSeq + 1) >>> 0;
        if (rng.chance(0.02)) { f.state = T_REFUSED; f.sSeq = 0; } else f.state = T_SYNACK;
        return;
      case T_REFUSED: // RFC 9293 §3.10.7.1: RST/ACK to a SYN for a closed port
        this.tcp(f, true, TCP_RST | TCP_ACK, 0, null);
        this.t.refused++;
        f.done = true;
        return;
      case T_SYNACK:
        this.tcp(f, true, TCP_SYN | TCP_ACK, 0, null);
        f.sSeq = (f.sSeq + 1) >>> 0;
        f.state = T_HS_ACK;
        return;
      case T_HS_ACK:
        this.tcp(f, false, TCP_ACK, 0, null);
        this.beginRound(f);
        f.weight = f.dataWeight;
        return;
      case T_REQ:
      case T_RESP: {
        const clientSends = f.state === T_REQ;
        if (f.unacked >= 2 || (f.left === 0 && f.unacked > 0)) {
          this.tcp(f, clientSends, TCP_ACK, 0, null); // the receiver's delayed ACK: every second segment
          f.unacked = 0;
        } else {
          const n = Math.min(f.left, f.v6 ? TCP_MSS_V6 : TCP_MSS_V4);
          const msg = f.msgFirst ? f.msg : null;
          f.msgFirst = false;
          f.left -= n;
          this.tcp(f, !clientSends, f.left === 0 ? TCP_PSH | TCP_ACK : TCP_ACK, n, msg);
          if (clientSends) f.cSeq = (f.cSeq + n) >>> 0; else f.sSeq = (f.sSeq + n) >>> 0;
          f.unacked++;
        }
        if (f.left > 0 || f.unacked > 0) return;
        // message complete and acknowledged
        if (clientSends) {
          f.state = T_RESP; f.left = Math.max(1, f.respBytes[f.roundIdx] as number); f.msgFirst = true;
          f.msg = f.sport === 80 || f.sport === 8080 ? httpResponseHead(f.left) : null;
          if (f.msg) f.left += f.msg.length;
          return;
        }
        f.roundIdx++;
        if (f.roundIdx < f.rounds) {
          this.beginRound(f);
          if (rng.chance(f.thinkProb)) this.sleep(f, Math.min(f.thinkCapUs, rng.lognormal(f.thinkMedianUs, f.thinkSigma)));
        } else if (f.closeKind === TcpClose.NONE) {
          f.done = true; // left open: the capture just stops seeing it
        } else {
          f.state = T_CLOSE; f.closeStep = 0;
          f.weight = this.quickWeight();
        }
        return;
      }
      case T_CLOSE: {
        const ck = f.closeKind;
        if (ck === TcpClose.RST_CLIENT || ck === TcpClose.RST_SERVER) {
          this.tcp(f, ck === TcpClose.RST_SERVER, TCP_RST | TCP_ACK, 0, null);
          this.t.rst++;
          f.done = true;
          return;
        }
        // FIN/ACK from the closer, FIN/ACK from the peer, final ACK from the closer
        const closerIsServer = ck === TcpClose.FIN_SERVER;
        const fromServer = f.closeStep === 1 ? !closerIsServer : closerIsServer;
        const flags = f.closeStep === 2 ? TCP_ACK : TCP_FIN | TCP_ACK;
        this.tcp(f, fromServer, flags, 0, null);
        if (flags & TCP_FIN) { if (fromServer) f.sSeq = (f.sSeq + 1) >>> 0; else f.cSeq = (f.cSeq + 1) >>> 0; }
        if (++f.closeStep === 3) { f.done = true; this.t.finClosed++; }
        return;
      }
      default:
        throw new Error(`tcp flow ${f.id} in state ${f.state}`);
    }
  }

  private beginRound(f: Flow): void {
    f.state = T_REQ;
    f.left = f.reqBytes[f.roundIdx] as number;
    f.unacked = 0;
    f.msgFirst = true;
    f.msg = null;
    if (f.sport === 80 || f.sport === 8080) { f.msg = httpRequest(this.rng, this.randomName()); f.left = f.msg.length; }
    else if (f.sport === 443 && f.roundIdx === 0) { f.msg = tlsClientHello(this.rng, this.randomName()); f.left = f.msg.length; }
  }

  // ── packet writers ──────────────────────────────────────────────────────────────────────────
  private l4Offset(f: Flow): number { return this.pos + 16 + ETH_LEN + (f.v6 ? 40 : 20); }

  /** TCP segment of `len` payload bytes: `msg` bytes first (whole message head), opaque pattern after. */
  private tcp(f: Flow, fromServer: boolean, flags: number, len: number, msg: Uint8Array | null): void {
    const b = this.buf;
    const l4 = this.l4Offset(f);
    const syn = (flags & TCP_SYN) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const hlen = syn ? 40 : rst ? 20 : 32;
    const seq = fromServer ? f.sSeq : f.cSeq;
    const ack = (flags & TCP_ACK) ? (fromServer ? f.cSeq : f.sSeq) : 0;
    b.writeUInt16BE(fromServer ? f.sport : f.cport, l4);
    b.writeUInt16BE(fromServer ? f.cport : f.sport, l4 + 2);
    b.writeUInt32BE(seq, l4 + 4);
    b.writeUInt32BE(ack, l4 + 8);
    b[l4 + 12] = (hlen / 4) << 4;
    b[l4 + 13] = flags;
    b.writeUInt16BE(rst ? 0 : syn ? 64240 : fromServer ? 501 : 502, l4 + 14);
    b[l4 + 16] = 0; b[l4 + 17] = 0; b[l4 + 18] = 0; b[l4 + 19] = 0;
    // Timestamps option (RFC 7323): TSval from this side's clock (ms), TSecr echoes the peer.
    const ms = Math.floor(this.nowUs / 1000);
    const tsval = ((fromServer ? f.tsOffS : f.tsOffC) + ms) >>> 0;
    const tsecr = flags & TCP_ACK ? (fromServer ? f.cTs : f.sTs) : 0;
    if (fromServer) f.sTs = tsval; else f.cTs = tsval;
    let o = l4 + 20;
    if (syn) {
      // MSS, SACK permitted, timestamps, NOP, window scale 7 — what Linux sends
      b[o++] = 2; b[o++] = 4; b.writeUInt16BE(f.v6 ? 1440 : 1460, o); o += 2;
      b[o++] = 4; b[o++] = 2;
      b[o++] = 8; b[o++] = 10; b.writeUInt32BE(tsval, o); b.writeUInt32BE(tsecr, o + 4); o += 8;
      b[o++] = 1; b[o++] = 3; b[o++] = 3; b[o++] = 7;
    } else if (!rst) {
      b[o++] = 1; b[o++] = 1; b[o++] = 8; b[o++] = 10; b.writeUInt32BE(tsval, o); b.writeUInt32BE(tsecr, o + 4); o += 8;
    }
    let structLen = 0;
    if (msg && len > 0) {
      structLen = Math.min(msg.length, len);
      b.set(structLen === msg.length ? msg : msg.subarray(0, structLen), o);
    }
    const patLen = len - structLen;
    // The opaque part starts at an even offset of the pattern chosen from the sequence number.
    const patOff = patLen > 0 ? Math.imul(seq, 0x9e3779b1) & 0x7ffe : 0;
    if (patLen > 0 && (structLen & 1)) throw new Error('odd structured prefix before opaque payload');
    this.finish(f, fromServer, IPPROTO_TCP, hlen + len, hlen + structLen, patOff, patLen, 16);
  }

  /** UDP datagram: `head` bytes, then `patLen` opaque bytes from the pattern at `patOff`. */
  private udp(f: Flow, fromServer: boolean, head: Uint8Array | null, patLen: number, patOff: number): void {
    const b = this.buf;
    const l4 = this.l4Offset(f);
    const hl = head ? head.length : 0;
    const len = 8 + hl + patLen;
    b.writeUInt16BE(fromServer ? f.sport : f.cport, l4);
    b.writeUInt16BE(fromServer ? f.cport : f.sport, l4 + 2);
    b.writeUInt16BE(len, l4 + 4);
    b[l4 + 6] = 0; b[l4 + 7] = 0;
    if (head) b.set(head, l4 + 8);
    if (patLen > 0 && (hl & 1)) throw new Error('odd structured prefix before opaque payload');
    this.finish(f, fromServer, IPPROTO_UDP, len, 8 + hl, patOff, patLen, 6);
  }

  /**
   * Completes the packet whose L4 header (and first `writtenL4` bytes of L4 data) are in place:
   * L4 checksum, opaque payload (captured part only), IP header, Ethernet header, record header.
   */
  private finish(f: Flow, fromServer: boolean, proto: number, l4Len: number, writtenL4: number,
    patOff: number, patLen: number, csumAt: number): void {
    const b = this.buf;
    const rec = this.pos;
    const eth = rec + 16;
    const ip = eth + ETH_LEN;
    const ipHdr = f.v6 ? 40 : 20;
    const l4 = ip + ipHdr;
    const ipLen = ipHdr + l4Len;
    let wire = ETH_LEN + ipLen;
    const realEnd = eth + wire; // end of the real (unpadded) frame in the buffer
    if (this.pad && wire < ETH_MIN_FRAME) wire = ETH_MIN_FRAME;
    const cap = this.snaplen > 0 && wire > this.snaplen ? this.snaplen : wire;

    // ── L4 checksum (RFC 1071) over pseudo-header + written bytes + pattern words ───────────────
    let sum = 0;
    if (proto !== IPPROTO_ICMP) {
      // pseudo-header: RFC 793 §3.1 (IPv4), RFC 8200 §8.1 (IPv6)
      const a0 = fromServer ? f.s0 : f.c0, a1 = fromServer ? f.s1 : f.c1, a2 = fromServer ? f.s2 : f.c2, a3 = fromServer ? f.s3 : f.c3;
      const d0 = fromServer ? f.c0 : f.s0, d1 = fromServer ? f.c1 : f.s1, d2 = fromServer ? f.c2 : f.s2, d3 = fromServer ? f.c3 : f.s3;
      sum = (a3 >>> 16) + (a3 & 0xffff) + (d3 >>> 16) + (d3 & 0xffff) + proto + l4Len;
      if (f.v6) sum += (a0 >>> 16) + (a0 & 0xffff) + (a1 >>> 16) + (a1 & 0xffff) + (a2 >>> 16) + (a2 & 0xffff)
        + (d0 >>> 16) + (d0 & 0xffff) + (d1 >>> 16) + (d1 & 0xffff) + (d2 >>> 16) + (d2 & 0xffff);
    }
    const wEnd = l4 + writtenL4;
    let i = l4;
    for (; i + 1 < wEnd; i += 2) sum += ((b[i] as number) << 8) | (b[i + 1] as number);
    if (i < wEnd) sum += (b[i] as number) << 8;
    if (patLen > 0) {
      const w0 = patOff >> 1;
      sum += (this.prefix[w0 + (patLen >> 1)] as number) - (this.prefix[w0] as number);
      if (patLen & 1) sum += (this.pattern[patOff + patLen - 1] as number) << 8;
    }
    while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
    let csum = ~sum & 0xffff;
    if (csum === 0 && proto === IPPROTO_UDP) csum = 0xffff; // RFC 768: 0 means "no checksum"
    b[l4 + csumAt] = csum >>> 8; b[l4 + csumAt + 1] = csum & 0xff;

    // ── opaque payload: only the captured part is copied ──────────────────────────────────────
    const capEnd = eth + cap;
    if (patLen > 0 && capEnd > wEnd) {
      const n = Math.min(patLen, capEnd - wEnd);
      b.set(this.pattern.subarray(patOff, patOff + n), wEnd);
    }
    if (capEnd > realEnd) b.fill(0, realEnd, capEnd); // Ethernet padding

    // ── IP header ───────────────────────────────────────────────────────────────────────────────
    const a0 = fromServer ? f.s0 : f.c0, a1 = fromServer ? f.s1 : f.c1, a2 = fromServer ? f.s2 : f.c2, a3 = fromServer ? f.s3 : f.c3;
    const d0 = fromServer ? f.c0 : f.s0, d1 = fromServer ? f.c1 : f.s1, d2 = fromServer ? f.c2 : f.s2, d3 = fromServer ? f.c3 : f.s3;
    const ttl = fromServer ? f.sTtl : 64;
    if (f.v6) {
      b.writeUInt32BE((0x60000000 | f.flowLabel) >>> 0, ip);
      b.writeUInt16BE(l4Len, ip + 4);
      b[ip + 6] = proto; b[ip + 7] = ttl;
      b.writeUInt32BE(a0, ip + 8); b.writeUInt32BE(a1, ip + 12); b.writeUInt32BE(a2, ip + 16); b.writeUInt32BE(a3, ip + 20);
      b.writeUInt32BE(d0, ip + 24); b.writeUInt32BE(d1, ip + 28); b.writeUInt32BE(d2, ip + 32); b.writeUInt32BE(d3, ip + 36);
    } else {
      const id = fromServer ? (f.sIpId = (f.sIpId + 1) & 0xffff) : (f.cIpId = (f.cIpId + 1) & 0xffff);
      b[ip] = 0x45; b[ip + 1] = 0;
      b.writeUInt16BE(ipLen, ip + 2);
      b.writeUInt16BE(id, ip + 4);
      b.writeUInt16BE(proto === IPPROTO_TCP ? 0x4000 : 0, ip + 6); // DF on TCP, as Linux sets it
      b[ip + 8] = ttl; b[ip + 9] = proto; b[ip + 10] = 0; b[ip + 11] = 0;
      b.writeUInt32BE(a3, ip + 12); b.writeUInt32BE(d3, ip + 16);
      let s = 0;
      for (let j = ip; j < ip + 20; j += 2) s += ((b[j] as number) << 8) | (b[j + 1] as number);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      const c = ~s & 0xffff;
      b[ip + 10] = c >>> 8; b[ip + 11] = c & 0xff;
    }

    // ── Ethernet ────────────────────────────────────────────────────────────────────────────────
    const ci = f.clientIdx;
    const cm0 = 0x02, cm1 = 0x42, cm2 = (ci >>> 24) & 0xff, cm3 = (ci >>> 16) & 0xff, cm4 = (ci >>> 8) & 0xff, cm5 = ci & 0xff;
    let m = eth;
    if (fromServer) {
      b[m++] = cm0; b[m++] = cm1; b[m++] = cm2; b[m++] = cm3; b[m++] = cm4; b[m++] = cm5;
      for (let j = 0; j < 6; j++) b[m++] = ROUTER_MAC[j] as number;
    } else {
      for (let j = 0; j < 6; j++) b[m++] = ROUTER_MAC[j] as number;
      b[m++] = cm0; b[m++] = cm1; b[m++] = cm2; b[m++] = cm3; b[m++] = cm4; b[m++] = cm5;
    }
    b.writeUInt16BE(f.v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, m);

    // ── pcap record header (little-endian, µs) ──────────────────────────────────────────────────
    const us = Math.floor(this.nowUs);
    const sec = this.startSec + Math.floor(us / 1e6);
    b.writeUInt32LE(sec, rec);
    b.writeUInt32LE(us % 1e6, rec + 4);
    b.writeUInt32LE(cap, rec + 8);
    b.writeUInt32LE(wire, rec + 12);
    this.pos = rec + 16 + cap;

    // ── truth ───────────────────────────────────────────────────────────────────────────────────
    const t = this.t;
    t.packets++; t.wire += wire; t.captured += cap; t.ip += ipLen;
    if (f.v6) t.v6++; else t.v4++;
    if (proto === IPPROTO_TCP) t.tcp++; else if (proto === IPPROTO_UDP) t.udp++; else if (proto === IPPROTO_ICMP) t.icmp++; else t.icmpv6++;
    if (fromServer) { f.sPkts++; f.sIpBytes += ipLen; f.sFrameBytes += wire; }
    else { f.cPkts++; f.cIpBytes += ipLen; f.cFrameBytes += wire; }
    if (f.cPkts + f.sPkts > 1) { const gap = this.nowUs - f.lastUs; if (gap > f.maxGapUs) f.maxGapUs = gap; }
    else f.firstUs = this.nowUs;
    f.lastUs = this.nowUs;
  }

  // ── file I/O ────────────────────────────────────────────────────────────────────────────────
  private writeGlobalHeader(): void {
    const b = this.buf;
    b.writeUInt32LE(PCAP_MAGIC_USEC, 0);
    b.writeUInt16LE(2, 4); b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); b.writeUInt32LE(0, 12);
    b.writeUInt32LE(this.snaplen > 0 ? this.snaplen : 262144, 16);
    b.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.pos = 24;
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.fileBytes += this.pos;
    this.pos = 0;
  }

  private buildTruth(): Truth {
    const t = this.t;
    const d = this.durations.sort((a, b) => a - b);
    const q = (p: number): number => (d.length ? Number((d[Math.min(d.length - 1, Math.floor(p * d.length))] as number).toFixed(6)) : 0);
    const flowsByKind: Record<string, number> = {};
    const medianByKind: Record<string, number> = {};
    FLOW_KIND_NAMES.forEach((n, i) => {
      const a = (this.durationsByKind[i] as number[]).sort((x, y) => x - y);
      medianByKind[n] = a.length ? Number((a[a.length >> 1] as number).toFixed(6)) : 0;
    });
    FLOW_KIND_NAMES.forEach((n, i) => { flowsByKind[n] = this.byKind[i] as number; });
    const truth: Truth = {
      generator: 'weft bench/generate v1',
      options: {
        packets: this.P, flows: this.M, seed: this.o.seed ?? 1, snaplen: this.snaplen, pps: this.pps,
        startSec: this.startSec, pad: this.pad, truthFlows: this.truthFlows,
      },
      file: this.o.out,
      fileBytes: this.fileBytes,
      packets: t.packets,
      flows: this.nextFlowId,
      flowsComplete: t.complete,
      flowsByKind,
      flowsByIpVersion: { '4': t.flowsV4, '6': t.flowsV6 },
      packetsByProtocol: { tcp: t.tcp, udp: t.udp, icmp: t.icmp, icmpv6: t.icmpv6 },
      packetsByIpVersion: { '4': t.v4, '6': t.v6 },
      bytes: { wire: t.wire, captured: t.captured, ip: t.ip },
      dns: { queries: t.dnsQ, responses: t.dnsR },
      tcp: { syn: t.syn, finClosed: t.finClosed, rst: t.rst, refused: t.refused },
      concurrentPeak: t.peak,
      firstUs: this.startSec * 1e6,
      lastUs: this.startSec * 1e6 + Math.floor(this.nowUs),
      durationSec: Number((this.nowUs / 1e6).toFixed(6)),
      ppsAverage: Math.round(t.packets / Math.max(1e-6, this.nowUs / 1e6)),
      flowDurationSec: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1), medianByKind },
      flowsWithGapOver15s: t.gap15,
      flowsLongerThan60s: t.long60,
      elephants: { over1000Packets: t.over1000, largestPackets: t.largest },
    };
    if (this.truthFlows) truth.flowList = this.flowList.sort((a, b) => a.id - b.id);
    return truth;
  }
}

/**
 * Sampling weight of a transfer of about `packets` packets: flat for small exchanges, growing
 * linearly with the size (capped) so elephants move their bulk at up to ~1000× the rate of a
 * small flow instead of trickling until the capture ends.
 */
function rateWeight(packets: number): number {
  return Math.round(16 * (40 + Math.min(50_000, 2 * packets)));
}

const QUICK_WEIGHT = 200 * rateWeight(1);

// ── application payloads ───────────────────────────────────────────────────────────────────────
const enc = new TextEncoder();

/** DNS name in wire format (RFC 1035 §3.1), no compression. */
function dnsName(name: string, out: number[]): void {
  for (const label of name.split('.')) {
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i));
  }
  out.push(0);
}

/** Standard query with one question, RD set (RFC 1035 §4.1). */
export function dnsQuery(id: number, name: string, qtype: number): Uint8Array {
  const o: number[] = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  dnsName(name, o);
  o.push(qtype >> 8, qtype & 0xff, 0, 1);
  return Uint8Array.from(o);
}

/** Response: echoes the question, then optionally a CNAME and 1–4 A/AAAA answers; or NXDOMAIN. */
function dnsResponse(rng: Rng, id: number, name: string, qtype: number, nx: boolean): Uint8Array {
  const o: number[] = [id >> 8, id & 0xff, 0x81, nx ? 0x83 : 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
  dnsName(name, o);
  o.push(qtype >> 8, qtype & 0xff, 0, 1);
  if (nx) {
    // SOA in the authority section would be usual; an empty NXDOMAIN is still valid
    return Uint8Array.from(o);
  }
  let answers = 0;
  let owner = 0x0c; // compression pointer target (RFC 1035 §4.1.4): the question name
  if (rng.chance(0.25)) {
    const target = `${rng.pick(['e', 'a', 'd'])}${rng.int(9999)}.cdn${rng.int(9)}.edgekey.net`;
    o.push(0xc0, owner, 0, 5, 0, 1);
    const ttl = rng.range(30, 3600);
    o.push(ttl >>> 24, (ttl >>> 16) & 0xff, (ttl >>> 8) & 0xff, ttl & 0xff);
    const rd: number[] = []; dnsName(target, rd);
    o.push(rd.length >> 8, rd.length & 0xff);
    owner = o.length;
    o.push(...rd);
    answers++;
  }
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    o.push(0xc0 | (owner >> 8), owner & 0xff, qtype >> 8, qtype & 0xff, 0, 1);
    const ttl = rng.range(20, 300);
    o.push(ttl >>> 24, (ttl >>> 16) & 0xff, (ttl >>> 8) & 0xff, ttl & 0xff);
    if (qtype === 28) {
      o.push(0, 16, 0x26, 0x06, 0x47, 0x00);
      for (let j = 0; j < 12; j++) o.push(rng.int(256));
    } else {
      o.push(0, 4, rng.pick(SERVER_V4_NETS), rng.int(256), rng.int(256), rng.range(1, 254));
    }
    answers++;
  }
  o[6] = answers >> 8; o[7] = answers & 0xff;
  return Uint8Array.from(o);
}

function httpRequest(rng: Rng, host: string): Uint8Array {
  const path = rng.pick(['/', '/index.html', '/api/v1/items', '/static/app.js', '/img/logo.png', '/search?q=weft']);
  return enc.encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`);
}

/** Response head, padded to an even length so the opaque body that follows stays word-aligned. */
function httpResponseHead(bodyLen: number): Uint8Array {
  let s = `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyLen}\r\n\r\n`;
  if (s.length & 1) s = s.replace('Server: nginx', 'Server: nginx ');
  return enc.encode(s);
}

/** A TLS 1.3 ClientHello in one record (RFC 8446 §4.1.2) with SNI, ALPN, key share; padded to 517 bytes like Chrome. */
export function tlsClientHello(rng: Rng, sni: string): Uint8Array {
  const ext: number[] = [];
  const u16 = (a: number[], v: number): void => { a.push(v >> 8, v & 0xff); };
  const addExt = (type: number, body: number[]): void => { u16(ext, type); u16(ext, body.length); ext.push(...body); };
  const name = Array.from(enc.encode(sni));
  { const b: number[] = []; u16(b, name.length + 3); b.push(0); u16(b, name.length); b.push(...name); addExt(0x0000, b); } // server_name
  addExt(0x0017, []); // extended_master_secret
  addExt(0xff01, [0]); // renegotiation_info
  addExt(0x000a, [0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 0, 0x19]); // supported_groups
  addExt(0x000b, [1, 0]); // ec_point_formats
  addExt(0x0023, []); // session_ticket
  { const alpn = [2, 0x68, 0x32, 8, ...enc.encode('http/1.1')]; const b: number[] = []; u16(b, alpn.length); b.push(...alpn); addExt(0x0010, b); }
  addExt(0x0005, [1, 0, 0, 0, 0]); // status_request
  addExt(0x000d, [0, 16, 4, 3, 5, 3, 6, 3, 8, 4, 8, 5, 8, 6, 4, 1, 5, 1]); // signature_algorithms (8 schemes)
  { const b = [0, 36, 0, 0x1d, 0, 32]; for (let i = 0; i < 32; i++) b.push(rng.int(256)); addExt(0x0033, b); } // key_share x25519
  addExt(0x002d, [1, 1]); // psk_key_exchange_modes
  addExt(0x002b, [4, 3, 4, 3, 3]); // supported_versions: TLS 1.3, 1.2
  const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
  const hello: number[] = [3, 3];
  for (let i = 0; i < 32; i++) hello.push(rng.int(256));
  hello.push(32); for (let i = 0; i < 32; i++) hello.push(rng.int(256));
  u16(hello, suites.length * 2); for (const s of suites) u16(hello, s);
  hello.push(1, 0);
  // padding extension (RFC 7685) so the record is 517 bytes: 5 (record) + 4 (handshake) + body
  const fixed = 5 + 4 + hello.length + 2 + ext.length + 4;
  const padLen = Math.max(0, 517 - fixed);
  addExt(0x0015, new Array<number>(padLen).fill(0));
  u16(hello, ext.length); hello.push(...ext);
  const hs = [1, hello.length >> 16, (hello.length >> 8) & 0xff, hello.length & 0xff, ...hello];
  return Uint8Array.from([0x16, 3, 1, hs.length >> 8, hs.length & 0xff, ...hs]);
}
