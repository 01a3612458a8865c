/**
 * Link-layer headers other than Ethernet, by LINKTYPE_* (tcpdump.org link-layer header types):
 *
 * ```
 *  NULL (0)         | AF (32, the writer's byte order) | IP …          BSD loopback
 *  LOOP (108)       | AF (32, network order)           | IP …          OpenBSD loopback
 *  RAW (101, 12, 14)| IP … (version nibble decides)
 *  IPV4 (228) / IPV6 (229)
 *  LINUX_SLL (113)  | pkttype(16) | ARPHRD(16) | addr len(16) | addr(64) | protocol(16) |
 *  LINUX_SLL2 (276) | protocol(16) | rsvd(16) | ifindex(32) | ARPHRD(16) | pkttype(8) | addr len(8) | addr(64) |
 *  NFLOG (239)      | family(8) | version(8) | resource id(16) | TLV… (length(16), type(16) in the
 *                     capturing host's byte order, padded to 4) — the packet is the NFULA_PAYLOAD TLV
 * ```
 * Every other link type is UNSUPPORTED_LINKTYPE.
 */
import { DecodeStatus, LinkType, type PacketView } from '../model/index.js';
import { u16, u32, u32le } from './bytes.js';
import { Layer, type Cursor } from './cursor.js';
import { MAX_8023_LENGTH, layerForEthertype } from './ethernet.js';
import { layerForIpVersion } from './ip.js';

// Address families in DLT_NULL / DLT_LOOP headers (the BSDs' <sys/socket.h>).
const BSD_AF_INET = 2;
const BSD_AF_INET6_BSD = 24; // NetBSD, OpenBSD, BSD/OS
const BSD_AF_INET6_FREEBSD = 28; // FreeBSD, DragonFly
const BSD_AF_INET6_DARWIN = 30; // macOS, iOS
const NULL_HEADER_LEN = 4;
const SLL_HEADER_LEN = 16;
const SLL2_HEADER_LEN = 20;
const ARPHRD_NETLINK = 824; // Linux <linux/if_arp.h>: nlmon captures, not packets
const NFLOG_HEADER_LEN = 4;
const NFLOG_TLV_HEADER_LEN = 4;
const NFULA_PAYLOAD = 9; // <linux/netfilter/nfnetlink_log.h>
const LINUX_AF_INET = 2;
const LINUX_AF_INET6 = 10;

function layerForAddressFamily(af: number): Layer {
  if (af === BSD_AF_INET) return Layer.IPV4;
  if (af === BSD_AF_INET6_BSD || af === BSD_AF_INET6_FREEBSD || af === BSD_AF_INET6_DARWIN) return Layer.IPV6;
  return Layer.NONE;
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

export function decodeLink(v: PacketView, b: Uint8Array, c: Cursor): DecodeStatus {
  switch (v.linkType) {
    case LinkType.ETHERNET:
      c.next = Layer.ETHERNET;
      return DecodeStatus.OK;
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.RAW_14:
      if (c.end - c.off < 1) return DecodeStatus.TRUNCATED_LINK;
      c.next = layerForIpVersion(b, c.off, c.end);
      return c.next === Layer.NONE ? DecodeStatus.BAD_IP_VERSION : DecodeStatus.OK;
    case LinkType.IPV4:
      c.next = Layer.IPV4;
      return DecodeStatus.OK;
    case LinkType.IPV6:
      c.next = Layer.IPV6;
      return DecodeStatus.OK;
    case LinkType.NULL: {
      if (c.end - c.off < NULL_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
      // The writer's host order. Families are small numbers: read little-endian and swap when the
      // upper half is set (a big-endian writer). A value above the 802.3 length limit is an
      // EtherType some writers put there (Wireshark's packet-null.c does the same).
      let af = u32le(b, c.off);
      if ((af & 0xffff0000) !== 0) af = bswap32(af);
      c.off += NULL_HEADER_LEN;
      c.next = af > MAX_8023_LENGTH ? layerForEthertype(af & 0xffff) : layerForAddressFamily(af);
      return DecodeStatus.OK;
    }
    case LinkType.LOOP:
      if (c.end - c.off < NULL_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
      c.next = layerForAddressFamily(u32(b, c.off));
      c.off += NULL_HEADER_LEN;
      return DecodeStatus.OK;
    case LinkType.LINUX_SLL: {
      if (c.end - c.off < SLL_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
      const arphrd = u16(b, c.off + 2);
      const proto = u16(b, c.off + 14);
      c.off += SLL_HEADER_LEN;
      c.next = arphrd === ARPHRD_NETLINK ? Layer.NONE : layerForEthertype(proto);
      return DecodeStatus.OK;
    }
    case LinkType.LINUX_SLL2: {
      if (c.end - c.off < SLL2_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
      const proto = u16(b, c.off);
      const arphrd = u16(b, c.off + 8);
      c.off += SLL2_HEADER_LEN;
      c.next = arphrd === ARPHRD_NETLINK ? Layer.NONE : layerForEthertype(proto);
      return DecodeStatus.OK;
    }
    case LinkType.NFLOG:
      return decodeNflog(b, c);
    default:
      return DecodeStatus.UNSUPPORTED_LINKTYPE;
  }
}

/**
 * NFLOG (iptables/nftables `log group`): walks the TLVs to the payload TLV, which holds the IP
 * packet. TLV fields are in the capturing host's byte order, which the file does not record:
 * little-endian is tried first (the common case) and big-endian when that makes no sense.
 */
function decodeNflog(b: Uint8Array, c: Cursor): DecodeStatus {
  if (c.end - c.off < NFLOG_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
  const family = b[c.off]!;
  let off = c.off + NFLOG_HEADER_LEN;
  let littleEndian = true;
  while (off + NFLOG_TLV_HEADER_LEN <= c.end) {
    let length = littleEndian ? b[off]! | (b[off + 1]! << 8) : u16(b, off);
    if (length < NFLOG_TLV_HEADER_LEN || off + length > c.end + 3) {
      if (!littleEndian || off !== c.off + NFLOG_HEADER_LEN) return DecodeStatus.TRUNCATED_LINK;
      littleEndian = false; // first TLV nonsensical as little-endian: the writer was big-endian
      length = u16(b, off);
      if (length < NFLOG_TLV_HEADER_LEN || off + length > c.end + 3) return DecodeStatus.TRUNCATED_LINK;
    }
    const type = (littleEndian ? b[off + 2]! | (b[off + 3]! << 8) : u16(b, off + 2)) & 0x7fff; // top bit: nested
    if (type === NFULA_PAYLOAD) {
      c.off = off + NFLOG_TLV_HEADER_LEN;
      const payloadEnd = off + length;
      if (payloadEnd < c.end) { c.end = payloadEnd; c.capEnd = payloadEnd; c.declEnd = payloadEnd; }
      c.next = family === LINUX_AF_INET ? Layer.IPV4 : family === LINUX_AF_INET6 ? Layer.IPV6 : layerForIpVersion(b, c.off, c.end);
      return c.next === Layer.NONE ? DecodeStatus.BAD_IP_VERSION : DecodeStatus.OK;
    }
    off += (length + 3) & ~3;
  }
  return DecodeStatus.NOT_IP; // a log message without a packet
}
