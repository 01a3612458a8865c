/**
 * @module dpi/quic — IETF QUIC as an observer sees it: the packet headers of a UDP datagram
 * (v1, v2, drafts; Retry and Version Negotiation recognised), Initial packet decryption from the
 * public Initial keys, the frames inside, and per connection the reassembled TLS ClientHello that
 * the client's Initials carry (for SNI, ALPN, JA4). node:crypto only; imports nothing else.
 */
export { MAX_CRYPTO_BYTES, MAX_KEY_SETS, MAX_PENDING, MAX_PENDING_BYTES, MAX_RANGES, QuicInitialAssembler } from './assembler.js';
export { cryptoFrames, parseQuicFrames } from './frames.js';
export { MAX_CID_LENGTH, parseQuicLongHeaders, RETRY_INTEGRITY_TAG_LENGTH } from './header.js';
export { deriveInitialKeys, hasInitialKeys, hkdfExpandLabel, type QuicInitialKeys } from './keys.js';
export {
  decodePacketNumber, decryptInitial, headerProtectionMask, openLongHeaderPacket, verifyRetryIntegrity,
  type QuicOpenedPacket,
} from './protection.js';
export { QuicParseError, toHex } from './reader.js';
export type {
  QuicAckFrame, QuicConnectionCloseFrame, QuicCryptoFrame, QuicFrame, QuicPacketInfo,
} from './types.js';
export {
  isKnownQuicVersion, longPacketType, QUIC_DRAFT_29, QUIC_V1, QUIC_V2, QUIC_VERSION_NEGOTIATION, quicVersionName,
  type QuicPacketType,
} from './version.js';
