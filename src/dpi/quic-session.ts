/**
 * One QUIC connection (a UDP flow whose client opened with an Initial) → one `quic` record: the
 * client's Initial packets are decrypted (keys from the DCID, RFC 9001 §5 / RFC 9369) and their
 * CRYPTO frames reassembled until the ClientHello is whole; the server's datagrams are only looked
 * at for a Retry or a Version Negotiation. The record is made when the server answers a whole
 * ClientHello with anything but a Retry or Version Negotiation, or when the flow ends.
 */
import type { AppRecordBase, QuicRecord } from '../model/index.js';
import {
  parseQuicLongHeaders, QuicInitialAssembler, QuicParseError, quicVersionName,
} from './quic/index.js';
import { ja4, parseClientHello, TlsParseError } from './tls/index.js';
import { versionNames, type RecordBase } from './tls-session.js';

/** Client datagrams without one decrypted Initial after which a flow is left alone. */
const GIVE_UP_AFTER = 3;

export class QuicSession {
  private readonly assembler = new QuicInitialAssembler();
  private readonly base: RecordBase;
  private readonly emit: (record: QuicRecord) => void;
  private firstSec = -1;
  private firstNsec = 0;
  private retry = false;
  private versionNegotiation = false;
  private done = false;
  private undecrypted = 0;

  constructor(base: RecordBase, emit: (record: QuicRecord) => void) {
    this.base = base;
    this.emit = emit;
  }

  /**
   * A long-header packet (form and fixed bits set) with connection IDs of legal length: an Initial
   * of a version with keys, or of an unknown version (a client may probe with a reserved one and
   * get a Version Negotiation before its real Initial).
   */
  static looksLikeInitial(b: Uint8Array, o: number, n: number): boolean {
    if (n < 7 || (b[o]! & 0xc0) !== 0xc0) return false;
    const version = ((b[o + 1]! << 24) | (b[o + 2]! << 16) | (b[o + 3]! << 8) | b[o + 4]!) >>> 0;
    if (version === 0) return false; // Version Negotiation comes from servers
    // Connection IDs are at most 20 bytes (RFC 9000 §17.2): checked here, before any parsing.
    const dcidLength = b[o + 5]!;
    if (dcidLength > 20 || n < 7 + dcidLength) return false;
    return b[o + 6 + dcidLength]! <= 20;
  }

  /** The record is out, or the flow was given up on: nothing more to do. */
  get finished(): boolean {
    return this.done;
  }

  /** At least one Initial decrypted: this is QUIC. */
  get recognised(): boolean {
    return this.assembler.decryptedPackets > 0;
  }

  datagram(bytes: Uint8Array, offset: number, length: number, fromClient: boolean, sec: number, nsec: number): void {
    if (this.done) return;
    if (fromClient) {
      if (this.firstSec < 0) { this.firstSec = sec; this.firstNsec = nsec; }
      const a = this.assembler;
      if (a.complete) return;
      a.push(bytes, offset, length);
      // A real client's first Initials decrypt; a flow whose first ones do not is not QUIC (or
      // not one we can read): stop spending work on it.
      if (a.decryptedPackets === 0 && ++this.undecrypted >= GIVE_UP_AFTER) this.done = true;
      return;
    }
    // The server answered. A Retry or a Version Negotiation means the client starts over (its
    // next Initial is read as before); any other answer after a whole ClientHello ends our part.
    let restart = false;
    if ((bytes[offset]! & 0x80) !== 0) {
      try {
        for (const p of parseQuicLongHeaders(bytes, offset, length)) {
          if (p.packetType === 'retry') { this.retry = true; restart = true; }
          else if (p.packetType === 'version-negotiation') { this.versionNegotiation = true; restart = true; }
        }
      } catch (error) {
        if (!(error instanceof QuicParseError)) throw error;
      }
    }
    if (!restart && this.assembler.complete) this.finish();
  }

  /** The record (with what was seen), once. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    const a = this.assembler;
    if (a.initialPackets === 0 && a.clientHello === undefined) return;
    let error = a.error;
    let hello: ReturnType<typeof parseClientHello> | undefined;
    if (a.clientHello !== undefined) {
      try {
        hello = parseClientHello(a.clientHello);
      } catch (e) {
        if (!(e instanceof TlsParseError)) throw e;
        error ??= `ClientHello: ${e.message}`;
      }
    }
    const base: AppRecordBase = this.base(this.firstSec, this.firstNsec, -1);
    this.emit({
      ...base,
      kind: 'quic',
      version: a.version === undefined ? '' : quicVersionName(a.version),
      dcid: a.dcid ?? '',
      scid: a.scid ?? '',
      ...(hello?.serverName !== undefined && { serverName: hello.serverName }),
      offeredAlpn: hello?.alpn ?? [],
      ...(hello !== undefined && { ja4: ja4(hello, 'q') }),
      supportedVersions: versionNames(hello?.supportedVersions),
      retry: this.retry,
      versionNegotiation: this.versionNegotiation,
      ...(a.clientHello === undefined && { incomplete: 'no_client_hello' as const }),
      ...(error !== undefined && { error }),
    });
  }
}
