/**
 * TlsHandshakeReader on hand-built streams: any cut of the pushes, handshake messages split over
 * records and several in one record, where reading stops (ChangeCipherSpec + encrypted Finished,
 * TLS 1.3 application data, HelloRetryRequest's plaintext second ClientHello), SSL 2.0 hellos,
 * not-TLS streams, bad records, oversized messages and gaps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ContentType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, MAX_HANDSHAKE_MESSAGE, TlsHandshakeReader, parseClientHello,
  type ClientHello,
} from './index.js';
import { ascii, clientHelloBody, concat, ext, handshake, records, serverHelloBody, sslv2ClientHello, u8s } from './wire.js';

interface Seen {
  reader: TlsHandshakeReader;
  messages: [number, string][];
  sslv2: ClientHello[];
}

function reader(): Seen {
  const seen: Seen = { reader: undefined as unknown as TlsHandshakeReader, messages: [], sslv2: [] };
  seen.reader = new TlsHandshakeReader({
    onMessage: (type, body) => { seen.messages.push([type, Buffer.from(body).toString('hex')]); },
    onSslv2ClientHello: (h) => { seen.sslv2.push(h); },
  });
  return seen;
}

/** Pushes `bytes` in pieces of the given sizes (the last piece takes the rest). */
function feed(bytes: Uint8Array, sizes: number[] = [bytes.length]): Seen {
  const s = reader();
  let at = 0;
  for (const n of sizes) {
    const len = Math.min(n, bytes.length - at);
    s.reader.push(bytes, at, len);
    at += len;
  }
  if (at < bytes.length) s.reader.push(bytes, at, bytes.length - at);
  return s;
}

const CH_BODY = clientHelloBody({
  ciphers: [0x0a0a, 0x1301, 0xc02f],
  extensions: [ext.sni('reader.example'), ext.alpn('h2'), ext.supportedVersions(0x0304, 0x0303), ext.raw(21, new Uint8Array(300))],
});
const CLIENT_HELLO = handshake(HandshakeType.CLIENT_HELLO, CH_BODY);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const APP_DATA = records(ContentType.APPLICATION_DATA, new Uint8Array(40).fill(0xee));
const CCS = records(ContentType.CHANGE_CIPHER_SPEC, u8s(1));

test('a ClientHello in one record, pushed whole and byte by byte', () => {
  const stream = records(ContentType.HANDSHAKE, CLIENT_HELLO, 0x0301);
  const whole = feed(stream);
  assert.deepEqual(whole.messages, [[1, hexOf(CH_BODY)]]);
  assert.equal(whole.reader.recordVersion, 0x0301);
  assert.equal(whole.reader.done, false);
  assert.equal(whole.reader.error, undefined);
  const bytewise = feed(stream, new Array<number>(stream.length).fill(1));
  assert.deepEqual(bytewise.messages, whole.messages);
  assert.equal(bytewise.reader.offset, stream.length);
  assert.equal(parseClientHello(Buffer.from(bytewise.messages[0]![1], 'hex')).serverName, 'reader.example');
});

test('a ClientHello split over many records and pushes at every cut point', () => {
  const stream = records(ContentType.HANDSHAKE, CLIENT_HELLO, 0x0301, 50); // 50-byte records
  for (let cut = 1; cut < stream.length; cut++) {
    const s = feed(stream, [cut]);
    assert.deepEqual(s.messages, [[1, hexOf(CH_BODY)]], `cut at ${cut}`);
  }
  // Records of one byte each: even the 4-byte message header is split.
  assert.deepEqual(feed(records(ContentType.HANDSHAKE, CLIENT_HELLO, 0x0303, 1), [7, 3, 100]).messages, [[1, hexOf(CH_BODY)]]);
});

