/**
 * QUIC versions this module knows, and what differs between them for an observer: the long
 * header's packet type bits and the Initial salt/labels (src/dpi/quic/keys.ts).
 *
 * ```
 *   type bits   v1 (RFC 9000 §17.2)   v2 (RFC 9369 §3.2)
 *       0b00    Initial               Retry
 *       0b01    0-RTT                 Initial
 *       0b10    Handshake             0-RTT
 *       0b11    Retry                 Handshake
 * ```
 * IETF drafts 22–34 (0xff000016–0xff000022) use the v1 layout (draft 22 brought the 8-bit
 * connection ID lengths; older drafts are long gone). Any other version — greased ones such as
 * 0x?a?a?a?a (RFC 9000 §15), Google's Q0xx/T0xx — has only the version-independent fields of
 * RFC 8999 for us: form bit, version, connection IDs.
 */

export const QUIC_VERSION_NEGOTIATION = 0x00000000;
export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
export const QUIC_DRAFT_29 = 0xff00001d;

/** Long header packet types, independent of how a version numbers them. */
export type QuicPacketType =
  | 'initial'
  | '0rtt'
  | 'handshake'
  | 'retry'
  | 'version-negotiation'
  | 'short'
  /** A long header of a version whose layout we do not know. */
  | 'unknown';

const V1_TYPES: readonly QuicPacketType[] = ['initial', '0rtt', 'handshake', 'retry'];
const V2_TYPES: readonly QuicPacketType[] = ['retry', 'initial', '0rtt', 'handshake'];

const FIRST_V1_LAYOUT_DRAFT = 0xff000016; // draft-22
const LAST_DRAFT = 0xff000022; // draft-34

/** True for an IETF draft version whose long header has the v1 layout. */
function isDraft(version: number): boolean {
  const v = version >>> 0;
  return v >= FIRST_V1_LAYOUT_DRAFT && v <= LAST_DRAFT;
}

/** True when the long header layout (type bits, token, Length) of `version` is known. */
export function isKnownQuicVersion(version: number): boolean {
  return version === QUIC_V1 || version === QUIC_V2 || isDraft(version);
}

/** The packet type the 2 type bits of a long header mean in `version` ('unknown' when that layout is unknown). */
export function longPacketType(version: number, typeBits: number): QuicPacketType {
  if (version === QUIC_VERSION_NEGOTIATION) return 'version-negotiation';
  if (version === QUIC_V2) return V2_TYPES[typeBits & 3]!;
  if (version === QUIC_V1 || isDraft(version)) return V1_TYPES[typeBits & 3]!;
  return 'unknown';
}

/** "1", "2", "draft-29", "negotiation", else the version in hex ("0x1a2a3a4a"). */
export function quicVersionName(v: number): string {
  switch (v >>> 0) {
    case QUIC_V1: return '1';
    case QUIC_V2: return '2';
    case QUIC_DRAFT_29: return 'draft-29';
    case QUIC_VERSION_NEGOTIATION: return 'negotiation';
    default: return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
  }
}
