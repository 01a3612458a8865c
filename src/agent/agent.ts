/**
 * The live agent: the composition root that turns a host's namespaces and interfaces into records.
 *
 *   discovery ──(every rescan, and when /var/run/netns changes)──► reconcile: attach new interfaces,
 *                                                                  forget vanished ones
 *   eBPF source:  kernel flow map ──(drain timer)──► KernelFlows ──► FlowRecord ─┐
 *                 tap/event rings ──(native consumer)──► RingDecoder ─┬─ packets ─► LivePipeline ─► sinks
 *                                                                  └─ events ──┘  (decode, dissect)
 *   pcap source:  one libpcap capture per interface ──► LivePipeline (the TS flow table meters)
 *   every statsInterval: a stats record with every stage's counters (kernel map full, ring
 *   reserve failures, decode, dissectors, sinks)
 *
 * stop() (SIGINT/SIGTERM, --duration) drains the rings and the flow map one last time, ends every
 * flow, writes the final stats and detaches everything. tcx links die with the process, so even a
 * `kill -9` leaves nothing behind; legacy tc filters use a fixed handle and are replaced on start.
 */
import { watch, type FSWatcher } from 'node:fs';

import { AgentError, ErrorCode } from '../core/index.js';
import {
  KernelSensor, PacketFilter, PcapLiveCapture, RingDecoder, readBtfEnum, probeCapabilities, defaultObjectPath,
  type Capabilities, type PacketRule, type TcAttachment,
} from '../capture/index.js';
import { communityIdFromWords, KernelFlows } from '../flow/index.js';
import { LivePipeline } from '../pipeline/live.js';
import { matchesAny, parseAddresses, parseLinks, scanNetns, type LinkInfo, type NetnsEntry } from '../discovery/index.js';
import { loadBridge, type Bridge } from '../native/index.js';
import {
  KernelEventAction, LinkType, type EventProcess, type EventRecord, type ExportRecord, type ObservationPoint, type PacketView,
  type StatsRecord, type TopologyNamespace, type TopologyRecord,
} from '../model/index.js';
import type { EcsJsonEncoder, Sink } from '../export/index.js';
import { RecordPolicy, type PacketListener } from '../pipeline/index.js';
import type { ControlTarget, PipelineConfig, PipelineSet, Selector, SensorInfo, SensorUpdate } from '../control/index.js';
import type { z } from 'zod';

export interface AgentOptions {
  /** 'auto' picks eBPF when it can, else libpcap (and says why). */
  readonly source: 'auto' | 'ebpf' | 'pcap';
  /** Namespace names to observe ('host' = the agent's own); ['all'] = every namespace. */
  readonly netns: readonly string[];
  /** Interface name patterns (shell globs); empty = every interface. */
  readonly ifaces: readonly string[];
  readonly sinks: readonly Sink[];
  readonly flowIdleMs: number;
  readonly flowActiveMs: number;
  /** Stats record interval; 0 = only at the end. */
  readonly statsIntervalMs: number;
  /** How often the kernel flow map is read. */
  readonly drainIntervalMs: number;
  /** How often namespaces and interfaces are rescanned (also on /var/run/netns changes). */
  readonly rescanIntervalMs: number;
  /** Tap: first N socket buffers of every flow go to the dissectors (0 = off), snaplen bytes each. */
  readonly tapFirstPackets: number;
  readonly snaplen: number;
  /** Extra tap and block rules (the control plane's). */
  readonly tapRules?: readonly PacketRule[];
  readonly blockRules?: readonly PacketRule[];
  /** libpcap source: tcpdump filter. */
  readonly pcapFilter?: string;
  readonly flowEntries: number;
  /** Tap ring size in bytes (power of two ≥ page size; default 8 MiB). */
  readonly tapRingBytes?: number;
  readonly dissect: boolean;
  readonly info: (line: string) => void;
  readonly warn: (line: string) => void;
  /** Tests: a bridge of their own, a slow consumer. */
  readonly bridge?: Bridge;
  readonly ringOptions?: { intervalMs?: number; batchBytes?: number; maxQueue?: number };
  readonly onRingBatch?: (batch: Buffer) => void;
  /** The observation points list the agent fills (the sinks' encoder reads it). */
  readonly points?: ObservationPoint[];
  /** This node's name (observer.hostname, control subjects). */
  readonly node?: string;
  /** The sink URIs behind `sinks` (pipeline.get) and how to open new ones (pipeline.set). */
  readonly sinkUris?: readonly string[];
  readonly openSink?: (uri: string) => Sink;
  /** The JSON encoder the sinks share (pipeline.set field selection). */
  readonly encoder?: EcsJsonEncoder;
}

