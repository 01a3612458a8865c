/**
 * The live pipeline: packets from a live source (the eBPF tap, or libpcap) → decode → flow table →
 * dissectors → records → sinks, plus records made elsewhere (kernel-metered flows, kernel events)
 * joining the same batches. Time is the packets' own, pushed forward by the wall clock on `tick`
 * so timeouts fire when traffic stops.
 *
 * Two ways to meter:
 *   meterPackets: true  — libpcap sees every packet: the TS flow table's records are the flows.
 *   meterPackets: false — the kernel meters (exact, GSO-aware) and the tap sees only some packets:
 *                         the flow table only gives the dissectors their per-connection slots, and
 *                         its records are dropped.
 */
import { decodePacket } from '../decode/index.js';
import type { Dissectors } from '../dpi/index.js';
import { createDissectors } from './dissectors.js';
import { communityIdFromWords, FlowTable, type FlowConfig } from '../flow/index.js';
import {
  APP_PROTOCOL_NAMES, AppProtocol, DecodeStatus, FlowEndReason, PacketView,
  type AppRecord, type ExportRecord, type FlowRecord, type ObservationPoint,
} from '../model/index.js';
import type { CaptureHandler } from '../capture/index.js';
import type { Sink } from '../export/index.js';
import { RecordPolicy } from './record-policy.js';

/** Records per batch at most; a batch also leaves on every tick. */
const MAX_BATCH = 1024;
/** Connections whose application protocol is remembered for the kernel's flow records. */
const MAX_APP_PROTOCOLS = 65_536;

export interface LivePipelineOptions {
  readonly meterPackets: boolean;
  readonly flow?: Partial<FlowConfig>;
  readonly dissect?: boolean;
  readonly maxSessions?: number;
  readonly warn: (message: string) => void;
  /** The observation points list to fill (an encoder made before the pipeline may share it). */
  readonly points?: ObservationPoint[];
}

/** What a sensor hands on from one observation point: packets its filter accepts, 1 in N of them. */
export interface PointFilter {
  readonly accept?: (view: PacketView) => boolean;
  readonly sampleEvery: number;
  seen: number;
}

/** Sees every packet the sensors hand on, decoded (captures); must not keep the view. */
export type PacketListener = (view: PacketView) => void;

export class LivePipeline implements CaptureHandler {
  readonly points: ObservationPoint[];
  private readonly options: LivePipelineOptions;
  private readonly table: FlowTable;
  private readonly dissectors: Dissectors | null;
  private readonly batch: ExportRecord[] = [];
  private sinks: readonly Sink[];
  private policy: RecordPolicy | undefined;
  /** Per observation point: the sensor's packet filter and 1-in-N sampling (sensor.update). */
  private readonly pointFilters: (PointFilter | undefined)[] = [];
  private readonly packetListeners = new Set<PacketListener>();
  private packetsFiltered = 0;
  private packetsSampledOut = 0;
  private recordsFilteredBefore = 0;
  private recordsSampledOutBefore = 0;
  private readonly pending = new Set<Promise<void>>();
  private sinkErrors = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private packets = 0;
  private decoded = 0;
  private notIp = 0;
  private malformed = 0;
  private flowsEmitted = 0;
  private appRecords = 0;
  private events = 0;
  /** eBPF source: `point|communityId` → network.protocol the dissectors found (insertion-ordered, bounded). */
  private readonly apps = new Map<string, string>();
  private readonly seed: number;

  constructor(options: LivePipelineOptions, sinks: readonly Sink[]) {
    this.options = options;
    this.points = options.points ?? [];
    this.sinks = sinks;
    this.table = new FlowTable(options.flow ?? {}, (record: FlowRecord) => {
      if (!options.meterPackets) return;
      this.flowsEmitted++;
      this.push(record);
    });
    const seed = this.table.config.communityIdSeed;
    this.seed = seed;
    this.dissectors = options.dissect === false ? null : createDissectors(seed, options.maxSessions, (record: AppRecord) => {
      this.appRecords++;
      this.push(record);
    });
  }

  interface(point: ObservationPoint): void {
    this.points[point.index] = point;
  }

  warning(message: string): void {
    this.options.warn(message);
  }

  packet(view: PacketView): void {
    this.packets++;
    const pf = this.pointFilters[view.interfaceIndex];
    if (pf !== undefined) {
      if (pf.accept !== undefined && !pf.accept(view)) {
        this.packetsFiltered++;
        return;
      }
      if (pf.sampleEvery > 1 && pf.seen++ % pf.sampleEvery !== 0) {
        this.packetsSampledOut++;
        return;
      }
    }
    const status = decodePacket(view);
    if (this.packetListeners.size > 0) for (const listener of this.packetListeners) listener(view);
    if (status === DecodeStatus.OK) {
      this.decoded++;
      this.table.observe(view, this.table.flowHash(view));
      const d = this.dissectors;
      const e = this.table.lastObservedFlow;
      if (d !== null && e >= 0) {
        const protocol = d.packet(view, e, this.table.generationOf(e), this.table.lastFromSource);
        if (protocol !== AppProtocol.NONE) {
          if (!this.options.meterPackets && this.table.appProtocolOf(e) === AppProtocol.NONE) this.rememberApp(view, protocol);
          this.table.setAppProtocol(e, protocol);
        }
      }
    } else if (status === DecodeStatus.NOT_IP) {
      this.notIp++;
    } else {
      this.malformed++;
    }
    if (view.tsSec > this.lastSec || (view.tsSec === this.lastSec && view.tsNsec > this.lastNsec)) this.advance(view.tsSec, view.tsNsec);
  }

