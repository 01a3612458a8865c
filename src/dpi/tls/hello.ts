/**
 * ClientHello and ServerHello bodies (RFC 8446 §4.1.2–4.1.3, RFC 5246 §7.4.1) and the SSL 2.0
 * CLIENT-HELLO (draft-hickman-netscape-ssl-00, RFC 6101 appendix E.2), reduced to what flow
 * records and fingerprints need. `body` is a handshake message without its 4-byte header, as
 * TlsHandshakeReader hands it over.
 *
 * ```
 *  ClientHello: legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 *               compression_methods<1..2^8-1> [extensions<0..2^16-1>]
 *  ServerHello: legacy_version(2) random(32) session_id<0..32> cipher_suite(2)
 *               compression_method(1) [extensions<0..2^16-1>]
 *  extension:   type(2) extension_data<0..2^16-1>
 * ```
 * Extensions are optional before TLS 1.2 (an SSLv3 hello simply ends after the compression
 * methods). Anything that does not fit — a length running past its vector, an odd uint16 list,
 * bytes left over — throws TlsParseError: a hello that lies about its lengths is not guessed at.
 * Empty cipher and compression lists are accepted although the RFCs forbid them: they are still
 * worth fingerprinting.
 */
import { TlsCursor, TlsParseError } from './parse-error.js';

export interface ClientHello {
  /** legacy_version (0x0303 for TLS 1.3 too; 0x0002 for an SSL 2.0 hello). */
  legacyVersion: number;
  sessionIdLength: number;
  /** legacy_session_id as lowercase hex ('' when empty; absent for SSL 2.0 hellos). */
  sessionId?: string;
  /** Cipher suites in wire order, GREASE included. SSL 2.0 hellos: the 3-byte CIPHER-SPECs (a TLS suite offered in one is 0x00XXXX, i.e. its usual number). */
  ciphers: number[];
  compressionMethods: number[];
  /** Extension types in wire order (GREASE included — fingerprints filter). */
  extensions: number[];
  /** The first host_name of server_name (0). */
  serverName?: string;
  /** Offered ALPN protocols (16) in order, one char per byte (latin1) so JA4 can recover the raw bytes. */
  alpn: string[];
  /** supported_versions (43). */
  supportedVersions: number[];
  /** supported_groups (10), formerly elliptic_curves. */
  supportedGroups: number[];
  /** ec_point_formats (11). */
  ecPointFormats: number[];
  /** signature_algorithms (13) only — not signature_algorithms_cert (50). */
  signatureAlgorithms: number[];
  /** Came as an SSL 2.0-format CLIENT-HELLO. */
  sslv2: boolean;
}

export interface ServerHello {
  legacyVersion: number;
  /** legacy_session_id as lowercase hex ('' when empty). */
  sessionId?: string;
  cipher: number;
  compressionMethod: number;
  /** Extension types in wire order. */
  extensions: number[];
  /** supported_versions (43): the TLS 1.3 (or later) version the server chose. */
  selectedVersion?: number;
  /** The protocol the server selected from the client's ALPN list. */
  alpn?: string;
  /** The random is the HelloRetryRequest marker (RFC 8446 §4.1.3): the client must send a second ClientHello. */
  isHelloRetryRequest: boolean;
}

export const ExtensionType = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  SUPPORTED_VERSIONS: 43,
  SIGNATURE_ALGORITHMS_CERT: 50,
} as const;

const RANDOM_LEN = 32;
const MAX_SESSION_ID = 32;
const SNI_HOST_NAME = 0;
const SSL2_MT_CLIENT_HELLO = 1;
const SSL2_CIPHER_SPEC_LEN = 3;
const SSL2_MAX_SESSION_ID = 16;
const SSL2_MAX_CHALLENGE = 32;

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** GREASE (RFC 8701): 0x0A0A, 0x1A1A, … 0xFAFA — values clients send only to keep peers tolerant. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

