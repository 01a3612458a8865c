/**
 * Packet capture sessions (`capture.start/stop/list/get`): the packets the sensors hand on, on the
 * observation points a selector names, that a tcpdump-syntax filter accepts (libpcap's own
 * matcher), written to a PCAPNG file (0600) until the duration, packet or byte bound is reached.
 * With eBPF the kernel tap copies what the session needs: a tap rule per session, as narrow as the
 * filter allows (protocol, port, address), the exact filter then applied in user space. A finished
 * file is uploaded to a NATS object store bucket (when the control connection has JetStream) so
 * `capture.get` works from anywhere, and a `capture` record says how it ended.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PacketRule } from '../capture/index.js';
import { PcapngWriter } from '../export/index.js';
import type { CaptureEndReason, CaptureRecord, CaptureState, PacketView } from '../model/index.js';
import { ControlError, ControlErrorCode, type CaptureInfo, type CaptureStart } from './protocol.js';
import type { ControlTarget } from './target.js';
import type { z } from 'zod';

export type CaptureRequest = z.output<typeof CaptureStart>;

/** A compiled tcpdump filter for one capture. */
export interface CompiledPacketFilter {
  matches(view: PacketView): boolean;
}

/** Where finished captures are uploaded (a NATS object store bucket). */
export interface CaptureUploader {
  readonly bucket: string;
  upload(name: string, stream: ReadableStream<Uint8Array>): Promise<void>;
}

export interface CaptureManagerOptions {
  readonly dir: string;
  /** Throws an Error with libpcap's message on a bad expression. */
  readonly compileFilter: (expression: string, snaplen: number) => CompiledPacketFilter;
  /** The kernel pre-selection for an expression (never narrower than the filter). */
  readonly coarseRule: (expression: string) => Pick<PacketRule, 'protocol' | 'portLow' | 'portHigh' | 'address' | 'prefixLength'>;
  readonly uploader: () => CaptureUploader | undefined;
  readonly warn: (message: string) => void;
  /** Sessions remembered (finished ones beyond this are forgotten, oldest first; files stay). */
  readonly maxSessions?: number;
  /** Sessions running at once. */
  readonly maxRunning?: number;
}

/** Tap rule ids of capture sessions start here (the agent's own rules use small ids). */
const CAPTURE_RULE_ID_BASE = 0x10000;

class Session {
  readonly id: string;
  readonly request: CaptureRequest;
  readonly path: string;
  readonly startedMs = Date.now();
  state: CaptureState = 'running';
  endedMs: number | undefined;
  endReason: CaptureEndReason | undefined;
  error: string | undefined;
  object: CaptureRecord['object'];
  readonly ruleId: number;
  writer: PcapngWriter | undefined;
  filter: CompiledPacketFilter | undefined;
  /** Per observation point: 0 unknown, 1 selected, 2 not. */
  pointState = new Int8Array(256);
  timer: NodeJS.Timeout | undefined;
  unlisten: (() => void) | undefined;
  finished: Promise<void> = Promise.resolve();

  constructor(id: string, request: CaptureRequest, path: string, ruleId: number) {
    this.id = id;
    this.request = request;
    this.path = path;
    this.ruleId = ruleId;
  }
}

export class CaptureManager {
  private readonly target: ControlTarget;
  private readonly options: CaptureManagerOptions;
  private readonly sessions = new Map<string, Session>();
  private nextRule = 0;

  constructor(target: ControlTarget, options: CaptureManagerOptions) {
    this.target = target;
    this.options = options;
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  }

