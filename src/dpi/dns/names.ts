/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4 message compression) → text.
 *
 * Text form: labels joined by '.', no trailing dot (ECS `dns.question.name` "www.example.com"), the
 * root name as ".". Label bytes are escaped as in RFC 4343 §2.1 / dig: '.' → `\.`, '\' → `\\`,
 * bytes outside printable ASCII (< 0x20, ≥ 0x7f) → `\DDD` (three decimal digits). A space is kept
 * as is (tshark and Zeek print it so; mDNS service names have them: "Cats Claws._daap._tcp.local").
 * Case is preserved.
 *
 * Decompression cannot loop or run away:
 * - a pointer must point strictly before the start of the name part that contains it (the name's
 *   own position, or the previous pointer's target), so every hop goes backwards — a loop, a
 *   self-reference or a forward pointer is an error;
 * - at most MAX_POINTER_HOPS hops per name;
 * - at most MAX_NAME_WIRE octets per name (RFC 1035 §3.1: 255, counting length bytes and the root).
 */
import { NAME_CACHE_SIZE, type DnsReader } from './reader.js';

/** RFC 1035 §3.1: a name is at most 255 octets in wire form (length octets included). */
export const MAX_NAME_WIRE = 255;
/** RFC 1035 §2.3.4: labels are at most 63 octets (the two top bits select the label type). */
export const MAX_LABEL = 63;
/** More hops than a name of 255 octets could need (127 one-byte labels, each behind a pointer). */
export const MAX_POINTER_HOPS = 128;

const LABEL_POINTER = 0xc0;

// Escaped text of the name being read: ≤ 254 content octets × 4 (`\DDD`) plus dots < 1024.
const TEXT = Buffer.alloc(1024);
const DIGIT0 = 0x30;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

// Per label of the name being read: its message offset, where its text starts, and the wire
// octets and hops before it — to remember every suffix once the name is done. ≤ 127 labels fit.
const LABEL_OFF = new Int32Array(128);
const LABEL_TEXT = new Int32Array(128);
const LABEL_WIRE = new Int32Array(128);
const LABEL_HOPS = new Int32Array(128);

/**
 * Reads the name at `off`. The in-place part must end by `limit` (the RDATA end for names inside
 * RDATA, else the message end); parts reached through pointers must end by the message end.
 * Sets `r.nameEnd` to the offset after the in-place part.
 *
 * Every label's suffix is remembered for the rest of the message (DnsReader's suffix cache), so a
 * pointer to a name already read costs a lookup and no new string: owner names that point at the
 * question come back as the very same string. A remembered suffix passed every check when it was
 * read, and its octets and hops count towards the limits of each name that reuses it.
 */
export function readName(r: DnsReader, off: number, limit: number, part: string): string {
  const b = r.b;
  let p = off;
  let partStart = off;
  let end = limit;
  let hops = 0;
  let wire = 1; // the root label
  let after = -1;
  let t = 0;
  let labels = 0;
  let tail = ''; // a remembered suffix that ends the name
  for (;;) {
    if (p >= end) {
      r.fail(p, part, after < 0 && limit !== r.end ? 'name runs past the end of the RDATA' : 'name runs past the end of the message');
    }
    const len = b[p]!;
    if (len === 0) {
      if (after < 0) after = p + 1;
      break;
    }
    if ((len & LABEL_POINTER) === LABEL_POINTER) {
      if (p + 2 > end) r.fail(p, part, 'compression pointer cut short');
      const rel = ((len & 0x3f) << 8) | b[p + 1]!;
      const target = r.start + rel;
      if (target >= partStart) {
        r.fail(p, part, `compression pointer to ${rel} does not point before ${partStart - r.start} (loop or forward reference)`);
      }
      if (++hops > MAX_POINTER_HOPS) r.fail(p, part, `more than ${MAX_POINTER_HOPS} compression pointers`);
      if (after < 0) after = p + 2;
      const hit = findSuffix(r, target);
      if (hit >= 0) {
        wire += r.suffixWire[hit]! - 1;
        if (wire > MAX_NAME_WIRE) r.fail(p, part, `name longer than ${MAX_NAME_WIRE} octets`);
        hops += r.suffixHops[hit]!;
        if (hops > MAX_POINTER_HOPS) r.fail(p, part, `more than ${MAX_POINTER_HOPS} compression pointers`);
        tail = suffixText(r, hit);
        break;
      }
      p = partStart = target;
      end = r.end;
      continue;
    }
    // RFC 6891 §5: 0x40 extended label types (RFC 2673 bitstring labels) are deprecated; 0x80 is unassigned.
    if (len > MAX_LABEL) r.fail(p, part, `label type 0x${(len & LABEL_POINTER).toString(16)} is not supported`);
    const labelEnd = p + 1 + len;
    if (wire + len + 1 > MAX_NAME_WIRE) r.fail(p, part, `name longer than ${MAX_NAME_WIRE} octets`);
    if (labelEnd > end) r.fail(p, part, `label of ${len} octets runs past the end of the ${end === r.end ? 'message' : 'RDATA'}`);
    if (t > 0) TEXT[t++] = DOT;
    LABEL_OFF[labels] = p;
    LABEL_TEXT[labels] = t;
    LABEL_WIRE[labels] = wire;
    LABEL_HOPS[labels] = hops;
    labels++;
    wire += len + 1;
    for (let i = p + 1; i < labelEnd; i++) {
      const c = b[i]!;
      if (c === DOT || c === BACKSLASH) {
        TEXT[t++] = BACKSLASH;
        TEXT[t++] = c;
      } else if (c < 0x20 || c > 0x7e) {
        TEXT[t++] = BACKSLASH;
        TEXT[t++] = DIGIT0 + ((c / 100) | 0);
        TEXT[t++] = DIGIT0 + (((c / 10) | 0) % 10);
        TEXT[t++] = DIGIT0 + (c % 10);
      } else {
        TEXT[t++] = c;
      }
    }
    p = labelEnd;
  }
  r.nameEnd = after;
  let text: string;
  if (t === 0) text = tail === '' ? '.' : tail;
  else text = tail === '' ? TEXT.toString('latin1', 0, t) : `${TEXT.toString('latin1', 0, t)}.${tail}`;
  for (let k = 0; k < labels; k++) {
    if (findSuffix(r, LABEL_OFF[k]!) < 0) remember(r, LABEL_OFF[k]!, text, LABEL_TEXT[k]!, wire - LABEL_WIRE[k]! + 1, hops - LABEL_HOPS[k]!);
  }
  return text;
}

function findSuffix(r: DnsReader, offset: number): number {
  const offs = r.suffixOffset;
  for (let i = 0, n = r.suffixCount; i < n; i++) if (offs[i] === offset) return i;
  return -1;
}

function remember(r: DnsReader, offset: number, name: string, textStart: number, wire: number, hops: number): void {
  let i: number;
  if (r.suffixCount < NAME_CACHE_SIZE) i = r.suffixCount++;
  else {
    i = r.suffixNext;
    r.suffixNext = (i + 1) % NAME_CACHE_SIZE;
  }
  r.suffixOffset[i] = offset;
  r.suffixName[i] = name;
  r.suffixTextStart[i] = textStart;
  r.suffixWire[i] = wire;
  r.suffixHops[i] = hops;
}

/** The text of a remembered suffix (cut from its name on first use, then kept). */
function suffixText(r: DnsReader, i: number): string {
  const start = r.suffixTextStart[i]!;
  if (start === 0) return r.suffixName[i]!;
  const s = r.suffixName[i]!.slice(start);
  r.suffixName[i] = s;
  r.suffixTextStart[i] = 0;
  return s;
}