/** A sensor's packet settings (sensor.update). */
interface SensorSettings {
  filter: string;
  sampling: number;
  snaplen: number;
}

/** One observed interface. */
interface Observed {
  readonly key: string;
  readonly netns: NetnsEntry;
  readonly link: LinkInfo;
  readonly point: number;
  attachment?: TcAttachment;
  capture?: PcapLiveCapture;
  settings: SensorSettings;
}

const DNS_PORT = 53;
/** Listening sockets remembered for attributing accepted connections. */
const MAX_LISTENERS = 65_536;

export class Agent implements ControlTarget {
  readonly capabilities: Capabilities;
  readonly node: string;
  readonly source: 'ebpf' | 'pcap';
  private readonly options: AgentOptions;
  private readonly bridge: Bridge;
  private readonly pipeline: LivePipeline;
  private sensor: KernelSensor | undefined;
  private flows: KernelFlows | undefined;
  private decoder: RingDecoder | undefined;
  private flowBuffers: { keys: Buffer; values: Buffer; deletes: Buffer } | undefined;
  private readonly observed = new Map<string, Observed>();
  /** (netns inode, ifindex) → observation point; the ring decoder and flow records use it. */
  private readonly pointsByIface = new Map<number, Map<number, number>>();
  private readonly netnsNames = new Map<number, string>();
  private readonly ifaceNames = new Map<string, string>();
  private readonly dropReasons: Map<number, string>;
  /** netns:port → the process that called listen() there (see attribute()). */
  private readonly listeners = new Map<string, EventProcess>();
  private readonly timers: NodeJS.Timeout[] = [];
  private watcher: FSWatcher | undefined;
  private readonly offset: { sec: number; nsec: number; monoNs: bigint; realNs: bigint };
  private stopping: Promise<void> | undefined;
  private readonly counters = { attach_failures: 0, interfaces_attached: 0, interfaces_detached: 0, netns_seen: 0, flow_drains: 0, flow_drain_ms_max: 0 };
  private reconciling = false;
  /** Sensors stopped by sensor.stop (`inode:ifname`), with what they were. */
  private readonly stopped = new Map<string, SensorInfo>();
  /** Namespace patterns sensor.start added to the --netns selection. */
  private readonly extraNetns: string[] = [];
  /** Settings sensor.update gave, by `inode:ifname`, kept across re-attachment. */
  private readonly sensorSettings = new Map<string, SensorSettings>();
  private captureTapRules: readonly PacketRule[] = [];
  private pipelineState: PipelineConfig;

  private constructor(options: AgentOptions, bridge: Bridge, capabilities: Capabilities, source: 'ebpf' | 'pcap') {
    this.options = options;
    this.node = options.node ?? 'localhost';
    this.pipelineState = { include: [], exclude: [], sampling: {}, fields: {}, sinks: options.sinkUris ?? options.sinks.map((x) => x.name) };
    this.bridge = bridge;
    this.capabilities = capabilities;
    this.source = source;
    const clocks = bridge.clocks();
    const offsetNs = clocks.realtimeNs - clocks.monotonicNs;
    this.offset = { sec: Number(offsetNs / 1_000_000_000n), nsec: Number(offsetNs % 1_000_000_000n), monoNs: clocks.monotonicNs, realNs: clocks.realtimeNs };
    this.dropReasons = source === 'ebpf' ? readBtfEnum('skb_drop_reason') : new Map();
    this.pipeline = new LivePipeline({
      meterPackets: source === 'pcap',
      flow: { idleTimeoutMs: options.flowIdleMs, activeTimeoutMs: options.flowActiveMs },
      dissect: options.dissect,
      warn: options.warn,
      ...(options.points !== undefined && { points: options.points }),
    }, options.sinks);
  }

