/**
 * @module bench/dpi.bench — in-process microbenchmark of the application dissectors' parsers, on
 * messages taken from a capture:
 *
 *   dns              parseDnsMessage on every UDP port-53 payload of the file (queries and responses)
 *   tls              parseClientHello on every ClientHello handshake body (TCP port 443, first client
 *                    segment: the generator writes a whole TLS 1.3 ClientHello there)
 *   tls+ja3          … plus ja3 (string + MD5) of each
 *   tls+ja3+ja4      … plus ja3 and ja4 ('t') of each, as the TLS dissector does
 *
 * The payloads are extracted once (readCaptureFile + decodePacket, copied into one buffer), so only
 * the parsers are timed. A pass parses every extracted message, repeated until it has done at least
 * `minOps` operations (a small capture is parsed many times over); the best of `iterations` passes
 * is reported as ns/op and ops/s, with the minor/major GCs a PerformanceObserver('gc') saw during
 * it. Malformed messages (a parse error) are counted and still timed.
 *
 * Optionally the same DNS row on a second capture (`--dns-file`, e.g. the corpus' dns-many.pcap:
 * real-world messages with DNSSEC, SVCB, EDNS, …).
 *
 * Usage: node dist/bench/dpi.bench.js [FILE] [--dns-file FILE] [--iterations N] [--min-ops N] [--json]
 * Without FILE it uses (and if needed generates) bench/out/micro-100k.pcap, as decode.bench does.
 */
import { existsSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readCaptureFile, type CaptureHandler } from '../src/capture/index.js';
import { decodePacket } from '../src/decode/index.js';
import { parseDnsMessage } from '../src/dpi/dns/index.js';
import { ja3, ja4, parseClientHello } from '../src/dpi/tls/index.js';
import { DecodeStatus, PacketView, type ObservationPoint } from '../src/model/index.js';
import { generate } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/** Messages copied out of a capture: message i is bytes[offsets[i] .. offsets[i] + lengths[i]). */
export interface Extracted {
  bytes: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  count: number;
  totalBytes: number;
}

export interface DpiResult {
  /** 'dns', 'tls', 'tls+ja3', 'tls+ja3+ja4'. */
  op: string;
  /** Basename of the capture the messages came from. */
  source: string;
  /** Distinct messages extracted from it. */
  messages: number;
  /** Mean message size in bytes. */
  meanBytes: number;
  /** Operations in the best pass (messages × repetitions). */
  ops: number;
  bestS: number;
  nsPerOp: number;
  opsPerSec: number;
  /** Payload bytes parsed per second (MB = 10^6). */
  mbPerSec: number;
  gcMinor: number;
  gcMajor: number;
  /** Messages whose parse threw (counted once per message, not per repetition). */
  malformed: number;
}

export interface DpiBenchOutput {
  file: string;
  dnsFile: string | null;
  /** Seconds spent reading + decoding the capture(s) to extract the messages (not part of any figure). */
  extractS: number;
  results: DpiResult[];
}

class Collector {
  private buf = new Uint8Array(1 << 20);
  private used = 0;
  private offs: number[] = [];
  private lens: number[] = [];
  add(src: Uint8Array, start: number, length: number): void {
    if (this.used + length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.used + length));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(src.subarray(start, start + length), this.used);
    this.offs.push(this.used);
    this.lens.push(length);
    this.used += length;
  }
  done(): Extracted {
    return {
      bytes: this.buf.subarray(0, this.used), offsets: Uint32Array.from(this.offs), lengths: Uint32Array.from(this.lens),
      count: this.offs.length, totalBytes: this.used,
    };
  }
}

