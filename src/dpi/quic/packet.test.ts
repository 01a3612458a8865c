/**
 * Long header parsing, header protection and Initial decryption against RFC 9001 Appendix A
 * (v1) and RFC 9369 Appendix A (v2); Retry, Version Negotiation, coalesced packets, and
 * truncation at every length.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodePacketNumber, decryptInitial, deriveInitialKeys, headerProtectionMask, openLongHeaderPacket, parseQuicLongHeaders,
  QUIC_V2, QuicParseError, toHex, verifyRetryIntegrity, type QuicPacketInfo,
} from './index.js';
import {
  concat, hex, RFC9001_CLIENT_HEADER, RFC9001_CLIENT_INITIAL, RFC9001_RETRY, RFC9001_SERVER_HEADER, RFC9001_SERVER_INITIAL,
  RFC9369_CLIENT_HEADER, RFC9369_CLIENT_INITIAL, RFC9369_RETRY, RFC9369_SERVER_HEADER, RFC9369_SERVER_INITIAL,
  RFC_CLIENT_PAYLOAD, RFC_DCID, RFC_SERVER_PAYLOAD, sealLongHeader,
} from './testdata.js';

function only(bytes: Uint8Array): QuicPacketInfo {
  const packets = parseQuicLongHeaders(bytes, 0, bytes.length);
  assert.equal(packets.length, 1);
  return packets[0]!;
}

/** Calls `f`; returns the QuicParseError it throws (failing on any other exception), or undefined. */
function parseErrorOf(f: () => unknown): QuicParseError | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof QuicParseError) return e;
    throw e;
  }
}

