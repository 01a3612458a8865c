/**
 * @module bench/run — `make bench`: weft's replay against the C peers on the same files.
 *
 *  1. Build the C helpers (bench/c/*.c → bench/out/) with `cc -O2`.
 *  2. For each size (100k smoke, 1m, 10m), generate the workload once (cached in bench/out/, keyed by
 *     its parameters and the generator version; free disk checked first) and read it once so every
 *     tool starts with the file in the page cache.
 *  3. Run each tool several times on it — weft (`bin/weft replay`: full replay, flows + dissectors),
 *     weft --flows-only, softflowd, pmacctd, the minimal C loop, and on files up to 1M packets tshark
 *     (`-z conv,tcp`; `-T fields` with the fields weft's dissectors extract) and nDPI's ndpiReader —
 *     through bench/out/run-measured (wall, user+sys CPU via rusage) while polling /proc for the peak
 *     RSS of the whole process tree. The best wall time of the runs is reported.
 *  4. Check each tool processed every packet, print a table and weft's ratios, and write everything to
 *     bench/out/results-<date>.json.
 *  5. When tshark or ndpiReader is selected: the same on the largest capture of the shared corpus.
 *  6. In-process microbenchmarks: decode.bench (read / decode / flow stages) and dpi.bench (DNS
 *     messages/s, TLS ClientHellos/s), on the first workload.
 *  7. The live agent (live.bench: iperf3 with and without it, its CPU at fixed packet rates, tap
 *     records/s into JS, draining 100k kernel flows), in network namespaces of its own; as root only.
 *
 * Usage: node dist/bench/run.js [--quick] [--sizes 1m,10m] [--runs N] [--tools weft,weft-flows,softflowd,…,live]
 * Env:   WEFT_BENCH_SIZES, WEFT_BENCH_RUNS, WEFT_BENCH_TOOLS (same meanings). Peers that are not
 *        installed are skipped with one line. All network traffic stays on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync,
} from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Truth } from './generate.js';
// Type only: the harness must run even while src/ is mid-change, so it never loads the pipeline.
import type { StageResult } from './decode.bench.js';
import type { DpiBenchOutput } from './dpi.bench.js';
// live.bench loads src/ and test/support lazily, inside its run: importing its formatter loads neither.
import { formatLiveTable, type LiveBenchOutput } from './live.bench.js';
import { formatBusTable, type BusBenchOutput } from './bus.bench.js';

/** Repository root (this file runs as dist/bench/run.js). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Bump when the generator's output changes, so cached workloads are regenerated. */
const GENERATOR_VERSION = 1;
const SEED = 1;
/** pmacctd sleeps this long before reading a savefile (pcap_savefile_delay; 0 would mean its default 2 s). */
const PMACCTD_DELAY_S = 1;
/** …and its shutdown (SIGINT handler, also taken at end of file) sleeps a fixed 2 s before stopping the plugins. */
const PMACCTD_EXIT_SLEEP_S = 2;

export interface SizeSpec { name: string; packets: number; flows: number; snaplen: number; runs: number }
export const SIZES: Record<string, SizeSpec> = {
  '100k': { name: '100k', packets: 100_000, flows: 5_000, snaplen: 0, runs: 1 },
  '1m': { name: '1m', packets: 1_000_000, flows: 50_000, snaplen: 0, runs: 3 },
  '10m': { name: '10m', packets: 10_000_000, flows: 500_000, snaplen: 128, runs: 2 },
};
const TOOLS = ['weft', 'weft-flows', 'softflowd', 'pmacctd', 'c', 'tshark-conv', 'tshark-fields', 'ndpi'] as const;
type Tool = (typeof TOOLS)[number];
/** Slow peers: not in --quick unless named in --tools, and run on files of at most SLOW_PEER_MAX_PACKETS only. */
const SLOW_PEERS: readonly Tool[] = ['tshark-conv', 'tshark-fields', 'ndpi'];
/** tshark -T fields needs ≈ 30 s per million packets: the 10m file would take minutes per run. */
const SLOW_PEER_MAX_PACKETS = 1_000_000;
/** Steps `--tools` may also name (not tools run on a workload): `live` = the live agent bench (live.bench.ts). */
const STEPS = ['live', 'bus'] as const;
/** `--tools` aliases. */
const TOOL_ALIASES: Record<string, readonly Tool[]> = { tshark: ['tshark-conv', 'tshark-fields'], ndpiReader: ['ndpi'] };
/** The fields weft's dissectors extract, as tshark names them (DNS, HTTP, TLS, QUIC). */
export const TSHARK_FIELDS = ['dns.qry.name', 'dns.a', 'http.host', 'http.request.uri', 'tls.handshake.extensions_server_name',
  'tls.handshake.ja3', 'quic.version'] as const;
/** Corpus beside the repository (as test/support/corpus.ts), or $WEFT_CORPUS. */
const CORPUS_DIR = process.env['WEFT_CORPUS'] ?? resolve(ROOT, '..', 'shared', 'corpus');

/** One measured process run. */
export interface Measurement {
  wallS: number;
  cpuUserS: number | null;
  cpuSysS: number | null;
  /** Largest of: rusage max RSS (largest single process) and the polled sum of VmRSS over the tree. */
  peakRssMiB: number;
  /** Polled peak of RssAnon summed over the tree (excludes file-backed pages such as an mmap of the input). */
  peakAnonMiB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** With RunSpec.stopWhenIdle: seconds from start to the last CPU tick seen, and to the signal. */
  lastBusyS?: number;
  signalS?: number;
}

export interface ToolResult {
  tool: string;
  command: string[];
  runs: Measurement[];
  best: Omit<Measurement, 'stdout' | 'stderr'>;
  /** Wall time used for the throughput figures (pmacctd: minus its fixed savefile delay). */
  wallS: number;
  packetsPerSec: number;
  mbPerSec: number;
  packets: number | null;
  flows: number | null;
  flowsNote: string;
  ok: boolean;
  notes: string[];
  extra: Record<string, unknown>;
}

// ── small helpers ──────────────────────────────────────────────────────────────────────────────
function log(line: string): void { process.stderr.write(`bench: ${line}\n`); }

function which(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = join(dir, cmd);
    try { if (statSync(p).isFile()) return p; } catch { /* next */ }
  }
  return null;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
function primeAtLeast(n: number): number { let p = Math.max(2, Math.ceil(n)); while (!isPrime(p)) p++; return p; }

function fmt(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n >= 1e6 ? `${(n / 1e6).toFixed(digits)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(digits);
}

/** Sums VmRSS and RssAnon (KiB) over the descendants of `pid`, and over `pid` itself when asked. */
function treeRss(pid: number, includeSelf: boolean): { rss: number; anon: number } {
  let rss = 0, anon = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    if (p !== pid || includeSelf) {
      try {
        const status = readFileSync(`/proc/${p}/status`, 'utf8');
        rss += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        anon += Number(/^RssAnon:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      } catch { /* gone */ }
    }
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const txt = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (txt) for (const c of txt.split(/\s+/)) stack.push(Number(c));
      }
    } catch { /* gone */ }
  }
  return { rss, anon };
}

interface RunSpec {
  cmd: string[];
  /** Where the tool's stdout goes: discarded (/dev/null) or captured (kept in full, or only the last line). */
  stdout: 'null' | 'capture' | 'last-line';
  timeoutS: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Once `afterStderr` has appeared on stderr, poll the CPU time of the tool's process tree and send
   * `signal` to the tool when it has not grown for `idleMs` (pmacctd: stop it once its plugin has
   * drained its queue).
   */
  stopWhenIdle?: { afterStderr: RegExp; idleMs: number; signal: NodeJS.Signals };
}

/** utime + stime (clock ticks) of `pid` and all its descendants. */
function treeCpuTicks(pid: number): number {
  let ticks = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15 of proc(5), counted after "pid (comm)"
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const txt = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (txt) for (const c of txt.split(/\s+/)) stack.push(Number(c));
      }
    } catch { /* gone */ }
  }
  return ticks;
}

/** Pid of the measured tool: the helper's only child, or the child itself without a helper. */
function toolPid(childPid: number, helper: boolean): number | null {
  if (!helper) return childPid;
  try {
    const kids = readFileSync(`/proc/${childPid}/task/${childPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : null;
  } catch { return null; }
}

