/**
 * TlsHandshakeReader: one direction of a TCP connection in, plaintext handshake messages out.
 *
 * ```
 *  TCP payload ─► records ─────────────────────────► handshake messages ─► onMessage(type, body)
 *                 type(1) version(2) length(2) body   type(1) length(3) body
 *                 20 ChangeCipherSpec  21 alert       (a message may span records, a record
 *                 22 handshake  23 application data    may hold several messages)
 * ```
 * Pushes may cut anywhere (one byte at a time works); records and messages are put back together
 * with bounded buffers: one record (≤ 2^14 + 2048 bytes, RFC 5246 §6.2.3) and one message
 * (≤ MAX_HANDSHAKE_MESSAGE). A larger message is skipped, counted and reported in `error`; the
 * messages after it are still read.
 *
 * The reader is `done` once nothing more is readable:
 * - application data (23): from here on everything is encrypted (TLS 1.3 encrypts its handshake
 *   as application data records);
 * - a handshake record after ChangeCipherSpec that does not open with a hello: TLS ≤ 1.2's
 *   encrypted Finished. A TLS 1.3 peer in middlebox-compatibility mode also sends a
 *   ChangeCipherSpec, yet after a HelloRetryRequest the client's second ClientHello (and the
 *   server's ServerHello) follow in plaintext — so the record is peeked at rather than assumed;
 * - an SSL 2.0 server hello, or an SSL 2.0 client hello offering only SSL 2.0 (the rest of
 *   SSL 2.0 is encrypted or not handshake-shaped);
 * - a stream that is not TLS (`notTls`), a malformed record, or a gap in the TCP stream (record
 *   boundaries are lost).
 * Bad input never throws: `error` names what was wrong and its stream offset.
 *
 * An SSL 2.0-format CLIENT-HELLO (RFC 6101 appendix E.2: 2-byte header with the high bit set,
 * msg_type 1) is parsed here and reported through `onSslv2ClientHello`; a client that offered
 * SSLv3 or TLS in it continues with ordinary records, which are read as usual.
 */
import { parseSslv2ClientHello, type ClientHello } from './hello.js';
import { TlsParseError } from './parse-error.js';

export const ContentType = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
  HEARTBEAT: 24, // RFC 6520; skipped
} as const;

export const HandshakeType = {
  HELLO_REQUEST: 0,
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  SERVER_KEY_EXCHANGE: 12,
  CERTIFICATE_REQUEST: 13,
  SERVER_HELLO_DONE: 14,
  CERTIFICATE_VERIFY: 15,
  CLIENT_KEY_EXCHANGE: 16,
  FINISHED: 20,
  CERTIFICATE_STATUS: 22,
  KEY_UPDATE: 24,
} as const;

/** Largest handshake message reassembled (certificate chains beyond this are skipped). */
export const MAX_HANDSHAKE_MESSAGE = 64 * 1024;
/** Largest record body accepted: TLSCiphertext may exceed 2^14 by up to 2048 bytes (RFC 5246 §6.2.3). */
export const MAX_RECORD_LENGTH = (1 << 14) + 2048;

const RECORD_HEADER = 5;
const MSG_HEADER = 4;
const SSL2_HEADER = 2;
const SSL2_MT_CLIENT_HELLO = 1;
const SSL2_MT_SERVER_HELLO = 4;
const SSL2_CT_X509_CERTIFICATE = 1;
const SSL2_CLIENT_HELLO_FIXED = 9; // msg_type, version, three lengths

export interface TlsHandshakeHandlers {
  /** A complete handshake message: `body` excludes the 4-byte header and is valid only during the call. */
  onMessage(type: number, body: Uint8Array): void;
  /** An SSL 2.0-format ClientHello (no onMessage call for it). */
  onSslv2ClientHello?(hello: ClientHello): void;
}

export interface TlsAlert {
  level: number;
  description: number;
  /** Stream offset of the alert record. */
  offset: number;
}

function hex2(v: number): string {
  return '0x' + v.toString(16).padStart(2, '0');
}

export class TlsHandshakeReader {
  /** Nothing more will be read from this direction; further pushes are only counted. */
  done = false;
  /** The stream did not start like TLS or SSL 2.0 (`error` says why). */
  notTls = false;
  /** What was wrong and at which stream offset; the first problem wins. */
  error?: string;
  /** An SSL 2.0-format record was seen (client or server hello). */
  sslv2 = false;
  /** Encrypted records were reached (the normal end of a handshake). */
  encrypted = false;
  /** A ChangeCipherSpec record was seen. */
  changeCipherSpec = false;
  /** Version field of the first TLS record (0x0002 for an SSL 2.0 hello). */
  recordVersion?: number;
  /** The first plaintext alert. */
  alert?: TlsAlert;
  /** Handshake messages delivered through onMessage. */
  messages = 0;
  /** Handshake messages skipped for exceeding MAX_HANDSHAKE_MESSAGE. */
  oversizedMessages = 0;
  /** Stream bytes received so far (pushed and gaps). */
  offset = 0;

