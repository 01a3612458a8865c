import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIp, formatIpv4, formatIpv6, parseIp } from './ip.js';
import { CORPUS_SKIP, corpusNames, truthFrames } from '../../test/support/corpus.js';

test('IPv4 words format as dotted quads', () => {
  assert.equal(formatIpv4(0xc0a80001), '192.168.0.1');
  assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
  assert.equal(formatIpv4(0), '0.0.0.0');
});

test('IPv6 text follows RFC 5952', () => {
  assert.equal(formatIpv6(0x20010db8, 0, 0, 1), '2001:db8::1');
  assert.equal(formatIpv6(0, 0, 0, 1), '::1');
  assert.equal(formatIpv6(0, 0, 0, 0), '::');
  assert.equal(formatIpv6(0x20010db8, 0x00000001, 0, 0x00000001), '2001:db8:0:1::1'); // longest run wins
  assert.equal(formatIpv6(0x20010db8, 0, 0x00010000, 0x00000001), '2001:db8::1:0:0:1'); // first of equal runs
  assert.equal(formatIpv6(0x20010db8, 0x00010001, 0x00010001, 0x00010001), '2001:db8:1:1:1:1:1:1');
  assert.equal(formatIpv6(0x20010db8, 0x0000aaaa, 0xbbbbcccc, 0xddddeeee), '2001:db8:0:aaaa:bbbb:cccc:dddd:eeee'); // one zero group is not compressed
  assert.equal(formatIpv6(0, 0, 0xffff, 0x01020304), '::ffff:1.2.3.4');
});

test('IPv6 text agrees with a plain reference implementation on any address', () => {
  // The straightforward RFC 5952 formatter formatIpv6 replaced (arrays, map, join).
  const reference = (w: readonly number[]): string => {
    const [w0, w1, w2, w3] = w as [number, number, number, number];
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${formatIpv4(w3 >>> 0)}`;
    const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
    let bestStart = -1;
    let bestLen = 1;
    for (let i = 0; i < 8;) {
      if (g[i] !== 0) { i++; continue; }
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
      i = j;
    }
    const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
    return bestStart < 0 ? hex(0, 8) : `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
  };
  // Words drawn mostly from 0, 0xffff and a few patterns, so zero runs of every length and place occur.
  const word = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.constantFrom(0x10000, 0x1, 0xabc0000, 0x0000f00d), fc.nat({ max: 0xffffffff }));
  fc.assert(fc.property(fc.tuple(word, word, word, word), (w) => {
    assert.equal(formatIpv6(w[0], w[1], w[2], w[3]), reference(w));
  }), { numRuns: 5000 });
});

test('parseIp rejects what is not an address', () => {
  for (const bad of ['', '1.2.3', '1.2.3.256', 'a::b::c', '12345::', 'fe80::1%eth0', '1.2.3.4.5']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('every address tshark printed in the corpus survives parse → format unchanged', { skip: CORPUS_SKIP }, () => {
  const seen = new Set<string>();
  for (const name of corpusNames()) {
    let frames;
    try { frames = truthFrames(name); } catch { continue; }
    for (const f of frames) {
      for (const a of [f.ip_src, f.ip_dst, ...(f.ip_layers ?? []).flatMap((l) => [l.src, l.dst])]) if (typeof a === 'string') seen.add(a);
    }
  }
  assert.ok(seen.size > 200, `only ${seen.size} addresses`);
  for (const text of seen) {
    const parsed = parseIp(text);
    assert.ok(parsed !== undefined, text);
    const [w0, w1, w2, w3] = parsed.words;
    assert.equal(formatIp(parsed.version, w0, w1, w2, w3), text);
  }
});
