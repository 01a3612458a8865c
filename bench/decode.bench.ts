/**
 * @module bench/decode.bench — in-process microbenchmark of the replay hot path, stage by stage:
 *
 *   read            readCaptureFile → a handler that only counts
 *   read+decode     … + decodePacket on every view
 *   read+decode+flow … + FlowTable.observe / advance, flushAll at the end (records counted, not kept)
 *
 * For each stage: best wall time of N iterations, ns/packet, packets/s, and the GC count seen by a
 * PerformanceObserver on 'gc' entries (minor/major). A hot path that allocates per packet shows up
 * as minor GCs growing with the packet count. Decode-only cost ≈ (read+decode) − read, and so on.
 *
 * Usage: node dist/bench/decode.bench.js [FILE] [--iterations N] [--json]
 * Without FILE it uses (and if needed generates) bench/out/micro-100k.pcap.
 */
import { existsSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readCaptureFile, type CaptureHandler } from '../src/capture/index.js';
import { decodePacket } from '../src/decode/index.js';
import { FlowTable } from '../src/flow/index.js';
import { DecodeStatus, PacketView, type FlowRecord, type ObservationPoint } from '../src/model/index.js';
import { generate } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StageResult {
  stage: string;
  packets: number;
  bestS: number;
  nsPerPacket: number;
  packetsPerSec: number;
  gcMinor: number;
  gcMajor: number;
  /** Stage-specific count: decoded OK packets, or flow records emitted. */
  count: number;
}

type Stage = 'read' | 'read+decode' | 'read+decode+flow';
const STAGES: readonly Stage[] = ['read', 'read+decode', 'read+decode+flow'];

class Counter implements CaptureHandler {
  packets = 0;
  count = 0;
  private readonly stage: Stage;
  private readonly table: FlowTable | null;
  private lastSec = 0;
  private lastNsec = 0;
  constructor(stage: Stage) {
    this.stage = stage;
    this.table = stage === 'read+decode+flow' ? new FlowTable({}, (_r: FlowRecord) => { this.count++; }) : null;
  }
  packet(view: PacketView): void {
    this.packets++;
    if (this.stage === 'read') return;
    const status = decodePacket(view);
    if (status !== DecodeStatus.OK) return;
    if (this.table === null) { this.count++; return; }
    this.table.observe(view);
    if (view.tsSec > this.lastSec || (view.tsSec === this.lastSec && view.tsNsec > this.lastNsec)) {
      this.lastSec = view.tsSec; this.lastNsec = view.tsNsec;
      this.table.advance(view.tsSec, view.tsNsec);
    }
  }
  interface(_point: ObservationPoint): void { /* one interface per pcap */ }
  warning(message: string): void { process.stderr.write(`decode.bench: ${message}\n`); }
  finish(): void { this.table?.flushAll(); }
}

/** Runs every stage `iterations` times over `file`; returns the best run of each. */
export async function runDecodeBench(file: string, iterations = 3): Promise<StageResult[]> {
  let minor = 0, major = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r)); // let GC entries arrive
  const results: StageResult[] = [];
  try {
    for (const stage of STAGES) {
      let best: StageResult | undefined;
      for (let i = 0; i < iterations; i++) {
        await settle();
        const m0 = minor, j0 = major;
        const h = new Counter(stage);
        const view = new PacketView();
        const t0 = process.hrtime.bigint();
        await readCaptureFile(file, h, { view });
        h.finish();
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        await settle();
        const r: StageResult = {
          stage, packets: h.packets, bestS: s, nsPerPacket: (s * 1e9) / Math.max(1, h.packets),
          packetsPerSec: h.packets / s, gcMinor: minor - m0, gcMajor: major - j0, count: h.count,
        };
        if (!best || r.bestS < best.bestS) best = r;
      }
      results.push(best as StageResult);
    }
  } finally {
    obs.disconnect();
  }
  return results;
}

export function formatStages(results: readonly StageResult[]): string {
  const rows = [['stage', 'packets', 'best s', 'ns/packet', 'packets/s', 'GC minor', 'GC major']];
  for (const r of results) {
    rows.push([r.stage, String(r.packets), r.bestS.toFixed(3), r.nsPerPacket.toFixed(0), Math.round(r.packetsPerSec).toString(),
      String(r.gcMinor), String(r.gcMajor)]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  return rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { iterations: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { process.stdout.write('usage: node dist/bench/decode.bench.js [FILE] [--iterations N] [--json]\n'); return 0; }
  let file = positionals[0];
  if (!file) {
    file = join(ROOT, 'bench', 'out', 'micro-100k.pcap');
    if (!existsSync(file)) generate({ packets: 100_000, flows: 5_000, out: file, truthFlows: false });
  }
  const results = await runDecodeBench(file, Math.max(1, Number(values.iterations ?? 3)));
  if (values.json) process.stdout.write(JSON.stringify({ file, results }) + '\n');
  else process.stdout.write(`${file}\n${formatStages(results)}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e: unknown) => {
    process.stderr.write(`decode.bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}