/** Reads `file` once: UDP port-53 payloads (DNS) and TLS ClientHello handshake bodies (TCP to port 443). */
export async function extractMessages(file: string): Promise<{ dns: Extracted; clientHellos: Extracted }> {
  const dns = new Collector();
  const hellos = new Collector();
  const handler: CaptureHandler = {
    packet(view: PacketView): void {
      if (decodePacket(view) !== DecodeStatus.OK || view.isFragment) return;
      const len = view.payloadLength;
      if (len === 0) return;
      const b = view.bytes, p = view.payloadOffset;
      if (view.ipProto === IPPROTO_UDP && (view.srcPort === 53 || view.dstPort === 53)) {
        dns.add(b, p, len);
      } else if (view.ipProto === IPPROTO_TCP && view.dstPort === 443 && len >= 9 &&
        b[p] === 0x16 && b[p + 1] === 3 && b[p + 5] === 1) {
        // TLS record (handshake) whose first message is a ClientHello; take it when it is whole.
        const hsLen = ((b[p + 6] as number) << 16) | ((b[p + 7] as number) << 8) | (b[p + 8] as number);
        if (9 + hsLen <= len) hellos.add(b, p + 9, hsLen);
      }
    },
    interface(_point: ObservationPoint): void { /* any */ },
    warning(message: string): void { process.stderr.write(`dpi.bench: ${message}\n`); },
  };
  await readCaptureFile(file, handler, { view: new PacketView() });
  return { dns: dns.done(), clientHellos: hellos.done() };
}

/** Parses every message once; returns how many threw. Kept out of the timed loops' way. */
type Pass = (x: Extracted) => number;

const passes: Record<string, Pass> = {
  dns: (x) => {
    let bad = 0;
    const { bytes, offsets, lengths, count } = x;
    for (let i = 0; i < count; i++) {
      try { sink ^= parseDnsMessage(bytes, offsets[i] as number, lengths[i] as number).id; } catch { bad++; }
    }
    return bad;
  },
  tls: (x) => {
    let bad = 0;
    const { bytes, offsets, lengths, count } = x;
    for (let i = 0; i < count; i++) {
      const o = offsets[i] as number;
      try { sink ^= parseClientHello(bytes.subarray(o, o + (lengths[i] as number))).ciphers.length; } catch { bad++; }
    }
    return bad;
  },
  'tls+ja3': (x) => {
    let bad = 0;
    const { bytes, offsets, lengths, count } = x;
    for (let i = 0; i < count; i++) {
      const o = offsets[i] as number;
      try { sink ^= ja3(parseClientHello(bytes.subarray(o, o + (lengths[i] as number)))).hash.length; } catch { bad++; }
    }
    return bad;
  },
  'tls+ja3+ja4': (x) => {
    let bad = 0;
    const { bytes, offsets, lengths, count } = x;
    for (let i = 0; i < count; i++) {
      const o = offsets[i] as number;
      try {
        const ch = parseClientHello(bytes.subarray(o, o + (lengths[i] as number)));
        sink ^= ja3(ch).hash.length ^ ja4(ch, 't').length;
      } catch { bad++; }
    }
    return bad;
  },
};
/** Results folded in here so the optimiser cannot drop the parses. */
let sink = 0;

async function timeOp(op: string, source: string, x: Extracted, iterations: number, minOps: number,
  gc: { minor: number; major: number }): Promise<DpiResult> {
  const pass = passes[op] as Pass;
  // GC entries reach the observer from a timer-phase task: setImmediate is too early after a synchronous loop.
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
  const reps = x.count === 0 ? 0 : Math.max(1, Math.ceil(minOps / x.count));
  const malformed = x.count === 0 ? 0 : pass(x); // warm-up, and the malformed count
  let best: DpiResult | undefined;
  for (let it = 0; it < iterations; it++) {
    await settle();
    const m0 = gc.minor, j0 = gc.major;
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) pass(x);
    const s = Math.max(1e-9, Number(process.hrtime.bigint() - t0) / 1e9);
    await settle();
    const ops = x.count * reps;
    const res: DpiResult = {
      op, source, messages: x.count, meanBytes: x.count ? x.totalBytes / x.count : 0, ops, bestS: s,
      nsPerOp: ops ? (s * 1e9) / ops : 0, opsPerSec: ops / s, mbPerSec: (x.totalBytes * reps) / 1e6 / s,
      gcMinor: gc.minor - m0, gcMajor: gc.major - j0, malformed,
    };
    if (!best || res.bestS < best.bestS) best = res;
  }
  return best as DpiResult;
}

