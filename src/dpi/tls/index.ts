/**
 * @module dpi/tls — TLS handshakes seen from the wire: TlsHandshakeReader turns one direction of
 * a TCP stream into handshake messages; the parsers turn ClientHello, ServerHello and Certificate
 * bodies into plain objects; ja3/ja3s/ja4 fingerprint the hellos; tlsVersionName/tlsCipherName
 * name the numbers as ECS does. Nothing here throws on stream input (the reader records errors);
 * the body parsers throw only TlsParseError.
 */
export { TlsCursor, TlsParseError } from './parse-error.js';
export {
  ExtensionType, HELLO_RETRY_REQUEST_RANDOM, isGrease, parseClientHello, parseServerHello, parseSslv2ClientHello,
  type ClientHello, type ServerHello,
} from './hello.js';
export { describeCertificate, parseCertificateMessage, type CertificateSummary } from './certificate.js';
export { ja3, ja3s, ja4, type Ja3 } from './fingerprint.js';
export { hexId, knownCipherIds, tlsCipherName, tlsVersionName, type TlsVersionName } from './names.js';
export {
  ContentType, HandshakeType, MAX_HANDSHAKE_MESSAGE, MAX_RECORD_LENGTH, TlsHandshakeReader,
  type TlsAlert, type TlsHandshakeHandlers,
} from './reader.js';
