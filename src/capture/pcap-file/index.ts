/**
 * @module capture/pcap-file — reads classic pcap and pcapng captures (from a path, stdin or a
 * stream; plain or gzip) into a CaptureHandler, one reusable PacketView per input, no allocation
 * per packet. Imports only model/, core/ and capture/source.ts.
 */
export { readCaptureFile, readCaptureBuffer, DEFAULT_CHUNK_SIZE } from './reader.js';
export type { ReadCaptureOptions } from './reader.js';
export { CaptureParser, isGzip } from './parser.js';
export type { CaptureParserOptions } from './parser.js';
export { PcapFormatError, CaptureIoError } from './errors.js';
export { TsResolution } from './timestamp.js';
export type { TimeTarget } from './timestamp.js';
export { MAX_CAPLEN_STANDARD, MAX_BLOCK_LENGTH } from './context.js';
