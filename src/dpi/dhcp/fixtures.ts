/**
 * Test-only: builds BOOTP/DHCP messages byte by byte for the unit and property tests (not exported
 * from the module's index). Options are given as raw bytes so tests can write malformed ones.
 */

export interface DhcpSpec {
  op?: number;
  htype?: number;
  hlen?: number;
  hops?: number;
  xid?: number;
  secs?: number;
  flags?: number;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  /** chaddr as hex, colons allowed (`90:b1:1c:99:49:29`); padded with zeros to 16 bytes. */
  chaddr?: string;
  /** Raw contents of sname (64) / file (128); strings are written as Latin-1 bytes. */
  sname?: string | number[];
  file?: string | number[];
  /** Write the magic cookie (default true). */
  cookie?: boolean;
  /** Option bytes after the cookie, as written; an end option is appended unless `end: false`. */
  options?: number[];
  end?: boolean;
  /** Zero bytes after the end option (many clients pad to 300 bytes). */
  padding?: number;
}

function ipBytes(text: string): number[] {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !(Number.isInteger(x) && x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${text}`);
  return parts;
}

function textBytes(x: string | number[]): number[] {
  return typeof x === 'string' ? Array.from(x, (c) => c.charCodeAt(0) & 0xff) : x;
}

/** One option: code, length, value. */
export function opt(code: number, ...value: number[]): number[] {
  return [code, value.length, ...value];
}

/** An option holding text (Latin-1 bytes). */
export function optText(code: number, text: string): number[] {
  return opt(code, ...textBytes(text));
}

/** An option holding IPv4 addresses. */
export function optIp(code: number, ...ips: string[]): number[] {
  return opt(code, ...ips.flatMap(ipBytes));
}

/** An option holding a 32-bit number. */
export function optU32(code: number, n: number): number[] {
  return opt(code, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function buildDhcp(spec: DhcpSpec = {}): Uint8Array {
  const head = new Uint8Array(236);
  const dv = new DataView(head.buffer);
  head[0] = spec.op ?? 1;
  head[1] = spec.htype ?? 1;
  head[2] = spec.hlen ?? 6;
  head[3] = spec.hops ?? 0;
  dv.setUint32(4, spec.xid ?? 0x12345678);
  dv.setUint16(8, spec.secs ?? 0);
  dv.setUint16(10, spec.flags ?? 0);
  head.set(ipBytes(spec.ciaddr ?? '0.0.0.0'), 12);
  head.set(ipBytes(spec.yiaddr ?? '0.0.0.0'), 16);
  head.set(ipBytes(spec.siaddr ?? '0.0.0.0'), 20);
  head.set(ipBytes(spec.giaddr ?? '0.0.0.0'), 24);
  const mac = (spec.chaddr ?? '02:00:00:00:00:01').replace(/:/g, '');
  for (let i = 0; i < mac.length / 2; i++) head[28 + i] = parseInt(mac.slice(2 * i, 2 * i + 2), 16);
  if (spec.sname !== undefined) head.set(textBytes(spec.sname).slice(0, 64), 44);
  if (spec.file !== undefined) head.set(textBytes(spec.file).slice(0, 128), 108);
  const tail: number[] = [];
  if (spec.cookie ?? true) tail.push(99, 130, 83, 99);
  tail.push(...(spec.options ?? []));
  if (spec.end ?? true) tail.push(255);
  for (let i = 0; i < (spec.padding ?? 0); i++) tail.push(0);
  const out = new Uint8Array(236 + tail.length);
  out.set(head, 0);
  out.set(tail, 236);
  return out;
}
