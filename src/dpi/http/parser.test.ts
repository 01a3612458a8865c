/**
 * HttpConnectionParser on hand-written conversations: every message kind, fed whole and byte by
 * byte (the result must not depend on how the bytes were split).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpConnectionParser, type HttpParserOptions, type HttpTransaction, type HttpTunnel } from './index.js';

const enc = new TextEncoder();

/** One step of a conversation: who sends what, when. `gap` skips that many bytes of the side. */
type Step = { c: string } | { s: string } | { gap: 'client' | 'server'; n: number };

interface Run {
  tx: HttpTransaction[];
  parser: HttpConnectionParser;
  tunnels: HttpTunnel[];
}

/** Plays the steps (each split into pieces of `split` bytes, 0 = whole), then ends the connection. */
function play(steps: Step[], split = 0, options: HttpParserOptions = {}, end = true): Run {
  const tx: HttpTransaction[] = [];
  const tunnels: HttpTunnel[] = [];
  const parser = new HttpConnectionParser((t) => tx.push(t), { ...options, onTunnel: (t) => tunnels.push(t) });
  let now = 1000;
  for (const step of steps) {
    now += 10;
    if ('gap' in step) {
      parser.gap(step.gap, step.n);
      continue;
    }
    const client = 'c' in step;
    const bytes = enc.encode(client ? step.c : step.s);
    // Put the data inside a bigger buffer: the parser must respect offset and length.
    const buf = new Uint8Array(bytes.length + 8).fill(0x41);
    buf.set(bytes, 4);
    const piece = split > 0 ? split : bytes.length;
    for (let i = 0; i < bytes.length; i += piece) {
      const n = Math.min(piece, bytes.length - i);
      if (client) parser.clientData(buf, 4 + i, n, now);
      else parser.serverData(buf, 4 + i, n, now);
    }
  }
  if (end) parser.end(now + 10);
  return { tx, parser, tunnels };
}

/** Runs whole, byte by byte and in 7-byte pieces; all three must agree (apart from times). */
function playAll(steps: Step[], options: HttpParserOptions = {}): Run {
  const whole = play(steps, 0, options);
  const strip = (r: Run): unknown[] => r.tx.map((t) => ({ ...t, requestStartNs: 0, requestEndNs: 0, responseStartNs: 0, responseEndNs: 0 }));
  for (const split of [1, 7]) {
    const r = play(steps, split, options);
    assert.deepEqual(strip(r), strip(whole), `split ${split}`);
    assert.equal(r.parser.notHttp, whole.parser.notHttp);
    assert.deepEqual(r.tunnels, whole.tunnels);
  }
  return whole;
}

