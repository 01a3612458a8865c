/**
 * IP addresses as four uint32 words (the PacketView shape) ⇄ text. Formatting happens once per
 * record, never per packet. IPv6 text follows RFC 5952 (longest zero run compressed, lowercase,
 * IPv4-mapped addresses with a dotted quad).
 */

export function formatIpv4(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 0xff}.${(word >>> 8) & 0xff}.${word & 0xff}`;
}

/** The eight 16-bit groups of the address being formatted, and its text (reused by every call). */
const GROUPS = new Int32Array(8);
const TEXT = Buffer.alloc(64);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

export function formatIpv6(w0: number, w1: number, w2: number, w3: number): string {
  // RFC 5952 §5: ::ffff:a.b.c.d for IPv4-mapped addresses.
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${formatIpv4(w3 >>> 0)}`;
  const g = GROUPS;
  g[0] = w0 >>> 16; g[1] = w0 & 0xffff; g[2] = w1 >>> 16; g[3] = w1 & 0xffff;
  g[4] = w2 >>> 16; g[5] = w2 & 0xffff; g[6] = w3 >>> 16; g[7] = w3 & 0xffff;
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // Groups in lowercase hex without leading zeros (§4.1, §4.3), ':' between, '::' for the run.
  const t = TEXT;
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      t[p++] = 0x3a;
      t[p++] = 0x3a;
      i += bestLen - 1;
      continue;
    }
    if (p > 0 && t[p - 1] !== 0x3a) t[p++] = 0x3a;
    const x = g[i]!;
    if (x >= 0x1000) t[p++] = HEX_DIGITS[x >>> 12]!;
    if (x >= 0x100) t[p++] = HEX_DIGITS[(x >>> 8) & 15]!;
    if (x >= 0x10) t[p++] = HEX_DIGITS[(x >>> 4) & 15]!;
    t[p++] = HEX_DIGITS[x & 15]!;
  }
  return t.toString('latin1', 0, p);
}

/** Formats an address held as words: IPv4 in word 3, or IPv6 in all four. */
export function formatIp(version: number, w0: number, w1: number, w2: number, w3: number): string {
  return version === 4 ? formatIpv4(w3) : formatIpv6(w0, w1, w2, w3);
}

/** Parses IPv4 or IPv6 text into words (IPv4 in word 3); undefined when it is not an address. */
export function parseIp(text: string): { version: 4 | 6; words: [number, number, number, number] } | undefined {
  if (text.includes(':')) {
    const bytes = parseIpv6Bytes(text);
    if (bytes === undefined) return undefined;
    const v = new DataView(bytes.buffer);
    return { version: 6, words: [v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)] };
  }
  const w = parseIpv4Word(text);
  return w === undefined ? undefined : { version: 4, words: [0, 0, 0, w] };
}

function parseIpv4Word(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let w = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    w = w * 256 + n;
  }
  return w >>> 0;
}

function parseIpv6Bytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let tail = text;
  let v4: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4 = parseIpv4Word(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = tail.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const s = groups[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(s)) return undefined;
    const n = parseInt(s, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (v4 !== undefined) {
    out[12] = v4 >>> 24; out[13] = (v4 >>> 16) & 0xff; out[14] = (v4 >>> 8) & 0xff; out[15] = v4 & 0xff;
  }
  return out;
}

/** True when `ip` lies within `prefix`/`length` (same IP version; false for text that is no address). */
export function ipInPrefix(ip: string, prefix: string, length: number): boolean {
  const a = parseIp(ip);
  const p = parseIp(prefix);
  if (a === undefined || p === undefined || a.version !== p.version) return false;
  let bits = a.version === 4 ? 96 + length : length;
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(32, bits));
    bits -= 32;
    if (take === 0) continue;
    const mask = take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    if (((a.words[i]! & mask) >>> 0) !== ((p.words[i]! & mask) >>> 0)) return false;
  }
  return true;
}
