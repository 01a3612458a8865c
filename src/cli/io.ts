/** What a command talks to; tests pass their own streams. */
import type { Readable } from 'node:stream';
import { UsageError } from '../core/errors.js';

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: Readable;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/** A numeric flag value, with a clear message naming the flag when it is not one. */
export function parseNumberFlag(flag: string, text: string, min: number, integer = false): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${text}'`);
  }
  return n;
}

/** A duration flag: '30s', '5m', '1h', '250ms', or plain seconds. Returns milliseconds. */
export function parseDuration(flag: string, text: string, allowZero = false): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = m?.[2] ?? 's';
  const ms = m === null ? NaN : Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  if (!Number.isFinite(ms) || (ms === 0 && !allowZero)) {
    throw new UsageError(`${flag}: expected a duration like 30s, 5m, 1h or 250ms, got '${text}'`);
  }
  return ms;
}