  private readonly handlers: TlsHandshakeHandlers;
  private records = 0;
  /** A record that straddles pushes: its bytes so far (header included). */
  private pend: Uint8Array | null = null;
  private pendLen = 0;
  /** Total size of the pending record once its header is known, else 0. */
  private pendTotal = 0;
  // Handshake message reassembly (across records and pushes).
  /** The 4-byte header of the message being read (made on first use: most readers see one record). */
  private msgHeader: Uint8Array | null = null;
  private msgHeaderLen = 0;
  private msgType = 0;
  private msgBody: Uint8Array | null = null;
  private msgHave = 0;
  private msgStart = 0;
  /** Bytes still to skip of an oversized message. */
  private skip = 0;

  constructor(handlers: TlsHandshakeHandlers) {
    this.handlers = handlers;
  }

  /** Feeds `length` in-order stream bytes from `bytes[offset]`; they need not stay valid afterwards. */
  push(bytes: Uint8Array, offset: number, length: number): void {
    if (length <= 0) return;
    let p = offset;
    const end = Math.min(offset + length, bytes.length);
    const base = this.offset - offset; // stream offset of bytes[i] is base + i
    this.offset += end - offset;
    while (p < end && !this.done) {
      if (this.pendLen > 0) {
        p = this.fillPending(bytes, p, end, base);
        continue;
      }
      const avail = end - p;
      const total = this.checkHeader(bytes, p, Math.min(avail, RECORD_HEADER), base + p);
      if (total < 0) break; // done, or fewer than 5 bytes that look fine so far
      if (avail >= total) {
        this.record(bytes, p, total, base + p);
        p += total;
      } else {
        this.startPending(bytes, p, end, total);
        p = end;
      }
    }
    if (this.done) this.release();
    else if (p < end) this.startPending(bytes, p, end, 0); // a header cut short
  }

  /** A hole of `length` bytes in the TCP stream: record boundaries are lost, so reading stops. */
  gap(length: number): void {
    if (!this.done) this.fail(`gap of ${length} bytes in the TCP stream at stream offset ${this.offset}`);
    this.offset += length;
  }

  private fail(error: string): void {
    this.error ??= error;
    this.done = true;
    this.release();
  }

  private finish(): void {
    this.done = true;
    this.release();
  }

  private release(): void {
    this.pend = null;
    this.pendLen = 0;
    this.msgBody = null;
  }

  private startPending(b: Uint8Array, p: number, end: number, total: number): void {
    const size = total > 0 ? total : RECORD_HEADER;
    if (this.pend === null || this.pend.length < size) this.pend = new Uint8Array(size);
    this.pend.set(b.subarray(p, end), 0);
    this.pendLen = end - p;
    this.pendTotal = total;
  }

  /** Adds bytes to the straddling record; processes it once complete. Returns the new input position. */
  private fillPending(b: Uint8Array, p: number, end: number, base: number): number {
    const recStart = base + p - this.pendLen;
    if (this.pendTotal === 0) {
      // Still collecting the header.
      const n = Math.min(RECORD_HEADER - this.pendLen, end - p);
      this.pend!.set(b.subarray(p, p + n), this.pendLen);
      this.pendLen += n;
      p += n;
      const total = this.checkHeader(this.pend!, 0, this.pendLen, recStart);
      if (total < 0) return this.done ? end : p;
      this.pendTotal = total;
      if (this.pend!.length < total) {
        const grown = new Uint8Array(total);
        grown.set(this.pend!.subarray(0, this.pendLen));
        this.pend = grown;
      }
    }
    const n = Math.min(this.pendTotal - this.pendLen, end - p);
    this.pend!.set(b.subarray(p, p + n), this.pendLen);
    this.pendLen += n;
    p += n;
    if (this.pendLen === this.pendTotal) {
      const total = this.pendTotal;
      this.pendLen = 0;
      this.pendTotal = 0;
      this.record(this.pend!, 0, total, recStart);
    }
    return p;
  }

