/**
 * IPv6 (RFC 8200) with its extension-header chain.
 *
 * ```
 *  0       4               12                      31
 *  |Version| Traffic Class |       Flow Label       |
 *  |      Payload Length   |  Next Header | Hop Limit|
 *  |                Source Address (128)             |
 *  |             Destination Address (128)           |
 *  ext. header: | Next Header | Hdr Ext Len | …      |  (Hdr Ext Len + 1) × 8 bytes
 *  AH (RFC 4302): length is (Payload Len + 2) × 4 bytes
 *  Fragment:    | Next Header | Rsvd | Offset(13) Res(2) M(1) | Identification (32) |
 * ```
 * - Walked headers: hop-by-hop (0), routing (43), fragment (44), destination options (60),
 *   mobility (135), HIP (139), shim6 (140), AH (51). ESP (50), No Next Header (59) and any
 *   upper-layer protocol end the chain. At most MAX_IPV6_EXTENSIONS headers are walked.
 * - Addresses are the fixed header's (a routing header's final destination is not substituted).
 * - Fragment header: offset in bytes, 32-bit identification. An atomic fragment (offset 0, M = 0,
 *   RFC 6946) is not a fragment: its L4 header is decoded and it is metered normally.
 * - Payload length 0 is a jumbogram when hop-by-hop carries a Jumbo Payload option (RFC 2675):
 *   ipLength = 40 + jumbo length; otherwise (TSO/GSO, BIG TCP) the captured length is used.
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16, u32, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import {
  IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HIP, IPPROTO_HOPOPTS, IPPROTO_MOBILITY,
  IPPROTO_ROUTING, IPPROTO_SHIM6, commitTunnel, layerForIpProto, setIpPayload,
} from './ip.js';

const IPV6_HEADER_LEN = 40;
/**
 * Extension headers walked at most. RFC 8200 §4.1 expects each at most once (dest. options twice),
 * but receivers must not fail on more, and tshark walks them all; the walk is bounded by the bytes
 * anyway (≥ 8 per header), so the cap only stops pathological chains.
 */
export const MAX_IPV6_EXTENSIONS = 128;
const IPV6_OPT_PAD1 = 0x00; // RFC 8200 §4.2
const IPV6_OPT_JUMBO = 0xc2; // RFC 2675 §2 Jumbo Payload
const FRAG_OFFSET_MASK = 0xfff8; // 13 bits, 8-byte units, already × 8 in place
const FRAG_M = 0x0001;

export function decodeIpv6(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  const avail = c.end - off;
  c.vlanOpen = false;
  if (avail < 1) return DecodeStatus.TRUNCATED_IPV6;
  if (u8(b, off) >> 4 !== 6) return DecodeStatus.BAD_IPV6_VERSION;
  if (avail < IPV6_HEADER_LEN) return DecodeStatus.TRUNCATED_IPV6;

  const st = commitTunnel(v, c);
  if (st !== DecodeStatus.OK) return st;

  const payloadLength = u16(b, off + 4);
  if (payloadLength === 0) {
    c.lengthUnspecified = true;
    c.declEnd = c.end;
    v.ipLength = avail;
  } else {
    c.lengthUnspecified = false;
    c.limit(off + IPV6_HEADER_LEN + payloadLength);
    v.ipLength = IPV6_HEADER_LEN + payloadLength;
  }
  v.ipVersion = 6;
  v.ipOffset = off;
  v.src0 = u32(b, off + 8); v.src1 = u32(b, off + 12); v.src2 = u32(b, off + 16); v.src3 = u32(b, off + 20);
  v.dst0 = u32(b, off + 24); v.dst1 = u32(b, off + 28); v.dst2 = u32(b, off + 32); v.dst3 = u32(b, off + 36);
  v.ttl = u8(b, off + 7);
  v.isFragment = false; v.fragOffset = 0; v.moreFragments = false; v.fragId = 0;
  c.fragment = false;

  let nh = u8(b, off + 6);
  let p = off + IPV6_HEADER_LEN;
  v.ipProto = nh;
  for (let n = 0; ; n++) {
    let len: number;
    if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS ||
        nh === IPPROTO_MOBILITY || nh === IPPROTO_HIP || nh === IPPROTO_SHIM6) {
      if (c.end - p < 2) return extensionShort(c, p + 2);
      len = (u8(b, p + 1) + 1) * 8;
    } else if (nh === IPPROTO_AH) {
      if (c.end - p < 2) return extensionShort(c, p + 2);
      len = (u8(b, p + 1) + 2) * 4;
    } else if (nh === IPPROTO_FRAGMENT) {
      len = 8;
    } else break; // upper layer, ESP, No Next Header or unknown: the chain ends here
    if (n >= MAX_IPV6_EXTENSIONS) return DecodeStatus.TOO_MANY_IPV6_EXTENSIONS;
    if (c.end - p < len) return extensionShort(c, p + len);

    if (nh === IPPROTO_FRAGMENT) {
      const w = u16(b, p + 2);
      const fragOffset = w & FRAG_OFFSET_MASK;
      const more = (w & FRAG_M) !== 0;
      if (fragOffset !== 0 || more) {
        v.isFragment = true;
        v.fragOffset = fragOffset;
        v.moreFragments = more;
        v.fragId = u32(b, p + 4);
        c.fragment = true;
      }
      if (fragOffset !== 0) {
        // Non-first fragment: what follows is the middle of the datagram.
        nh = u8(b, p);
        p += len;
        v.ipProto = nh;
        setIpPayload(v, c, p);
        c.off = p;
        c.next = Layer.NONE;
        return DecodeStatus.OK;
      }
    } else if (nh === IPPROTO_HOPOPTS && payloadLength === 0 && n === 0) {
      const jumbo = findJumbo(b, p + 2, p + len);
      if (jumbo !== 0) {
        // RFC 2675: the jumbo length counts everything after the fixed header.
        c.limit(off + IPV6_HEADER_LEN + jumbo);
        v.ipLength = IPV6_HEADER_LEN + jumbo;
      }
    }
    nh = u8(b, p);
    p += len;
    v.ipProto = nh;
  }
  setIpPayload(v, c, p);
  c.off = p;
  c.next = layerForIpProto(c, nh);
  return DecodeStatus.OK;
}

/**
 * An extension header that does not fit: cut by the capture (truncated) or by the payload length
 * the fixed header declares (a lie).
 */
function extensionShort(c: Cursor, needEnd: number): DecodeStatus {
  return !c.lengthUnspecified && needEnd > c.declEnd && c.declEnd <= c.capEnd
    ? DecodeStatus.BAD_IPV6_PAYLOAD_LENGTH
    : DecodeStatus.TRUNCATED_IPV6_EXTENSION;
}

/** The Jumbo Payload length among the hop-by-hop TLV options in [p, end); 0 when absent. */
function findJumbo(b: Uint8Array, p: number, end: number): number {
  // Terminates: every pass consumes at least one byte.
  while (p < end) {
    const type = u8(b, p);
    if (type === IPV6_OPT_PAD1) { p++; continue; }
    if (end - p < 2) return 0;
    const optLen = u8(b, p + 1);
    if (type === IPV6_OPT_JUMBO && optLen === 4 && end - p >= 6) return u32(b, p + 2);
    p += 2 + optLen;
  }
  return 0;
}
