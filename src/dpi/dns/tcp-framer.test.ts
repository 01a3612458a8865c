// DnsTcpFramer: length prefixes, several messages per push, messages split anywhere, empty ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsTcpFramer } from './index.js';

function stream(...messages: number[][]): Uint8Array {
  return Uint8Array.from(messages.flatMap((m) => [m.length >> 8, m.length & 0xff, ...m]));
}

/** Pushes `bytes` cut at `cuts` and returns the messages seen (copied). */
function frame(f: DnsTcpFramer, bytes: Uint8Array, cuts: number[]): number[][] {
  const out: number[][] = [];
  const on = (b: Uint8Array, o: number, n: number): void => { out.push([...b.subarray(o, o + n)]); };
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    // Push from inside a larger buffer so offsets matter.
    const host = new Uint8Array(c - prev + 10).fill(0xaa);
    host.set(bytes.subarray(prev, c), 5);
    f.push(host, 5, c - prev, on);
    prev = c;
  }
  return out;
}

test('several messages in one push are handed over in place', () => {
  const bytes = stream([1, 2, 3], [4], [5, 6]);
  const seen: [Uint8Array, number, number][] = [];
  new DnsTcpFramer().push(bytes, 0, bytes.length, (b, o, n) => seen.push([b, o, n]));
  assert.deepEqual(seen.map(([, o, n]) => [o, n]), [[2, 3], [7, 1], [10, 2]]);
  assert.ok(seen.every(([b]) => b === bytes), 'no copy for whole messages');
});

test('every split point, and byte by byte, gives the same messages', () => {
  const msgs = [[1, 2, 3, 4, 5], [6], [7, 8, 9]];
  const bytes = stream(...msgs);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b++) {
      const f = new DnsTcpFramer();
      assert.deepEqual(frame(f, bytes, [a, b]), msgs, `cuts ${a}, ${b}`);
      assert.equal(f.buffered, 0);
    }
  }
  const f = new DnsTcpFramer();
  assert.deepEqual(frame(f, bytes, [...Array(bytes.length).keys()].slice(1)), msgs);
});

test('a zero length is skipped; a partial message waits; reset forgets it', () => {
  const f = new DnsTcpFramer();
  assert.deepEqual(frame(f, Uint8Array.from([0, 0, 0, 1, 9, 0, 0]), [1, 3]), [[9]]);
  assert.deepEqual(frame(f, Uint8Array.from([0, 3, 1]), []), []);
  assert.equal(f.buffered, 3);
  f.reset();
  assert.equal(f.buffered, 0);
  assert.deepEqual(frame(f, Uint8Array.from([0, 1, 7]), []), [[7]]);
});

test('a 65535-byte message split across pushes', () => {
  const big = [...Array(65535).keys()].map((i) => i & 0xff);
  const bytes = stream(big, [1]);
  const f = new DnsTcpFramer();
  const got = frame(f, bytes, [1, 2, 30000, 65537, 65538]);
  assert.equal(got.length, 2);
  assert.deepEqual(got[0], big);
  assert.deepEqual(got[1], [1]);
});

test('push checks its range', () => {
  assert.throws(() => new DnsTcpFramer().push(new Uint8Array(4), 2, 3, () => {}), RangeError);
});
