/**
 * Test support: packets built byte by byte — Ethernet + IPv4/IPv6 + TCP/UDP frames, and the
 * openings of the protocols weft dissects (TLS hellos in records) — for captures written in memory.
 */
import { concat, concatList } from './capture-writer.js';

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

export function ipv4Header(src: number, dst: number, proto: number, payloadLength: number): Uint8Array {
  const h = Uint8Array.from([0x45, 0, ...u16(20 + payloadLength), 0x12, 0x34, 0x40, 0, 64, proto, 0, 0, ...u32(src), ...u32(dst)]);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h[10] = (~sum >> 8) & 0xff;
  h[11] = ~sum & 0xff;
  return h;
}

export function ipv6Header(src: number, dst: number, proto: number, payloadLength: number): Uint8Array {
  const addr = (x: number): number[] => [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(8).fill(0), ...u32(x)];
  return Uint8Array.from([0x60, 0, 0, 0, ...u16(payloadLength), proto, 64, ...addr(src), ...addr(dst)]);
}

export interface Endpoints { v6: boolean; src: number; dst: number; sport: number; dport: number }

/** One Ethernet frame: IPv4/IPv6, then a TCP segment (seq/ack/flags) or a UDP datagram. */
export function frame(e: Endpoints, l4: { tcp: { seq: number; ack: number; flags: number } } | { udp: true }, payload: Uint8Array): Uint8Array {
  const proto = 'tcp' in l4 ? 6 : 17;
  const l4Header = 'tcp' in l4
    ? Uint8Array.from([...u16(e.sport), ...u16(e.dport), ...u32(l4.tcp.seq), ...u32(l4.tcp.ack), 0x50, l4.tcp.flags, 0xff, 0xff, 0, 0, 0, 0])
    : Uint8Array.from([...u16(e.sport), ...u16(e.dport), ...u16(8 + payload.length), 0, 0]);
  const ipPayload = l4Header.length + payload.length;
  const ip = e.v6 ? ipv6Header(e.src, e.dst, proto, ipPayload) : ipv4Header(e.src, e.dst, proto, ipPayload);
  const eth = Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...(e.v6 ? [0x86, 0xdd] : [0x08, 0x00])]);
  return concat(eth, ip, l4Header, payload);
}

export function extension(type: number, body: number[]): number[] {
  return [...u16(type), ...u16(body.length), ...body];
}

export function alpnBody(protocols: string[]): number[] {
  const list = protocols.flatMap((p) => [p.length, ...text(p)]);
  return [...u16(list.length), ...list];
}

/** A TLS ClientHello handshake message (type, length, body). */
export function clientHello(sni: string, alpn: string[], versions: number[], sessionId: number[] = []): Uint8Array {
  const name = [...text(sni)];
  const exts = [
    ...extension(0, [...u16(name.length + 3), 0, ...u16(name.length), ...name]),
    ...extension(10, [0, 4, 0x00, 0x1d, 0x00, 0x17]),
    ...extension(13, [0, 4, 0x04, 0x03, 0x08, 0x04]),
    ...(alpn.length > 0 ? extension(16, alpnBody(alpn)) : []),
    ...(versions.length > 0 ? extension(43, [versions.length * 2, ...versions.flatMap(u16)]) : []),
  ];
  const body = [0x03, 0x03, ...new Array<number>(32).fill(7), sessionId.length, ...sessionId, 0, 6, 0x13, 0x01, 0xc0, 0x2f, 0x0a, 0x0a, 1, 0, ...u16(exts.length), ...exts];
  return Uint8Array.from([1, ...u24(body.length), ...body]);
}

export function serverHello(version: number, alpn: string | undefined, sessionId: number[] = []): Uint8Array {
  const exts = [
    ...(version === 0x0304 ? extension(43, u16(0x0304)) : []),
    ...(alpn !== undefined ? extension(16, alpnBody([alpn])) : []),
  ];
  const body = [0x03, 0x03, ...new Array<number>(32).fill(9), sessionId.length, ...sessionId, 0x13, 0x01, 0, ...u16(exts.length), ...exts];
  return Uint8Array.from([2, ...u24(body.length), ...body]);
}

/** Handshake bytes as TLS records of at most `max` bytes each. */
export function records(type: number, data: Uint8Array, max: number): Uint8Array {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length || out.length === 0; at += max) {
    const piece = data.subarray(at, Math.min(data.length, at + max));
    out.push(Uint8Array.from([type, 0x03, 0x01, ...u16(piece.length)]), piece);
  }
  return concatList(out);
}