test('several handshake messages in one record, then ChangeCipherSpec and an encrypted Finished', () => {
  const sh = serverHelloBody({ cipher: 0xc02f });
  const cert = new Uint8Array([0, 0, 0]);
  const flight = concat(handshake(2, sh), handshake(11, cert), handshake(14, new Uint8Array(0)));
  const finished = records(ContentType.HANDSHAKE, new Uint8Array(40).fill(0x5c));
  const stream = concat(records(ContentType.HANDSHAKE, flight), CCS, finished, APP_DATA);
  for (const sizes of [[stream.length], new Array<number>(stream.length).fill(1)]) {
    const s = feed(stream, sizes);
    assert.deepEqual(s.messages, [[2, hexOf(sh)], [11, '000000'], [14, '']]);
    assert.equal(s.reader.changeCipherSpec, true);
    assert.equal(s.reader.encrypted, true);
    assert.equal(s.reader.done, true);
    assert.equal(s.reader.error, undefined);
    assert.equal(s.reader.offset, stream.length);
  }
});

test('a message split across records with another message starting in the same record', () => {
  const a = handshake(2, serverHelloBody());
  const b = handshake(11, new Uint8Array(500).fill(3));
  const c = handshake(14, new Uint8Array(0));
  const s = feed(records(ContentType.HANDSHAKE, concat(a, b, c), 0x0303, 97));
  assert.deepEqual(s.messages.map(([t]) => t), [2, 11, 14]);
  assert.equal(s.messages[1]![1], hexOf(b.subarray(4)));
});

test('TLS 1.3 server: ServerHello, compatibility ChangeCipherSpec, then application data ends reading', () => {
  const stream = concat(records(ContentType.HANDSHAKE, handshake(2, serverHelloBody({ extensions: [ext.selectedVersion(0x0304)] }))),
    CCS, APP_DATA, records(ContentType.HANDSHAKE, handshake(2, serverHelloBody())));
  const s = feed(stream);
  assert.deepEqual(s.messages.map(([t]) => t), [2]);
  assert.equal(s.reader.done, true);
  assert.equal(s.reader.encrypted, true);
});

test('TLS 1.3 after HelloRetryRequest: the second ClientHello follows the ChangeCipherSpec in plaintext', () => {
  const ch2 = clientHelloBody({ extensions: [ext.supportedVersions(0x0304), ext.raw(51, new Uint8Array(36))] });
  const client = concat(records(ContentType.HANDSHAKE, CLIENT_HELLO, 0x0301), CCS, records(ContentType.HANDSHAKE, handshake(1, ch2)), APP_DATA);
  const c = feed(client);
  assert.deepEqual(c.messages, [[1, hexOf(CH_BODY)], [1, hexOf(ch2)]]);
  assert.equal(c.reader.done, true);

  const hrr = serverHelloBody({ random: HELLO_RETRY_REQUEST_RANDOM, extensions: [ext.selectedVersion(0x0304)] });
  const sh = serverHelloBody({ extensions: [ext.selectedVersion(0x0304)] });
  const server = concat(records(ContentType.HANDSHAKE, handshake(2, hrr)), CCS, records(ContentType.HANDSHAKE, handshake(2, sh)), APP_DATA);
  assert.deepEqual(feed(server, [3, 90, 1, 1, 1]).messages, [[2, hexOf(hrr)], [2, hexOf(sh)]]);
});

test('TLS 1.2 resumption: ClientHello, ChangeCipherSpec, encrypted Finished (not taken for a hello)', () => {
  // AES-GCM's explicit nonce often starts the Finished record with zeros; CBC/ChaCha20 with noise.
  for (const fin of [new Uint8Array(40), new Uint8Array(40).fill(0x01), Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff)]) {
    const s = feed(concat(records(ContentType.HANDSHAKE, CLIENT_HELLO), CCS, records(ContentType.HANDSHAKE, fin)));
    assert.deepEqual(s.messages.map(([t]) => t), [1]);
    assert.equal(s.reader.done, true);
    assert.equal(s.reader.encrypted, true);
  }
});

test('a stream that starts mid-connection with application data: done, but TLS', () => {
  const s = feed(concat(APP_DATA, records(ContentType.HANDSHAKE, CLIENT_HELLO)));
  assert.deepEqual(s.messages, []);
  assert.deepEqual([s.reader.done, s.reader.encrypted, s.reader.notTls, s.reader.error], [true, true, false, undefined]);
});