describe('parseQuicLongHeaders', () => {
  it('reads the RFC 9001 A.2 client Initial', () => {
    const p = only(RFC9001_CLIENT_INITIAL);
    assert.equal(p.headerForm, 'long');
    assert.equal(p.fixedBit, true);
    assert.equal(p.version, 1);
    assert.equal(p.typeBits, 0);
    assert.equal(p.packetType, 'initial');
    assert.equal(toHex(p.dcid), '8394c8f03e515708');
    assert.equal(p.scid.length, 0);
    assert.deepEqual(p.token, new Uint8Array(0));
    assert.equal(p.length, 1182);
    assert.equal(p.pnOffset, 18);
    assert.equal(p.offset, 0);
    assert.equal(p.end, 1200);
    assert.equal(p.truncated, false);
  });

  it('reads v2 type bits as RFC 9369 numbers them (Initial = 0b01, Retry = 0b00)', () => {
    const c = only(RFC9369_CLIENT_INITIAL);
    assert.equal(c.version, QUIC_V2);
    assert.equal(c.typeBits, 1);
    assert.equal(c.packetType, 'initial');
    const s = only(RFC9369_SERVER_INITIAL);
    assert.equal(s.packetType, 'initial');
    assert.equal(toHex(s.scid), 'f067a5502a4262b5');
    const r = only(RFC9369_RETRY);
    assert.equal(r.typeBits, 0);
    assert.equal(r.packetType, 'retry');
    // The same bits mean other types in v1: 0b00 is Initial there, 0b11 Retry.
    assert.equal(only(RFC9001_RETRY).typeBits, 3);
  });

  it('reads Retry packets: token up to the 16-byte integrity tag, which verifies against the original DCID', () => {
    for (const retry of [RFC9001_RETRY, RFC9369_RETRY]) {
      const p = only(retry);
      assert.equal(p.packetType, 'retry');
      assert.equal(p.dcid.length, 0);
      assert.equal(toHex(p.scid), 'f067a5502a4262b5');
      assert.equal(new TextDecoder().decode(p.token), 'token');
      assert.equal(p.retryIntegrityTag?.length, 16);
      assert.equal(p.pnOffset, -1);
      assert.equal(p.end, retry.length);
      assert.equal(verifyRetryIntegrity(p, retry, RFC_DCID), true);
      assert.equal(verifyRetryIntegrity(p, retry, hex('8394c8f03e515709')), false);
    }
    assert.equal(verifyRetryIntegrity(only(RFC9001_CLIENT_INITIAL), RFC9001_CLIENT_INITIAL, RFC_DCID), undefined);
    // Too short for the tag.
    assert.equal(parseErrorOf(() => parseQuicLongHeaders(RFC9001_RETRY, 0, 15 + 15))?.field, 'retry integrity tag'); // 15-byte header
  });

  it('reads Version Negotiation: version 0 and the list of supported versions', () => {
    const vn = hex('ca 00000000 08 9d5728481287a3b4 00 00000001 6b3343cf 1a2a3a4a');
    const p = only(vn);
    assert.equal(p.version, 0);
    assert.equal(p.packetType, 'version-negotiation');
    assert.equal(toHex(p.dcid), '9d5728481287a3b4');
    assert.deepEqual(p.supportedVersions, [1, 0x6b3343cf, 0x1a2a3a4a]);
    assert.equal(p.end, vn.length);
    const e = parseErrorOf(() => parseQuicLongHeaders(vn, 0, vn.length - 1));
    assert.equal(e?.field, 'supported versions');
  });

  it('keeps only the invariant fields of a version it does not know, to the end of the datagram', () => {
    // A greased version (RFC 9000 §15) with a 21-byte CID, which v1 would refuse.
    const grease = concat(hex('c0 1a2a3a4a 15'), new Uint8Array(21).fill(7), hex('00 0102030405'));
    const p = only(grease);
    assert.equal(p.packetType, 'unknown');
    assert.equal(p.typeBits, 0);
    assert.equal(p.dcid.length, 21);
    assert.equal(p.end, grease.length);
    assert.equal(p.pnOffset, -1);
    // Drafts before 22 had another layout: unknown too. Drafts 22–34 are read like v1.
    assert.equal(only(concat(hex('c0 ff000010 00 00'), new Uint8Array(30))).packetType, 'unknown');
    assert.equal(only(concat(hex('e0 ff00001d 00 00 14'), new Uint8Array(20))).packetType, 'handshake');
    const v1 = concat(hex('c0 00000001 15'), new Uint8Array(21), hex('00 00 41'));
    const e = parseErrorOf(() => parseQuicLongHeaders(v1, 0, v1.length));
    assert.equal(e?.field, 'dcid length');
    assert.equal(e?.offset, 5);
  });

  it('walks coalesced packets: Initial, Handshake, then a short header to the end', () => {
    const keys = deriveInitialKeys(RFC_DCID, 1, 'server');
    const handshake = sealLongHeader({ keys, typeBits: 2, dcid: new Uint8Array(0), scid: hex('f067a5502a4262b5'),
      packetNumber: 0, pnLength: 1, payload: new Uint8Array(30) });
    const short = hex('41 f067a5502a4262b5 aabbccddeeff00112233445566778899');
    const datagram = concat(hex('ffff'), RFC9001_SERVER_INITIAL, handshake, short, hex('eeee'));
    const start = 2;
    const length = datagram.length - 4;
    const packets = parseQuicLongHeaders(datagram, start, length);
    assert.deepEqual(packets.map((p) => p.packetType), ['initial', 'handshake', 'short']);
    assert.deepEqual(packets.map((p) => p.offset), [2, 2 + RFC9001_SERVER_INITIAL.length, 2 + RFC9001_SERVER_INITIAL.length + handshake.length]);
    assert.equal(packets[2]!.end, start + length);
    assert.equal(packets[2]!.fixedBit, true);
    assert.equal(packets[2]!.version, undefined);
    assert.equal(packets[2]!.dcid.length, 0);
    // With the CID length known from the handshake, the short header's DCID is read.
    const withCid = parseQuicLongHeaders(datagram, start, length, 8);
    assert.equal(toHex(withCid[2]!.dcid), 'f067a5502a4262b5');
    // Each Initial decrypts in place, at its offset inside the bigger buffer.
    assert.deepEqual(decryptInitial(packets[0]!, datagram, deriveInitialKeys(RFC_DCID, 1, 'server')), RFC_SERVER_PAYLOAD);
  });

  it('copies connection IDs and tokens, so a reused capture buffer cannot change them', () => {
    const datagram = Buffer.from(RFC9001_CLIENT_INITIAL);
    const p = only(datagram);
    datagram.fill(0);
    assert.equal(toHex(p.dcid), '8394c8f03e515708');
  });

  it('rejects an empty datagram, a region outside the buffer, and a zero Length', () => {
    assert.equal(parseErrorOf(() => parseQuicLongHeaders(new Uint8Array(4), 4, 0))?.field, 'header form');
    assert.equal(parseErrorOf(() => parseQuicLongHeaders(new Uint8Array(4), 2, 3))?.field, 'datagram');
    assert.equal(parseErrorOf(() => parseQuicLongHeaders(new Uint8Array(4), -1, 2))?.field, 'datagram');
    assert.equal(parseErrorOf(() => parseQuicLongHeaders(new Uint8Array(4), 0.5, 2))?.field, 'datagram');
    for (const bad of [-1, 256, 1.5, NaN]) {
      assert.equal(parseErrorOf(() => parseQuicLongHeaders(RFC9001_CLIENT_INITIAL, 0, 100, bad))?.field, 'short header dcid length');
    }
    const zero = hex('e0 00000001 00 00 00 01');
    assert.equal(parseErrorOf(() => parseQuicLongHeaders(zero, 0, zero.length))?.field, 'length');
  });

  it('truncated at every length: only QuicParseError, and the header is kept once it is complete', () => {
    for (const full of [RFC9001_CLIENT_INITIAL, RFC9369_CLIENT_INITIAL, RFC9001_SERVER_INITIAL, RFC9001_RETRY, RFC9369_RETRY]) {
      const whole = only(full);
      const keys = deriveInitialKeys(RFC_DCID, whole.version!, 'client');
      for (let n = 0; n <= full.length; n++) {
        // A copy of exactly n bytes, so nothing past the cut can be read by accident.
        const cut = full.slice(0, n);
        const e = parseErrorOf(() => parseQuicLongHeaders(cut, 0, n));
        if (e === undefined) {
          const p = only(cut);
          const plain = decryptInitial(p, cut, keys);
          if (n < full.length) assert.equal(plain, null, `length ${n}`);
          continue;
        }
        assert.ok(n < full.length, `length ${n}: ${e.message}`);
        assert.ok(e.offset >= 0 && e.offset <= n, `length ${n}: offset ${e.offset}`);
        if (e.packets.length > 0) {
          // Cut inside the payload: header fields as in the whole packet, marked truncated.
          const t = e.packets[0]!;
          assert.equal(t.truncated, true);
          assert.equal(t.end, n);
          assert.ok(n >= whole.pnOffset, `length ${n}`);
          assert.deepEqual([t.version, t.packetType, toHex(t.dcid), toHex(t.scid)],
            [whole.version, whole.packetType, toHex(whole.dcid), toHex(whole.scid)]);
          assert.equal(decryptInitial(t, cut, keys), null);
        }
      }
    }
  });
});

