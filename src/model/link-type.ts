/** LINKTYPE_* values from the tcpdump.org link-layer header types registry. */
export const LinkType = {
  NULL: 0, // BSD loopback: 4-byte address family in the writer's byte order
  ETHERNET: 1,
  RAW: 101, // raw IP, the common number
  LOOP: 108, // OpenBSD loopback: address family in network byte order
  RAW_OPENBSD: 12, // raw IP, the number some BSDs write (DLT_RAW = 12 on OpenBSD)
  RAW_14: 14, // raw IP, DLT_RAW on BSD/OS
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  NFLOG: 239, // Linux netfilter log messages carrying the packet
} as const;
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

const NAMES = new Map<number, string>([
  [0, 'NULL'], [1, 'ETHERNET'], [12, 'RAW'], [14, 'RAW'], [101, 'RAW'], [108, 'LOOP'], [113, 'LINUX_SLL'],
  [228, 'IPV4'], [229, 'IPV6'], [276, 'LINUX_SLL2'], [239, 'NFLOG'], [127, 'IEEE802_11_RADIOTAP'],
  [105, 'IEEE802_11'], [160, 'USER13'], [9, 'PPP'], [50, 'PPP_HDLC'], [104, 'C_HDLC'],
]);

/** A human name for a link type, e.g. `LINUX_SLL (113)`. */
export function linkTypeName(linkType: number): string {
  const name = NAMES.get(linkType);
  return name === undefined ? `link type ${linkType}` : `${name} (${linkType})`;
}
