/**
 * Byte strings → presentation text for RDATA: escaped character-strings (RFC 1035 §5.1), hex,
 * base64, base32hex. One shared scratch buffer; each call returns a fresh string.
 *
 * Escaping of character-strings (TXT, HINFO, CAA values, SVCB alpn/dohpath): printable ASCII
 * (0x20–0x7e) as is, except '\' → `\\` and the caller's delimiter (`"` inside quotes, ',' inside
 * an SVCB value list) → `\"` / `\,`; every other byte → `\DDD` (decimal, three digits) as dig does.
 * So UTF-8 in a TXT record shows as `\DDD` sequences: the text is ASCII and unambiguous, and the
 * bytes can be recovered exactly.
 */

// A character-string is ≤ 255 octets, but SVCB values and CAA values run to 65535: 4 chars each.
const ESC = Buffer.alloc(4 * 65535 + 8);
const BACKSLASH = 0x5c;
const DIGIT0 = 0x30;

/** No delimiter to escape besides '\'. */
export const NO_DELIMITER = -1;
export const QUOTE = 0x22;
export const COMMA = 0x2c;

/** b[off, off+len) escaped (see above), with `delimiter` (a byte, or NO_DELIMITER) escaped too. */
export function escapeBytes(b: Uint8Array, off: number, len: number, delimiter: number): string {
  let t = 0;
  for (let i = off, end = off + len; i < end; i++) {
    const c = b[i]!;
    if (c === BACKSLASH || c === delimiter) {
      ESC[t++] = BACKSLASH;
      ESC[t++] = c;
    } else if (c < 0x20 || c > 0x7e) {
      ESC[t++] = BACKSLASH;
      ESC[t++] = DIGIT0 + ((c / 100) | 0);
      ESC[t++] = DIGIT0 + (((c / 10) | 0) % 10);
      ESC[t++] = DIGIT0 + (c % 10);
    } else {
      ESC[t++] = c;
    }
  }
  return ESC.toString('latin1', 0, t);
}

function view(b: Uint8Array, off: number, len: number): Buffer {
  return Buffer.from(b.buffer, b.byteOffset + off, len);
}

/** Uppercase hex, as dig prints digests and RFC 3597 data. */
export function hexUpper(b: Uint8Array, off: number, len: number): string {
  return view(b, off, len).toString('hex').toUpperCase();
}

/** Standard base64 with padding, no line breaks (RFC 4648 §4). */
export function base64(b: Uint8Array, off: number, len: number): string {
  return view(b, off, len).toString('base64');
}

const BASE32HEX = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUV', 'latin1');

/** Base32 with the extended hex alphabet, no padding (RFC 4648 §7; NSEC3 hashes, RFC 5155 §3.3). */
export function base32hex(b: Uint8Array, off: number, len: number): string {
  let t = 0;
  let acc = 0;
  let bits = 0;
  for (let i = off, end = off + len; i < end; i++) {
    acc = ((acc << 8) | b[i]!) & 0xfff; // at most 4 bits wait from the last byte + 8 new
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      ESC[t++] = BASE32HEX[(acc >>> bits) & 31]!;
    }
  }
  if (bits > 0) ESC[t++] = BASE32HEX[(acc << (5 - bits)) & 31]!;
  return ESC.toString('latin1', 0, t);
}

/** RFC 4034 §3.2 signature times: YYYYMMDDHHmmSS (UTC) of a uint32 count of seconds. */
export function dnssecTime(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2024-01-31T12:00:00.000Z
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19);
}
