/**
 * ERSPAN (Cisco; draft-foschiano-erspan) inside GRE: the mirrored frame follows. The session id
 * becomes the tunnel id.
 *
 * ```
 *  Type II (GRE 0x88BE, 8 bytes):
 *  |  Ver=1  |        VLAN (12)       | COS | En | T |  Session ID (10) |
 *  |     Reserved (12)     |               Index (20)                   |
 *
 *  Type III (GRE 0x22EB, 12 bytes + 8 with O):
 *  |  Ver=2  |        VLAN (12)       | COS | BSO| T |  Session ID (10) |
 *  |                          Timestamp (32)                            |
 *  |        SGT (16)       | P | FT (5) | Hw ID (6) | D | Gra (2) | O   |
 *  |           Platform-specific sub-header (64, when O = 1)            |
 *  FT (frame type): 0 = Ethernet, 2 = IP packet without L2.
 * ```
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { layerForIpVersion } from './ip.js';

const ERSPAN2_HEADER_LEN = 8;
const ERSPAN3_HEADER_LEN = 12;
const ERSPAN3_SUBHEADER_LEN = 8;
const SESSION_MASK = 0x03ff;
const FT_ETHERNET = 0;
const FT_IP = 2;

export function decodeErspan2(_v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  if (c.end - off < ERSPAN2_HEADER_LEN) return DecodeStatus.TRUNCATED_TUNNEL;
  c.pendingId = u16(b, off + 2) & SESSION_MASK;
  c.off = off + ERSPAN2_HEADER_LEN;
  c.next = Layer.ETHERNET;
  return DecodeStatus.OK;
}

export function decodeErspan3(_v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  if (c.end - off < ERSPAN3_HEADER_LEN) return DecodeStatus.TRUNCATED_TUNNEL;
  c.pendingId = u16(b, off + 2) & SESSION_MASK;
  const w = u16(b, off + 10);
  const hl = ERSPAN3_HEADER_LEN + ((w & 1) !== 0 ? ERSPAN3_SUBHEADER_LEN : 0);
  if (c.end - off < hl) return DecodeStatus.TRUNCATED_TUNNEL;
  c.off = off + hl;
  const ft = (w >> 10) & 0x1f;
  if (ft === FT_ETHERNET) c.next = Layer.ETHERNET;
  else if (ft === FT_IP) {
    c.next = layerForIpVersion(b, c.off, c.end);
    if (c.next === Layer.NONE) return c.off >= c.end ? DecodeStatus.TRUNCATED_TUNNEL : DecodeStatus.BAD_IP_VERSION;
  } else c.next = Layer.NONE;
  return DecodeStatus.OK;
}
