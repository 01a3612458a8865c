import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReassemblyBudget, TcpDirection, type StreamConsumer } from './tcp-reassembly.js';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;

/** Collects the stream as text, holes as '#' per missing byte. */
class Text implements StreamConsumer {
  s = '';
  data(bytes: Uint8Array, offset: number, length: number): void {
    this.s += Buffer.from(bytes.subarray(offset, offset + length)).toString('latin1');
  }
  gap(bytes: number): void {
    this.s += '#'.repeat(bytes);
  }
}

function seg(dir: TcpDirection, out: StreamConsumer, seq: number, text: string, flags = ACK): void {
  const b = Buffer.from(`xx${text}`, 'latin1');
  dir.segment(seq, flags, b, 2, text.length, out);
}

test('in-order segments after the SYN are delivered as they come', () => {
  const out = new Text();
  const d = new TcpDirection(new ReassemblyBudget());
  d.segment(1000, SYN, new Uint8Array(0), 0, 0, out);
  seg(d, out, 1001, 'hello ');
  seg(d, out, 1007, 'world');
  assert.equal(out.s, 'hello world');
  assert.equal(d.delivered, 11);
});

test('out-of-order segments are held until the hole fills', () => {
  const out = new Text();
  const budget = new ReassemblyBudget();
  const d = new TcpDirection(budget);
  d.segment(0, SYN, new Uint8Array(0), 0, 0, out);
  seg(d, out, 7, 'world');
  seg(d, out, 12, '!');
  assert.equal(out.s, '');
  assert.equal(d.buffered, 6);
  assert.equal(budget.buffered, 6);
  seg(d, out, 1, 'hello ');
  assert.equal(out.s, 'hello world!');
  assert.equal(d.buffered, 0);
  assert.equal(budget.buffered, 0);
});

test('retransmissions and overlaps keep the first copy and count the duplicate bytes', () => {
  const out = new Text();
  const budget = new ReassemblyBudget();
  const d = new TcpDirection(budget);
  d.segment(0, SYN, new Uint8Array(0), 0, 0, out);
  seg(d, out, 1, 'abcd');
  seg(d, out, 1, 'abcd'); // retransmission
  seg(d, out, 3, 'XXef'); // overlaps 2 delivered bytes, adds 2
  assert.equal(out.s, 'abcdef');
  assert.equal(budget.duplicateBytes, 6);
});

test('a capture that starts mid-connection starts at the first data', () => {
  const out = new Text();
  const d = new TcpDirection(new ReassemblyBudget());
  d.segment(5000, ACK, new Uint8Array(0), 0, 0, out); // pure ACK: nothing to anchor on
  seg(d, out, 5000, 'GET / HTTP/1.1');
  assert.equal(out.s, 'GET / HTTP/1.1');
});

test('sequence numbers wrap around 2^32', () => {
  const out = new Text();
  const d = new TcpDirection(new ReassemblyBudget());
  d.segment(0xfffffffd, SYN, new Uint8Array(0), 0, 0, out);
  seg(d, out, 0x00000001, 'cd'); // after the wrap, out of order
  seg(d, out, 0xfffffffe, 'ab+'); // covers 0xfffffffe, 0xffffffff, 0x00000000
  assert.equal(out.s, 'ab+cd');
});

test('the per-direction limit skips the oldest hole and counts it', () => {
  const out = new Text();
  const budget = new ReassemblyBudget();
  const d = new TcpDirection(budget, 8);
  d.segment(0, SYN, new Uint8Array(0), 0, 0, out);
  seg(d, out, 11, '12345'); // hole of 10 before it
  seg(d, out, 16, '6789'); // 9 bytes would exceed 8: give up on the hole
  assert.equal(out.s, `${'#'.repeat(10)}123456789`);
  assert.equal(budget.gaps, 1);
  assert.equal(budget.gapBytes, 10);
  assert.equal(budget.buffered, 0);
});

test('the process-wide budget bounds every direction together', () => {
  const out = new Text();
  const budget = new ReassemblyBudget(10);
  const a = new TcpDirection(budget);
  const b = new TcpDirection(budget);
  a.segment(0, SYN, new Uint8Array(0), 0, 0, out);
  b.segment(0, SYN, new Uint8Array(0), 0, 0, new Text());
  seg(a, out, 5, 'aaaaaaaa');
  const outB = new Text();
  seg(b, outB, 5, 'bbbbbbbb'); // does not fit: b has nothing to give up, so this is lost
  assert.equal(budget.buffered, 8);
  assert.equal(budget.overflowBytes, 8);
  seg(b, outB, 1, 'b123');
  b.finish(outB);
  assert.equal(outB.s, 'b123'); // the lost bytes are not invented
});

test('finish delivers held data after declaring the holes', () => {
  const out = new Text();
  const budget = new ReassemblyBudget();
  const d = new TcpDirection(budget);
  d.segment(0, SYN, new Uint8Array(0), 0, 0, out);
  seg(d, out, 1, 'ab');
  seg(d, out, 5, 'ef', ACK | FIN);
  d.finish(out);
  assert.equal(out.s, 'ab##ef');
  assert.equal(d.closed, true);
  assert.equal(budget.buffered, 0);
});

test('any order of the segments of a stream gives the stream back (property)', () => {
  fc.assert(fc.property(
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.array(fc.nat(), { maxLength: 40 }),
    (text, cuts, isn, order) => {
      // Split the text into segments (some repeated), deliver them in a shuffled order.
      const points = [...new Set(cuts.map((c) => c % text.length))].sort((x, y) => x - y);
      const bounds = [0, ...points.filter((p) => p > 0), text.length];
      const segs: [number, string][] = [];
      for (let i = 0; i + 1 < bounds.length; i++) segs.push([bounds[i]!, text.slice(bounds[i], bounds[i + 1])]);
      const shuffled = [...segs];
      for (let i = 0; i < order.length && shuffled.length > 1; i++) {
        const j = order[i]! % shuffled.length;
        const k = (i * 7) % shuffled.length;
        [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
      }
      const out = new Text();
      const budget = new ReassemblyBudget();
      const d = new TcpDirection(budget);
      d.segment(isn, SYN, new Uint8Array(0), 0, 0, out);
      for (const [off, s] of [...shuffled, ...shuffled.slice(0, 3)]) seg(d, out, (isn + 1 + off) >>> 0, s);
      d.finish(out);
      assert.equal(out.s, text);
      assert.equal(budget.buffered, 0);
    },
  ), { numRuns: 300 });
});
