/**
 * Initial key derivation against RFC 9001 A.1 (v1), RFC 9369 A.1 (v2) and draft-29's vectors
 * (draft-ietf-quic-tls-29 A.1, as quic-go and quinn test them) — all for DCID 8394c8f03e515708.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveInitialKeys, hasInitialKeys, quicVersionName, toHex } from './index.js';
import { RFC_DCID } from './testdata.js';

function keysHex(version: number, side: 'client' | 'server'): string[] {
  const k = deriveInitialKeys(RFC_DCID, version, side);
  return [toHex(k.secret), toHex(k.key), toHex(k.iv), toHex(k.hp)];
}

describe('deriveInitialKeys', () => {
  it('gives RFC 9001 A.1 client and server keys for v1', () => {
    assert.deepEqual(keysHex(1, 'client'), [
      'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea',
      '1f369613dd76d5467730efcbe3b1a22d', 'fa044b2f42a3fd3b46fb255c', '9f50449e04a0e810283a1e9933adedd2',
    ]);
    assert.deepEqual(keysHex(1, 'server'), [
      '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b',
      'cf3a5331653c364c88f0f379b6067e37', '0ac1493ca1905853b0bba03e', 'c206b8d9b9f0f37644430b490eeaa314',
    ]);
  });

  it('gives RFC 9369 A.1 client and server keys for v2 (new salt, "quicv2" labels)', () => {
    assert.deepEqual(keysHex(0x6b3343cf, 'client'), [
      '14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b',
      '8b1a0bc121284290a29e0971b5cd045d', '91f73e2351d8fa91660e909f', '45b95e15235d6f45a6b19cbcb0294ba9',
    ]);
    assert.deepEqual(keysHex(0x6b3343cf, 'server'), [
      '0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1',
      '82db637861d55e1d011f19ea71d5d2a7', 'dd13c276499c0249d3310652', 'edf6d05c83121201b436e16877593c3a',
    ]);
  });

  it('gives draft-29 keys with the draft salt, for drafts 29–32; drafts 33–34 use the v1 salt', () => {
    const draft29 = [
      '0088119288f1d866733ceeed15ff9d50902cf82952eee27e9d4d4918ea371d87',
      '175257a31eb09dea9366d8bb79ad80ba', '6b26114b9cba2b63a9e8dd4f', '9ddd12c994c0698b89374a9c077a3077',
    ];
    assert.deepEqual(keysHex(0xff00001d, 'client'), draft29);
    assert.deepEqual(keysHex(0xff000020, 'client'), draft29);
    assert.deepEqual(keysHex(0xff000021, 'client'), keysHex(1, 'client'));
    assert.deepEqual(keysHex(0xff000022, 'client'), keysHex(1, 'client'));
  });

  it('takes an empty DCID (HKDF-Extract with empty input keying material)', () => {
    const k = deriveInitialKeys(new Uint8Array(0), 1, 'client');
    assert.equal(k.key.length, 16);
    assert.notDeepEqual(k.key, deriveInitialKeys(RFC_DCID, 1, 'client').key);
  });

  it('knows which versions have Initial keys, and throws for the others', () => {
    for (const v of [1, 0x6b3343cf, 0xff00001d, 0xff00001e, 0xff00001f, 0xff000020, 0xff000021, 0xff000022]) {
      assert.equal(hasInitialKeys(v), true, v.toString(16));
    }
    for (const v of [0, 0x1a2a3a4a, 0xff00001c, 0xff000023, 0x51303530, 0xfaceb002]) {
      assert.equal(hasInitialKeys(v), false, v.toString(16));
      assert.throws(() => deriveInitialKeys(RFC_DCID, v, 'client'), /no Initial salt/);
    }
  });
});

describe('quicVersionName', () => {
  it('names v1, v2, draft-29 and version negotiation; hex otherwise', () => {
    assert.equal(quicVersionName(0x00000001), '1');
    assert.equal(quicVersionName(0x6b3343cf), '2');
    assert.equal(quicVersionName(0xff00001d), 'draft-29');
    assert.equal(quicVersionName(0), 'negotiation');
    assert.equal(quicVersionName(0x1a2a3a4a), '0x1a2a3a4a');
    assert.equal(quicVersionName(0xff000020), '0xff000020');
    assert.equal(quicVersionName(0x51303530), '0x51303530');
  });
});