const utf8 = new TextDecoder('utf-8'); // non-fatal: a stray byte becomes U+FFFD, not an exception

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Reads legacy_session_id; returns it as lowercase hex ('' when empty). */
function sessionId(c: TlsCursor): string {
  const at = c.off;
  const len = c.u8('legacy_session_id');
  if (len > MAX_SESSION_ID) throw new TlsParseError('legacy_session_id', at, `length ${len} exceeds ${MAX_SESSION_ID}`);
  const id = c.bytes(len, 'legacy_session_id');
  let hex = '';
  for (let i = 0; i < id.length; i++) hex += HEX_PAIRS[id[i]!]!;
  return hex;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function extName(type: number): string {
  switch (type) {
    case ExtensionType.SERVER_NAME: return 'extension 0 (server_name)';
    case ExtensionType.SUPPORTED_GROUPS: return 'extension 10 (supported_groups)';
    case ExtensionType.EC_POINT_FORMATS: return 'extension 11 (ec_point_formats)';
    case ExtensionType.SIGNATURE_ALGORITHMS: return 'extension 13 (signature_algorithms)';
    case ExtensionType.ALPN: return 'extension 16 (alpn)';
    case ExtensionType.SUPPORTED_VERSIONS: return 'extension 43 (supported_versions)';
    default: return `extension ${type}`;
  }
}

/**
 * Walks the extensions block: records every type in order and hands each one's data to `each`
 * (as a cursor bounded by extension_data). A duplicated type is listed twice but parsed once —
 * RFC 8446 §4.2 forbids duplicates, and the first copy is what a fingerprint would have seen.
 */
function extensions(c: TlsCursor, each: (type: number, data: TlsCursor, field: string) => void): number[] {
  const types: number[] = [];
  if (c.remaining === 0) return types; // no extensions block at all (SSLv3, TLS 1.0 without extensions)
  const block = c.vector(2, 'extensions');
  c.expectEnd('handshake body after extensions');
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16('extension type');
    const field = extName(type);
    const data = block.vector(2, field);
    types.push(type);
    if (seen.has(type)) continue;
    seen.add(type);
    each(type, data, field);
  }
  return types;
}

