/**
 * SCTP common header (RFC 9260 §3.1): ports; chunks follow.
 *
 * ```
 *  |  Source Port  |   Dest Port   |
 *  |       Verification Tag        |
 *  |           Checksum            |
 * ```
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { l4Short } from './ip.js';

const SCTP_HEADER_LEN = 12;

export function decodeSctp(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  const avail = c.end - off;
  c.next = Layer.NONE;
  v.l4Offset = off;
  if (avail < 4) return l4Short(c, DecodeStatus.TRUNCATED_SCTP);
  v.srcPort = u16(b, off);
  v.dstPort = u16(b, off + 2);
  if (avail < SCTP_HEADER_LEN) return l4Short(c, DecodeStatus.TRUNCATED_SCTP);
  v.payloadOffset = off + SCTP_HEADER_LEN;
  v.payloadLength = avail - SCTP_HEADER_LEN;
  return DecodeStatus.OK;
}
