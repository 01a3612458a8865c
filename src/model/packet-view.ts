/**
 * A borrowed, reusable view of one captured frame and what the decoder found in it.
 *
 * One instance per worker. The source fills the frame fields, `decodePacket` overwrites the rest
 * in place; nothing is allocated per packet. The view — and `bytes` — are valid only until the
 * source delivers the next packet: copy what you keep.
 *
 * Addresses are four uint32 words each (network order, word 0 first). An IPv4 address lives in
 * word 3 with words 0–2 zero, so v4 and v6 keys have one shape; `ipVersion` tells them apart.
 */
import { DecodeStatus } from './decode-status.js';

/** The kind of tunnel the innermost flow was found in (the outermost encapsulation wins). */
export const TunnelType = {
  NONE: 0,
  GRE: 1,
  ERSPAN: 2,
  VXLAN: 3,
  GENEVE: 4,
  IPIP: 5, // IPv4 in IPv4, IPv6 in IPv4 (6in4), IPv4/IPv6 in IPv6 (4in6, 6in6)
} as const;
export type TunnelType = (typeof TunnelType)[keyof typeof TunnelType];
export const TUNNEL_TYPE_NAMES: readonly string[] = ['none', 'gre', 'erspan', 'vxlan', 'geneve', 'ipip'];

const EMPTY = new Uint8Array(0);

export class PacketView {
  // ── frame, set by the source ────────────────────────────────────────────────────────────────
  /** Buffer holding the frame (often a whole chunk of the file); the frame starts at `frameOffset`. */
  bytes: Uint8Array = EMPTY;
  frameOffset = 0;
  /** Bytes present in `bytes` (≤ wireLength when the capture had a snaplen) — Wireshark's caplen. */
  capturedLength = 0;
  /** Length of the frame on the wire — Wireshark's frame.len. */
  wireLength = 0;
  /** Capture time: whole seconds since the epoch and the nanoseconds within that second. */
  tsSec = 0;
  tsNsec = 0;
  /** Decimal digits of sub-second precision the source has (6 for µs pcap, 9 for ns, …). */
  tsDigits = 6;
  /** LINKTYPE_* of the interface the frame came from. */
  linkType = 0;
  /** Observation point: index of the interface across the whole run (the source assigns it). */
  interfaceIndex = 0;

  // ── decode results, set by decodePacket ─────────────────────────────────────────────────────
  status: DecodeStatus = DecodeStatus.OK;
  /** Offset (into `bytes`) of the outermost Ethernet header, or -1: MAC addresses live there. */
  ethOffset = -1;
  vlanCount = 0;
  /** Outermost and innermost 802.1Q/802.1ad VLAN ids of the outermost L2 (0 when none). */
  vlanOuter = 0;
  vlanInner = 0;
  mplsCount = 0;
  mplsTopLabel = 0;

  /** Innermost IP header that carries live traffic. */
  ipVersion = 0; // 0 = no IP, 4 or 6
  ipOffset = 0;
  src0 = 0; src1 = 0; src2 = 0; src3 = 0;
  dst0 = 0; dst1 = 0; dst2 = 0; dst3 = 0;
  /** Upper-layer protocol after the IPv6 extension chain (IANA protocol number). */
  ipProto = 0;
  /** IP total length of the innermost packet (IPv6: 40 + payload length; jumbograms honoured). */
  ipLength = 0;
  ttl = 0;

  isFragment = false;
  /** Fragment offset in bytes; 0 for the first fragment. */
  fragOffset = 0;
  moreFragments = false;
  /** IPv4 identification (16 bits) or IPv6 fragment identification (32 bits). */
  fragId = 0;

  /** TCP/UDP/SCTP ports; 0 for other protocols and for non-first fragments until attributed. */
  srcPort = 0;
  dstPort = 0;
  icmpType = 0;
  icmpCode = 0;
  /** TCP flags byte (FIN=0x01 … CWR=0x80), 0 when not TCP. */
  tcpFlags = 0;
  l4Offset = 0;
  /** Application payload (after the innermost L4 header) as offset into `bytes` and length. */
  payloadOffset = 0;
  payloadLength = 0;

  /** Outermost encapsulation around the innermost IP packet (TunnelType.NONE when not tunnelled). */
  tunnelType: TunnelType = TunnelType.NONE;
  /** VXLAN/Geneve VNI, GRE key, ERSPAN session id; 0 when the tunnel has none. */
  tunnelId = 0;
  /** Number of encapsulations unwrapped. */
  tunnelDepth = 0;
  outerIpVersion = 0;
  outerSrc0 = 0; outerSrc1 = 0; outerSrc2 = 0; outerSrc3 = 0;
  outerDst0 = 0; outerDst1 = 0; outerDst2 = 0; outerDst3 = 0;
  outerIpProto = 0;

  /** Clears every decode result (frame fields stay): call before decoding a new frame. */
  resetDecode(): void {
    this.status = DecodeStatus.OK;
    this.ethOffset = -1;
    this.vlanCount = 0; this.vlanOuter = 0; this.vlanInner = 0;
    this.mplsCount = 0; this.mplsTopLabel = 0;
    this.ipVersion = 0; this.ipOffset = 0;
    this.src0 = 0; this.src1 = 0; this.src2 = 0; this.src3 = 0;
    this.dst0 = 0; this.dst1 = 0; this.dst2 = 0; this.dst3 = 0;
    this.ipProto = 0; this.ipLength = 0; this.ttl = 0;
    this.isFragment = false; this.fragOffset = 0; this.moreFragments = false; this.fragId = 0;
    this.srcPort = 0; this.dstPort = 0; this.icmpType = 0; this.icmpCode = 0; this.tcpFlags = 0;
    this.l4Offset = 0; this.payloadOffset = 0; this.payloadLength = 0;
    this.tunnelType = TunnelType.NONE; this.tunnelId = 0; this.tunnelDepth = 0;
    this.outerIpVersion = 0;
    this.outerSrc0 = 0; this.outerSrc1 = 0; this.outerSrc2 = 0; this.outerSrc3 = 0;
    this.outerDst0 = 0; this.outerDst1 = 0; this.outerDst2 = 0; this.outerDst3 = 0;
    this.outerIpProto = 0;
  }
}
