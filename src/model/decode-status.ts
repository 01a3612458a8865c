/**
 * What the decoder made of one frame. `OK` frames are metered; `NOT_IP` frames (ARP, LLDP, …) are
 * counted but carry no flow; every other status is a malformation reason, counted and skipped.
 * The numbers index the per-reason counter array, so they are dense and start at 0.
 */
export const DecodeStatus = {
  OK: 0,
  NOT_IP: 1,
  UNSUPPORTED_LINKTYPE: 2,
  TRUNCATED_LINK: 3,
  TRUNCATED_VLAN: 4,
  TRUNCATED_MPLS: 5,
  TRUNCATED_IPV4: 6,
  BAD_IPV4_VERSION: 7,
  BAD_IPV4_HEADER_LENGTH: 8,
  BAD_IPV4_TOTAL_LENGTH: 9,
  TRUNCATED_IPV6: 10,
  BAD_IPV6_PAYLOAD_LENGTH: 11,
  TRUNCATED_IPV6_EXTENSION: 12,
  TOO_MANY_IPV6_EXTENSIONS: 13,
  TRUNCATED_TCP: 14,
  BAD_TCP_HEADER_LENGTH: 15,
  TRUNCATED_UDP: 16,
  BAD_UDP_LENGTH: 17,
  TRUNCATED_ICMP: 18,
  TRUNCATED_SCTP: 19,
  TRUNCATED_GRE: 20,
  BAD_GRE_VERSION: 21,
  TRUNCATED_TUNNEL: 22,
  TOO_MANY_LAYERS: 23,
  BAD_IPV6_VERSION: 24, // EtherType 0x86DD (or a tunnel saying IPv6) but the version nibble is not 6
  BAD_IP_VERSION: 25, // raw-IP link type (or ERSPAN III IP frame) whose version nibble is neither 4 nor 6
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/** snake_case names for the `stats` record and metrics, indexed by status number. */
export const DECODE_STATUS_NAMES: readonly string[] = Object.keys(DecodeStatus).map((k) => k.toLowerCase());
export const DECODE_STATUS_COUNT = DECODE_STATUS_NAMES.length;
