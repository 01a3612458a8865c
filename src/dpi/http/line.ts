/**
 * One line of a message head being collected across pushes. The caller gives a cap with every
 * append: bytes past it are counted (`total`) but not kept, so a line that never ends costs at
 * most `cap` bytes of memory — the parser's only buffering besides CONNECT's short hold.
 */

const INITIAL_CAPACITY = 256;
/** A line buffer grown past this is dropped when the line is done, not kept for the connection. */
const KEEP_CAPACITY = 4096;
const CR = 0x0d;

export class LineBuf {
  buf = new Uint8Array(INITIAL_CAPACITY);
  /** Bytes kept in `buf`. */
  len = 0;
  /** Bytes of the line seen so far (kept or not), without the LF. */
  total = 0;

  /** The line lost bytes to the cap. */
  get truncated(): boolean {
    return this.total > this.len;
  }

  /** End of the line's content in `buf`: without a final CR (CRLF or bare LF both end a line). */
  get contentEnd(): number {
    return !this.truncated && this.len > 0 && this.buf[this.len - 1] === CR ? this.len - 1 : this.len;
  }

  /** Appends bytes[from, to), keeping the line at no more than `cap` bytes. */
  add(bytes: Uint8Array, from: number, to: number, cap: number): void {
    this.total += to - from;
    const room = cap - this.len;
    if (room <= 0) return;
    const keep = Math.min(to - from, room);
    if (keep <= 0) return;
    this.reserve(this.len + keep, cap);
    this.buf.set(bytes.subarray(from, from + keep), this.len);
    this.len += keep;
  }

  /** Appends one byte (the caller has checked the cap). */
  push(c: number): void {
    this.total++;
    this.reserve(this.len + 1, this.len + 1);
    this.buf[this.len++] = c;
  }

  reset(): void {
    this.len = 0;
    this.total = 0;
    if (this.buf.length > KEEP_CAPACITY) this.buf = new Uint8Array(INITIAL_CAPACITY);
  }

  private reserve(need: number, cap: number): void {
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    // Never more than the cap: a 64 KiB limit allocates 64 KiB, not the next power of two above it.
    const grown = new Uint8Array(Math.max(need, Math.min(size, cap)));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}
