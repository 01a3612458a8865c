/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the flow tuple that
 * other tools (Zeek, Suricata, Arkime, Elastic) compute the same way, so records can be joined.
 *
 *   sha1( seed:u16 │ saddr │ daddr │ proto:u8 │ pad:u8=0 │ sport:u16 │ dport:u16 )   (network order)
 *   → "1:" + base64(digest)   (or lowercase hex)
 *
 * The endpoint with the smaller (address, port) goes first, so both directions hash alike, except
 * for one-way ICMP messages. Ports are included only for TCP, UDP, SCTP, ICMP and ICMPv6; for ICMP
 * the "ports" are the type and the code — or, for request/reply types, the type and its
 * counterpart, so that a request and its reply get the same ID.
 *
 * Called once per flow record, never per packet: the allocation of the hash input is fine here.
 */
import { createHash } from 'node:crypto';
import { parseIp } from '../core/index.js';

/** IANA protocol numbers used here (https://www.iana.org/assignments/protocol-numbers). */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

/** type → counterpart type for the two-way ICMP messages; -1 for one-way types. */
const ICMP4_COUNTERPART = new Int16Array(256).fill(-1);
const ICMP6_COUNTERPART = new Int16Array(256).fill(-1);
function pair(table: Int16Array, a: number, b: number): void {
  table[a] = b;
  table[b] = a;
}
// ICMPv4 (RFC 792, 950, 1256): echo, timestamp, information, router solicitation/advertisement, mask.
pair(ICMP4_COUNTERPART, 8, 0);
pair(ICMP4_COUNTERPART, 13, 14);
pair(ICMP4_COUNTERPART, 15, 16);
pair(ICMP4_COUNTERPART, 10, 9);
pair(ICMP4_COUNTERPART, 17, 18);
// ICMPv6 (RFC 4443, 2710, 4861, node information 139/140, home agent address discovery 144/145).
pair(ICMP6_COUNTERPART, 128, 129);
pair(ICMP6_COUNTERPART, 130, 131);
pair(ICMP6_COUNTERPART, 133, 134);
pair(ICMP6_COUNTERPART, 135, 136);
pair(ICMP6_COUNTERPART, 139, 140);
pair(ICMP6_COUNTERPART, 144, 145);

function counterpart(proto: number, type: number): number {
  const t = proto === IPPROTO_ICMP ? ICMP4_COUNTERPART : ICMP6_COUNTERPART;
  return type >= 0 && type < 256 ? t[type]! : -1;
}

/** Whether Community ID hashes ports for this protocol (TCP, UDP, SCTP, ICMP, ICMPv6). */
export function communityIdHasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP ||
    proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
}

/** True for an ICMP/ICMPv6 type that has no request/reply counterpart (its ID keeps the direction). */
export function icmpIsOneWay(proto: number, type: number): boolean {
  return counterpart(proto, type) < 0;
}

/**
 * The Community ID "destination port" of an ICMP (proto 1) or ICMPv6 (proto 58) message: the
 * counterpart type for request/reply types, else the code. The "source port" is the type.
 * The flow table keys ICMP flows by (type, icmpPortEquivalent(…)), so that an echo request and
 * its reply land in the same biflow. Allocation-free.
 */
export function icmpPortEquivalent(proto: number, type: number, code: number): number {
  const c = counterpart(proto, type);
  return c < 0 ? code : c;
}

/**
 * Community ID of a tuple whose addresses are four uint32 words each (the PacketView shape: IPv4 in
 * word 3). `sport`/`dport` are ports, or for ICMP/ICMPv6 the message type and code (the mapping is
 * applied here); they are ignored for other protocols.
 */
export function communityIdFromWords(
  ipVersion: number, proto: number,
  s0: number, s1: number, s2: number, s3: number,
  d0: number, d1: number, d2: number, d3: number,
  sport: number, dport: number, seed = 0, base64 = true,
): string {
  const ports = communityIdHasPorts(proto);
  let oneWay = false;
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    oneWay = icmpIsOneWay(proto, sport);
    dport = icmpPortEquivalent(proto, sport, dport);
  }
  // Order the endpoints: smaller (address bytes, port) first, unless one-way.
  let flip = false;
  if (!oneWay) {
    const sw = ipVersion === 4 ? [s3] : [s0, s1, s2, s3];
    const dw = ipVersion === 4 ? [d3] : [d0, d1, d2, d3];
    let cmp = 0;
    for (let i = 0; i < sw.length && cmp === 0; i++) {
      const a = sw[i]! >>> 0;
      const b = dw[i]! >>> 0;
      if (a !== b) cmp = a < b ? -1 : 1;
    }
    if (cmp === 0 && ports) cmp = sport < dport ? -1 : sport > dport ? 1 : 0;
    flip = cmp > 0;
  }
  const alen = ipVersion === 4 ? 4 : 16;
  const buf = Buffer.alloc(2 + 2 * alen + 2 + (ports ? 4 : 0));
  let o = 0;
  buf.writeUInt16BE(seed & 0xffff, o); o += 2;
  const writeAddr = (w0: number, w1: number, w2: number, w3: number): void => {
    if (alen === 16) {
      buf.writeUInt32BE(w0 >>> 0, o); buf.writeUInt32BE(w1 >>> 0, o + 4); buf.writeUInt32BE(w2 >>> 0, o + 8); o += 12;
    }
    buf.writeUInt32BE(w3 >>> 0, o); o += 4;
  };
  if (flip) { writeAddr(d0, d1, d2, d3); writeAddr(s0, s1, s2, s3); } else { writeAddr(s0, s1, s2, s3); writeAddr(d0, d1, d2, d3); }
  buf[o++] = proto & 0xff;
  buf[o++] = 0;
  if (ports) {
    buf.writeUInt16BE((flip ? dport : sport) & 0xffff, o);
    buf.writeUInt16BE((flip ? sport : dport) & 0xffff, o + 2);
  }
  const digest = createHash('sha1').update(buf).digest();
  return `1:${digest.toString(base64 ? 'base64' : 'hex')}`;
}

export interface CommunityIdOptions {
  /** 0–65535; 0 by default. */
  seed?: number;
  /** base64 (default) or lowercase hex. */
  base64?: boolean;
}

/**
 * Community ID from text addresses. `sport`/`dport` as in {@link communityIdFromWords}; null or
 * undefined for protocols without ports.
 * @throws RangeError when an address does not parse or the two are of different families.
 */
export function communityId(
  proto: number, saddr: string, daddr: string,
  sport: number | null | undefined, dport: number | null | undefined, options: CommunityIdOptions = {},
): string {
  const s = parseIp(saddr);
  const d = parseIp(daddr);
  if (s === undefined || d === undefined || s.version !== d.version) {
    throw new RangeError(`community id: bad address pair ${saddr} → ${daddr}`);
  }
  const [s0, s1, s2, s3] = s.words;
  const [d0, d1, d2, d3] = d.words;
  return communityIdFromWords(s.version, proto, s0, s1, s2, s3, d0, d1, d2, d3, sport ?? 0, dport ?? 0,
    options.seed ?? 0, options.base64 ?? true);
}
