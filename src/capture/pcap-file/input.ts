/**
 * Byte sources for the reader: a file read in place into the caller's buffer, any stream
 * (stdin, a test's Readable) and gzip over either. The reader pulls, so it decides the chunk
 * size and reuses one buffer.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface ByteSource {
  /** Reads up to `length` bytes into `into` at `offset`; resolves 0 at the end of the input. */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Set when the input ended abnormally but readably (a gzip stream cut short). */
  readonly endedEarly: string | undefined;
}

/** A file (or FIFO, or /dev/stdin) read sequentially straight into the caller's buffer. */
export class FileSource implements ByteSource {
  readonly endedEarly = undefined;
  private readonly handle: FileHandle;
  /** Size for regular files, 0 otherwise (FIFOs, character devices). */
  readonly size: number;

  private constructor(handle: FileHandle, size: number) {
    this.handle = handle;
    this.size = size;
  }

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR' });
      return new FileSource(handle, st.isFile() ? st.size : 0);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, offset, length, null);
    return bytesRead;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Any async iterable of byte chunks (a Readable, process.stdin), copied out chunk by chunk. */
export class StreamSource implements ByteSource {
  endedEarly: string | undefined = undefined;
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private chunk: Uint8Array | undefined;
  private chunkPos = 0;
  private readonly onClose: (() => Promise<void>) | undefined;

  constructor(stream: AsyncIterable<Uint8Array | string>, onClose?: () => Promise<void>) {
    this.iterator = stream[Symbol.asyncIterator]();
    this.onClose = onClose;
  }

  /** Returns after one stream chunk at most, so a live pipe is parsed as its data arrives. */
  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    while (this.chunk === undefined || this.chunkPos >= this.chunk.length) {
      let r: IteratorResult<Uint8Array | string>;
      try {
        r = await this.iterator.next();
      } catch (e) {
        // zlib's "unexpected end of file": the .gz was cut short; what came out is good.
        if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
          this.endedEarly = 'gzip stream ends early (truncated .gz file)';
          return 0;
        }
        throw e;
      }
      if (r.done === true) return 0;
      const v = r.value;
      this.chunk = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
      this.chunkPos = 0;
    }
    const n = Math.min(length, this.chunk.length - this.chunkPos);
    into.set(this.chunk.subarray(this.chunkPos, this.chunkPos + n), offset);
    this.chunkPos += n;
    return n;
  }

  async close(): Promise<void> {
    try {
      await this.iterator.return?.();
    } finally {
      await this.onClose?.();
    }
  }
}

/**
 * Decompresses `head` (bytes already read, starting with the gzip magic) followed by the rest of
 * `rest`. Concatenated gzip members are read as one stream (RFC 1952 §2.2), as gzip -d does.
 */
export function gunzipSource(head: Uint8Array, rest: ByteSource, readSize: number): StreamSource {
  async function* compressed(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    for (;;) {
      const buf = new Uint8Array(readSize);
      const n = await rest.read(buf, 0, readSize);
      if (n === 0) return;
      yield n === readSize ? buf : buf.subarray(0, n);
    }
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // Errors reach the consumer through the gunzip stream; the callback only keeps them from
  // being reported twice.
  pipeline(Readable.from(compressed()), gunzip, () => {});
  return new StreamSource(gunzip, () => rest.close());
}
