/**
 * JA3, JA3S and JA4. Real hellos (bytes from the corpus, fingerprints from tshark 4.0 and the
 * corpus's JA4 script) pin the common case; the edge cases — GREASE everywhere, empty lists,
 * counts over 99, the ALPN hex rule, no signature algorithms — carry expected values computed by
 * the corpus's independent Python JA4 (tools/make_truth.py `ja4()`) from the same inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hex } from '../../../test/support/hex.js';
import { ja3, ja3s, ja4, parseClientHello, parseServerHello, type ClientHello } from './index.js';

/** tls-grease.pcap frame 1: Chrome's ClientHello with GREASE in ciphers, extensions, groups and versions. */
const GREASE_CLIENT_HELLO = hex(`
  03036edb9b6bb8c4a8e6bb2c83e0ee748208d63587ad9f30e9671c02a256eb611fbd20c792d73bb81e82d01497121d1a
  57964ac2d47be2bff767bf02eac0c0a12f9e4600207a7a130113021303c02bc02fc02cc030cca9cca8c013c014009c00
  9d002f0035010001935a5a00000000001500130000107365637572652e61646e78732e636f6d00170000ff0100010000
  0a000a00082a2a001d00170018000b00020100002300c063c4fdf57651cc91bc4d3ff1461381a3b5cb7cb04e6160d00d
  0db41cef5308860d4614ccde3969586c713781ab3948c1b4a69e75587d8de91f594167e51ee2bf199269a677d11f2cb0
  10bdd6a8a65899aa03e9860b3331fde68e5bfa1c5f769610bff947b5bcb2abf827c3608ba572c4452804a01a82d8a0fd
  6f82db944189699116718101e43a8d0baf6d70b804b5de8707488af985ef0dfaf07c59617f4bbb44e191d75cc7939a43
  b800e84e0a5136025cae537c4355a93ac12ac676a3f09b0010000e000c02683208687474702f312e3100050005010000
  0000000d0012001004030804040105030805050108060601001200000033002b00292a2a000100001d0020227b47a4ee
  2c3c8715b43ce55e45c8608f8840a7690c73d052ffe9ce347cfc6b002d00020101002b000b0afafa0304030303020301
  001b0003020002fafa0001000015000c000000000000000000000000
`);

/** tls-13.pcap frame 4: a TLS 1.3 ServerHello (key_share, supported_versions). */
const TLS13_SERVER_HELLO = hex(`
  0303708825b251ebbad9750fb8e51777f979f6f848f38c531c8f06ee8d68988f8bad2097aaf291ca354e6736f160664e
  7b4a325054d0f0449903f6c34f4bf6505f9b17130100002e00330024001d00201d480256305da5bbefc84c2d1a815f51
  cf4bf9fcbc45678a2e2e3b015a8c1a2d002b00020304
`);

test('JA3 and JA4 of a GREASEd Chrome ClientHello match tshark', () => {
  const ch = parseClientHello(GREASE_CLIENT_HELLO);
  assert.deepEqual(ja3(ch), {
    full: '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,'
      + '0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0',
    hash: 'b32309a26951912be7dba376398abc3b',
  });
  assert.equal(ja4(ch, 't'), 't13d1515h2_8daaf6152771_de4a06bb82e3');
  // GREASE stays in the parsed lists; only the fingerprints drop it.
  assert.ok(ch.ciphers.includes(0x7a7a) && ch.extensions.includes(0x5a5a) && ch.supportedGroups.includes(0x2a2a));
});

test('JA3S of a TLS 1.3 ServerHello matches tshark', () => {
  assert.deepEqual(ja3s(parseServerHello(TLS13_SERVER_HELLO)), { full: '771,4865,51-43', hash: 'eb1d94daa7e0344597e756a1fb6e7054' });
});

function hello(p: Partial<ClientHello>): ClientHello {
  return {
    legacyVersion: 0x0303, sessionIdLength: 0, ciphers: [], compressionMethods: [0], extensions: [], alpn: [],
    supportedVersions: [], supportedGroups: [], ecPointFormats: [], signatureAlgorithms: [], sslv2: false, ...p,
  };
}

