/**
 * The decoder's walking state. `decodePacket` runs a loop over header layers: each protocol
 * decoder reads its header at `off`, bounds-checks against `end`, fills the PacketView and names
 * the `next` layer (gopacket's NextLayerType). One Cursor per module instance — decoding is
 * synchronous and a worker decodes one packet at a time, so sharing it allocates nothing.
 *
 * ```
 *   frameOffset                     off            end       declEnd   capEnd
 *   |<── link / outer headers ──>|<── header ──>...|          |         |
 *                                                  └ min(capEnd, declEnd): bytes that are both
 *                                                    captured and inside the innermost length field
 * ```
 */
import { TunnelType } from '../model/index.js';

/** Header kinds the loop dispatches on (internal; not part of the PacketView contract). */
export const Layer = {
  NONE: 0, // nothing more to decode
  ETHERNET: 1,
  VLAN: 2, // one or more 802.1Q / 802.1ad tags; `off` is at the first TCI
  MPLS: 3,
  PPPOE: 4,
  CISCO_METADATA: 5,
  IPV4: 6,
  IPV6: 7,
  TCP: 8,
  UDP: 9,
  ICMP: 10,
  ICMPV6: 11,
  SCTP: 12,
  GRE: 13,
  ERSPAN2: 14,
  ERSPAN3: 15,
  VXLAN: 16,
  GENEVE: 17,
} as const;
export type Layer = (typeof Layer)[keyof typeof Layer];

export class Cursor {
  /** Start of the header to decode next. */
  off = 0;
  /** End of usable bytes: captured and within the innermost declared length. */
  end = 0;
  /** End of the captured frame. */
  capEnd = 0;
  /** End the innermost length field declares (may lie beyond capEnd when a snaplen cut the frame). */
  declEnd = 0;
  next: Layer = Layer.NONE;
  /** Still inside the outermost L2: VLAN tags seen now are recorded in the view. */
  vlanOpen = true;
  /** The innermost IP length field was 0 (TSO/GSO, jumbogram): UDP length 0 is acceptable. */
  lengthUnspecified = false;
  /** The innermost IP packet is a fragment: L4 may end early, tunnels are not entered. */
  fragment = false;
  /** An encapsulation seen but not yet committed: it becomes the view's tunnel once an inner IP header decodes. */
  pendingTunnel: TunnelType = TunnelType.NONE;
  pendingId = 0;

  reset(off: number, end: number): void {
    this.off = off;
    this.end = end;
    this.capEnd = end;
    this.declEnd = end;
    this.next = Layer.NONE;
    this.vlanOpen = true;
    this.lengthUnspecified = false;
    this.fragment = false;
    this.pendingTunnel = TunnelType.NONE;
    this.pendingId = 0;
  }

  /** Narrows `end`/`declEnd` to a length field's extent (`to` may exceed what was captured). */
  limit(to: number): void {
    this.declEnd = to;
    if (to < this.end) this.end = to;
  }
}
