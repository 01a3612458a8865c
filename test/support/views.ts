/**
 * Builds PacketViews for flow tests by filling the decode fields directly (addresses, ports,
 * protocol, flags, time, IP length, …), so no frame bytes are needed. MACs, when given, are
 * written into a 12-byte Ethernet header at `ethOffset` 0.
 */
import { parseIp } from '../../src/core/index.js';
import { PacketView, TunnelType } from '../../src/model/index.js';

/** TCP flag bits (RFC 9293 §3.1). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
export const ICMPV6 = 58;

export interface ViewSpec {
  src: string;
  dst: string;
  proto?: number;
  sport?: number;
  dport?: number;
  flags?: number;
  /** Packet time in milliseconds (exact when integral), or sec/nsec. */
  ms?: number;
  sec?: number;
  nsec?: number;
  tsDigits?: number;
  /** IP total length; 100 by default. */
  len?: number;
  iface?: number;
  vlanOuter?: number;
  vlanInner?: number;
  icmpType?: number;
  icmpCode?: number;
  /** Fragment: id, offset in bytes (0 = first), more-fragments. */
  frag?: { id: number; offset: number; more?: boolean };
  srcMac?: string;
  dstMac?: string;
  tunnel?: { type: TunnelType; id?: number; outerSrc: string; outerDst: string; outerProto?: number };
}

function words(text: string): { version: 4 | 6; w: [number, number, number, number] } {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(`bad address ${text}`);
  return { version: ip.version, w: ip.words };
}

function macBytes(text: string, out: Uint8Array, at: number): void {
  const parts = text.split(':');
  for (let i = 0; i < 6; i++) out[at + i] = parseInt(parts[i] ?? '0', 16);
}

/** Overwrites `view` with `spec` (resetting every decode field first) and returns it. */
export function fillView(view: PacketView, spec: ViewSpec): PacketView {
  view.resetDecode();
  const s = words(spec.src);
  const d = words(spec.dst);
  if (s.version !== d.version) throw new Error('address families differ');
  const proto = spec.proto ?? TCP;
  if (spec.ms !== undefined) {
    view.tsSec = Math.floor(spec.ms / 1000);
    view.tsNsec = Math.round((spec.ms - view.tsSec * 1000) * 1e6);
  } else {
    view.tsSec = spec.sec ?? 0;
    view.tsNsec = spec.nsec ?? 0;
  }
  view.tsDigits = spec.tsDigits ?? 6;
  view.interfaceIndex = spec.iface ?? 0;
  view.ipVersion = s.version;
  [view.src0, view.src1, view.src2, view.src3] = s.w;
  [view.dst0, view.dst1, view.dst2, view.dst3] = d.w;
  view.ipProto = proto;
  view.ipLength = spec.len ?? 100;
  view.vlanOuter = spec.vlanOuter ?? 0;
  view.vlanInner = spec.vlanInner ?? 0;
  view.vlanCount = (spec.vlanOuter ? 1 : 0) + (spec.vlanInner ? 1 : 0);
  const nonFirst = spec.frag !== undefined && spec.frag.offset !== 0;
  if (!nonFirst) {
    if (proto === TCP || proto === UDP || proto === 132) {
      view.srcPort = spec.sport ?? 0;
      view.dstPort = spec.dport ?? 0;
    }
    if (proto === TCP) view.tcpFlags = spec.flags ?? ACK;
    if (proto === ICMP || proto === ICMPV6) {
      view.icmpType = spec.icmpType ?? 0;
      view.icmpCode = spec.icmpCode ?? 0;
    }
  }
  if (spec.frag !== undefined) {
    view.isFragment = true;
    view.fragId = spec.frag.id;
    view.fragOffset = spec.frag.offset;
    view.moreFragments = spec.frag.more ?? false;
  }
  if (spec.srcMac !== undefined || spec.dstMac !== undefined) {
    const b = new Uint8Array(14);
    macBytes(spec.dstMac ?? '00:00:00:00:00:00', b, 0);
    macBytes(spec.srcMac ?? '00:00:00:00:00:00', b, 6);
    view.bytes = b;
    view.frameOffset = 0;
    view.ethOffset = 0;
  }
  if (spec.tunnel !== undefined) {
    const os = words(spec.tunnel.outerSrc);
    const od = words(spec.tunnel.outerDst);
    view.tunnelType = spec.tunnel.type;
    view.tunnelId = spec.tunnel.id ?? 0;
    view.tunnelDepth = 1;
    view.outerIpVersion = os.version;
    [view.outerSrc0, view.outerSrc1, view.outerSrc2, view.outerSrc3] = os.w;
    [view.outerDst0, view.outerDst1, view.outerDst2, view.outerDst3] = od.w;
    view.outerIpProto = spec.tunnel.outerProto ?? UDP;
  }
  return view;
}

/** A fresh view filled from `spec`. */
export function makeView(spec: ViewSpec): PacketView {
  return fillView(new PacketView(), spec);
}
