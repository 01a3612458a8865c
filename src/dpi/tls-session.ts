/**
 * One TLS handshake seen from both sides of a connection → one `tls` record.
 *
 *   client bytes ─► TlsHandshakeReader ─► ClientHello (the last one: a second after a
 *                                          HelloRetryRequest replaces the first)
 *   server bytes ─► TlsHandshakeReader ─► ServerHello, Certificate (TLS ≤ 1.2, in clear)
 *
 * The record is made once both directions went on to encrypted records (the handshake is over:
 * `established`), or when the connection ends first. Parse errors are kept on the record
 * (`error`) and counted by the caller; they never throw.
 */
import type { TlsCertificate, TlsRecord, AppRecordBase } from '../model/index.js';
import {
  describeCertificate, HandshakeType, isGrease, ja3, ja3s, ja4, parseCertificateMessage, parseClientHello,
  parseServerHello, tlsCipherName, tlsVersionName, TlsHandshakeReader, TlsParseError,
  type ClientHello, type ServerHello,
} from './tls/index.js';

/** Builds the common fields of a record: time, duration, endpoints, Community ID. */
export type RecordBase = (sec: number, nsec: number, durationNs: number) => AppRecordBase;

export class TlsSession {
  readonly client: TlsHandshakeReader;
  readonly server: TlsHandshakeReader;
  /** Packet time of the data being pushed (set by the caller before each push). */
  sec = 0;
  nsec = 0;
  done = false;
  /** ClientHellos and other messages that did not parse. */
  malformed = 0;
  private clientHello: ClientHello | undefined;
  private serverHello: ServerHello | undefined;
  private chSec = 0;
  private chNsec = 0;
  private shSec = -1;
  private shNsec = 0;
  private certificate: TlsCertificate | undefined;
  private chainLength = 0;
  private error: string | undefined;
  private readonly transport: 't' | 'q';
  private readonly emit: (record: TlsRecord) => void;
  private readonly base: RecordBase;

  constructor(base: RecordBase, emit: (record: TlsRecord) => void) {
    this.base = base;
    this.emit = emit;
    this.transport = 't';
    this.client = new TlsHandshakeReader({
      onMessage: (type, body) => this.clientMessage(type, body),
      onSslv2ClientHello: (hello) => this.hello(hello),
    });
    this.server = new TlsHandshakeReader({ onMessage: (type, body) => this.serverMessage(type, body) });
  }

  /** After each push: the record, once both sides are past the handshake. */
  check(): void {
    if (this.done) return;
    const c = this.client;
    const s = this.server;
    // Over: both sides past the handshake, or nothing more can come from one side (it is not
    // TLS, or it stopped) while the other is past it too.
    if ((c.encrypted || c.done) && (s.encrypted || s.done)) this.finish();
    else if (s.notTls || c.notTls) this.finish();
  }