  /** Probes the host, picks the source (saying why when it falls back), and loads the sensors. */
  static async start(options: AgentOptions): Promise<Agent> {
    let bridge = options.bridge;
    let bridgeError: string | undefined;
    if (bridge === undefined) {
      try {
        bridge = loadBridge();
      } catch (error) {
        bridgeError = (error as Error).message;
      }
    }
    const capabilities = probeCapabilities(bridge, bridgeError, defaultObjectPath());
    let source: 'ebpf' | 'pcap';
    if (options.source === 'ebpf') {
      if (capabilities.source !== 'ebpf') throw new AgentError(ErrorCode.USAGE, `--source ebpf: ${capabilities.fallbackReason ?? 'eBPF unavailable'}`);
      source = 'ebpf';
    } else if (options.source === 'pcap') {
      source = 'pcap';
    } else if (capabilities.source === 'replay') {
      throw new AgentError(ErrorCode.NATIVE_UNAVAILABLE, `${capabilities.fallbackReason ?? 'no live source'}; use weft replay FILE`);
    } else {
      source = capabilities.source;
      if (capabilities.fallbackReason !== undefined) options.info(capabilities.fallbackReason);
    }
    if (bridge === undefined) throw new AgentError(ErrorCode.NATIVE_UNAVAILABLE, bridgeError ?? 'the native bridge is not built (run make build)');
    const agent = new Agent(options, bridge, capabilities, source);
    try {
      if (source === 'ebpf') agent.loadSensor();
      agent.reconcile();
    } catch (error) {
      await agent.stop().catch(() => undefined);
      throw error;
    }
    agent.startTimers();
    return agent;
  }

  /** Interfaces being observed: netns name (or inode) and interface name. */
  interfaces(): { netns: string; netnsInode: number; iface: string; ifindex: number; mode: string }[] {
    return [...this.observed.values()].map((o) => ({
      netns: o.netns.name ?? (o.netns.own ? 'host' : String(o.netns.inode)),
      netnsInode: o.netns.inode,
      iface: o.link.name,
      ifindex: o.link.ifindex,
      mode: o.attachment?.mode ?? 'pcap',
    }));
  }

  get points(): readonly ObservationPoint[] {
    return this.pipeline.points;
  }

  // ── the control plane's view (ControlTarget) ────────────────────────────────────────────────

  get fallbackReason(): string | undefined {
    return this.capabilities.fallbackReason;
  }

  emit(record: ExportRecord): void {
    this.pipeline.add(record);
  }

  addPacketListener(listener: PacketListener): () => void {
    return this.pipeline.addPacketListener(listener);
  }

  setCaptureTapRules(rules: readonly PacketRule[]): void {
    this.captureTapRules = rules;
    this.applyTapRules();
  }

  netnsInode(name: string): number | undefined {
    for (const o of this.observed.values()) {
      if (o.netns.name === name || String(o.netns.inode) === name || (name === 'host' && o.netns.own)) return o.netns.inode;
    }
    return undefined;
  }

  ifindex(netnsInode: number | undefined, name: string): number | undefined {
    for (const o of this.observed.values()) {
      if (o.link.name === name && (netnsInode === undefined || o.netns.inode === netnsInode)) return o.link.ifindex;
    }
    return undefined;
  }

  pointSelected(selector: Selector, index: number): boolean {
    for (const o of this.observed.values()) if (o.point === index) return this.selects(selector, o.netns, o.link.name);
    return false;
  }

  sensors(selector: Selector): SensorInfo[] {
    const live = [...this.observed.values()].filter((o) => this.selects(selector, o.netns, o.link.name)).map((o) => this.sensorInfo(o));
    const stopped = [...this.stopped.values()].filter((i) => this.selectsInfo(selector, i));
    return [...live, ...stopped];
  }

  sensorStop(selector: Selector): SensorInfo[] {
    const out: SensorInfo[] = [];
    for (const [key, o] of this.observed) {
      if (!this.selects(selector, o.netns, o.link.name)) continue;
      const info = { ...this.sensorInfo(o), mode: 'stopped' };
      this.forget(o);
      this.observed.delete(key);
      this.stopped.set(`${o.netns.inode}:${o.link.name}`, info);
      out.push(info);
    }
    return out;
  }