test('not TLS: HTTP, SSH, a bad version, and a first byte that decides alone', () => {
  for (const [text, why] of [
    ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', /content type 71/],
    ['SSH-2.0-OpenSSH_9.6\r\n', /content type 83/],
    ['\x16\x02\x00\x00\x10', /version major 2/],
    ['\x16\x03\x09\x00\x10', /beyond TLS 1\.3/],
    ['\x16\x03\x03\xff\xff', /length 65535 exceeds 18432/],
  ] as const) {
    const s = feed(ascii(text), [1, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(s.reader.notTls, true, text);
    assert.equal(s.reader.done, true);
    assert.match(s.reader.error!, /^not TLS at stream offset 0: /);
    assert.match(s.reader.error!, why);
  }
  const one = reader();
  one.reader.push(ascii('G'), 0, 1);
  assert.equal(one.reader.notTls, true, 'one byte is enough to rule TLS out');
  const short = reader();
  short.reader.push(u8s(0x16, 0x03), 0, 2);
  assert.deepEqual([short.reader.done, short.reader.notTls], [false, false]);
});

test('a bad record after good ones is an error at its stream offset, not "not TLS"', () => {
  const first = records(ContentType.HANDSHAKE, CLIENT_HELLO);
  const s = feed(concat(first, u8s(0x63, 3, 3, 0, 1, 0)));
  assert.deepEqual(s.messages.map(([t]) => t), [1]);
  assert.equal(s.reader.notTls, false);
  assert.equal(s.reader.done, true);
  assert.equal(s.reader.error, `record at stream offset ${first.length}: content type 99 is not a TLS record type`);
});

test('a handshake message over 64 KiB is skipped and counted; the next one is read', () => {
  const big = handshake(HandshakeType.CERTIFICATE, new Uint8Array(MAX_HANDSHAKE_MESSAGE + 1).fill(9));
  const done = handshake(HandshakeType.SERVER_HELLO_DONE, new Uint8Array(0));
  const sh = handshake(2, serverHelloBody());
  const stream = records(ContentType.HANDSHAKE, concat(sh, big, done));
  for (const sizes of [[stream.length], [1000, 7, 30000, 1, 1]]) {
    const s = feed(stream, sizes);
    assert.deepEqual(s.messages.map(([t]) => t), [2, 14]);
    assert.equal(s.reader.oversizedMessages, 1);
    assert.equal(s.reader.done, false);
    assert.equal(s.reader.error, `handshake message type 11 at stream offset ${5 + sh.length}: 65537 bytes exceeds the 65536-byte limit (skipped)`);
  }
  // Exactly the limit is fine.
  const max = handshake(HandshakeType.CERTIFICATE, new Uint8Array(MAX_HANDSHAKE_MESSAGE));
  assert.equal(feed(records(ContentType.HANDSHAKE, max)).messages.length, 1);
});

test('ChangeCipherSpec in the middle of a handshake message is an error', () => {
  // A handshake record carrying only the first 10 bytes of the ClientHello, then a CCS record.
  const head = concat(u8s(ContentType.HANDSHAKE, 3, 3, 0, 10), CLIENT_HELLO.subarray(0, 10));
  const s = feed(concat(head, CCS));
  assert.equal(s.reader.error, `record at stream offset ${head.length}: ChangeCipherSpec inside a handshake message`);
  assert.equal(s.reader.done, true);
  assert.deepEqual(s.messages, []);
});

test('alerts before ChangeCipherSpec are kept; heartbeat and empty records are skipped', () => {
  const alert = records(ContentType.ALERT, u8s(2, 40));
  const s = feed(concat(records(ContentType.HANDSHAKE, CLIENT_HELLO), records(24, u8s(1, 0, 0)), records(ContentType.HANDSHAKE, new Uint8Array(0)), alert));
  assert.deepEqual(s.reader.alert, { level: 2, description: 40, offset: 5 + CLIENT_HELLO.length + 8 + 5 });
  assert.deepEqual(s.messages.map(([t]) => t), [1]);
  assert.equal(s.reader.done, false);
});

test('SSL 2.0 CLIENT-HELLO offering TLS 1.0: reported, then TLS records are read', () => {
  const v2 = sslv2ClientHello(0x0301, [0x010080, 0x00002f]);
  const cke = handshake(HandshakeType.CLIENT_KEY_EXCHANGE, new Uint8Array(70).fill(4));
  const stream = concat(v2, records(ContentType.HANDSHAKE, cke, 0x0301), CCS, records(ContentType.HANDSHAKE, new Uint8Array(40)));
  for (const sizes of [[stream.length], new Array<number>(stream.length).fill(1)]) {
    const s = feed(stream, sizes);
    assert.equal(s.sslv2.length, 1);
    assert.deepEqual(s.sslv2[0]!.ciphers, [0x010080, 0x2f]);
    assert.equal(s.sslv2[0]!.legacyVersion, 0x0301);
    assert.deepEqual(s.messages.map(([t]) => t), [16]);
    assert.deepEqual([s.reader.sslv2, s.reader.recordVersion, s.reader.done, s.reader.encrypted], [true, 0x0002, true, true]);
  }
});

test('SSL 2.0 CLIENT-HELLO offering TLS, answered in SSL 2.0: CLIENT-MASTER-KEY ends reading quietly', () => {
  const s = feed(concat(sslv2ClientHello(0x0301, [0x010080]), u8s(0x80, 0x0a, 2, 1, 0, 0x80)));
  assert.equal(s.sslv2.length, 1);
  assert.deepEqual([s.reader.done, s.reader.encrypted, s.reader.error], [true, false, undefined]);
});

test('SSL 2.0-only client and SSL 2.0 server: hello reported, then done', () => {
  const s = feed(concat(sslv2ClientHello(0x0002, [0x0700c0]), u8s(0x80, 0x10, 2, 1, 2, 3)));
  assert.equal(s.sslv2.length, 1);
  assert.deepEqual([s.reader.done, s.reader.error], [true, undefined]);
  // SERVER-HELLO: msg_type 4, session_id_hit 0, certificate_type 1 (X.509), version 0x0002, …
  const server = feed(u8s(0x83, 0xb4, 4, 0, 1, 0, 2, 3, 0x87));
  assert.deepEqual([server.reader.sslv2, server.reader.done, server.reader.notTls, server.reader.error], [true, true, false, undefined]);
  assert.equal(server.reader.recordVersion, 2);
});

test('SSL 2.0-looking first bytes that are not a hello: not TLS; a broken SSL 2.0 hello: error', () => {
  const s = feed(u8s(0x80, 0x20, 7, 3, 1));
  assert.equal(s.reader.notTls, true);
  const v2 = sslv2ClientHello(0x0301, [0x2f]);
  v2[10] = 0x20; // challenge_length 16 → 32, past the record
  const t = feed(v2);
  assert.equal(t.reader.notTls, false);
  assert.match(t.reader.error!, /^SSL 2\.0 CLIENT-HELLO at stream offset 0: challenge at offset \d+: needs 32 bytes/);
});

test('a gap ends reading; pushes after the end are only counted', () => {
  const s = reader();
  const stream = records(ContentType.HANDSHAKE, CLIENT_HELLO);
  s.reader.push(stream, 0, 20);
  s.reader.gap(100);
  assert.equal(s.reader.error, 'gap of 100 bytes in the TCP stream at stream offset 20');
  assert.equal(s.reader.done, true);
  s.reader.push(stream, 20, stream.length - 20);
  s.reader.push(stream, 0, 0);
  assert.equal(s.reader.offset, stream.length + 100);
  assert.deepEqual(s.messages, []);
});

test('the body handed to onMessage is a view only valid during the call', () => {
  // Whole-in-record messages are views into the pushed bytes: no copy on the common path.
  const stream = records(ContentType.HANDSHAKE, CLIENT_HELLO);
  let body: Uint8Array | undefined;
  new TlsHandshakeReader({ onMessage: (_t, b) => { body = b; } }).push(stream, 0, stream.length);
  assert.equal(body!.buffer, stream.buffer);
});