  /** The connection ended (or the caller gives up): the record with what was seen. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.clientHello === undefined && this.serverHello === undefined) return;
    this.emit(this.record());
  }

  private hello(ch: ClientHello): void {
    this.clientHello = ch;
    this.chSec = this.sec;
    this.chNsec = this.nsec;
  }

  private clientMessage(type: number, body: Uint8Array): void {
    if (type !== HandshakeType.CLIENT_HELLO) return;
    try {
      this.hello(parseClientHello(body));
    } catch (error) {
      if (!(error instanceof TlsParseError)) throw error;
      this.malformed++;
      this.error ??= `ClientHello: ${error.message}`;
    }
  }

  private serverMessage(type: number, body: Uint8Array): void {
    try {
      if (type === HandshakeType.SERVER_HELLO) {
        const sh = parseServerHello(body);
        if (this.serverHello === undefined || this.serverHello.isHelloRetryRequest) {
          this.serverHello = sh;
          this.shSec = this.sec;
          this.shNsec = this.nsec;
        }
      } else if (type === HandshakeType.CERTIFICATE && this.certificate === undefined) {
        const tls13 = this.serverHello?.selectedVersion === 0x0304;
        const chain = parseCertificateMessage(body, tls13);
        this.chainLength = chain.length;
        if (chain[0] !== undefined) this.certificate = describeCertificate(chain[0]);
      }
    } catch (error) {
      if (!(error instanceof TlsParseError) && !(error instanceof Error && type === HandshakeType.CERTIFICATE)) throw error;
      this.malformed++;
      this.error ??= `${type === HandshakeType.SERVER_HELLO ? 'ServerHello' : 'Certificate'}: ${(error as Error).message}`;
    }
  }

  private record(): TlsRecord {
    const ch = this.clientHello;
    const sh = this.serverHello;
    const started = ch !== undefined;
    const sec = started ? this.chSec : this.shSec;
    const nsec = started ? this.chNsec : this.shNsec;
    const duration = started && sh !== undefined ? Math.max(0, (this.shSec - this.chSec) * 1e9 + (this.shNsec - this.chNsec)) : -1;
    const wire = sh !== undefined ? (sh.selectedVersion ?? sh.legacyVersion) : ch !== undefined ? clientMaxVersion(ch) : undefined;
    const version = wire === undefined ? undefined : tlsVersionName(wire);
    const fingerprint = ch !== undefined && !ch.sslv2 ? ja3(ch) : undefined;
    const serverPrint = sh !== undefined ? ja3s(sh) : undefined;
    const b = this.base(sec, nsec, duration);
    // One object literal with every field (undefined when absent): records keep one shape.
    return {
      kind: 'tls',
      observationPoint: b.observationPoint,
      sec: b.sec,
      nsec: b.nsec,
      tsDigits: b.tsDigits,
      durationNs: b.durationNs,
      ipVersion: b.ipVersion,
      ipProto: b.ipProto,
      sourceIp: b.sourceIp,
      sourcePort: b.sourcePort,
      destinationIp: b.destinationIp,
      destinationPort: b.destinationPort,
      communityId: b.communityId,
      version: version?.version,
      versionProtocol: version?.protocol,
      cipher: sh !== undefined ? tlsCipherName(sh.cipher) : undefined,
      serverName: ch?.serverName,
      ja3: fingerprint?.hash,
      ja3String: fingerprint?.full,
      ja4: ch !== undefined && !ch.sslv2 ? ja4(ch, this.transport) : undefined,
      ja3s: serverPrint?.hash,
      ja3sString: serverPrint?.full,
      nextProtocol: sh?.alpn,
      offeredAlpn: ch?.alpn ?? [],
      supportedVersions: versionNames(ch?.supportedVersions),
      supportedCiphers: cipherNames(ch?.ciphers),
      established: this.client.encrypted && this.server.encrypted,
      resumed: resumed(ch, sh),
      sslv2ClientHello: ch?.sslv2 === true,
      serverCertificate: this.certificate,
      serverChainLength: this.chainLength,
      incomplete: ch === undefined ? 'no_client_hello' : sh === undefined ? 'no_server_hello' : undefined,
      error: this.error,
    };
  }
}

const PRE_SHARED_KEY = 41;

function resumed(ch: ClientHello | undefined, sh: ServerHello | undefined): boolean {
  if (sh === undefined || sh.isHelloRetryRequest) return false;
  if ((sh.selectedVersion ?? 0) >= 0x0304) return sh.extensions.includes(PRE_SHARED_KEY);
  return sh.sessionId !== undefined && sh.sessionId !== '' && sh.sessionId === ch?.sessionId;
}

/** The highest version a ClientHello offers (supported_versions, else legacy_version). */
export function clientMaxVersion(ch: ClientHello): number {
  let v = ch.legacyVersion;
  for (const s of ch.supportedVersions) if (!isGrease(s) && s > v && s <= 0x0304) v = s;
  return v;
}

/** supported_versions as "1.3", "1.2", … (GREASE left out, unnamed ones in hex). */
export function versionNames(versions: readonly number[] | undefined): string[] {
  const out: string[] = [];
  if (versions === undefined) return out;
  for (const v of versions) if (!isGrease(v)) out.push(tlsVersionName(v)?.version ?? hex(v));
  return out;
}

function cipherNames(ciphers: readonly number[] | undefined): string[] {
  const out: string[] = [];
  if (ciphers === undefined) return out;
  for (const c of ciphers) if (!isGrease(c)) out.push(tlsCipherName(c));
  return out;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}
