/**
 * The replay pipeline: capture files → decode → flow metering → dissectors → sinks, in one thread.
 *
 *   readCaptureFile ─► PacketView ─► decodePacket ─► FlowTable.observe ─► Dissectors.packet
 *        │ (per chunk)                                     │ FlowRecord        │ dns/http/tls/… records
 *        └──────────── progress: flush the batch ◄─────────┴───────────────────┘ batch ─► Sink[]
 *
 * Packets are processed in groups of LOOKAHEAD: the group is decoded, the flow table is asked to
 * start loading the memory each packet's flow lives in (FlowTable.flowHash / prefetch*), and only
 * then is each packet metered, in order — so the cache misses of a group overlap instead of
 * stalling one packet at a time. A group holds views of the reader's chunk, which stays unchanged
 * until the reader's next callback other than `packet`; every such callback (and the end of a
 * file) first meters the packets held, so the order of everything the pipeline does is unchanged.
 *
 * Records are batched per input chunk (about a megabyte of packets), so sinks see arrays, not
 * single records; a batch is also handed over as soon as it holds MAX_BATCH records, so that
 * records die young (a burst such as the final flush of every open flow would otherwise keep
 * ~10^5 records alive long enough to be copied and promoted by the garbage collector). Nothing
 * here allocates per packet; the flow table allocates one record per flow.
 */
import type { Readable } from 'node:stream';
import { AgentError, ErrorCode } from '../core/errors.js';
import { readCaptureFile, type CaptureHandler, type CaptureSummary } from '../capture/index.js';
import { decodePacket } from '../decode/index.js';
import type { Dissectors } from '../dpi/index.js';
import { createDissectors } from './dissectors.js';
import { FlowTable, type FlowConfig } from '../flow/index.js';
import {
  AppProtocol, DECODE_STATUS_COUNT, DECODE_STATUS_NAMES, DecodeStatus, type AppRecord, FlowEndReason, PacketView, linkTypeName,
  type ExportRecord, type FlowRecord, type ObservationPoint, type StatsRecord,
} from '../model/index.js';
import type { Sink } from '../export/index.js';

/** Packets decoded and prefetched together (see the file comment). */
const LOOKAHEAD = 32;
/** Records per batch at most (see the file comment). */
const MAX_BATCH = 1024;

export interface ReplayOptions {
  readonly flow?: Partial<FlowConfig>;
  /** One line per warning (truncated file, unsupported link type, …). */
  readonly warn: (message: string) => void;
  /** Called once per input chunk with the file being read and its progress. */
  readonly progress?: (file: string, bytesRead: number, bytesTotal: number, packets: number) => void;
  /** Standard input, when a file is `-` (tests pass their own stream). */
  readonly stdin?: Readable;
  /** Run the application dissectors (DNS, HTTP, TLS, QUIC, DHCP, ICMP errors): default true. */
  readonly dissect?: boolean;
  /** Connections dissected at once (DissectOptions.maxSessions; default 65,536). */
  readonly maxSessions?: number;
}

export interface FileOutcome {
  readonly file: string;
  readonly summary?: CaptureSummary;
  readonly error?: Error;
}

export interface ReplayResult {
  readonly files: readonly FileOutcome[];
  readonly stats: StatsRecord;
}

export class ReplayPipeline implements CaptureHandler {
  /** Observation points by index; the encoders read this array. */
  readonly points: ObservationPoint[] = [];
  private readonly options: ReplayOptions;
  private readonly view = new PacketView();
  /** The group of packets being gathered, and the flow hashes of a group being metered. */
  private readonly group: PacketView[] = Array.from({ length: LOOKAHEAD }, () => new PacketView());
  private grouped = 0;
  private readonly hashes = new Float64Array(LOOKAHEAD);
  private readonly table: FlowTable;
  private readonly dissectors: Dissectors | null;
  private readonly batch: ExportRecord[] = [];
  private sinks: readonly Sink[] = [];
  private currentFile = '';
  private readonly statusCounts = new Float64Array(DECODE_STATUS_COUNT);
  private readonly warnedLinkTypes = new Set<number>();
  private packetsRead = 0;
  private flowsEmitted = 0;
  private wireBytes = 0;
  private fileBytes = 0;
  private captureDropped = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private tsDigits = 0;
  private readonly pendingWrites: Promise<void>[] = [];

