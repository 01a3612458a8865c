/**
 * TCP (RFC 9293 §3.1): ports, the flags byte, and the data offset that skips the options.
 *
 * ```
 *  0               16              31
 *  |  Source Port  |   Dest Port   |
 *  |        Sequence Number        |
 *  |     Acknowledgment Number     |
 *  |DOff|Rsv|Flags |    Window     |   Flags byte: CWR ECE URG ACK PSH RST SYN FIN
 *  |   Checksum    | Urgent Pointer|
 *  |   Options (DOff > 5) …        |
 * ```
 * Data offset < 5, or a header longer than the IP payload declares, is malformed. A header whose
 * options the snaplen cut is still metered (ports and flags are in the fixed part); its payload
 * is then empty.
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { l4Short } from './ip.js';

const TCP_MIN_HEADER_LEN = 20;
const TCP_FLAGS_AT = 13;

export function decodeTcp(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  const avail = c.end - off;
  c.next = Layer.NONE;
  v.l4Offset = off;
  if (avail < 4) return l4Short(c, DecodeStatus.TRUNCATED_TCP);
  v.srcPort = u16(b, off);
  v.dstPort = u16(b, off + 2);
  if (avail < TCP_FLAGS_AT + 1) return l4Short(c, DecodeStatus.TRUNCATED_TCP);
  v.tcpFlags = u8(b, off + TCP_FLAGS_AT);
  if (avail < TCP_MIN_HEADER_LEN) return l4Short(c, DecodeStatus.TRUNCATED_TCP);
  const hl = (u8(b, off + 12) >> 4) * 4;
  if (hl < TCP_MIN_HEADER_LEN) return DecodeStatus.BAD_TCP_HEADER_LENGTH;
  if (!c.fragment && !c.lengthUnspecified && off + hl > c.declEnd) return DecodeStatus.BAD_TCP_HEADER_LENGTH;
  // Options would be parsed here (MSS, window scale, SACK, timestamps: RFC 9293 §3.2, RFC 7323).
  const payload = off + hl < c.end ? off + hl : c.end;
  v.payloadOffset = payload;
  v.payloadLength = c.end - payload;
  return DecodeStatus.OK;
}