test('GET with keep-alive: fields, Content-Length body, times', () => {
  const { tx, parser } = playAll([
    { c: 'GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nReferer: http://a/\r\nAccept: */*\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello' },
    { c: 'GET /b HTTP/1.1\r\nhost: example.com\r\n\r\n' },
    { s: 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n' },
  ]);
  assert.equal(tx.length, 2);
  assert.deepEqual(tx[0], {
    method: 'GET', uri: '/index.html?q=1', version: '1.1', host: 'example.com', userAgent: 'curl/8.0', referrer: 'http://a/',
    requestBodyBytes: 0, responseBodyBytes: 5, statusCode: 200, reasonPhrase: 'OK', responseVersion: '1.1',
    responseMimeType: 'text/html', requestStartNs: 1010, requestEndNs: 1010, responseStartNs: 1020, responseEndNs: 1020, interim: [],
  });
  assert.equal(tx[1]!.uri, '/b');
  assert.equal(tx[1]!.statusCode, 404);
  assert.equal(tx[1]!.incomplete, undefined);
  assert.equal(parser.error, undefined);
  assert.equal(parser.bufferedBytes, 0);
});

test('transactions are reported as soon as the response completes, before the connection ends', () => {
  const { tx } = play([
    { c: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  ], 0, {}, false);
  assert.equal(tx.length, 1);
  assert.equal(tx[0]!.responseBodyBytes, 2);
});

test('pipelining: three requests before any response, answered in order', () => {
  const { tx } = playAll([
    { c: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nPOST /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA' },
    { s: 'HTTP/1.1 301 Moved\r\nContent-Length: 2\r\n\r\nBB' },
    { s: 'HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nCCC' },
  ]);
  assert.deepEqual(tx.map((t) => [t.method, t.uri, t.statusCode, t.requestBodyBytes, t.responseBodyBytes]), [
    ['GET', '/1', 200, 0, 1],
    ['GET', '/2', 301, 0, 2],
    ['POST', '/3', 201, 3, 3],
  ]);
  assert.ok(tx.every((t) => t.incomplete === undefined));
});

test('chunked bodies: extensions, trailers, uppercase hex; payload bytes only', () => {
  const { tx, parser } = playAll([
    { c: 'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n' +
        '4;name=value;x="q"\r\nabcd\r\nA \r\n0123456789\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n' },
    { c: 'GET /next HTTP/1.1\r\nHost: h\r\n\r\n' },
    { s: 'HTTP/1.1 204 No Content\r\n\r\n' },
  ]);
  assert.equal(tx.length, 2);
  assert.equal(tx[0]!.requestBodyBytes, 14);
  assert.equal(tx[0]!.contentType, 'application/json');
  assert.equal(tx[0]!.responseBodyBytes, 1);
  assert.equal(tx[1]!.uri, '/next');
  assert.equal(tx[1]!.statusCode, 204);
  assert.equal(parser.error, undefined);
});

test('100-continue: interim status, then the body, then the final response', () => {
  const { tx } = playAll([
    { c: 'POST /form HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n' },
    { s: 'HTTP/1.1 100 Continue\r\n\r\n' },
    { c: 'abcdef' },
    { s: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  ]);
  assert.equal(tx.length, 1);
  assert.deepEqual(tx[0]!.interim, [100, 103]);
  assert.equal(tx[0]!.statusCode, 200);
  assert.equal(tx[0]!.requestBodyBytes, 6);
  assert.equal(tx[0]!.responseStartNs, 1020);
  assert.equal(tx[0]!.requestEndNs, 1030);
  assert.equal(tx[0]!.incomplete, undefined);
});

test('CONNECT 200: tunnel offsets, held client bytes, nothing parsed after', () => {
  const req = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nUser-Agent: x\r\n\r\n';
  const resp = 'HTTP/1.1 200 Connection established\r\n\r\n';
  const { tx, parser, tunnels } = playAll([
    { c: req },
    { c: '\x16\x03\x01\x00\x05hello' }, // the ClientHello sent without waiting
    { s: resp + '\x16\x03\x03server' },
    { c: 'GET / HTTP/1.1\r\n\r\n' },
    { s: 'HTTP/1.1 500 no\r\n\r\n' },
  ]);
  assert.equal(tx.length, 1);
  assert.equal(tx[0]!.method, 'CONNECT');
  assert.equal(tx[0]!.uri, 'example.com:443');
  assert.equal(tx[0]!.host, 'example.com:443');
  assert.equal(tx[0]!.statusCode, 200);
  assert.equal(tx[0]!.incomplete, undefined);
  assert.equal(tunnels.length, 1);
  assert.equal(tunnels[0]!.kind, 'connect');
  assert.equal(tunnels[0]!.clientOffset, req.length);
  assert.equal(tunnels[0]!.serverOffset, resp.length);
  assert.deepEqual([...tunnels[0]!.clientHeld], [...enc.encode('\x16\x03\x01\x00\x05hello')]);
  assert.deepEqual(parser.tunnel, tunnels[0]);
  assert.ok(parser.stopped);
});

test('CONNECT refused: what the client sent meanwhile is parsed as HTTP again', () => {
  const { tx, parser } = playAll([
    { c: 'CONNECT h:443 HTTP/1.1\r\n\r\nGET http://h/x HTTP/1.1\r\n\r\n' },
    { s: 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nno!' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ]);
  assert.equal(parser.tunnel, undefined);
  assert.deepEqual(tx.map((t) => [t.method, t.uri, t.host, t.statusCode]), [
    ['CONNECT', 'h:443', undefined, 407],
    ['GET', 'http://h/x', 'h', 200],
  ]);
});

test('101 Switching Protocols: tunnel of kind upgrade with the protocol', () => {
  const req = 'GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const resp = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const { tx, tunnels } = playAll([{ c: req }, { s: resp + '\x81\x05hello' }, { c: '\x81\x85xxxx' }]);
  assert.equal(tx.length, 1);
  assert.equal(tx[0]!.statusCode, 101);
  assert.deepEqual(tx[0]!.interim, []);
  assert.deepEqual(tunnels.map((t) => [t.kind, t.protocol, t.clientOffset, t.serverOffset]), [['upgrade', 'websocket', req.length, resp.length]]);
});

test('HEAD, 204 and 304 responses have no body even with Content-Length', () => {
  const { tx } = playAll([
    { c: 'HEAD /big HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\nIf-None-Match: "x"\r\n\r\nDELETE /d HTTP/1.1\r\nHost: h\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: video/mp4\r\n\r\n' },
    { s: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n' },
    { s: 'HTTP/1.1 204 No Content\r\n\r\n' },
  ]);
  assert.deepEqual(tx.map((t) => [t.method, t.statusCode, t.responseBodyBytes, t.responseMimeType, t.incomplete]), [
    ['HEAD', 200, 0, 'video/mp4', undefined],
    ['GET', 304, 0, undefined, undefined],
    ['DELETE', 204, 0, undefined, undefined],
  ]);
});

test('response without length is read to the connection end', () => {
  const { tx } = playAll([
    { c: 'GET / HTTP/1.0\r\n\r\n' },
    { s: 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n' },
    { s: 'part one, ' },
    { s: 'part two' },
  ]);
  assert.equal(tx.length, 1);
  assert.equal(tx[0]!.version, '1.0');
  assert.equal(tx[0]!.responseBodyBytes, 18);
  assert.equal(tx[0]!.responseEndNs, 1050);
  assert.equal(tx[0]!.incomplete, undefined);
});

test('HTTP/0.9: a request line without version, the document to the connection end', () => {
  const { tx } = playAll([{ c: 'GET /zeek.html\n' }, { s: '<html>\n  Zeek\n</html>\n' }]);
  assert.deepEqual(tx.map((t) => [t.method, t.uri, t.version, t.statusCode, t.responseBodyBytes, t.incomplete]), [
    ['GET', '/zeek.html', '0.9', undefined, 22, undefined],
  ]);
  // With the answer still to come, the lone request is 0.9 too.
  const lone = playAll([{ c: 'GET /x\r\n' }]);
  assert.deepEqual(lone.tx.map((t) => [t.version, t.incomplete]), [['0.9', 'no_response']]);
  // Server replying with a status line to a versionless request: parsed as such.
  const full = playAll([{ c: 'GET /x\r\n' }, { s: 'HTTP/1.0 400 Bad Request\r\nContent-Length: 2\r\n\r\nno' }]);
  assert.deepEqual(full.tx.map((t) => [t.version, t.statusCode, t.responseBodyBytes]), [['0.9', 400, 2]]);
});

test('a request line without version answered by a bare document is HTTP/0.9, whatever followed it', () => {
  const { tx, parser } = playAll([{ c: 'GET /\r\n\r\n' }, { s: '<!DOCTYPE HTML>\n<html></html>\n' }]);
  assert.deepEqual(tx.map((t) => [t.uri, t.version, t.statusCode, t.responseBodyBytes, t.incomplete]), [['/', '0.9', undefined, 30, undefined]]);
  assert.equal(parser.error, undefined);
  const fields = playAll([{ c: 'GET /x\r\nHost: h\r\n\r\n' }, { s: 'plain text' }]);
  assert.deepEqual(fields.tx.map((t) => [t.version, t.host, t.responseBodyBytes, t.incomplete]), [['0.9', 'h', 10, undefined]]);
});

test('a request line without version followed by fields is a malformed HTTP/1.x request', () => {
  const { tx } = playAll([
    { c: 'OPTIONS HTTP/1.1\r\nHost: www.google.com\r\n\r\n' },
    { s: 'HTTP/1.0 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad' },
  ]);
  assert.equal(tx.length, 1);
  assert.deepEqual([tx[0]!.method, tx[0]!.uri, tx[0]!.version, tx[0]!.host, tx[0]!.statusCode], ['OPTIONS', 'HTTP/1.1', '', 'www.google.com', 400]);
  assert.match(tx[0]!.error ?? '', /without HTTP version at client offset 18/);
});

test('malformed version is kept as sent and flagged', () => {
  const { tx } = playAll([{ c: 'GET / HTTP/1.\r\nHost: h\r\n\r\n' }, { s: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }]);
  assert.equal(tx[0]!.version, '1.');
  assert.match(tx[0]!.error ?? '', /bad HTTP version "HTTP\/1\." at client offset 0/);
});

test('absolute-form target gives the host when there is no Host field; obs-fold and odd case are accepted', () => {
  const { tx } = playAll([
    { c: 'GET http://user:pw@proxy.example:8080/a?b HTTP/1.1\r\nuSeR-aGeNt: first\r\n  second\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nCONTENT-LENGTH:\r\n 4\r\n\r\nbody' },
  ]);
  assert.equal(tx[0]!.host, 'proxy.example:8080');
  assert.equal(tx[0]!.userAgent, 'first second');
  assert.equal(tx[0]!.responseBodyBytes, 4);
  assert.equal(tx[0]!.incomplete, undefined);
});

test('header limits: flagged, skimmed to the end of the head, framing still honoured, buffer bounded', () => {
  const limits = { maxHeaderBytes: 1024, maxHeaderLines: 10 };
  const many = Array.from({ length: 30 }, (_, i) => `X-${i}: ${'v'.repeat(20)}\r\n`).join('');
  const big = `X-Big: ${'b'.repeat(5000)}\r\n`;
  let maxBuffered = 0;
  const tx: HttpTransaction[] = [];
  const p = new HttpConnectionParser((t) => tx.push(t), { limits });
  const feed = (client: boolean, s: string): void => {
    const b = enc.encode(s);
    for (let i = 0; i < b.length; i++) {
      if (client) p.clientData(b, i, 1, 1);
      else p.serverData(b, i, 1, 1);
      maxBuffered = Math.max(maxBuffered, p.bufferedBytes);
    }
  };
  feed(true, `POST /a HTTP/1.1\r\nHost: h\r\n${many}Content-Length: 3\r\n\r\nabc`);
  feed(true, `GET /b HTTP/1.1\r\n${big}User-Agent: late\r\n\r\n`);
  feed(true, 'GET /c HTTP/1.1\r\nHost: ok\r\n\r\n');
  feed(false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'.repeat(3));
  p.end(2);
  assert.ok(maxBuffered <= limits.maxHeaderBytes, `buffered ${maxBuffered}`);
  assert.deepEqual(tx.map((t) => [t.uri, t.host, t.userAgent, t.requestBodyBytes, t.statusCode]), [
    ['/a', 'h', undefined, 3, 200],
    ['/b', undefined, undefined, 0, 200],
    ['/c', 'ok', undefined, 0, 200],
  ]);
  assert.match(tx[0]!.error ?? '', /request: header section over 10 lines at client offset \d+/);
  assert.match(tx[1]!.error ?? '', /request: header section over 1024 bytes at client offset \d+/);
  assert.equal(tx[2]!.error, undefined);
});

test('a head that never ends holds no more than the limit', () => {
  const p = new HttpConnectionParser(() => {}, { limits: { maxHeaderBytes: 4096 } });
  const line = enc.encode('GET / HTTP/1.1\r\n');
  p.clientData(line, 0, line.length, 1);
  const junk = new Uint8Array(100_000).fill(0x61);
  for (let i = 0; i < 20; i++) p.clientData(junk, 0, junk.length, 1);
  assert.ok(p.bufferedBytes <= 4096);
  const huge = enc.encode(`GET /${'a'.repeat(200_000)}`);
  const q = new HttpConnectionParser(() => {}, { limits: { maxHeaderBytes: 4096 } });
  q.clientData(huge, 0, huge.length, 1);
  assert.ok(q.bufferedBytes <= 4096);
  // The first request line never ends within the limit: not HTTP.
  assert.equal(q.notHttp, true);
});

test('not HTTP: decided on the first bytes', () => {
  for (const first of ['\x16\x03\x01\x02\x00', 'SSH-2.0-OpenSSH_9.6\r\n', 'GET/ HTTP/1.1\r\n', '\xc3\x83 / HTTP/1.1\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']) {
    const bytes = first.startsWith('\xc3') ? Uint8Array.from(first, (c) => c.charCodeAt(0)) : enc.encode(first);
    const tx: HttpTransaction[] = [];
    const p = new HttpConnectionParser((t) => tx.push(t));
    p.clientData(bytes, 0, bytes.length, 1);
    const resp = enc.encode('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    p.serverData(resp, 0, resp.length, 2);
    p.end(3);
    assert.equal(p.notHttp, true, JSON.stringify(first));
    assert.equal(tx.length, 0);
  }
  // A server that speaks first, and not HTTP.
  const p = new HttpConnectionParser(() => assert.fail('no transaction'));
  const banner = enc.encode('220 smtp.example ESMTP\r\n');
  p.serverData(banner, 0, banner.length, 1);
  assert.equal(p.notHttp, true);
  // Decided on the fourth byte of a TLS ClientHello, i.e. before reading any more.
  const q = new HttpConnectionParser(() => {});
  q.clientData(Uint8Array.of(0x16), 0, 1, 1);
  assert.equal(q.notHttp, true);
});

test('bad bytes after the first request stop that side, with the offset', () => {
  const { tx, parser } = playAll([
    { c: 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n\x00\x01garbage' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ]);
  assert.equal(tx.length, 1);
  assert.equal(tx[0]!.incomplete, undefined);
  assert.equal(parser.error, 'request: byte 0x00 in the method at client offset 28');
  const bad = playAll([
    { c: 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n' },
    { s: 'HTTP/1.1 2x0 OK\r\n\r\n' },
  ]);
  assert.deepEqual(bad.tx.map((t) => [t.statusCode, t.incomplete, t.error]), [
    [undefined, 'response_truncated', 'response: bad status line at server offset 0'],
  ]);
  const cl = playAll([{ c: 'POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello' }]);
  assert.deepEqual(cl.tx.map((t) => [t.incomplete, t.error]), [
    ['no_response', 'request: bad Content-Length "5, 6" at client offset 17'],
  ]);
});

test('connection end: truncated request, truncated response, no response', () => {
  const a = playAll([{ c: 'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc' }]);
  assert.deepEqual(a.tx.map((t) => [t.incomplete, t.requestBodyBytes]), [['request_truncated', 3]]);
  const b = playAll([{ c: 'GET / HTTP/1.1\r\n\r\n' }, { s: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc' }]);
  assert.deepEqual(b.tx.map((t) => [t.incomplete, t.responseBodyBytes]), [['response_truncated', 3]]);
  const c = playAll([{ c: 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n' }, { s: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }]);
  assert.deepEqual(c.tx.map((t) => [t.uri, t.incomplete]), [['/1', undefined], ['/2', 'no_response']]);
  const d = playAll([{ c: 'GET /very/long/pa' }]);
  assert.deepEqual(d.tx.map((t) => [t.uri, t.incomplete]), [['/very/long/pa', 'request_truncated']]);
});

test('gaps: inside a body the count goes on; in a head that side stops', () => {
  const body = play([
    { c: 'GET / HTTP/1.1\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789' },
    { gap: 'server', n: 80 },
    { s: '0123456789' },
    { c: 'GET /2 HTTP/1.1\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx' },
  ]);
  assert.deepEqual(body.tx.map((t) => [t.uri, t.responseBodyBytes, t.incomplete]), [['/', 20, 'gap'], ['/2', 1, undefined]]);
  const head = play([
    { c: 'GET /1 HTTP/1.1\r\nHost: h\r\n' },
    { gap: 'client', n: 50 },
    { c: 'GET /3 HTTP/1.1\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ]);
  // The first request lost its end; the second response has no request we know of.
  assert.deepEqual(head.tx.map((t) => [t.method, t.uri, t.statusCode, t.incomplete]), [['GET', '/1', 200, 'gap'], ['', '', 200, 'gap']]);
  const chunk = play([
    { c: 'GET / HTTP/1.1\r\n\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123' },
    { gap: 'server', n: 100 },
  ]);
  assert.deepEqual(chunk.tx.map((t) => [t.responseBodyBytes, t.incomplete]), [[4, 'gap']]);
  const close = play([{ c: 'GET / HTTP/1.0\r\n\r\n' }, { s: 'HTTP/1.0 200 OK\r\n\r\nab' }, { gap: 'server', n: 10 }, { s: 'cd' }]);
  assert.deepEqual(close.tx.map((t) => [t.responseBodyBytes, t.incomplete]), [[4, 'gap']]);
});

test('blank lines between messages are tolerated; bare LF line ends too', () => {
  const { tx } = playAll([
    { c: '\r\n\r\nGET /a HTTP/1.1\nHost: h\n\n' },
    { s: 'HTTP/1.1 200 OK\nContent-Length: 1\n\nx\r\n' },
    { c: 'POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nab\r\n' },
    { s: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ]);
  assert.deepEqual(tx.map((t) => [t.uri, t.host, t.statusCode, t.incomplete]), [['/a', 'h', 200, undefined], ['/b', undefined, 200, undefined]]);
});

test('Transfer-Encoding is read with OWS only: "\\x0bchunked" is not chunked (smuggling)', () => {
  const { tx } = playAll([
    { c: 'POST / HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: ,\x0bchunked,\r\n\r\n' },
    { s: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' },
  ]);
  assert.deepEqual(tx.map((t) => [t.statusCode, t.incomplete]), [[400, undefined]]);
  assert.match(tx[0]!.error ?? '', /^request: Transfer-Encoding ".*" does not end in chunked at client offset 36$/);
  const ok = playAll([{ c: 'POST / HTTP/1.1\r\nTransfer-Encoding: \t chunked \r\n\r\n3\r\nabc\r\n0\r\n\r\n' }]);
  assert.deepEqual(ok.tx.map((t) => [t.requestBodyBytes, t.incomplete, t.error]), [[3, 'no_response', undefined]]);
});

test('too many pipelined requests stop the client side', () => {
  const reqs = Array.from({ length: 10 }, (_, i) => `GET /${i} HTTP/1.1\r\n\r\n`).join('');
  const { tx, parser } = play([{ c: reqs }], 0, { limits: { maxPending: 4 } });
  assert.equal(tx.length, 4);
  assert.ok(tx.every((t) => t.incomplete === 'no_response'));
  assert.match(parser.error ?? '', /more than 4 requests waiting/);
});

test('bad offsets and lengths are clamped, never thrown', () => {
  const p = new HttpConnectionParser(() => {});
  const b = enc.encode('GET / HTTP/1.1\r\n\r\n');
  p.clientData(b, -5, 1000, 1);
  p.clientData(b, 100, 5, 1);
  p.clientData(b, 2, Number.NaN, 1);
  p.gap('client', -1);
  p.gap('server', Number.NaN);
  p.end(1);
  p.end(2);
  p.clientData(b, 0, b.length, 3);
});
