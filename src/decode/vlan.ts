/**
 * IEEE 802.1Q / 802.1ad VLAN tag stacks of any depth (0x8100 C-tags, 0x88a8 S-tags and the old
 * 0x9100 QinQ TPID), decoded in one pass. Each tag is 4 bytes after its TPID:
 *
 * ```
 *  | PCP(3) DEI(1) VID(12) | EtherType or next TPID (16) |
 * ```
 * Tags of the outermost L2 are recorded: count, first (outer) and last (inner) VID. A single tag
 * is both the outermost and the innermost. Tags inside tunnels or pseudowires are skipped.
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16 } from './bytes.js';
import type { Cursor } from './cursor.js';
import { dispatchTypeOrLength, isVlanTpid } from './ethernet.js';

const VLAN_TAG_LEN = 4;
const VID_MASK = 0x0fff;

export function decodeVlan(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  let off = c.off;
  // Terminates: every pass consumes 4 bytes of a bounded frame.
  for (;;) {
    if (c.end - off < VLAN_TAG_LEN) return DecodeStatus.TRUNCATED_VLAN;
    if (c.vlanOpen) {
      const vid = u16(b, off) & VID_MASK;
      if (v.vlanCount === 0) v.vlanOuter = vid;
      v.vlanInner = vid;
      v.vlanCount++;
    }
    if (!isVlanTpid(u16(b, off + 2))) return dispatchTypeOrLength(b, c, off + 2);
    off += VLAN_TAG_LEN;
  }
}
