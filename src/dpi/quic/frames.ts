/**
 * Frames of a decrypted packet payload (RFC 9000 §19). Initial packets may carry only PADDING,
 * PING, ACK, CRYPTO and CONNECTION_CLOSE (0x1c) (§12.4); the other frames whose layout is fixed
 * by RFC 9000 or RFC 9221 (DATAGRAM) are skipped as `other`, so a payload of another packet type
 * walks too. A frame type we cannot measure stops the walk: QUIC frames carry no length, so
 * nothing after it can be found.
 *
 * ```
 *   PADDING 0x00 | PING 0x01
 *   ACK 0x02/0x03: Largest (i) Delay (i) Range Count (i) First Range (i) [Gap (i) Length (i)]…
 *                  0x03 adds ECT0 (i) ECT1 (i) ECN-CE (i)
 *   CRYPTO 0x06:   Offset (i) Length (i) Data
 *   CONNECTION_CLOSE 0x1c: Error Code (i) Frame Type (i) Reason Length (i) Reason
 *                    0x1d: Error Code (i)                Reason Length (i) Reason
 * ```
 */
import { QuicParseError, Reader } from './reader.js';
import type { QuicAckFrame, QuicConnectionCloseFrame, QuicCryptoFrame, QuicFrame } from './types.js';

/** The highest offset + length a crypto stream can have (RFC 9000 §19.6: 2^62 - 1). */
const MAX_CRYPTO_END = 2 ** 62 - 1;

/**
 * Every frame of `payload`. Throws QuicParseError (with the frames before the fault in `frames`)
 * for a truncated frame or a frame type whose length cannot be known.
 */
export function parseQuicFrames(payload: Uint8Array): QuicFrame[] {
  const r = new Reader(payload, 0, payload.length);
  const frames: QuicFrame[] = [];
  try {
    while (r.left > 0) frames.push(parseFrame(r));
  } catch (e) {
    if (e instanceof QuicParseError) e.frames = frames;
    throw e;
  }
  return frames;
}

/** Only the CRYPTO frames of `frames`, in the order sent. */
export function cryptoFrames(frames: readonly QuicFrame[]): QuicCryptoFrame[] {
  return frames.filter((f): f is QuicCryptoFrame => f.type === 'crypto');
}

function parseFrame(r: Reader): QuicFrame {
  const at = r.pos;
  const type = r.varint('frame type');
  switch (type) {
    case 0x00: {
      let length = 1;
      while (r.left > 0 && r.b[r.pos] === 0) {
        r.pos++;
        length++;
      }
      return { type: 'padding', length };
    }
    case 0x01:
      return { type: 'ping' };
    case 0x02:
    case 0x03: {
      const largest = r.varint('ack largest');
      const delay = r.varint('ack delay');
      const count = r.varint('ack range count');
      const firstRange = r.varint('ack first range');
      const ranges: [number, number][] = [];
      // Each range takes at least 2 bytes, so a lying count runs out of bytes, not of time.
      for (let i = 0; i < count; i++) ranges.push([r.varint('ack gap'), r.varint('ack range length')]);
      const ack: QuicAckFrame = { type: 'ack', largest, delay, firstRange, ranges };
      if (type === 0x03) ack.ecn = [r.varint('ack ect0'), r.varint('ack ect1'), r.varint('ack ecn-ce')];
      return ack;
    }
    case 0x06: {
      const offset = r.varint('crypto offset');
      const lengthAt = r.pos;
      const length = r.varint('crypto length');
      if (offset + length > MAX_CRYPTO_END) throw new QuicParseError(lengthAt, 'crypto length', 'ends beyond 2^62 - 1');
      return { type: 'crypto', offset, data: r.bytes(length, 'crypto data') };
    }
    case 0x1c:
    case 0x1d: {
      const errorCode = r.varint('close error code');
      const frameType = type === 0x1c ? r.varint('close frame type') : undefined;
      const reasonBytes = r.bytes(r.varint('close reason length'), 'close reason');
      const close: QuicConnectionCloseFrame = { type: 'connection-close', application: type === 0x1d, errorCode, reason: new TextDecoder().decode(reasonBytes) };
      if (frameType !== undefined) close.frameType = frameType;
      return close;
    }
    default:
      skipOther(r, type, at);
      return { type: 'other', frameType: type, length: r.pos - at };
  }
}

/** Skips a frame not expected in Initial packets but of known layout; throws for an unknown type. */
function skipOther(r: Reader, type: number, at: number): void {
  const varints = (n: number): void => {
    for (let i = 0; i < n; i++) r.varint('frame field');
  };
  if (type >= 0x08 && type <= 0x0f) { // STREAM: OFF (0x04), LEN (0x02), FIN (0x01) bits
    r.varint('stream id');
    if (type & 0x04) r.varint('stream offset');
    if (type & 0x02) r.skip(r.varint('stream length'), 'stream data');
    else r.skip(r.left, 'stream data');
    return;
  }
  switch (type) {
    case 0x04: return varints(3); // RESET_STREAM
    case 0x05: return varints(2); // STOP_SENDING
    case 0x07: return r.skip(r.varint('token length'), 'new token'); // NEW_TOKEN
    case 0x10: return varints(1); // MAX_DATA
    case 0x11: return varints(2); // MAX_STREAM_DATA
    case 0x12: case 0x13: return varints(1); // MAX_STREAMS
    case 0x14: return varints(1); // DATA_BLOCKED
    case 0x15: return varints(2); // STREAM_DATA_BLOCKED
    case 0x16: case 0x17: return varints(1); // STREAMS_BLOCKED
    case 0x18: { // NEW_CONNECTION_ID: Sequence, Retire Prior To, Length (8), CID, Stateless Reset Token (128)
      varints(2);
      r.skip(r.u8('connection id length'), 'connection id');
      return r.skip(16, 'stateless reset token');
    }
    case 0x19: return varints(1); // RETIRE_CONNECTION_ID
    case 0x1a: case 0x1b: return r.skip(8, 'path data'); // PATH_CHALLENGE / PATH_RESPONSE
    case 0x1e: return; // HANDSHAKE_DONE
    case 0x30: return r.skip(r.left, 'datagram data'); // DATAGRAM to the end (RFC 9221)
    case 0x31: return r.skip(r.varint('datagram length'), 'datagram data');
    default:
      throw new QuicParseError(at, 'frame type', `0x${type.toString(16)} is unknown: its length cannot be known`);
  }
}
