/**
 * PPPoE session stage (RFC 2516 §4) carrying PPP (RFC 1661): IPv4 (0x0021) and IPv6 (0x0057)
 * go on, every other PPP protocol (LCP, IPCP, …) is not IP.
 *
 * ```
 *  | VER(4)=1 TYPE(4)=1 | CODE=0 | SESSION_ID (16) | LENGTH (16) | PPP protocol (16) | …
 * ```
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';

const PPPOE_HEADER_LEN = 6;
const PPP_IPV4 = 0x0021; // RFC 1332
const PPP_IPV6 = 0x0057; // RFC 5072

export function decodePppoe(_v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  c.vlanOpen = false;
  if (c.end - off < PPPOE_HEADER_LEN + 2) return DecodeStatus.TRUNCATED_LINK;
  c.next = Layer.NONE;
  if (b[off] !== 0x11 || b[off + 1] !== 0) return DecodeStatus.OK; // not a session data packet
  // LENGTH covers the PPP payload, protocol field included; the rest is Ethernet padding.
  c.limit(off + PPPOE_HEADER_LEN + u16(b, off + 4));
  const proto = u16(b, off + PPPOE_HEADER_LEN);
  c.off = off + PPPOE_HEADER_LEN + 2;
  if (proto === PPP_IPV4) c.next = Layer.IPV4;
  else if (proto === PPP_IPV6) c.next = Layer.IPV6;
  return DecodeStatus.OK;
}
