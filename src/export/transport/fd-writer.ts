/**
 * Buffered, synchronous writes to a file descriptor (a file, or stdout when it is a file or a
 * pipe). Text is gathered into one large buffer and written with writeSync when it fills: one
 * system call per ~1 MiB instead of one per record. Encoders that produce bytes write into the
 * buffer in place (the ByteOutput side: `reserve`, then advance `used`, then `endLine`).
 */
import { closeSync, openSync, writeSync, constants } from 'node:fs';
import { ErrorCode, SinkError } from '../../core/errors.js';
import type { ByteOutput } from '../encode/ascii.js';

const DEFAULT_BUFFER = 1 << 20;
/** Never notified: Atomics.wait on it is a plain sleep. */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

export class FdWriter implements ByteOutput {
  readonly path: string;
  private fd: number;
  private readonly ownsFd: boolean;
  buffer: Buffer;
  /** Bytes of `buffer` waiting to be written. */
  used = 0;
  /** Bytes handed to the kernel so far. */
  bytesWritten = 0;

  private constructor(path: string, fd: number, ownsFd: boolean, bufferSize: number) {
    this.path = path;
    this.fd = fd;
    this.ownsFd = ownsFd;
    this.buffer = Buffer.allocUnsafe(bufferSize);
  }

  /** `-` is stdout; anything else is a file created (mode 0600) or truncated. */
  static open(path: string, bufferSize = DEFAULT_BUFFER): FdWriter {
    if (path === '-') return new FdWriter('-', 1, false, bufferSize);
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      return new FdWriter(path, fd, true, bufferSize);
    } catch (cause) {
      throw new SinkError(ErrorCode.SINK_IO, `cannot open ${path} for writing: ${(cause as Error).message}`, false, { cause });
    }
  }

  /** Appends text plus a newline. */
  writeLine(text: string): void {
    // Worst case 3 bytes per UTF-16 unit; flush first if that might not fit.
    const worst = text.length * 3 + 1;
    if (this.used + worst > this.buffer.length) {
      this.flush();
      if (worst > this.buffer.length) this.buffer = Buffer.allocUnsafe(worst * 2);
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used++] = 0x0a;
  }

  /** Makes room for n more bytes and a newline after `used`: flushes, or grows for a huge line. */
  reserve(n: number): void {
    if (this.used + n + 1 <= this.buffer.length) return;
    this.flush();
    if (n + 1 > this.buffer.length) this.buffer = Buffer.allocUnsafe((n + 1) * 2);
  }

  /** Ends the line written in place since the last `reserve`. */
  endLine(): void {
    this.buffer[this.used++] = 0x0a;
  }

  flush(): void {
    let off = 0;
    let wait = 0.02; // ms
    while (off < this.used) {
      try {
        off += writeSync(this.fd, this.buffer, off, this.used - off);
        wait = 0.02;
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        // A non-blocking stdout pipe that is full: wait a moment and retry. The wait starts at
        // 20 µs and doubles while the pipe stays full (up to 1 ms): a fixed 1 ms wait capped a
        // pipe to a fast reader (| jq, | md5sum) at ~64 KiB per ms.
        if (code === 'EAGAIN') {
          Atomics.wait(SLEEPER, 0, 0, wait);
          wait = Math.min(wait * 2, 1);
          continue;
        }
        this.used = 0;
        throw new SinkError(ErrorCode.SINK_IO, `write to ${this.path} failed: ${(cause as Error).message}`,
          code !== 'EPIPE', { cause });
      }
    }
    this.bytesWritten += this.used;
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.ownsFd && this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
