/**
 * ICMP and ICMPv6 error messages and the packet they quote (RFC 792, RFC 4443 §2.4): the quoted
 * IP header and the first bytes of its transport header name the flow the error is about, so an
 * `icmp` record can carry that flow's 5-tuple and Community ID (and be joined with it).
 *
 *   ICMP header (8 bytes) │ quoted IPv4 header (IHL × 4) or IPv6 header (40 + extensions) │ ≥ 8 bytes of L4
 */

/** ICMPv4 error types: destination unreachable, source quench, redirect, time exceeded, parameter problem. */
const ICMP4_ERRORS = new Set([3, 4, 5, 11, 12]);
/** ICMPv6 error types: destination unreachable, packet too big, time exceeded, parameter problem. */
const ICMP6_ERRORS = new Set([1, 2, 3, 4]);

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;
/** IPv6 extension headers walked to find the quoted transport header (hop-by-hop, routing, destination options). */
const IPV6_EXTENSIONS = new Set([0, 43, 60]);
const IPV6_FRAGMENT = 44;
const MAX_EXTENSIONS = 8;

export function isIcmpError(proto: number, type: number): boolean {
  return proto === IPPROTO_ICMP ? ICMP4_ERRORS.has(type) : proto === IPPROTO_ICMPV6 ? ICMP6_ERRORS.has(type) : false;
}

/** The quoted packet's tuple: addresses as four words (IPv4 in word 3), ports or ICMP type/code. */
export interface QuotedTuple {
  ipVersion: number;
  proto: number;
  s0: number; s1: number; s2: number; s3: number;
  d0: number; d1: number; d2: number; d3: number;
  /** Ports for TCP/UDP/SCTP; ICMP type and code for ICMP/ICMPv6; 0 when not quoted or other. */
  sport: number;
  dport: number;
  /** Whether the quote reached the transport header's first 4 bytes. */
  hasPorts: boolean;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * Reads the packet quoted by an ICMP error whose ICMP header starts at `icmp` (bytes up to `end`).
 * Returns false when too little is quoted to name a flow (not even the IP addresses).
 */
export function readQuoted(b: Uint8Array, icmp: number, end: number, out: QuotedTuple): boolean {
  let o = icmp + 8;
  if (o >= end) return false;
  const version = b[o]! >> 4;
  let proto: number;
  let l4: number;
  if (version === 4) {
    const ihl = (b[o]! & 0x0f) * 4;
    if (ihl < 20 || o + 20 > end) return false;
    proto = b[o + 9]!;
    out.s0 = 0; out.s1 = 0; out.s2 = 0; out.s3 = u32(b, o + 12);
    out.d0 = 0; out.d1 = 0; out.d2 = 0; out.d3 = u32(b, o + 16);
    // A non-first fragment quotes no transport header.
    const fragOffset = ((b[o + 6]! & 0x1f) << 8) | b[o + 7]!;
    l4 = fragOffset === 0 ? o + ihl : end;
  } else if (version === 6) {
    if (o + 40 > end) return false;
    proto = b[o + 6]!;
    out.s0 = u32(b, o + 8); out.s1 = u32(b, o + 12); out.s2 = u32(b, o + 16); out.s3 = u32(b, o + 20);
    out.d0 = u32(b, o + 24); out.d1 = u32(b, o + 28); out.d2 = u32(b, o + 32); out.d3 = u32(b, o + 36);
    l4 = o + 40;
    for (let i = 0; i < MAX_EXTENSIONS && IPV6_EXTENSIONS.has(proto) && l4 + 8 <= end; i++) {
      proto = b[l4]!;
      l4 += (b[l4 + 1]! + 1) * 8;
    }
    if (proto === IPV6_FRAGMENT && l4 + 8 <= end) {
      const fragOffset = ((b[l4 + 2]! << 8) | b[l4 + 3]!) >> 3;
      proto = b[l4]!;
      l4 = fragOffset === 0 ? l4 + 8 : end;
    }
  } else {
    return false;
  }
  out.ipVersion = version;
  out.proto = proto;
  out.sport = 0;
  out.dport = 0;
  out.hasPorts = false;
  if (l4 + 4 <= end) {
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      out.sport = (b[l4]! << 8) | b[l4 + 1]!;
      out.dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
      out.hasPorts = true;
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      out.sport = b[l4]!;
      out.dport = b[l4 + 1]!;
      out.hasPorts = true;
    }
  }
  return true;
}