  /** Replaces the sinks (pipeline.set); returns the ones replaced, for the caller to close. */
  setSinks(sinks: readonly Sink[]): readonly Sink[] {
    this.writeBatch();
    const old = this.sinks;
    this.sinks = sinks;
    return old;
  }

  get currentSinks(): readonly Sink[] {
    return this.sinks;
  }

  /** Record filters and sampling (pipeline.set); undefined = everything passes. */
  setRecordPolicy(policy: RecordPolicy | undefined): void {
    this.recordsFilteredBefore += this.policy?.filtered ?? 0;
    this.recordsSampledOutBefore += this.policy?.sampledOut ?? 0;
    this.policy = policy;
  }

  setPointFilter(point: number, filter: PointFilter | undefined): void {
    this.pointFilters[point] = filter;
  }

  addPacketListener(listener: PacketListener): () => void {
    this.packetListeners.add(listener);
    return () => this.packetListeners.delete(listener);
  }

  /** A record made outside the packet path (a kernel-metered flow, a kernel event, stats). */
  add(record: ExportRecord): void {
    if (record.kind === 'flow') {
      this.flowsEmitted++;
      // A kernel-metered flow learns its application protocol from the tapped packets.
      const app = record.appProtocol === undefined ? this.apps.get(`${record.observationPoint}|${record.communityId}`) : undefined;
      if (app !== undefined) record = { ...record, appProtocol: app };
    }
    else if (record.kind === 'event') this.events++;
    this.push(record);
  }

  /** Wall-clock time passes: timeouts fire even without packets; the batch goes to the sinks. */
  tick(nowSec: number, nowNsec: number): void {
    if (nowSec > this.lastSec || (nowSec === this.lastSec && nowNsec > this.lastNsec)) this.advance(nowSec, nowNsec);
    this.writeBatch();
  }

  /** Ends every flow and connection (shutdown), hands everything to the sinks and waits for them. */
  async finish(): Promise<void> {
    this.dissectors?.flush();
    this.table.flushAll(FlowEndReason.FORCED_END);
    this.writeBatch();
    await this.settle();
    for (const sink of this.sinks) await sink.flush();
  }

  /** Waits for the writes handed to asynchronous sinks so far. */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  counters(): Record<string, number> {
    const out: Record<string, number> = {
      packets_read: this.packets,
      packets_decoded: this.decoded,
      packets_not_ip: this.notIp,
      packets_malformed: this.malformed,
      flows_emitted: this.flowsEmitted,
      app_records: this.appRecords,
      events_emitted: this.events,
      sink_write_errors: this.sinkErrors,
      packets_filtered: this.packetsFiltered,
      packets_sampled_out: this.packetsSampledOut,
      records_filtered: this.recordsFilteredBefore + (this.policy?.filtered ?? 0),
      records_sampled_out: this.recordsSampledOutBefore + (this.policy?.sampledOut ?? 0),
    };
    if (this.options.meterPackets) Object.assign(out, this.table.counters());
    if (this.dissectors !== null) Object.assign(out, this.dissectors.counters());
    return out;
  }

  /** Once per connection: what the dissectors recognised, for the kernel's record of that flow. */
  private rememberApp(v: PacketView, protocol: AppProtocol): void {
    const id = communityIdFromWords(v.ipVersion, v.ipProto, v.src0, v.src1, v.src2, v.src3, v.dst0, v.dst1, v.dst2, v.dst3,
      v.srcPort, v.dstPort, this.seed, true);
    if (this.apps.size >= MAX_APP_PROTOCOLS) this.apps.delete(this.apps.keys().next().value!);
    this.apps.set(`${v.interfaceIndex}|${id}`, APP_PROTOCOL_NAMES[protocol]);
  }

  private advance(sec: number, nsec: number): void {
    this.lastSec = sec;
    this.lastNsec = nsec;
    this.table.advance(sec, nsec);
    this.dissectors?.advance(sec, nsec);
  }

  private push(record: ExportRecord): void {
    if (this.policy !== undefined && !this.policy.passes(record, this.points)) return;
    if (this.batch.push(record) >= MAX_BATCH) this.writeBatch();
  }

  private writeBatch(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch.splice(0, this.batch.length);
    for (const sink of this.sinks) {
      let pending: void | Promise<void>;
      try {
        pending = sink.write(batch);
      } catch (error) {
        this.sinkFailed(sink, error);
        continue;
      }
      if (pending !== undefined) {
        const p: Promise<void> = pending.catch((error: unknown) => this.sinkFailed(sink, error)).finally(() => this.pending.delete(p));
        this.pending.add(p);
      }
    }
  }

  /** A live agent keeps running when a sink fails: count it and say so once per failure. */
  private sinkFailed(sink: Sink, error: unknown): void {
    this.sinkErrors++;
    this.options.warn(`sink ${sink.name}: ${(error as Error).message}`);
  }
}
