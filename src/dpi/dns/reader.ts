/**
 * The parser's walking state: the message's bounds in the caller's buffer, where in the message
 * we are (for error fields) and the out-value of the last name read. One instance per module:
 * parsing is synchronous and calls nothing back, so sharing it allocates nothing.
 *
 * ```
 *   bytes: [ ... | header (12) | question … | answer … | authority … | additional … | ... ]
 *                 start                                                             end
 *   every read is checked against `end` (or a tighter RDATA end); compression pointers are
 *   offsets from `start`.
 * ```
 */
import { DnsParseError } from './errors.js';

const EMPTY = new Uint8Array(0);

/** Name suffixes remembered per message (names.ts); the oldest is replaced when full. */
export const NAME_CACHE_SIZE = 64;

export class DnsReader {
  b: Uint8Array = EMPTY;
  /** The message is b[start, end). */
  start = 0;
  end = 0;
  /** Section and record index being read, for DnsParseError.field ('' / -1: the header). */
  section = '';
  index = -1;
  /** Set by readName: the offset just after the name where it was read (not where it jumped to). */
  nameEnd = 0;

  // ── names.ts' cache of decoded name suffixes, valid for the current message only ─────────────
  /** Message offset of the suffix's first label. */
  readonly suffixOffset = new Int32Array(NAME_CACHE_SIZE);
  /** The decoded name the suffix was read as part of, and where the suffix's text starts in it. */
  readonly suffixName: string[] = new Array<string>(NAME_CACHE_SIZE).fill('');
  readonly suffixTextStart = new Int32Array(NAME_CACHE_SIZE);
  /** Wire octets (root included) and compression hops from the suffix to the end of the name. */
  readonly suffixWire = new Int32Array(NAME_CACHE_SIZE);
  readonly suffixHops = new Int32Array(NAME_CACHE_SIZE);
  suffixCount = 0;
  /** Next slot to overwrite once the cache is full. */
  suffixNext = 0;

  reset(b: Uint8Array, start: number, end: number): void {
    this.b = b;
    this.start = start;
    this.end = end;
    this.section = '';
    this.index = -1;
    this.nameEnd = 0;
    this.suffixCount = 0;
    this.suffixNext = 0;
  }

  /** `header.id`, `question[0].name`, `answer[2].rdata`, … */
  field(part: string): string {
    return this.index < 0 ? `header.${part}` : `${this.section}[${this.index}].${part}`;
  }

  fail(offset: number, part: string, why: string): never {
    throw new DnsParseError(offset, this.field(part), why);
  }

  /** Throws unless `width` bytes from `off` lie within `limit` (≤ end). */
  need(off: number, width: number, limit: number, part: string): void {
    if (off + width > limit) {
      const what = limit === this.end ? 'message' : 'RDATA';
      this.fail(off, part, `needs ${width} bytes, ${Math.max(0, limit - off)} left in the ${what}`);
    }
  }
}

/** Network-order uint16 (callers have checked the bounds). */
export function u16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/** Network-order uint32, unsigned. */
export function u32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
