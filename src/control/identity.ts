/**
 * Who sent a command. A NATS subscriber cannot see which user published a request, so a caller
 * proves its identity by signing the request with an nkey (ed25519, the keys NATS itself uses):
 * the signature covers the target, the verb, a timestamp, a nonce and the body's SHA-256. The
 * agent checks it, rejects stale timestamps and reused nonces, and looks the public key up in its
 * policy. Unsigned requests are anonymous (read-only by default). Over HTTP the same headers work,
 * and so does a bearer token listed in the policy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createUser, fromPublic, fromSeed, type KeyPair } from '@nats-io/nkeys';
import { ControlError, ControlErrorCode } from './protocol.js';

export const HEADER_IDENTITY = 'Weft-Identity';
export const HEADER_TIME = 'Weft-Time';
export const HEADER_NONCE = 'Weft-Nonce';
export const HEADER_SIGNATURE = 'Weft-Signature';

/** How far a request's clock may be from the agent's. */
const MAX_SKEW_MS = 60_000;
/** Nonces remembered (2 × skew window worth of requests at most). */
const MAX_NONCES = 100_000;

export interface SignedHeaders {
  readonly [HEADER_IDENTITY]: string;
  readonly [HEADER_TIME]: string;
  readonly [HEADER_NONCE]: string;
  readonly [HEADER_SIGNATURE]: string;
}

function signedText(target: string, verb: string, time: string, nonce: string, body: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(body).digest('hex');
  return Buffer.from(`weft-ctl-v1\n${target}\n${verb}\n${time}\n${nonce}\n${digest}`, 'utf8');
}

/** A caller's signing key (an nkey user seed, `SU…`). */
export class Signer {
  private readonly pair: KeyPair;
  readonly publicKey: string;

  constructor(seed: string) {
    try {
      this.pair = fromSeed(Buffer.from(seed.trim(), 'utf8'));
    } catch (error) {
      throw new ControlError(ControlErrorCode.BAD_REQUEST, `not an nkey seed: ${(error as Error).message}`);
    }
    this.publicKey = this.pair.getPublicKey();
  }

  static fromFile(path: string): Signer {
    return new Signer(readSeed(path));
  }

  sign(target: string, verb: string, body: Uint8Array, nowMs = Date.now()): SignedHeaders {
    const time = String(nowMs);
    const nonce = randomBytes(12).toString('base64url');
    const signature = Buffer.from(this.pair.sign(signedText(target, verb, time, nonce, body))).toString('base64url');
    return { [HEADER_IDENTITY]: this.publicKey, [HEADER_TIME]: time, [HEADER_NONCE]: nonce, [HEADER_SIGNATURE]: signature };
  }
}

/** The seed in an nkey seed file or a NATS creds file (the block after `BEGIN USER NKEY SEED`). */
export function readSeed(path: string): string {
  const text = readFileSync(path, 'utf8');
  const creds = /-----BEGIN USER NKEY SEED-----\s*([A-Z0-9]+)\s*------END USER NKEY SEED------/.exec(text);
  const seed = creds?.[1] ?? text.split('\n').map((l) => l.trim()).find((l) => l.startsWith('S'));
  if (seed === undefined) throw new ControlError(ControlErrorCode.BAD_REQUEST, `${path}: no nkey seed (SU…) found`);
  return seed;
}

/** Creates an nkey user seed file (0600) when it does not exist; returns its public key. */
export function ensureSeedFile(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const seed = Buffer.from(createUser().getSeed()).toString('utf8');
    writeFileSync(path, `${seed}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return Signer.fromFile(path).publicKey;
}

/** The agent's side: checks signatures, clocks and nonces. */
export class SignatureVerifier {
  /** nonce → time seen; insertion-ordered so the oldest go first. */
  private readonly nonces = new Map<string, number>();

  /**
   * Returns the verified public key, undefined when the request is unsigned, or throws an
   * unauthenticated error naming what is wrong.
   */
  verify(headers: (name: string) => string | undefined, target: string, verb: string, body: Uint8Array, nowMs = Date.now()): string | undefined {
    const key = headers(HEADER_IDENTITY);
    const signature = headers(HEADER_SIGNATURE);
    if (key === undefined && signature === undefined) return undefined;
    const time = headers(HEADER_TIME);
    const nonce = headers(HEADER_NONCE);
    const fail = (why: string): never => { throw new ControlError(ControlErrorCode.UNAUTHENTICATED, `signed request: ${why}`); };
    if (key === undefined || signature === undefined || time === undefined || nonce === undefined) {
      return fail(`needs all of ${HEADER_IDENTITY}, ${HEADER_TIME}, ${HEADER_NONCE}, ${HEADER_SIGNATURE}`);
    }
    const t = Number(time);
    if (!Number.isFinite(t) || Math.abs(nowMs - t) > MAX_SKEW_MS) return fail(`${HEADER_TIME} ${time} is more than ${MAX_SKEW_MS / 1000}s from the agent's clock`);
    let ok = false;
    try {
      ok = fromPublic(key).verify(signedText(target, verb, time, nonce, body), Buffer.from(signature, 'base64url'));
    } catch (error) {
      return fail(`${HEADER_IDENTITY}: ${(error as Error).message}`);
    }
    if (!ok) return fail(`bad signature for ${key}`);
    this.expire(nowMs);
    if (this.nonces.has(nonce)) return fail(`nonce ${nonce} was already used (a replayed request)`);
    if (this.nonces.size >= MAX_NONCES) this.nonces.delete(this.nonces.keys().next().value!);
    this.nonces.set(nonce, nowMs);
    return key;
  }

  private expire(nowMs: number): void {
    for (const [nonce, seen] of this.nonces) {
      if (nowMs - seen <= 2 * MAX_SKEW_MS) break;
      this.nonces.delete(nonce);
    }
  }
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
