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
