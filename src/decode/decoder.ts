/**
 * decodePacket: the L2–L4 walk. The link decoder names the first layer; then each protocol
 * decoder reads its header in place, fills the PacketView and names the next layer, until
 * a layer names none (the flow is found) or a decoder reports a problem. Nothing is allocated
 * and nothing throws: every header read is bounds-checked, every loop consumes bytes, and the
 * walk is bounded by MAX_LAYERS header layers and MAX_TUNNELS encapsulations (ip.ts).
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { Cursor, Layer } from './cursor.js';
import { decodeErspan2, decodeErspan3 } from './erspan.js';
import { decodeCiscoMetadata, decodeEthernet } from './ethernet.js';
import { decodeGeneve } from './geneve.js';
import { decodeGre } from './gre.js';
import { decodeIcmp, decodeIcmpv6 } from './icmp.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLink } from './link.js';
import { decodeMpls } from './mpls.js';
import { decodePppoe } from './pppoe.js';
import { decodeSctp } from './sctp.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import { decodeVlan } from './vlan.js';
import { decodeVxlan } from './vxlan.js';

/**
 * Header layers decoded at most per frame (a VLAN or MPLS stack counts as one, so does an IPv6
 * header with its extension chain). A VXLAN-in-GRE frame with VLANs needs about 10.
 */
export const MAX_LAYERS = 16;

const cursor = new Cursor();

/**
 * Decodes the frame `view.bytes[view.frameOffset, + view.capturedLength)` of link type
 * `view.linkType` in place: resets the decode fields, fills them, sets `view.status` and returns it.
 *
 * - `OK`: an IP packet was found; addresses, protocol, ports / ICMP type are the innermost live
 *   ones (tunnels unwrapped, ICMP error quotes ignored), the outermost encapsulation is in
 *   `tunnel*` / `outer*`.
 * - `NOT_IP`: a well-formed frame without IP (ARP, LLDP, STP, …).
 * - anything else: why the frame could not be decoded. Fields decoded before the problem stay
 *   filled (e.g. the outer flow of a tunnel whose inner packet is cut).
 */
export function decodePacket(view: PacketView): DecodeStatus {
  view.resetDecode();
  const b = view.bytes;
  const start = view.frameOffset;
  let end = start + view.capturedLength;
  if (end > b.length) end = b.length;
  let status: DecodeStatus;
  if (!(start >= 0 && end >= start)) {
    cursor.reset(0, 0);
    status = DecodeStatus.TRUNCATED_LINK;
  } else {
    const c = cursor;
    c.reset(start, end);
    status = decodeLink(view, b, c);
    for (let layers = 0; status === DecodeStatus.OK && c.next !== Layer.NONE; layers++) {
      if (layers >= MAX_LAYERS) { status = DecodeStatus.TOO_MANY_LAYERS; break; }
      const layer = c.next;
      c.next = Layer.NONE;
      status = decodeLayer(layer, view, b, c);
    }
    if (status === DecodeStatus.OK && view.ipVersion === 0) status = DecodeStatus.NOT_IP;
  }
  view.status = status;
  return status;
}

function decodeLayer(layer: Layer, v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  switch (layer) {
    case Layer.ETHERNET: return decodeEthernet(v, b, c);
    case Layer.VLAN: return decodeVlan(v, b, c);
    case Layer.MPLS: return decodeMpls(v, b, c);
    case Layer.PPPOE: return decodePppoe(v, b, c);
    case Layer.CISCO_METADATA: return decodeCiscoMetadata(v, b, c);
    case Layer.IPV4: return decodeIpv4(v, b, c);
    case Layer.IPV6: return decodeIpv6(v, b, c);
    case Layer.TCP: return decodeTcp(v, b, c);
    case Layer.UDP: return decodeUdp(v, b, c);
    case Layer.ICMP: return decodeIcmp(v, b, c);
    case Layer.ICMPV6: return decodeIcmpv6(v, b, c);
    case Layer.SCTP: return decodeSctp(v, b, c);
    case Layer.GRE: return decodeGre(v, b, c);
    case Layer.ERSPAN2: return decodeErspan2(v, b, c);
    case Layer.ERSPAN3: return decodeErspan3(v, b, c);
    case Layer.VXLAN: return decodeVxlan(v, b, c);
    case Layer.GENEVE: return decodeGeneve(v, b, c);
    default: return DecodeStatus.OK;
  }
}