  constructor(options: ReplayOptions) {
    this.options = options;
    this.table = new FlowTable(options.flow ?? {}, (record: FlowRecord) => {
      this.flowsEmitted++;
      if (this.batch.push(record) >= MAX_BATCH) this.writeBatch();
    });
    const seed = this.table.config.communityIdSeed;
    this.dissectors = options.dissect === false ? null : createDissectors(seed, options.maxSessions, (record: AppRecord) => {
      if (this.batch.push(record) >= MAX_BATCH) this.writeBatch();
    });
  }

  /** Reads every file in order through the pipeline into the sinks, then emits the stats record. */
  async run(files: readonly string[], sinks: readonly Sink[]): Promise<ReplayResult> {
    this.sinks = sinks;
    const outcomes: FileOutcome[] = [];
    for (const file of files) {
      this.currentFile = file;
      try {
        const summary = await readCaptureFile(file, this, {
          firstInterfaceIndex: this.points.length,
          view: this.view,
          ...(file === '-' && this.options.stdin !== undefined ? { input: this.options.stdin } : {}),
        });
        this.fileBytes += summary.bytesRead;
        outcomes.push({ file, summary });
      } catch (error) {
        outcomes.push({ file, error: asCaptureError(file, error) });
      }
      this.meterGroup();
      await this.drainBatch();
    }
    this.dissectors?.flush();
    this.table.flushAll(FlowEndReason.FORCED_END);
    const stats = this.statsRecord(outcomes);
    this.batch.push(stats);
    await this.drainBatch();
    for (const sink of sinks) await sink.flush();
    return { files: outcomes, stats };
  }

  // ── CaptureHandler ────────────────────────────────────────────────────────────────────────────

  packet(view: PacketView): void {
    const v = this.group[this.grouped++]!;
    v.bytes = view.bytes;
    v.frameOffset = view.frameOffset;
    v.capturedLength = view.capturedLength;
    v.wireLength = view.wireLength;
    v.tsSec = view.tsSec;
    v.tsNsec = view.tsNsec;
    v.tsDigits = view.tsDigits;
    v.linkType = view.linkType;
    v.interfaceIndex = view.interfaceIndex;
    if (this.grouped === LOOKAHEAD) this.meterGroup();
  }

  /** Decodes and meters the packets gathered so far (see the file comment). */
  private meterGroup(): void {
    const n = this.grouped;
    this.grouped = 0;
    const group = this.group;
    const table = this.table;
    const hashes = this.hashes;
    for (let i = 0; i < n; i++) {
      const v = group[i]!;
      hashes[i] = decodePacket(v) === DecodeStatus.OK ? table.flowHash(v) : -1;
    }
    for (let i = 0; i < n; i++) if (hashes[i]! >= 0) table.prefetchIndex(hashes[i]!);
    for (let i = 0; i < n; i++) if (hashes[i]! >= 0) table.prefetchFlow(hashes[i]!);
    for (let i = 0; i < n; i++) if (hashes[i]! >= 0) table.prefetchNeighbours(hashes[i]!);
    for (let i = 0; i < n; i++) this.meter(group[i]!, hashes[i]!);
  }

  /** One decoded packet: counters, flow metering, and packet time for the flow timeouts. */
  private meter(view: PacketView, flowHash: number): void {
    this.packetsRead++;
    this.wireBytes += view.wireLength;
    const status = view.status;
    this.statusCounts[status]! += 1;
    if (status === DecodeStatus.OK) {
      this.table.observe(view, flowHash);
      const d = this.dissectors;
      const e = this.table.lastObservedFlow;
      if (d !== null && e >= 0) {
        const protocol = d.packet(view, e, this.table.generationOf(e), this.table.lastFromSource);
        if (protocol !== AppProtocol.NONE) this.table.setAppProtocol(e, protocol);
      }
    } else if (status === DecodeStatus.UNSUPPORTED_LINKTYPE && !this.warnedLinkTypes.has(view.linkType)) {
      this.warnedLinkTypes.add(view.linkType);
      this.options.warn(`${this.currentFile}: skipping packets of unsupported ${linkTypeName(view.linkType)}`);
    }
    // Packet time drives the flow timeouts; captures are not always in order, so keep the max.
    if (view.tsSec > this.lastSec || (view.tsSec === this.lastSec && view.tsNsec > this.lastNsec)) {
      this.lastSec = view.tsSec;
      this.lastNsec = view.tsNsec;
      this.table.advance(view.tsSec, view.tsNsec);
      this.dissectors?.advance(view.tsSec, view.tsNsec);
    }
    if (view.tsDigits > this.tsDigits) this.tsDigits = view.tsDigits;
  }

