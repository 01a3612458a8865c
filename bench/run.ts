/**
 * @module bench/run — `make bench`: weft's replay against the C peers on the same files.
 *
 *  1. Build the C helpers (bench/c/*.c → bench/out/) with `cc -O2`.
 *  2. For each size (100k smoke, 1m, 10m), generate the workload once (cached in bench/out/, keyed by
 *     its parameters and the generator version; free disk checked first) and read it once so every
 *     tool starts with the file in the page cache.
 *  3. Run each tool several times on it — weft (`bin/weft replay`), softflowd, pmacctd, the minimal C
 *     loop — through bench/out/run-measured (wall, user+sys CPU via rusage) while polling /proc for the
 *     peak RSS of the whole process tree. The best wall time of the runs is reported.
 *  4. Check each tool processed every packet, print a table and weft's ratios, and write everything to
 *     bench/out/results-<date>.json.
 *
 * Usage: node dist/bench/run.js [--quick] [--sizes 1m,10m] [--runs N] [--tools weft,softflowd,pmacctd,c]
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
const TOOLS = ['weft', 'softflowd', 'pmacctd', 'c'] as const;
type Tool = (typeof TOOLS)[number];

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
  truth: Truth;
  fileBytes: number;
  runs: number;
  netflowPort: number;
  netflowDatagrams: () => number;
  weftBaselineMiB: number | null;
}

function timeoutFor(s: SizeSpec): number { return Math.max(300, s.packets / 5_000); }

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
    packetsPerSec: ctx.truth.packets / wallS,
    mbPerSec: ctx.fileBytes / 1e6 / wallS,
  };
}

async function runWeft(ctx: Ctx): Promise<ToolResult> {
  const cmd = [process.execPath, join(ROOT, 'bin', 'weft'), 'replay', ctx.file, '--quiet'];
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
  const s = summarize(ctx, 'weft', cmd, runs);
  const packets = stats['packets_read'] ?? null;
  const flowsPeak = stats['flows_peak'] ?? null;
  const flows = stats['flows_created'] ?? stats['flows_emitted'] ?? null;
  const ok = runs.every((r) => r.exitCode === 0) && packets === ctx.truth.packets;
  if (packets !== null && packets !== ctx.truth.packets) notes.push(`read ${packets} of ${ctx.truth.packets} packets`);
  const extra: Record<string, unknown> = { stats, flowsPeak };
  if (ctx.weftBaselineMiB !== null && flowsPeak) {
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
  const maxFlows = Math.max(8192, ctx.truth.flows * 2 + 10_000);
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
    ok: runs.every((r) => r.exitCode === 0) && packets === ctx.truth.packets,
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
  const buckets = primeAtLeast(Math.max(16411, (ctx.truth.flows * 2) / 8));
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
  const excess = packetsSum !== null ? packetsSum - ctx.truth.packets : 0;
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
    notes.push(`accounted ${packetsSum} of ${ctx.truth.packets} packets (${excess > 0 ? '+' : ''}${(100 * excess / ctx.truth.packets).toFixed(3)} %)`);
  }
  const missing = runs.reduce((n, r) => n + (r.stderr.match(/Missing data detected/g)?.length ?? 0), 0);
  if (missing > 0) notes.push(`"Missing data detected" ${missing}× (its plugin fell behind and the core overwrote the queue)`);
  return {
    ...s,
    packets: packetsSum,
    flows: aggregates.length ? (aggregates[aggregates.length - 1] as number) : null,
    flowsNote: 'unidirectional 5-tuple aggregates',
    // every packet, and at most its known ~0.1 % over-count
    ok: runs.every((r) => r.exitCode === 0) && packetsSum !== null && excess >= 0 && excess <= ctx.truth.packets * 0.002,
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
    ok: runs.every((r) => r.exitCode === 0) && out.packets === ctx.truth.packets,
    notes: ['peak RSS includes the mmap-ed file (see anon RSS)'],
    extra: { innerElapsedS: innerBest, checksum: out.checksum },
  };
}

// ── report ─────────────────────────────────────────────────────────────────────────────────────
function table(size: SizeSpec, truth: Truth, fileBytes: number, results: ToolResult[]): string {
  const rows = [['tool', 'packets/s', 'MB/s', 'wall s', 'CPU s', 'peak RSS MiB', 'anon MiB', 'flows', 'ok']];
  for (const r of results) {
    const cpu = r.best.cpuUserS !== null && r.best.cpuSysS !== null ? r.best.cpuUserS + r.best.cpuSysS : null;
    rows.push([r.tool, fmt(r.packetsPerSec), r.mbPerSec.toFixed(1), r.wallS.toFixed(3), cpu === null ? '–' : cpu.toFixed(3),
      r.best.peakRssMiB.toFixed(1), r.best.peakAnonMiB.toFixed(1), r.flows === null ? '–' : String(r.flows), r.ok ? 'yes' : 'NO']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  const head = `── ${size.name}: ${truth.packets} packets, ${truth.flows} flows (truth; ${truth.concurrentPeak} concurrent at most), ` +
    `${(fileBytes / 1048576).toFixed(1)} MiB${size.snaplen ? `, snaplen ${size.snaplen}` : ''}, ${truth.durationSec.toFixed(1)} s of capture`;
  const notes = results.flatMap((r) => [`  ${r.tool}: flows = ${r.flowsNote}`, ...r.notes.map((n) => `  ${r.tool}: ${n}`)]);
  return [head, ...lines, ...notes].join('\n');
}

function ratios(results: ToolResult[]): Record<string, number | null> {
  const by = (t: string): ToolResult | undefined => results.find((r) => r.tool === t);
  const weft = by('weft');
  const out: Record<string, number | null> = {};
  if (!weft) return out;
  const sf = by('softflowd'), pm = by('pmacctd'), c = by('c-loop');
  out['weftSpeedupVsSoftflowd'] = sf ? sf.wallS / weft.wallS : null;
  out['weftSpeedupVsPmacctd'] = pm ? pm.wallS / weft.wallS : null;
  out['weftSlowdownVsCLoop'] = c ? weft.wallS / c.wallS : null;
  const bpf = weft.extra['bytesPerFlow'];
  out['weftBytesPerFlow'] = typeof bpf === 'number' ? bpf : null;
  return out;
}

function ratioLines(r: Record<string, number | null>): string {
  const f = (x: number | null | undefined, suffix: string): string => (x === null || x === undefined ? 'n/a' : `${x.toFixed(2)}${suffix}`);
  return [
    `  weft vs softflowd: ${f(r['weftSpeedupVsSoftflowd'], '× (>1: weft faster)')}`,
    `  weft vs pmacctd:   ${f(r['weftSpeedupVsPmacctd'], '× (>1: weft faster)')}`,
    `  weft vs C loop:    ${f(r['weftSlowdownVsCLoop'], '× slower (target ≤ 2)')}`,
    `  weft bytes/flow:   ${r['weftBytesPerFlow'] === null || r['weftBytesPerFlow'] === undefined ? 'n/a' : `${Math.round(r['weftBytesPerFlow'])} B (peak RSS − tiny-file RSS) / flows_peak`}`,
  ].join('\n');
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

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' }, sizes: { type: 'string' }, runs: { type: 'string' }, tools: { type: 'string' },
      'out-dir': { type: 'string' }, 'no-micro': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: node dist/bench/run.js [--quick] [--sizes 100k,1m,10m] [--runs N] [--tools weft,softflowd,pmacctd,c] [--out-dir DIR] [--no-micro]\n');
    return 0;
  }
  const sizeNames = (values.quick ? '100k' : values.sizes ?? process.env['WEFT_BENCH_SIZES'] ?? '1m,10m').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const runsOverride = values.runs ?? process.env['WEFT_BENCH_RUNS'];
  const tools = new Set((values.tools ?? process.env['WEFT_BENCH_TOOLS'] ?? TOOLS.join(',')).split(',').map((s) => s.trim()));
  for (const t of tools) if (!TOOLS.includes(t as Tool)) throw new Error(`unknown tool '${t}' (known: ${TOOLS.join(', ')})`);
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
  if (tools.has('weft') && !weftReady) log('weft: dist/src/cli/main.js missing (run make build), skipped');

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
    sizes: [] as unknown[],
  };
  const sizesOut = report['sizes'] as unknown[];
  let allOk = true;
  let microFile: string | null = null;
  try {
    for (const name of sizeNames) {
      const base = SIZES[name];
      if (!base) throw new Error(`unknown size '${name}' (known: ${Object.keys(SIZES).join(', ')})`);
      const size = { ...base, runs: runsOverride ? Math.max(1, Number(runsOverride)) : base.runs };
      const w = ensureWorkload(outDir, size);
      if (!w) continue;
      const fileBytes = statSync(w.file).size;
      microFile ??= w.file;
      warm(w.file);
      const ctx: Ctx = {
        outDir, helper, minimalLoop, size, file: w.file, truth: w.truth, fileBytes, runs: size.runs,
        netflowPort, netflowDatagrams: () => datagrams, weftBaselineMiB,
      };
      const results: ToolResult[] = [];
      const load0 = loadavg()[0];
      if (tools.has('c')) { const r = await runCLoop(ctx); if (r) results.push(r); }
      if (tools.has('weft') && weftReady) results.push(await runWeft(ctx));
      if (tools.has('softflowd')) { const r = await runSoftflowd(ctx); if (r) results.push(r); }
      if (tools.has('pmacctd')) { const r = await runPmacctd(ctx); if (r) results.push(r); }
      const ratio = ratios(results);
      process.stdout.write(`\n${table(size, w.truth, fileBytes, results)}\n${ratioLines(ratio)}\n`);
      const load1 = loadavg()[0];
      // The tools themselves keep about one CPU busy; a load above the CPU count means others ran too.
      if (Math.max(load0 ?? 0, load1 ?? 0) > cpus().length) {
        process.stdout.write(`  note: load average ${load0?.toFixed(1)} → ${load1?.toFixed(1)} on ${cpus().length} CPUs: other work was running, figures are noisy\n`);
      }
      allOk &&= results.every((r) => r.ok);
      sizesOut.push({
        size, file: w.file, fileBytes,
        truth: { ...w.truth, flowList: undefined },
        loadavg: { before: load0, after: load1 },
        results: results.map((r) => ({ ...r, runs: r.runs.map(({ stdout: _o, stderr, ...m }) => ({ ...m, stderrTail: stderr.slice(-2000) })) })),
        ratios: ratio,
      });
    }
  } finally {
    sock.close();
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
    cc: first('cc', ['--version'], /^(.*)$/m),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}
