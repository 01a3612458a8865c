/**
 * DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by a two-byte
 * length. Fed one direction's in-order stream bytes, in pieces of any size:
 *
 * ```
 *   push: [ len | message | len | mess ]  [ age | len | message ]
 *           └ whole: handed over in place    └ the split one is gathered in `buf`
 * ```
 * A message that lies whole inside one push is handed over in place (no copy); one split across
 * pushes is gathered in a buffer allocated then, of the size its prefix announces (at most
 * 2 + 65535 bytes), so an idle framer holds nothing.
 * A length of 0 announces nothing and is skipped.
 */

/** Receives one message: bytes[offset, offset+length). The bytes are valid only during the call. */
export type DnsMessageCallback = (bytes: Uint8Array, offset: number, length: number) => void;

const PREFIX = 2;

export class DnsTcpFramer {
  /** The partial prefix + message carried over from earlier pushes (allocated when needed). */
  private buf: Uint8Array | null = null;
  private readonly prefix = new Uint8Array(PREFIX);
  /** Bytes of `buf` filled (0: at a message boundary). */
  private have = 0;

  /** Bytes held back waiting for the rest of a message (≤ 65537). */
  get buffered(): number {
    return this.have;
  }

  /** Forgets a partial message (after a gap in the stream the framing is lost anyway). */
  reset(): void {
    this.have = 0;
  }

  /** Feeds bytes[offset, offset+length) and calls `onMessage` for every message it completes, in order. */
  push(bytes: Uint8Array, offset: number, length: number, onMessage: DnsMessageCallback): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new RangeError(`DnsTcpFramer.push: range [${offset}, ${offset}+${length}) is not within ${bytes.length} bytes`);
    }
    let p = offset;
    const end = offset + length;
    while (p < end) {
      if (this.have === 0 && end - p >= PREFIX) {
        // At a boundary with the prefix in hand: take whole messages straight from the input.
        const n = (bytes[p]! << 8) | bytes[p + 1]!;
        if (n === 0) {
          p += PREFIX;
          continue;
        }
        if (end - p - PREFIX >= n) {
          onMessage(bytes, p + PREFIX, n);
          p += PREFIX + n;
          continue;
        }
      }
      // Gather: first the prefix, then the message it announces.
      const pre = this.prefix;
      if (this.have < PREFIX) {
        pre[this.have++] = bytes[p++]!;
        if (this.have === PREFIX && ((pre[0]! << 8) | pre[1]!) === 0) this.have = 0;
        continue;
      }
      const want = PREFIX + ((pre[0]! << 8) | pre[1]!);
      if (this.buf === null || this.buf.length < want) this.buf = new Uint8Array(want);
      const buf = this.buf;
      const take = Math.min(want - this.have, end - p);
      buf.set(bytes.subarray(p, p + take), this.have);
      this.have += take;
      p += take;
      if (this.have === want) {
        this.have = 0;
        this.buf = null; // an idle framer holds nothing
        onMessage(buf, PREFIX, want - PREFIX);
      }
    }
  }
}
