/**
 * HTTP/1.x over one TCP connection (RFC 9112): both directions' in-order bytes in, one
 * HttpTransaction per request/response pair out.
 *
 *   client bytes ─► request line, fields, body (length / chunked) ─┐  queue of requests waiting
 *                                                                  ├─ for their response, in
 *   server bytes ─► status line, fields, body (length / chunked /  ─┘  order (pipelining)
 *                   to connection end), 1xx interim answers
 *
 * A transaction is reported once its request and its final response are both complete, or when
 * the side that would complete it can say no more (stopped by a gap or bad bytes, or the
 * connection's end) — then `incomplete` says what is missing.
 *
 * Design points:
 * - Pushes can split anything anywhere (byte-by-byte works): heads are collected one line at a
 *   time into a buffer capped by the head limit; bodies are only counted, never copied.
 * - Limits (types.ts) bound every buffer. A head over the limit is flagged and skimmed to its end
 *   keeping only the framing fields, so the stream stays in step without holding the head.
 * - Whether the stream is HTTP at all is decided on its first bytes: a first request line that
 *   does not begin with a method token and a space (or a first server byte that is not "HTTP/"
 *   before any request) makes the parser `notHttp` and inert.
 * - CONNECT answered 2xx, or 101 Switching Protocols, ends HTTP on the connection: `tunnel` gives
 *   the offsets where the tunnelled bytes begin. Client bytes sent after CONNECT/Upgrade before
 *   the answer are held (bounded) so a refusal can parse them as HTTP again.
 * - A request line without a version is HTTP/0.9 if the server answers before the client sends
 *   anything more (the answer is then raw bytes to the connection end, unless it starts with
 *   "HTTP/"), or if the answer is not a status line; if field lines follow and the answer has a
 *   status line, it is a malformed HTTP/1.x request (version "").
 * - Nothing throws on any input: problems end up in `error` (of the transaction and the parser).
 */
import { Field, ascii, authorityOf, fieldId, isFramingField, isListField, isToken, isWs, lastCoding, mimeType,
  parseContentLength, text } from './fields.js';
import { TCHAR, isKnownMethod } from './methods.js';
import { St, Side, type Rec } from './state.js';
import { DEFAULT_HTTP_LIMITS, type HttpParserLimits, type HttpTransaction, type HttpTunnel } from './types.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
/** Longest method token accepted before deciding the stream is not HTTP. */
export const MAX_METHOD_BYTES = 32;
/** Bytes kept of a line in a head that passed its limits: enough for any framing field. */
const SKIP_LINE_CAP = 256;
/** The CRLF after chunk data: anything longer is not a line end. */
const CHUNK_END_CAP = 64;
const HTTP_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
/** What follows "HTTP/" in a well-formed start line (RFC 9112 §2.3). */
const VERSION = /^[0-9]\.[0-9]$/;

/** b[s, e) begins with `prefix`. */
function startsWith(b: Uint8Array, s: number, e: number, prefix: readonly number[]): boolean {
  if (e - s < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[s + i] !== prefix[i]) return false;
  return true;
}

export interface HttpParserOptions {
  limits?: Partial<HttpParserLimits>;
  /** Called once when the connection turns into a tunnel (also readable as `parser.tunnel`). */
  onTunnel?: (tunnel: HttpTunnel) => void;
}

export class HttpConnectionParser {
  /** The stream is not HTTP/1.x: decided on its first bytes; the parser ignores everything after. */
  notHttp = false;
  /** Set when CONNECT succeeded or protocols were switched: HTTP parsing has stopped on both sides. */
  tunnel: HttpTunnel | undefined;
  /** The first problem seen anywhere on the connection (each transaction also carries its own). */
  error: string | undefined;
  /** Transactions reported so far. */
  transactions = 0;

  private readonly onTransaction: (t: HttpTransaction) => void;
  private readonly onTunnel: ((tunnel: HttpTunnel) => void) | undefined;
  private readonly limits: HttpParserLimits;
  private readonly client = new Side(true);
  private readonly server = new Side(false);
  /** Transactions not yet reported, in request order. */
  private readonly queue: Rec[] = [];
  /** A request line or a status line has been accepted: the stream is HTTP. */
  private sawHttp = false;
  private ended = false;

  constructor(onTransaction: (t: HttpTransaction) => void, options: HttpParserOptions = {}) {
    this.onTransaction = onTransaction;
    this.onTunnel = options.onTunnel;
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  }

  /** Bytes held in memory for partial lines and the CONNECT hold (bounded by the limits). */
  get bufferedBytes(): number {
    return this.client.line.len + this.server.line.len + this.client.heldLen;
  }

