/**
 * The one error the DNS parser throws. It names the byte at fault (an absolute offset into the
 * caller's buffer, so it can be found in a hex dump of the frame) and the field being read, in the
 * message's own terms: `header`, `question[0].name`, `answer[2].rdata`, `additional[1].ttl`.
 */
export class DnsParseError extends Error {
  /** Absolute offset into the `bytes` given to parseDnsMessage. */
  readonly offset: number;
  /** The field being read: `header.*`, `question[i].*`, `answer[i].*`, `authority[i].*`, `additional[i].*`. */
  readonly field: string;
  constructor(offset: number, field: string, why: string) {
    super(`DNS ${field} at offset ${offset}: ${why}`);
    this.name = 'DnsParseError';
    this.offset = offset;
    this.field = field;
  }
}
