/**
 * A tiny pcap / pcapng writer for tests: builds captures the corpus lacks (power-of-2
 * resolutions, offsets, obsolete Packet Blocks, corrupt lengths, truncated tails) byte by byte.
 * Simple rather than fast; every length can be overridden to write corrupt files on purpose.
 */

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatList(parts);
}

/** concat for long lists (no spread: no argument-count limit). */
export function concatList(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function u16(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, le);
  return b;
}
function u32(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, le);
  return b;
}
/** A 64-bit value as (hi, lo) halves, in the section's byte order. */
export function u64(hi: number, lo: number, le: boolean): Uint8Array {
  return le ? concat(u32(lo, true), u32(hi, true)) : concat(u32(hi, false), u32(lo, false));
}
/** A BigInt as (hi, lo), for building timestamps in tests. */
export function split64(v: bigint): [number, number] {
  return [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}

// ── classic pcap ───────────────────────────────────────────────────────────────────────────────

export interface PcapHeader {
  le?: boolean;
  nanos?: boolean;
  major?: number;
  minor?: number;
  snaplen?: number;
  /** The whole 32-bit link-type field (FCS bits included). */
  linkType?: number;
}
export interface PcapRecord {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  caplen?: number;
  wire?: number;
}

export function pcapHeader(h: PcapHeader = {}): Uint8Array {
  const le = h.le ?? true;
  const magic = h.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4;
  return concat(u32(magic, le), u16(h.major ?? 2, le), u16(h.minor ?? 4, le), u32(0, le), u32(0, le),
    u32(h.snaplen ?? 262144, le), u32(h.linkType ?? 1, le));
}

export function pcapRecord(r: PcapRecord, le = true): Uint8Array {
  return concat(u32(r.sec, le), u32(r.frac, le), u32(r.caplen ?? r.data.length, le), u32(r.wire ?? r.data.length, le), r.data);
}

export function writePcap(h: PcapHeader, records: PcapRecord[]): Uint8Array {
  const le = h.le ?? true;
  return concatList([pcapHeader(h), ...records.map((r) => pcapRecord(r, le))]);
}

// ── pcapng ─────────────────────────────────────────────────────────────────────────────────────

function pad4(b: Uint8Array): Uint8Array {
  const n = (4 - (b.length % 4)) % 4;
  return n === 0 ? b : concat(b, new Uint8Array(n));
}

/** One option: code, length, value padded to 4. */
export function option(code: number, value: Uint8Array, le: boolean): Uint8Array {
  return concat(u16(code, le), u16(value.length, le), pad4(value));
}
export function endOfOptions(le: boolean): Uint8Array {
  return concat(u16(0, le), u16(0, le));
}
export function textOption(code: number, text: string, le: boolean): Uint8Array {
  return option(code, new TextEncoder().encode(text), le);
}

/** A block: type, total length, body (padded), total length. `lengths` overrides either copy. */
export function block(type: number, body: Uint8Array, le: boolean, lengths: { first?: number; last?: number } = {}): Uint8Array {
  const b = pad4(body);
  const len = 12 + b.length;
  return concat(u32(type, le), u32(lengths.first ?? len, le), b, u32(lengths.last ?? len, le));
}

export function shb(le: boolean, o: { major?: number; minor?: number; options?: Uint8Array[] } = {}): Uint8Array {
  const opts = o.options === undefined || o.options.length === 0 ? new Uint8Array(0) : concat(...o.options, endOfOptions(le));
  return block(0x0a0d0d0a, concat(u32(0x1a2b3c4d, le), u16(o.major ?? 1, le), u16(o.minor ?? 0, le),
    u32(0xffffffff, le), u32(0xffffffff, le), opts), le);
}

export interface IdbOptions {
  name?: string;
  description?: string;
  tsresol?: number;
  /** if_tsoffset in seconds (signed, |v| < 2^53). */
  tsoffset?: bigint;
}
export function idb(le: boolean, linkType: number, snaplen: number, o: IdbOptions = {}): Uint8Array {
  const opts: Uint8Array[] = [];
  if (o.name !== undefined) opts.push(textOption(2, o.name, le));
  if (o.description !== undefined) opts.push(textOption(3, o.description, le));
  if (o.tsresol !== undefined) opts.push(option(9, Uint8Array.of(o.tsresol), le));
  if (o.tsoffset !== undefined) {
    const [hi, lo] = split64(BigInt.asUintN(64, o.tsoffset));
    opts.push(option(14, u64(hi, lo, le), le));
  }
  if (opts.length > 0) opts.push(endOfOptions(le));
  return block(1, concat(u16(linkType, le), u16(0, le), u32(snaplen, le), ...opts), le);
}

export function epb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, wire = data.length, caplen = data.length): Uint8Array {
  const [hi, lo] = split64(ts);
  return block(6, concat(u32(ifId, le), u32(hi, le), u32(lo, le), u32(caplen, le), u32(wire, le), data), le);
}

/** The obsolete Packet Block (type 2): 16-bit interface id and drops count. */
export function pb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, wire = data.length): Uint8Array {
  const [hi, lo] = split64(ts);
  return block(2, concat(u16(ifId, le), u16(0xffff, le), u32(hi, le), u32(lo, le), u32(data.length, le), u32(wire, le), data), le);
}

export function spb(le: boolean, data: Uint8Array, wire = data.length): Uint8Array {
  return block(3, concat(u32(wire, le), data), le);
}

export function isb(le: boolean, ifId: number, stats: { recv?: bigint; drop?: bigint }): Uint8Array {
  const opts: Uint8Array[] = [];
  if (stats.recv !== undefined) { const [h, l] = split64(stats.recv); opts.push(option(4, u64(h, l, le), le)); }
  if (stats.drop !== undefined) { const [h, l] = split64(stats.drop); opts.push(option(5, u64(h, l, le), le)); }
  if (opts.length > 0) opts.push(endOfOptions(le));
  return block(5, concat(u32(ifId, le), u32(0, le), u32(0, le), ...opts), le);
}

/** Name Resolution Block with one IPv4 record and the end-of-records record. */
export function nrb(le: boolean): Uint8Array {
  const rec = concat(Uint8Array.of(10, 0, 0, 1), new TextEncoder().encode('host\0'));
  return block(4, concat(u16(1, le), u16(rec.length, le), pad4(rec), u16(0, le), u16(0, le)), le);
}

export function customBlock(le: boolean, copyable = true): Uint8Array {
  return block(copyable ? 0x00000bad : 0x40000bad, concat(u32(32473, le), Uint8Array.of(1, 2, 3, 4, 5)), le);
}

/** A recognisable frame of `n` bytes (byte i = seed + i). */
export function frame(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i) & 0xff;
  return b;
}
