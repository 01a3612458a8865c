/**
 * @module dpi/http — HTTP/1.x over TCP: `HttpConnectionParser` takes both directions of one
 * connection as in-order bytes and reports each request/response pair as an HttpTransaction
 * (pipelining, keep-alive, chunked, 100-continue, CONNECT/Upgrade tunnels, HTTP/0.9);
 * `looksLikeHttpRequest` is the cheap first-bytes test for finding HTTP on any port.
 */
export { HttpConnectionParser, MAX_METHOD_BYTES, type HttpParserOptions } from './parser.js';
export { HTTP_METHODS, isKnownMethod, looksLikeHttpRequest } from './methods.js';
export {
  DEFAULT_HTTP_LIMITS,
  type HttpIncomplete,
  type HttpParserLimits,
  type HttpTransaction,
  type HttpTunnel,
} from './types.js';