  sensorStart(selector: Selector): SensorInfo[] {
    for (const [key, info] of this.stopped) if (this.selectsInfo(selector, info)) this.stopped.delete(key);
    for (const pattern of selector.netns ?? []) if (!this.options.netns.includes('all') && !this.extraNetns.includes(pattern)) this.extraNetns.push(pattern);
    this.reconcile();
    return this.sensors(selector);
  }

  sensorUpdate(update: z.output<typeof SensorUpdate>): SensorInfo[] {
    const matched = [...this.observed.values()].filter((o) => this.selects(update.selector, o.netns, o.link.name));
    if (update.tap_first !== undefined || (update.snaplen !== undefined && this.sensor !== undefined)) {
      // The kernel tap's settings are one per program, not per interface.
      if (update.selector.netns !== undefined || update.selector.interface !== undefined) {
        throw new AgentError(ErrorCode.USAGE, 'sensor.update: tap_first and snaplen apply to every eBPF sensor at once (use an empty selector)');
      }
      this.sensor?.setTapFirst(update.tap_first ?? this.options.tapFirstPackets, update.snaplen ?? this.options.snaplen);
    }
    // Compile first, so that a bad filter changes nothing.
    const accept = new Map<number, ((view: PacketView) => boolean) | undefined>();
    for (const o of matched) {
      const filter = update.filter ?? o.settings.filter;
      const linkType = this.pipeline.points[o.point]?.linkType ?? LinkType.ETHERNET;
      accept.set(o.point, filter === '' ? undefined : this.compileFilter(filter, linkType, update.snaplen ?? o.settings.snaplen));
    }
    for (const o of matched) {
      o.settings = {
        filter: update.filter ?? o.settings.filter,
        sampling: update.sampling ?? o.settings.sampling,
        snaplen: update.snaplen ?? o.settings.snaplen,
      };
      this.sensorSettings.set(`${o.netns.inode}:${o.link.name}`, o.settings);
      const a = accept.get(o.point);
      this.pipeline.setPointFilter(o.point, a === undefined && o.settings.sampling === 1 ? undefined : {
        ...(a !== undefined && { accept: a }), sampleEvery: o.settings.sampling, seen: 0,
      });
    }
    return matched.map((o) => this.sensorInfo(o));
  }

  /** A tcpdump-syntax filter as a packet predicate (libpcap's compiler and matcher). */
  compileFilter(expression: string, linkType: number, snaplen: number): (view: PacketView) => boolean {
    const filter = PacketFilter.compile(this.bridge, expression, linkType, snaplen);
    return (v) => filter.matches(v);
  }

  pipelineConfig(): PipelineConfig {
    return this.pipelineState;
  }

  async setPipeline(update: z.output<typeof PipelineSet>): Promise<PipelineConfig> {
    const next: PipelineConfig = {
      include: update.include ?? this.pipelineState.include,
      exclude: update.exclude ?? this.pipelineState.exclude,
      sampling: update.sampling ?? this.pipelineState.sampling,
      fields: update.fields ?? this.pipelineState.fields,
      sinks: update.sinks ?? this.pipelineState.sinks,
    };
    const policy = new RecordPolicy(next); // throws on an unknown field, before anything changes
    if (update.fields !== undefined && this.options.encoder === undefined) throw new AgentError(ErrorCode.USAGE, 'fields: this agent has no JSON encoder to select fields in');
    let opened: Sink[] | undefined;
    if (update.sinks !== undefined) {
      const open = this.options.openSink;
      if (open === undefined) throw new AgentError(ErrorCode.USAGE, 'sinks: this agent cannot open sinks at run time');
      opened = [];
      try {
        for (const uri of update.sinks) opened.push(open(uri));
      } catch (error) {
        for (const s of opened) await s.close().catch(() => undefined);
        throw error;
      }
    }
    this.pipeline.setRecordPolicy(policy.active ? policy : undefined);
    this.options.encoder?.setFieldSelection(next.fields);
    if (opened !== undefined) {
      const old = this.pipeline.setSinks(opened);
      await this.pipeline.settle();
      for (const s of old) await s.close().catch((error: unknown) => this.options.warn(`closing sink ${s.name}: ${(error as Error).message}`));
    }
    this.pipelineState = next;
    return next;
  }

