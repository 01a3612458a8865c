/**
 * IPv4 (RFC 791): options skipped via IHL, total length honoured, fragments recognised.
 *
 * ```
 *  0       4       8              16    19                 31
 *  |Version|  IHL  |  DSCP/ECN     |     Total Length       |
 *  |        Identification         |Flags|  Fragment Offset |
 *  |   TTL         |   Protocol    |    Header Checksum     |
 *  |                      Source Address                    |
 *  |                    Destination Address                 |
 *  |              Options (IHL > 5) …                       |
 * ```
 * - Total length < IHL × 4 is malformed; total length beyond the capture is a snaplen, fine;
 *   total length 0 is what TSO/GSO offload shows in live captures: the captured length is used.
 * - A fragment (MF set or offset > 0) is flagged; only the first (offset 0) has its L4 header
 *   decoded. Non-first fragments carry addresses and protocol only, ports stay 0.
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16, u32, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { commitTunnel, layerForIpProto, setIpPayload } from './ip.js';

const IPV4_MIN_HEADER_LEN = 20;
const IPV4_FLAG_MF = 0x2000; // RFC 791 §3.1 More Fragments
const IPV4_FRAG_OFFSET_MASK = 0x1fff; // in 8-byte units

export function decodeIpv4(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  const avail = c.end - off;
  c.vlanOpen = false;
  if (avail < 1) return DecodeStatus.TRUNCATED_IPV4;
  const vihl = u8(b, off);
  if (vihl >> 4 !== 4) return DecodeStatus.BAD_IPV4_VERSION;
  const hl = (vihl & 0x0f) * 4;
  if (hl < IPV4_MIN_HEADER_LEN) return DecodeStatus.BAD_IPV4_HEADER_LENGTH;
  if (avail < hl) return DecodeStatus.TRUNCATED_IPV4;
  const total = u16(b, off + 2);
  if (total !== 0 && total < hl) return DecodeStatus.BAD_IPV4_TOTAL_LENGTH;

  const st = commitTunnel(v, c);
  if (st !== DecodeStatus.OK) return st;

  if (total === 0) {
    c.lengthUnspecified = true;
    c.declEnd = c.end;
    v.ipLength = avail;
  } else {
    c.lengthUnspecified = false;
    c.limit(off + total);
    v.ipLength = total;
  }
  v.ipVersion = 4;
  v.ipOffset = off;
  v.src0 = 0; v.src1 = 0; v.src2 = 0; v.src3 = u32(b, off + 12);
  v.dst0 = 0; v.dst1 = 0; v.dst2 = 0; v.dst3 = u32(b, off + 16);
  const proto = u8(b, off + 9);
  v.ipProto = proto;
  v.ttl = u8(b, off + 8);
  const fragWord = u16(b, off + 6);
  const fragOffset = (fragWord & IPV4_FRAG_OFFSET_MASK) * 8;
  const more = (fragWord & IPV4_FLAG_MF) !== 0;
  v.fragId = u16(b, off + 4);
  v.isFragment = more || fragOffset !== 0;
  v.fragOffset = fragOffset;
  v.moreFragments = more;
  c.fragment = v.isFragment;

  const payload = off + hl;
  setIpPayload(v, c, payload);
  c.off = payload;
  c.next = fragOffset !== 0 ? Layer.NONE : layerForIpProto(c, proto);
  return DecodeStatus.OK;
}
