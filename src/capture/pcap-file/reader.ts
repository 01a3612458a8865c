/**
 * Reading a whole capture: a path, stdin (`-`) or a given stream, plain or gzip (sniffed from
 * the magic 1f 8b, never from the name), fed to a CaptureHandler.
 *
 * One buffer is reused for the whole input. Each read appends up to `chunkSize` bytes; the
 * parser consumes every complete record and the partial one left at the end is moved to the
 * front before the next read (one record's worth of copying per chunk):
 *
 *   buf: [ consumed ........ | partial record | free ............... ]
 *        0                  pos              end                   buf.length
 *   →    [ partial record | free ........................................ ]   (base += pos)
 *
 * The buffer grows (doubling, at least to the record's size) only for a record larger than it.
 */
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import type { CaptureHandler, CaptureSummary } from '../source.js';
import { CaptureIoError } from './errors.js';
import type { ByteSource } from './input.js';
import { FileSource, StreamSource, gunzipSource } from './input.js';
import type { CaptureParserOptions } from './parser.js';
import { CaptureParser, isGzip } from './parser.js';

/**
 * Default bytes per read: large enough that per-chunk costs vanish, small enough for caches. The
 * chunk is copied into the buffer just before it is parsed; at 256 KiB it is still in the core's
 * L2 cache when the parser and decoder read it (at 4 MiB every record header was an L3 miss).
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/** Compressed bytes per read when gunzipping. */
const GZIP_READ_SIZE = 256 * 1024;

export interface ReadCaptureOptions extends CaptureParserOptions {
  /** Bytes per read (default 4 MiB). Any size ≥ 1 works; tiny ones exercise the carry-over. */
  chunkSize?: number;
  /** Read this stream instead of the path (the path then only names the input in messages). */
  input?: AsyncIterable<Uint8Array | string>;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a pcap or pcapng capture and delivers every packet to `handler.packet` with one reusable
 * view (`options.view`). `path` `-` means stdin. Resolves with a summary once the input ends;
 * a truncated last record is a warning (`truncated: true`), not an error.
 *
 * @throws PcapFormatError (a CaptureFormatError) when the input is not a capture or is corrupt;
 *   the packets before the fault were delivered (`packetsBefore`).
 * @throws CaptureIoError when the input cannot be opened or read.
 */
export async function readCaptureFile(path: string, handler: CaptureHandler,
  options: ReadCaptureOptions = {}): Promise<CaptureSummary> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  let source: ByteSource;
  let total = 0;
  if (options.input !== undefined) {
    source = new StreamSource(options.input);
  } else if (path === '-') {
    source = new StreamSource(process.stdin);
  } else {
    try {
      const file = await FileSource.open(path);
      source = file;
      total = file.size;
    } catch (e) {
      throw new CaptureIoError(path, `cannot open: ${messageOf(e)}`, { cause: e });
    }
  }

  const parser = new CaptureParser(path, handler, options);
  let buf = new Uint8Array(Math.max(chunkSize, 64));
  let base = 0; // input offset of buf[0]
  let pos = 0;
  let end = 0;
  let bytesRead = 0;

  const read = async (length: number): Promise<number> => {
    try {
      return await source.read(buf, end, length);
    } catch (e) {
      const code = errorCode(e);
      if (code !== undefined && code.startsWith('Z_')) {
        throw parser.error(bytesRead, 'gzip', `corrupt gzip data: ${messageOf(e)}`, { cause: e });
      }
      throw new CaptureIoError(path, `read failed: ${messageOf(e)}`, { cause: e });
    }
  };

  try {
    // Sniff gzip from the first two bytes.
    let eof = false;
    while (end < 2) {
      const n = await read(Math.min(chunkSize, buf.length - end));
      if (n === 0) { eof = true; break; }
      end += n;
    }
    if (isGzip(buf, 0, end)) {
      source = gunzipSource(buf.slice(0, end), source, GZIP_READ_SIZE);
      total = 0;
      end = 0;
      eof = false;
    } else {
      bytesRead = end;
      if (end > 0) {
        pos = parser.parse(buf, pos, end, base);
        handler.progress?.(bytesRead, total);
      }
    }
    while (!eof) {
      // Make room: drop what was consumed, move the partial record to the front, grow if needed.
      if (pos === end) {
        base += pos;
        pos = end = 0;
      } else if (pos > 0 && buf.length - end < chunkSize) {
        buf.copyWithin(0, pos, end);
        base += pos;
        end -= pos;
        pos = 0;
      }
      if (parser.need > buf.length - pos || end === buf.length) {
        const grown = new Uint8Array(Math.max(parser.need, buf.length * 2));
        grown.set(buf.subarray(pos, end));
        base += pos;
        end -= pos;
        pos = 0;
        buf = grown;
      }
      const n = await read(Math.min(chunkSize, buf.length - end));
      if (n === 0) break;
      end += n;
      bytesRead += n;
      pos = parser.parse(buf, pos, end, base);
      handler.progress?.(bytesRead, total);
    }
    return parser.finish(end - pos, base + pos, bytesRead, source.endedEarly);
  } finally {
    await source.close().catch(() => {});
  }
}

/**
 * Parses a capture held in memory (plain or gzip), synchronously: the frames are views into
 * `bytes` (no copy). Meant for tests and benchmarks that want the parser without I/O.
 */
export function readCaptureBuffer(bytes: Uint8Array, name: string, handler: CaptureHandler,
  options: CaptureParserOptions = {}): CaptureSummary {
  const parser = new CaptureParser(name, handler, options);
  let data = bytes;
  let endedEarly: string | undefined;
  if (isGzip(bytes)) {
    try {
      data = gunzipSync(bytes);
    } catch (e) {
      if (errorCode(e) !== 'Z_BUF_ERROR') throw parser.error(0, 'gzip', `corrupt gzip data: ${messageOf(e)}`, { cause: e });
      // Cut short: keep what decompresses, as the streaming reader does.
      try {
        data = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch (e2) {
        throw parser.error(0, 'gzip', `corrupt gzip data: ${messageOf(e2)}`, { cause: e2 });
      }
      endedEarly = 'gzip stream ends early (truncated .gz file)';
    }
  }
  const pos = parser.parse(data, 0, data.length, 0);
  handler.progress?.(data.length, data.length);
  return parser.finish(data.length - pos, pos, data.length, endedEarly);
}
