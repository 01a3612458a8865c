/**
 * ClientHello / ServerHello / SSL 2.0 CLIENT-HELLO parsing from hand-built bodies (src/dpi/tls/wire.ts):
 * every field, GREASE kept, empty lists, optional extension block, each malformed length, and a
 * valid hello cut at every length (TlsParseError or, at the one legal cut, a hello without
 * extensions).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  HELLO_RETRY_REQUEST_RANDOM, TlsParseError, isGrease, parseClientHello, parseServerHello, parseSslv2ClientHello,
} from './index.js';
import { ascii, clientHelloBody, concat, ext, serverHelloBody, sslv2ClientHello, u16s, u8s, vec } from './wire.js';

const FULL = {
  sessionId: new Uint8Array(32).fill(7),
  ciphers: [0x3a3a, 0x1301, 0x1302, 0xc02b],
  compression: [0],
  extensions: [
    ext.raw(0x4a4a),
    ext.sni('example.com'),
    ext.raw(23),
    ext.alpn('h2', 'http/1.1'),
    ext.groups(0x5a5a, 29, 23, 24),
    ext.pointFormats(0),
    ext.sigAlgsCert(0x0201),
    ext.sigAlgs(0x0403, 0x0804, 0x0401),
    ext.supportedVersions(0x6a6a, 0x0304, 0x0303),
    ext.raw(21, new Uint8Array(10)),
  ],
};

test('a full ClientHello: every field, GREASE kept in wire order', () => {
  assert.deepEqual(parseClientHello(clientHelloBody(FULL)), {
    legacyVersion: 0x0303,
    sessionIdLength: 32,
    sessionId: '07'.repeat(32),
    ciphers: [0x3a3a, 0x1301, 0x1302, 0xc02b],
    compressionMethods: [0],
    extensions: [0x4a4a, 0, 23, 16, 10, 11, 50, 13, 43, 21],
    serverName: 'example.com',
    alpn: ['h2', 'http/1.1'],
    supportedVersions: [0x6a6a, 0x0304, 0x0303],
    supportedGroups: [0x5a5a, 29, 23, 24],
    ecPointFormats: [0],
    signatureAlgorithms: [0x0403, 0x0804, 0x0401], // not signature_algorithms_cert's 0x0201
    sslv2: false,
  });
});

test('an SSLv3-style ClientHello without an extensions block; empty cipher and compression lists', () => {
  const ch = parseClientHello(clientHelloBody({ version: 0x0300, ciphers: [], compression: [] }));
  assert.equal(ch.legacyVersion, 0x0300);
  assert.deepEqual([ch.ciphers, ch.compressionMethods, ch.extensions, ch.alpn], [[], [], [], []]);
  assert.equal(ch.serverName, undefined);
  // An empty extensions block is not the same as none, but parses to the same.
  assert.deepEqual(parseClientHello(clientHelloBody({ extensions: [] })).extensions, []);
});

test('SNI: first host_name wins, other name types skipped, empty extension tolerated, bytes as UTF-8', () => {
  const other = concat(u8s(7), vec(2, ascii('ignored')));
  const host = (s: string) => concat(u8s(0), vec(2, ascii(s)));
  const sni = (data: Uint8Array) => parseClientHello(clientHelloBody({ extensions: [[0, data]] }));
  assert.equal(sni(vec(2, concat(other, host('a.example'), host('b.example')))).serverName, 'a.example');
  const empty = sni(new Uint8Array(0));
  assert.equal(empty.serverName, undefined);
  assert.deepEqual(empty.extensions, [0]);
  assert.equal(sni(vec(2, concat(u8s(0), vec(2, Uint8Array.from([0x78, 0xff]))))).serverName, 'x\ufffd');
});

test('ALPN values keep one char per byte, so JA4 can see the raw bytes', () => {
  const ch = parseClientHello(clientHelloBody({ extensions: [[16, vec(2, concat(vec(1, u8s(0xab, 0xcd)), vec(1, new Uint8Array(0))))]] }));
  assert.deepEqual(ch.alpn, ['\xab\xcd', '']);
});

test('a duplicated extension is listed twice, parsed once (the first)', () => {
  const ch = parseClientHello(clientHelloBody({ extensions: [ext.sni('first.example'), ext.sni('second.example')] }));
  assert.deepEqual(ch.extensions, [0, 0]);
  assert.equal(ch.serverName, 'first.example');
});

test('ClientHello cut at every length: TlsParseError, except the cut right before the extensions', () => {
  const body = clientHelloBody(FULL);
  const noExt = clientHelloBody({ ...FULL, extensions: undefined }).length;
  for (let n = 0; n < body.length; n++) {
    const cut = body.subarray(0, n);
    if (n === noExt) {
      assert.deepEqual(parseClientHello(cut).extensions, []);
      continue;
    }
    assert.throws(() => parseClientHello(cut), TlsParseError, `cut at ${n}`);
  }
});

function parseError(f: () => unknown): TlsParseError {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsParseError) return e;
    throw e;
  }
  assert.fail('no TlsParseError');
}

test('malformed ClientHellos name the field and its offset', () => {
  const odd = concat(u16s(0x0303), new Uint8Array(32), u8s(0), vec(2, u8s(0x13, 0x01, 0x13)), vec(1, u8s(0)));
  let e = parseError(() => parseClientHello(odd));
  assert.equal(e.field, 'cipher_suites');
  assert.equal(e.offset, 35);
  assert.match(e.message, /odd length 3/);

  e = parseError(() => parseClientHello(clientHelloBody({ sessionId: new Uint8Array(33) })));
  assert.deepEqual([e.field, e.offset], ['legacy_session_id', 34]);

  // ALPN protocol length running past its list.
  const alpn = parseClientHello.bind(null, clientHelloBody({ extensions: [[16, vec(2, u8s(5, 0x68, 0x32))]] }));
  e = parseError(alpn);
  assert.equal(e.field, 'extension 16 (alpn)');

  // Bytes after the extensions block.
  e = parseError(() => parseClientHello(concat(clientHelloBody({ extensions: [] }), u8s(0))));
  assert.equal(e.field, 'handshake body after extensions');

  // Extension data longer than the block.
  const body = clientHelloBody({ extensions: [ext.raw(23, new Uint8Array(4))] });
  body[body.length - 5] = 9; // extension_data length 4 → 9
  e = parseError(() => parseClientHello(body));
  assert.equal(e.field, 'extension 23');

  for (const bad of [[43, u8s(3, 3, 4, 3)], [10, u8s(0, 1, 0)], [13, u8s(0, 2, 4, 3, 0)], [11, u8s(2, 0)]] as const) {
    e = parseError(() => parseClientHello(clientHelloBody({ extensions: [[bad[0], bad[1]]] })));
    assert.match(e.field, new RegExp(`^extension ${bad[0]} `));
  }
});

test('ServerHello: version, cipher, extensions, selected version, ALPN', () => {
  const sh = parseServerHello(serverHelloBody({
    sessionId: new Uint8Array(32), cipher: 0x1302, extensions: [ext.selectedVersion(0x0304), ext.raw(51, new Uint8Array(36)), ext.alpn('h2')],
  }));
  assert.deepEqual(sh, {
    legacyVersion: 0x0303, sessionId: '00'.repeat(32), cipher: 0x1302, compressionMethod: 0, extensions: [43, 51, 16],
    selectedVersion: 0x0304, alpn: 'h2',
    isHelloRetryRequest: false,
  });
  const old = parseServerHello(serverHelloBody({ version: 0x0301, cipher: 0x0005 }));
  assert.deepEqual(old, { legacyVersion: 0x0301, sessionId: '', cipher: 5, compressionMethod: 0, extensions: [], isHelloRetryRequest: false });
});

test('HelloRetryRequest is recognised by its random', () => {
  assert.deepEqual(HELLO_RETRY_REQUEST_RANDOM, new Uint8Array(createHash('sha256').update('HelloRetryRequest').digest()));
  const hrr = parseServerHello(serverHelloBody({ random: HELLO_RETRY_REQUEST_RANDOM, extensions: [ext.selectedVersion(0x0304)] }));
  assert.equal(hrr.isHelloRetryRequest, true);
  assert.equal(hrr.selectedVersion, 0x0304);
});

test('ServerHello ALPN must name exactly one protocol; supported_versions exactly one version', () => {
  assert.equal(parseError(() => parseServerHello(serverHelloBody({ extensions: [ext.alpn('h2', 'http/1.1')] }))).field, 'extension 16 (alpn)');
  assert.equal(parseError(() => parseServerHello(serverHelloBody({ extensions: [ext.supportedVersions(0x0304)] }))).field,
    'extension 43 (supported_versions)');
});

test('ServerHello cut at every length: TlsParseError, except before the extensions', () => {
  const body = serverHelloBody({ extensions: [ext.selectedVersion(0x0304), ext.alpn('h2')] });
  const noExt = serverHelloBody({}).length;
  for (let n = 0; n < body.length; n++) {
    if (n === noExt) { parseServerHello(body.subarray(0, n)); continue; }
    assert.throws(() => parseServerHello(body.subarray(0, n)), TlsParseError, `cut at ${n}`);
  }
});

test('SSL 2.0 CLIENT-HELLO: version, 3-byte cipher specs, no extensions', () => {
  const rec = sslv2ClientHello(0x0301, [0x0700c0, 0x000039, 0x00002f]);
  const ch = parseSslv2ClientHello(rec.subarray(2));
  assert.deepEqual(ch, {
    legacyVersion: 0x0301, sessionIdLength: 0, ciphers: [0x0700c0, 0x39, 0x2f], compressionMethods: [], extensions: [], alpn: [],
    supportedVersions: [], supportedGroups: [], ecPointFormats: [], signatureAlgorithms: [], sslv2: true,
  });
  for (let n = 0; n < rec.length - 2; n++) {
    assert.throws(() => parseSslv2ClientHello(rec.subarray(2, 2 + n)), TlsParseError, `cut at ${n}`);
  }
  const badLen = rec.slice(2);
  badLen[4] = 4; // cipher_specs_length 9 → 4
  assert.equal(parseError(() => parseSslv2ClientHello(badLen)).field, 'cipher_specs_length');
});

test('isGrease knows exactly the 16 RFC 8701 values', () => {
  const grease: number[] = [];
  for (let v = 0; v <= 0xffff; v++) if (isGrease(v)) grease.push(v);
  assert.deepEqual(grease, Array.from({ length: 16 }, (_, i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a));
});
