/**
 * What the QUIC parsers report. Byte fields (connection IDs, tokens, CRYPTO data) are copies, not
 * views: a capture source reuses its buffer after each packet.
 */
import type { QuicPacketType } from './version.js';

/** One QUIC packet of a UDP datagram (several may be coalesced, RFC 9000 §12.2). */
export interface QuicPacketInfo {
  /** Offset of the packet's first byte in the buffer given to the parser. */
  offset: number;
  /**
   * One past its last byte: the extent of the Length field for Initial/0-RTT/Handshake, the end of
   * the datagram for Retry, Version Negotiation, short headers and versions we do not know.
   */
  end: number;
  headerForm: 'long' | 'short';
  /** The fixed bit (0x40). Must be 1 except in Version Negotiation and with RFC 9287 greasing. */
  fixedBit: boolean;
  /** Long header: the version (0 = Version Negotiation). Short header: undefined. */
  version: number | undefined;
  /** Long header: the 2 raw type bits (what they mean depends on the version). Short header: -1. */
  typeBits: number;
  packetType: QuicPacketType;
  dcid: Uint8Array;
  /** Empty for a short header. */
  scid: Uint8Array;
  /** Initial: the token (empty unless the client got one from Retry/NEW_TOKEN). Retry: the retry token. */
  token: Uint8Array | undefined;
  /** Retry: the 16-byte Retry Integrity Tag (RFC 9001 §5.8). */
  retryIntegrityTag: Uint8Array | undefined;
  /** Version Negotiation: the versions the server lists. */
  supportedVersions: number[] | undefined;
  /** Initial/0-RTT/Handshake: the Length field (packet number + protected payload); otherwise -1. */
  length: number;
  /**
   * Initial/0-RTT/Handshake: offset of the protected packet number; the protected payload follows
   * it up to `end` (the packet number's own length is itself protected). Otherwise -1.
   */
  pnOffset: number;
  /**
   * The Length field runs past the end of the datagram (a snaplen cut it): the header fields are
   * good, `end` is the datagram's end, the payload cannot be decrypted. Such a packet is only
   * found last in QuicParseError.packets, never in a normal result.
   */
  truncated: boolean;
}

/** Data of one CRYPTO frame: `data` belongs at `offset` of the packet number space's crypto stream. */
export interface QuicCryptoFrame {
  type: 'crypto';
  offset: number;
  data: Uint8Array;
}

export interface QuicAckFrame {
  type: 'ack';
  largest: number;
  delay: number;
  /** First ACK range, then [gap, length] pairs as sent. */
  firstRange: number;
  ranges: [gap: number, length: number][];
  /** ACK_ECN (0x03): ECT(0), ECT(1), ECN-CE counts. */
  ecn?: [ect0: number, ect1: number, ce: number];
}

export interface QuicConnectionCloseFrame {
  type: 'connection-close';
  /** 0x1c: a transport error; 0x1d: an application error. */
  application: boolean;
  errorCode: number;
  /** 0x1c only: the type of the frame that caused the error. */
  frameType?: number;
  reason: string;
}

export type QuicFrame =
  /** A run of consecutive PADDING bytes, as one entry. */
  | { type: 'padding'; length: number }
  | { type: 'ping' }
  | QuicAckFrame
  | QuicCryptoFrame
  | QuicConnectionCloseFrame
  /** A frame not expected in Initial packets, whose layout we know and skipped. */
  | { type: 'other'; frameType: number; length: number };
