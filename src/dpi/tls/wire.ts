/**
 * Encoders for TLS handshake structures — the inverse of the parsers, for tests, fixtures and
 * benchmarks that need a hello on the wire without a capture. Not used on the parsing path and
 * not exported from index.ts. Lengths are computed, never checked: a caller wanting a malformed
 * hello edits the bytes afterwards.
 */

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function u8s(...v: number[]): Uint8Array {
  return Uint8Array.from(v);
}

export function u16s(...v: number[]): Uint8Array {
  const out = new Uint8Array(v.length * 2);
  v.forEach((x, i) => { out[2 * i] = x >> 8; out[2 * i + 1] = x & 0xff; });
  return out;
}

/** A vector: `lengthBytes`-byte big-endian length, then the bytes. */
export function vec(lengthBytes: 1 | 2 | 3, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = lengthBytes === 1 ? u8s(n) : lengthBytes === 2 ? u16s(n) : u8s(n >> 16, (n >> 8) & 0xff, n & 0xff);
  return concat(len, body);
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

export type Extension = [type: number, data: Uint8Array];

/** extension_data of the common client extensions. */
export const ext = {
  sni: (host: string): Extension => [0, vec(2, concat(u8s(0), vec(2, ascii(host))))],
  alpn: (...protocols: string[]): Extension => [16, vec(2, concat(...protocols.map((p) => vec(1, ascii(p)))))],
  supportedVersions: (...v: number[]): Extension => [43, vec(1, u16s(...v))],
  selectedVersion: (v: number): Extension => [43, u16s(v)],
  groups: (...v: number[]): Extension => [10, vec(2, u16s(...v))],
  pointFormats: (...v: number[]): Extension => [11, vec(1, u8s(...v))],
  sigAlgs: (...v: number[]): Extension => [13, vec(2, u16s(...v))],
  sigAlgsCert: (...v: number[]): Extension => [50, vec(2, u16s(...v))],
  raw: (type: number, data: Uint8Array = new Uint8Array(0)): Extension => [type, data],
};

function extensionsBlock(exts: readonly Extension[] | undefined): Uint8Array {
  if (exts === undefined) return new Uint8Array(0); // no block at all
  return vec(2, concat(...exts.map(([t, d]) => concat(u16s(t), vec(2, d)))));
}

export interface ClientHelloSpec {
  version?: number;
  random?: Uint8Array;
  sessionId?: Uint8Array;
  ciphers?: number[];
  compression?: number[];
  /** undefined: no extensions block (an SSLv3-style hello). */
  extensions?: readonly Extension[];
}

/** A ClientHello body (no handshake header). */
export function clientHelloBody(s: ClientHelloSpec = {}): Uint8Array {
  return concat(
    u16s(s.version ?? 0x0303),
    s.random ?? new Uint8Array(32).fill(0x11),
    vec(1, s.sessionId ?? new Uint8Array(0)),
    vec(2, u16s(...(s.ciphers ?? [0x1301, 0xc02f]))),
    vec(1, u8s(...(s.compression ?? [0]))),
    extensionsBlock(s.extensions),
  );
}

export interface ServerHelloSpec {
  version?: number;
  random?: Uint8Array;
  sessionId?: Uint8Array;
  cipher?: number;
  compression?: number;
  extensions?: readonly Extension[];
}

/** A ServerHello body (no handshake header). */
export function serverHelloBody(s: ServerHelloSpec = {}): Uint8Array {
  return concat(
    u16s(s.version ?? 0x0303),
    s.random ?? new Uint8Array(32).fill(0x22),
    vec(1, s.sessionId ?? new Uint8Array(0)),
    u16s(s.cipher ?? 0x1301),
    u8s(s.compression ?? 0),
    extensionsBlock(s.extensions),
  );
}

/** A handshake message: type(1) length(3) body. */
export function handshake(type: number, body: Uint8Array): Uint8Array {
  return concat(u8s(type), vec(3, body));
}

/** `payload` as records of `type`, at most `fragment` bytes each (one empty record for an empty payload). */
export function records(type: number, payload: Uint8Array, version = 0x0303, fragment = 1 << 14): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  do {
    const n = Math.min(fragment, payload.length - at);
    parts.push(concat(u8s(type), u16s(version), vec(2, payload.subarray(at, at + n))));
    at += n;
  } while (at < payload.length);
  return concat(...parts);
}

/** An SSL 2.0 CLIENT-HELLO record (2-byte header with the high bit set). */
export function sslv2ClientHello(version: number, cipherSpecs: number[], challenge = new Uint8Array(16).fill(0x33)): Uint8Array {
  const specs = new Uint8Array(cipherSpecs.length * 3);
  cipherSpecs.forEach((c, i) => { specs[3 * i] = c >> 16; specs[3 * i + 1] = (c >> 8) & 0xff; specs[3 * i + 2] = c & 0xff; });
  const msg = concat(u8s(1), u16s(version, specs.length, 0, challenge.length), specs, challenge);
  return concat(u16s(0x8000 | msg.length), msg);
}
