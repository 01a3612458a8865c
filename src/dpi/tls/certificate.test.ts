/**
 * Certificate messages (TLS 1.2 and 1.3 layouts) and the X.509 summary. The fixture is a
 * self-signed P-256 certificate made with `openssl req -x509`; the expected summary is what
 * `openssl x509 -noout -subject -issuer -dates -serial -fingerprint -sha256 -nameopt RFC2253`
 * printed for it, in ECS's formats.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TlsParseError, describeCertificate, parseCertificateMessage } from './index.js';
import { concat, u8s, vec } from './wire.js';

const DER = new Uint8Array(Buffer.from(`
  MIIB8jCCAZigAwIBAgIJASNFZ4mrze8BMAoGCCqGSM49BAMCMFQxCzAJBgNVBAYT
  AkRFMRgwFgYDVQQKDA9XZWZ0IFRlc3QsIEluYy4xEDAOBgNVBAsMB1NlbnNvcnMx
  GTAXBgNVBAMMEHNlbnNvci53ZWZ0LnRlc3QwHhcNMjYxMTI0MjM1OTMzWhcNMzYx
  MTIxMjM1OTMzWjBUMQswCQYDVQQGEwJERTEYMBYGA1UECgwPV2VmdCBUZXN0LCBJ
  bmMuMRAwDgYDVQQLDAdTZW5zb3JzMRkwFwYDVQQDDBBzZW5zb3Iud2VmdC50ZXN0
  MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEoOQAeToRQmmw4sELv03Cozdza7Vl
  51bXgWQPdpBcja6qRvEb9mABvZXA/0dxgoFgYkBLlWqhhcYjiZRbGSDiEKNTMFEw
  HQYDVR0OBBYEFGwFiIgmI2FY9h4C9S13ydgpzyElMB8GA1UdIwQYMBaAFGwFiIgm
  I2FY9h4C9S13ydgpzyElMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAw
  RQIgXWipDCKo6RyzTwiJfcMEe5RDbEwCkYVH7tXpDMa04roCIQDfyCGqSqzo/P0+
  roWCEcCCSe/N2RiNgkd01A5gPwdS5A==
`, 'base64'));

test('describeCertificate: DN most specific first (escapes kept), RFC 3339 times, uppercase hex', () => {
  assert.deepEqual(describeCertificate(DER), {
    subject: 'CN=sensor.weft.test, OU=Sensors, O=Weft Test\\, Inc., C=DE',
    issuer: 'CN=sensor.weft.test, OU=Sensors, O=Weft Test\\, Inc., C=DE',
    notBefore: '2026-11-24T23:59:33.000Z',
    notAfter: '2036-11-21T23:59:33.000Z',
    sha256: '8123FBFDE143E8FBA84FDFAC77968BB8BA7B043D89F9D338E6EB5F42DEEB9A8D',
    serialNumber: '0123456789ABCDEF01',
  });
});

test('describeCertificate on bytes that are not a certificate: TlsParseError', () => {
  for (const bad of [new Uint8Array(0), u8s(0x30, 0x03, 1, 2, 3), DER.subarray(0, DER.length - 1)]) {
    assert.throws(() => describeCertificate(bad), (e: unknown) => e instanceof TlsParseError && e.field === 'certificate');
  }
});

test('Certificate message, TLS 1.2 layout: the chain in order, as views', () => {
  const other = u8s(0x30, 0x00);
  const body = vec(3, concat(vec(3, DER), vec(3, other)));
  const chain = parseCertificateMessage(body, false);
  assert.deepEqual(chain.map((c) => c.length), [DER.length, 2]);
  assert.deepEqual(chain[0], DER);
  assert.equal(chain[0]!.buffer, body.buffer);
  assert.deepEqual(parseCertificateMessage(vec(3, new Uint8Array(0)), false), []);
});

test('Certificate message, TLS 1.3 layout: request context and per-entry extensions skipped', () => {
  const entry = (der: Uint8Array, exts: Uint8Array) => concat(vec(3, der), vec(2, exts));
  const body = concat(vec(1, u8s(9, 9)), vec(3, concat(entry(DER, u8s(0, 5, 0, 0)), entry(u8s(0x30, 0), new Uint8Array(0)))));
  const chain = parseCertificateMessage(body, true);
  assert.deepEqual(chain.map((c) => c.length), [DER.length, 2]);
  // The same bytes read as TLS 1.2 do not fit.
  assert.throws(() => parseCertificateMessage(body, false), TlsParseError);
});

test('Certificate message cut at every length, or with an empty entry: TlsParseError', () => {
  const body = vec(3, concat(vec(3, DER), vec(3, u8s(0x30, 0))));
  for (let n = 0; n < body.length; n++) assert.throws(() => parseCertificateMessage(body.subarray(0, n), false), TlsParseError, `cut at ${n}`);
  assert.throws(() => parseCertificateMessage(vec(3, vec(3, new Uint8Array(0))), false), /cert_data at offset 3: empty certificate/);
  assert.throws(() => parseCertificateMessage(concat(body, u8s(0)), false), /Certificate at offset \d+: 1 unexpected trailing bytes/);
});
