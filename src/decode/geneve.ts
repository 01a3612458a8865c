/**
 * Geneve (RFC 8926 §3.4): an 8-byte header and variable options, then the payload named by an
 * EtherType — Ethernet (0x6558), IPv4 or IPv6. The VNI is the tunnel id.
 *
 * ```
 *  |Ver(2)|Opt Len(6)|O|C| Rsvd (6) |      Protocol Type (16)      |
 *  |          Virtual Network Identifier (24)       | Reserved (8)  |
 *  |                 Options (Opt Len × 4 bytes) …                  |
 * ```
 * A version other than 0, or a datagram too short for header and options, is not Geneve as we
 * know it: the flow is the outer UDP one.
 */
import { DecodeStatus, TunnelType, type PacketView } from '../model/index.js';
import { u16, u24, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB } from './ethernet.js';

const GENEVE_HEADER_LEN = 8;

export function decodeGeneve(_v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  c.next = Layer.NONE;
  // A datagram too short to hold the header (and options) is not Geneve; one the snaplen cut is a truncation.
  if (c.end - off < GENEVE_HEADER_LEN) return c.declEnd - off < GENEVE_HEADER_LEN ? DecodeStatus.OK : DecodeStatus.TRUNCATED_TUNNEL;
  const first = u8(b, off);
  if (first >> 6 !== 0) return DecodeStatus.OK;
  const hl = GENEVE_HEADER_LEN + (first & 0x3f) * 4;
  if (c.end - off < hl) return c.declEnd - off < hl ? DecodeStatus.OK : DecodeStatus.TRUNCATED_TUNNEL;
  const proto = u16(b, off + 2);
  if (proto === ETHERTYPE_TEB) c.next = Layer.ETHERNET;
  else if (proto === ETHERTYPE_IPV4) c.next = Layer.IPV4;
  else if (proto === ETHERTYPE_IPV6) c.next = Layer.IPV6;
  else return DecodeStatus.OK;
  c.pendingTunnel = TunnelType.GENEVE;
  c.pendingId = u24(b, off + 4);
  c.off = off + hl;
  return DecodeStatus.OK;
}