export interface DpiBenchOptions {
  /** Second capture for an extra DNS row (e.g. corpus dns-many.pcap). */
  dnsFile?: string | null;
  iterations?: number;
  /** Each timed pass parses the extracted messages this many times over at least (default 200 000). */
  minOps?: number;
}

/** Extracts the messages of `file` (and `dnsFile`) and times each parser; returns the best pass of each. */
export async function runDpiBench(file: string, options: DpiBenchOptions = {}): Promise<DpiBenchOutput> {
  const iterations = Math.max(1, options.iterations ?? 5);
  const minOps = Math.max(1, options.minOps ?? 200_000);
  const t0 = process.hrtime.bigint();
  const main = await extractMessages(file);
  const extra = options.dnsFile ? (await extractMessages(options.dnsFile)).dns : null;
  const extractS = Number(process.hrtime.bigint() - t0) / 1e9;
  const gc = { minor: 0, major: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const results: DpiResult[] = [];
  try {
    const src = basename(file);
    results.push(await timeOp('dns', src, main.dns, iterations, minOps, gc));
    if (extra && options.dnsFile) results.push(await timeOp('dns', basename(options.dnsFile), extra, iterations, minOps, gc));
    results.push(await timeOp('tls', src, main.clientHellos, iterations, minOps, gc));
    results.push(await timeOp('tls+ja3', src, main.clientHellos, iterations, minOps, gc));
    results.push(await timeOp('tls+ja3+ja4', src, main.clientHellos, iterations, minOps, gc));
  } finally {
    obs.disconnect();
  }
  if (sink === 0x7fffffff) process.stderr.write(''); // keep `sink` observable
  return { file, dnsFile: options.dnsFile ?? null, extractS, results };
}

/** Column label of each row's unit. */
export function opUnit(op: string): string {
  return op === 'dns' ? 'messages/s' : 'ClientHellos/s';
}

export function formatDpi(results: readonly DpiResult[]): string {
  const rows = [['parser', 'source', 'messages', 'mean B', 'ns/op', 'ops/s', 'unit', 'MB/s', 'GC minor', 'GC major', 'malformed']];
  for (const r of results) {
    rows.push([r.op, r.source, String(r.messages), r.meanBytes.toFixed(0), r.nsPerOp.toFixed(0), Math.round(r.opsPerSec).toString(),
      opUnit(r.op), r.mbPerSec.toFixed(1), String(r.gcMinor), String(r.gcMajor), String(r.malformed)]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  return rows.map((row) => row.map((c, i) => (i <= 1 || i === 6 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      iterations: { type: 'string' }, 'min-ops': { type: 'string' }, 'dns-file': { type: 'string' },
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: node dist/bench/dpi.bench.js [FILE] [--dns-file FILE] [--iterations N] [--min-ops N] [--json]\n');
    return 0;
  }
  let file = positionals[0];
  if (!file) {
    file = join(ROOT, 'bench', 'out', 'micro-100k.pcap');
    if (!existsSync(file)) generate({ packets: 100_000, flows: 5_000, out: file, truthFlows: false });
  }
  const out = await runDpiBench(file, {
    dnsFile: values['dns-file'] ?? null,
    iterations: Number(values.iterations ?? 5),
    minOps: Number(values['min-ops'] ?? 200_000),
  });
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else process.stdout.write(`${file}${out.dnsFile ? ` (+ dns: ${out.dnsFile})` : ''}\n${formatDpi(out.results)}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e: unknown) => {
    process.stderr.write(`dpi.bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}
