/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): type and code. An error message (destination
 * unreachable, time exceeded, …) quotes the offending packet; that quote is NOT decoded — its
 * addresses and ports are someone else's flow. The flow is the ICMP packet between the outer
 * addresses.
 *
 * ```
 *  | Type | Code | Checksum | rest of header (ICMP: 4 bytes, always present) | …
 * ```
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { l4Short } from './ip.js';

const ICMP_HEADER_LEN = 8; // RFC 792: every message has an 8-byte header
const ICMPV6_HEADER_LEN = 4; // RFC 4443 §2.1: type, code, checksum, then the message body

export function decodeIcmp(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  return decodeIcmpCommon(v, b, c, ICMP_HEADER_LEN);
}

export function decodeIcmpv6(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  return decodeIcmpCommon(v, b, c, ICMPV6_HEADER_LEN);
}

function decodeIcmpCommon(v: PacketView, b: Uint8Array, c: Cursor, headerLen: number): DecodeStatus {
  const off = c.off;
  const avail = c.end - off;
  c.next = Layer.NONE;
  v.l4Offset = off;
  if (avail < 2) return l4Short(c, DecodeStatus.TRUNCATED_ICMP);
  v.icmpType = u8(b, off);
  v.icmpCode = u8(b, off + 1);
  if (avail < headerLen) return l4Short(c, DecodeStatus.TRUNCATED_ICMP);
  v.payloadOffset = off + headerLen;
  v.payloadLength = avail - headerLen;
  return DecodeStatus.OK;
}
