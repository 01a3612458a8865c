/** Frame parsing: the RFC sample payloads, each frame kind of Initial packets, skipping, faults. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cryptoFrames, parseQuicFrames, QuicParseError, toHex } from './index.js';
import { concat, hex, RFC_CLIENT_CRYPTO_FRAME, RFC_CLIENT_PAYLOAD, RFC_SERVER_PAYLOAD } from './testdata.js';

function faultOf(payload: Uint8Array): QuicParseError {
  try {
    parseQuicFrames(payload);
  } catch (e) {
    if (e instanceof QuicParseError) return e;
    throw e;
  }
  assert.fail('no QuicParseError');
}

describe('parseQuicFrames', () => {
  it('reads the RFC 9001 A.2 client payload: one CRYPTO frame, then 917 bytes of PADDING as one run', () => {
    const frames = parseQuicFrames(RFC_CLIENT_PAYLOAD);
    assert.equal(frames.length, 2);
    const [crypto, padding] = frames;
    assert.ok(crypto?.type === 'crypto');
    assert.equal(crypto.offset, 0);
    assert.equal(crypto.data.length, 241);
    assert.equal(toHex(crypto.data), toHex(RFC_CLIENT_CRYPTO_FRAME.subarray(4)));
    assert.deepEqual(padding, { type: 'padding', length: 917 });
  });

  it('reads the RFC 9001 A.3 server payload: ACK, then CRYPTO with the ServerHello', () => {
    const frames = parseQuicFrames(RFC_SERVER_PAYLOAD);
    assert.deepEqual(frames[0], { type: 'ack', largest: 0, delay: 0, firstRange: 0, ranges: [] });
    const c = cryptoFrames(frames);
    assert.equal(c.length, 1);
    assert.equal(c[0]!.data.length, 90);
    assert.equal(c[0]!.data[0], 2); // ServerHello
  });

  it('reads PING, ACK_ECN with ranges, and both CONNECTION_CLOSE forms', () => {
    const frames = parseQuicFrames(hex(`
      01
      03 4a2f 19 02 03  01 02  00 05  0a 00 4001
      1c 4041 06 05 68656c6c6f
      1d 00 00
      00 00`));
    assert.deepEqual(frames, [
      { type: 'ping' },
      { type: 'ack', largest: 0x0a2f, delay: 0x19, firstRange: 3, ranges: [[1, 2], [0, 5]], ecn: [10, 0, 1] },
      { type: 'connection-close', application: false, errorCode: 0x41, frameType: 6, reason: 'hello' },
      { type: 'connection-close', application: true, errorCode: 0, reason: '' },
      { type: 'padding', length: 2 },
    ]);
  });

  it('decodes variable-length integers of every size (RFC 9000 A.1 examples)', () => {
    // CRYPTO frames whose offset fields are the RFC's examples: 37 in 1 and 2 bytes, 15293, 494878333.
    const frames = cryptoFrames(parseQuicFrames(hex('06 25 01 aa  06 4025 01 bb  06 7bbd 01 cc  06 9d7f3e7d 01 dd')));
    assert.deepEqual(frames.map((f) => f.offset), [37, 37, 15293, 494878333]);
    assert.deepEqual(frames.map((f) => f.data[0]), [0xaa, 0xbb, 0xcc, 0xdd]);
    // An 8-byte length (151288809941952652, RFC 9000 A.1) is far beyond the payload.
    assert.equal(faultOf(hex('06 00 c2197c5eff14e88c')).field, 'crypto data');
  });

  it('skips frames that do not belong in Initial packets but have a known layout', () => {
    const frames = parseQuicFrames(concat(
      hex('07 03 aabbcc'), // NEW_TOKEN
      hex('0e 04 4010 03 616263'), // STREAM with OFF and LEN
      hex('10 4400'), // MAX_DATA
      hex('18 01 00 04 01020304 00112233445566778899aabbccddeeff'), // NEW_CONNECTION_ID
      hex('1a 0102030405060708'), // PATH_CHALLENGE
      hex('1e'), // HANDSHAKE_DONE
      hex('06 00 02 0101'), // CRYPTO
      hex('30 ffff'), // DATAGRAM without length: to the end
    ));
    assert.deepEqual(frames.map((f) => (f.type === 'other' ? f.frameType : f.type)), [0x07, 0x0e, 0x10, 0x18, 0x1a, 0x1e, 'crypto', 0x30]);
    assert.deepEqual(frames.map((f) => (f.type === 'other' ? f.length : -1)), [5, 8, 3, 24, 9, 1, -1, 3]);
  });

  it('stops with QuicParseError at an unknown frame type or a cut frame, keeping the frames before', () => {
    const unknown = faultOf(hex('01 06 00 01 61 2f 00'));
    assert.equal(unknown.field, 'frame type');
    assert.equal(unknown.offset, 5);
    assert.equal(unknown.frames.length, 2);
    assert.equal(faultOf(hex('06 00 05 6162')).field, 'crypto data');
    assert.equal(faultOf(hex('02 00 00 05 00 01')).field, 'ack range length');
    assert.equal(faultOf(hex('1c 00 00 09 61')).field, 'close reason');
    assert.equal(faultOf(hex('40')).field, 'frame type');
    // An ACK claiming 2^30 ranges runs out of bytes, not of time.
    assert.equal(faultOf(hex('02 00 00 bfffffff 00 01 01')).field, 'ack gap');
  });

  it('reads an empty payload as no frames', () => {
    assert.deepEqual(parseQuicFrames(new Uint8Array(0)), []);
  });
});
