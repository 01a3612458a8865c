/**
 * The incremental capture parser: detects pcap or pcapng from the first four bytes, then feeds
 * byte windows to the format's parser. It does no I/O, so a benchmark can drive it over a
 * buffer in memory and see only the per-packet cost.
 */
import { PacketView } from '../../model/packet-view.js';
import type { CaptureHandler, CaptureSummary } from '../source.js';
import { ReadContext } from './context.js';
import type { PcapFormatError } from './errors.js';
import type { FormatParser } from './format-parser.js';
import {
  PCAP_MAGIC_KUZNETSOV, PCAP_MAGIC_KUZNETSOV_SWAPPED, PCAP_MAGIC_NS, PCAP_MAGIC_NS_SWAPPED,
  PCAP_MAGIC_US, PCAP_MAGIC_US_SWAPPED, PcapParser,
} from './pcap.js';
import { BLOCK_SHB, PcapngParser } from './pcapng.js';

const GZIP_MAGIC = 0x1f8b;

/** True when the bytes start like a gzip member (RFC 1952 §2.3.1: ID1 0x1f, ID2 0x8b). */
export function isGzip(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  return end - start >= 2 && bytes[start] === 0x1f && bytes[start + 1] === 0x8b;
}

export interface CaptureParserOptions {
  /** Global index of this input's first interface (see ObservationPoint.index). Default 0. */
  firstInterfaceIndex?: number;
  /** The reusable view to fill; one is created when absent. */
  view?: PacketView;
}

export class CaptureParser {
  private readonly ctx: ReadContext;
  private format: FormatParser | undefined;
  private formatName: 'pcap' | 'pcapng' = 'pcap';
  private dv: DataView | undefined;
  private dvBytes: Uint8Array | undefined;

  constructor(file: string, handler: CaptureHandler, options: CaptureParserOptions = {}) {
    this.ctx = new ReadContext(file, handler, options.view ?? new PacketView(), options.firstInterfaceIndex ?? 0);
  }

  get packets(): number { return this.ctx.packets; }
  get interfaces(): number { return this.ctx.interfaces; }

  /** A format error at input offset `offset`, counting the packets delivered so far. */
  error(offset: number, field: string, why: string, options?: ErrorOptions): PcapFormatError {
    return this.ctx.error(offset, field, why, options);
  }

  /** Bytes the next record needs from the offset `parse` returned (grow the buffer to fit). */
  get need(): number { return this.format === undefined ? 4 : this.format.need; }

  /**
   * Parses every complete record in `bytes[pos, end)` and returns the offset of the first byte
   * not consumed. `base` is the input offset of `bytes[0]` (for error offsets). Packets go to the
   * handler synchronously; `view.bytes` is `bytes` itself, so keep `bytes` unchanged during the call.
   */
  parse(bytes: Uint8Array, pos: number, end: number, base = 0): number {
    if (this.dvBytes !== bytes) {
      this.dvBytes = bytes;
      this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const dv = this.dv as DataView;
    if (this.format === undefined) {
      if (end - pos < 4) return pos;
      this.format = this.detect(dv, pos, base);
    }
    return this.format.parse(bytes, dv, pos, end, base);
  }

  /**
   * Ends the input: `remaining` bytes at input offset `offset` were left unparsed. A partial
   * record is only a warning (captures cut short are common); a missing file header is an error.
   */
  finish(remaining: number, offset: number, bytesRead: number, endedEarly?: string): CaptureSummary {
    const ctx = this.ctx;
    if (bytesRead === 0) {
      // A .gz whose stream ends before any data came out is a gzip problem, not an empty capture.
      throw endedEarly === undefined ? ctx.error(0, 'file', 'empty file') : ctx.error(0, 'gzip', `no data: ${endedEarly}`);
    }
    if (this.format === undefined) {
      throw ctx.error(0, 'magic', `not a pcap or pcapng file (only ${bytesRead} byte(s), too short for a magic number)`);
    }
    if (!this.format.headerDone) {
      throw ctx.error(offset, this.formatName === 'pcap' ? 'file header' : 'section header block',
        `file ends inside the ${this.format.pending} (${remaining} of ${this.format.need} bytes)`);
    }
    let truncated = false;
    if (remaining > 0) {
      truncated = true;
      ctx.handler.warning(`${ctx.file}: truncated record at offset ${offset} (${this.format.pending} needs ${
        this.format.need} bytes, ${remaining} present); read ${ctx.packets} packets`);
    } else if (endedEarly !== undefined) {
      truncated = true;
      ctx.handler.warning(`${ctx.file}: ${endedEarly}; read ${ctx.packets} packets`);
    }
    return {
      file: ctx.file, format: this.formatName, packets: ctx.packets, bytesRead, truncated, interfaces: ctx.interfaces,
    };
  }

  private detect(dv: DataView, pos: number, base: number): FormatParser {
    const magic = dv.getUint32(pos, false);
    switch (magic) {
      case PCAP_MAGIC_US: case PCAP_MAGIC_US_SWAPPED: case PCAP_MAGIC_NS: case PCAP_MAGIC_NS_SWAPPED:
        this.formatName = 'pcap';
        return new PcapParser(this.ctx);
      case BLOCK_SHB:
        this.formatName = 'pcapng';
        return new PcapngParser(this.ctx);
      case PCAP_MAGIC_KUZNETSOV: case PCAP_MAGIC_KUZNETSOV_SWAPPED:
        throw this.ctx.error(base + pos, 'magic', 'modified (Kuznetsov) pcap format is not supported; convert it with editcap');
      default: {
        const hex = magic.toString(16).padStart(8, '0');
        const why = (magic >>> 16) === GZIP_MAGIC
          ? 'gzip-compressed data where a capture was expected (compressed twice?)'
          : `not a pcap or pcapng file (magic 0x${hex})`;
        throw this.ctx.error(base + pos, 'magic', why);
      }
    }
  }
}