  /**
   * Looks at the first `n` (1–5) bytes of a record. Returns the record's total size once the
   * header is complete and valid; -1 when more bytes are needed or reading has stopped.
   */
  private checkHeader(h: Uint8Array, at: number, n: number, streamOffset: number): number {
    const b0 = h[at]!;
    if (b0 & 0x80) {
      if (this.records === 0) return this.checkSslv2Header(h, at, n, streamOffset);
      if (this.sslv2) {
        // The server answered the SSL 2.0 hello in SSL 2.0 (CLIENT-MASTER-KEY follows): nothing more for us.
        this.finish();
        return -1;
      }
    }
    if (b0 < ContentType.CHANGE_CIPHER_SPEC || b0 > ContentType.HEARTBEAT) {
      this.bad(streamOffset, `content type ${b0} is not a TLS record type`);
      return -1;
    }
    if (n >= 2 && h[at + 1] !== 3) {
      this.bad(streamOffset, `record version major ${h[at + 1]} is not 3`);
      return -1;
    }
    if (n >= 3 && h[at + 2]! > 4) {
      this.bad(streamOffset, `record version 0x03${h[at + 2]!.toString(16).padStart(2, '0')} is beyond TLS 1.3`);
      return -1;
    }
    if (n < RECORD_HEADER) return -1;
    const len = (h[at + 3]! << 8) | h[at + 4]!;
    if (len > MAX_RECORD_LENGTH) {
      this.bad(streamOffset, `record length ${len} exceeds ${MAX_RECORD_LENGTH}`);
      return -1;
    }
    return RECORD_HEADER + len;
  }

  /** The first record has the high bit set: an SSL 2.0 CLIENT-HELLO or SERVER-HELLO, or not TLS. */
  private checkSslv2Header(h: Uint8Array, at: number, n: number, streamOffset: number): number {
    if (n < RECORD_HEADER) return -1; // length(2) msg_type(1) and two more bytes decide
    const len = ((h[at]! & 0x7f) << 8) | h[at + 1]!;
    const type = h[at + 2]!;
    if (type === SSL2_MT_CLIENT_HELLO) {
      const version = (h[at + 3]! << 8) | h[at + 4]!;
      if (version !== 0x0002 && !(version >> 8 === 3 && (version & 0xff) <= 4)) {
        this.bad(streamOffset, `SSL 2.0 CLIENT-HELLO with version ${hex2(version >> 8)}${(version & 0xff).toString(16).padStart(2, '0')}`);
        return -1;
      }
      if (len < SSL2_CLIENT_HELLO_FIXED) {
        this.bad(streamOffset, `SSL 2.0 CLIENT-HELLO of ${len} bytes is shorter than its fixed part`);
        return -1;
      }
      return SSL2_HEADER + len;
    }
    // SERVER-HELLO: msg_type(1) session_id_hit(1) certificate_type(1) server_version(2) …
    if (type === SSL2_MT_SERVER_HELLO && h[at + 3]! <= 1 && h[at + 4] === SSL2_CT_X509_CERTIFICATE) {
      this.records++;
      this.sslv2 = true;
      this.recordVersion = 0x0002;
      this.finish();
      return -1;
    }
    this.bad(streamOffset, `first byte ${hex2(h[at]!)} has the SSL 2.0 length bit but message type ${type} is no hello`);
    return -1;
  }

  /** A header that is not TLS: on the first record the stream is not TLS at all, later it is broken. */
  private bad(streamOffset: number, what: string): void {
    if (this.records === 0) {
      this.notTls = true;
      this.fail(`not TLS at stream offset ${streamOffset}: ${what}`);
    } else {
      this.fail(`record at stream offset ${streamOffset}: ${what}`);
    }
  }

  /** One complete record at `b[at, at + total)`. */
  private record(b: Uint8Array, at: number, total: number, streamOffset: number): void {
    const first = this.records === 0;
    this.records++;
    if (first && b[at]! & 0x80) {
      this.sslv2Hello(b.subarray(at + SSL2_HEADER, at + total), streamOffset);
      return;
    }
    const type = b[at]!;
    if (first) this.recordVersion = (b[at + 1]! << 8) | b[at + 2]!;
    const bodyAt = at + RECORD_HEADER;
    const bodyEnd = at + total;
    switch (type) {
      case ContentType.HANDSHAKE:
        if (this.changeCipherSpec && !this.plaintextHelloAfterCcs(b, bodyAt, bodyEnd)) {
          this.encrypted = true;
          this.finish();
          return;
        }
        this.handshake(b, bodyAt, bodyEnd, streamOffset + RECORD_HEADER);
        return;
      case ContentType.CHANGE_CIPHER_SPEC:
        if (this.msgHeaderLen > 0 || this.skip > 0) {
          this.fail(`record at stream offset ${streamOffset}: ChangeCipherSpec inside a handshake message`);
          return;
        }
        this.changeCipherSpec = true;
        return;
      case ContentType.ALERT:
        if (!this.changeCipherSpec && total - RECORD_HEADER === 2 && this.alert === undefined) {
          this.alert = { level: b[bodyAt]!, description: b[bodyAt + 1]!, offset: streamOffset };
        }
        return;
      case ContentType.APPLICATION_DATA:
        this.encrypted = true;
        this.finish();
        return;
      default: // heartbeat
        return;
    }
  }

