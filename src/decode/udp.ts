/**
 * UDP (RFC 768), and the UDP-borne tunnels: VXLAN on 4789 (RFC 7348) and 8472 (the Linux
 * kernel's historical default), Geneve on 6081 (RFC 8926) — by destination port.
 *
 * ```
 *  |  Source Port  |   Dest Port   |
 *  |    Length     |   Checksum    |
 * ```
 * Length must be ≥ 8 and fit the IP payload; 0 is accepted only where the IP length was 0 too
 * (jumbograms, RFC 2675 §4; TSO/GSO captures). A shorter length than the IP payload bounds
 * the datagram (the rest is trailing junk).
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { l4Short } from './ip.js';

const UDP_HEADER_LEN = 8;
export const UDP_PORT_VXLAN = 4789; // IANA service name registry, RFC 7348 §5
export const UDP_PORT_VXLAN_LINUX = 8472; // Linux vxlan driver default (pre-IANA, OTV)
export const UDP_PORT_GENEVE = 6081; // IANA, RFC 8926 §3.3

export function decodeUdp(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  const avail = c.end - off;
  c.next = Layer.NONE;
  v.l4Offset = off;
  if (avail < 4) return l4Short(c, DecodeStatus.TRUNCATED_UDP);
  v.srcPort = u16(b, off);
  const dport = u16(b, off + 2);
  v.dstPort = dport;
  if (avail < UDP_HEADER_LEN) return l4Short(c, DecodeStatus.TRUNCATED_UDP);
  const length = u16(b, off + 4);
  if (!c.fragment) {
    if (length === 0) {
      if (!c.lengthUnspecified) return DecodeStatus.BAD_UDP_LENGTH;
    } else {
      if (length < UDP_HEADER_LEN) return DecodeStatus.BAD_UDP_LENGTH;
      if (!c.lengthUnspecified && off + length > c.declEnd) return DecodeStatus.BAD_UDP_LENGTH;
      c.limit(off + length);
    }
  }
  const payload = off + UDP_HEADER_LEN;
  v.payloadOffset = payload;
  v.payloadLength = c.end - payload;
  c.off = payload;
  if (!c.fragment) {
    if (dport === UDP_PORT_VXLAN || dport === UDP_PORT_VXLAN_LINUX) c.next = Layer.VXLAN;
    else if (dport === UDP_PORT_GENEVE) c.next = Layer.GENEVE;
  }
  return DecodeStatus.OK;
}
