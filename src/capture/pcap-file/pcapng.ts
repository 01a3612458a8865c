/**
 * pcapng files (draft-ietf-opsawg-pcapng): a sequence of blocks, each
 *
 *   0  block type    4  block total length    8  body …    len-4  block total length (again)
 *
 * grouped in sections: each Section Header Block (SHB) sets the byte order (its magic
 * 0x1A2B3C4D as written) and starts a new interface table. Interface Description Blocks (IDB)
 * number interfaces 0, 1, … within the section; packet blocks refer to them by that id.
 *
 *   block                     fixed body (after type and length)
 *   SHB  0x0A0D0D0A           magic(4) major(2) minor(2) section length(8) options
 *   IDB  1                    link type(2) reserved(2) snaplen(4) options
 *   PB   2 (obsolete)         if id(2) drops(2) ts hi(4) ts lo(4) caplen(4) len(4) data options
 *   SPB  3                    len(4) data            (interface 0, no timestamp)
 *   NRB  4, custom 0xBAD/0x40000BAD, anything else: skipped
 *   ISB  5                    if id(4) ts hi(4) ts lo(4) options (isb_ifrecv 4, isb_ifdrop 5)
 *   EPB  6                    if id(4) ts hi(4) ts lo(4) caplen(4) len(4) data options
 */
import type { ReadContext } from './context.js';
import { MAX_BLOCK_LENGTH, maxCaplenFor } from './context.js';
import type { FormatParser } from './format-parser.js';
import { TSRESOL_DEFAULT, TsResolution } from './timestamp.js';

export const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 1;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
const BLOCK_NRB = 4;
const BLOCK_ISB = 5;
const BLOCK_EPB = 6;
const BLOCK_CUSTOM = 0x00000bad;
const BLOCK_CUSTOM_NOCOPY = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

const MIN_BLOCK = 12;
const MIN_SHB = 28;
const MIN_IDB = 20;
const MIN_PACKET_BLOCK = 32; // EPB and PB
const MIN_SPB = 16;
const MIN_ISB = 24;

// Option codes (pcapng §3.5, §4.2, §4.6).
const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;

const TWO32 = 4294967296;
const utf8 = new TextDecoder('utf-8');

function blockName(type: number): string {
  switch (type) {
    case BLOCK_SHB: return 'SHB';
    case BLOCK_IDB: return 'IDB';
    case BLOCK_PB: return 'PB';
    case BLOCK_SPB: return 'SPB';
    case BLOCK_NRB: return 'NRB';
    case BLOCK_ISB: return 'ISB';
    case BLOCK_EPB: return 'EPB';
    case BLOCK_CUSTOM: case BLOCK_CUSTOM_NOCOPY: return 'custom block';
    default: return 'block';
  }
}

/** One interface of the current section, fixed shape (read per packet). */
class Interface {
  readonly index: number;
  readonly linkType: number;
  readonly snaplen: number;
  readonly maxCaplen: number;
  readonly res: TsResolution;
  readonly tsDigits: number;
  constructor(index: number, linkType: number, snaplen: number, res: TsResolution) {
    this.index = index;
    this.linkType = linkType;
    this.snaplen = snaplen;
    this.maxCaplen = maxCaplenFor(linkType);
    this.res = res;
    this.tsDigits = res.digits;
  }
}

type OptionVisitor = (code: number, offset: number, length: number) => void;

export class PcapngParser implements FormatParser {
  need = MIN_SHB;
  pending = 'section header block';
  headerDone = false;
  private readonly ctx: ReadContext;
  private le = true;
  /** Section number, -1 before the first SHB. */
  private section = -1;
  private ifaces: Interface[] = [];
  /** Time of the last timestamped packet: what SPBs (which have none) get. */
  private lastSec = 0;
  private lastNsec = 0;

  constructor(ctx: ReadContext) {
    this.ctx = ctx;
  }

