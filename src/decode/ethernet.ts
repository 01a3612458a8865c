/**
 * Ethernet II and IEEE 802.3 + 802.2 LLC/SNAP, and the EtherType dispatch every L2-ish header
 * (VLAN tags, SLL, GRE, Geneve, PPPoE) shares.
 *
 * ```
 *  0            6            12     14
 *  | dst MAC    | src MAC    | type/length | payload …
 *                              ≥ 0x0600: EtherType (Ethernet II)
 *                              ≤ 1500:   802.3 length, an 802.2 LLC header follows
 * ```
 */
import { DecodeStatus, type PacketView } from '../model/index.js';
import { u16, u8 } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';

// IEEE "EtherType" public registry (and IANA ieee-802-numbers).
export const ETHERTYPE_IPV4 = 0x0800; // RFC 894
export const ETHERTYPE_ARP = 0x0806; // RFC 826
export const ETHERTYPE_TEB = 0x6558; // Transparent Ethernet Bridging (RFC 1701, GRE / Geneve payload)
export const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q C-tag
export const ETHERTYPE_IPV6 = 0x86dd; // RFC 8200 / RFC 2464
export const ETHERTYPE_MPLS = 0x8847; // RFC 3032 unicast
export const ETHERTYPE_MPLS_MCAST = 0x8848; // RFC 5332 multicast
export const ETHERTYPE_PPPOE_SESSION = 0x8864; // RFC 2516
export const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad S-tag
export const ETHERTYPE_ERSPAN2 = 0x88be; // ERSPAN type II (type I when GRE has no sequence number)
export const ETHERTYPE_CISCO_METADATA = 0x8909; // Cisco MetaData (SGT tag)
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-802.1ad vendor S-tag
export const ETHERTYPE_ERSPAN3 = 0x22eb; // ERSPAN type III

const ETHER_HEADER_LEN = 14;
/** IEEE 802.3 §3.2.6: values up to 1500 are a length, from 0x0600 an EtherType. */
export const MAX_8023_LENGTH = 1500;
const MIN_ETHERTYPE = 0x0600;
const LLC_SNAP_SAP = 0xaa; // IEEE 802 SNAP (RFC 1042)
const LLC_UI = 0x03;

export function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD;
}

/** The layer an EtherType announces; NONE for everything that is not on the way to IP (ARP, LLDP, …). */
export function layerForEthertype(type: number): Layer {
  switch (type) {
    case ETHERTYPE_IPV4: return Layer.IPV4;
    case ETHERTYPE_IPV6: return Layer.IPV6;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD: return Layer.VLAN;
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MCAST: return Layer.MPLS;
    case ETHERTYPE_PPPOE_SESSION: return Layer.PPPOE;
    case ETHERTYPE_CISCO_METADATA: return Layer.CISCO_METADATA;
    default: return Layer.NONE;
  }
}

export function decodeEthernet(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  if (c.end - off < ETHER_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
  if (v.ethOffset < 0) v.ethOffset = off;
  return dispatchTypeOrLength(b, c, off + 12);
}

/**
 * Reads the type/length field at `at` (Ethernet, or the last VLAN tag) and names the next layer.
 * 802.3 frames are followed by an 802.2 LLC header; only SNAP with a zero OUI (RFC 1042, IP over
 * IEEE 802 networks) carries an EtherType on, everything else (STP, CDP, …) is not IP.
 */
export function dispatchTypeOrLength(b: Uint8Array, c: Cursor, at: number): DecodeStatus {
  const type = u16(b, at);
  let off = at + 2;
  if (type >= MIN_ETHERTYPE) {
    c.off = off;
    c.next = layerForEthertype(type);
    return DecodeStatus.OK;
  }
  c.next = Layer.NONE;
  if (type > MAX_8023_LENGTH) return DecodeStatus.OK; // neither a length nor an EtherType
  // The 802.3 length bounds the LLC payload (the rest is padding).
  c.limit(off + type);
  if (c.end - off < 3) return DecodeStatus.TRUNCATED_LINK;
  if (u8(b, off) !== LLC_SNAP_SAP || u8(b, off + 1) !== LLC_SNAP_SAP || u8(b, off + 2) !== LLC_UI) return DecodeStatus.OK;
  if (c.end - off < 8) return DecodeStatus.TRUNCATED_LINK;
  // SNAP: 3-byte OUI then a 2-byte protocol id; OUI 00-00-00 means the id is an EtherType.
  if (u8(b, off + 3) !== 0 || u8(b, off + 4) !== 0 || u8(b, off + 5) !== 0) return DecodeStatus.OK;
  off += 8;
  c.off = off;
  c.next = layerForEthertype(u16(b, off - 2));
  return DecodeStatus.OK;
}

/**
 * Cisco MetaData (EtherType 0x8909): version, length (4-byte units of options, the SGT option
 * first), options, then the EtherType of what follows. Inside GRE the EtherType comes first
 * instead (see gre.ts).
 *
 * ```
 *  | ver | len | options (len × 4) … | EtherType |
 * ```
 */
export function decodeCiscoMetadata(_v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  const off = c.off;
  if (c.end - off < 2) return DecodeStatus.TRUNCATED_LINK;
  const hl = 2 + u8(b, off + 1) * 4 + 2;
  if (c.end - off < hl) return DecodeStatus.TRUNCATED_LINK;
  c.off = off + hl;
  c.next = layerForEthertype(u16(b, off + hl - 2));
  return DecodeStatus.OK;
}
