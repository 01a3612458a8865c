/**
 * MPLS label stacks (RFC 3032), up to the bottom-of-stack entry, then a guess at the payload
 * from its first nibble, as MPLS itself carries no payload type (RFC 4385 §2, RFC 4928):
 *
 * ```
 *  | Label (20) | TC (3) | S (1) | TTL (8) |   × n, S = 1 on the last
 *  payload first nibble: 4 → IPv4, 6 → IPv6,
 *                        0 → pseudowire control word (RFC 4385), then Ethernet (RFC 4448)
 *                        anything else → not IP (e.g. an Ethernet PW without control word)
 * ```
 * The outermost stack (before any IP header) is recorded: count and top label.
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u32, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';

const MPLS_ENTRY_LEN = 4;
const PW_CONTROL_WORD_LEN = 4;

export function decodeMpls(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  let off = c.off;
  const record = v.mplsCount === 0 && v.ipVersion === 0;
  c.vlanOpen = false;
  // Terminates: every pass consumes 4 bytes of a bounded frame.
  for (;;) {
    if (c.end - off < MPLS_ENTRY_LEN) return DecodeStatus.TRUNCATED_MPLS;
    const entry = u32(b, off);
    if (record) {
      if (v.mplsCount === 0) v.mplsTopLabel = entry >>> 12;
      v.mplsCount++;
    }
    off += MPLS_ENTRY_LEN;
    if ((entry & 0x100) !== 0) break; // S: bottom of stack
  }
  if (off >= c.end) return DecodeStatus.TRUNCATED_MPLS;
  const nibble = u8(b, off) >> 4;
  c.off = off;
  if (nibble === 4) c.next = Layer.IPV4;
  else if (nibble === 6) c.next = Layer.IPV6;
  else if (nibble === 0) {
    if (c.end - off < PW_CONTROL_WORD_LEN) return DecodeStatus.TRUNCATED_MPLS;
    c.off = off + PW_CONTROL_WORD_LEN;
    c.next = Layer.ETHERNET;
  } else c.next = Layer.NONE;
  return DecodeStatus.OK;
}
