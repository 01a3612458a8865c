import type { CaptureOutput } from '../../src/export/index.js';

/** A CaptureOutput in memory, for byte-level checks of the capture writers. */
export class MemoryOutput implements CaptureOutput {
  buffer = Buffer.alloc(64);
  used = 0;
  closed = false;
  reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.used + n));
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }
  flush(): void {}
  close(): void {
    this.closed = true;
  }
  bytes(): Buffer {
    return this.buffer.subarray(0, this.used);
  }
}
