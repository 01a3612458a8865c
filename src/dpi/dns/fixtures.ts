/**
 * Test-only: builds DNS messages byte by byte for the unit and property tests (not exported from
 * the module's index). Everything is plain number arrays so tests can write malformed parts.
 */

/** A name in uncompressed wire form; "." or "" is the root. Labels are split on '.' (no escapes). */
export function wireName(name: string): number[] {
  const out: number[] = [];
  if (name !== '.' && name !== '') {
    for (const label of name.split('.')) {
      out.push(label.length);
      for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i) & 0xff);
    }
  }
  out.push(0);
  return out;
}

/** A compression pointer to message offset `to`. */
export function ptr(to: number): number[] {
  return [0xc0 | (to >> 8), to & 0xff];
}

export function be16(x: number): number[] {
  return [(x >>> 8) & 0xff, x & 0xff];
}

export function be32(x: number): number[] {
  return [(x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
}

/** A character-string (length byte + bytes, Latin-1). */
export function cstr(s: string | number[]): number[] {
  const bytes = typeof s === 'string' ? [...s].map((c) => c.charCodeAt(0) & 0xff) : s;
  return [bytes.length, ...bytes];
}

export interface HeaderSpec {
  id?: number;
  flags?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}

export function header(h: HeaderSpec): number[] {
  return [...be16(h.id ?? 0x1234), ...be16(h.flags ?? 0x0100), ...be16(h.qd ?? 0), ...be16(h.an ?? 0),
    ...be16(h.ns ?? 0), ...be16(h.ar ?? 0)];
}

export function question(name: number[], type: number, cls = 1): number[] {
  return [...name, ...be16(type), ...be16(cls)];
}

/** A resource record; `rdlength` defaults to the RDATA's length (give it to write a lying one). */
export function rr(name: number[], type: number, rdata: number[], ttl = 300, cls = 1, rdlength?: number): number[] {
  return [...name, ...be16(type), ...be16(cls), ...be32(ttl), ...be16(rdlength ?? rdata.length), ...rdata];
}

/** Concatenates the parts into a message. */
export function message(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

export function ipv4(text: string): number[] {
  return text.split('.').map(Number);
}

/** IPv6 text (with at most one '::') → 16 bytes. */
export function ipv6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const groups = (s: string | undefined): number[] => (s === undefined || s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => be16(g));
}
