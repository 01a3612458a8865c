import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonLine, key } from './json-line.js';
import type { ByteOutput } from './ascii.js';

class Grow implements ByteOutput {
  buffer = new Uint8Array(16);
  used = 0;
  reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    const b = new Uint8Array(Math.max(this.buffer.length * 2, this.used + n));
    b.set(this.buffer.subarray(0, this.used));
    this.buffer = b;
  }
  text(): string {
    return Buffer.from(this.buffer.subarray(0, this.used)).toString('utf8');
  }
}

const K_S = key('s');
const K_A = key('a.b');
const K_N = key('n');

test('strings come out as JSON.stringify writes them, for any UTF-16 string (property)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 4 }), (s, list) => {
    const out = new Grow();
    new JsonLine().begin(out).str(K_S, s).strs(K_A, list).end();
    const want = `{"s":${JSON.stringify(s)},"a.b":${JSON.stringify(list)}}`;
    assert.equal(out.text(), Buffer.from(want, 'utf8').toString('utf8'));
  }), { numRuns: 500 });
});

test('numbers, booleans, absent values, nested objects and a closing tail', () => {
  const out = new Grow();
  new JsonLine().begin(out).str(K_S, undefined).num(K_N, 1.5).bool(key('t'), true).nums(key('l'), [1, 20, 300])
    .objects(key('o'), [{ x: 'a' }, { x: 'b"' }], (w, v) => { w.str(key('x'), v.x); })
    .end(Buffer.from(',"z":0}'));
  assert.deepEqual(JSON.parse(out.text()), { n: 1.5, t: true, l: [1, 20, 300], o: [{ x: 'a' }, { x: 'b"' }], z: 0 });
});

test('an object with no field before its tail drops the tail\'s comma', () => {
  const out = new Grow();
  new JsonLine().begin(out).end(Buffer.from(',"z":0}'));
  assert.equal(out.text(), '{"z":0}');
});
