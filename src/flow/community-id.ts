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
 * Called once per flow record, never per packet. It still runs up to a million times a second, so
 * the input, the digest and the text are built in reused buffers and hashed by ./sha1.ts: the only
 * allocation is the returned string.
 */
import { parseIp } from '../core/index.js';
import { paddedLength, sha1Into } from './sha1.js';

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
  const v6 = ipVersion !== 4;
  // Order the endpoints: smaller (address bytes, port) first, unless one-way.
  let flip = false;
  if (!oneWay) {
    let cmp = 0;
    if (v6) cmp = compareWords(s0, d0) || compareWords(s1, d1) || compareWords(s2, d2);
    if (cmp === 0) cmp = compareWords(s3, d3);
    if (cmp === 0 && ports) cmp = sport < dport ? -1 : sport > dport ? 1 : 0;
    flip = cmp > 0;
  }
  // seed:u16 │ saddr │ daddr │ proto:u8 │ 0:u8 │ sport:u16 │ dport:u16
  const b = INPUT;
  b[0] = (seed >>> 8) & 0xff;
  b[1] = seed & 0xff;
  let o = 2;
  if (flip) {
    o = putAddress(b, o, v6, d0, d1, d2, d3);
    o = putAddress(b, o, v6, s0, s1, s2, s3);
  } else {
    o = putAddress(b, o, v6, s0, s1, s2, s3);
    o = putAddress(b, o, v6, d0, d1, d2, d3);
  }
  b[o++] = proto & 0xff;
  b[o++] = 0;
  if (ports) {
    const first = flip ? dport : sport;
    const second = flip ? sport : dport;
    b[o++] = (first >>> 8) & 0xff; b[o++] = first & 0xff;
    b[o++] = (second >>> 8) & 0xff; b[o++] = second & 0xff;
  }
  sha1Into(b, o, DIGEST);
  return base64 ? base64Text() : hexText();
}

/** The hash input, with room for SHA-1 padding (40 bytes at most: IPv6 with ports). */
const INPUT = new Uint8Array(paddedLength(40));
const DIGEST = new Uint8Array(20);
/** "1:" and the encoded digest (40 hex digits at most); decoded to a string in one call. */
const TEXT = Buffer.alloc(42);
TEXT[0] = 0x31; // '1'
TEXT[1] = 0x3a; // ':'
const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const HEX = Buffer.from('0123456789abcdef', 'latin1');

function compareWords(a: number, b: number): number {
  const x = a >>> 0;
  const y = b >>> 0;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Writes an address (IPv4: word 3 only) in network order; returns the next offset. */
function putAddress(b: Uint8Array, o: number, v6: boolean, w0: number, w1: number, w2: number, w3: number): number {
  if (v6) {
    o = putWord(b, o, w0);
    o = putWord(b, o, w1);
    o = putWord(b, o, w2);
  }
  return putWord(b, o, w3);
}

function putWord(b: Uint8Array, o: number, w: number): number {
  b[o] = w >>> 24;
  b[o + 1] = (w >>> 16) & 0xff;
  b[o + 2] = (w >>> 8) & 0xff;
  b[o + 3] = w & 0xff;
  return o + 4;
}

/** "1:" + base64 of the 20-byte digest (28 characters, one '=' of padding). */
function base64Text(): string {
  const d = DIGEST;
  let o = 2;
  for (let i = 0; i < 18; i += 3) {
    const n = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
    TEXT[o] = BASE64[n >>> 18]!;
    TEXT[o + 1] = BASE64[(n >>> 12) & 63]!;
    TEXT[o + 2] = BASE64[(n >>> 6) & 63]!;
    TEXT[o + 3] = BASE64[n & 63]!;
    o += 4;
  }
  const n = (d[18]! << 8) | d[19]!;
  TEXT[o] = BASE64[n >>> 10]!;
  TEXT[o + 1] = BASE64[(n >>> 4) & 63]!;
  TEXT[o + 2] = BASE64[(n << 2) & 63]!;
  TEXT[o + 3] = 0x3d; // '='
  return TEXT.toString('latin1', 0, o + 4);
}

/** "1:" + the digest in lowercase hex. */
function hexText(): string {
  for (let i = 0; i < 20; i++) {
    TEXT[2 + 2 * i] = HEX[DIGEST[i]! >>> 4]!;
    TEXT[3 + 2 * i] = HEX[DIGEST[i]! & 15]!;
  }
  return TEXT.toString('latin1', 0, 42);
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