  /** Nothing more will be parsed (not HTTP, tunnel, both sides stopped, or ended). */
  get stopped(): boolean {
    return this.client.state === St.STOPPED && this.server.state === St.STOPPED;
  }

  clientData(bytes: Uint8Array, offset: number, length: number, timeNs: number): void {
    this.data(this.client, bytes, offset, length, timeNs);
  }

  serverData(bytes: Uint8Array, offset: number, length: number, timeNs: number): void {
    this.data(this.server, bytes, offset, length, timeNs);
  }

  /** Reassembly skipped `bytes` bytes of one side. Inside a body of known length parsing goes on. */
  gap(side: 'client' | 'server', bytes: number): void {
    if (this.ended || !(bytes > 0)) return;
    const s = side === 'client' ? this.client : this.server;
    const at = s.pos;
    s.pos += bytes;
    const rec = s.rec;
    switch (s.state) {
      case St.STOPPED:
        return;
      case St.BODY:
      case St.CHUNK_DATA:
        if (rec !== undefined) rec.gap = true;
        if (bytes <= s.remaining) {
          s.remaining -= bytes;
          if (s.remaining === 0) {
            if (s.state === St.BODY) this.bodyDone(s, at + bytes, s.lastNs);
            else s.state = St.CHUNK_END;
          }
          return;
        }
        // The hole runs past the end of the body (or chunk): the next message's start is lost.
        if (s.state === St.BODY) this.bodyDone(s, at + s.remaining, s.lastNs);
        this.stopSide(s, 'gap');
        return;
      case St.UNTIL_CLOSE:
        if (rec !== undefined) rec.gap = true;
        return;
      case St.HOLD:
        s.heldGap = true;
        return;
      default:
        // In a start line, a head, a chunk-size line, or between messages: framing is lost.
        this.stopSide(s, 'gap');
    }
  }

