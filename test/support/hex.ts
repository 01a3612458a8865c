/**
 * Hex fixtures written as annotated dumps, one header per line (gopacket's `udp_test.go` style):
 *
 * ```
 *   0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
 *   000e  45 00 00 28 …                                    | IPv4 …
 * ```
 * The offset column is checked against the bytes before it; text after `|` is a comment.
 */
export function dump(text: string): Uint8Array {
  const out: number[] = [];
  for (const raw of text.split('\n')) {
    const line = (raw.split('|')[0] as string).trim();
    if (line === '') continue;
    const [offset, ...bytes] = line.split(/\s+/);
    if (parseInt(offset as string, 16) !== out.length) {
      throw new Error(`dump: offset ${offset} but ${out.length.toString(16).padStart(4, '0')} bytes so far`);
    }
    for (const h of bytes) {
      if (!/^[0-9a-f]{2}$/i.test(h)) throw new Error(`dump: bad byte ${h}`);
      out.push(parseInt(h, 16));
    }
  }
  return Uint8Array.from(out);
}

/** Plain hex (whitespace ignored) to bytes. */
export function hex(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
