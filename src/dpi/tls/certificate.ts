/**
 * The Certificate handshake message (RFC 5246 §7.4.2, RFC 8446 §4.4.2) and the few X.509 facts
 * ECS wants from the server's certificate (tls.server.subject / issuer / not_before / not_after /
 * hash.sha256, x509.serial_number). DER decoding is node:crypto's (OpenSSL's), not ours.
 *
 * ```
 *  TLS ≤ 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
 *  TLS 1.3:   certificate_request_context<0..255>
 *             certificate_list<0..2^24-1> of { cert_data<1..2^24-1> extensions<0..2^16-1> }
 * ```
 * A TLS 1.3 Certificate is encrypted on the wire; the `tls13` form is here for QUIC/decrypted
 * input and because the layout differs.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { TlsCursor, TlsParseError } from './parse-error.js';

/** The DER certificates, leaf first, as views into `body` (copy them to keep them past the callback). */
export function parseCertificateMessage(body: Uint8Array, tls13: boolean): Uint8Array[] {
  const c = new TlsCursor(body);
  if (tls13) c.vector(1, 'certificate_request_context');
  const list = c.vector(3, 'certificate_list');
  c.expectEnd('Certificate');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    const cert = list.vector(3, 'cert_data');
    if (cert.remaining === 0) throw new TlsParseError('cert_data', cert.off - 3, 'empty certificate');
    out.push(cert.b.subarray(cert.off, cert.end));
    if (tls13) list.vector(2, 'CertificateEntry extensions');
  }
  return out;
}

export interface CertificateSummary {
  /** Distinguished name, most specific RDN first, as RFC 4514 and ECS examples write it: "CN=example.com, O=Example, C=US". */
  subject: string;
  issuer: string;
  /** RFC 3339 UTC, e.g. "2024-01-01T00:00:00.000Z". */
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, uppercase hex without separators (ECS tls.server.hash.sha256). */
  sha256: string;
  /** Uppercase hex (ECS x509.serial_number). */
  serialNumber: string;
}

/**
 * OpenSSL prints a name one RDN per line in DER order (C first); ECS and RFC 4514 put the most
 * specific RDN first on one line. Values were escaped by OpenSSL already.
 */
function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter((l) => l.length > 0).reverse().join(', ');
}

function rfc3339(openssl: string, field: string): string {
  // OpenSSL's form, "Nov  6 20:47:37 2011 GMT", is one V8's Date parser reads.
  const t = Date.parse(openssl);
  if (Number.isNaN(t)) throw new TlsParseError(field, 0, `unreadable time "${openssl}"`);
  return new Date(t).toISOString();
}

export function describeCertificate(der: Uint8Array): CertificateSummary {
  let x: X509Certificate;
  try {
    x = new X509Certificate(der);
  } catch (e) {
    throw new TlsParseError('certificate', 0, `not a DER X.509 certificate (${(e as Error).message})`);
  }
  return {
    subject: distinguishedName(x.subject),
    issuer: distinguishedName(x.issuer),
    notBefore: rfc3339(x.validFrom, 'notBefore'),
    notAfter: rfc3339(x.validTo, 'notAfter'),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
    serialNumber: x.serialNumber.toUpperCase(),
  };
}
