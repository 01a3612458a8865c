/**
 * TLS client and server fingerprints.
 *
 * JA3 / JA3S (Salesforce, github.com/salesforce/ja3): decimal fields, lists joined with '-',
 * fields with ',', GREASE (RFC 8701) dropped from every list, MD5 of the string.
 * ```
 *  JA3  = SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
 *  JA3S = SSLVersion,Cipher,Extensions
 * ```
 * SSLVersion is the hello's legacy_version, so every TLS 1.3 hello says 771.
 *
 * SSL 2.0-format hellos (`sslv2`): neither JA3 nor JA4 defines them (Salesforce's ja3 and tshark
 * compute nothing; JA4's "s2" is for the version only). Both functions still return a value
 * built from the same fields — the 3-byte cipher specs come out as their numbers (6 hex digits
 * in JA4) — so callers that want to match published fingerprints should skip such hellos.
 *
 * JA4 (FoxIO, BSD-3-Clause; github.com/FoxIO-LLC/ja4 technical_details/JA4.md):
 * ```
 *  t13d1516h2_8daaf6152771_02713d6af862
 *  │└┤│└┤└┤└┤ └────┬─────┘ └────┬─────┘
 *  │ │ │ │  │ │   sha256[:12] of  sha256[:12] of sorted extensions (no SNI, no ALPN), then
 *  │ │ │ │  │ │   sorted ciphers  '_' + signature algorithms in wire order (no '_' if none)
 *  │ │ │ │  │ first+last char of the first ALPN value ("00" without ALPN)
 *  │ │ │ │  extension count (GREASE excluded, SNI and ALPN included, capped at 99)
 *  │ │ │ cipher count (GREASE excluded, capped at 99)
 *  │ │ 'd' with a server_name extension, else 'i'
 *  │ highest supported_versions value (GREASE ignored), else legacy_version
 *  t = TLS over TCP, q = QUIC, d = DTLS
 * ```
 * Lists are written as 4-digit lowercase hex, comma-joined; an empty list hashes to
 * "000000000000". Signature algorithms are kept as sent (GREASE included), as FoxIO's reference
 * implementation does.
 */
import * as crypto from 'node:crypto';
import { ExtensionType, isGrease, type ClientHello, type ServerHello } from './hello.js';

export interface Ja3 {
  /** The fingerprint string before hashing (ja3_full in tshark). */
  full: string;
  /** Its MD5, lowercase hex. */
  hash: string;
}

/**
 * The fingerprint strings are written as bytes into one scratch buffer (no intermediate strings)
 * and hashed from there; JA3's string is kept (it goes on the record), JA4's hashed parts never
 * become strings. JA3 hashes are remembered by string: real traffic repeats a few client and
 * server implementations. Bounded: cleared when full.
 */
const HASH_CACHE_MAX = 4096;
const md5Cache = new Map<string, string>();

type HashInput = string | Uint8Array;
/** crypto.hash (one call, no Hash object) where Node has it (≥ 20.12), else createHash. */
const oneShot = (crypto as { hash?: (algorithm: string, data: HashInput, encoding: 'hex') => string }).hash;
function digestHex(algorithm: 'md5' | 'sha256', data: HashInput): string {
  return oneShot !== undefined ? oneShot(algorithm, data, 'hex') : crypto.createHash(algorithm).update(data).digest('hex');
}

function md5(s: string): string {
  let v = md5Cache.get(s);
  if (v === undefined) {
    if (md5Cache.size >= HASH_CACHE_MAX) md5Cache.clear();
    v = digestHex('md5', s);
    md5Cache.set(s, v);
  }
  return v;
}

/** Bytes of the fingerprint being built; `at` is its length. Grown when a hello is huge. */
let text = Buffer.alloc(4096);
let at = 0;
const COMMA = 0x2c;
const DASH = 0x2d;
const UNDERSCORE = 0x5f;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function room(n: number): void {
  if (at + n <= text.length) return;
  const bigger = Buffer.alloc(Math.max(text.length * 2, at + n));
  bigger.set(text.subarray(0, at));
  text = bigger;
}

function putDecimal(v: number): void {
  room(10);
  // Hello fields are 8–24-bit integers: int arithmetic, digits written from the end.
  const digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : 8;
  let x = v | 0;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (x / 10) | 0;
    text[i] = 0x30 + (x - q * 10);
    x = q;
  }
  at += digits;
}

function putByte(c: number): void {
  room(1);
  text[at++] = c;
}

/** Lowercase hex, at least 4 digits (an SSL 2.0 cipher spec has 6). */
function putHex4(v: number): void {
  room(8);
  for (let shift = 28; shift >= 16; shift -= 4) if (v >>> shift !== 0) text[at++] = HEX[(v >>> shift) & 15]!;
  text[at++] = HEX[(v >> 12) & 15]!;
  text[at++] = HEX[(v >> 8) & 15]!;
  text[at++] = HEX[(v >> 4) & 15]!;
  text[at++] = HEX[v & 15]!;
}

