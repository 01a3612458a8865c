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
 * Hashes of fingerprint strings, remembered: real traffic repeats a few client and server
 * implementations, so most hellos hash a string seen before. Bounded: cleared when full.
 */
const HASH_CACHE_MAX = 4096;
const md5Cache = new Map<string, string>();
const sha12Cache = new Map<string, string>();

/** crypto.hash (one call, no Hash object) where Node has it (≥ 20.12), else createHash. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
function digestHex(algorithm: 'md5' | 'sha256', s: string): string {
  return oneShot !== undefined ? oneShot(algorithm, s, 'hex') : crypto.createHash(algorithm).update(s).digest('hex');
}

function cached(cache: Map<string, string>, key: string, make: (s: string) => string): string {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= HASH_CACHE_MAX) cache.clear();
    v = make(key);
    cache.set(key, v);
  }
  return v;
}

function md5(s: string): string {
  return cached(md5Cache, s, (k) => digestHex('md5', k));
}

/** Decimal values joined with '-', GREASE left out (built in one pass: no filtered copy). */
function dec(list: readonly number[]): string {
  let s = '';
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (isGrease(v)) continue;
    s = s.length === 0 ? String(v) : `${s}-${v}`;
  }
  return s;
}

export function ja3(ch: ClientHello): Ja3 {
  const full = `${ch.legacyVersion},${dec(ch.ciphers)},${dec(ch.extensions)},${dec(ch.supportedGroups)},${dec(ch.ecPointFormats)}`;
  return { full, hash: md5(full) };
}

export function ja3s(sh: ServerHello): Ja3 {
  const full = `${sh.legacyVersion},${sh.cipher},${dec(sh.extensions)}`;
  return { full, hash: md5(full) };
}

const JA4_VERSION: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'], [0x0303, '12'], [0x0302, '11'], [0x0301, '10'], [0x0300, 's3'], [0x0002, 's2'],
  [0xfeff, 'd1'], [0xfefd, 'd2'], [0xfefc, 'd3'],
]);

const JA4_EMPTY_HASH = '000000000000';

const HEX4: string[] = [];
function hex4(v: number): string {
  let h = HEX4[v];
  if (h === undefined) {
    h = v.toString(16).padStart(4, '0');
    if (v >= 0 && v < 0x10000) HEX4[v] = h;
  }
  return h;
}

function hash12(s: string): string {
  return cached(sha12Cache, s, (k) => digestHex('sha256', k).slice(0, 12));
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
 * The values of `list` not GREASE and not `skipA`/`skipB`, sorted, as 4-digit hex joined with
 * ',' — sorted in a typed array, so no filtered or mapped copies.
 */
function sortedHex(list: readonly number[], skipA = -1, skipB = -1): string {
  if (list.length > sortScratch.length) sortScratch = new Uint32Array(list.length * 2);
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (!isGrease(v) && v !== skipA && v !== skipB) sortScratch[n++] = v;
  }
  const sorted = sortScratch.subarray(0, n).sort();
  let s = '';
  for (let i = 0; i < n; i++) s = i === 0 ? hex4(sorted[i]!) : `${s},${hex4(sorted[i]!)}`;
  return s;
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

  const b = cipherCount > 0 ? hash12(sortedHex(ch.ciphers)) : JA4_EMPTY_HASH;

  let s = sortedHex(ch.extensions, ExtensionType.SERVER_NAME, ExtensionType.ALPN);
  const sig = ch.signatureAlgorithms;
  if (sig.length > 0) {
    s += '_';
    for (let i = 0; i < sig.length; i++) s += i === 0 ? hex4(sig[i]!) : `,${hex4(sig[i]!)}`;
  }
  const c = s.length > 0 ? hash12(s) : JA4_EMPTY_HASH;
  return `${a}_${b}_${c}`;
}