test('JA3 drops GREASE from every list and keeps empty fields', () => {
  const ch = hello({
    legacyVersion: 0x0301, ciphers: [0x0a0a, 0x002f, 0xfafa], extensions: [0x1a1a, 10, 11],
    supportedGroups: [0x2a2a, 29], ecPointFormats: [0],
  });
  assert.equal(ja3(ch).full, '769,47,10-11,29,0');
  assert.equal(ja3(hello({})).full, '771,,,,');
  assert.equal(ja3(hello({})).hash, 'bddda940f9963577c41d7c28b1a5f65f'); // md5sum of the string
  assert.equal(ja3s({ legacyVersion: 0x0303, cipher: 0xc02f, compressionMethod: 0, extensions: [0xff01, 0x0a0a, 11], isHelloRetryRequest: false }).full,
    '771,49199,65281-11');
});

// Expected values: make_truth.py's ja4(proto, legacy, supported_versions, ciphers, extensions, sigalgs, alpn).
const JA4_CASES: [string, Partial<ClientHello>, 't' | 'q' | 'd', string][] = [
  ['GREASE in versions, ciphers and extensions', {
    supportedVersions: [0x0a0a, 0x0304, 0x0303], ciphers: [0x1301, 0x0a0a, 0xc02f, 0x1302],
    extensions: [0x0a0a, 0, 16, 10, 13, 43, 0x1a1a, 51], signatureAlgorithms: [0x0403, 0x0804, 0x0401], alpn: ['h2', 'http/1.1'],
  }, 't', 't13d0306h2_40b44b994229_5d4d534e3685'],
  ['nothing at all, SSL 3.0', { legacyVersion: 0x0300, compressionMethods: [] }, 't', 'ts3i000000_000000000000_000000000000'],
  ['non-alphanumeric ALPN bytes: hex rule', { ciphers: [0x002f], extensions: [16], alpn: ['\xab\xcd'] }, 't', 't12i0101ad_ba72b8082249_000000000000'],
  ['one-character ALPN, QUIC', { supportedVersions: [0x0304], ciphers: [0x1301], extensions: [0, 16, 57], signatureAlgorithms: [0x0403], alpn: ['h'] },
    'q', 'q13d0103hh_0f2cb44170f4_e2d32982b056'],
  ['ALPN ending in a non-alphanumeric', { ciphers: [0x002f], extensions: [16], alpn: ['h2/'] }, 't', 't12i01016f_ba72b8082249_000000000000'],
  ['counts capped at 99', {
    legacyVersion: 0x0302, ciphers: Array.from({ length: 100 }, (_, i) => i + 1), extensions: Array.from({ length: 101 }, (_, i) => i + 100),
  }, 't', 't11i999900_23fcf16c6918_3022eb0296b8'],
  ['only GREASE in supported_versions: legacy version, DTLS', { supportedVersions: [0x2a2a], ciphers: [0xc02f], extensions: [43] },
    'd', 'd12i010100_f06271c2b022_b9a491fefe05'],
  ['only SNI and ALPN besides signature algorithms (GREASE kept in those)', {
    ciphers: [0xc02f], extensions: [0, 16, 13], signatureAlgorithms: [0x0403, 0x0a0a], alpn: ['http/1.1'],
  }, 't', 't12d0103h1_f06271c2b022_25ab28410425'],
  ['no signature algorithms: no trailing underscore, empty hash', { ciphers: [0xc02f], extensions: [0, 16], alpn: ['http/1.1'] },
    't', 't12d0102h1_f06271c2b022_000000000000'],
  ['unknown version (TLS 1.3 draft), empty first ALPN', { legacyVersion: 0x7f1c, ciphers: [0xc02f], alpn: [''] },
    't', 't00i010000_f06271c2b022_000000000000'],
];

for (const [name, p, transport, want] of JA4_CASES) {
  test(`JA4: ${name}`, () => assert.equal(ja4(hello(p), transport), want));
}

test('JA4 does not reorder the hello it reads', () => {
  const ch = hello({ ciphers: [0xc02f, 0x1301], extensions: [16, 0, 10] });
  ja4(ch, 't');
  assert.deepEqual(ch.ciphers, [0xc02f, 0x1301]);
  assert.deepEqual(ch.extensions, [16, 0, 10]);
});
