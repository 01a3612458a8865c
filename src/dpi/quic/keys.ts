/**
 * Initial packet keys (RFC 9001 §5.2, RFC 9369 §3.3). They protect nothing secret: anyone who
 * sees the client's first Destination Connection ID derives them, which is what lets an observer
 * read the ClientHello.
 *
 * ```
 *   initial_secret = HKDF-Extract(salt(version), client_dst_connection_id)
 *   client_secret  = HKDF-Expand-Label(initial_secret, "client in", "", 32)   ("server in")
 *   key = HKDF-Expand-Label(secret, "quic key", "", 16)     v2: "quicv2 key"
 *   iv  = HKDF-Expand-Label(secret, "quic iv",  "", 12)     v2: "quicv2 iv"
 *   hp  = HKDF-Expand-Label(secret, "quic hp",  "", 16)     v2: "quicv2 hp"
 * ```
 * HKDF-Expand-Label is TLS 1.3's (RFC 8446 §7.1): the label is prefixed "tls13 ", SHA-256,
 * AEAD_AES_128_GCM — Initial packets always use these.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { QUIC_DRAFT_29, QUIC_V1, QUIC_V2 } from './version.js';

interface InitialParams {
  readonly salt: Buffer;
  readonly key: string;
  readonly iv: string;
  readonly hp: string;
}

const V1_PARAMS: InitialParams = {
  salt: Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'), // RFC 9001 §5.2
  key: 'quic key', iv: 'quic iv', hp: 'quic hp',
};
const V2_PARAMS: InitialParams = {
  salt: Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'), // RFC 9369 §3.3.1
  key: 'quicv2 key', iv: 'quicv2 iv', hp: 'quicv2 hp',
};
const DRAFT_29_PARAMS: InitialParams = {
  salt: Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex'), // draft-ietf-quic-tls-29 §5.2
  key: 'quic key', iv: 'quic iv', hp: 'quic hp',
};

/** Drafts 29–32 share draft-29's salt; drafts 33 and 34 already have RFC 9001's (as in quinn, ngtcp2). */
const DRAFT_32 = 0xff000020;
const DRAFT_34 = 0xff000022;

function params(version: number): InitialParams | undefined {
  const v = version >>> 0;
  if (v === QUIC_V1) return V1_PARAMS;
  if (v === QUIC_V2) return V2_PARAMS;
  if (v >= QUIC_DRAFT_29 && v <= DRAFT_32) return DRAFT_29_PARAMS;
  if (v > DRAFT_32 && v <= DRAFT_34) return V1_PARAMS;
  return undefined;
}

/** True when deriveInitialKeys knows the salt of `version`. */
export function hasInitialKeys(version: number): boolean {
  return params(version) !== undefined;
}

export interface QuicInitialKeys {
  readonly version: number;
  readonly side: 'client' | 'server';
  /** client_initial_secret or server_initial_secret. */
  readonly secret: Uint8Array;
  /** AEAD_AES_128_GCM key (16 bytes). */
  readonly key: Uint8Array;
  /** AEAD nonce base (12 bytes), XORed with the packet number. */
  readonly iv: Uint8Array;
  /** Header protection key (16 bytes, AES-128-ECB). */
  readonly hp: Uint8Array;
}

/** TLS 1.3 HKDF-Expand-Label with an empty context, SHA-256 (RFC 8446 §7.1). */
export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Uint8Array {
  return hkdfExpand(secret, labelInfo(label, length), length);
}

/** HKDF-Expand (RFC 5869 §2.3), SHA-256: node's hkdfSync always extracts first, so it is done here. */
function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let filled = 0, i = 1; filled < length; i++) {
    t = createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i)).digest();
    out.set(t.subarray(0, Math.min(t.length, length - filled)), filled);
    filled += t.length;
  }
  return out;
}

/** The HkdfLabel structure: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255> = "". */
function labelInfo(label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.alloc(4 + full.length); // the last byte, the empty context's length, stays 0
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  full.copy(info, 3);
  return info;
}

/**
 * The Initial keys one side uses to protect its packets: for reading a client's Initials,
 * `side = 'client'` and `dcid` = the Destination Connection ID of the client's first Initial (or,
 * after a Retry, the Source Connection ID the Retry chose — the client's next DCID).
 * Throws for a version whose Initial salt is unknown (see hasInitialKeys).
 */
export function deriveInitialKeys(dcid: Uint8Array, version: number, side: 'client' | 'server'): QuicInitialKeys {
  const p = params(version);
  if (p === undefined) throw new Error(`QUIC: no Initial salt for version 0x${(version >>> 0).toString(16)}`);
  // HKDF-Expand-Label(HKDF-Extract(salt, dcid), "client in", "", 32) in one call.
  const secret = new Uint8Array(hkdfSync('sha256', dcid, p.salt, labelInfo(side === 'client' ? 'client in' : 'server in', 32), 32));
  return {
    version: version >>> 0,
    side,
    secret,
    key: hkdfExpandLabel(secret, p.key, 16),
    iv: hkdfExpandLabel(secret, p.iv, 12),
    hp: hkdfExpandLabel(secret, p.hp, 16),
  };
}
