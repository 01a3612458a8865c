/**
 * fast-check properties. The body parsers are total up to TlsParseError: on arbitrary bytes and
 * on mutated valid hellos they return or throw TlsParseError, nothing else. The reader never
 * throws, keeps its counters consistent, and delivers the same messages however a stream is cut
 * into pushes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ContentType, TlsHandshakeReader, TlsParseError, describeCertificate, ja3, ja4, parseCertificateMessage, parseClientHello,
  parseServerHello, parseSslv2ClientHello,
} from './index.js';
import { clientHelloBody, concat, ext, handshake, records, serverHelloBody, sslv2ClientHello } from './wire.js';

const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 2000);

function onlyParseErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TlsParseError)) throw e;
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0, `offset ${e.offset}`);
    assert.ok(e.field.length > 0);
  }
}

const VALID_CH = clientHelloBody({
  sessionId: new Uint8Array(32).fill(1),
  ciphers: [0x1a1a, 0x1301, 0x1302, 0xc02b, 0xc02f],
  extensions: [ext.sni('prop.example'), ext.alpn('h2', 'http/1.1'), ext.groups(29, 23), ext.pointFormats(0), ext.sigAlgs(0x0403, 0x0804),
    ext.supportedVersions(0x0304, 0x0303), ext.raw(51, new Uint8Array(38)), ext.raw(41, new Uint8Array(12))],
});
const VALID_SH = serverHelloBody({ sessionId: new Uint8Array(32), extensions: [ext.selectedVersion(0x0304), ext.alpn('h2'), ext.raw(51, new Uint8Array(36))] });

/** A valid body with a few bytes overwritten (lengths are where the interesting bugs are). */
function mutated(valid: Uint8Array) {
  return fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
    const b = valid.slice();
    for (const [at, v] of edits) b[at] = v;
    return b;
  });
}

test('hello and certificate parsers on arbitrary bytes: result or TlsParseError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
    onlyParseErrors(() => parseClientHello(b));
    onlyParseErrors(() => parseServerHello(b));
    onlyParseErrors(() => parseSslv2ClientHello(b));
    onlyParseErrors(() => parseCertificateMessage(b, false));
    onlyParseErrors(() => parseCertificateMessage(b, true));
    onlyParseErrors(() => describeCertificate(b));
  }), { numRuns: NUM_RUNS });
});

test('mutated valid hellos: result (fingerprintable) or TlsParseError', () => {
  fc.assert(fc.property(mutated(VALID_CH), (b) => {
    onlyParseErrors(() => {
      const ch = parseClientHello(b);
      assert.match(ja4(ch, 't'), /^t..[di]\d{4}.._[0-9a-f]{12}_[0-9a-f]{12}$/);
      assert.match(ja3(ch).hash, /^[0-9a-f]{32}$/);
    });
  }), { numRuns: NUM_RUNS });
  fc.assert(fc.property(mutated(VALID_SH), (b) => onlyParseErrors(() => parseServerHello(b))), { numRuns: NUM_RUNS });
});

/** Splits `total` bytes into push sizes. */
const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 });

function run(stream: Uint8Array, sizes: number[]) {
  const messages: string[] = [];
  const r = new TlsHandshakeReader({
    onMessage: (t, b) => { messages.push(`${t}:${Buffer.from(b).toString('hex')}`); },
    onSslv2ClientHello: (h) => { messages.push(`v2:${h.legacyVersion}`); },
  });
  let at = 0;
  for (const n of sizes) {
    if (at >= stream.length) break;
    const len = Math.min(n, stream.length - at);
    r.push(stream, at, len);
    at += len;
  }
  if (at < stream.length) r.push(stream, at, stream.length - at);
  return { r, messages };
}

test('the reader never throws on arbitrary bytes and keeps its state consistent', () => {
  const prefix = fc.constantFrom(new Uint8Array(0), Uint8Array.of(22, 3, 1), Uint8Array.of(22, 3, 3, 0, 40), Uint8Array.of(0x80, 0x2e, 1, 3, 1),
    Uint8Array.of(0x80, 0x20, 4, 0, 1), Uint8Array.of(20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 10, 1, 0, 0));
  fc.assert(fc.property(prefix, fc.uint8Array({ maxLength: 400 }), cuts, (p, tail, sizes) => {
    const stream = concat(p, tail);
    const { r } = run(stream, sizes);
    assert.equal(r.offset, stream.length);
    if (r.notTls) assert.match(r.error!, /^not TLS at stream offset \d+: /);
    if (r.error !== undefined && r.oversizedMessages === 0) assert.equal(r.done, true);
    assert.ok(r.messages >= 0 && r.oversizedMessages >= 0);
  }), { numRuns: NUM_RUNS });
});

test('however a valid stream is cut into pushes, the same messages come out', () => {
  const flight = concat(handshake(2, VALID_SH), handshake(11, new Uint8Array(3000).fill(7)), handshake(14, new Uint8Array(0)));
  const streams = [
    records(ContentType.HANDSHAKE, handshake(1, VALID_CH), 0x0301, 64),
    concat(records(ContentType.HANDSHAKE, flight, 0x0303, 1000), records(ContentType.CHANGE_CIPHER_SPEC, Uint8Array.of(1)),
      records(ContentType.HANDSHAKE, new Uint8Array(40))),
    concat(sslv2ClientHello(0x0303, [0x2f, 0x35]), records(ContentType.HANDSHAKE, handshake(16, new Uint8Array(66)))),
  ];
  const expected = streams.map((s) => run(s, [s.length]).messages);
  assert.deepEqual(expected.map((m) => m.length), [1, 3, 2]);
  fc.assert(fc.property(fc.nat(streams.length - 1), cuts, (i, sizes) => {
    assert.deepEqual(run(streams[i]!, sizes).messages, expected[i]);
  }), { numRuns: NUM_RUNS });
});
