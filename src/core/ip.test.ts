import { test } from 'node:test';
import assert from 'node:assert/strict';
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