describe('header protection and Initial decryption', () => {
  it('computes the RFC header protection masks from their samples', () => {
    const mask = (version: number, side: 'client' | 'server', sample: string): string =>
      toHex(headerProtectionMask(deriveInitialKeys(RFC_DCID, version, side).hp, hex(sample)));
    assert.equal(mask(1, 'client', 'd1b1c98dd7689fb8ec11d242b123dc9b'), '437b9aec36'); // RFC 9001 A.2
    assert.equal(mask(1, 'server', '2cd0991cd25b0aac406a5816b6394100'), '2ec0d8356a'); // RFC 9001 A.3
    assert.equal(mask(QUIC_V2, 'client', 'ffe67b6abcdb4298b485dd04de806071'), '94a0c95e80'); // RFC 9369 A.2
    assert.equal(mask(QUIC_V2, 'server', '6f05d8a4398c47089698baeea26b91eb'), '4dd92e91ea'); // RFC 9369 A.3
  });

  const cases = [
    { name: 'RFC 9001 A.2 client', packet: RFC9001_CLIENT_INITIAL, version: 1, side: 'client', header: RFC9001_CLIENT_HEADER, pn: 2, payload: RFC_CLIENT_PAYLOAD },
    { name: 'RFC 9001 A.3 server', packet: RFC9001_SERVER_INITIAL, version: 1, side: 'server', header: RFC9001_SERVER_HEADER, pn: 1, payload: RFC_SERVER_PAYLOAD },
    { name: 'RFC 9369 A.2 client', packet: RFC9369_CLIENT_INITIAL, version: QUIC_V2, side: 'client', header: RFC9369_CLIENT_HEADER, pn: 2, payload: RFC_CLIENT_PAYLOAD },
    { name: 'RFC 9369 A.3 server', packet: RFC9369_SERVER_INITIAL, version: QUIC_V2, side: 'server', header: RFC9369_SERVER_HEADER, pn: 1, payload: RFC_SERVER_PAYLOAD },
  ] as const;
  for (const c of cases) {
    it(`opens the ${c.name} Initial: unprotected header, packet number, frames`, () => {
      const datagram = Buffer.from(c.packet); // a Buffer, whose slice() would share memory
      const p = only(datagram);
      const opened = openLongHeaderPacket(p, datagram, deriveInitialKeys(RFC_DCID, c.version, c.side));
      assert.ok(opened !== null);
      assert.equal(toHex(opened.header), toHex(c.header));
      assert.equal(opened.packetNumber, c.pn);
      assert.equal(toHex(opened.payload), toHex(c.payload));
      assert.equal(toHex(datagram), toHex(c.packet), 'the datagram is left as it was');
    });
  }

  it('returns null for the wrong keys, a corrupted byte, or a packet that is not an Initial', () => {
    const p = only(RFC9001_CLIENT_INITIAL);
    const client = deriveInitialKeys(RFC_DCID, 1, 'client');
    assert.equal(decryptInitial(p, RFC9001_CLIENT_INITIAL, deriveInitialKeys(RFC_DCID, 1, 'server')), null);
    assert.equal(decryptInitial(p, RFC9001_CLIENT_INITIAL, deriveInitialKeys(RFC_DCID, QUIC_V2, 'client')), null);
    for (const at of [0, 5, 17, 18, 21, 600, 1199]) {
      const bad = RFC9001_CLIENT_INITIAL.slice();
      bad[at] = bad[at]! ^ 0x01;
      const q = parseErrorOf(() => only(bad)) === undefined ? only(bad) : p;
      assert.equal(decryptInitial(q, bad, client), null, `byte ${at}`);
    }
    assert.equal(decryptInitial(only(RFC9001_RETRY), RFC9001_RETRY, client), null);
    // A packet description that lies about the buffer: still null, no throw.
    assert.equal(decryptInitial({ ...p, end: 5000 }, RFC9001_CLIENT_INITIAL, client), null);
    assert.equal(decryptInitial({ ...p, pnOffset: 1190 }, RFC9001_CLIENT_INITIAL, client), null);
  });

  it('reconstructs packet numbers as RFC 9000 A.3 does', () => {
    assert.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 16), 0xa82f9b32); // the RFC's example
    assert.equal(decodePacketNumber(-1, 2, 32), 2);
    assert.equal(decodePacketNumber(255, 0x01, 8), 257);
    assert.equal(decodePacketNumber(300, 0xff, 8), 255);
  });

  it('seals packets the way the RFC did (the test builder is trustworthy)', () => {
    const sealed = sealLongHeader({ keys: deriveInitialKeys(RFC_DCID, 1, 'client'), typeBits: 0, dcid: RFC_DCID,
      token: new Uint8Array(0), packetNumber: 2, pnLength: 4, payload: RFC_CLIENT_PAYLOAD });
    assert.equal(toHex(sealed), toHex(RFC9001_CLIENT_INITIAL));
    const v2 = sealLongHeader({ keys: deriveInitialKeys(RFC_DCID, QUIC_V2, 'client'), typeBits: 1, dcid: RFC_DCID,
      token: new Uint8Array(0), packetNumber: 2, pnLength: 4, payload: RFC_CLIENT_PAYLOAD });
    assert.equal(toHex(v2), toHex(RFC9369_CLIENT_INITIAL));
  });
});
