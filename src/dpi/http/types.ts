/**
 * What the HTTP/1.x parser reports: one HttpTransaction per request/response pair, and the
 * switch to a tunnel (CONNECT 2xx, 101 Switching Protocols) with the stream offsets where the
 * tunnelled bytes begin.
 */

/** Why a transaction was reported without a complete request and response. */
export type HttpIncomplete = 'no_response' | 'request_truncated' | 'response_truncated' | 'gap';

export interface HttpTransaction {
  /** Request line as sent. Empty for a response whose request was never seen. */
  method: string;
  /** Request target as sent: origin-form "/a?b", absolute-form "http://h/x", authority-form "h:443", or "*". */
  uri: string;
  /**
   * From the request line's "HTTP/x.y": "1.1", "1.0" (or whatever followed "HTTP/", e.g. "1." —
   * `error` says so); "0.9" for a simple request (a line without version, answered without a
   * status line); "" for a line without version followed by header fields (malformed).
   */
  version: string;
  /** Host header, or the authority of an absolute-form target when there is no Host header. */
  host?: string;
  userAgent?: string;
  referrer?: string;
  /** Content-Type of the request, as sent. */
  contentType?: string;
  /** Request body bytes seen: Content-Length or chunk payload bytes, not chunk framing, not holes. */
  requestBodyBytes: number;
  /** Final status code (1xx codes other than 101 go to `interim`). */
  statusCode?: number;
  reasonPhrase?: string;
  /** From the status line's "HTTP/x.y": "1.1", "1.0". */
  responseVersion?: string;
  /** Content-Type of the response without parameters, lowercased ("text/html"). */
  responseMimeType?: string;
  /** Response body bytes seen (the whole raw response for HTTP/0.9). */
  responseBodyBytes: number;
  /** Capture time of the data that carried the first byte of the request line. */
  requestStartNs: number;
  /** … of the data that completed the request (head, or body when there is one). */
  requestEndNs?: number;
  /** … of the data that carried the first byte of the first response (interim or final). */
  responseStartNs?: number;
  /** … of the data that completed the final response (`end()` for a body read to connection end). */
  responseEndNs?: number;
  /** 1xx status codes seen before the final response (100 Continue, 103 Early Hints). */
  interim: number[];
  incomplete?: HttpIncomplete;
  /**
   * The first problem found in this transaction's bytes: what, which side, at which stream offset
   * ("request: bad Content-Length at client offset 120"). The transaction is still reported.
   */
  error?: string;
}

/** The connection stopped being HTTP/1.x: tunnel data starts at these offsets of each side's stream. */
export interface HttpTunnel {
  /** 'connect': a 2xx answer to CONNECT; 'upgrade': 101 Switching Protocols. */
  kind: 'connect' | 'upgrade';
  /** For 'upgrade': the request's Upgrade header ("websocket", "h2c"). */
  protocol?: string;
  /** Stream offset of the first client byte after the request that opened the tunnel. */
  clientOffset: number;
  /** Stream offset of the first server byte after the response head that opened the tunnel. */
  serverOffset: number;
  /**
   * Client bytes from `clientOffset` on that had already arrived (sent before the answer, e.g. a
   * TLS ClientHello right after CONNECT): a copy, at most `maxHeaderBytes` of them.
   */
  clientHeld: Uint8Array;
}

/** Bounds on what one connection's parser holds; every one of them is a memory bound. */
export interface HttpParserLimits {
  /** Bytes of a message head (start line + header fields + blank line), also of a trailer section. */
  maxHeaderBytes: number;
  /** Header field lines per head (obs-fold continuation lines count). */
  maxHeaderLines: number;
  /** Bytes of a chunk-size line (size + extensions). */
  maxChunkLineBytes: number;
  /** Requests waiting for their response (pipelining). */
  maxPending: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpParserLimits> = Object.freeze({
  maxHeaderBytes: 64 * 1024,
  maxHeaderLines: 100,
  maxChunkLineBytes: 4096,
  maxPending: 64,
});
