/**
 * Classic libpcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a
 * 16-byte header and the frame. One observation point per file.
 *
 * File header                          Record header
 *   0  magic                             0  ts seconds (uint32)
 *   4  version major (2), minor (2)      4  ts µs or ns (per the magic)
 *   8  thiszone (ignored, as libpcap)    8  captured length
 *  12  sigfigs (ignored)                12  original (wire) length
 *  16  snaplen                          16  frame bytes …
 *  20  FCS len:4 | P:1 | R:1 | reserved:10 | link type:16
 */
import { LinkType } from '../../model/link-type.js';
import type { ReadContext } from './context.js';
import { maxCaplenFor } from './context.js';
import type { FormatParser } from './format-parser.js';

export const PCAP_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

/** The first four bytes read as a big-endian uint32. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
/** Alexey Kuznetsov's patched libpcap (24-byte record headers): recognised, not supported. */
export const PCAP_MAGIC_KUZNETSOV = 0xa1b2cd34;
export const PCAP_MAGIC_KUZNETSOV_SWAPPED = 0x34cdb2a1;

/** Bits 16–25 of the link-type field must be zero (Wireshark refuses the file otherwise). */
const LINKTYPE_RESERVED_MASK = 0x03ff0000;

/** libpcap < 0.4 wrote caplen and len swapped: always in 2.0–2.2, sometimes in 2.3 (sf-pcap.c). */
const LengthsSwapped = { NO: 0, YES: 1, MAYBE: 2 } as const;
type LengthsSwapped = (typeof LengthsSwapped)[keyof typeof LengthsSwapped];

export class PcapParser implements FormatParser {
  need = PCAP_HEADER_LENGTH;
  pending = 'file header';
  headerDone = false;
  private readonly ctx: ReadContext;
  private le = true;
  /** Fraction units per second: 1e6 (µs magic) or 1e9 (ns magic). */
  private fracPerSec = 1e6;
  private nsPerFrac = 1000;
  private tsDigits = 6;
  private linkType: number = LinkType.ETHERNET;
  private maxCaplen = 0;
  private interfaceIndex = 0;
  private lengthsSwapped: LengthsSwapped = LengthsSwapped.NO;

  constructor(ctx: ReadContext) {
    this.ctx = ctx;
  }

  parse(bytes: Uint8Array, dv: DataView, pos: number, end: number, base: number): number {
    if (!this.headerDone) {
      if (end - pos < PCAP_HEADER_LENGTH) return pos;
      this.readHeader(dv, pos, base);
      pos += PCAP_HEADER_LENGTH;
      this.headerDone = true;
      this.pending = 'packet record';
    }
    return this.parseRecords(bytes, dv, pos, end, base);
  }

  private readHeader(dv: DataView, pos: number, base: number): void {
    const ctx = this.ctx;
    const magic = dv.getUint32(pos, false);
    this.le = magic === PCAP_MAGIC_US_SWAPPED || magic === PCAP_MAGIC_NS_SWAPPED;
    const nanos = magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_NS_SWAPPED;
    this.fracPerSec = nanos ? 1e9 : 1e6;
    this.nsPerFrac = nanos ? 1 : 1000;
    this.tsDigits = nanos ? 9 : 6;
    const le = this.le;
    const major = dv.getUint16(pos + 4, le);
    const minor = dv.getUint16(pos + 6, le);
    if (major !== 2) {
      throw ctx.error(base + pos + 4, 'version', `unsupported pcap version ${major}.${minor} (expected 2.4)`);
    }
    if (minor < 3) this.lengthsSwapped = LengthsSwapped.YES;
    else if (minor === 3) this.lengthsSwapped = LengthsSwapped.MAYBE;
    const snaplen = dv.getUint32(pos + 16, le);
    const field = dv.getUint32(pos + 20, le);
    if ((field & LINKTYPE_RESERVED_MASK) !== 0) {
      throw ctx.error(base + pos + 20, 'linktype',
        `reserved bits of the link-type field are set (0x${field.toString(16).padStart(8, '0')})`);
    }
    // The upper bits carry the FCS length (pcap §4); the decoder does not need it: frames
    // are bounded by the IP lengths, so a trailing FCS is never taken for payload.
    this.linkType = field & 0xffff;
    this.maxCaplen = maxCaplenFor(this.linkType);
    this.interfaceIndex = ctx.addInterface({
      interfaceId: 0, section: 0, linkType: this.linkType, snaplen, tsDigits: this.tsDigits,
    });
  }

  /** The hot loop: one record per iteration, no allocation. */
  private parseRecords(bytes: Uint8Array, dv: DataView, pos: number, end: number, base: number): number {
    const ctx = this.ctx;
    const view = ctx.view;
    const handler = ctx.handler;
    const le = this.le;
    const fracPerSec = this.fracPerSec;
    const nsPerFrac = this.nsPerFrac;
    const maxCaplen = this.maxCaplen;
    const swapped = this.lengthsSwapped;
    const tsDigits = this.tsDigits;
    const linkType = this.linkType;
    const interfaceIndex = this.interfaceIndex;
    view.bytes = bytes;
    while (end - pos >= RECORD_HEADER_LENGTH) {
      let caplen = dv.getUint32(pos + 8, le);
      let wire = dv.getUint32(pos + 12, le);
      if (swapped !== LengthsSwapped.NO && (swapped === LengthsSwapped.YES || caplen > wire)) {
        const t = caplen; caplen = wire; wire = t;
      }
      if (caplen > maxCaplen) {
        throw ctx.error(base + pos + 8, 'caplen', `captured length ${caplen} exceeds the ${maxCaplen}-byte maximum`);
      }
      const total = RECORD_HEADER_LENGTH + caplen;
      if (end - pos < total) {
        this.need = total;
        return pos;
      }
      let sec = dv.getUint32(pos, le);
      let frac = dv.getUint32(pos + 4, le);
      if (frac >= fracPerSec) {
        // A fraction of a second or more in the sub-second field (seen in real files):
        // carry it into the seconds, as the value means sec + frac units.
        sec += Math.floor(frac / fracPerSec);
        frac %= fracPerSec;
      }
      view.tsSec = sec;
      view.tsNsec = frac * nsPerFrac;
      view.tsDigits = tsDigits;
      view.linkType = linkType;
      view.interfaceIndex = interfaceIndex;
      view.frameOffset = pos + RECORD_HEADER_LENGTH;
      view.capturedLength = caplen;
      view.wireLength = wire;
      handler.packet(view);
      ctx.packets++;
      pos += total;
    }
    this.need = RECORD_HEADER_LENGTH;
    return pos;
  }
}
