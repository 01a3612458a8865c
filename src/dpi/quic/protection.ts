/**
 * Opening a protected long header packet (RFC 9001 §5.3–5.4): header protection first, then the
 * AEAD.
 *
 * ```
 *   sample = 16 bytes at pn_offset + 4          (as if the packet number were 4 bytes long)
 *   mask   = AES-128-ECB(hp, sample)[0..5]
 *   first byte ^= mask[0] & 0x0f                 (long header: reserved bits + pn length)
 *   packet number (1–4 bytes) ^= mask[1..]
 *   nonce  = iv XOR packet number (left-padded to 12 bytes)
 *   payload = AES-128-GCM-Open(key, nonce, aad = the unprotected header, ciphertext ‖ 16-byte tag)
 * ```
 * Nothing here throws on bad bytes: a packet too short to sample or one whose tag does not verify
 * (wrong keys, corrupted, not QUIC) comes back as null. The datagram is never modified.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { QuicInitialKeys } from './keys.js';
import { copyOf } from './reader.js';
import type { QuicPacketInfo } from './types.js';
import { QUIC_V1, QUIC_V2 } from './version.js';

const SAMPLE_LENGTH = 16;
const AEAD_TAG_LENGTH = 16;
/** The sample starts 4 bytes into the packet number field, whatever its real length. */
const SAMPLE_OFFSET = 4;

/** The 5 mask bytes AES-128-ECB(hp, sample) gives for header protection. */
export function headerProtectionMask(hp: Uint8Array, sample: Uint8Array): Uint8Array {
  const ecb = createCipheriv('aes-128-ecb', hp, null);
  ecb.setAutoPadding(false);
  return new Uint8Array(ecb.update(sample.subarray(0, SAMPLE_LENGTH))).subarray(0, 5);
}

/**
 * The full packet number from its truncated encoding (RFC 9000 §A.3): the value closest to the
 * next one expected after `largestPn` (-1 when none has been received in this space).
 */
export function decodePacketNumber(largestPn: number, truncated: number, bits: number): number {
  const expected = largestPn + 1;
  const win = 2 ** bits;
  const hwin = win / 2;
  const candidate = Math.floor(expected / win) * win + truncated;
  if (candidate <= expected - hwin && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

export interface QuicOpenedPacket {
  /** The header with protection removed (the AEAD's associated data). */
  header: Uint8Array;
  packetNumber: number;
  /** The decrypted frames. */
  payload: Uint8Array;
}

/**
 * Removes header protection from the long header packet `packet` (as parsed from `datagram`) and
 * decrypts it with `keys`; null when it is too short or does not authenticate.
 */
export function openLongHeaderPacket(
  packet: QuicPacketInfo, datagram: Uint8Array, keys: QuicInitialKeys, largestPn = -1,
): QuicOpenedPacket | null {
  const start = packet.offset;
  const pnOffset = packet.pnOffset;
  const end = packet.end;
  if (packet.headerForm !== 'long' || pnOffset <= start || end > datagram.length) return null;
  if (pnOffset + SAMPLE_OFFSET + SAMPLE_LENGTH > end) return null;
  const mask = headerProtectionMask(keys.hp, datagram.subarray(pnOffset + SAMPLE_OFFSET, pnOffset + SAMPLE_OFFSET + SAMPLE_LENGTH));
  const first = datagram[start]! ^ (mask[0]! & 0x0f);
  const pnLength = (first & 3) + 1;
  // pnOffset + 20 <= end: the 1–4 packet number bytes and the 16-byte tag always fit.
  const header = copyOf(datagram, start, pnOffset + pnLength);
  header[0] = first;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    const at = pnOffset - start + i;
    header[at] = header[at]! ^ mask[1 + i]!;
    truncated = truncated * 256 + header[at]!;
  }
  const packetNumber = decodePacketNumber(largestPn, truncated, pnLength * 8);
  const nonce = new Uint8Array(keys.iv);
  const hi = Math.floor(packetNumber / 2 ** 32);
  const lo = packetNumber >>> 0;
  for (let i = 0; i < 4; i++) {
    nonce[4 + i] = nonce[4 + i]! ^ ((hi >>> (24 - 8 * i)) & 0xff);
    nonce[8 + i] = nonce[8 + i]! ^ ((lo >>> (24 - 8 * i)) & 0xff);
  }
  const payload = aeadOpen(keys.key, nonce, header, datagram.subarray(pnOffset + pnLength, end));
  return payload === null ? null : { header, packetNumber, payload };
}

/**
 * The plaintext frames of an Initial packet, or null when `packet` is not an Initial, is too
 * short, or does not authenticate with `keys` (no throw).
 */
export function decryptInitial(packet: QuicPacketInfo, datagram: Uint8Array, keys: QuicInitialKeys, largestPn = -1): Uint8Array | null {
  if (packet.packetType !== 'initial') return null;
  return openLongHeaderPacket(packet, datagram, keys, largestPn)?.payload ?? null;
}

/** AES-128-GCM open of `sealed` (ciphertext ‖ tag); null when the tag does not verify. */
function aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < AEAD_TAG_LENGTH) return null;
  const split = sealed.length - AEAD_TAG_LENGTH;
  const gcm = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  gcm.setAAD(aad);
  gcm.setAuthTag(sealed.subarray(split));
  try {
    const head = gcm.update(sealed.subarray(0, split));
    const tail = gcm.final();
    return tail.length === 0 ? new Uint8Array(head) : new Uint8Array(Buffer.concat([head, tail]));
  } catch {
    return null; // authentication failed
  }
}

/** RFC 9001 §5.8 and RFC 9369 §3.3.3: the fixed key and nonce of the Retry Integrity Tag. */
const RETRY_INTEGRITY: ReadonlyMap<number, { key: Buffer; nonce: Buffer }> = new Map([
  [QUIC_V1, { key: Buffer.from('be0c690b9f66575a1d766b54e368c84e', 'hex'), nonce: Buffer.from('461599d35d632bf2239825bb', 'hex') }],
  [QUIC_V2, { key: Buffer.from('8fb4b01b56ac48e260fbcbcead7ccc92', 'hex'), nonce: Buffer.from('d86969bc2d7c6d9990efb04a', 'hex') }],
]);

/**
 * Checks a Retry packet's integrity tag against the client's original DCID: true/false, or
 * undefined for a version whose Retry key is not known here (or a packet that is not a Retry).
 */
export function verifyRetryIntegrity(packet: QuicPacketInfo, datagram: Uint8Array, originalDcid: Uint8Array): boolean | undefined {
  const k = packet.version === undefined ? undefined : RETRY_INTEGRITY.get(packet.version);
  const tag = packet.retryIntegrityTag;
  if (packet.packetType !== 'retry' || k === undefined || tag === undefined || originalDcid.length > 255) return undefined;
  // Retry Pseudo-Packet: ODCID Length (8), Original Destination Connection ID, the Retry packet without its tag.
  const body = datagram.subarray(packet.offset, packet.end - tag.length);
  const pseudo = new Uint8Array(1 + originalDcid.length + body.length);
  pseudo[0] = originalDcid.length;
  pseudo.set(originalDcid, 1);
  pseudo.set(body, 1 + originalDcid.length);
  const gcm = createCipheriv('aes-128-gcm', k.key, k.nonce);
  gcm.setAAD(pseudo);
  gcm.final();
  return Buffer.from(gcm.getAuthTag()).equals(Buffer.from(tag));
}
