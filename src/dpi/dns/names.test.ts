/**
 * Name decompression against a plain reference decoder (no suffix cache): on random messages full
 * of labels and backward pointers, every question name is the same text, and a message fails
 * exactly when the reference finds a bad name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { be16, header, message, ptr, question, wireName } from './fixtures.js';
import { DnsParseError, MAX_NAME_WIRE, MAX_POINTER_HOPS, parseDnsMessage } from './index.js';

const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 3000);

function escapeByte(c: number): string {
  if (c === 0x2e || c === 0x5c) return `\\${String.fromCharCode(c)}`;
  if (c < 0x20 || c > 0x7e) return `\\${String(c).padStart(3, '0')}`;
  return String.fromCharCode(c);
}

/** The name at `off` (message starts at 0), or undefined when it is bad; `end` is where it ends in place. */
function referenceName(b: Uint8Array, off: number): { text: string; end: number } | undefined {
  const labels: string[] = [];
  let p = off;
  let partStart = off;
  let hops = 0;
  let wire = 1;
  let end = -1;
  for (;;) {
    if (p >= b.length) return undefined;
    const len = b[p]!;
    if (len === 0) {
      if (end < 0) end = p + 1;
      break;
    }
    if (len >= 0xc0) {
      if (p + 1 >= b.length) return undefined;
      const target = ((len & 0x3f) << 8) | b[p + 1]!;
      if (target >= partStart || ++hops > MAX_POINTER_HOPS) return undefined;
      if (end < 0) end = p + 2;
      p = partStart = target;
      continue;
    }
    if (len > 63) return undefined;
    wire += len + 1;
    if (wire > MAX_NAME_WIRE || p + 1 + len > b.length) return undefined;
    labels.push([...b.subarray(p + 1, p + 1 + len)].map(escapeByte).join(''));
    p += 1 + len;
  }
  return { text: labels.length === 0 ? '.' : labels.join('.'), end };
}

/** Questions whose names are labels ending in the root or in a pointer to some earlier offset. */
const questionsArb = fc.array(
  fc.record({
    labels: fc.array(fc.oneof(
      fc.constantFrom('a', 'www', 'example', 'com', 'x.y', 'b\\'),
      fc.uint8Array({ minLength: 1, maxLength: 63 }).map((u) => String.fromCharCode(...u)),
    ), { maxLength: 5 }),
    pointer: fc.option(fc.nat(), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 12 },
);

test('decompression with the suffix cache equals the reference decoder', () => {
  fc.assert(fc.property(questionsArb, (qs) => {
    const bytes: number[] = [...header({ qd: qs.length })];
    const labelStarts: number[] = [];
    for (const q of qs) {
      const start = bytes.length;
      const before = labelStarts.length;
      for (const l of q.labels) {
        labelStarts.push(bytes.length);
        bytes.push(l.length, ...[...l].map((c) => c.charCodeAt(0)));
      }
      // A pointer to an earlier name's label (mostly) or to any earlier offset.
      if (q.pointer !== undefined && start > 12) {
        bytes.push(...ptr(q.pointer % 4 !== 0 && before > 0 ? labelStarts[q.pointer % before]! : q.pointer % start));
      } else bytes.push(0);
      bytes.push(...be16(1), ...be16(1));
    }
    const msg = Uint8Array.from(bytes);
    // The reference, question by question.
    const want: string[] = [];
    let bad = false;
    for (let i = 0, p = 12; i < qs.length; i++) {
      const n = referenceName(msg, p);
      if (n === undefined || n.end + 4 > msg.length) { bad = true; break; }
      want.push(n.text);
      p = n.end + 4;
    }
    try {
      const m = parseDnsMessage(msg, 0, msg.length);
      assert.ok(!bad, 'the reference found a bad name');
      assert.deepEqual(m.questions.map((q) => q.name), want);
    } catch (e) {
      if (!(e instanceof DnsParseError)) throw e;
      assert.ok(bad, `the reference reads every name, we threw ${e.message}`);
    }
  }), { numRuns: NUM_RUNS });
});

test('a pointer to a name already read returns the same string; the cache is per message', () => {
  const a = message(header({ qd: 3 }), question(wireName('www.example.com'), 1), question(ptr(12), 1),
    question([3, 0x63, 0x64, 0x6e, ...ptr(16)], 1));
  const m = parseDnsMessage(a, 0, a.length);
  assert.deepEqual(m.questions.map((q) => q.name), ['www.example.com', 'www.example.com', 'cdn.example.com']);
  assert.equal(m.questions[0]!.name, m.questions[1]!.name);
  // Same offsets, other bytes: nothing carried over from the previous message.
  const b = message(header({ qd: 2 }), question(wireName('abc.example.org'), 1), question([1, 0x7a, ...ptr(16)], 1));
  assert.deepEqual(parseDnsMessage(b, 0, b.length).questions.map((q) => q.name), ['abc.example.org', 'z.example.org']);
});

test('limits still hold when a suffix comes from the cache', () => {
  // A 200-octet name read first, then one that adds 60 octets in front of it through a pointer.
  const long = [63, ...new Array<number>(63).fill(0x61)];
  const suffix = [...long, ...long, ...long, 7, 1, 2, 3, 4, 5, 6, 7, 0]; // 200 octets
  const tooLong = message(header({ qd: 2 }), question(suffix, 1), question([59, ...new Array<number>(59).fill(0x63), ...ptr(12)], 1));
  assert.throws(() => parseDnsMessage(tooLong, 0, tooLong.length), (e: unknown) => e instanceof DnsParseError && e.field === 'question[1].name');
  const fits = message(header({ qd: 2 }), question(suffix, 1), question([53, ...new Array<number>(53).fill(0x63), ...ptr(12)], 1));
  const [q0, q1] = parseDnsMessage(fits, 0, fits.length).questions;
  assert.equal(q1!.name, `${'c'.repeat(53)}.${q0!.name}`, '54 + 200 = 254 octets');
});