/** Runs one command under run-measured (or bare when it is missing), polling the tree's RSS. */
async function measure(spec: RunSpec, helper: string | null, outDir: string): Promise<Measurement> {
  const resultFile = join(outDir, `.measure-${process.pid}.json`);
  rmSync(resultFile, { force: true });
  const argv = helper ? [helper, resultFile, ...spec.cmd] : spec.cmd;
  const nullFd = spec.stdout === 'null' ? openSync('/dev/null', 'w') : -1;
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', spec.stdout === 'null' ? nullFd : 'pipe', 'pipe'],
    env: spec.env ?? process.env,
  });
  if (nullFd >= 0) closeSync(nullFd);
  let stdout = '', stderr = '';
  let tail = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    if (spec.stdout === 'capture') { stdout += d; return; }
    // keep only the last complete line (weft's stats record) without holding gigabytes of records
    tail += d;
    const nl = tail.lastIndexOf('\n', tail.length - 2);
    if (nl >= 0) tail = tail.slice(nl + 1);
  });
  child.stderr?.setEncoding('utf8');
  let armed = false;
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 1 << 20) stderr += d;
    if (spec.stopWhenIdle && !armed && spec.stopWhenIdle.afterStderr.test(stderr)) armed = true;
  });
  let lastTicks = -1, lastBusy = 0n, signalAt = 0n;
  const stop = spec.stopWhenIdle;
  const idleTimer = stop ? setInterval(() => {
    if (!armed || signalAt !== 0n || child.pid === undefined) return;
    const pid = toolPid(child.pid, helper !== null);
    if (pid === null) return;
    const ticks = treeCpuTicks(pid);
    const now = process.hrtime.bigint();
    if (ticks !== lastTicks) { lastTicks = ticks; lastBusy = now; return; }
    if (Number(now - lastBusy) / 1e6 >= stop.idleMs) {
      signalAt = now;
      try { process.kill(pid, stop.signal); } catch { /* gone */ }
    }
  }, 25) : undefined;
  let peakRss = 0, peakAnon = 0;
  const poll = (): void => {
    if (child.pid === undefined) return;
    // The helper itself (~1 MiB) is not counted; without it, the tool is our direct child.
    const r = treeRss(child.pid, helper === null);
    if (r.rss > peakRss) peakRss = r.rss;
    if (r.anon > peakAnon) peakAnon = r.anon;
  };
  const timer = setInterval(poll, 20);
  const killer = setTimeout(() => {
    log(`${spec.cmd[0]}: still running after ${spec.timeoutS} s, stopping it`);
    // End the measured process (the helper's child) by its id, then the helper.
    try {
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const k of kids) process.kill(Number(k), 'SIGTERM');
    } catch { /* gone */ }
    child.kill('SIGTERM');
  }, spec.timeoutS * 1000);
  const exitCode: number = await new Promise((res) => child.on('close', (code, signal) => res(code ?? (signal ? 128 : 1))));
  clearInterval(timer);
  if (idleTimer) clearInterval(idleTimer);
  clearTimeout(killer);
  const wallOuter = Number(process.hrtime.bigint() - t0) / 1e9;
  if (spec.stdout === 'last-line') stdout = tail.trim();
  let wallS = wallOuter, user: number | null = null, sys: number | null = null, maxRss = 0;
  if (helper && existsSync(resultFile)) {
    const r = JSON.parse(readFileSync(resultFile, 'utf8')) as { wallNs: number; userUs: number; sysUs: number; maxRssKiB: number };
    wallS = r.wallNs / 1e9; user = r.userUs / 1e6; sys = r.sysUs / 1e6; maxRss = r.maxRssKiB;
    rmSync(resultFile, { force: true });
  }
  return {
    wallS, cpuUserS: user, cpuSysS: sys,
    peakRssMiB: Math.max(maxRss, peakRss) / 1024, peakAnonMiB: peakAnon / 1024,
    exitCode, stdout, stderr,
    ...(signalAt !== 0n && { lastBusyS: Number(lastBusy - t0) / 1e9, signalS: Number(signalAt - t0) / 1e9 }),
  };
}

// ── workloads ──────────────────────────────────────────────────────────────────────────────────
function workloadPath(outDir: string, s: SizeSpec): string {
  return join(outDir, `workload-${s.name}-p${s.packets}-f${s.flows}-seed${SEED}-snap${s.snaplen}-g${GENERATOR_VERSION}.pcap`);
}

/** Bytes the generator writes, from the measured averages (≈ 440 B/packet full, ≈ 113 at snaplen 128). */
function estimateBytes(s: SizeSpec): number {
  const perPacket = s.snaplen > 0 ? Math.min(460, s.snaplen + 16) : 460;
  return s.packets * perPacket + 1e6;
}

function ensureWorkload(outDir: string, s: SizeSpec): { file: string; truth: Truth } | null {
  const file = workloadPath(outDir, s);
  const truthFile = `${file}.truth.json`;
  if (existsSync(file) && existsSync(truthFile)) {
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
    if (truth.packets === s.packets && statSync(file).size === truth.fileBytes) return { file, truth };
  }
  const need = estimateBytes(s);
  const fsStat = statfsSync(outDir);
  const free = fsStat.bavail * fsStat.bsize;
  if (free < need * 1.5 + (1 << 30)) {
    log(`${s.name}: skipped, the workload needs about ${(need / 2 ** 30).toFixed(1)} GiB and ${(free / 2 ** 30).toFixed(1)} GiB are free in ${outDir}`);
    return null;
  }
  // Drop older workloads of this size (other generator versions) before writing a new one.
  for (const f of readdirSync(outDir)) if (f.startsWith(`workload-${s.name}-`)) rmSync(join(outDir, f), { force: true });
  log(`${s.name}: generating ${s.packets} packets, ${s.flows} concurrent flows${s.snaplen ? `, snaplen ${s.snaplen}` : ''} → ${file}`);
  const args = [join(ROOT, 'dist', 'bench', 'generate.js'), '--packets', String(s.packets), '--flows', String(s.flows),
    '--seed', String(SEED), '--out', file];
  if (s.snaplen > 0) args.push('--snaplen', String(s.snaplen));
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`generator failed for ${s.name} (exit ${r.status})`);
  return { file, truth: JSON.parse(readFileSync(truthFile, 'utf8')) as Truth };
}

/** Reads the file once so every tool starts from the page cache. */
function warm(file: string): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try { while (readSync(fd, buf, 0, buf.length, null) > 0) { /* read */ } } finally { closeSync(fd); }
}