export function parseClientHello(body: Uint8Array): ClientHello {
  const c = new TlsCursor(body);
  const legacyVersion = c.u16('legacy_version');
  c.skip(RANDOM_LEN, 'random');
  const id = sessionId(c);
  const sessionIdLength = id.length / 2;
  const ciphers = c.u16List(2, 'cipher_suites');
  const compressionMethods = c.u8List('legacy_compression_methods');
  const hello: ClientHello = {
    legacyVersion, sessionIdLength, sessionId: id, ciphers, compressionMethods, extensions: [], alpn: [],
    supportedVersions: [], supportedGroups: [], ecPointFormats: [], signatureAlgorithms: [], sslv2: false,
  };
  hello.extensions = extensions(c, (type, d, field) => {
    switch (type) {
      case ExtensionType.SERVER_NAME: {
        // RFC 6066 §3. Empty extension_data is what a server echoes; tolerated here too.
        if (d.remaining === 0) return;
        const list = d.vector(2, field);
        d.expectEnd(field);
        while (list.remaining > 0) {
          const nameType = list.u8(field);
          const name = list.vector(2, field);
          if (nameType === SNI_HOST_NAME && hello.serverName === undefined) {
            hello.serverName = utf8.decode(name.b.subarray(name.off, name.end));
          }
        }
        return;
      }
      case ExtensionType.ALPN: { // RFC 7301 §3.1
        const list = d.vector(2, field);
        d.expectEnd(field);
        while (list.remaining > 0) {
          const p = list.vector(1, field);
          hello.alpn.push(latin1(p.b.subarray(p.off, p.end)));
        }
        return;
      }
      case ExtensionType.SUPPORTED_VERSIONS: // RFC 8446 §4.2.1: versions<2..254>
        hello.supportedVersions = d.u16List(1, field);
        d.expectEnd(field);
        return;
      case ExtensionType.SUPPORTED_GROUPS: // RFC 8446 §4.2.7
        hello.supportedGroups = d.u16List(2, field);
        d.expectEnd(field);
        return;
      case ExtensionType.EC_POINT_FORMATS: // RFC 8422 §5.1.2
        hello.ecPointFormats = d.u8List(field);
        d.expectEnd(field);
        return;
      case ExtensionType.SIGNATURE_ALGORITHMS: // RFC 8446 §4.2.3
        hello.signatureAlgorithms = d.u16List(2, field);
        d.expectEnd(field);
        return;
    }
  });
  return hello;
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const c = new TlsCursor(body);
  const legacyVersion = c.u16('legacy_version');
  const random = c.bytes(RANDOM_LEN, 'random');
  let isHelloRetryRequest = true;
  for (let i = 0; i < RANDOM_LEN; i++) {
    if (random[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) { isHelloRetryRequest = false; break; }
  }
  const id = sessionId(c);
  const cipher = c.u16('cipher_suite');
  const compressionMethod = c.u8('legacy_compression_method');
  const hello: ServerHello = { legacyVersion, sessionId: id, cipher, compressionMethod, extensions: [], isHelloRetryRequest };
  hello.extensions = extensions(c, (type, d, field) => {
    if (type === ExtensionType.SUPPORTED_VERSIONS) {
      hello.selectedVersion = d.u16(field); // a single version, not a list, in a ServerHello
      d.expectEnd(field);
    } else if (type === ExtensionType.ALPN) {
      const list = d.vector(2, field);
      d.expectEnd(field);
      const p = list.vector(1, field);
      list.expectEnd(field); // RFC 7301 §3.1: exactly one protocol in the server's list
      hello.alpn = latin1(p.b.subarray(p.off, p.end));
    }
  });
  return hello;
}

/**
 * An SSL 2.0 CLIENT-HELLO, `msg` being the record's contents after the 2-byte record header:
 *
 * ```
 *  msg_type(1)=1 version(2) cipher_specs_length(2) session_id_length(2) challenge_length(2)
 *  cipher_specs(3 each) session_id challenge
 * ```
 * SSLv3/TLS clients that still speak to SSL 2.0 servers open with this form and their highest
 * version (0x0300–0x0303) in `version`; they have no extensions.
 */
export function parseSslv2ClientHello(msg: Uint8Array): ClientHello {
  const c = new TlsCursor(msg);
  const at = c.off;
  const type = c.u8('msg_type');
  if (type !== SSL2_MT_CLIENT_HELLO) throw new TlsParseError('msg_type', at, `${type} is not CLIENT-HELLO (1)`);
  const legacyVersion = c.u16('version');
  const specsAt = c.off;
  const specsLen = c.u16('cipher_specs_length');
  const sidLen = c.u16('session_id_length');
  const challengeLen = c.u16('challenge_length');
  if (specsLen % SSL2_CIPHER_SPEC_LEN !== 0) {
    throw new TlsParseError('cipher_specs_length', specsAt, `${specsLen} is not a multiple of 3`);
  }
  if (sidLen > SSL2_MAX_SESSION_ID) throw new TlsParseError('session_id_length', specsAt + 2, `${sidLen} exceeds ${SSL2_MAX_SESSION_ID}`);
  if (challengeLen > SSL2_MAX_CHALLENGE) {
    throw new TlsParseError('challenge_length', specsAt + 4, `${challengeLen} exceeds ${SSL2_MAX_CHALLENGE}`);
  }
  const ciphers: number[] = [];
  for (let i = 0; i < specsLen; i += SSL2_CIPHER_SPEC_LEN) ciphers.push(c.u24('cipher_specs'));
  c.skip(sidLen, 'session_id');
  c.skip(challengeLen, 'challenge');
  c.expectEnd('CLIENT-HELLO');
  return {
    legacyVersion, sessionIdLength: sidLen, ciphers, compressionMethods: [], extensions: [], alpn: [],
    supportedVersions: [], supportedGroups: [], ecPointFormats: [], signatureAlgorithms: [], sslv2: true,
  };
}
