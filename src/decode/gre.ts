/**
 * GRE (RFC 2784, key and sequence number RFC 2890, routing RFC 1701) as a tunnel.
 *
 * ```
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |C|R|K|S|s|Recur|A| Flags |Ver|         Protocol Type         |
 *  |      Checksum (C or R)        |       Offset (C or R)         |
 *  |                         Key (K)                               |
 *  |                   Sequence Number (S)                         |
 *  |             Routing: SREs until a NULL SRE (R, RFC 1701)      |
 * ```
 * Payloads unwrapped: IPv4, IPv6, Transparent Ethernet Bridging (0x6558), MPLS, ERSPAN type I
 * (0x88BE without S), II (0x88BE) and III (0x22EB), Cisco MetaData (0x8909). The key becomes the
 * tunnel id. Any other payload (keepalives, CDP, PPP, …) is not unwrapped: the flow is the GRE
 * packet itself, between the outer addresses.
 *
 * Versions: 0 is GRE. Version 1 is PPTP's enhanced GRE (RFC 2637 §4.1) carrying PPP — a
 * PPTP session, not a tunnel we meter inside: the flow is the GRE packet itself. Any other
 * version is undefined: BAD_GRE_VERSION (the outer addresses are filled, the packet is not
 * metered), as the Linux GRE receive path drops it too.
 */
import { DecodeStatus, TunnelType, type PacketView } from '../model/index.js';
import { u16, u32, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import {
  ETHERTYPE_CISCO_METADATA, ETHERTYPE_ERSPAN2, ETHERTYPE_ERSPAN3, ETHERTYPE_IPV4, ETHERTYPE_IPV6,
  ETHERTYPE_MPLS, ETHERTYPE_MPLS_MCAST, ETHERTYPE_TEB, layerForEthertype,
} from './ethernet.js';

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;
const GRE_VERSION_MASK = 0x0007;
const GRE_VERSION_PPTP = 1;

export function decodeGre(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  c.next = Layer.NONE;
  v.l4Offset = off;
  if (c.end - off < 4) return DecodeStatus.TRUNCATED_GRE;
  const flags = u16(b, off);
  const proto = u16(b, off + 2);
  const version = flags & GRE_VERSION_MASK;
  if (version === GRE_VERSION_PPTP) return DecodeStatus.OK; // PPTP: meter the GRE flow itself
  if (version !== 0) return DecodeStatus.BAD_GRE_VERSION;

  let p = off + 4;
  if ((flags & (GRE_C | GRE_R)) !== 0) p += 4;
  let key = 0;
  if ((flags & GRE_K) !== 0) {
    if (c.end - p < 4) return DecodeStatus.TRUNCATED_GRE;
    key = u32(b, p);
    p += 4;
  }
  if ((flags & GRE_S) !== 0) p += 4;
  if (c.end - p < 0) return DecodeStatus.TRUNCATED_GRE;
  if ((flags & GRE_R) !== 0) {
    // RFC 1701 §2.1.4: Source Route Entries | AF (16) | SRE offset (8) | SRE length (8) | … |
    // Terminates: every pass consumes at least 4 bytes.
    for (;;) {
      if (c.end - p < 4) return DecodeStatus.TRUNCATED_GRE;
      const af = u16(b, p);
      const len = u8(b, p + 3);
      p += 4 + len;
      if (af === 0 && len === 0) break;
    }
    if (c.end - p < 0) return DecodeStatus.TRUNCATED_GRE;
  }
  v.payloadOffset = p;
  v.payloadLength = c.end - p;
  c.off = p;

  switch (proto) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MCAST:
      c.next = layerForEthertype(proto);
      break;
    case ETHERTYPE_TEB:
      c.next = Layer.ETHERNET;
      break;
    case ETHERTYPE_ERSPAN2:
      // Type I has no ERSPAN header and no GRE sequence number: Ethernet follows directly.
      c.next = (flags & GRE_S) !== 0 ? Layer.ERSPAN2 : Layer.ETHERNET;
      c.pendingTunnel = TunnelType.ERSPAN;
      c.pendingId = 0;
      return DecodeStatus.OK;
    case ETHERTYPE_ERSPAN3:
      c.next = Layer.ERSPAN3;
      c.pendingTunnel = TunnelType.ERSPAN;
      c.pendingId = 0;
      return DecodeStatus.OK;
    case ETHERTYPE_CISCO_METADATA: {
      // Inside GRE the MetaData header puts the EtherType first: | type | ver | len | len × 4 |
      if (c.end - p < 4) return DecodeStatus.TRUNCATED_GRE;
      const hl = 4 + u8(b, p + 3) * 4;
      if (c.end - p < hl) return DecodeStatus.TRUNCATED_GRE;
      c.next = layerForEthertype(u16(b, p));
      c.off = p + hl;
      break;
    }
    default:
      return DecodeStatus.OK;
  }
  if (c.next !== Layer.NONE) {
    c.pendingTunnel = TunnelType.GRE;
    c.pendingId = key;
  }
  return DecodeStatus.OK;
}
