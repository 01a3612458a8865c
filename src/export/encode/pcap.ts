/**
 * Packets to a classic pcap file, nanosecond flavour (magic 0xa1b23c4d, little-endian): for tools
 * that read nothing newer. A classic file has one link type and no per-packet comment, direction
 * or interface: packets of another link type than the file's are counted as skipped.
 *
 *   header (24 bytes)                              record
 *   │ magic │ 2 │ 4 │ thiszone │ sigfigs │ snaplen │ linktype │   │ ts_sec │ ts_nsec │ caplen │ wirelen │ data │
 *
 * The link type is the one given, or else the first packet's (the header is written with it).
 */
import type { ObservationPoint } from '../../model/observation-point.js';
import type { PacketView } from '../../model/packet-view.js';
import { ErrorCode, SinkError } from '../../core/errors.js';
import {
  CaptureFile, captureLimit, copyFrame, type CaptureFileOptions, type CaptureLimits, type CaptureOutput, type CaptureWriter,
  type CaptureWriterStats, type PacketDirection,
} from './pcapng.js';

/** Nanosecond-resolution pcap magic (as written little-endian: 4d 3c b2 a1). */
export const PCAP_NSEC_MAGIC = 0xa1b23c4d;
const HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export interface PcapWriterOptions extends CaptureLimits {
  /** LINKTYPE_* of the file; default: the first packet's. */
  linkType?: number;
  /** The header's snaplen (default 262144). */
  snaplen?: number;
}

export class PcapWriter implements CaptureWriter {
  private readonly out: CaptureOutput;
  private readonly maxPackets: number;
  private readonly maxBytes: number;
  private readonly snaplen: number;
  /** -1 until the header is written. */
  private linkType = -1;
  private packets = 0;
  private bytes = 0;
  private refused = 0;
  private skipped = 0;
  private closed = false;
  private isFull = false;

  constructor(output: CaptureOutput, options: PcapWriterOptions = {}) {
    this.out = output;
    this.maxPackets = captureLimit(options.maxPackets, 'maxPackets');
    this.maxBytes = captureLimit(options.maxBytes, 'maxBytes');
    this.snaplen = options.snaplen ?? 262_144;
    if (options.linkType !== undefined) this.writeHeader(options.linkType);
  }

  /** Creates the file (0600, O_EXCL unless `overwrite`). */
  static create(path: string, options: PcapWriterOptions & CaptureFileOptions = {}): PcapWriter {
    return new PcapWriter(CaptureFile.create(path, options), options);
  }

  get full(): boolean {
    return this.isFull;
  }

  /** Classic pcap describes no interface: nothing to remember. */
  addInterface(_point: ObservationPoint): void {}

  /** `comment` and `direction` have no place in classic pcap and are ignored. */
  writePacket(view: PacketView, _comment?: string, _direction?: PacketDirection): boolean {
    if (this.closed) throw new SinkError(ErrorCode.SINK_IO, 'pcap writer: write after close', false);
    const header = this.linkType < 0 ? HEADER_BYTES : 0;
    if (header === 0 && view.linkType !== this.linkType) {
      this.skipped++;
      return false;
    }
    const caplen = view.capturedLength;
    const length = RECORD_HEADER_BYTES + caplen;
    if (this.isFull || this.packets >= this.maxPackets || this.bytes + header + length > this.maxBytes) {
      this.isFull = true;
      this.refused++;
      return false;
    }
    if (header > 0) this.writeHeader(view.linkType);
    this.out.reserve(length);
    const b = this.out.buffer;
    const p = this.out.used;
    b.writeUInt32LE(view.tsSec >>> 0, p);
    b.writeUInt32LE(view.tsNsec, p + 4);
    b.writeUInt32LE(caplen, p + 8);
    b.writeUInt32LE(Math.max(view.wireLength, caplen), p + 12);
    copyFrame(view, b, p + 16);
    this.out.used = p + length;
    this.bytes += length;
    this.packets++;
    if (this.packets >= this.maxPackets || this.maxBytes - this.bytes < RECORD_HEADER_BYTES) this.isFull = true;
    return true;
  }

  stats(): CaptureWriterStats {
    return { packets: this.packets, bytes: this.bytes, interfaces: this.linkType < 0 ? 0 : 1, refused: this.refused, skipped: this.skipped };
  }

  flush(): void {
    if (!this.closed) this.out.flush();
  }

  /** A file that saw no packet and was given no link type still gets a header (Ethernet). */
  close(): void {
    if (this.closed) return;
    if (this.linkType < 0) this.writeHeader(1);
    this.closed = true;
    this.out.close();
  }

  private writeHeader(linkType: number): void {
    this.linkType = linkType;
    this.out.reserve(HEADER_BYTES);
    const b = this.out.buffer;
    const p = this.out.used;
    b.writeUInt32LE(PCAP_NSEC_MAGIC, p);
    b.writeUInt16LE(2, p + 4);
    b.writeUInt16LE(4, p + 6);
    b.writeInt32LE(0, p + 8); // thiszone: UTC
    b.writeUInt32LE(0, p + 12); // sigfigs
    b.writeUInt32LE(this.snaplen, p + 16);
    b.writeUInt32LE(linkType, p + 20);
    this.out.used = p + HEADER_BYTES;
    this.bytes += HEADER_BYTES;
  }
}
