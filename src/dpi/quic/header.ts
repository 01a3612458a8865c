/**
 * QUIC packet headers of one UDP datagram (RFC 8999 invariants, RFC 9000 §17, RFC 9369 §3).
 *
 * ```
 * long:  |1|F|T T|x x x x| Version (32) | DCID Len (8) | DCID (0..160) | SCID Len (8) | SCID …
 *   Initial:    … Token Length (i) | Token | Length (i) | Packet Number (8..32) | Payload
 *   0-RTT, Handshake:            … Length (i) | Packet Number (8..32) | Payload
 *   Retry:      … Retry Token (to 16 bytes before the end) | Retry Integrity Tag (128)
 *   Version Negotiation (version 0): … Supported Version (32) …
 * short: |0|F|S|R R|K|P P| DCID (length known only to the endpoints) | Packet Number | Payload
 * ```
 * A datagram may coalesce several long header packets, the last possibly a short header one
 * (RFC 9000 §12.2). Packets with a Length field are walked one after the other; a short header,
 * Retry, Version Negotiation or an unknown version runs to the end of the datagram. The bits
 * under header protection (reserved bits, packet number length) are left alone here.
 */
import { QuicParseError, Reader } from './reader.js';
import type { QuicPacketInfo } from './types.js';
import { isKnownQuicVersion, longPacketType, QUIC_VERSION_NEGOTIATION } from './version.js';

/** RFC 9000 §17.2: a v1 connection ID is at most 20 bytes (RFC 8999 allows 255 for other versions). */
export const MAX_CID_LENGTH = 20;
/** RFC 9001 §5.8: the Retry Integrity Tag. */
export const RETRY_INTEGRITY_TAG_LENGTH = 16;

/**
 * Parses every packet header of the datagram at `bytes[offset, offset + length)`.
 * `shortDcidLength` is the connection ID length a short header carries, when the caller knows it
 * from the handshake (the header does not say); the short header's `dcid` is empty otherwise.
 * Throws QuicParseError (with the packets parsed before the fault) on malformed input.
 */
export function parseQuicLongHeaders(bytes: Uint8Array, offset: number, length: number, shortDcidLength = 0): QuicPacketInfo[] {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new QuicParseError(offset, 'datagram', `region ${offset}+${length} lies outside a ${bytes.length}-byte buffer`);
  }
  if (!Number.isInteger(shortDcidLength) || shortDcidLength < 0 || shortDcidLength > 255) {
    throw new QuicParseError(offset, 'short header dcid length', `${shortDcidLength} is not a connection ID length (0–255)`);
  }
  if (length === 0) throw new QuicParseError(offset, 'header form', 'empty datagram');
  const end = offset + length;
  const packets: QuicPacketInfo[] = [];
  let pos = offset;
  try {
    while (pos < end) {
      const p = parsePacket(bytes, pos, end, shortDcidLength);
      packets.push(p);
      pos = p.end;
    }
  } catch (e) {
    if (e instanceof QuicParseError) e.packets = [...packets, ...e.packets];
    throw e;
  }
  return packets;
}

function parsePacket(bytes: Uint8Array, start: number, end: number, shortDcidLength: number): QuicPacketInfo {
  const r = new Reader(bytes, start, end);
  const first = r.u8('header form');
  const fixedBit = (first & 0x40) !== 0;
  if ((first & 0x80) === 0) {
    return {
      offset: start, end, headerForm: 'short', fixedBit, version: undefined, typeBits: -1, packetType: 'short',
      dcid: r.bytes(shortDcidLength, 'dcid'), scid: new Uint8Array(0), token: undefined, retryIntegrityTag: undefined,
      supportedVersions: undefined, length: -1, pnOffset: -1, truncated: false,
    };
  }
  const version = r.u32('version');
  const known = isKnownQuicVersion(version);
  const cidLimit = known ? MAX_CID_LENGTH : 255;
  const dcid = cid(r, 'dcid', cidLimit);
  const scid = cid(r, 'scid', cidLimit);
  const typeBits = (first >> 4) & 3;
  const packetType = longPacketType(version, typeBits);
  const info: QuicPacketInfo = {
    offset: start, end, headerForm: 'long', fixedBit, version, typeBits, packetType, dcid, scid, token: undefined,
    retryIntegrityTag: undefined, supportedVersions: undefined, length: -1, pnOffset: -1, truncated: false,
  };
  if (version === QUIC_VERSION_NEGOTIATION) {
    if (r.left % 4 !== 0) throw new QuicParseError(r.pos, 'supported versions', `${r.left} bytes is not a list of 32-bit versions`);
    const versions: number[] = [];
    while (r.left > 0) versions.push(r.u32('supported version'));
    info.supportedVersions = versions;
    return info;
  }
  // A version we do not know: only the invariant fields mean anything; the rest is its own.
  if (!known) return info;
  if (packetType === 'retry') {
    if (r.left < RETRY_INTEGRITY_TAG_LENGTH) {
      throw new QuicParseError(r.pos, 'retry integrity tag', `needs ${RETRY_INTEGRITY_TAG_LENGTH} bytes, ${r.left} left`);
    }
    info.token = r.bytes(r.left - RETRY_INTEGRITY_TAG_LENGTH, 'retry token');
    info.retryIntegrityTag = r.bytes(RETRY_INTEGRITY_TAG_LENGTH, 'retry integrity tag');
    return info;
  }
  if (packetType === 'initial') info.token = r.bytes(r.varint('token length'), 'token');
  const lengthAt = r.pos;
  const len = r.varint('length');
  if (len === 0) throw new QuicParseError(lengthAt, 'length', 'no room for a packet number');
  info.length = len;
  info.pnOffset = r.pos;
  if (len > r.left) {
    // Cut by a snaplen (or not QUIC at all): the header is still worth reporting.
    const e = new QuicParseError(r.pos, 'packet payload', `Length ${len} runs past the datagram's end (${r.left} bytes left)`);
    e.packets = [{ ...info, truncated: true }];
    throw e;
  }
  info.end = r.pos + len;
  return info;
}

function cid(r: Reader, field: string, limit: number): Uint8Array {
  const at = r.pos;
  const n = r.u8(`${field} length`);
  if (n > limit) throw new QuicParseError(at, `${field} length`, `${n} exceeds ${limit}`);
  return r.bytes(n, field);
}