  /** The connection ended: bodies delimited by the close complete, everything else is reported as it stands. */
  end(timeNs: number): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.notHttp) {
      const c = this.client;
      if (c.state === St.START_LINE && c.line.len > 0) {
        this.requestLine(c, c.lineStartNs);
        const rec = c.rec;
        if (rec !== undefined) this.fail(c, rec, 'request line cut by the connection end', c.pos);
      } else if (c.rec !== undefined && this.isSimpleCandidate(c.rec)) {
        this.makeSimple(c.rec);
      }
      const s = this.server;
      if (s.state === St.UNTIL_CLOSE && s.rec !== undefined) {
        this.responseDone(s, s.rec, timeNs);
      }
    }
    this.stopSide(this.client, 'done');
    this.stopSide(this.server, 'done');
  }

  // ── Feeding ──────────────────────────────────────────────────────────────────────────────

  private data(s: Side, bytes: Uint8Array, offset: number, length: number, timeNs: number): void {
    if (this.ended) return;
    const off = Math.max(0, Math.trunc(offset) || 0);
    const end = Math.min(bytes.length, off + Math.max(0, Math.trunc(length) || 0));
    if (end <= off) return;
    s.lastNs = timeNs;
    if (s.state === St.STOPPED) {
      s.pos += end - off;
      return;
    }
    this.feed(s, bytes, off, end, timeNs);
  }

  private feed(s: Side, bytes: Uint8Array, off: number, end: number, timeNs: number): void {
    const base = s.pos - off; // stream offset of bytes[0]
    while (off < end && s.state !== St.STOPPED) {
      const was = s.state;
      const from = off;
      switch (s.state) {
        case St.START:
          off = s.isClient
            ? this.requestStart(s, bytes, off, end, base, timeNs)
            : this.responseStart(s, bytes, off, end, base, timeNs);
          break;
        case St.START_LINE:
          off = this.startLine(s, bytes, off, end, base, timeNs);
          break;
        case St.HEAD:
        case St.TRAILERS:
          off = this.headLine(s, bytes, off, end, base, timeNs);
          break;
        case St.BODY:
        case St.CHUNK_DATA: {
          const n = Math.min(s.remaining, end - off);
          s.remaining -= n;
          off += n;
          this.count(s, n);
          if (s.remaining === 0) {
            if (s.state === St.BODY) this.bodyDone(s, base + off, timeNs);
            else s.state = St.CHUNK_END;
          }
          break;
        }
        case St.CHUNK_SIZE:
          off = this.chunkSize(s, bytes, off, end, base);
          break;
        case St.CHUNK_END:
          off = this.chunkEnd(s, bytes, off, end, base);
          break;
        case St.UNTIL_CLOSE:
          this.count(s, end - off);
          off = end;
          break;
        case St.HOLD:
          this.hold(s, bytes, off, end);
          off = end;
          break;
      }
      // Every step consumes bytes or changes state; anything else would spin (a bug, not input).
      if (off === from && s.state === was) break;
    }
    s.pos = base + end;
  }

  private count(s: Side, n: number): void {
    const rec = s.rec;
    if (rec === undefined) return;
    if (s.isClient) rec.t.requestBodyBytes += n;
    else rec.t.responseBodyBytes += n;
  }

  /** Appends to the line up to the next LF (consumed, not kept); sets `lineDone`. */
  private readLine(s: Side, bytes: Uint8Array, off: number, end: number, cap: number): number {
    let stop = off;
    while (stop < end && bytes[stop] !== LF) stop++; // (a subarray per line would allocate)
    const found = stop < end;
    s.line.add(bytes, off, stop, cap);
    s.lineDone = found;
    return found ? stop + 1 : end;
  }

  // ── Request side ─────────────────────────────────────────────────────────────────────────

  /** Skips blank lines, then checks the method token byte by byte: the cheap "is this HTTP" test. */
  private requestStart(s: Side, bytes: Uint8Array, off: number, end: number, base: number, timeNs: number): number {
    for (; off < end; off++) {
      const c = bytes[off]!;
      if (s.line.total === 0) {
        // RFC 9112 §2.2: a server ignores empty lines before a request line (e.g. an extra CRLF after a POST body).
        if (c === CR || c === LF) continue;
        s.lineStartPos = base + off;
        s.lineStartNs = timeNs;
      }
      if (TCHAR[c] === 1) {
        if (s.line.total >= MAX_METHOD_BYTES) {
          this.badRequestStart(s, `method longer than ${MAX_METHOD_BYTES} bytes`, base + off);
          return end;
        }
        s.line.push(c);
        continue;
      }
      if (s.line.total > 0 && (c === SP || c === HTAB)) {
        s.state = St.START_LINE;
        return off;
      }
      if (s.line.total > 0 && (c === CR || c === LF)) {
        // A line that is a lone token ("OPTIONS\r\n") is a broken request only if the token is a
        // known method; as the first line, anything else ("SSH-2.0-OpenSSH_9.6") is another protocol.
        if (!this.sawHttp && !isKnownMethod(ascii(s.line.buf, 0, s.line.len))) {
          this.setNotHttp();
          return end;
        }
        s.state = St.START_LINE;
        return off;
      }
      this.badRequestStart(s, `byte 0x${c.toString(16).padStart(2, '0')} in the method`, base + off);
      return end;
    }
    return off;
  }

  /** The first request is not HTTP: the connection is not HTTP. A later one: the client side stops. */
  private badRequestStart(s: Side, why: string, pos: number): void {
    if (!this.sawHttp) {
      this.setNotHttp();
      return;
    }
    this.note(undefined, `request: ${why} at client offset ${pos}`);
    this.stopSide(s, 'error');
  }

  private startLine(s: Side, bytes: Uint8Array, off: number, end: number, base: number, timeNs: number): number {
    const from = off;
    const cap = this.limits.maxHeaderBytes;
    off = this.readLine(s, bytes, off, end, cap);
    if (s.isClient) {
      // Control bytes have no place in a request line (RFC 9112 §3); on the first one, it means "not HTTP".
      const stop = s.lineDone ? off - 1 : off;
      for (let i = from; i < stop; i++) {
        const c = bytes[i]!;
        if ((c < SP && c !== HTAB && c !== CR) || c === 0x7f) {
          this.badRequestStart(s, `control byte 0x${c.toString(16).padStart(2, '0')} in the request line`, base + i);
          return end;
        }
      }
      if (!this.sawHttp && s.line.total > cap) {
        this.setNotHttp();
        return end;
      }
    }
    if (!s.lineDone) return off;
    if (s.isClient) this.requestLine(s, timeNs, base + off);
    else this.statusLine(s);
    return off;
  }

  /** Parses the collected request line into a new transaction; next come the field lines. */
  private requestLine(s: Side, timeNs: number, endPos = s.pos): void {
    const line = s.line;
    const b = line.buf;
    const e = line.contentEnd;
    const cut = line.truncated;
    let p = 0;
    while (p < e && TCHAR[b[p]!] === 1) p++;
    const method = ascii(b, 0, p);
    while (p < e && isWs(b[p]!)) p++;
    let q = e;
    while (q > p && isWs(b[q - 1]!)) q--;
    // The version is the last of at least two words after the method, when it starts "HTTP/";
    // otherwise everything after the method is the target (as tshark reads "OPTIONS HTTP/1.1").
    let k = q;
    while (k > p && !isWs(b[k - 1]!)) k--;
    let uriEnd = q;
    let version = '';
    let noVersion = true;
    if (k > p && startsWith(b, k, q, HTTP_PREFIX)) {
      version = text(b, k + 5, q);
      noVersion = false;
      uriEnd = k;
      while (uriEnd > p && isWs(b[uriEnd - 1]!)) uriEnd--;
    }
    if (!this.sawHttp && method === 'PRI' && version === '2.0') {
      // The HTTP/2 connection preface (RFC 9113 §3.4): not HTTP/1.x.
      this.setNotHttp();
      return;
    }
    if (this.queue.length >= this.limits.maxPending) {
      const max = this.limits.maxPending;
      this.note(undefined, `request: more than ${max} requests waiting for a response at client offset ${s.lineStartPos}`);
      this.stopSide(s, 'error');
      return;
    }
    this.sawHttp = true;
    const uri = text(b, p, uriEnd);
    const t: HttpTransaction = {
      method,
      uri,
      version,
      requestBodyBytes: 0,
      responseBodyBytes: 0,
      requestStartNs: s.lineStartNs,
      interim: [],
    };
    const rec: Rec = {
      t,
      reqDone: false,
      resStarted: false,
      resFinal: false,
      resDone: false,
      gap: false,
      noVersion: noVersion && !cut,
      isHead: method === 'HEAD',
      isConnect: method === 'CONNECT',
      upgrade: undefined,
      lineEndPos: endPos,
      lineEndNs: timeNs,
      reqEndPos: endPos,
    };
    this.queue.push(rec);
    s.rec = rec;
    if (cut) this.fail(s, rec, `request line over ${this.limits.maxHeaderBytes} bytes`, s.lineStartPos);
    else if (!noVersion && !VERSION.test(version)) this.fail(s, rec, `bad HTTP version "HTTP/${version}"`, s.lineStartPos);
    const headBytes = line.total + 1;
    line.reset();
    s.state = St.HEAD;
    s.resetHead(false);
    s.headBytes = headBytes;
    s.skipping = cut;
  }

  /** The request head is complete: pick the body framing (RFC 9112 §6.3, items 3–6 for requests). */
  private requestHeadEnd(s: Side, rec: Rec, pos: number, timeNs: number): void {
    const f = s.fields;
    const t = rec.t;
    const host = f[Field.HOST] ?? authorityOf(t.uri);
    if (host !== undefined) t.host = host;
    if (f[Field.USER_AGENT] !== undefined) t.userAgent = f[Field.USER_AGENT];
    if (f[Field.REFERER] !== undefined) t.referrer = f[Field.REFERER];
    if (f[Field.CONTENT_TYPE] !== undefined) t.contentType = f[Field.CONTENT_TYPE];
    rec.upgrade = f[Field.UPGRADE];
    const te = f[Field.TRANSFER_ENCODING];
    const cl = f[Field.CONTENT_LENGTH];
    const teAt = s.fieldAt[Field.TRANSFER_ENCODING]!;
    if (te !== undefined) {
      if (lastCoding(te) !== 'chunked') {
        // No way to find the end of this body (a server answers 400 and closes).
        this.fail(s, rec, `Transfer-Encoding "${te}" does not end in chunked`, teAt);
        this.requestDone(s, rec, pos, timeNs);
        this.stopSide(s, 'error');
        return;
      }
      if (cl !== undefined) this.fail(s, rec, 'both Transfer-Encoding and Content-Length', teAt);
      this.startChunked(s);
      return;
    }
    if (cl !== undefined) {
      const n = parseContentLength(cl);
      if (n < 0) {
        this.fail(s, rec, `bad Content-Length "${cl}"`, s.fieldAt[Field.CONTENT_LENGTH]!);
        this.requestDone(s, rec, pos, timeNs);
        this.stopSide(s, 'error');
        return;
      }
      if (n > 0) {
        s.state = St.BODY;
        s.remaining = n;
        return;
      }
    }
    this.requestDone(s, rec, pos, timeNs);
  }

  private requestDone(s: Side, rec: Rec, pos: number, timeNs: number): void {
    rec.reqDone = true;
    rec.t.requestEndNs = timeNs;
    rec.reqEndPos = pos;
    s.rec = undefined;
    s.line.reset();
    if ((rec.isConnect || rec.upgrade !== undefined) && !rec.resFinal) {
      // What follows may already be tunnel data: hold it until the answer says.
      s.state = St.HOLD;
      s.heldStart = pos;
      s.heldLen = 0;
      s.heldLost = false;
      s.heldGap = false;
      s.holdRec = rec;
    } else {
      s.state = St.START;
    }
    this.flush();
  }

  private hold(s: Side, bytes: Uint8Array, off: number, end: number): void {
    if (s.heldLen === 0) s.heldNs = s.lastNs;
    const room = this.limits.maxHeaderBytes - s.heldLen;
    const take = Math.min(end - off, room);
    if (take < end - off) s.heldLost = true;
    if (take <= 0) return;
    if (s.held.length < s.heldLen + take) {
      const grown = new Uint8Array(Math.min(this.limits.maxHeaderBytes, Math.max(1024, (s.heldLen + take) * 2)));
      grown.set(s.held.subarray(0, s.heldLen));
      s.held = grown;
    }
    s.held.set(bytes.subarray(off, off + take), s.heldLen);
    s.heldLen += take;
  }

  /** CONNECT / Upgrade was refused: what the client sent meanwhile is HTTP again. */
  private release(): void {
    const c = this.client;
    if (c.state !== St.HOLD) return;
    if (c.heldGap) {
      this.stopSide(c, 'gap');
      return;
    }
    if (c.heldLost) {
      const max = this.limits.maxHeaderBytes;
      this.note(undefined, `request: more than ${max} bytes sent before the answer to CONNECT/Upgrade at client offset ${c.heldStart}`);
      this.stopSide(c, 'error');
      return;
    }
    const held = c.held.slice(0, c.heldLen);
    const at = c.heldStart;
    const now = c.pos;
    c.held = new Uint8Array(0);
    c.heldLen = 0;
    c.holdRec = undefined;
    c.state = St.START;
    if (held.length > 0) {
      c.pos = at;
      this.feed(c, held, 0, held.length, c.heldNs);
      c.pos = now;
    }
  }

  // ── Response side ────────────────────────────────────────────────────────────────────────

  /** Finds the transaction the next response answers, then checks for "HTTP/" byte by byte. */
  private responseStart(s: Side, bytes: Uint8Array, off: number, end: number, base: number, timeNs: number): number {
    for (; off < end; off++) {
      const c = bytes[off]!;
      if (s.line.total === 0) {
        let rec = s.rec; // set between an interim response and the final one
        if (rec === undefined) {
          const next = this.awaiting();
          const simple = next !== undefined && (next.t.version === '0.9' || next.noVersion);
          if (!simple && (c === CR || c === LF)) continue;
          if (next !== undefined && this.isSimpleCandidate(next)) this.makeSimple(next);
          rec = next;
          if (rec !== undefined) {
            s.rec = rec;
            rec.resStarted = true;
            rec.t.responseStartNs ??= timeNs;
          }
        } else if (c === CR || c === LF) {
          continue;
        }
        s.lineStartPos = base + off;
        s.lineStartNs = timeNs;
      }
      if (c === HTTP_PREFIX[s.line.total]) {
        s.line.push(c);
        if (s.line.total === HTTP_PREFIX.length) {
          if (s.rec === undefined) this.orphan(s, timeNs);
          s.state = St.START_LINE;
          return off + 1;
        }
        continue;
      }
      const rec = s.rec;
      if (rec !== undefined && (rec.t.version === '0.9' || rec.noVersion) && rec.t.interim.length === 0) {
        // HTTP/0.9: the answer is the document itself, to the connection's end. A server answers
        // so to any request line without version, whatever the client sent after it.
        if (rec.t.version !== '0.9') this.makeSimple(rec);
        rec.resFinal = true;
        rec.t.responseBodyBytes += s.line.total;
        s.line.reset();
        s.state = St.UNTIL_CLOSE;
        return off;
      }
      if (!this.sawHttp && this.queue.length === 0) {
        this.setNotHttp();
        return end;
      }
      this.fail(s, rec, 'status line does not start with "HTTP/"', s.line.total === 0 ? base + off : s.lineStartPos);
      this.stopSide(s, 'error');
      return end;
    }
    return off;
  }

  /** A response with no request left to answer (the request was lost, or never sent). */
  private orphan(s: Side, timeNs: number): void {
    const t: HttpTransaction = {
      method: '',
      uri: '',
      version: '',
      requestBodyBytes: 0,
      responseBodyBytes: 0,
      requestStartNs: s.lineStartNs,
      responseStartNs: timeNs,
      interim: [],
    };
    const rec: Rec = {
      t, reqDone: true, resStarted: true, resFinal: false, resDone: false, gap: this.client.stop === 'gap',
      noVersion: false, isHead: false, isConnect: false, upgrade: undefined, lineEndPos: 0, lineEndNs: 0, reqEndPos: 0,
    };
    if (!rec.gap) this.fail(s, rec, 'response without a request', s.lineStartPos);
    this.queue.push(rec);
    s.rec = rec;
  }

  /** Parses "HTTP/x.y SP 3DIGIT [SP reason]" (RFC 9112 §4). */
  private statusLine(s: Side): void {
    const line = s.line;
    const b = line.buf;
    const e = line.contentEnd;
    const rec = s.rec;
    let p = HTTP_PREFIX.length;
    while (p < e && !isWs(b[p]!)) p++;
    const version = ascii(b, HTTP_PREFIX.length, p);
    while (p < e && isWs(b[p]!)) p++;
    const c0 = p;
    while (p < e && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
    if (p - c0 !== 3 || (p < e && !isWs(b[p]!)) || line.truncated) {
      this.fail(s, rec, 'bad status line', s.lineStartPos);
      this.stopSide(s, 'error');
      return;
    }
    s.status = Number(ascii(b, c0, p));
    while (p < e && isWs(b[p]!)) p++;
    let r = e;
    while (r > p && isWs(b[r - 1]!)) r--;
    s.reason = text(b, p, r);
    s.version = version;
    this.sawHttp = true;
    if (!VERSION.test(version)) this.fail(s, rec, `bad HTTP version "HTTP/${version}"`, s.lineStartPos);
    const headBytes = line.total + 1;
    line.reset();
    s.state = St.HEAD;
    s.resetHead(false);
    s.headBytes = headBytes;
  }

  /** The response head is complete: interim, tunnel, or the body framing (RFC 9112 §6.3). */
  private responseHeadEnd(s: Side, rec: Rec, pos: number, timeNs: number): void {
    const code = s.status;
    const t = rec.t;
    if (code >= 100 && code < 200 && code !== 101) {
      t.interim.push(code);
      s.state = St.START;
      return;
    }
    rec.resFinal = true;
    t.statusCode = code;
    t.reasonPhrase = s.reason;
    t.responseVersion = s.version;
    const ct = s.fields[Field.CONTENT_TYPE];
    const mime = ct === undefined ? undefined : mimeType(ct);
    if (mime !== undefined) t.responseMimeType = mime;
    if (code === 101) {
      this.openTunnel('upgrade', rec, pos, timeNs);
      return;
    }
    if (rec.isConnect && code >= 200 && code < 300) {
      this.openTunnel('connect', rec, pos, timeNs);
      return;
    }
    if (this.client.state === St.HOLD && this.client.holdRec === rec) this.release();
    if (rec.isHead || code === 204 || code === 304) {
      this.responseDone(s, rec, timeNs);
      return;
    }
    const te = s.fields[Field.TRANSFER_ENCODING];
    const cl = s.fields[Field.CONTENT_LENGTH];
    if (te !== undefined) {
      const teAt = s.fieldAt[Field.TRANSFER_ENCODING]!;
      if (cl !== undefined) this.fail(s, rec, 'both Transfer-Encoding and Content-Length', teAt);
      if (lastCoding(te) === 'chunked') this.startChunked(s);
      else s.state = St.UNTIL_CLOSE;
      return;
    }
    if (cl !== undefined) {
      const n = parseContentLength(cl);
      if (n < 0) {
        this.fail(s, rec, `bad Content-Length "${cl}"`, s.fieldAt[Field.CONTENT_LENGTH]!);
        s.state = St.UNTIL_CLOSE;
        return;
      }
      if (n === 0) {
        this.responseDone(s, rec, timeNs);
        return;
      }
      s.state = St.BODY;
      s.remaining = n;
      return;
    }
    s.state = St.UNTIL_CLOSE;
  }

  private responseDone(s: Side, rec: Rec, timeNs: number): void {
    rec.resDone = true;
    rec.t.responseEndNs = timeNs;
    s.rec = undefined;
    s.line.reset();
    s.state = St.START;
    this.flush();
  }

  private openTunnel(kind: 'connect' | 'upgrade', rec: Rec, serverOffset: number, timeNs: number): void {
    const c = this.client;
    const holding = c.state === St.HOLD && c.holdRec === rec;
    const tunnel: HttpTunnel = {
      kind,
      clientOffset: rec.reqDone ? rec.reqEndPos : c.pos,
      serverOffset,
      clientHeld: holding ? c.held.slice(0, c.heldLen) : new Uint8Array(0),
    };
    if (kind === 'upgrade' && rec.upgrade !== undefined) tunnel.protocol = rec.upgrade;
    this.tunnel = tunnel;
    rec.resDone = true;
    rec.t.responseEndNs = timeNs;
    this.server.rec = undefined;
    this.stopSide(this.client, 'done');
    this.stopSide(this.server, 'done');
    this.onTunnel?.(tunnel);
  }

  // ── Shared: field lines, bodies ──────────────────────────────────────────────────────────

  private headLine(s: Side, bytes: Uint8Array, off: number, end: number, base: number, timeNs: number): number {
    const max = this.limits.maxHeaderBytes;
    const cap = s.skipping ? SKIP_LINE_CAP : Math.max(0, max - s.headBytes);
    off = this.readLine(s, bytes, off, end, cap);
    if (!s.lineDone) return off;
    const line = s.line;
    const pos = base + off; // just past the LF
    const lineStart = pos - line.total - 1;
    s.headBytes += line.total + 1;
    const b = line.buf;
    const e = line.contentEnd;
    const rec = s.rec;
    if (e === 0 && !line.truncated) {
      line.reset();
      this.headEnd(s, pos, timeNs);
      return off;
    }
    const what = s.trailers ? 'trailer section' : 'header section';
    if (!s.skipping && (s.headBytes > max || line.truncated)) {
      this.fail(s, rec, `${what} over ${max} bytes`, lineStart);
      s.skipping = true;
    }
    if (line.truncated) {
      line.reset();
      return off;
    }
    s.headLines++;
    if (!s.skipping && s.headLines > this.limits.maxHeaderLines) {
      this.fail(s, rec, `${what} over ${this.limits.maxHeaderLines} lines`, lineStart);
      s.skipping = true;
    }
    if (s.isClient && rec !== undefined && rec.noVersion && !s.trailers && s.headLines === 1) {
      this.fail(s, rec, 'request line without HTTP version', rec.lineEndPos);
    }
    if (!s.trailers) this.fieldLine(s, b, e, lineStart);
    line.reset();
    return off;
  }

  /** One field line of a head: keeps the fields we report and the framing fields. */
  private fieldLine(s: Side, b: Uint8Array, e: number, lineStart: number): void {
    if (isWs(b[0]!)) {
      // obs-fold (RFC 9112 §5.2): continues the previous field's value.
      const id = s.lastField;
      if (id < 0 || (s.skipping && !isFramingField(id))) return;
      let p = 0;
      while (p < e && isWs(b[p]!)) p++;
      let q = e;
      while (q > p && isWs(b[q - 1]!)) q--;
      if (q > p) s.fields[id] = `${s.fields[id] ?? ''} ${text(b, p, q)}`.trimStart();
      return;
    }
    let colon = 0;
    while (colon < e && b[colon] !== 0x3a) colon++;
    if (colon === e) colon = -1;
    let n = colon < 0 ? 0 : colon;
    while (n > 0 && isWs(b[n - 1]!)) n--; // "Host : x" is invalid (RFC 9112 §5.1), but unambiguous
    if (colon < 0 || !isToken(b, 0, n)) {
      s.lastField = -1;
      this.fail(s, s.rec, 'bad header field line', lineStart);
      return;
    }
    const id = fieldId(b, 0, n);
    s.lastField = id;
    if (id < 0 || (s.skipping && !isFramingField(id))) return;
    let p = colon + 1;
    while (p < e && isWs(b[p]!)) p++;
    let q = e;
    while (q > p && isWs(b[q - 1]!)) q--;
    const value = text(b, p, q);
    const old = s.fields[id];
    if (old === undefined) {
      s.fields[id] = value;
      s.fieldAt[id] = lineStart;
    }
    else if (isListField(id)) s.fields[id] = `${old}, ${value}`;
    else if (id === Field.HOST && s.isClient) this.fail(s, s.rec, 'more than one Host field', lineStart);
  }

  private headEnd(s: Side, pos: number, timeNs: number): void {
    const rec = s.rec;
    if (s.trailers) {
      this.bodyDone(s, pos, timeNs);
      return;
    }
    if (rec === undefined) {
      s.state = St.START;
      return;
    }
    if (s.isClient) this.requestHeadEnd(s, rec, pos, timeNs);
    else this.responseHeadEnd(s, rec, pos, timeNs);
  }

  private startChunked(s: Side): void {
    s.state = St.CHUNK_SIZE;
    s.line.reset();
  }

  /** chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1): hex digits, extensions ignored. */
  private chunkSize(s: Side, bytes: Uint8Array, off: number, end: number, base: number): number {
    const cap = this.limits.maxChunkLineBytes;
    off = this.readLine(s, bytes, off, end, cap);
    const line = s.line;
    if (line.total > cap) {
      this.fail(s, s.rec, `chunk-size line over ${cap} bytes`, base + off - line.total - (s.lineDone ? 1 : 0));
      this.stopSide(s, 'error');
      return end;
    }
    if (!s.lineDone) return off;
    const b = line.buf;
    const e = line.contentEnd;
    let p = 0;
    while (p < e && isWs(b[p]!)) p++;
    const d0 = p;
    let size = 0;
    for (; p < e; p++) {
      const c = b[p]! | 0x20;
      const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
      if (v < 0) break;
      size = size * 16 + v;
    }
    const digits = p - d0;
    while (p < e && isWs(b[p]!)) p++;
    if (digits === 0 || digits > 13 || (p < e && b[p] !== 0x3b)) {
      this.fail(s, s.rec, 'bad chunk size', base + off - line.total - 1);
      this.stopSide(s, 'error');
      return end;
    }
    line.reset();
    if (size === 0) {
      s.state = St.TRAILERS;
      s.resetHead(true);
    } else {
      s.state = St.CHUNK_DATA;
      s.remaining = size;
    }
    return off;
  }

  private chunkEnd(s: Side, bytes: Uint8Array, off: number, end: number, base: number): number {
    off = this.readLine(s, bytes, off, end, CHUNK_END_CAP);
    const line = s.line;
    if (line.total > CHUNK_END_CAP || (s.lineDone && line.contentEnd !== 0)) {
      this.fail(s, s.rec, 'no CRLF after chunk data', base + off - line.total - (s.lineDone ? 1 : 0));
      this.stopSide(s, 'error');
      return end;
    }
    if (!s.lineDone) return off;
    line.reset();
    s.state = St.CHUNK_SIZE;
    return off;
  }

  private bodyDone(s: Side, pos: number, timeNs: number): void {
    const rec = s.rec;
    if (rec === undefined) {
      s.state = St.START;
      return;
    }
    if (s.isClient) this.requestDone(s, rec, pos, timeNs);
    else this.responseDone(s, rec, timeNs);
  }

  // ── HTTP/0.9 ─────────────────────────────────────────────────────────────────────────────

  /** A request line without version, and the client has sent nothing since: HTTP/0.9 if answered now. */
  private isSimpleCandidate(rec: Rec): boolean {
    const c = this.client;
    return rec.noVersion && !rec.reqDone && c.rec === rec && c.state === St.HEAD && c.headLines === 0 && c.line.total === 0
      && !c.skipping;
  }

  /** HTTP/0.9 (RFC 1945 §4.1): one request per connection, no fields, no body. */
  private makeSimple(rec: Rec): void {
    rec.t.version = '0.9';
    if (!rec.reqDone) {
      rec.reqDone = true;
      rec.t.requestEndNs = rec.lineEndNs;
      rec.reqEndPos = rec.lineEndPos;
    }
    if (this.client.rec === rec) this.client.rec = undefined;
    this.stopSide(this.client, 'done');
  }

  // ── Bookkeeping ──────────────────────────────────────────────────────────────────────────

  /** The oldest transaction without its final response. */
  private awaiting(): Rec | undefined {
    for (const r of this.queue) if (!r.resFinal) return r;
    return undefined;
  }

  private fail(s: Side, rec: Rec | undefined, what: string, pos: number): void {
    const msg = `${s.isClient ? 'request' : 'response'}: ${what} at ${s.isClient ? 'client' : 'server'} offset ${pos}`;
    this.note(rec, msg);
  }

  private note(rec: Rec | undefined, msg: string): void {
    if (rec !== undefined) rec.t.error ??= msg;
    this.error ??= msg;
  }

  private stopSide(s: Side, why: 'gap' | 'error' | 'done'): void {
    s.line.reset();
    if (s.state === St.STOPPED) return;
    s.state = St.STOPPED;
    s.stop = why;
    if (why === 'gap' && s.rec !== undefined) s.rec.gap = true;
    s.held = new Uint8Array(0);
    s.heldLen = 0;
    s.holdRec = undefined;
    this.flush();
  }

  private setNotHttp(): void {
    this.notHttp = true;
    this.queue.length = 0;
    this.client.rec = undefined;
    this.server.rec = undefined;
    this.stopSide(this.client, 'done');
    this.stopSide(this.server, 'done');
  }

  /** Reports, in order, every transaction that can no longer change. */
  private flush(): void {
    const c = this.client;
    const s = this.server;
    while (this.queue.length > 0) {
      const r = this.queue[0]!;
      const reqReady = r.reqDone || c.state === St.STOPPED;
      const resReady = r.resDone || s.state === St.STOPPED;
      if (!reqReady || !resReady) return;
      this.queue.shift();
      const t = r.t;
      if (r.gap || (!r.reqDone && c.stop === 'gap') || (!r.resDone && s.stop === 'gap')) t.incomplete = 'gap';
      else if (!r.reqDone) t.incomplete = 'request_truncated';
      else if (!r.resStarted) t.incomplete = 'no_response';
      else if (!r.resDone) t.incomplete = 'response_truncated';
      this.transactions++;
      this.onTransaction(t);
    }
  }
}