// ── tools ──────────────────────────────────────────────────────────────────────────────────────
interface Ctx {
  outDir: string;
  helper: string | null;
  minimalLoop: string | null;
  size: SizeSpec;
  file: string;
  /** The generator's truth; null for a corpus capture. */
  truth: Truth | null;
  /** Packets in the file (truth, or capinfos for a corpus capture; null when unknown). */
  packets: number | null;
  fileBytes: number;
  runs: number;
  netflowPort: number;
  netflowDatagrams: () => number;
  weftBaselineMiB: number | null;
}

function timeoutFor(s: SizeSpec): number { return Math.max(300, s.packets / 5_000); }

/** The generator's truth of a workload; the peers that need it run on workloads only. */
function truthOf(ctx: Ctx): Truth {
  if (!ctx.truth) throw new Error(`${ctx.size.name}: no generator truth for ${ctx.file}`);
  return ctx.truth;
}

async function repeat(ctx: Ctx, spec: RunSpec): Promise<Measurement[]> {
  const runs: Measurement[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const m = await measure(spec, ctx.helper, ctx.outDir);
    runs.push(m);
    if (m.exitCode !== 0) break;
  }
  return runs;
}

/** Best run (smallest wall after `adjustS`, which removes a tool's own fixed sleeps). */
function summarize(ctx: Ctx, tool: string, command: string[], runs: Measurement[],
  adjustS: (m: Measurement) => number = () => 0): Omit<ToolResult, 'packets' | 'flows' | 'flowsNote' | 'ok' | 'notes' | 'extra'> {
  const eff = (m: Measurement): number => m.wallS - adjustS(m);
  const best = runs.reduce((a, b) => (b.exitCode === 0 && (a.exitCode !== 0 || eff(b) < eff(a)) ? b : a));
  const wallS = Math.max(1e-9, eff(best));
  const { stdout: _o, stderr: _e, ...bestNumbers } = best;
  return {
    tool, command, runs, best: bestNumbers, wallS,
    packetsPerSec: (ctx.packets ?? NaN) / wallS,
    mbPerSec: ctx.fileBytes / 1e6 / wallS,
  };
}

