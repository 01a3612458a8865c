/**
 * What IPv4 and IPv6 share: the protocol-number dispatch, the version-nibble guess used where no
 * EtherType says which IP follows, and committing a pending tunnel when an inner IP header is
 * found.
 */
import { DecodeStatus, TunnelType, type PacketView } from '../model/index.js';
import { u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';

// IANA "Assigned Internet Protocol Numbers" registry.
export const IPPROTO_HOPOPTS = 0; // RFC 8200 §4.3
export const IPPROTO_ICMP = 1; // RFC 792
export const IPPROTO_IPIP = 4; // RFC 2003 IPv4 encapsulation
export const IPPROTO_TCP = 6; // RFC 9293
export const IPPROTO_UDP = 17; // RFC 768
export const IPPROTO_IPV6 = 41; // RFC 2473 / RFC 4213 IPv6 encapsulation (6in4, 6in6)
export const IPPROTO_ROUTING = 43; // RFC 8200 §4.4
export const IPPROTO_FRAGMENT = 44; // RFC 8200 §4.5
export const IPPROTO_GRE = 47; // RFC 2784
export const IPPROTO_ESP = 50; // RFC 4303
export const IPPROTO_AH = 51; // RFC 4302
export const IPPROTO_ICMPV6 = 58; // RFC 4443
export const IPPROTO_NONE = 59; // RFC 8200 §4.7 No Next Header
export const IPPROTO_DSTOPTS = 60; // RFC 8200 §4.6
export const IPPROTO_SCTP = 132; // RFC 9260
export const IPPROTO_MOBILITY = 135; // RFC 6275
export const IPPROTO_HIP = 139; // RFC 7401
export const IPPROTO_SHIM6 = 140; // RFC 5533

/** Encapsulations unwrapped at most (IP-in-IP, GRE, VXLAN, …) before TOO_MANY_LAYERS. */
export const MAX_TUNNELS = 8;

/**
 * Names the layer after an IP header. Non-first fragments never get here; other fragments decode
 * their L4 header but do not enter tunnels (the inner packet would be cut at the fragment end).
 */
export function layerForIpProto(c: Cursor, proto: number): Layer {
  switch (proto) {
    case IPPROTO_TCP: return Layer.TCP;
    case IPPROTO_UDP: return Layer.UDP;
    case IPPROTO_ICMP: return Layer.ICMP;
    case IPPROTO_ICMPV6: return Layer.ICMPV6;
    case IPPROTO_SCTP: return Layer.SCTP;
    case IPPROTO_GRE: return c.fragment ? Layer.NONE : Layer.GRE;
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
      if (c.fragment) return Layer.NONE;
      c.pendingTunnel = TunnelType.IPIP;
      c.pendingId = 0;
      return proto === IPPROTO_IPIP ? Layer.IPV4 : Layer.IPV6;
    default: return Layer.NONE;
  }
}

/** IPv4 or IPv6 by the version nibble at `off` (raw-IP link types, MPLS, ERSPAN III); NONE otherwise. */
export function layerForIpVersion(b: Uint8Array, off: number, end: number): Layer {
  if (off >= end) return Layer.NONE;
  const version = u8(b, off) >> 4;
  return version === 4 ? Layer.IPV4 : version === 6 ? Layer.IPV6 : Layer.NONE;
}

/**
 * Called by an IP decoder once its header is known good, before it overwrites the view's IP
 * fields. If an encapsulation is pending, the current IP fields become the outer ones (only for
 * the outermost tunnel), the depth grows and the outer L4 results are cleared: the flow is the
 * inner packet's.
 */
export function commitTunnel(v: PacketView, c: Cursor): DecodeStatus {
  if (c.pendingTunnel === TunnelType.NONE) return DecodeStatus.OK;
  if (v.tunnelDepth >= MAX_TUNNELS) return DecodeStatus.TOO_MANY_LAYERS;
  if (v.tunnelDepth === 0) {
    v.tunnelType = c.pendingTunnel;
    v.tunnelId = c.pendingId;
    v.outerIpVersion = v.ipVersion;
    v.outerSrc0 = v.src0; v.outerSrc1 = v.src1; v.outerSrc2 = v.src2; v.outerSrc3 = v.src3;
    v.outerDst0 = v.dst0; v.outerDst1 = v.dst1; v.outerDst2 = v.dst2; v.outerDst3 = v.dst3;
    v.outerIpProto = v.ipProto;
  }
  v.tunnelDepth++;
  c.pendingTunnel = TunnelType.NONE;
  c.pendingId = 0;
  v.srcPort = 0; v.dstPort = 0; v.tcpFlags = 0; v.icmpType = 0; v.icmpCode = 0;
  return DecodeStatus.OK;
}

/** Where the IP payload starts: L4 offset and (until an L4 decoder knows better) the payload. */
export function setIpPayload(v: PacketView, c: Cursor, off: number): void {
  v.l4Offset = off;
  v.payloadOffset = off < c.end ? off : c.end;
  v.payloadLength = c.end - v.payloadOffset;
}

/**
 * An L4 header that ends early. In a fragment whose bytes were all captured, the header is cut
 * by the fragment boundary (a tiny first fragment), which is legal IP: the flow keeps what was
 * read. Otherwise it is the snaplen or a lying length field: the given truncation status.
 */
export function l4Short(c: Cursor, status: DecodeStatus): DecodeStatus {
  return c.fragment && c.declEnd <= c.capEnd ? DecodeStatus.OK : status;
}
