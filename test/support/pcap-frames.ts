/**
 * A small, test-only pcap / pcapng frame iterator: whole file in memory, synchronous, simple
 * rather than fast. The real reader lives in src/capture/pcap-file; this one exists so decoder
 * tests can feed corpus frames without depending on it.
 *
 * - pcap: µs (0xa1b2c3d4) and ns (0xa1b23c4d) magics, either byte order.
 * - pcapng: SHB (byte order per section), IDB (link type, snaplen), EPB, SPB and the obsolete
 *   Packet Block; every other block (NRB, ISB, custom, …) is skipped.
 * A truncated trailing record ends the iteration; an unknown magic throws.
 */
import { readFileSync } from 'node:fs';

export interface Frame {
  /** 0-based packet index within the file (packets only, not other blocks). */
  index: number;
  linkType: number;
  /** The whole file: the frame is bytes[offset, offset + caplen). */
  bytes: Uint8Array;
  offset: number;
  caplen: number;
  len: number;
  /** pcapng interface id within its section (0 for pcap). */
  ifId: number;
}

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 1;
const PCAPNG_PB = 2; // obsolete Packet Block
const PCAPNG_SPB = 3;
const PCAPNG_EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export function readFrames(path: string): Frame[] {
  const buf = readFileSync(path);
  return parseFrames(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

export function parseFrames(bytes: Uint8Array): Frame[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) return [];
  const be = dv.getUint32(0, false);
  if (be === PCAPNG_SHB) return parsePcapng(bytes, dv);
  const le = dv.getUint32(0, true);
  for (const [magic, little] of [[be, false], [le, true]] as const) {
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return parsePcap(bytes, dv, little);
  }
  throw new Error(`not a pcap or pcapng file (magic ${be.toString(16)})`);
}

function parsePcap(bytes: Uint8Array, dv: DataView, le: boolean): Frame[] {
  const out: Frame[] = [];
  if (bytes.length < 24) return out;
  const linkType = dv.getUint32(20, le) & 0x03ffffff; // upper bits: FCS length (pcap-savefile(5))
  let p = 24;
  while (p + 16 <= bytes.length) {
    const caplen = dv.getUint32(p + 8, le);
    const len = dv.getUint32(p + 12, le);
    if (p + 16 + caplen > bytes.length) break;
    out.push({ index: out.length, linkType, bytes, offset: p + 16, caplen, len, ifId: 0 });
    p += 16 + caplen;
  }
  return out;
}

function parsePcapng(bytes: Uint8Array, dv: DataView): Frame[] {
  const out: Frame[] = [];
  let le = true;
  let ifaces: { linkType: number; snaplen: number }[] = [];
  let p = 0;
  while (p + 12 <= bytes.length) {
    let type = dv.getUint32(p, le);
    if (dv.getUint32(p, false) === PCAPNG_SHB) {
      // The byte-order magic decides how to read this section, including the SHB's own length.
      const bom = dv.getUint32(p + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (dv.getUint32(p + 8, false) === BYTE_ORDER_MAGIC) le = false;
      else break;
      type = PCAPNG_SHB;
      ifaces = [];
    }
    const total = dv.getUint32(p + 4, le);
    if (total < 12 || total % 4 !== 0 || p + total > bytes.length) break;
    const body = p + 8;
    const bodyEnd = p + total - 4;
    if (type === PCAPNG_IDB && bodyEnd - body >= 8) {
      ifaces.push({ linkType: dv.getUint16(body, le), snaplen: dv.getUint32(body + 4, le) });
    } else if (type === PCAPNG_EPB && bodyEnd - body >= 20) {
      const ifId = dv.getUint32(body, le);
      const caplen = dv.getUint32(body + 12, le);
      const len = dv.getUint32(body + 16, le);
      const iface = ifaces[ifId];
      if (iface !== undefined && body + 20 + caplen <= bodyEnd) {
        out.push({ index: out.length, linkType: iface.linkType, bytes, offset: body + 20, caplen, len, ifId });
      }
    } else if (type === PCAPNG_PB && bodyEnd - body >= 20) {
      const ifId = dv.getUint16(body, le);
      const caplen = dv.getUint32(body + 12, le);
      const len = dv.getUint32(body + 16, le);
      const iface = ifaces[ifId];
      if (iface !== undefined && body + 20 + caplen <= bodyEnd) {
        out.push({ index: out.length, linkType: iface.linkType, bytes, offset: body + 20, caplen, len, ifId });
      }
    } else if (type === PCAPNG_SPB && bodyEnd - body >= 4) {
      // pcapng §4.4: captured length = min(original length, snaplen of interface 0, room in the block).
      const len = dv.getUint32(body, le);
      const iface = ifaces[0];
      if (iface !== undefined) {
        let caplen = Math.min(len, bodyEnd - body - 4);
        if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
        out.push({ index: out.length, linkType: iface.linkType, bytes, offset: body + 4, caplen, len, ifId: 0 });
      }
    }
    p += total;
  }
  return out;
}
