/**
 * QuicInitialAssembler: the RFC sample Initials, ClientHellos spread over frames and packets in
 * any order with duplicates, the key change after a Retry, the bounds, and garbage.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deriveInitialKeys, MAX_CRYPTO_BYTES, MAX_RANGES, QUIC_V2, QuicInitialAssembler, toHex } from './index.js';
import {
  concat, cryptoFrame, hex, RFC9001_CLIENT_INITIAL, RFC9001_RETRY, RFC9001_SERVER_INITIAL, RFC9369_CLIENT_INITIAL,
  RFC_CLIENT_CRYPTO_FRAME, sealLongHeader,
} from './testdata.js';

const DCID_A = hex('0011223344556677');
const DCID_B = hex('a0a1a2a3a4a5a6a7a8a9');
const SERVER_CID = hex('5e5e5e5e');
const CLIENT_CID = hex('c1c2c3');
const KEYS_A = deriveInitialKeys(DCID_A, 1, 'client');
const KEYS_B = deriveInitialKeys(DCID_B, 1, 'client');

/** A handshake message: type, 24-bit length, body of `n` bytes (deterministic content). */
function handshake(type: number, n: number): Uint8Array {
  const body = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff);
  return concat(Uint8Array.of(type, n >> 16, (n >> 8) & 0xff, n & 0xff), body);
}

/** A client Initial with these frames, padded to 1200 bytes as clients do. */
function initial(frames: Uint8Array[], pn: number, dcid = DCID_A, keys = KEYS_A, token: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = concat(...frames);
  const padded = concat(payload, new Uint8Array(Math.max(0, 1100 - payload.length)));
  return sealLongHeader({ keys, typeBits: 0, dcid, scid: CLIENT_CID, token, packetNumber: pn, pnLength: 2, payload: padded });
}

function push(a: QuicInitialAssembler, datagram: Uint8Array): boolean {
  return a.push(datagram, 0, datagram.length);
}