  /**
   * After ChangeCipherSpec, is this handshake record a plaintext ClientHello/ServerHello (TLS 1.3
   * after a HelloRetryRequest) rather than an encrypted Finished? It must start a message, name
   * a hello, declare a length the 64 KiB limit allows, and carry legacy_version 3.x — random
   * ciphertext matches that by chance about once in 2^30.
   */
  private plaintextHelloAfterCcs(b: Uint8Array, at: number, end: number): boolean {
    if (this.msgHeaderLen > 0 || this.skip > 0 || end - at < MSG_HEADER + 2) return false;
    const type = b[at]!;
    const len = (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    return (type === HandshakeType.CLIENT_HELLO || type === HandshakeType.SERVER_HELLO)
      && len <= MAX_HANDSHAKE_MESSAGE && b[at + 4] === 3 && b[at + 5]! <= 4;
  }

  private sslv2Hello(msg: Uint8Array, streamOffset: number): void {
    this.sslv2 = true;
    this.recordVersion = 0x0002;
    let hello: ClientHello;
    try {
      hello = parseSslv2ClientHello(msg);
    } catch (e) {
      if (!(e instanceof TlsParseError)) throw e;
      this.fail(`SSL 2.0 CLIENT-HELLO at stream offset ${streamOffset}: ${e.message}`);
      return;
    }
    // Only an SSL 2.0-only client goes on in SSL 2.0 records; the others switch to TLS records.
    if (hello.legacyVersion === 0x0002) this.finish();
    this.handlers.onSslv2ClientHello?.(hello);
  }

  /** Handshake-protocol bytes `b[p, end)`; `streamOffset` is that of `b[p]`. */
  private handshake(b: Uint8Array, p: number, end: number, streamOffset: number): void {
    const start = p;
    while (p < end && !this.done) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - p);
        this.skip -= n;
        p += n;
        continue;
      }
      if (this.msgHeaderLen < MSG_HEADER) {
        if (this.msgHeaderLen === 0) {
          this.msgStart = streamOffset + (p - start);
          if (end - p >= MSG_HEADER) {
            const type = b[p]!;
            const len = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
            p += MSG_HEADER;
            if (len <= end - p && len <= MAX_HANDSHAKE_MESSAGE) {
              // The whole message is in this record: hand out a view, no copy.
              this.emit(type, b.subarray(p, p + len));
              p += len;
            } else {
              this.begin(type, len);
            }
            continue;
          }
        }
        (this.msgHeader ??= new Uint8Array(MSG_HEADER))[this.msgHeaderLen++] = b[p++]!;
        if (this.msgHeaderLen === MSG_HEADER) {
          const h = this.msgHeader!;
          this.begin(h[0]!, (h[1]! << 16) | (h[2]! << 8) | h[3]!);
        }
        continue;
      }
      const body = this.msgBody!;
      const n = Math.min(body.length - this.msgHave, end - p);
      body.set(b.subarray(p, p + n), this.msgHave);
      this.msgHave += n;
      p += n;
      if (this.msgHave === body.length) {
        this.msgHeaderLen = 0;
        this.msgBody = null;
        this.emit(this.msgType, body);
      }
    }
  }

  /** A message header is complete and its body has not all arrived yet. */
  private begin(type: number, len: number): void {
    if (len > MAX_HANDSHAKE_MESSAGE) {
      this.oversizedMessages++;
      this.error ??= `handshake message type ${type} at stream offset ${this.msgStart}: ${len} bytes exceeds the ${MAX_HANDSHAKE_MESSAGE}-byte limit (skipped)`;
      this.msgHeaderLen = 0;
      this.skip = len;
      return;
    }
    if (len === 0) {
      this.msgHeaderLen = 0;
      this.emit(type, new Uint8Array(0));
      return;
    }
    this.msgHeaderLen = MSG_HEADER;
    this.msgType = type;
    this.msgBody = new Uint8Array(len);
    this.msgHave = 0;
  }

  private emit(type: number, body: Uint8Array): void {
    this.messages++;
    this.handlers.onMessage(type, body);
  }
}
