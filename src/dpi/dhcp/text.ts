/**
 * Turning option bytes into record text, once per message. DHCP text options (host name, domain
 * name, vendor class) are NVT ASCII (RFC 2132 §2) but are sent by whatever the client is, so the
 * text stays ASCII and anything else is escaped: a record must never carry a control character
 * or a lone UTF-16 surrogate into a log line or a terminal.
 */

const HEX_DIGITS = '0123456789abcdef';

/** Lowercase hex of bytes[start, end), no separators. */
export function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const x = bytes[i]!;
    s += HEX_DIGITS[x >> 4]! + HEX_DIGITS[x & 0x0f]!;
  }
  return s;
}

/** Six bytes as `aa:bb:cc:dd:ee:ff`. */
export function macOf(bytes: Uint8Array, start: number): string {
  let s = hexOf(bytes, start, start + 1);
  for (let i = start + 1; i < start + 6; i++) s += ':' + hexOf(bytes, i, i + 1);
  return s;
}

/** Four bytes as a dotted quad. */
export function ipv4Of(bytes: Uint8Array, start: number): string {
  return `${bytes[start]!}.${bytes[start + 1]!}.${bytes[start + 2]!}.${bytes[start + 3]!}`;
}

/**
 * Text of bytes[start, end): trailing NULs dropped (many clients NUL-terminate, against RFC 2132
 * §2), printable ASCII kept, `\` written `\\`, every other byte `\xNN` — so the result is
 * unambiguous and the original bytes can be recovered.
 */
export function escapeDhcpText(bytes: Uint8Array, start: number, end: number): string {
  while (end > start && bytes[end - 1] === 0) end--;
  let s = '';
  let run = start; // start of the current run of bytes that need no escaping
  for (let i = start; i < end; i++) {
    const x = bytes[i]!;
    if (x >= 0x20 && x <= 0x7e && x !== 0x5c) continue;
    if (i > run) s += String.fromCharCode(...bytes.subarray(run, i));
    s += x === 0x5c ? '\\\\' : '\\x' + hexOf(bytes, i, i + 1);
    run = i + 1;
  }
  if (end > run) s += String.fromCharCode(...bytes.subarray(run, end));
  return s;
}
