/**
 * fast-check properties: on arbitrary bytes, on header-shaped bytes and on mutations of real
 * Initials, the parsers throw nothing but QuicParseError and report offsets inside the datagram,
 * decryption returns null or bytes, and the assembler never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decryptInitial, deriveInitialKeys, openLongHeaderPacket, parseQuicFrames, parseQuicLongHeaders, QUIC_V2,
  QuicInitialAssembler, QuicParseError, verifyRetryIntegrity, type QuicPacketInfo,
} from './index.js';
import { concat, RFC9001_CLIENT_INITIAL, RFC9001_RETRY, RFC9001_SERVER_INITIAL, RFC9369_CLIENT_INITIAL, RFC_DCID } from './testdata.js';

const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 2000);
const KEYS = [deriveInitialKeys(RFC_DCID, 1, 'client'), deriveInitialKeys(RFC_DCID, QUIC_V2, 'client')];

/** Parses; returns the packets (those before the fault when it throws). Fails on any other exception. */
function parseTotal(bytes: Uint8Array, offset: number, length: number): QuicPacketInfo[] {
  try {
    return parseQuicLongHeaders(bytes, offset, length);
  } catch (e) {
    if (!(e instanceof QuicParseError)) throw new Error(`not a QuicParseError: ${String(e)}`);
    assert.ok(Number.isInteger(e.offset), 'error offset');
    return e.packets;
  }
}

/** Every packet lies inside [offset, offset + length), in order, and decrypting it never throws. */
function checkPackets(bytes: Uint8Array, offset: number, length: number): void {
  const packets = parseTotal(bytes, offset, length);
  let at = offset;
  for (const p of packets) {
    assert.equal(p.offset, at, 'packets follow each other');
    assert.ok(p.end > p.offset && p.end <= offset + length, `end ${p.end}`);
    if (p.pnOffset !== -1) assert.ok(p.pnOffset > p.offset && p.pnOffset <= p.end, `pnOffset ${p.pnOffset}`);
    assert.ok(p.dcid.length <= 255 && p.scid.length <= 255);
    for (const k of KEYS) {
      const plain = decryptInitial(p, bytes, k);
      assert.ok(plain === null || plain instanceof Uint8Array);
      openLongHeaderPacket(p, bytes, k);
    }
    verifyRetryIntegrity(p, bytes, RFC_DCID);
    at = p.end;
  }
}

function framesTotal(payload: Uint8Array): void {
  try {
    parseQuicFrames(payload);
  } catch (e) {
    if (!(e instanceof QuicParseError)) throw new Error(`not a QuicParseError: ${String(e)}`);
  }
}

/** Bytes that look like the start of a long header often enough to get past the first checks. */
const headerish = fc.tuple(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x00000001, 0x6b3343cf, 0x00000000, 0xff00001d, 0x1a2a3a4a),
  fc.integer({ min: 0, max: 24 }),
  fc.uint8Array({ maxLength: 24 }),
  fc.integer({ min: 0, max: 24 }),
  fc.uint8Array({ maxLength: 1300 }),
).map(([first, version, dl, dcid, sl, rest]) => concat(
  Uint8Array.of(first | 0x80, version >>> 24, (version >> 16) & 0xff, (version >> 8) & 0xff, version & 0xff, dl),
  dcid, Uint8Array.of(sl), rest,
));

/** A real Initial (or a coalesced pair), cut and with a few bytes changed. */
const mutated = fc.tuple(
  fc.constantFrom(RFC9001_CLIENT_INITIAL, RFC9369_CLIENT_INITIAL, RFC9001_SERVER_INITIAL, RFC9001_RETRY,
    concat(RFC9001_SERVER_INITIAL, RFC9001_SERVER_INITIAL)),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  fc.nat(),
).map(([base, edits, cut]) => {
  const b = base.slice(0, base.length - (cut % 8 === 0 ? cut % base.length : 0));
  for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
  return b;
});

describe('QUIC parsing is total (property)', () => {
  it('arbitrary bytes, at any offset: only QuicParseError, packets within bounds', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const offset = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const length = bytes.length - offset === 0 ? 0 : b % (bytes.length - offset + 1);
      checkPackets(bytes, offset, length);
      framesTotal(bytes);
    }), { numRuns: NUM_RUNS });
  });

  it('header-shaped bytes and mutated real Initials: the same', () => {
    fc.assert(fc.property(fc.oneof(headerish, mutated), (bytes) => {
      checkPackets(bytes, 0, bytes.length);
      framesTotal(bytes.subarray(Math.min(bytes.length, 20)));
    }), { numRuns: NUM_RUNS });
  });

  it('bad arguments are QuicParseErrors too', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer(), fc.integer(), (bytes, offset, length) => {
      parseTotal(bytes, offset, length);
    }), { numRuns: 500 });
  });

  it('the assembler never throws on any sequence of datagrams', () => {
    const datagram = fc.oneof(fc.uint8Array({ maxLength: 1500 }), headerish, mutated, fc.constant(RFC9001_CLIENT_INITIAL));
    fc.assert(fc.property(fc.array(fc.tuple(datagram, fc.integer(), fc.integer()), { maxLength: 8 }), (pushes) => {
      const a = new QuicInitialAssembler();
      for (const [bytes, offset, length] of pushes) {
        // Mostly the whole datagram, sometimes arbitrary (even invalid) regions.
        const [o, n] = offset % 3 === 0 ? [offset, length] : [0, bytes.length];
        const done = a.push(bytes, o, n);
        assert.equal(typeof done, 'boolean');
        assert.equal(done, a.clientHello !== undefined);
      }
      if (a.clientHello !== undefined) assert.ok(a.clientHello.length <= 64 * 1024);
    }), { numRuns: NUM_RUNS / 2 });
  });
});
