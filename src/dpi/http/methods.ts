/**
 * Request methods and the token alphabet (RFC 9110 §5.6.2, §9), and the cheap "is this HTTP?"
 * test used to find HTTP/1.x on any port.
 *
 * The parser itself accepts any token as a method (RFC 9110 §9.1: the set is extensible, and
 * clients do send things like `CCM_POST`); the list matters only for detection, where a bare
 * token would match half the text protocols in existence.
 */

/**
 * The IANA HTTP Method Registry: RFC 9110 §9.3, PATCH (RFC 5789), WebDAV (RFC 4918) and its
 * extensions (DeltaV RFC 3253, ordering RFC 3648, ACL RFC 3744, SEARCH RFC 5323, bindings
 * RFC 5842, CalDAV RFC 4791, redirect refs RFC 4437), LINK/UNLINK (RFC 2068 §19.6.1).
 * PRI is left out on purpose: `PRI * HTTP/2.0` is the HTTP/2 connection preface (RFC 9113 §3.4),
 * not an HTTP/1.x request.
 */
export const HTTP_METHODS: readonly string[] = Object.freeze([
  // RFC 9110
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE',
  // RFC 5789
  'PATCH',
  // WebDAV, RFC 4918
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK',
  // DeltaV, RFC 3253
  'VERSION-CONTROL', 'REPORT', 'CHECKOUT', 'CHECKIN', 'UNCHECKOUT', 'MKWORKSPACE', 'UPDATE', 'LABEL',
  'MERGE', 'BASELINE-CONTROL', 'MKACTIVITY',
  // RFC 3648, RFC 3744, RFC 5323, RFC 5842, RFC 4791, RFC 4437
  'ORDERPATCH', 'ACL', 'SEARCH', 'BIND', 'UNBIND', 'REBIND', 'MKCALENDAR', 'MKREDIRECTREF',
  'UPDATEREDIRECTREF',
  // RFC 2068
  'LINK', 'UNLINK',
]);

const KNOWN = new Set(HTTP_METHODS);
const LONGEST_METHOD = Math.max(...HTTP_METHODS.map((m) => m.length));

/** True for a method in HTTP_METHODS (exact case: methods are case-sensitive, RFC 9110 §9.1). */
export function isKnownMethod(method: string): boolean {
  return KNOWN.has(method);
}

/** tchar (RFC 9110 §5.6.2): ALPHA / DIGIT / "!#$%&'*+-.^_`|~". Indexed by byte. */
export const TCHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

const SP = 0x20;

/** An unregistered method token is accepted up to this length (UPnP's SUBSCRIBE, vendors' own). */
const LONGEST_OTHER_METHOD = 32;
/** How far into the first segment the request line's end is looked for (for other methods). */
const FIRST_LINE_SCAN = 2048;
const HTTP_VERSION = Uint8Array.from(' HTTP/1.', (c) => c.charCodeAt(0));

/**
 * Quick protocol detection: bytes[offset, offset + length) begin with a known method followed by
 * a space, and (when present) a byte that can start a request target — visible ASCII or a
 * non-ASCII byte, not another space or a control character. Needs the whole method and its space;
 * a first segment cut shorter than that answers false. A token that is not a registered method
 * (SUBSCRIBE of UPnP, CCM_POST, …) counts only when the whole request line is there and ends in
 * ` HTTP/1.x`: the evidence tshark's heuristic HTTP dissector also looks for.
 */
export function looksLikeHttpRequest(bytes: Uint8Array, offset: number, length: number): boolean {
  const end = Math.min(offset + length, bytes.length);
  let p = offset;
  if (p < 0) return false;
  const limit = Math.min(end, offset + LONGEST_OTHER_METHOD);
  while (p < limit && TCHAR[bytes[p]!] === 1) p++;
  if (p === offset || p >= end || bytes[p] !== SP) return false;
  let method = '';
  if (p - offset <= LONGEST_METHOD) for (let i = offset; i < p; i++) method += String.fromCharCode(bytes[i]!);
  if (!KNOWN.has(method) && !endsWithHttpVersion(bytes, p, Math.min(end, p + FIRST_LINE_SCAN))) return false;
  if (p + 1 < end) {
    const c = bytes[p + 1]!;
    if (c <= SP || c === 0x7f) return false;
  }
  return true;
}

/** The line from `from` ends (CRLF or LF, before `end`) with " HTTP/1.x". */
function endsWithHttpVersion(bytes: Uint8Array, from: number, end: number): boolean {
  let lf = from;
  while (lf < end && bytes[lf] !== 0x0a) lf++;
  if (lf === end) return false;
  let stop = lf;
  if (stop > from && bytes[stop - 1] === 0x0d) stop--;
  const v = stop - 1; // the minor version digit
  const start = v - HTTP_VERSION.length;
  if (start < from || bytes[v]! < 0x30 || bytes[v]! > 0x39) return false;
  for (let i = 0; i < HTTP_VERSION.length; i++) if (bytes[start + i] !== HTTP_VERSION[i]) return false;
  return true;
}