/** Decimal values joined with '-', GREASE left out. */
function putDecimals(list: readonly number[]): void {
  let first = true;
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (isGrease(v)) continue;
    if (!first) putByte(DASH);
    putDecimal(v);
    first = false;
  }
}

function built(): string {
  return text.toString('latin1', 0, at);
}

export function ja3(ch: ClientHello): Ja3 {
  at = 0;
  putDecimal(ch.legacyVersion); putByte(COMMA);
  putDecimals(ch.ciphers); putByte(COMMA);
  putDecimals(ch.extensions); putByte(COMMA);
  putDecimals(ch.supportedGroups); putByte(COMMA);
  putDecimals(ch.ecPointFormats);
  const full = built();
  return { full, hash: md5(full) };
}

export function ja3s(sh: ServerHello): Ja3 {
  at = 0;
  putDecimal(sh.legacyVersion); putByte(COMMA);
  putDecimal(sh.cipher); putByte(COMMA);
  putDecimals(sh.extensions);
  const full = built();
  return { full, hash: md5(full) };
}

const JA4_VERSION: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'], [0x0303, '12'], [0x0302, '11'], [0x0301, '10'], [0x0300, 's3'], [0x0002, 's2'],
  [0xfeff, 'd1'], [0xfefd, 'd2'], [0xfefc, 'd3'],
]);

const JA4_EMPTY_HASH = '000000000000';

/** First 12 hex digits of the SHA-256 of the fingerprint bytes built so far from `from`. */
function hash12(from: number): string {
  return digestHex('sha256', text.subarray(from, at)).slice(0, 12);
}

function count2(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0');
}

function isAlnum(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/**
 * First and last character of the first ALPN value; when either byte is not an ASCII letter or
 * digit, the first and last hex digit of the value's bytes instead (0xAB…0xCD → "ad").
 * `alpn` holds one char per byte (see ClientHello.alpn), so charCodeAt is the byte.
 */
function ja4Alpn(alpn: readonly string[]): string {
  const a = alpn[0];
  if (a === undefined || a.length === 0) return '00';
  const first = a.charCodeAt(0);
  const last = a.charCodeAt(a.length - 1);
  if (isAlnum(first) && isAlnum(last)) return a[0]! + a[a.length - 1]!;
  return ((first >> 4) & 0xf).toString(16) + (last & 0xf).toString(16);
}

/** Scratch for sorting a hello's lists (grown when a hello offers more). */
let sortScratch = new Uint32Array(256);

/**
 * Writes the values of `list` not GREASE and not `skipA`/`skipB`, sorted, as 4-digit hex joined
 * with ',' — sorted in a typed array, so no filtered or mapped copies.
 */
function putSortedHex(list: readonly number[], skipA = -1, skipB = -1): void {
  if (list.length > sortScratch.length) sortScratch = new Uint32Array(list.length * 2);
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (!isGrease(v) && v !== skipA && v !== skipB) sortScratch[n++] = v;
  }
  const sorted = sortScratch.subarray(0, n).sort();
  for (let i = 0; i < n; i++) {
    if (i > 0) putByte(COMMA);
    putHex4(sorted[i]!);
  }
}

function countNonGrease(list: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (!isGrease(list[i]!)) n++;
  return n;
}

export function ja4(ch: ClientHello, transport: 't' | 'q' | 'd'): string {
  let version = -1;
  for (const v of ch.supportedVersions) if (!isGrease(v) && v > version) version = v;
  if (version < 0) version = ch.legacyVersion;
  const cipherCount = countNonGrease(ch.ciphers);
  const extCount = countNonGrease(ch.extensions);
  const sni = ch.extensions.includes(ExtensionType.SERVER_NAME) ? 'd' : 'i';
  const a = `${transport}${JA4_VERSION.get(version) ?? '00'}${sni}${count2(cipherCount)}${count2(extCount)}${ja4Alpn(ch.alpn)}`;

  at = 0;
  putSortedHex(ch.ciphers);
  const b = at > 0 ? hash12(0) : JA4_EMPTY_HASH;

  at = 0;
  putSortedHex(ch.extensions, ExtensionType.SERVER_NAME, ExtensionType.ALPN);
  const sig = ch.signatureAlgorithms;
  if (sig.length > 0) {
    putByte(UNDERSCORE);
    for (let i = 0; i < sig.length; i++) {
      if (i > 0) putByte(COMMA);
      putHex4(sig[i]!);
    }
  }
  const c = at > 0 ? hash12(0) : JA4_EMPTY_HASH;
  return `${a}_${b}_${c}`;
}