/** weft's full replay (flows + every dissector), or with `flowsOnly` the flow meter alone (`--flows-only`). */
async function runWeft(ctx: Ctx, flowsOnly = false): Promise<ToolResult> {
  const tool = flowsOnly ? 'weft-flows' : 'weft';
  const cmd = [process.execPath, join(ROOT, 'bin', 'weft'), 'replay', ctx.file, '--quiet', ...(flowsOnly ? ['--flows-only'] : [])];
  // Counting run: stdout piped, only the last line (the stats record) kept.
  const counting = await measure({ cmd, stdout: 'last-line', timeoutS: timeoutFor(ctx.size) }, ctx.helper, ctx.outDir);
  const notes: string[] = [];
  let stats: Record<string, number> = {};
  try {
    const rec = JSON.parse(counting.stdout) as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec)) if (k.startsWith('weft.stats.') && typeof v === 'number') stats[k.slice(11)] = v;
  } catch {
    notes.push('no stats record on the last line of stdout');
  }
  if (counting.exitCode !== 0) notes.push(`exit ${counting.exitCode}: ${counting.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  // Timed runs: stdout to /dev/null, as the brief for `weft replay FILE --quiet` says.
  const runs = await repeat(ctx, { cmd, stdout: 'null', timeoutS: timeoutFor(ctx.size) });
  const s = summarize(ctx, tool, cmd, runs);
  const packets = stats['packets_read'] ?? null;
  const flowsPeak = stats['flows_peak'] ?? null;
  const flows = stats['flows_created'] ?? stats['flows_emitted'] ?? null;
  const ok = runs.every((r) => r.exitCode === 0) && packets !== null && packets === ctx.packets;
  if (packets !== null && packets !== ctx.packets) notes.push(`read ${packets} of ${ctx.packets ?? '?'} packets`);
  const dpi = Object.entries(stats).filter(([k, v]) => k.startsWith('dpi_') && v > 0).map(([k, v]) => `${k.slice(4)} ${v}`);
  if (dpi.length > 0) notes.push(`dissectors: ${dpi.join(', ')}`);
  else if (!flowsOnly && packets !== null) notes.push('dissectors: no dpi_* counter above 0 (are they wired into the pipeline yet?)');
  const extra: Record<string, unknown> = { stats, flowsPeak };
  if (!flowsOnly && ctx.truth !== null && ctx.weftBaselineMiB !== null && flowsPeak) {
    extra['bytesPerFlow'] = ((s.best.peakRssMiB - ctx.weftBaselineMiB) * 1048576) / flowsPeak;
    extra['baselineRssMiB'] = ctx.weftBaselineMiB;
  }
  return { ...s, packets, flows, flowsNote: 'biflow records created (idle timeout 15 s splits long gaps)', ok, notes, extra };
}

async function runSoftflowd(ctx: Ctx): Promise<ToolResult | null> {
  const bin = which('softflowd');
  if (!bin) { log('softflowd: not installed, skipped (scripts/setup.sh installs it)'); return null; }
  // -r: read the file, then expire everything and print statistics (it never expires by time in
  //     this mode, so -m must exceed the flows in the file or it force-expires the oldest);
  // -v 9: NetFlow v9 (carries IPv6), -6: track IPv6 anyway, -d: stay in the foreground.
  // No -c: with -r, softflowd 1.1.0 blocks in accept() on the control socket if one is given.
  const truth = truthOf(ctx);
  const maxFlows = Math.max(8192, truth.flows * 2 + 10_000);
  const cmd = [bin, '-r', ctx.file, '-n', `127.0.0.1:${ctx.netflowPort}`, '-v', '9', '-6', '-d', '-m', String(maxFlows)];
  const before = ctx.netflowDatagrams();
  const runs = await repeat(ctx, { cmd, stdout: 'capture', timeoutS: timeoutFor(ctx.size) });
  const s = summarize(ctx, 'softflowd', cmd, runs);
  const out = runs[runs.length - 1]?.stdout ?? '';
  const packets = Number(/Packets processed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const flows = Number(/Flows expired:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const forced = Number(/Flows expired:\s+\d+\s+\((\d+) forced\)/.exec(out)?.[1] ?? 0);
  const exported = /Flows exported:\s+(\d+)\s+\((\d+) records\)\s+in\s+(\d+)\s+packets\s+\((\d+) failures\)/.exec(out);
  const notes: string[] = [];
  if (forced > 0) notes.push(`${forced} flows force-expired (table full)`);
  if (exported && Number(exported[4]) > 0) notes.push(`${exported[4]} export failures`);
  const received = ctx.netflowDatagrams() - before;
  return {
    ...s,
    packets: Number.isFinite(packets) ? packets : null,
    flows: Number.isFinite(flows) ? flows : null,
    flowsNote: 'biflows expired at end of file (ICMP request and reply are separate flows)',
    ok: runs.every((r) => r.exitCode === 0) && packets === truth.packets,
    notes,
    extra: {
      netflowRecords: exported ? Number(exported[2]) : null,
      netflowDatagramsSent: exported ? Number(exported[3]) * runs.length : null,
      netflowDatagramsReceived: received,
    },
  };
}

async function runPmacctd(ctx: Ctx): Promise<ToolResult | null> {
  const bin = which('pmacctd');
  if (!bin) { log('pmacctd: not installed, skipped (scripts/setup.sh installs it)'); return null; }
  const csv = join(ctx.outDir, `pmacctd-${ctx.size.name}.csv`);
  const conf = join(ctx.outDir, `pmacctd-${ctx.size.name}.conf`);
  // About 10 entries per hash bucket is pmacct's design point; unidirectional aggregates ≈ 2 × flows.
  const truth = truthOf(ctx);
  const buckets = primeAtLeast(Math.max(16411, (truth.flows * 2) / 8));
  writeFileSync(conf, [
    '! generated by bench/run.ts',
    'daemonize: false',
    `pcap_savefile: ${ctx.file}`,
    // true: after the file, hand the plugin what is buffered and wait for a signal. (false: sleep
    // 2 s, then stop the plugin — which loses whatever it has not drained from its queue by then.)
    'pcap_savefile_wait: true',
    // 0 means its default of 2 s: the core sleeps this long before reading, so plugins can start
    `pcap_savefile_delay: ${PMACCTD_DELAY_S}`,
    'aggregate: src_host,dst_host,src_port,dst_port,proto',
    'plugins: print',
    'print_output: csv',
    `print_output_file: ${csv}`,
    // purge once, at exit
    'print_refresh_time: 86400',
    `print_cache_entries: ${buckets}`,
    // the core sleeps 1 ms after each buffer it hands to a plugin when reading a savefile
    // ZeroMQ queue between core and plugin, unbounded (plugin_pipe_zmq_hwm 0): its home-grown ring
    // (plugin_pipe_size) is lapped silently when the core outruns the plugin — at 10m it lost 30 %
    // of the packets even at 1 GB. xlarge: 10 MB buffers, its profile for over 250k packets/s.
    'plugin_pipe_zmq: true',
    'plugin_pipe_zmq_profile: xlarge',
    '',
  ].join('\n'));
  const cmd = [bin, '-f', conf];
  const runs: Measurement[] = [];
  const aggregates: number[] = [];
  let packetsSum: number | null = null;
  for (let i = 0; i < ctx.runs; i++) {
    rmSync(csv, { force: true });
    const m = await measure({
      cmd, stdout: 'capture', timeoutS: timeoutFor(ctx.size),
      // Once the core has read the file, SIGINT it as soon as the plugin has gone idle (queue drained).
      stopWhenIdle: { afterStderr: /finished reading PCAP capture file/, idleMs: 150, signal: 'SIGINT' },
    }, ctx.helper, ctx.outDir);
    runs.push(m);
    if (existsSync(csv)) {
      const { lines, packets } = sumCsv(csv);
      aggregates.push(lines);
      packetsSum = packets;
    }
    if (m.exitCode !== 0) break;
  }
  rmSync(csv, { force: true });
  // With pcap_savefile_wait and the ZeroMQ queue, pmacctd accounts for ~0.1 % packets too many
  // (1 in ~960, whatever the file size; exact without the wait, which however loses data at 10m).
  const excess = packetsSum !== null ? packetsSum - truth.packets : 0;
  // Its own sleeps (start delay, exit grace) and our idle detection are not its work. The 1 ms it
  // sleeps per 10 MB buffer handed to the plugin (≈ 0.1 s per million packets) is left in.
  const idle = (m: Measurement): number => (m.signalS !== undefined && m.lastBusyS !== undefined ? m.signalS - m.lastBusyS : 0);
  const s = summarize(ctx, 'pmacctd', cmd, runs, (m) => PMACCTD_DELAY_S + PMACCTD_EXIT_SLEEP_S + idle(m));
  const notes = [
    `wall excludes its fixed sleeps (${PMACCTD_DELAY_S} s before reading, ${PMACCTD_EXIT_SLEEP_S} s in its SIGINT handler) and the idle wait before our SIGINT`,
    'core + print plugin: two processes (CPU s is their sum)',
  ];
  if (runs.some((m) => m.signalS === undefined)) notes.push('a run ended without the idle SIGINT (it exited by itself or timed out)');
  if (packetsSum !== null && excess !== 0) {
    notes.push(`accounted ${packetsSum} of ${truth.packets} packets (${excess > 0 ? '+' : ''}${(100 * excess / truth.packets).toFixed(3)} %)`);
  }
  const missing = runs.reduce((n, r) => n + (r.stderr.match(/Missing data detected/g)?.length ?? 0), 0);
  if (missing > 0) notes.push(`"Missing data detected" ${missing}× (its plugin fell behind and the core overwrote the queue)`);
  return {
    ...s,
    packets: packetsSum,
    flows: aggregates.length ? (aggregates[aggregates.length - 1] as number) : null,
    flowsNote: 'unidirectional 5-tuple aggregates',
    // every packet, and at most its known ~0.1 % over-count
    ok: runs.every((r) => r.exitCode === 0) && packetsSum !== null && excess >= 0 && excess <= truth.packets * 0.002,
    notes,
    extra: { cacheBuckets: buckets, config: conf },
  };
}

function sumCsv(path: string): { lines: number; packets: number } {
  // SRC_IP,DST_IP,SRC_PORT,DST_PORT,PROTOCOL,PACKETS,BYTES
  const text = readFileSync(path, 'utf8');
  let lines = 0, packets = 0;
  let start = text.indexOf('\n') + 1;
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    if (line) {
      const cols = line.split(',');
      packets += Number(cols[5] ?? 0);
      lines++;
    }
    start = end + 1;
  }
  return { lines, packets };
}

async function runCLoop(ctx: Ctx): Promise<ToolResult | null> {
  if (!ctx.minimalLoop) { log('minimal C loop: no C compiler (cc), skipped'); return null; }
  const cmd = [ctx.minimalLoop, ctx.file];
  const runs = await repeat(ctx, { cmd, stdout: 'capture', timeoutS: timeoutFor(ctx.size) });
  const s = summarize(ctx, 'c-loop', cmd, runs);
  let out: { packets?: number; elapsedNs?: number; checksum?: string } = {};
  try { out = JSON.parse(runs[runs.length - 1]?.stdout ?? '{}') as typeof out; } catch { /* reported below */ }
  const innerBest = Math.min(...runs.map((r) => { try { return (JSON.parse(r.stdout) as { elapsedNs: number }).elapsedNs / 1e9; } catch { return Infinity; } }));
  return {
    ...s,
    packets: out.packets ?? null,
    flows: null,
    flowsNote: 'no flow table: parses and hashes the 5-tuple only',
    ok: runs.every((r) => r.exitCode === 0) && out.packets === ctx.packets,
    notes: ['peak RSS includes the mmap-ed file (see anon RSS)'],
    extra: { innerElapsedS: innerBest, checksum: out.checksum },
  };
}

/** Lines of tshark's stderr that are not its "Running as user root" warning. */
function tsharkComplaints(stderr: string): string[] {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Running as user "root"/.test(l));
}

async function runTsharkConv(ctx: Ctx): Promise<ToolResult | null> {
  const bin = which('tshark');
  if (!bin) { log('tshark-conv: tshark not installed, skipped (scripts/setup.sh installs it)'); return null; }
  // One pass, full dissection, then the TCP conversation table (≈ 140 bytes a conversation, captured).
  const cmd = [bin, '-r', ctx.file, '-q', '-z', 'conv,tcp'];
  const runs = await repeat(ctx, { cmd, stdout: 'capture', timeoutS: timeoutFor(ctx.size) });
  const s = summarize(ctx, 'tshark-conv', cmd, runs);
  // "A:p <-> B:p  frames bytes unit  frames bytes unit  frames bytes unit  rel_start duration"
  let conversations = 0, frames = 0;
  for (const line of (runs[runs.length - 1]?.stdout ?? '').split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t[1] !== '<->' || t.length < 12) continue;
    conversations++;
    frames += Number(t[9]);
  }
  const notes: string[] = [];
  const complaints = runs.flatMap((r) => tsharkComplaints(r.stderr));
  if (complaints.length) notes.push(`stderr: ${complaints.slice(0, 3).join(' | ')}`);
  const tcp = ctx.truth?.packetsByProtocol.tcp ?? null;
  if (tcp !== null) notes.push(`TCP frames in its conversations: ${frames} (truth: ${tcp} TCP packets)`);
  else notes.push(`TCP frames in its conversations: ${frames} (no truth: checked exit status only)`);
  return {
    ...s,
    packets: null,
    flows: conversations,
    flowsNote: 'TCP conversations (-z conv,tcp); it dissects every packet but tabulates TCP only',
    ok: runs.every((r) => r.exitCode === 0) && complaints.length === 0 && (tcp === null || frames === tcp),
    notes,
    extra: { tcpFrames: frames, tcpPacketsTruth: tcp },
  };
}

async function runTsharkFields(ctx: Ctx): Promise<ToolResult | null> {
  const bin = which('tshark');
  if (!bin) { log('tshark-fields: tshark not installed, skipped (scripts/setup.sh installs it)'); return null; }
  // One line per packet with the fields weft's dissectors extract; stdout to /dev/null.
  const cmd = [bin, '-r', ctx.file, '-T', 'fields', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])];
  const runs = await repeat(ctx, { cmd, stdout: 'null', timeoutS: timeoutFor(ctx.size) });
  const s = summarize(ctx, 'tshark-fields', cmd, runs);
  const complaints = runs.flatMap((r) => tsharkComplaints(r.stderr));
  return {
    ...s,
    packets: null,
    flows: null,
    flowsNote: 'no flows: one line of fields per packet',
    ok: runs.every((r) => r.exitCode === 0) && complaints.length === 0,
    notes: [
      `-e ${TSHARK_FIELDS.join(' -e ')}; stdout to /dev/null, so packets are not counted (ok: exit 0, nothing on stderr)`,
      ...(complaints.length ? [`stderr: ${complaints.slice(0, 3).join(' | ')}`] : []),
    ],
    extra: { fields: TSHARK_FIELDS },
  };
}

async function runNdpi(ctx: Ctx): Promise<ToolResult | null> {
  const bin = which('ndpiReader');
  if (!bin) { log('ndpi: ndpiReader not installed, skipped (scripts/setup.sh installs Debian libndpi-bin)'); return null; }
  // -i FILE: one pass over the file (one thread for a pcap), then a summary of ~100 lines on stdout,
  // which we keep to check its packet count. (-q would print nothing at all, at the same speed.)
  const cmd = [bin, '-i', ctx.file];
  const runs = await repeat(ctx, { cmd, stdout: 'capture', timeoutS: timeoutFor(ctx.size) });
  const s = summarize(ctx, 'ndpi', cmd, runs);
  const out = runs[runs.length - 1]?.stdout ?? '';
  const m = /IP packets:\s+(\d+)\s+of\s+(\d+)\s+packets total/.exec(out);
  const packets = m ? Number(m[2]) : null;
  const flows = Number(/Unique flows:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const procMs = Number(/Packet Processing Time:\s+(\d+)\s+msec/.exec(out)?.[1] ?? NaN);
  const dpiTcp = /DPI Packets \(TCP\):\s+(\d+)/.exec(out)?.[1];
  const notes = ['nDPI gives up on a flow after 80 TCP / 24 UDP packets (-T/-U): later packets are only counted'];
  if (Number.isFinite(procMs)) notes.push(`its own "Packet Processing Time": ${(procMs / 1000).toFixed(3)} s (without start-up and file open)`);
  if (m && m[1] !== m[2]) notes.push(`IP packets: ${m[1]} of ${m[2]}`);
  if (packets !== null && ctx.packets !== null && packets !== ctx.packets) notes.push(`read ${packets} of ${ctx.packets} packets`);
  return {
    ...s,
    packets,
    flows: Number.isFinite(flows) ? flows : null,
    flowsNote: 'unique flows (its 5-tuple biflows, never expired)',
    ok: runs.every((r) => r.exitCode === 0) && packets !== null && (ctx.packets === null || packets === ctx.packets),
    notes,
    extra: { packetProcessingS: Number.isFinite(procMs) ? procMs / 1000 : null, dpiPacketsTcp: dpiTcp ? Number(dpiTcp) : null },
  };
}

// ── report ─────────────────────────────────────────────────────────────────────────────────────
function workloadHead(size: SizeSpec, truth: Truth, fileBytes: number): string {
  return `── ${size.name}: ${truth.packets} packets, ${truth.flows} flows (truth; ${truth.concurrentPeak} concurrent at most), ` +
    `${(fileBytes / 1048576).toFixed(1)} MiB${size.snaplen ? `, snaplen ${size.snaplen}` : ''}, ${truth.durationSec.toFixed(1)} s of capture`;
}

function table(head: string, results: ToolResult[]): string {
  const rows = [['tool', 'packets/s', 'MB/s', 'wall s', 'CPU s', 'peak RSS MiB', 'anon MiB', 'flows', 'ok']];
  for (const r of results) {
    const cpu = r.best.cpuUserS !== null && r.best.cpuSysS !== null ? r.best.cpuUserS + r.best.cpuSysS : null;
    rows.push([r.tool, fmt(r.packetsPerSec), r.mbPerSec.toFixed(1), r.wallS.toFixed(3), cpu === null ? '–' : cpu.toFixed(3),
      r.best.peakRssMiB.toFixed(1), r.best.peakAnonMiB.toFixed(1), r.flows === null ? '–' : String(r.flows), r.ok ? 'yes' : 'NO']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  const notes = results.flatMap((r) => [`  ${r.tool}: flows = ${r.flowsNote}`, ...r.notes.map((n) => `  ${r.tool}: ${n}`)]);
  return [head, ...lines, ...notes].join('\n');
}

function ratios(results: ToolResult[]): Record<string, number | null> {
  const by = (t: string): ToolResult | undefined => results.find((r) => r.tool === t);
  const weft = by('weft');
  const out: Record<string, number | null> = {};
  if (!weft) return out;
  const sf = by('softflowd'), pm = by('pmacctd'), c = by('c-loop');
  const wf = by('weft-flows'), nd = by('ndpi'), tc = by('tshark-conv'), tf = by('tshark-fields');
  // Flow metering against the flow meters: like for like, weft without its dissectors when that
  // run is there (softflowd, pmacctd and the C loop do no application parsing).
  const meter = wf?.ok ? wf : weft;
  out['weftFlowsIsFlowsOnly'] = meter === wf ? 1 : 0;
  out['weftSpeedupVsSoftflowd'] = sf ? sf.wallS / meter.wallS : null;
  out['weftSpeedupVsPmacctd'] = pm ? pm.wallS / meter.wallS : null;
  out['weftSlowdownVsCLoop'] = c ? meter.wallS / c.wallS : null;
  const bpf = weft.extra['bytesPerFlow'];
  out['weftBytesPerFlow'] = typeof bpf === 'number' ? bpf : null;
  // Application metadata: weft's full replay (flows + all dissectors) against the DPI peers.
  out['weftSpeedupVsNdpi'] = nd?.ok ? nd.wallS / weft.wallS : null;
  out['weftSpeedupVsTsharkConv'] = tc?.ok ? tc.wallS / weft.wallS : null;
  out['weftSpeedupVsTsharkFields'] = tf?.ok ? tf.wallS / weft.wallS : null;
  out['weftFullVsFlowsOnly'] = wf?.ok ? weft.wallS / wf.wallS : null;
  return out;
}

/** weft's full replay must be at least this many times as fast as ndpiReader on the generated 1M-packet file. */
const NDPI_TARGET = 3;

/**
 * weft's ratios. A line whose figure is missing is printed ("n/a") only when its peer was asked for
 * in this set (`shown`): the corpus set runs no flow-export peers, the 10m set no DPI peers.
 */
function ratioLines(r: Record<string, number | null>, shown: ReadonlySet<string>, opts: { workload: boolean; ndpiTarget: boolean }): string {
  const { ndpiTarget } = opts;
  const f = (x: number | null | undefined, suffix: string): string => (x === null || x === undefined ? 'n/a' : `${x.toFixed(2)}${suffix}`);
  const lines: string[] = [];
  const add = (tool: string, key: string, line: string): void => {
    if (shown.has(tool) || (r[key] !== null && r[key] !== undefined)) lines.push(line);
  };
  const m = r['weftFlowsIsFlowsOnly'] === 1 ? 'weft-flows' : 'weft';
  const label = (peer: string): string => `${m} vs ${peer}: `.padEnd(25);
  add('softflowd', 'weftSpeedupVsSoftflowd', `  ${label('softflowd')}${f(r['weftSpeedupVsSoftflowd'], '× (>1: weft faster; target ≥ 2)')}`);
  add('pmacctd', 'weftSpeedupVsPmacctd', `  ${label('pmacctd')}${f(r['weftSpeedupVsPmacctd'], '× (>1: weft faster)')}`);
  add('c', 'weftSlowdownVsCLoop', `  ${label('C loop')}${f(r['weftSlowdownVsCLoop'], '× slower (target ≤ 2)')}`);
  const nd = r['weftSpeedupVsNdpi'];
  const verdict = nd === null || nd === undefined || !ndpiTarget ? '' : nd >= NDPI_TARGET ? ': target met' : ': TARGET NOT MET';
  add('ndpi', 'weftSpeedupVsNdpi', `  weft vs ndpiReader:    ${f(nd, `× (>1: weft faster${ndpiTarget ? `; target ≥ ${NDPI_TARGET}` : ''})`)}${verdict}`);
  add('tshark-conv', 'weftSpeedupVsTsharkConv', `  weft vs tshark-conv:   ${f(r['weftSpeedupVsTsharkConv'], '× (>1: weft faster)')}`);
  add('tshark-fields', 'weftSpeedupVsTsharkFields', `  weft vs tshark-fields: ${f(r['weftSpeedupVsTsharkFields'], '× (>1: weft faster)')}`);
  add('weft-flows', 'weftFullVsFlowsOnly', `  weft full vs flows-only: ${f(r['weftFullVsFlowsOnly'], '× the wall of --flows-only (the dissectors\' cost)')}`);
  if (r['weftBytesPerFlow'] !== null && r['weftBytesPerFlow'] !== undefined) {
    lines.push(`  weft bytes/flow:       ${Math.round(r['weftBytesPerFlow'])} B (peak RSS − tiny-file RSS) / flows_peak`);
  } else if (shown.has('weft') && opts.workload) lines.push('  weft bytes/flow:       n/a');
  return lines.join('\n');
}

// ── main ───────────────────────────────────────────────────────────────────────────────────────
function compile(outDir: string, name: string): string | null {
  const cc = which('cc') ?? which('gcc') ?? which('clang');
  if (!cc) return null;
  const src = join(ROOT, 'bench', 'c', `${name}.c`);
  const bin = join(outDir, name);
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return bin;
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', bin, src], { stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0 ? bin : null;
}

/** The selected tools: --tools / WEFT_BENCH_TOOLS (with aliases), else all but, under --quick, the slow peers. Steps (`live`) are not tools. */
export function selectTools(spec: string | undefined, quick: boolean): Set<Tool> {
  if (spec === undefined) {
    return new Set(TOOLS.filter((t) => !quick || !SLOW_PEERS.includes(t)));
  }
  const out = new Set<Tool>();
  for (const raw of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    if ((STEPS as readonly string[]).includes(raw)) continue;
    const alias = TOOL_ALIASES[raw];
    if (alias) { for (const t of alias) out.add(t); continue; }
    if (!TOOLS.includes(raw as Tool)) {
      throw new Error(`unknown tool '${raw}' (known: ${TOOLS.join(', ')}, ${STEPS.join(', ')}; aliases: ${Object.keys(TOOL_ALIASES).join(', ')})`);
    }
    out.add(raw as Tool);
  }
  return out;
}

/** Whether the live agent bench runs: always without --tools (also under --quick), else when --tools names `live`. */
export function liveSelected(spec: string | undefined): boolean {
  return spec === undefined || spec.split(',').map((x) => x.trim()).includes('live');
}

/** The live agent bench (live.bench.js) in its own process: its JSON, or why it did not run / failed (one line). */
function runLive(outDir: string, quick: boolean): { output: LiveBenchOutput | null; error?: string } {
  if (process.getuid?.() !== 0) return { output: null, error: 'live: skipped, needs root (network namespaces and eBPF)' };
  const script = join(ROOT, 'dist', 'bench', 'live.bench.js');
  if (!existsSync(script)) return { output: null, error: `live: ${script} missing (run make build), skipped` };
  // Its progress goes to our stderr as it runs; its stdout is one JSON line. ≈ 100 s (≈ 30 s --quick).
  const r = spawnSync(process.execPath, [script, '--json', '--out-dir', outDir, ...(quick ? ['--quick'] : [])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20, timeout: 600_000, killSignal: 'SIGTERM' });
  try {
    return { output: JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as LiveBenchOutput };
  } catch {
    return { output: null, error: `live: failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}), no results` };
  }
}

/** Whether the bus bench runs: always without --tools, else when --tools names `bus`. */
export function busSelected(spec: string | undefined): boolean {
  return spec === undefined || spec.split(',').map((x) => x.trim()).includes('bus');
}

/** The bus bench (bus.bench.js: the NATS sink into a local nats-server) in its own process. */
function runBus(quick: boolean): { output: BusBenchOutput | null; error?: string } {
  const script = join(ROOT, 'dist', 'bench', 'bus.bench.js');
  if (!existsSync(script)) return { output: null, error: `bus: ${script} missing (run make build), skipped` };
  const r = spawnSync(process.execPath, [script, '--json', '--records', quick ? '100000' : '500000'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20, timeout: 300_000, killSignal: 'SIGTERM' });
  try {
    return { output: JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as BusBenchOutput };
  } catch {
    return { output: null, error: `bus: failed (exit ${r.status ?? r.signal}), no results` };
  }
}

/** The largest capture (by file size) of the shared corpus, or null. */
function largestCorpusCapture(): string | null {
  const dir = join(CORPUS_DIR, 'pcap');
  let best: string | null = null, bestSize = -1;
  try {
    for (const f of readdirSync(dir)) {
      if (!/\.(pcap|pcapng|cap)$/i.test(f)) continue;
      const size = statSync(join(dir, f)).size;
      if (size > bestSize) { best = join(dir, f); bestSize = size; }
    }
  } catch { return null; }
  return best;
}

/** Packets in a capture according to capinfos (Wireshark), or null without it. */
function capinfosPackets(file: string): number | null {
  if (!which('capinfos')) return null;
  const r = spawnSync('capinfos', ['-T', '-r', '-c', '-M', file], { encoding: 'utf8' });
  const n = Number(r.stdout.trim().split('\t').pop());
  return r.status === 0 && Number.isInteger(n) ? n : null;
}

type Runner = (ctx: Ctx) => Promise<ToolResult | null>;

/** Runs the selected tools of `order` on one file, in that order. */
async function runTools(ctx: Ctx, selected: ReadonlySet<Tool>, order: readonly Tool[], weftReady: boolean): Promise<ToolResult[]> {
  const runners: Record<Tool, Runner> = {
    c: runCLoop,
    weft: (c) => (weftReady ? runWeft(c) : Promise.resolve(null)),
    'weft-flows': (c) => (weftReady ? runWeft(c, true) : Promise.resolve(null)),
    softflowd: runSoftflowd,
    pmacctd: runPmacctd,
    'tshark-conv': runTsharkConv,
    'tshark-fields': runTsharkFields,
    ndpi: runNdpi,
  };
  const results: ToolResult[] = [];
  for (const t of order) {
    if (!selected.has(t)) continue;
    const r = await runners[t](ctx);
    if (r) results.push(r);
  }
  return results;
}

function loadNote(load0: number | undefined, load1: number | undefined): string {
  // The tools themselves keep about one CPU busy; a load above the CPU count means others ran too.
  return Math.max(load0 ?? 0, load1 ?? 0) > cpus().length
    ? `  note: load average ${load0?.toFixed(1)} → ${load1?.toFixed(1)} on ${cpus().length} CPUs: other work was running, figures are noisy\n`
    : '';
}

function resultsJson(results: ToolResult[]): unknown[] {
  return results.map((r) => ({ ...r, runs: r.runs.map(({ stdout: _o, stderr, ...m }) => ({ ...m, stderrTail: stderr.slice(-2000) })) }));
}

const WORKLOAD_ORDER: readonly Tool[] = ['c', 'weft', 'weft-flows', 'softflowd', 'pmacctd', 'tshark-conv', 'tshark-fields', 'ndpi'];
const CORPUS_ORDER: readonly Tool[] = ['weft', 'weft-flows', 'tshark-conv', 'tshark-fields', 'ndpi'];

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' }, sizes: { type: 'string' }, runs: { type: 'string' }, tools: { type: 'string' },
      'out-dir': { type: 'string' }, 'no-micro': { type: 'boolean' }, 'no-corpus': { type: 'boolean' },
      'no-live': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: node dist/bench/run.js [--quick] [--sizes 100k,1m,10m] [--runs N] ' +
      `[--tools ${TOOLS.join(',')},${STEPS.join(',')}] [--out-dir DIR] [--no-micro] [--no-corpus] [--no-live]\n` +
      `  aliases: tshark = tshark-conv,tshark-fields; --quick leaves out ${SLOW_PEERS.join(', ')} unless named in --tools\n` +
      '  live: the live agent bench (root, eBPF), last; runs unless --tools leaves it out or --no-live\n');
    return 0;
  }
  const sizeNames = (values.quick ? '100k' : values.sizes ?? process.env['WEFT_BENCH_SIZES'] ?? '1m,10m').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const runsOverride = values.runs ?? process.env['WEFT_BENCH_RUNS'];
  const toolSpec = values.tools ?? (process.env['WEFT_BENCH_TOOLS'] || undefined);
  const tools = selectTools(toolSpec, values.quick === true);
  const live = liveSelected(toolSpec) && values['no-live'] !== true;
  if (toolSpec === undefined && values.quick) log(`--quick: ${SLOW_PEERS.join(', ')} not run (name them in --tools to run them)`);
  const slowSelected = SLOW_PEERS.filter((t) => tools.has(t));
  const outDir = resolve(values['out-dir'] ?? join(ROOT, 'bench', 'out'));
  mkdirSync(outDir, { recursive: true });

  const helper = compile(outDir, 'run-measured');
  if (!helper) log('no C compiler: CPU times unavailable, wall time and polled RSS only');
  const minimalLoop = tools.has('c') ? compile(outDir, 'minimal-loop') : null;

  // UDP sink for softflowd's NetFlow export, on loopback only.
  const sock = createSocket('udp4');
  let datagrams = 0;
  sock.on('message', () => { datagrams++; });
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  try { sock.setRecvBufferSize(8 << 20); } catch { /* capped by net.core.rmem_max */ }
  const netflowPort = sock.address().port;

  const weftReady = existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  if ((tools.has('weft') || tools.has('weft-flows')) && !weftReady) log('weft: dist/src/cli/main.js missing (run make build), skipped');

  // Baseline RSS of weft on a tiny file: what the runtime costs before any flow.
  let weftBaselineMiB: number | null = null;
  if (tools.has('weft') && weftReady) {
    const tiny = join(outDir, `tiny-g${GENERATOR_VERSION}.pcap`);
    if (!existsSync(tiny)) {
      spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'generate.js'), '--packets', '100', '--flows', '10', '--out', tiny], { stdio: 'ignore' });
    }
    const base = await measure({ cmd: [process.execPath, join(ROOT, 'bin', 'weft'), 'replay', tiny, '--quiet'], stdout: 'null', timeoutS: 60 }, helper, outDir);
    weftBaselineMiB = base.exitCode === 0 ? base.peakRssMiB : null;
  }

  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memMiB: Math.round(totalmem() / 1048576), loadavgAtStart: loadavg() },
    node: process.version,
    versions: peerVersions(),
    weftBaselineRssMiB: weftBaselineMiB,
    tools: [...tools],
    slowPeersMaxPackets: SLOW_PEER_MAX_PACKETS,
    sizes: [] as unknown[],
  };
  const sizesOut = report['sizes'] as unknown[];
  let allOk = true;
  let microFile: string | null = null;
  try {
    // --tools live alone: no workload, no replay tables.
    for (const name of tools.size > 0 ? sizeNames : []) {
      const base = SIZES[name];
      if (!base) throw new Error(`unknown size '${name}' (known: ${Object.keys(SIZES).join(', ')})`);
      const size = { ...base, runs: runsOverride ? Math.max(1, Number(runsOverride)) : base.runs };
      const w = ensureWorkload(outDir, size);
      if (!w) continue;
      const fileBytes = statSync(w.file).size;
      microFile ??= w.file;
      warm(w.file);
      const ctx: Ctx = {
        outDir, helper, minimalLoop, size, file: w.file, truth: w.truth, packets: w.truth.packets, fileBytes, runs: size.runs,
        netflowPort, netflowDatagrams: () => datagrams, weftBaselineMiB,
      };
      // tshark and ndpiReader on files up to 1M packets only: tshark -T fields takes ≈ 30 s per million.
      const here = new Set(tools);
      let slowNote = '';
      if (size.packets > SLOW_PEER_MAX_PACKETS && slowSelected.length > 0) {
        for (const t of slowSelected) here.delete(t);
        slowNote = `  ${slowSelected.join(', ')}: not run at ${size.name} — run on files of at most ${SLOW_PEER_MAX_PACKETS / 1e6}M packets ` +
          '(and on the largest corpus capture) to keep `make bench` short\n';
      }
      const load0 = loadavg()[0];
      const results = await runTools(ctx, here, WORKLOAD_ORDER, weftReady);
      const ratio = ratios(results);
      process.stdout.write(`\n${table(workloadHead(size, w.truth, fileBytes), results)}\n` +
        `${ratioLines(ratio, here, { workload: true, ndpiTarget: size.name === '1m' })}\n${slowNote}`);
      const load1 = loadavg()[0];
      process.stdout.write(loadNote(load0, load1));
      allOk &&= results.every((r) => r.ok);
      sizesOut.push({
        size, file: w.file, fileBytes,
        truth: { ...w.truth, flowList: undefined },
        loadavg: { before: load0, after: load1 },
        skipped: size.packets > SLOW_PEER_MAX_PACKETS ? slowSelected : [],
        results: resultsJson(results),
        ratios: ratio,
      });
    }
  } finally {
    sock.close();
  }

  // The largest capture of the shared corpus: real traffic, small (start-up weighs heavily).
  if (slowSelected.length > 0 && !values['no-corpus']) {
    const file = largestCorpusCapture();
    if (!file) log(`corpus: no capture in ${join(CORPUS_DIR, 'pcap')} (set WEFT_CORPUS), largest-capture set skipped`);
    else {
      const counted = capinfosPackets(file);
      const runs = Math.min(3, runsOverride ? Math.max(1, Number(runsOverride)) : values.quick ? 1 : 3);
      const fileBytes = statSync(file).size;
      const size: SizeSpec = { name: 'corpus', packets: counted ?? 0, flows: 0, snaplen: 0, runs };
      warm(file);
      const ctx: Ctx = {
        outDir, helper, minimalLoop: null, size, file, truth: null, packets: counted, fileBytes, runs,
        netflowPort: 0, netflowDatagrams: () => 0, weftBaselineMiB,
      };
      const here = new Set([...tools].filter((t) => CORPUS_ORDER.includes(t)));
      const load0 = loadavg()[0];
      const results = await runTools(ctx, here, CORPUS_ORDER, weftReady);
      const ratio = ratios(results);
      const head = `── largest corpus capture: ${file}: ${counted ?? '?'} packets (capinfos), ${(fileBytes / 1048576).toFixed(1)} MiB; ` +
        `best of ${runs}; process start-up included, which dominates at this size`;
      process.stdout.write(`\n${table(head, results)}\n${ratioLines(ratio, here, { workload: false, ndpiTarget: false })}\n`);
      const load1 = loadavg()[0];
      process.stdout.write(loadNote(load0, load1));
      allOk &&= results.every((r) => r.ok);
      report['corpus'] = {
        file, fileBytes, packets: counted, packetsFrom: counted === null ? null : 'capinfos', runs,
        loadavg: { before: load0, after: load1 }, results: resultsJson(results), ratios: ratio,
      };
    }
  }

  // In-process stage breakdown (read / decode / flow) on the first, smallest workload.
  if (microFile && tools.has('weft') && weftReady && !values['no-micro']) {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'decode.bench.js'), microFile, '--json',
      '--iterations', values.quick ? '1' : '2'], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 1_800_000 });
    try {
      const micro = JSON.parse(r.stdout) as { file: string; results: StageResult[] };
      report['micro'] = micro;
      process.stdout.write(`\n── in-process stages on ${micro.file}\n`);
      for (const st of micro.results) {
        process.stdout.write(`  ${st.stage.padEnd(17)} ${st.nsPerPacket.toFixed(0).padStart(6)} ns/packet  ${fmt(st.packetsPerSec).padStart(7)} packets/s  ` +
          `GC ${st.gcMinor} minor, ${st.gcMajor} major\n`);
      }
    } catch {
      log(`decode.bench failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      allOk = false;
    }
    // Dissector parsers (dpi.bench.ts): DNS messages/s and TLS ClientHellos/s on the same workload,
    // DNS also on the corpus' dns-many.pcap (real-world messages) when the corpus is there.
    const dnsMany = join(CORPUS_DIR, 'pcap', 'dns-many.pcap');
    const d = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'dpi.bench.js'), microFile, '--json',
      '--iterations', values.quick ? '1' : '5', ...(values.quick ? ['--min-ops', '20000'] : []),
      ...(existsSync(dnsMany) ? ['--dns-file', dnsMany] : [])], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 1_800_000 });
    try {
      const dpi = JSON.parse(d.stdout) as DpiBenchOutput;
      report['dpiMicro'] = dpi;
      process.stdout.write(`\n── in-process dissector parsers (messages extracted once in ${dpi.extractS.toFixed(1)} s, then parsed in a loop)\n`);
      for (const x of dpi.results) {
        const unit = x.op === 'dns' ? 'messages/s' : 'ClientHellos/s';
        process.stdout.write(`  ${x.op.padEnd(12)} ${x.nsPerOp.toFixed(0).padStart(6)} ns/op  ${fmt(x.opsPerSec).padStart(7)} ${unit.padEnd(14)}  ` +
          `${String(x.messages).padStart(7)} messages of ${x.meanBytes.toFixed(0).padStart(3)} B  GC ${x.gcMinor} minor, ${x.gcMajor} major` +
          `${x.malformed ? `  ${x.malformed} malformed` : ''}  (${x.source})\n`);
      }
    } catch {
      log(`dpi.bench failed: ${d.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      allOk = false;
    }
  }
  // The bus: records/s through the NATS sink into a local nats-server.
  if (busSelected(toolSpec)) {
    const r = runBus(values.quick === true);
    if (r.error) log(r.error);
    if (r.output) {
      report['bus'] = r.output;
      process.stdout.write(`\n${formatBusTable(r.output)}\n`);
    }
  }
  // Last: the live agent bench, in namespaces of its own (root and eBPF; one line when it cannot run).
  if (live) {
    const r = runLive(outDir, values.quick === true);
    if (r.error) log(r.error);
    if (r.output) {
      report['live'] = r.output;
      if (r.output.skipped) log(`live: skipped, ${r.output.skipped}`);
      else process.stdout.write(`\n${formatLiveTable(r.output)}\n`);
      allOk &&= r.output.ok;
    } else if (process.getuid?.() === 0) {
      report['live'] = { error: r.error };
      allOk = false;
    }
  }
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const jsonPath = join(outDir, `results-${stamp}.json`);
  writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\nresults: ${jsonPath}\n`);
  return allOk ? 0 : 1;
}

function peerVersions(): Record<string, string | null> {
  const first = (cmd: string, args: string[], re: RegExp): string | null => {
    if (!which(cmd)) return null;
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return re.exec(`${r.stdout}\n${r.stderr}`)?.[1] ?? null;
  };
  return {
    softflowd: first('softflowd', ['-h'], /softflowd version (\S+)/),
    pmacctd: first('pmacctd', ['-V'], /pmacctd (\S+)/),
    tshark: first('tshark', ['-v'], /TShark \(Wireshark\) (\S+)/),
    ndpiReader: first('ndpiReader', ['-h'], /nDPI (\d\S*)/),
    cc: first('cc', ['--version'], /^(.*)$/m),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}
