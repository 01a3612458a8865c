/** looksLikeHttpRequest and the method list. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HTTP_METHODS, isKnownMethod, looksLikeHttpRequest } from './index.js';

const enc = new TextEncoder();
const looks = (s: string): boolean => {
  const b = enc.encode(`xx${s}yy`);
  return looksLikeHttpRequest(b, 2, b.length - 4);
};

test('known methods followed by a space and a target look like HTTP', () => {
  for (const m of HTTP_METHODS) assert.ok(looks(`${m} /x HTTP/1.1\r\n`), m);
  assert.ok(looks('GET '));
  assert.ok(looks('OPTIONS * HTTP/1.1'));
  assert.ok(looks('CONNECT host:443 HTTP/1.1'));
  assert.ok(looks('PROPFIND /dav/ HTTP/1.1'));
  assert.ok(looks('MKCOL /dav/new HTTP/1.1'));
});

test('anything else does not', () => {
  for (const s of ['', 'G', 'GET', 'GET/', 'get / HTTP/1.1', 'GETX / HTTP/1.1', 'PRI * HTTP/2.0', 'CCM_POST / HTTP/1.1',
    'GET  /', 'GET \r\n', 'GET \x00', 'HTTP/1.1 200 OK', '\x16\x03\x01', 'SSH-2.0-x', ' GET /']) {
    assert.equal(looks(s), false, JSON.stringify(s));
  }
  // Respects the given range, not the whole buffer.
  const b = enc.encode('GET / HTTP/1.1');
  assert.equal(looksLikeHttpRequest(b, 0, 3), false);
  assert.equal(looksLikeHttpRequest(b, 0, 4), true);
  assert.equal(looksLikeHttpRequest(b, 1, 10), false);
  assert.equal(looksLikeHttpRequest(b, -1, 10), false);
  assert.equal(looksLikeHttpRequest(b, 0, 1000), true);
});

test('method list: RFC 9110 and WebDAV, exact case, no duplicates', () => {
  for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK']) {
    assert.ok(isKnownMethod(m), m);
  }
  assert.equal(isKnownMethod('get'), false);
  assert.equal(new Set(HTTP_METHODS).size, HTTP_METHODS.length);
  assert.ok(Object.isFrozen(HTTP_METHODS));
});

test('an unregistered method counts only with a whole request line ending in HTTP/1.x', () => {
  const at = (s: string): boolean => { const b = Buffer.from(s, 'latin1'); return looksLikeHttpRequest(b, 0, b.length); };
  assert.equal(at('SUBSCRIBE /evt/CmnIfCfg HTTP/1.1\r\nHost: x\r\n'), true);
  assert.equal(at('CCM_POST /x HTTP/1.0\n'), true);
  assert.equal(at('FOO /x HTTP/1.1'), false); // the line is not whole yet
  assert.equal(at('HELLO world, how are you\r\n'), false);
  assert.equal(at('FOO /x HTTP/2.0\r\n'), false);
  assert.equal(at(`${'A'.repeat(40)} / HTTP/1.1\r\n`), false); // token too long
});