  parse(bytes: Uint8Array, dv: DataView, pos: number, end: number, base: number): number {
    const ctx = this.ctx;
    const view = ctx.view;
    view.bytes = bytes;
    while (end - pos >= MIN_BLOCK) {
      let le = this.le;
      const type = dv.getUint32(pos, le);
      if (type === BLOCK_SHB) {
        // The SHB type is a palindrome; its magic tells the byte order of the new section.
        const magic = dv.getUint32(pos + 8, false);
        if (magic === BYTE_ORDER_MAGIC) le = false;
        else if (magic === BYTE_ORDER_MAGIC_SWAPPED) le = true;
        else {
          throw ctx.error(base + pos + 8, 'byte-order magic',
            `SHB byte-order magic is 0x${magic.toString(16).padStart(8, '0')}, not 0x1a2b3c4d`);
        }
      }
      const len = dv.getUint32(pos + 4, le);
      if (len < MIN_BLOCK || (len & 3) !== 0 || len > MAX_BLOCK_LENGTH) {
        throw ctx.error(base + pos + 4, 'block length', `${blockName(type)} total length ${len} is ${
          len < MIN_BLOCK ? 'below the 12-byte minimum' : (len & 3) !== 0 ? 'not a multiple of 4' : `above the ${MAX_BLOCK_LENGTH}-byte cap`}`);
      }
      if (end - pos < len) {
        this.need = len;
        this.pending = blockName(type);
        return pos;
      }
      const trailer = dv.getUint32(pos + len - 4, le);
      if (trailer !== len) {
        throw ctx.error(base + pos + len - 4, 'block length',
          `${blockName(type)} trailing length ${trailer} disagrees with its leading length ${len}`);
      }
      if (type === BLOCK_EPB) {
        // Hot path, inline: one EPB → one packet.
        if (len < MIN_PACKET_BLOCK) throw this.tooShort(base + pos, 'EPB', len, MIN_PACKET_BLOCK);
        const id = dv.getUint32(pos + 8, le);
        const iface = this.ifaces[id];
        if (iface === undefined) throw this.unknownInterface(base + pos + 8, 'EPB', id);
        const caplen = dv.getUint32(pos + 20, le);
        this.checkCaplen(caplen, len - MIN_PACKET_BLOCK, iface, base + pos + 20, 'EPB');
        iface.res.convert(dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le), view);
        this.deliver(iface, pos + 28, caplen, dv.getUint32(pos + 24, le));
      } else if (type !== BLOCK_SHB && this.section < 0) {
        throw ctx.error(base + pos, 'block type', `${blockName(type)} before the section header`);
      } else {
        this.otherBlock(type, dv, pos, len, le, base);
      }
      pos += len;
    }
    this.need = MIN_BLOCK;
    this.pending = 'block header';
    return pos;
  }

  private deliver(iface: Interface, frameOffset: number, caplen: number, wire: number): void {
    const ctx = this.ctx;
    const view = ctx.view;
    this.lastSec = view.tsSec;
    this.lastNsec = view.tsNsec;
    view.tsDigits = iface.tsDigits;
    view.linkType = iface.linkType;
    view.interfaceIndex = iface.index;
    view.frameOffset = frameOffset;
    view.capturedLength = caplen;
    view.wireLength = wire;
    ctx.handler.packet(view);
    ctx.packets++;
  }

  private checkCaplen(caplen: number, room: number, iface: Interface, offset: number, block: string): void {
    if (caplen > room) {
      throw this.ctx.error(offset, 'caplen', `${block} captured length ${caplen} does not fit in the block (${room} bytes of data)`);
    }
    if (caplen > iface.maxCaplen) {
      throw this.ctx.error(offset, 'caplen', `${block} captured length ${caplen} exceeds the ${iface.maxCaplen}-byte maximum`);
    }
  }

  private tooShort(offset: number, block: string, len: number, min: number): Error {
    return this.ctx.error(offset + 4, 'block length', `${block} total length ${len} is below its ${min}-byte minimum`);
  }

  private unknownInterface(offset: number, block: string, id: number): Error {
    return this.ctx.error(offset, 'interface id',
      `${block} refers to interface ${id}, but section ${this.section} has ${this.ifaces.length} interface(s)`);
  }

  private otherBlock(type: number, dv: DataView, pos: number, len: number, le: boolean, base: number): void {
    const ctx = this.ctx;
    switch (type) {
      case BLOCK_SHB: {
        if (len < MIN_SHB) throw this.tooShort(base + pos, 'SHB', len, MIN_SHB);
        const major = dv.getUint16(pos + 12, le);
        const minor = dv.getUint16(pos + 14, le);
        // 1.2 was written by some old tools for plain 1.0 content (Wireshark accepts both).
        if (major !== 1 || (minor !== 0 && minor !== 2)) {
          throw ctx.error(base + pos + 12, 'version', `unsupported pcapng version ${major}.${minor} (expected 1.0)`);
        }
        this.walkOptions(dv, pos + 24, pos + len - 4, le, base, 'SHB', null);
        this.le = le;
        this.section++;
        this.ifaces = [];
        this.headerDone = true;
        return;
      }
      case BLOCK_IDB:
        this.readIdb(dv, pos, len, le, base);
        return;
      case BLOCK_PB: {
        if (len < MIN_PACKET_BLOCK) throw this.tooShort(base + pos, 'PB', len, MIN_PACKET_BLOCK);
        const id = dv.getUint16(pos + 8, le);
        const iface = this.ifaces[id];
        if (iface === undefined) throw this.unknownInterface(base + pos + 8, 'PB', id);
        const caplen = dv.getUint32(pos + 20, le);
        this.checkCaplen(caplen, len - MIN_PACKET_BLOCK, iface, base + pos + 20, 'PB');
        iface.res.convert(dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le), ctx.view);
        this.deliver(iface, pos + 28, caplen, dv.getUint32(pos + 24, le));
        return;
      }
      case BLOCK_SPB: {
        if (len < MIN_SPB) throw this.tooShort(base + pos, 'SPB', len, MIN_SPB);
        const iface = this.ifaces[0];
        if (iface === undefined) throw ctx.error(base + pos, 'interface id', `SPB before any IDB in section ${this.section}`);
        const wire = dv.getUint32(pos + 8, le);
        // pcapng §4.4: captured length = min(original length, snaplen); the block bounds it too.
        let caplen = wire;
        if (iface.snaplen !== 0 && caplen > iface.snaplen) caplen = iface.snaplen;
        if (caplen > len - MIN_SPB) caplen = len - MIN_SPB;
        this.checkCaplen(caplen, len - MIN_SPB, iface, base + pos + 8, 'SPB');
        ctx.view.tsSec = this.lastSec;
        ctx.view.tsNsec = this.lastNsec;
        this.deliver(iface, pos + 12, caplen, wire);
        return;
      }
      case BLOCK_ISB:
        this.readIsb(dv, pos, len, le, base);
        return;
      default:
        // NRB, custom blocks (0xBAD, 0x40000BAD), DSB, journal export, unknown types: skipped.
        return;
    }
  }

  private readIdb(dv: DataView, pos: number, len: number, le: boolean, base: number): void {
    if (len < MIN_IDB) throw this.tooShort(base + pos, 'IDB', len, MIN_IDB);
    const ctx = this.ctx;
    const linkType = dv.getUint16(pos + 8, le);
    const snaplen = dv.getUint32(pos + 12, le);
    let name: string | undefined;
    let description: string | undefined;
    let tsresol = TSRESOL_DEFAULT;
    let tsresolOffset = -1;
    let tsoffset = 0;
    this.walkOptions(dv, pos + 16, pos + len - 4, le, base, 'IDB', (code, off, olen) => {
      if (code === IF_NAME && name === undefined) name = text(dv, off, olen);
      else if (code === IF_DESCRIPTION && description === undefined) description = text(dv, off, olen);
      else if (code === IF_TSRESOL && olen >= 1 && tsresolOffset < 0) { tsresol = dv.getUint8(off); tsresolOffset = off; }
      else if (code === IF_TSOFFSET && olen === 8) {
        // Signed 64-bit seconds; exact below 2^53 (any real offset).
        tsoffset = le ? dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true)
          : dv.getInt32(off, false) * TWO32 + dv.getUint32(off + 4, false);
      }
    });
    let res: TsResolution;
    try {
      res = new TsResolution(tsresol, tsoffset);
    } catch (e) {
      throw ctx.error(base + tsresolOffset, 'if_tsresol', (e as Error).message);
    }
    const interfaceId = this.ifaces.length;
    const point = {
      interfaceId, section: this.section, linkType, snaplen, tsDigits: res.digits,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
    };
    const index = ctx.addInterface(point);
    this.ifaces.push(new Interface(index, linkType, snaplen, res));
  }

  private readIsb(dv: DataView, pos: number, len: number, le: boolean, base: number): void {
    if (len < MIN_ISB) throw this.tooShort(base + pos, 'ISB', len, MIN_ISB);
    const id = dv.getUint32(pos + 8, le);
    const iface = this.ifaces[id];
    if (iface === undefined) throw this.unknownInterface(base + pos + 8, 'ISB', id);
    let received: number | undefined;
    let dropped: number | undefined;
    this.walkOptions(dv, pos + 20, pos + len - 4, le, base, 'ISB', (code, off, olen) => {
      if (olen !== 8) return;
      const v = le ? dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true)
        : dv.getUint32(off, false) * TWO32 + dv.getUint32(off + 4, false);
      if (code === ISB_IFRECV) received = v;
      else if (code === ISB_IFDROP) dropped = v;
    });
    if (received !== undefined || dropped !== undefined) this.ctx.handler.interfaceStats?.(iface.index, received, dropped);
  }

  /**
   * Walks an option list (code(2) length(2) value, padded to 4) in [from, to), stopping at
   * opt_endofopt. An option running past the block is corrupt (Wireshark refuses it too).
   */
  private walkOptions(dv: DataView, from: number, to: number, le: boolean, base: number, block: string,
    visit: OptionVisitor | null): void {
    let off = from;
    while (to - off >= 4) {
      const code = dv.getUint16(off, le);
      const olen = dv.getUint16(off + 2, le);
      if (code === OPT_ENDOFOPT) return;
      if (olen > to - off - 4) {
        throw this.ctx.error(base + off + 2, `${block} option ${code}`,
          `option length ${olen} runs past the end of the block (${to - off - 4} bytes left)`);
      }
      if (visit !== null) visit(code, off + 4, olen);
      off += 4 + ((olen + 3) & ~3);
    }
  }
}

function text(dv: DataView, off: number, len: number): string {
  let n = len;
  while (n > 0 && dv.getUint8(off + n - 1) === 0) n--;
  return utf8.decode(new Uint8Array(dv.buffer, dv.byteOffset + off, n));
}
