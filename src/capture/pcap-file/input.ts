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

/** One read-ahead block of a FileSource: its unread bytes [start, end), where in the file they come from. */
interface Block {
  readonly bytes: Uint8Array;
  start: number;
  end: number;
  /** File offset of bytes[0] (regular files). */
  position: number;
  /** The read filling it, while one is under way. */
  pending: Promise<void> | undefined;
}

/** Blocks a regular file is read ahead by. */
const READ_AHEAD_BLOCKS = 4;
/** Bytes per block at least (a read costs ~25 µs on the main thread besides its copying). */
const MIN_BLOCK = 1 << 20;

/**
 * A file (or FIFO, or /dev/stdin) read sequentially and ahead: `read` copies out of a block that
 * was read on libuv's thread pool while the caller parsed the previous ones, so the kernel's copy
 * out of the page cache overlaps the parsing instead of stalling it. A regular file has
 * READ_AHEAD_BLOCKS blocks of ≥ MIN_BLOCK bytes taking turns, read at explicit offsets (concurrent
 * reads at the file position could land out of order), enough to ride out a read that has to go
 * to the disk; `read` hands them out in the caller's (smaller) pieces. (With one block, a
 * caller asking for less than a block would find it drained half the time and wait for a whole
 * read.) A FIFO or device has one block, read at its position.
 */
export class FileSource implements ByteSource {
  readonly endedEarly = undefined;
  private readonly handle: FileHandle;
  /** Size for regular files, 0 otherwise (FIFOs, character devices). */
  readonly size: number;
  private readonly seekable: boolean;
  private readonly minBlock: number;
  /** Blocks (sized by the first read); `blocks[current]` is the one served from. */
  private blocks: Block[] | undefined;
  private current = 0;
  /** File offset the next block read starts at (regular files). */
  private nextPosition = 0;
  private error: unknown;

  private constructor(handle: FileHandle, size: number, seekable: boolean, minBlock: number) {
    this.handle = handle;
    this.size = size;
    this.seekable = seekable;
    this.minBlock = minBlock;
  }

  /** @param minBlock bytes per read-ahead block at least (tests use small ones). */
  static async open(path: string, minBlock = MIN_BLOCK): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR' });
      return new FileSource(handle, st.isFile() ? st.size : 0, st.isFile(), minBlock);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    if (this.blocks === undefined) {
      const size = Math.max(length, this.seekable ? this.minBlock : 1);
      this.blocks = Array.from({ length: this.seekable ? READ_AHEAD_BLOCKS : 1 },
        () => ({ bytes: new Uint8Array(size), start: 0, end: 0, position: 0, pending: undefined }));
      for (const block of this.blocks) this.fill(block);
    }
    const block = this.blocks[this.current]!;
    if (block.pending !== undefined) {
      await block.pending;
      block.pending = undefined;
    }
    if (this.error !== undefined) throw this.error;
    if (block.start === block.end) return 0; // end of input
    const n = Math.min(length, block.end - block.start);
    into.set(block.bytes.subarray(block.start, block.start + n), offset);
    block.start += n;
    if (block.start === block.end) this.drained(block);
    return n;
  }

  /** Refills a drained block and moves on to the next one. */
  private drained(block: Block): void {
    const blocks = this.blocks!;
    const full = block.end === block.bytes.length;
    if (this.seekable && !full) {
      // A short read: the file ended there (or is still being written). The other blocks were
      // read from further on, so read again from right after this one, as a sequential read
      // would, in the order they will be served.
      this.nextPosition = block.position + block.end;
      for (let i = 0; i < blocks.length; i++) this.fill(blocks[(this.current + i) % blocks.length]!);
      return;
    }
    this.fill(block);
    this.current = (this.current + 1) % blocks.length;
  }

  /** Reads the next bytes of the file into `block` (after the read it may still have under way). */
  private fill(block: Block): void {
    const position = this.seekable ? this.nextPosition : null;
    const start = (): Promise<void> => {
      block.start = 0;
      block.end = 0;
      block.position = position ?? 0;
      return this.handle.read(block.bytes, 0, block.bytes.length, position).then(
        ({ bytesRead }) => { block.end = bytesRead; },
        (e: unknown) => { this.error ??= e; },
      );
    };
    this.nextPosition += block.bytes.length;
    block.pending = block.pending === undefined ? start() : block.pending.then(start);
  }

  async close(): Promise<void> {
    // Let reads ahead finish before the descriptor goes away (their results are not needed).
    for (const block of this.blocks ?? []) if (block.pending !== undefined) await block.pending;
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