  /** The sinks in use now (pipeline.set may have replaced the ones the agent started with). */
  get currentSinks(): readonly Sink[] {
    return this.pipeline.currentSinks;
  }

  topology(): TopologyRecord {
    const now = Date.now();
    const namespaces: TopologyNamespace[] = [];
    const observedKeys = new Set([...this.observed.values()].map((o) => `${o.netns.inode}:${o.link.ifindex}`));
    for (const ns of scanNetns().values()) {
      let links: LinkInfo[];
      let addresses: ReturnType<typeof parseAddresses>;
      try {
        const path = ns.own ? undefined : ns.path;
        links = parseLinks(this.bridge.netlinkDump(path, 'link'));
        addresses = parseAddresses(this.bridge.netlinkDump(path, 'addr'));
      } catch {
        continue; // gone between the scan and the dump
      }
      namespaces.push({
        inode: ns.inode, ...(ns.name !== undefined && { name: ns.name }), own: ns.own,
        interfaces: links.map((l) => ({
          ifindex: l.ifindex, name: l.name, kind: l.kind, mac: l.mac, mtu: l.mtu, up: l.up,
          addresses: addresses.filter((a) => a.ifindex === l.ifindex).map((a) => `${a.address}/${a.prefixLength}`),
          link: l.link, linkNetnsId: l.linkNetnsId, master: l.master, observed: observedKeys.has(`${ns.inode}:${l.ifindex}`),
        })),
      });
    }
    return { kind: 'topology', sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6, node: this.node, change: 'snapshot', namespaces };
  }

  private netnsLabel(ns: NetnsEntry): string {
    return ns.name ?? (ns.own ? 'host' : String(ns.inode));
  }

  private sensorInfo(o: Observed): SensorInfo {
    return {
      netns: this.netnsLabel(o.netns), netns_inode: o.netns.inode, interface: o.link.name, ifindex: o.link.ifindex,
      mode: o.attachment?.mode ?? 'pcap', filter: o.settings.filter, sampling: o.settings.sampling, snaplen: o.settings.snaplen,
    };
  }

  private selects(selector: Selector, ns: NetnsEntry, iface: string): boolean {
    if (selector.container !== undefined || selector.pod !== undefined) {
      throw new AgentError(ErrorCode.USAGE, 'selector.container/pod: this agent does not map namespaces to containers yet (select by netns)');
    }
    const netnsOk = selector.netns === undefined || selector.netns.some((p) =>
      (p === 'host' && ns.own) || p === String(ns.inode) || (ns.name !== undefined && matchesAny(ns.name, [p])));
    return netnsOk && (selector.interface === undefined || matchesAny(iface, selector.interface));
  }

  private selectsInfo(selector: Selector, info: SensorInfo): boolean {
    const netnsOk = selector.netns === undefined || selector.netns.some((p) => p === String(info.netns_inode) || matchesAny(info.netns, [p]));
    return netnsOk && (selector.interface === undefined || matchesAny(info.interface, selector.interface));
  }

  private applyTapRules(): void {
    const sensor = this.sensor;
    if (sensor === undefined) return;
    const o = this.options;
    sensor.setTapRules([
      // DNS is worth every packet: a resolver's flow lives long, but each message matters.
      ...(o.dissect ? [{ id: 0, action: 'tap' as const, portLow: DNS_PORT, portHigh: DNS_PORT, snaplen: o.snaplen }] : []),
      ...(o.tapRules ?? []),
      ...this.captureTapRules,
    ]);
  }

  /** Replaces the block rules (enforcement) in the kernel. */
  setBlockRules(rules: readonly PacketRule[]): void {
    if (this.sensor === undefined) throw new AgentError(ErrorCode.USAGE, 'blocking needs the eBPF source');
    this.sensor.setBlockRules(rules);
  }

  blockHits(count: number): number[] {
    return this.sensor?.blockHits(count) ?? [];
  }

