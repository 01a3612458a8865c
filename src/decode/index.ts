/**
 * @module decode — L2–L4 decoding in place: `decodePacket(view)` walks a frame's link layer,
 * VLAN/MPLS/PPPoE, IPv4/IPv6 (options, extension chains, fragments), TCP/UDP/ICMP/SCTP and the
 * tunnels (GRE, ERSPAN, VXLAN, Geneve, IP-in-IP), filling the reusable PacketView with the
 * innermost flow and the outermost encapsulation. Zero allocation, no throw: problems come back
 * as a DecodeStatus. Imports only model/ (and core/ through it).
 */
export { decodePacket, MAX_LAYERS } from './decoder.js';
export { MAX_TUNNELS } from './ip.js';
export { MAX_IPV6_EXTENSIONS } from './ipv6.js';
