/**
 * Packets to a pcapng file (draft-ietf-opsawg-pcapng): capture sessions, and later a packet sink.
 * One section, little-endian, written in order:
 *
 *   SHB  shb_hardware, shb_os, shb_userappl ("weft 0.1.0")
 *   IDB  one per observation point, written just before that point's first packet:
 *        link type, snaplen, if_name, if_description ("netns NAME (inode N); …"), if_tsresol = 9
 *   EPB  one per packet, nanosecond timestamps, optional opt_comment and epb_flags direction
 *
 * Enhanced Packet Block (every block: 32-bit aligned, total length at both ends):
 *
 *   0        4        8         12        16        20        24        28             28 + pad4(caplen)
 *   │ type 6 │ length │ if id   │ ts high │ ts low  │ caplen  │ wirelen │ data + pad   │ options │ length │
 *
 * The writer encodes in place into a buffered output (CaptureFile here, or an FdWriter for a
 * pipe): per packet it reserves the block and writes the header fields straight into the
 * output's buffer, then copies the frame. Limits (packets, file bytes) are checked before a
 * packet is written, so the file never passes them; `full` tells the session to stop.
 */
import { closeSync, constants, fchmodSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { arch, machine, release, type } from 'node:os';
import { ErrorCode, SinkError } from '../../core/errors.js';
import type { ObservationPoint } from '../../model/observation-point.js';
import type { PacketView } from '../../model/packet-view.js';

/** shb_userappl unless told otherwise. */
export const WEFT_APPLICATION = 'weft 0.1.0';

/** Direction of a packet relative to its interface: the epb_flags bits 0–1 (pcapng §4.3.1). */
export const PacketDirection = { UNKNOWN: 0, INBOUND: 1, OUTBOUND: 2 } as const;
export type PacketDirection = (typeof PacketDirection)[keyof typeof PacketDirection];

/**
 * Where a capture writer's bytes go: a byte buffer the writer fills in place from `used` after
 * `reserve(n)`, flushed and closed by its owner. FdWriter (stdout, pipes) and CaptureFile fit.
 */
export interface CaptureOutput {
  buffer: Buffer;
  used: number;
  /** Makes room for at least n bytes after `used` (may flush, or replace `buffer`). */
  reserve(n: number): void;
  flush(): void;
  /** Flushes (and, for a file, fsyncs) and closes. */
  close(): void;
}

export interface CaptureLimits {
  /** Stop after this many packets (default: no limit). */
  maxPackets?: number;
  /** The file never grows past this many bytes, headers included (default: no limit). */
  maxBytes?: number;
}

export interface CaptureWriterStats {
  /** Packets written. */
  packets: number;
  /** File bytes produced (written or still buffered), headers included. */
  bytes: number;
  /** Interfaces described in the file (pcapng IDBs; 1 for classic pcap once it has a header). */
  interfaces: number;
  /** Packets not written because a limit was reached. */
  refused: number;
  /** Packets not written because the format cannot hold them (classic pcap: another link type). */
  skipped: number;
}

/** What a capture session needs from a writer, whichever the format. */
export interface CaptureWriter {
  /** True once a limit is reached: no further packet will be written. */
  readonly full: boolean;
  /** Describes an observation point; nothing is written until one of its packets arrives. */
  addInterface(point: ObservationPoint): void;
  /**
   * Writes one packet (the view's frame fields only). Returns false when it was not written (a limit,
   * or a format that cannot hold it); check `full` to know whether to stop.
   */
  writePacket(view: PacketView, comment?: string, direction?: PacketDirection): boolean;
  stats(): CaptureWriterStats;
  /** Hands buffered bytes to the kernel. */
  flush(): void;
  /** Flushes, fsyncs (files) and closes. Idempotent. */
  close(): void;
}

export interface CaptureFileOptions {
  /** Replace an existing file (default false: the file must not exist, O_EXCL). */
  overwrite?: boolean;
  /** Bytes buffered before a write(2) (default 1 MiB). */
  bufferSize?: number;
}

const DEFAULT_BUFFER = 1 << 20;

/**
 * A capture file opened for writing: created 0600 with O_EXCL (or truncated when `overwrite`),
 * written through one buffer with writeSync, fsynced on close. Errors are SinkErrors naming the
 * file. (FdWriter always truncates and never fsyncs, hence this sibling.)
 */
export class CaptureFile implements CaptureOutput {
  readonly path: string;
  buffer: Buffer;
  used = 0;
  /** Bytes handed to the kernel so far. */
  bytesWritten = 0;
  private fd: number;

  private constructor(path: string, fd: number, bufferSize: number) {
    this.path = path;
    this.fd = fd;
    this.buffer = Buffer.allocUnsafe(bufferSize);
  }

  static create(path: string, options: CaptureFileOptions = {}): CaptureFile {
    const flags = constants.O_WRONLY | constants.O_CREAT | (options.overwrite === true ? constants.O_TRUNC : constants.O_EXCL);
    let fd: number;
    try {
      fd = openSync(path, flags, 0o600);
    } catch (cause) {
      const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
      throw new SinkError(ErrorCode.SINK_IO, exists
        ? `cannot create ${path}: the file exists (captures never replace a file unless told to overwrite)`
        : `cannot create ${path}: ${(cause as Error).message}`, false, { cause });
    }
    // An overwritten file keeps its old mode; a capture holds payloads, so make it private.
    if (options.overwrite === true) fchmodSync(fd, 0o600);
    return new CaptureFile(path, fd, options.bufferSize ?? DEFAULT_BUFFER);
  }

  reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    this.flush();
    if (n > this.buffer.length) this.buffer = Buffer.allocUnsafe(n * 2);
  }

  flush(): void {
    if (this.fd < 0) throw new SinkError(ErrorCode.SINK_IO, `write to ${this.path}: the file is closed`, false);
    let off = 0;
    try {
      while (off < this.used) off += writeSync(this.fd, this.buffer, off, this.used - off);
    } catch (cause) {
      this.used = 0;
      throw new SinkError(ErrorCode.SINK_IO, `write to ${this.path} failed: ${(cause as Error).message}`,
        (cause as NodeJS.ErrnoException).code === 'ENOSPC', { cause });
    }
    this.bytesWritten += this.used;
    this.used = 0;
  }

  /** Flushes and fsyncs: everything so far is on disk. */
  sync(): void {
    this.flush();
    try {
      fsyncSync(this.fd);
    } catch (cause) {
      throw new SinkError(ErrorCode.SINK_IO, `fsync of ${this.path} failed: ${(cause as Error).message}`, false, { cause });
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      this.sync();
    } finally {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

// ── pcapng constants (draft-ietf-opsawg-pcapng §4) ───────────────────────────────────────────
const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;
/** Block header, interface id, timestamp, lengths, trailing length. */
const EPB_FIXED = 32;

const pad4 = (n: number): number => (n + 3) & ~3;

export interface PcapngWriterOptions extends CaptureLimits {
  /** shb_userappl (default "weft 0.1.0"). */
  application?: string;
  /** shb_hardware (default the machine, e.g. "x86_64"). */
  hardware?: string;
  /** shb_os (default e.g. "Linux 6.1.0-18-amd64"). */
  os?: string;
}

/** An option list built once per SHB/IDB (those allocate; packets do not). */
type TextOptions = [code: number, value: Buffer][];

function optionsLength(options: TextOptions): number {
  let n = 0;
  for (const [, v] of options) n += 4 + pad4(v.length);
  return n === 0 ? 0 : n + 4;
}

function writeOptions(b: Buffer, pos: number, options: TextOptions): number {
  if (options.length === 0) return pos;
  for (const [code, v] of options) {
    b.writeUInt16LE(code, pos);
    b.writeUInt16LE(v.length, pos + 2);
    v.copy(b, pos + 4);
    b.fill(0, pos + 4 + v.length, pos + 4 + pad4(v.length));
    pos += 4 + pad4(v.length);
  }
  b.writeUInt32LE(OPT_ENDOFOPT, pos); // code 0, length 0
  return pos + 4;
}

/** if_description: where the point is (its namespace), then what it is. */
export function interfaceDescription(point: ObservationPoint): string {
  const parts: string[] = [];
  if (point.netnsInode !== undefined) {
    parts.push(point.netnsName !== undefined ? `netns ${point.netnsName} (inode ${point.netnsInode})` : `netns inode ${point.netnsInode}`);
  }
  if (point.description !== undefined && point.description !== '') parts.push(point.description);
  return parts.join('; ');
}

/**
 * A pcapng writer: one section, one IDB per observation point (added lazily), one EPB per packet.
 * Allocates nothing per packet but, for frames over 64 bytes, the subarray view the copy needs
 * (see copyFrame).
 */
export class PcapngWriter implements CaptureWriter {
  private readonly out: CaptureOutput;
  private readonly maxPackets: number;
  private readonly maxBytes: number;
  /** Observation points announced with addInterface, by index. */
  private readonly points = new Map<number, ObservationPoint>();
  /** pcapng interface id by observation point index; -1: no IDB yet. */
  private ifIds = new Int32Array(16).fill(-1);
  private packets = 0;
  private bytes = 0;
  private interfaces = 0;
  private refused = 0;
  private closed = false;
  private isFull = false;
  /** A DataView of the output's current buffer (remade only when the output replaces it). */
  private dv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Buffer | undefined;

  constructor(output: CaptureOutput, options: PcapngWriterOptions = {}) {
    this.out = output;
    this.maxPackets = captureLimit(options.maxPackets, 'maxPackets');
    this.maxBytes = captureLimit(options.maxBytes, 'maxBytes');
    this.writeShb(options);
  }

  /** Creates the file (0600, O_EXCL unless `overwrite`) and writes the section header. */
  static create(path: string, options: PcapngWriterOptions & CaptureFileOptions = {}): PcapngWriter {
    return new PcapngWriter(CaptureFile.create(path, options), options);
  }

  get full(): boolean {
    return this.isFull;
  }

  addInterface(point: ObservationPoint): void {
    this.points.set(point.index, point);
  }

  writePacket(view: PacketView, comment?: string, direction?: PacketDirection): boolean {
    if (this.closed) throw new SinkError(ErrorCode.SINK_IO, 'pcapng writer: write after close', false);
    const index = view.interfaceIndex;
    const ifId = index < this.ifIds.length ? this.ifIds[index]! : -1;
    const caplen = view.capturedLength;
    // A comment longer than an option can hold (65535 bytes) is left out.
    let commentLength = comment === undefined || comment === '' ? 0 : Buffer.byteLength(comment, 'utf8');
    if (commentLength > 0xffff) commentLength = 0;
    const hasFlags = direction !== undefined && direction !== PacketDirection.UNKNOWN;
    let optLength = (commentLength > 0 ? 4 + pad4(commentLength) : 0) + (hasFlags ? 8 : 0);
    if (optLength > 0) optLength += 4;
    const blockLength = EPB_FIXED + pad4(caplen) + optLength;
    const idb = ifId < 0 ? this.idbFor(view) : undefined;
    const need = blockLength + (idb === undefined ? 0 : idb.length);
    if (this.isFull || this.packets >= this.maxPackets || this.bytes + need > this.maxBytes) {
      this.isFull = true;
      this.refused++;
      return false;
    }
    const id = idb === undefined ? ifId : this.writeIdb(index, idb);

    this.out.reserve(blockLength);
    const b = this.out.buffer;
    const start = this.out.used;
    let p = start;
    // 64-bit nanoseconds since the epoch as two u32 words, exactly, without BigInt: with
    // sec = a·2^16 + b, ns = a·1e9·2^16 + (b·1e9 + nsec); every partial product stays < 2^53.
    const sec = view.tsSec;
    const a = Math.floor(sec / 65536);
    const h = a * 1e9;
    const l = (sec - a * 65536) * 1e9 + view.tsNsec;
    const hHi = Math.floor(h / 65536);
    const m = (h - hHi * 65536) * 65536 + l;
    const carry = Math.floor(m / 4294967296);
    if (b !== this.viewOf) {
      this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.viewOf = b;
    }
    const dv = this.dv;
    dv.setUint32(p, BT_EPB, true);
    dv.setUint32(p + 4, blockLength, true);
    dv.setUint32(p + 8, id, true);
    dv.setUint32(p + 12, hHi + carry, true);
    dv.setUint32(p + 16, m - carry * 4294967296, true);
    dv.setUint32(p + 20, caplen, true);
    dv.setUint32(p + 24, Math.max(view.wireLength, caplen), true);
    copyFrame(view, b, p + 28);
    p += 28 + caplen;
    for (const end = start + 28 + pad4(caplen); p < end; p++) b[p] = 0;
    if (optLength > 0) {
      if (commentLength > 0) {
        dv.setUint16(p, OPT_COMMENT, true);
        dv.setUint16(p + 2, commentLength, true);
        b.write(comment!, p + 4, commentLength, 'utf8');
        p += 4 + commentLength;
        for (let n = commentLength; (n & 3) !== 0; n++) b[p++] = 0;
      }
      if (hasFlags) {
        dv.setUint16(p, EPB_FLAGS, true);
        dv.setUint16(p + 2, 4, true);
        dv.setUint32(p + 4, direction, true);
        p += 8;
      }
      dv.setUint32(p, OPT_ENDOFOPT, true);
      p += 4;
    }
    dv.setUint32(p, blockLength, true);
    this.out.used = p + 4;
    this.bytes += blockLength;
    this.packets++;
    if (this.packets >= this.maxPackets || this.maxBytes - this.bytes < EPB_FIXED) this.isFull = true;
    return true;
  }

  stats(): CaptureWriterStats {
    return { packets: this.packets, bytes: this.bytes, interfaces: this.interfaces, refused: this.refused, skipped: 0 };
  }

  flush(): void {
    if (!this.closed) this.out.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }

  private writeShb(options: PcapngWriterOptions): void {
    const opts: TextOptions = [
      [SHB_HARDWARE, Buffer.from(options.hardware ?? machineName(), 'utf8')],
      [SHB_OS, Buffer.from(options.os ?? `${type()} ${release()}`, 'utf8')],
      [SHB_USERAPPL, Buffer.from(options.application ?? WEFT_APPLICATION, 'utf8')],
    ];
    const length = 28 + optionsLength(opts);
    this.out.reserve(length);
    const b = this.out.buffer;
    const p = this.out.used;
    b.writeUInt32LE(BT_SHB, p);
    b.writeUInt32LE(length, p + 4);
    b.writeUInt32LE(BYTE_ORDER_MAGIC, p + 8);
    b.writeUInt16LE(1, p + 12); // major
    b.writeUInt16LE(0, p + 14); // minor
    b.writeInt32LE(-1, p + 16); // section length: unknown (-1 as a 64-bit value)
    b.writeInt32LE(-1, p + 20);
    const end = writeOptions(b, p + 24, opts);
    b.writeUInt32LE(length, end);
    this.out.used = end + 4;
    this.bytes += length;
  }

  /** The IDB for the view's observation point, encoded (once per interface). */
  private idbFor(view: PacketView): Buffer {
    const point = this.points.get(view.interfaceIndex);
    const opts: TextOptions = [];
    if (point?.name !== undefined && point.name !== '') opts.push([IF_NAME, Buffer.from(point.name, 'utf8')]);
    const description = point === undefined ? '' : interfaceDescription(point);
    if (description !== '') opts.push([IF_DESCRIPTION, Buffer.from(description, 'utf8')]);
    opts.push([IF_TSRESOL, Buffer.of(9)]);
    const length = 20 + optionsLength(opts);
    const b = Buffer.alloc(length);
    b.writeUInt32LE(BT_IDB, 0);
    b.writeUInt32LE(length, 4);
    // The packet's link type wins: it is what the bytes are.
    b.writeUInt16LE(view.linkType, 8);
    b.writeUInt32LE(point?.snaplen ?? 0, 12);
    const end = writeOptions(b, 16, opts);
    b.writeUInt32LE(length, end);
    return b;
  }

  private writeIdb(index: number, idb: Buffer): number {
    if (index >= this.ifIds.length) {
      const grown = new Int32Array(Math.max(this.ifIds.length * 2, index + 1)).fill(-1);
      grown.set(this.ifIds);
      this.ifIds = grown;
    }
    const id = this.interfaces++;
    this.ifIds[index] = id;
    this.out.reserve(idb.length);
    idb.copy(this.out.buffer, this.out.used);
    this.out.used += idb.length;
    this.bytes += idb.length;
    return id;
  }
}

/** Frames up to this long are copied byte by byte: no allocation, and as fast as set() there. */
const SMALL_FRAME = 64;

/**
 * Copies the view's frame into `to` at `at`. Copying part of a Uint8Array needs a view of that
 * part (subarray, or Buffer#copy's internal one): one small short-lived object per longer frame,
 * which costs ~25 scavenges per million packets; a byte loop would cost 20× the time at 1500 bytes.
 */
export function copyFrame(view: PacketView, to: Uint8Array, at: number): void {
  const from = view.bytes;
  const off = view.frameOffset;
  const n = view.capturedLength;
  if (n <= SMALL_FRAME) {
    for (let i = 0; i < n; i++) to[at + i] = from[off + i]!;
  } else {
    to.set(from.subarray(off, off + n), at);
  }
}

function machineName(): string {
  try {
    return machine();
  } catch {
    return arch();
  }
}

/** A limit option: a non-negative integer, or Infinity when absent. */
export function captureLimit(value: number | undefined, name: string): number {
  if (value === undefined) return Infinity;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