  get running(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.state === 'running') n++;
    return n;
  }

  start(request: CaptureRequest): CaptureInfo {
    if (request.selector.container !== undefined || request.selector.pod !== undefined) {
      throw new ControlError(ControlErrorCode.UNSUPPORTED, 'capture.start: selector.container/pod: this agent does not map namespaces to containers yet (select by netns)');
    }
    if (this.running >= (this.options.maxRunning ?? 8)) {
      throw new ControlError(ControlErrorCode.RESOURCE_EXHAUSTED, `capture.start: ${this.running} captures are running (at most ${this.options.maxRunning ?? 8})`);
    }
    let filter: CompiledPacketFilter | undefined;
    if (request.filter.trim() !== '') {
      try {
        filter = this.options.compileFilter(request.filter, request.snaplen);
      } catch (error) {
        throw new ControlError(ControlErrorCode.BAD_REQUEST, `capture.start: filter: ${(error as Error).message}`);
      }
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const id = `${stamp}-${randomBytes(3).toString('hex')}`;
    const path = join(this.options.dir, `${this.target.node}-${id}.pcapng`);
    const session = new Session(id, request, path, CAPTURE_RULE_ID_BASE + (this.nextRule++ % 0x10000));
    session.filter = filter;
    session.writer = PcapngWriter.create(path, { maxPackets: request.max_packets, maxBytes: request.max_bytes });
    this.remember(session);
    session.unlisten = this.target.addPacketListener((view) => this.packet(session, view));
    session.timer = setTimeout(() => { void this.end(session, 'completed', 'duration'); }, request.duration);
    this.updateTapRules();
    return this.info(session);
  }

  async stop(id: string): Promise<CaptureInfo> {
    const session = this.find(id, 'capture.stop');
    if (session.state === 'running') await this.end(session, 'stopped', 'stopped');
    await session.finished;
    return this.info(session);
  }

  list(): CaptureInfo[] {
    return [...this.sessions.values()].map((s) => this.info(s));
  }

  get(id: string): CaptureInfo {
    return this.info(this.find(id, 'capture.get'));
  }

  /** The file of a finished capture (HTTP download). */
  file(id: string): { path: string; state: CaptureState } {
    const s = this.find(id, 'capture.get');
    return { path: s.path, state: s.state };
  }

  /** Waits until a capture has ended and its file is uploaded (tests, the CLI). */
  async whenDone(id: string): Promise<CaptureInfo> {
    const s = this.find(id, 'capture.get');
    while (s.state === 'running') await new Promise((r) => setTimeout(r, 20));
    await s.finished;
    return this.info(s);
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) if (s.state === 'running') await this.end(s, 'stopped', 'shutdown');
    await Promise.all([...this.sessions.values()].map((s) => s.finished));
  }

  private find(id: string, verb: string): Session {
    const s = this.sessions.get(id);
    if (s === undefined) throw new ControlError(ControlErrorCode.NOT_FOUND, `${verb}: no capture '${id}' on ${this.target.node}`);
    return s;
  }

  private remember(session: Session): void {
    this.sessions.set(session.id, session);
    const max = this.options.maxSessions ?? 256;
    for (const [id, s] of this.sessions) {
      if (this.sessions.size <= max) break;
      if (s.state !== 'running') this.sessions.delete(id);
    }
  }

  private selected(session: Session, index: number): boolean {
    let table = session.pointState;
    if (index >= table.length) {
      table = new Int8Array(Math.max(index + 1, table.length * 2));
      table.set(session.pointState);
      session.pointState = table;
    }
    let state = table[index]!;
    if (state === 0) {
      const point = this.target.points[index];
      state = this.target.pointSelected(session.request.selector, index) ? 1 : 2;
      if (point !== undefined) {
        table[index] = state;
        if (state === 1) session.writer?.addInterface(point);
      }
    }
    return state === 1;
  }

  private packet(session: Session, view: PacketView): void {
    const writer = session.writer;
    if (session.state !== 'running' || writer === undefined) return;
    if (!this.selected(session, view.interfaceIndex)) return;
    if (session.filter !== undefined && !session.filter.matches(view)) return;
    writer.writePacket(view);
    if (writer.full) {
      const s = writer.stats();
      void this.end(session, 'completed', s.packets >= session.request.max_packets ? 'packets' : 'bytes');
    }
  }

  private updateTapRules(): void {
    if (this.target.source !== 'ebpf') return;
    const rules: PacketRule[] = [];
    for (const s of this.sessions.values()) {
      if (s.state !== 'running') continue;
      const coarse = s.request.filter.trim() === '' ? {} : this.options.coarseRule(s.request.filter);
      // One namespace named exactly (no glob): the kernel can narrow to it.
      const ns = s.request.selector.netns;
      const inode = ns !== undefined && ns.length === 1 && !ns[0]!.includes('*') ? this.target.netnsInode(ns[0]!) : undefined;
      rules.push({ id: s.ruleId, action: 'tap', snaplen: s.request.snaplen, ...coarse, ...(inode !== undefined && { netns: inode }) });
    }
    try {
      this.target.setCaptureTapRules(rules);
    } catch (error) {
      this.options.warn(`capture tap rules: ${(error as Error).message}`);
    }
  }

  private end(session: Session, state: CaptureState, reason: CaptureEndReason): Promise<void> {
    if (session.state !== 'running') return session.finished;
    session.state = state;
    session.endReason = reason;
    session.endedMs = Date.now();
    clearTimeout(session.timer);
    session.unlisten?.();
    this.updateTapRules();
    try {
      session.writer?.close();
    } catch (error) {
      session.state = 'failed';
      session.endReason = 'error';
      session.error = (error as Error).message;
    }
    session.finished = this.upload(session).then(() => this.target.emit(this.record(session)));
    return session.finished;
  }

  private async upload(session: Session): Promise<void> {
    const uploader = this.options.uploader();
    if (uploader === undefined || session.state === 'failed') return;
    const name = `${this.target.node}/${session.id}.pcapng`;
    try {
      // One read of the file: hashed as it streams to the bucket (captures may be larger than memory).
      const hash = createHash('sha256');
      let size = 0;
      const file = createReadStream(session.path);
      file.on('data', (chunk) => {
        hash.update(chunk);
        size += chunk.length;
      });
      await uploader.upload(name, Readable.toWeb(file) as ReadableStream<Uint8Array>);
      session.object = { bucket: uploader.bucket, name, size, sha256: hash.digest('hex') };
    } catch (error) {
      this.options.warn(`capture ${session.id}: upload to ${uploader.bucket}: ${(error as Error).message} (the file stays at ${session.path})`);
    }
  }

  private record(s: Session): CaptureRecord {
    const stats = s.writer?.stats();
    const end = s.endedMs ?? Date.now();
    return {
      kind: 'capture', sec: Math.floor(end / 1000), nsec: (end % 1000) * 1e6, id: s.id, node: this.target.node, state: s.state,
      filter: s.request.filter, selector: JSON.stringify(s.request.selector),
      startSec: Math.floor(s.startedMs / 1000), startNsec: (s.startedMs % 1000) * 1e6, endSec: Math.floor(end / 1000), endNsec: (end % 1000) * 1e6,
      packets: stats?.packets ?? 0, bytes: stats?.bytes ?? 0, path: s.path,
      ...(s.endReason !== undefined && { endReason: s.endReason }),
      ...(s.error !== undefined && { error: s.error }),
      ...(s.object !== undefined && { object: s.object }),
    };
  }

  private info(s: Session): CaptureInfo {
    const stats = s.writer?.stats();
    return {
      id: s.id, node: this.target.node, state: s.state, filter: s.request.filter, selector: s.request.selector,
      started_at: new Date(s.startedMs).toISOString(),
      ...(s.endedMs !== undefined && { ended_at: new Date(s.endedMs).toISOString() }),
      ...(s.endReason !== undefined && { end_reason: s.endReason }),
      packets: stats?.packets ?? 0, bytes: stats?.bytes ?? 0, path: s.path,
      ...(s.error !== undefined && { error: s.error }),
      ...(s.object !== undefined && { object: s.object }),
      download: `/api/v1/captures/${s.id}.pcapng`,
    };
  }
}