  /** Monotonic nanoseconds now, in the kernel's clock (rule expiry times are in it). */
  monotonicNowNs(): number {
    const c = this.bridge.clocks();
    return Number(c.monotonicNs);
  }

  /** Reads the kernel flow map now (tests and shutdown; the timer does it otherwise). */
  drainFlows(): void {
    const sensor = this.sensor;
    const flows = this.flows;
    const buffers = this.flowBuffers;
    if (sensor === undefined || flows === undefined || buffers === undefined) return;
    const t0 = performance.now();
    const n = sensor.readFlows(buffers.keys, buffers.values);
    const deletes = flows.update(buffers.keys, buffers.values, n, this.monotonicNowNs(), buffers.deletes);
    sensor.deleteFlows(buffers.deletes, deletes);
    this.counters.flow_drains++;
    this.counters.flow_drain_ms_max = Math.max(this.counters.flow_drain_ms_max, Math.round(performance.now() - t0));
  }

  /** Stops everything (idempotent): final drain, every flow ended, final stats, all detached. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  stats(): StatsRecord {
    const now = Date.now();
    const counters: Record<string, number> = { ...this.counters, interfaces_observed: this.observed.size };
    Object.assign(counters, this.pipeline.counters());
    if (this.sensor !== undefined) {
      Object.assign(counters, this.sensor.counters());
      const ring = this.sensor.ringStats();
      if (ring !== undefined) {
        counters['ring_batches'] = ring.batches;
        counters['ring_records'] = ring.records;
        counters['ring_queue_full_waits'] = ring.queueFullWaits;
      }
    }
    if (this.decoder !== undefined) Object.assign(counters, this.decoder.counters);
    if (this.flows !== undefined) Object.assign(counters, this.flows.counters());
    let pcapDropped = 0;
    let pcapIfDropped = 0;
    for (const o of this.observed.values()) {
      if (o.capture === undefined) continue;
      try {
        const s = o.capture.stats();
        pcapDropped += s.dropped;
        pcapIfDropped += s.ifDropped;
      } catch { /* closing */ }
    }
    if (this.source === 'pcap') {
      counters['pcap_dropped'] = pcapDropped;
      counters['pcap_if_dropped'] = pcapIfDropped;
    }
    // The capability report travels with the stats (numbers, as every counter): 1 = available.
    const c = this.capabilities;
    counters['source_ebpf'] = this.source === 'ebpf' ? 1 : 0;
    counters['cap_btf'] = c.btf ? 1 : 0;
    counters['cap_tcx'] = c.tcx ? 1 : 0;
    counters['cap_ringbuf'] = c.ringbuf ? 1 : 0;
    counters['cap_tp_btf'] = c.tracing ? 1 : 0;
    counters['cap_drop_reasons'] = c.dropReasons;
    counters['cap_bpf_privileges'] = c.capabilities.includes('BPF') || c.capabilities.includes('SYS_ADMIN') ? 1 : 0;
    return { kind: 'stats', sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6, tsDigits: 3, counters };
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  private loadSensor(): void {
    const o = this.options;
    const sensor = KernelSensor.open(this.bridge, {
      flowEntries: o.flowEntries,
      tapRingBytes: o.tapRingBytes ?? 8 << 20,
      eventRingBytes: 1 << 20,
      flows: true,
      tap: true, // dissectors, tap rules and captures all read the tap ring
      block: true,
      tcpEvents: this.capabilities.tracing,
      dropEvents: this.capabilities.tracing && this.capabilities.dropReasons > 0,
    });
    this.sensor = sensor;
    if (o.dissect) sensor.setTapFirst(o.tapFirstPackets, o.snaplen);
    this.applyTapRules();
    if (o.blockRules !== undefined) sensor.setBlockRules(o.blockRules);
    this.flows = new KernelFlows(
      { idleTimeoutNs: o.flowIdleMs * 1e6, activeTimeoutNs: o.flowActiveMs * 1e6, tcpLingerNs: Math.min(2000, o.flowIdleMs) * 1e6 },
      { offsetSec: this.offset.sec, offsetNsec: this.offset.nsec },
      (netns, ifindex) => this.pointOf(netns, ifindex),
      (record) => this.pipeline.add(record),
    );
    this.flowBuffers = sensor.flowBuffers();
    this.decoder = new RingDecoder({
      offsetSec: this.offset.sec,
      offsetNsec: this.offset.nsec,
      pointOf: (netns, ifindex) => this.pointOf(netns, ifindex),
      netnsName: (netns) => this.netnsNames.get(netns),
      interfaceName: (netns, ifindex) => this.ifaceNames.get(`${netns}:${ifindex}`),
      dropReasonName: (code) => (this.dropReasons.get(code) ?? `UNKNOWN_${code}`).replace(/^SKB_DROP_REASON_/, ''),
      communityId: (ver, proto, s0, s1, s2, s3, d0, d1, d2, d3, sport, dport) =>
        communityIdFromWords(ver, proto, s0, s1, s2, s3, d0, d1, d2, d3, sport, dport),
    }, {
      packet: (view) => this.pipeline.packet(view),
      event: (record) => {
        // Events of namespaces we do not observe are someone else's business.
        if (this.pointsByIface.has(record.netnsInode)) this.pipeline.add(this.attribute(record));
      },
    });
    const decoder = this.decoder;
    const extra = o.onRingBatch;
    sensor.startRings((batch) => {
      extra?.(batch);
      decoder.batch(batch);
    }, { intervalMs: 5, ...o.ringOptions });
  }

  /**
   * Accepted connections change state in softirq, where the current task is whoever was
   * interrupted; but they belong to the process listening on their local port, which the LISTEN
   * transition (a system call) named. Bounded: one entry per listening socket.
   */
  private attribute(record: EventRecord): EventRecord {
    if (record.action !== KernelEventAction.TCP_STATE) return record;
    const key = `${record.netnsInode}:${record.sourcePort}`;
    if (record.newState === 'LISTEN' && record.process !== undefined) {
      if (this.listeners.size < MAX_LISTENERS) this.listeners.set(key, record.process);
      return record;
    }
    if (record.oldState === 'LISTEN' && record.newState === 'CLOSE') {
      this.listeners.delete(key);
      return record;
    }
    if (record.process !== undefined || record.oldState === 'CLOSE' || record.newState === 'SYN_SENT') return record;
    const listener = this.listeners.get(key);
    return listener === undefined ? record : { ...record, process: listener };
  }

  private pointOf(netns: number, ifindex: number): number {
    return this.pointsByIface.get(netns)?.get(ifindex) ?? -1;
  }

  private selectedNetns(): NetnsEntry[] {
    const wanted = [...this.options.netns, ...this.extraNetns];
    const all = [...scanNetns().values()];
    if (wanted.includes('all')) return all;
    return all.filter((ns) => (ns.name !== undefined && matchesAny(ns.name, wanted)) || (ns.own && wanted.includes('host')));
  }

  /** Attaches to interfaces that appeared, forgets those that vanished. Never throws. */
  private reconcile(): void {
    if (this.reconciling || this.stopping !== undefined) return;
    this.reconciling = true;
    try {
      const seen = new Set<string>();
      const namespaces = this.selectedNetns();
      this.counters.netns_seen = namespaces.length;
      for (const ns of namespaces) {
        let links: LinkInfo[];
        try {
          links = parseLinks(this.bridge.netlinkDump(ns.own ? undefined : ns.path, 'link'));
        } catch {
          continue; // the namespace went away between the scan and the dump
        }
        if (ns.name !== undefined) this.netnsNames.set(ns.inode, ns.name);
        for (const link of links) {
          if (this.options.ifaces.length > 0 && !matchesAny(link.name, this.options.ifaces)) continue;
          const key = `${ns.inode}:${link.ifindex}:${link.name}`;
          if (this.stopped.has(`${ns.inode}:${link.name}`)) continue;
          seen.add(key);
          if (!this.observed.has(key)) this.observe(key, ns, link);
        }
      }
      for (const [key, o] of this.observed) {
        if (seen.has(key)) continue;
        this.forget(o);
        this.observed.delete(key);
      }
    } finally {
      this.reconciling = false;
    }
  }

  private observe(key: string, ns: NetnsEntry, link: LinkInfo): void {
    const index = this.pipeline.points.length;
    const netnsPath = ns.own ? undefined : ns.path;
    let attachment: TcAttachment | undefined;
    let capture: PcapLiveCapture | undefined;
    try {
      if (this.sensor !== undefined) {
        attachment = this.sensor.attach(netnsPath, link.ifindex);
      } else {
        capture = new PcapLiveCapture(this.bridge, {
          iface: link.name, point: index, snaplen: this.options.snaplen,
          ...(netnsPath !== undefined && { netnsPath }),
          ...(this.options.pcapFilter !== undefined && { filter: this.options.pcapFilter }),
        }, this.pipeline);
      }
    } catch (error) {
      this.counters.attach_failures++;
      this.options.warn(`${ns.name ?? ns.inode}/${link.name}: cannot attach: ${(error as Error).message}`);
      return;
    }
    const linkType = capture?.linkType ?? (link.arphrd === 1 || link.arphrd === 772 ? LinkType.ETHERNET : LinkType.RAW);
    const point: ObservationPoint = {
      index, interfaceId: link.ifindex, section: 0, linkType, name: link.name,
      ...(link.kind !== '' && { description: link.kind }),
      snaplen: this.options.snaplen, tsDigits: 9, netnsInode: ns.inode,
      ...(ns.name !== undefined && { netnsName: ns.name }),
    };
    this.pipeline.interface(point);
    let byIface = this.pointsByIface.get(ns.inode);
    if (byIface === undefined) this.pointsByIface.set(ns.inode, (byIface = new Map()));
    byIface.set(link.ifindex, index);
    this.ifaceNames.set(`${ns.inode}:${link.ifindex}`, link.name);
    const settings = this.sensorSettings.get(`${ns.inode}:${link.name}`) ?? { filter: this.options.pcapFilter ?? '', sampling: 1, snaplen: this.options.snaplen };
    const o: Observed = { key, netns: ns, link, point: index, settings };
    if (attachment !== undefined) o.attachment = attachment;
    if (capture !== undefined) o.capture = capture;
    this.observed.set(key, o);
    this.counters.interfaces_attached++;
  }

  /** An interface (or its namespace) went away: detach what is left. Its flows end by timeout. */
  private forget(o: Observed): void {
    this.counters.interfaces_detached++;
    if (o.attachment !== undefined) {
      try {
        this.sensor?.detach(o.attachment);
      } catch { /* already gone with the interface */ }
    }
    if (o.capture !== undefined) void o.capture.close().catch(() => undefined);
  }

  private startTimers(): void {
    const o = this.options;
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(() => {
        try {
          fn();
        } catch (error) {
          o.warn((error as Error).message);
        }
      }, ms);
      this.timers.push(t);
    };
    every(o.rescanIntervalMs, () => this.reconcile());
    if (this.sensor !== undefined) every(o.drainIntervalMs, () => this.drainFlows());
    every(250, () => {
      const now = Date.now();
      this.pipeline.tick(Math.floor(now / 1000), (now % 1000) * 1e6);
    });
    if (o.statsIntervalMs > 0) every(o.statsIntervalMs, () => this.pipeline.add(this.stats()));
    try {
      this.watcher = watch('/var/run/netns', () => setImmediate(() => this.reconcile()));
      this.watcher.on('error', () => undefined);
    } catch { /* no such folder yet: the rescan timer covers it */ }
  }

  private async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.watcher?.close();
    const sensor = this.sensor;
    if (sensor !== undefined) {
      await sensor.stopRings(); // everything in the rings reaches the pipeline first
      this.drainFlows();
      this.flows?.flushAll();
    }
    for (const o of this.observed.values()) if (o.capture !== undefined) await o.capture.close().catch(() => undefined);
    await this.pipeline.finish();
    this.pipeline.add(this.stats());
    await this.pipeline.finish();
    if (sensor !== undefined) {
      for (const o of this.observed.values()) {
        if (o.attachment === undefined) continue;
        try {
          sensor.detach(o.attachment);
        } catch { /* gone with its interface */ }
      }
      await sensor.close();
    }
    this.observed.clear();
  }
}

