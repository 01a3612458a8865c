/**
 * A one-line progress bar on stderr, only when stderr is a terminal: bytes read of the total,
 * packets per second. Redrawn at most ten times a second; cleared when done.
 */
import { basename } from 'node:path';

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(stream: NodeJS.WriteStream, enabled: boolean) {
    this.stream = stream;
    this.enabled = enabled && stream.isTTY === true;
  }

  update(file: string, bytesRead: number, bytesTotal: number, packets: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? packets / seconds : 0;
    const width = 16;
    let bar = '';
    let amount = `${mib(bytesRead)} MiB`;
    if (bytesTotal > 0) {
      const fraction = Math.min(1, bytesRead / bytesTotal);
      const filled = Math.round(fraction * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      amount = `${mib(bytesRead)}/${mib(bytesTotal)} MiB`;
    }
    const base = basename(file);
    const name = base.length > 16 ? `…${base.slice(-15)}` : base;
    const line = `${name} ${bar}${amount}  ${formatCount(packets)} pkt  ${formatCount(rate)} pkt/s`;
    const columns = this.stream.columns || 100; // 0 when the terminal does not say
    this.stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