describe('QuicInitialAssembler', () => {
  it('reads the ClientHello of the RFC 9001 A.2 Initial (body without the 4-byte header)', () => {
    const a = new QuicInitialAssembler();
    // Inside a bigger buffer, as a capture source hands it over.
    const buffer = concat(new Uint8Array(42), RFC9001_CLIENT_INITIAL, new Uint8Array(7));
    assert.equal(a.push(buffer, 42, RFC9001_CLIENT_INITIAL.length), true);
    assert.equal(toHex(a.clientHello!), toHex(RFC_CLIENT_CRYPTO_FRAME.subarray(8)));
    assert.equal(a.clientHello!.length, 0xed);
    assert.ok(new TextDecoder('latin1').decode(a.clientHello).includes('example.com'));
    assert.equal(a.version, 1);
    assert.equal(a.dcid, '8394c8f03e515708');
    assert.equal(a.scid, '');
    assert.equal(a.keyDcid, '8394c8f03e515708');
    assert.equal(a.error, undefined);
    assert.deepEqual([a.initialPackets, a.decryptedPackets], [1, 1]);
    // Complete: more datagrams change nothing.
    assert.equal(push(a, RFC9001_SERVER_INITIAL), true);
    assert.equal(a.initialPackets, 1);
  });

  it('reads the ClientHello of the RFC 9369 A.2 (v2) Initial', () => {
    const a = new QuicInitialAssembler();
    assert.equal(push(a, RFC9369_CLIENT_INITIAL), true);
    assert.equal(a.version, QUIC_V2);
    assert.equal(toHex(a.clientHello!), toHex(RFC_CLIENT_CRYPTO_FRAME.subarray(8)));
  });

  it('reads a draft-29 Initial with the draft salt', () => {
    const a = new QuicInitialAssembler();
    const hello = handshake(1, 500);
    assert.equal(push(a, initial([cryptoFrame(0, hello)], 0, DCID_A, deriveInitialKeys(DCID_A, 0xff00001d, 'client'))), true);
    assert.equal(a.version, 0xff00001d);
    assert.equal(toHex(a.clientHello!), toHex(hello.subarray(4)));
  });

  it('reassembles across frames and packets, out of order (even before the first Initial), with duplicates', () => {
    const hello = handshake(1, 3000);
    const p1 = initial([cryptoFrame(1200, hello.subarray(1200, 2400)), cryptoFrame(0, hello.subarray(0, 100))], 0);
    // The client's next Initials carry the server's CID as DCID but keep the first DCID's keys.
    const p2 = initial([cryptoFrame(100, hello.subarray(100, 1200)), cryptoFrame(0, hello.subarray(0, 50))], 1, SERVER_CID);
    const p3 = initial([cryptoFrame(2400, hello.subarray(2400))], 2, SERVER_CID);
    for (const order of [[p1, p2, p3], [p3, p1, p2], [p1, p3, p1, p3, p2]]) {
      const a = new QuicInitialAssembler();
      const done = order.map((d) => push(a, d));
      assert.deepEqual(done.slice(0, -1).every((x) => !x), true);
      assert.equal(done.at(-1), true);
      assert.equal(toHex(a.clientHello!), toHex(hello.subarray(4)));
      assert.equal(a.dcid, toHex(DCID_A)); // the keys' DCID, even when p3 came first
      assert.equal(a.keyDcid, toHex(DCID_A));
    }
  });

  it('after a Retry, derives keys from the client\'s new DCID and starts the crypto stream again', () => {
    const hello = handshake(1, 1500);
    // Before the Retry: the first part, with bytes that differ from what follows (so a stream
    // that was not restarted would keep them, bytes held first winning).
    const stale = hello.slice(0, 600);
    stale.fill(0x55, 10, 20);
    const before = initial([cryptoFrame(0, stale)], 0);
    const token = hex('746f6b656e');
    const after1 = initial([cryptoFrame(0, hello.subarray(0, 1000))], 1, DCID_B, KEYS_B, token);
    const after2 = initial([cryptoFrame(1000, hello.subarray(1000))], 2, SERVER_CID, KEYS_B, token);
    const a = new QuicInitialAssembler();
    assert.equal(push(a, before), false);
    assert.equal(push(a, RFC9001_RETRY), false); // a server packet in the mix is ignored
    assert.equal(push(a, after1), false);
    assert.equal(push(a, after2), true);
    assert.equal(toHex(a.clientHello!), toHex(hello.subarray(4)));
    assert.equal(a.dcid, toHex(DCID_A));
    assert.equal(a.keyDcid, toHex(DCID_B));
  });

  it('keeps bytes it already holds when a retransmission differs', () => {
    const hello = handshake(1, 400);
    const forged = hello.slice(0, 100);
    forged.fill(0xee, 20, 60);
    const a = new QuicInitialAssembler();
    push(a, initial([cryptoFrame(20, hello.subarray(20, 404))], 0));
    assert.equal(push(a, initial([cryptoFrame(0, forged)], 1)), true);
    assert.equal(toHex(a.clientHello!), toHex(hello.subarray(4)));
  });

  it('fails (no throw) when the first handshake message is not a ClientHello', () => {
    const a = new QuicInitialAssembler();
    assert.equal(push(a, initial([cryptoFrame(0, handshake(2, 80))], 0)), false);
    assert.equal(a.failed, true);
    assert.match(a.error ?? '', /type 2, not ClientHello/);
    assert.equal(push(a, RFC9001_CLIENT_INITIAL), false);
  });

  it('stays within 64 KiB: a longer ClientHello fails, data beyond the bound is dropped', () => {
    const huge = new QuicInitialAssembler();
    push(huge, initial([cryptoFrame(0, hex('01 010000 0303'))], 0));
    assert.equal(huge.failed, true);
    assert.match(huge.error ?? '', /65536-byte bound/);
    const far = new QuicInitialAssembler();
    push(far, initial([cryptoFrame(MAX_CRYPTO_BYTES - 2, new Uint8Array(400)), cryptoFrame(2 ** 40, new Uint8Array(10))], 0));
    assert.equal(far.failed, false);
    assert.equal(far.complete, false);
  });

  it(`fails when the crypto stream is in more than ${MAX_RANGES} pieces`, () => {
    const a = new QuicInitialAssembler();
    for (let pn = 0; pn < 3; pn++) {
      const frames = Array.from({ length: 100 }, (_, i) => cryptoFrame(10 + 2 * (pn * 100 + i), Uint8Array.of(1)));
      push(a, initial(frames, pn));
    }
    assert.equal(a.failed, true);
    assert.match(a.error ?? '', /pieces/);
  });

  it('records problems without throwing: garbage, Initials that do not authenticate, unknown versions', () => {
    const a = new QuicInitialAssembler();
    assert.equal(push(a, hex('c0 00000001 08')), false);
    assert.match(a.error ?? '', /QUIC: offset/);
    const corrupted = RFC9001_CLIENT_INITIAL.slice();
    corrupted[500] = corrupted[500]! ^ 0xff;
    assert.equal(push(a, corrupted), false);
    assert.match(a.error ?? '', /did not authenticate/);
    assert.equal(a.dcid, '8394c8f03e515708'); // known from the header even so
    assert.equal(push(a, concat(hex('c0 1a2a3a4a 04 01020304 00'), new Uint8Array(1200))), false);
    assert.equal(push(a, new Uint8Array(0)), false);
    assert.equal(a.push(new Uint8Array(10), 8, 100), false);
    assert.equal(a.complete, false);
    // …and a good packet afterwards still works.
    assert.equal(push(a, RFC9001_CLIENT_INITIAL), true);
  });

  it('completes exactly when the last missing byte arrives, for any split, grouping and order (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5000 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 6 }),
      fc.infiniteStream(fc.nat()),
      (bodyLength, cuts, perPacket, rand) => {
        const hello = handshake(1, bodyLength);
        const n = hello.length;
        // Pieces: the random [start, end) ranges plus a cover of the whole message in random
        // chunks, so the message can complete.
        const pieces: [number, number][] = cuts.map(([x, y]) => {
          const s = x % n;
          return [s, Math.min(n, s + 1 + (y % 1500))];
        });
        for (let at = 0; at < n;) {
          const end = Math.min(n, at + 1 + (rand.next().value % 1200));
          pieces.push([at, end]);
          at = end;
        }
        for (let i = pieces.length - 1; i > 0; i--) {
          const j = rand.next().value % (i + 1);
          [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
        }
        const a = new QuicInitialAssembler();
        const covered = new Uint8Array(n);
        let left = n;
        for (let i = 0, pn = 0; i < pieces.length; i += perPacket, pn++) {
          const group = pieces.slice(i, i + perPacket);
          for (const [s, e] of group) for (let k = s; k < e; k++) if (!covered[k]) { covered[k] = 1; left--; }
          const done = push(a, initial(group.map(([s, e]) => cryptoFrame(s, hello.subarray(s, e))), pn, pn === 0 ? DCID_A : SERVER_CID));
          assert.equal(done, left === 0, `after packet ${pn}: ${left} bytes missing, error ${a.error}`);
          if (done) break;
        }
        assert.equal(toHex(a.clientHello!), toHex(hello.subarray(4)));
      },
    ), { numRuns: Number(process.env['WEFT_FC_RUNS'] ?? 200) });
  });
});
