/**
 * The few header fields the parser keeps (RFC 9110 §5, RFC 9112 §6), matched case-insensitively
 * straight from the line's bytes so that the fields nobody asked for cost no string, and the
 * value rules for the framing fields.
 */
import { TCHAR } from './methods.js';

/** Field ids: indexes into a head's `fields` array. */
export const Field = {
  HOST: 0,
  USER_AGENT: 1,
  REFERER: 2,
  CONTENT_TYPE: 3,
  CONTENT_LENGTH: 4,
  TRANSFER_ENCODING: 5,
  UPGRADE: 6,
} as const;
export const FIELD_COUNT = 7;

const NAMES = ['host', 'user-agent', 'referer', 'content-type', 'content-length', 'transfer-encoding', 'upgrade'];
const NAME_BYTES = NAMES.map((n) => Uint8Array.from(n, (ch) => ch.charCodeAt(0)));

/** Fields whose repeats are joined with ", " (RFC 9110 §5.3) rather than first-wins. */
export function isListField(id: number): boolean {
  return id === Field.CONTENT_LENGTH || id === Field.TRANSFER_ENCODING;
}

/** Framing fields: still honoured after a head passed its limits (everything else is dropped). */
export function isFramingField(id: number): boolean {
  return id === Field.CONTENT_LENGTH || id === Field.TRANSFER_ENCODING;
}

/** Which kept field the name b[s, e) is (already checked to be a token), or -1. */
export function fieldId(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  for (let id = 0; id < NAME_BYTES.length; id++) {
    const name = NAME_BYTES[id]!;
    if (name.length !== n) continue;
    let i = 0;
    // `| 0x20` lowercases ASCII letters; the other token characters in these names ('-') have the
    // bit set already, and no other token byte maps onto a letter or '-'.
    while (i < n && (b[s + i]! | 0x20) === name[i]) i++;
    if (i === n) return id;
  }
  return -1;
}

/** True when b[s, e) is a non-empty token. */
export function isToken(b: Uint8Array, s: number, e: number): boolean {
  if (e <= s) return false;
  for (let i = s; i < e; i++) if (TCHAR[b[i]!] !== 1) return false;
  return true;
}

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Strips OWS (SP / HTAB, RFC 9110 §5.6.3) and nothing else: String.prototype.trim would also eat
 * VT, FF, NBSP…, and "Transfer-Encoding: \x0bchunked" must not read as chunked (a request
 * smuggling vector: front end and back end disagreeing on framing).
 */
export function trimOws(v: string): string {
  let s = 0;
  let e = v.length;
  while (s < e && (v.charCodeAt(s) === 0x20 || v.charCodeAt(s) === 0x09)) s++;
  while (e > s && (v.charCodeAt(e - 1) === 0x20 || v.charCodeAt(e - 1) === 0x09)) e--;
  return v.slice(s, e);
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Field values, targets and reasons as text: UTF-8 where valid, U+FFFD for the rest (as Wireshark shows them). */
export function text(b: Uint8Array, s: number, e: number): string {
  return e > s ? utf8.decode(b.subarray(s, e)) : '';
}

/** Bytes already checked to be ASCII (tokens, versions). */
export function ascii(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

/**
 * Content-Length (RFC 9112 §6.3 item 5): digits, or a list of identical digit strings (a repeated
 * header, or "5, 5"). Anything else — signs, differing values, more than 15 digits — is -1: the
 * message has no trustworthy length.
 */
export function parseContentLength(v: string): number {
  let value = -1;
  for (const part of v.split(',')) {
    const p = trimOws(part);
    if (!/^[0-9]{1,15}$/.test(p)) return -1;
    const n = Number(p);
    if (value !== -1 && n !== value) return -1;
    value = n;
  }
  return value;
}

/** The last transfer coding of a Transfer-Encoding value, lowercased ("gzip, chunked" → "chunked"). */
export function lastCoding(v: string): string {
  const parts = v.split(',');
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = trimOws(parts[i]!.split(';')[0]!).toLowerCase();
    if (p.length > 0) return p;
  }
  return '';
}

/** "Text/HTML; charset=UTF-8" → "text/html"; undefined when nothing is left. */
export function mimeType(v: string): string | undefined {
  const m = trimOws(v.split(';')[0]!).toLowerCase();
  return m.length > 0 ? m : undefined;
}

/** The authority ("host:port", without userinfo) of an absolute-form target, else undefined. */
export function authorityOf(uri: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (m === null) return undefined;
  const a = m[1]!;
  const at = a.lastIndexOf('@');
  const host = at >= 0 ? a.slice(at + 1) : a;
  return host.length > 0 ? host : undefined;
}
