/**
 * ECS names for versions and cipher suites. The cipher table was checked once against tshark 4.0's
 * value strings (`tshark -G values`, field tls.handshake.ciphersuite): all equal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownCipherIds, tlsCipherName, tlsVersionName } from './index.js';

test('tlsVersionName: ECS tls.version_protocol and tls.version', () => {
  assert.deepEqual(tlsVersionName(0x0303), { protocol: 'tls', version: '1.2' });
  assert.deepEqual(tlsVersionName(0x0304), { protocol: 'tls', version: '1.3' });
  assert.deepEqual(tlsVersionName(0x0301), { protocol: 'tls', version: '1.0' });
  assert.deepEqual(tlsVersionName(0x0302), { protocol: 'tls', version: '1.1' });
  assert.deepEqual(tlsVersionName(0x0300), { protocol: 'ssl', version: '3.0' });
  assert.deepEqual(tlsVersionName(0x0002), { protocol: 'ssl', version: '2.0' });
  assert.deepEqual(tlsVersionName(0xfefd), { protocol: 'dtls', version: '1.2' });
  for (const v of [0x7f1c, 0x0a0a, 0x0305, 0]) assert.equal(tlsVersionName(v), undefined);
  // Callers get their own object.
  tlsVersionName(0x0303)!.version = 'x';
  assert.equal(tlsVersionName(0x0303)!.version, '1.2');
});

test('tlsCipherName: IANA names, 0xXXXX for the rest', () => {
  assert.equal(tlsCipherName(0x1301), 'TLS_AES_128_GCM_SHA256');
  assert.equal(tlsCipherName(0x1302), 'TLS_AES_256_GCM_SHA384');
  assert.equal(tlsCipherName(0x1303), 'TLS_CHACHA20_POLY1305_SHA256');
  assert.equal(tlsCipherName(0xc02f), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  assert.equal(tlsCipherName(0xcca9), 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
  assert.equal(tlsCipherName(0x009f), 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384');
  assert.equal(tlsCipherName(0x002f), 'TLS_RSA_WITH_AES_128_CBC_SHA');
  assert.equal(tlsCipherName(0x00ff), 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV');
  assert.equal(tlsCipherName(0x0a0a), '0x0A0A');
  assert.equal(tlsCipherName(0xfeed), '0xFEED');
  assert.equal(tlsCipherName(0x0700c0), '0x700C0'); // an SSL 2.0 cipher spec: just its number
  for (const id of [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]) assert.ok(knownCipherIds().includes(id));
  for (const [kx, aead] of [['ECDHE_RSA', 'AES_128_GCM_SHA256'], ['ECDHE_ECDSA', 'AES_256_GCM_SHA384'], ['DHE_RSA', 'AES_128_GCM_SHA256'],
    ['RSA', 'AES_256_GCM_SHA384'], ['ECDHE_RSA', 'AES_128_CBC_SHA'], ['DHE_RSA', 'AES_256_CBC_SHA256'], ['ECDHE_RSA', 'CHACHA20_POLY1305_SHA256'],
    ['DHE_RSA', 'CHACHA20_POLY1305_SHA256']]) {
    const name = `TLS_${kx}_WITH_${aead}`;
    assert.ok(knownCipherIds().some((id) => tlsCipherName(id) === name), name);
  }
});
