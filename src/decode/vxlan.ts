/**
 * VXLAN (RFC 7348 §5): an 8-byte header, then the inner Ethernet frame. The VNI is the tunnel id.
 *
 * ```
 *  |R|R|R|R|I|R|R|R|            Reserved (24)                       |
 *  |                VNI (24)                        | Reserved (8)  |
 * ```
 * The I flag must be set for the VNI to be valid; without it — or when the datagram is too short
 * for the header — the packet is not treated as VXLAN and the flow is the outer UDP one.
 */
import { DecodeStatus, TunnelType, type PacketView } from '../model/index.js';
import { u24, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';

const VXLAN_HEADER_LEN = 8;
const VXLAN_FLAG_I = 0x08;

export function decodeVxlan(_v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  c.next = Layer.NONE;
  if (c.end - off < VXLAN_HEADER_LEN) {
    // A datagram too short to hold the header is not VXLAN; one the snaplen cut is a truncation.
    return c.declEnd - off < VXLAN_HEADER_LEN ? DecodeStatus.OK : DecodeStatus.TRUNCATED_TUNNEL;
  }
  if ((u8(b, off) & VXLAN_FLAG_I) === 0) return DecodeStatus.OK;
  c.pendingTunnel = TunnelType.VXLAN;
  c.pendingId = u24(b, off + 4);
  c.off = off + VXLAN_HEADER_LEN;
  c.next = Layer.ETHERNET;
  return DecodeStatus.OK;
}