  interface(point: ObservationPoint): void {
    this.meterGroup();
    this.points[point.index] = point;
  }

  warning(message: string): void {
    this.meterGroup();
    this.options.warn(message);
  }

  progress(bytesRead: number, bytesTotal: number): void {
    this.meterGroup();
    this.options.progress?.(this.currentFile, bytesRead, bytesTotal, this.packetsRead);
    if (this.batch.length > 0) this.writeBatch();
  }

  interfaceStats(_interfaceIndex: number, _received: number | undefined, dropped: number | undefined): void {
    this.meterGroup();
    if (dropped !== undefined) this.captureDropped += dropped;
  }

  // ── records ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Hands the batch to every sink. Sinks keep the order of their write calls themselves; the
   * promises of asynchronous sinks are collected and awaited at file boundaries and at the end.
   */
  private writeBatch(): void {
    const batch = this.batch.splice(0, this.batch.length);
    for (const sink of this.sinks) {
      const pending = sink.write(batch);
      if (pending !== undefined) this.pendingWrites.push(pending);
    }
  }

  private async drainBatch(): Promise<void> {
    if (this.batch.length > 0) this.writeBatch();
    const pending = this.pendingWrites.splice(0, this.pendingWrites.length);
    await Promise.all(pending);
  }

  private statsRecord(outcomes: readonly FileOutcome[]): StatsRecord {
    const counters: Record<string, number> = {
      files: outcomes.length,
      files_failed: outcomes.filter((o) => o.error !== undefined).length,
      files_truncated: outcomes.filter((o) => o.summary?.truncated === true).length,
      bytes_read: this.fileBytes,
      packets_read: this.packetsRead,
      packets_wire_bytes: this.wireBytes,
      packets_decoded: this.statusCounts[DecodeStatus.OK] ?? 0,
      packets_not_ip: this.statusCounts[DecodeStatus.NOT_IP] ?? 0,
      packets_unsupported_linktype: this.statusCounts[DecodeStatus.UNSUPPORTED_LINKTYPE] ?? 0,
      packets_malformed: 0,
      capture_dropped: this.captureDropped,
    };
    let malformed = 0;
    for (let s = 0; s < DECODE_STATUS_COUNT; s++) {
      if (s === DecodeStatus.OK || s === DecodeStatus.NOT_IP || s === DecodeStatus.UNSUPPORTED_LINKTYPE) continue;
      const n = this.statusCounts[s] ?? 0;
      malformed += n;
      if (n > 0) counters[`malformed_${DECODE_STATUS_NAMES[s]}`] = n;
    }
    counters['packets_malformed'] = malformed;
    Object.assign(counters, this.table.counters());
    if (this.dissectors !== null) Object.assign(counters, this.dissectors.counters());
    counters['flows_emitted'] = this.flowsEmitted;
    if (this.packetsRead === 0) {
      // No packet time to speak of: stamp the record with the wall clock instead of the epoch.
      const now = Date.now();
      return { kind: 'stats', sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6, tsDigits: 3, counters };
    }
    return { kind: 'stats', sec: this.lastSec, nsec: this.lastNsec, tsDigits: this.tsDigits || 6, counters };
  }
}

/** A file that cannot be opened or read is the user's input problem, not a crash: name it. */
function asCaptureError(file: string, error: unknown): AgentError {
  if (error instanceof AgentError) return error;
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno.code === 'string' && typeof errno.syscall === 'string') {
    return new AgentError(ErrorCode.CAPTURE_IO, `${file}: cannot read: ${errno.message}`, { cause: error });
  }
  if (errno.code === 'Z_DATA_ERROR' || errno.code === 'Z_BUF_ERROR') {
    return new AgentError(ErrorCode.CAPTURE_FORMAT, `${file}: gzip: ${errno.message}`, { cause: error });
  }
  throw error;
}
