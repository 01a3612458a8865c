import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { paddedLength, sha1Into } from './sha1.js';

function sha1Hex(bytes: Uint8Array): string {
  const data = new Uint8Array(paddedLength(bytes.length));
  data.set(bytes);
  const out = new Uint8Array(20);
  sha1Into(data, bytes.length, out);
  return Buffer.from(out).toString('hex');
}

describe('sha1', () => {
  it('matches the FIPS 180-4 examples', () => {
    assert.equal(sha1Hex(new TextEncoder().encode('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(sha1Hex(new Uint8Array(0)), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(sha1Hex(new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
  });

  it('agrees with node:crypto on any input up to three blocks (block and padding edges included)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.equal(sha1Hex(bytes), createHash('sha1').update(bytes).digest('hex'));
    }), { numRuns: 500 });
    for (let n = 50; n <= 130; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      assert.equal(sha1Hex(bytes), createHash('sha1').update(bytes).digest('hex'), `length ${n}`);
    }
  });

  it('writes the digest at an offset and reuses a dirty buffer', () => {
    const data = new Uint8Array(64).fill(0xee);
    data.set([0x61, 0x62, 0x63]);
    const out = new Uint8Array(24).fill(0xff);
    sha1Into(data, 3, out, 2);
    assert.equal(Buffer.from(out.subarray(2, 22)).toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(out[0], 0xff);
    assert.equal(out[23], 0xff);
  });
});
