/**
 * @module bench/live.bench — the live agent's costs, measured on real traffic between two network
 * namespaces joined by a veth pair (test/support/netns.ts; 10.202.k.0/24, nothing leaves them):
 *
 *  1. iperf3 TCP throughput a → b without the agent, with it (flows only) and with it tapping the
 *     first packets of each flow into the dissectors (the default), interleaved repetitions; the
 *     agent runs as its own process (`bin/weft agent`) so its CPU is read apart from /proc.
 *  2. The agent's CPU at a fixed UDP packet rate (paced sendmmsg batches of 64-byte datagrams),
 *     and its flow records' packet counts against what the sender sent.
 *  3. Tap records per second delivered into JS (UDP flood matching one tap rule): the raw kernel
 *     sensor's ring consumer, and the agent's (decoder and pipeline behind it); delivered + ring-full
 *     drops must equal what was sent.
 *  4. Draining 100k flows from the kernel flow map: Agent.drainFlows() (one snapshot +
 *     KernelFlows.update) and bpf map lookup-batch alone.
 *
 * Needs root and eBPF; otherwise it reports `skipped` with one line. src/ and test/support are loaded
 * lazily, so `bench/run.ts` can import the table formatter without loading the pipeline.
 *
 * Usage: node dist/bench/live.bench.js [--json] [--quick] [--parts iperf,rate,tap,drain] [--reps N]
 *        [--iperf-seconds S] [--out-dir DIR]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AgentOptions } from '../src/agent/index.js';
import type { KernelSensor, PacketRule, TcAttachment } from '../src/capture/index.js';
import type { Sink } from '../src/export/index.js';
import type { TestNet } from '../test/support/netns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ── results ────────────────────────────────────────────────────────────────────────────────────
export type LivePart = 'iperf' | 'rate' | 'tap' | 'drain';
export const LIVE_PARTS: readonly LivePart[] = ['iperf', 'rate', 'tap', 'drain'];

export interface IperfMode {
  mode: 'none' | 'agent' | 'agent+tap';
  label: string;
  /** Receiver's Gbit/s of each repetition, in run order (NaN: the run failed). */
  samplesGbps: number[];
  medianGbps: number;
  minGbps: number;
  maxGbps: number;
  /** Agent process CPU over each client run, % of one core (null without an agent). */
  agentCpuPct: number[] | null;
  agentCpuMedianPct: number | null;
  /** The agent's kernel events (TCP state, retransmit, drop records) per second of each run; null without an agent. */
  agentEventsPerSec: number[] | null;
  retransmits: number[];
}

export interface IperfResult {
  seconds: number;
  reps: number;
  modes: IperfMode[];
  /** median(agent) / median(none), and the same for agent+tap. */
  ratioAgent: number;
  ratioAgentTap: number;
  /** Median over repetitions of agent_i / none_i (each pair ran back to back). */
  pairedRatioAgent: number;
  pairedRatioAgentTap: number;
  /** (max − min) / median of the none samples, and of all the agent runs. */
  spreadNone: number;
  spreadAgent: number;
  /** Where the noise exceeds the difference measured (see noiseNote), one line per comparison. */
  noiseNotes: string[];
  errors: string[];
}

export interface RateRow {
  targetPps: number;
  durationS: number;
  sent: number;
  sentPps: number;
  /** Datagrams the receiving socket in b read. */
  received: number;
  agentCpuPct: number;
  agentCpuS: number;
  /** The agent's flow records of this flow, packets summed, at a's and b's veth end. */
  flowPacketsA: number;
  flowPacketsB: number;
  exact: boolean;
  /** Sender's CPU (user + sys, including the veth receive path that runs in its context) per datagram, µs. */
  senderUsPerPacket: number;
  senderUsPerPacketNoAgent: number | null;
}

export interface RateResult {
  payloadBytes: number;
  agentArgs: string[];
  idleCpuPct: number;
  idleS: number;
  rows: RateRow[];
  agentCounters: Record<string, number>;
  errors: string[];
}

export interface TapRow {
  path: 'sensor' | 'agent';
  label: string;
  seconds: number;
  sent: number;
  sentPps: number;
  /** Tap records that reached the JS callback (each datagram is tapped twice: a's egress, b's ingress). */
  delivered: number;
  /** delivered / (sender start → last batch). */
  eventsPerSec: number;
  /** BPF reserve failures on the tap ring (kernel_tap_ring_full). */
  ringFull: number;
  kernelTapped: number;
  /** Records of the event ring delivered meanwhile (drop events, TCP events). */
  otherRecords: number;
  batches: number;
  /** delivered + ringFull = 2 × sent and delivered = kernelTapped. */
  accounted: boolean;
  /** Time from the sender's end to the last batch (the backlog JS still had), ms. */
  tailMs: number;
}

export interface TapResult {
  port: number;
  snaplen: number;
  tapRingBytes: number;
  rows: TapRow[];
  errors: string[];
}

export interface DrainResult {
  flows: number;
  flowEntries: number;
  sent: number;
  entriesRead: number;
  mapFull: number;
  firstDrainMs: number;
  drainMs: number[];
  drainMedianMs: number;
  drainUsPerFlow: number;
  lookupMs: number[];
  lookupMedianMs: number;
  lookupUsPerFlow: number;
  fillS: number;
  errors: string[];
}

export interface LiveBenchOutput {
  date: string;
  quick: boolean;
  /** Set when nothing ran: why (one line). */
  skipped?: string;
  /** Every accounting check held (flow packets = sent, delivered + dropped = sent, 100k entries read). */
  ok: boolean;
  durationS: number;
  host: { cpus: number; loadavgBefore: number; loadavgAfter: number; kernel: string };
  /** One line per part skipped or failed. */
  notes: string[];
  iperf?: IperfResult;
  rate?: RateResult;
  tap?: TapResult;
  drain?: DrainResult;
}

// ── small helpers (exported for the unit test) ─────────────────────────────────────────────────
export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** (max − min) / median of the finite samples (0 for fewer than two). */
export function spread(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length < 2) return 0;
  return (Math.max(...v) - Math.min(...v)) / median(v);
}

/** utime + stime (clock ticks) from the text of /proc/<pid>/stat. */
export function statCpuTicks(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // fields 14 and 15 of proc(5), counted after "pid (comm)"
}

/** Receiver's bits/s and the sender's retransmits from `iperf3 -J` output. */
export function parseIperfJson(text: string): { bitsPerSecond: number; retransmits: number } {
  const j = JSON.parse(text) as { error?: string; end?: { sum_received?: { bits_per_second?: number }; sum_sent?: { retransmits?: number } } };
  if (j.error) throw new Error(`iperf3: ${j.error}`);
  const bps = j.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error('iperf3: no end.sum_received.bits_per_second');
  return { bitsPerSecond: bps, retransmits: j.end?.sum_sent?.retransmits ?? 0 };
}

/** Records per ring index in one ring consumer batch (src/native/bridge.ts framing: u32 len, u16 ring, u16 0, bytes, pad to 8). */
export function countRingRecords(batch: Buffer, counts: number[]): void {
  let off = 0;
  while (off + 8 <= batch.length) {
    const len = batch.readUInt32LE(off);
    const ring = batch.readUInt16LE(off + 4);
    counts[ring] = (counts[ring] ?? 0) + 1;
    off += (8 + len + 7) & ~7;
  }
}

/**
 * Whether the samples with the agent can be told from those without: null when they cannot overlap
 * (every run of one side beats every run of the other, the agent being slower), else one line saying
 * the noise exceeds the difference — or, when the agent looked faster, that this is noise too.
 */
export function noiseNote(label: string, none: readonly number[], withAgent: readonly number[]): string | null {
  const a = none.filter(Number.isFinite);
  const b = withAgent.filter(Number.isFinite);
  if (a.length === 0 || b.length === 0) return null;
  const ratio = median(b) / median(a);
  const diff = `${(Math.abs(1 - ratio) * 100).toFixed(1)} %`;
  const range = (x: number[]): string => `${Math.min(...x).toFixed(1)}–${Math.max(...x).toFixed(1)}`;
  const overlap = Math.max(Math.min(...a), Math.min(...b)) <= Math.min(Math.max(...a), Math.max(...b));
  if (overlap) {
    return `${label}: the samples overlap (none ${range(a)}, ${label} ${range(b)} Gbit/s; spread ${(spread(a) * 100).toFixed(0)} % / ` +
      `${(spread(b) * 100).toFixed(0)} %): the noise exceeds the difference (${diff})`;
  }
  if (ratio > 1) {
    return `${label}: every run was faster than every run without (${diff}); the agent cannot speed TCP up, so this is the ` +
      'machine changing state between runs (throughput here is bimodal), i.e. noise';
  }
  return null;
}

function log(line: string): void { process.stderr.write(`bench: live: ${line}\n`); }
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nowS = (): number => performance.now() / 1000;

function which(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = join(dir, cmd);
    try { if (statSync(p).isFile()) return p; } catch { /* next */ }
  }
  return null;
}

let clkTck = 0;
function ticksPerSecond(): number {
  if (clkTck === 0) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    clkTck = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return clkTck;
}

/** CPU seconds (user + system, all threads) of a process so far, or NaN when it is gone. */
function processCpuS(pid: number): number {
  try { return statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond(); } catch { return NaN; }
}

// ── the UDP helper (C, built into the out dir) ─────────────────────────────────────────────────
/**
 * live-udp: paced sendmmsg sender, a 100k-flow sprayer and a counting receiver. Written next to the
 * other bench binaries and built with cc -O2 at bench time; only ever run inside the bench's
 * namespaces (the unit test runs it on 127.0.0.1).
 */
export const LIVE_UDP_C = String.raw`/* live-udp — written by bench/live.bench.ts; do not edit here.
 *   live-udp send DST DPORT SPORT PAYLOAD PPS DURATION_MS BATCH
 *     PPS > 0: PPS x DURATION_MS / 1000 datagrams, released on schedule in sendmmsg batches of <= BATCH;
 *     PPS = 0: as fast as it can for DURATION_MS. Prints {"sent","errors","calls","elapsedNs","userUs","sysUs"}.
 *   live-udp spray DST DPORT_BASE NDPORTS SPORT_BASE NSPORTS PAYLOAD
 *     one datagram from each of NSPORTS source ports to each of NDPORTS destination ports. Prints {"sent",...}.
 *   live-udp recv BIND PORT DURATION_MS
 *     prints "ready", counts datagrams until SIGTERM/SIGINT or DURATION_MS, prints {"received"}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 256
static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }
static uint64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
static void sleep_until(uint64_t ns) {
	struct timespec t = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR && !stopping) {}
}
static int addr_of(const char *ip, int port, struct sockaddr_in *sa) {
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}
static int udp_bound(const char *ip, int port) {
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) return -1;
	if (addr_of(ip, port, &sa) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { close(fd); return -1; }
	return fd;
}
static void report(const char *what, uint64_t sent, uint64_t errors, uint64_t calls, uint64_t start) {
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	printf("{\"%s\":%llu,\"errors\":%llu,\"calls\":%llu,\"elapsedNs\":%llu,\"userUs\":%lld,\"sysUs\":%lld}\n", what,
	       (unsigned long long)sent, (unsigned long long)errors, (unsigned long long)calls, (unsigned long long)(now_ns() - start),
	       (long long)r.ru_utime.tv_sec * 1000000LL + r.ru_utime.tv_usec, (long long)r.ru_stime.tv_sec * 1000000LL + r.ru_stime.tv_usec);
}
static char payload_buf[65536];
static struct sockaddr_in tos[MAX_BATCH];
static struct mmsghdr msgs[MAX_BATCH];
static struct iovec iovs[MAX_BATCH];
static void prepare(int payload, int per_message_address) {
	memset(payload_buf, 0x5a, (size_t)payload);
	for (int i = 0; i < MAX_BATCH; i++) {
		iovs[i].iov_base = payload_buf;
		iovs[i].iov_len = (size_t)payload;
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_name = &tos[per_message_address ? i : 0];
		msgs[i].msg_hdr.msg_namelen = sizeof tos[0];
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
}
static int cmd_send(char **argv) {
	int dport = atoi(argv[1]), sport = atoi(argv[2]), payload = atoi(argv[3]), batch = atoi(argv[6]);
	double pps = atof(argv[4]);
	uint64_t duration = strtoull(argv[5], NULL, 10) * 1000000ull;
	if (batch < 1) batch = 1;
	if (batch > MAX_BATCH) batch = MAX_BATCH;
	if (payload < 0 || payload > 65000 || addr_of(argv[0], dport, &tos[0]) < 0) { fprintf(stderr, "live-udp: bad arguments\n"); return 2; }
	int fd = udp_bound("0.0.0.0", sport);
	if (fd < 0) { perror("live-udp: socket/bind"); return 1; }
	int sndbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
	prepare(payload, 0);
	uint64_t total = pps > 0 ? (uint64_t)(pps * (double)duration / 1e9 + 0.5) : UINT64_MAX;
	uint64_t start = now_ns(), hard = start + duration + (pps > 0 ? 2000000000ull : 0);
	uint64_t sent = 0, errors = 0, calls = 0;
	while (sent < total && !stopping) {
		uint64_t now = now_ns();
		if (now >= hard || (pps <= 0 && now - start >= duration)) break;
		unsigned n = (unsigned)batch;
		if (pps > 0) {
			uint64_t want = total - sent < (uint64_t)batch ? total - sent : (uint64_t)batch;
			uint64_t due = start + (uint64_t)((double)(sent + want) * 1e9 / pps);
			if (now < due) { sleep_until(due); continue; }
			n = (unsigned)want;
		}
		int r = sendmmsg(fd, msgs, n, 0);
		calls++;
		if (r < 0) {
			if (errno == EINTR) continue;
			errors++;
			if (errno == ENOBUFS || errno == EAGAIN) continue;
			perror("live-udp: sendmmsg");
			break;
		}
		sent += (uint64_t)r;
	}
	report("sent", sent, errors, calls, start);
	return 0;
}
static int cmd_spray(char **argv) {
	int dbase = atoi(argv[1]), nd = atoi(argv[2]), sbase = atoi(argv[3]), ns = atoi(argv[4]), payload = atoi(argv[5]);
	if (payload < 0 || payload > 65000 || nd < 1 || ns < 1 || dbase < 1 || dbase + nd > 65536 || sbase < 1 || sbase + ns > 65536 ||
	    addr_of(argv[0], dbase, &tos[0]) < 0) { fprintf(stderr, "live-udp: bad arguments\n"); return 2; }
	for (int i = 1; i < MAX_BATCH; i++) tos[i] = tos[0];
	prepare(payload, 1);
	uint64_t start = now_ns(), hard = start + 30000000000ull, sent = 0, errors = 0, calls = 0;
	for (int s = 0; s < ns && !stopping; s++) {
		int fd = udp_bound("0.0.0.0", sbase + s);
		if (fd < 0) { perror("live-udp: socket/bind"); return 1; }
		int sndbuf = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
		for (int d = 0; d < nd && !stopping; d += MAX_BATCH) {
			int n = nd - d < MAX_BATCH ? nd - d : MAX_BATCH;
			for (int i = 0; i < n; i++) tos[i].sin_port = htons((uint16_t)(dbase + d + i));
			int off = 0;
			while (off < n && !stopping && now_ns() < hard) {
				int r = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
				calls++;
				if (r < 0) {
					if (errno == EINTR) continue;
					errors++;
					if (errno == ENOBUFS || errno == EAGAIN) { usleep(100); continue; }
					perror("live-udp: sendmmsg");
					close(fd);
					report("sent", sent, errors, calls, start);
					return 1;
				}
				off += r;
				sent += (uint64_t)r;
			}
		}
		close(fd);
	}
	report("sent", sent, errors, calls, start);
	return 0;
}
static char rbuf[MAX_BATCH][2048];
static int cmd_recv(char **argv) {
	int port = atoi(argv[1]);
	uint64_t start = now_ns(), deadline = start + strtoull(argv[2], NULL, 10) * 1000000ull;
	int fd = udp_bound(argv[0], port);
	if (fd < 0) { perror("live-udp: socket/bind"); return 1; }
	int rcvbuf = 16 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct timeval tv = { 0, 100000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (int i = 0; i < MAX_BATCH; i++) {
		iovs[i].iov_base = rbuf[i];
		iovs[i].iov_len = sizeof rbuf[i];
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	uint64_t received = 0, errors = 0, calls = 0;
	while (!stopping && now_ns() < deadline) {
		int r = recvmmsg(fd, msgs, MAX_BATCH, 0, NULL);
		calls++;
		if (r > 0) received += (uint64_t)r;
		else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { errors++; break; }
	}
	report("received", received, errors, calls, start);
	return 0;
}
int main(int argc, char **argv) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 9 && strcmp(argv[1], "send") == 0) return cmd_send(argv + 2);
	if (argc == 8 && strcmp(argv[1], "spray") == 0) return cmd_spray(argv + 2);
	if (argc == 5 && strcmp(argv[1], "recv") == 0) return cmd_recv(argv + 2);
	fprintf(stderr, "usage: live-udp send DST DPORT SPORT PAYLOAD PPS DURATION_MS BATCH | spray DST DPORT_BASE NDPORTS SPORT_BASE NSPORTS PAYLOAD | recv BIND PORT DURATION_MS\n");
	return 2;
}
`;

/** Writes and builds bench/out/live-udp (cached); returns its path or why it could not. */
export function buildLiveUdp(outDir: string): { bin: string } | { error: string } {
  const cc = which('cc') ?? which('gcc') ?? which('clang');
  if (!cc) return { error: 'no C compiler (cc) for the UDP helper' };
  mkdirSync(outDir, { recursive: true });
  const src = join(outDir, 'live-udp.c');
  const bin = join(outDir, 'live-udp');
  let current = '';
  try { current = readFileSync(src, 'utf8'); } catch { /* first build */ }
  if (current !== LIVE_UDP_C) writeFileSync(src, LIVE_UDP_C);
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return { bin };
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', bin, src], { encoding: 'utf8' });
  return r.status === 0 ? { bin } : { error: `cc live-udp.c failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}` };
}

export interface SenderReport { sent: number; errors: number; calls: number; elapsedNs: number; userUs: number; sysUs: number }
export interface ReceiverReport { received: number; errors: number }

function lastJsonLine<T>(stdout: string): T {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line === undefined) throw new Error(`no report from the UDP helper: ${stdout.trim().slice(-200)}`);
  return JSON.parse(line) as T;
}

/** A receiver started with spawnIn (or spawn): resolves once it printed "ready"; stop() → its count. */
export async function startReceiver(child: ChildProcess, timeoutMs = 5000): Promise<{ stop: () => Promise<ReceiverReport> }> {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => { out += d; });
  child.stderr?.on('data', (d: string) => { if (err.length < 4096) err += d; });
  const exited = new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('close', () => res());
  });
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      throw new Error(`UDP receiver did not start: ${err.trim() || out.trim()}`);
    }
    await sleep(10);
  }
  return {
    stop: async () => {
      try { child.kill('SIGTERM'); } catch { /* gone */ }
      const killer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 3000);
      await exited;
      clearTimeout(killer);
      return lastJsonLine<ReceiverReport>(out);
    },
  };
}

// ── the agent as its own process ───────────────────────────────────────────────────────────────
interface AgentProcess {
  pid: number;
  cpuS(): number;
  /** SIGTERM, wait for the clean exit (flows flushed); SIGKILL after 15 s. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

const agentChildren = new Set<ChildProcess>();
let exitHooked = false;
function killAgentsOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const c of agentChildren) { if (c.pid !== undefined) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } } }
  });
}

/** After its start line, the agent still compiles and warms up for a moment; measurements begin after this. */
const AGENT_SETTLE_MS = 500;

async function startAgentProcess(net: TestNet, sinkFile: string, extra: readonly string[]): Promise<AgentProcess> {
  killAgentsOnExit();
  const args = ['agent', '--netns', net.a.name, '--netns', net.b.name, '--sink', `jsonl:${sinkFile}`, '--stats-interval', '0', ...extra];
  // bin/weft's shebang execs node (env -S), so child.pid is the agent's own pid.
  const child = spawn(join(ROOT, 'bin', 'weft'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  agentChildren.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { if (stderr.length < 65536) stderr += d; });
  const exited = new Promise<number | null>((res) => child.once('close', (code) => { agentChildren.delete(child); res(code); }));
  const deadline = Date.now() + 20_000;
  while (!/observing \d+ interfaces/.test(stderr)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      await exited;
      throw new Error(`weft agent did not start: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
    }
    await sleep(20);
  }
  const pid = child.pid as number;
  await sleep(AGENT_SETTLE_MS);
  return {
    pid,
    cpuS: () => processCpuS(pid),
    stop: async () => {
      try { child.kill('SIGTERM'); } catch { /* gone */ }
      const killer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 15_000);
      const code = await exited;
      clearTimeout(killer);
      return { code, stderr };
    },
  };
}

/** Reads an agent's JSON-lines output: the packets of one UDP conversation per namespace, and the stats counters. */
export function readAgentOutput(text: string, sport: number, dport: number): { packets: Map<string, number>; counters: Record<string, number> } {
  const packets = new Map<string, number>();
  const counters: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.includes('"event.dataset":"stats"')) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      for (const [k, v] of Object.entries(rec)) if (k.startsWith('weft.stats.') && typeof v === 'number') counters[k.slice(11)] = v;
      continue;
    }
    if (!line.includes('"event.dataset":"flow"') || !line.includes('"network.transport":"udp"')) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const sp = r['source.port'], dp = r['destination.port'];
    let n: number;
    if (sp === sport && dp === dport) n = Number(r['source.packets'] ?? 0);
    else if (sp === dport && dp === sport) n = Number(r['destination.packets'] ?? 0);
    else continue;
    const where = String(r['weft.netns.name'] ?? r['weft.netns.inode']);
    packets.set(where, (packets.get(where) ?? 0) + n);
  }
  return { packets, counters };
}

// ── 1. iperf3 ──────────────────────────────────────────────────────────────────────────────────
async function waitListening(pid: number, port: number, timeoutMs: number): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of ['tcp', 'tcp6']) {
      try {
        // /proc/<pid>/net/* shows the namespace of that process.
        if (readFileSync(`/proc/${pid}/net/${f}`, 'utf8').split('\n').some((l) => l.includes(hex) && / 0A /.test(l))) return;
      } catch { /* not yet */ }
    }
    await sleep(20);
  }
  throw new Error(`iperf3 server not listening on ${port} after ${timeoutMs} ms`);
}

async function benchIperf(net: TestNet, outDir: string, reps: number, seconds: number): Promise<IperfResult> {
  const { spawnIn, exec } = await import('../test/support/netns.js');
  const port = 5201;
  const server = spawnIn(net.b, ['iperf3', '-s', '-p', String(port), '-B', net.b.ipv4], { stdio: 'ignore' });
  const errors: string[] = [];
  const modes: IperfMode[] = [
    { mode: 'none', label: 'none', samplesGbps: [], medianGbps: NaN, minGbps: NaN, maxGbps: NaN, agentCpuPct: null, agentCpuMedianPct: null, agentEventsPerSec: null, retransmits: [] },
    { mode: 'agent', label: 'agent (flows only)', samplesGbps: [], medianGbps: NaN, minGbps: NaN, maxGbps: NaN, agentCpuPct: [], agentCpuMedianPct: null, agentEventsPerSec: [], retransmits: [] },
    { mode: 'agent+tap', label: 'agent + tap first 16', samplesGbps: [], medianGbps: NaN, minGbps: NaN, maxGbps: NaN, agentCpuPct: [], agentCpuMedianPct: null, agentEventsPerSec: [], retransmits: [] },
  ];
  const sinkFile = join(outDir, `.live-agent-${process.pid}.jsonl`);
  try {
    if (server.pid === undefined) throw new Error('iperf3 server did not start');
    await waitListening(server.pid, port, 5000);
    for (let rep = 0; rep < reps; rep++) {
      // Interleaved, and the order rotates each repetition so no mode always follows another.
      for (let i = 0; i < modes.length; i++) {
        const m = modes[(i + rep) % modes.length]!;
        let agent: AgentProcess | undefined;
        let wall = NaN;
        try {
          if (m.mode !== 'none') agent = await startAgentProcess(net, sinkFile, m.mode === 'agent' ? ['--flows-only'] : ['--tap-first', '16']);
          const c0 = agent?.cpuS() ?? 0;
          const t0 = nowS();
          const { stdout } = await exec(net.a, ['iperf3', '-c', net.b.ipv4, '-p', String(port), '-t', String(seconds), '-J'], { timeoutMs: (seconds + 20) * 1000 });
          wall = nowS() - t0;
          const cpu = agent ? agent.cpuS() - c0 : 0;
          const r = parseIperfJson(stdout);
          m.samplesGbps.push(r.bitsPerSecond / 1e9);
          m.retransmits.push(r.retransmits);
          if (agent) m.agentCpuPct!.push((cpu / wall) * 100);
        } catch (error) {
          m.samplesGbps.push(NaN);
          errors.push(`${m.mode} #${rep + 1}: ${(error as Error).message.split('\n')[0]}`);
        } finally {
          if (agent) {
            const s = await agent.stop();
            if (s.code !== 0) errors.push(`${m.mode} #${rep + 1}: weft agent exit ${s.code}: ${s.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
            // Its final stats record: the kernel events it handled (iperf3 on veth retransmits ~1000 segments/s).
            try {
              const events = readAgentOutput(readFileSync(sinkFile, 'utf8'), -1, -1).counters['kernel_events'];
              m.agentEventsPerSec!.push(events === undefined ? NaN : events / wall);
            } catch { m.agentEventsPerSec!.push(NaN); }
          }
          rmSync(sinkFile, { force: true });
        }
        log(`iperf3 ${m.mode.padEnd(9)} #${rep + 1}: ${(m.samplesGbps[m.samplesGbps.length - 1] ?? NaN).toFixed(2)} Gbit/s` +
          `${m.agentCpuPct?.length ? `, agent ${m.agentCpuPct[m.agentCpuPct.length - 1]!.toFixed(1)} % CPU` : ''}`);
      }
    }
  } finally {
    try { server.kill('SIGTERM'); } catch { /* gone */ }
    rmSync(sinkFile, { force: true });
  }
  for (const m of modes) {
    const ok = m.samplesGbps.filter(Number.isFinite);
    m.medianGbps = median(ok);
    m.minGbps = ok.length ? Math.min(...ok) : NaN;
    m.maxGbps = ok.length ? Math.max(...ok) : NaN;
    if (m.agentCpuPct) m.agentCpuMedianPct = median(m.agentCpuPct);
  }
  const noiseNotes: string[] = [];
  const [none, agent, tap] = modes as [IperfMode, IperfMode, IperfMode];
  const paired = (x: IperfMode): number => median(x.samplesGbps.map((g, i) => g / (none.samplesGbps[i] ?? NaN)));
  const ratioAgent = agent.medianGbps / none.medianGbps;
  const spreadNone = spread(none.samplesGbps);
  const spreadAgent = spread([...agent.samplesGbps, ...tap.samplesGbps]);
  for (const m of [agent, tap]) {
    const note = noiseNote(m.label, none.samplesGbps, m.samplesGbps);
    if (note !== null) noiseNotes.push(note);
  }
  return {
    seconds, reps, modes, ratioAgent, ratioAgentTap: tap.medianGbps / none.medianGbps,
    pairedRatioAgent: paired(agent), pairedRatioAgentTap: paired(tap),
    spreadNone, spreadAgent, noiseNotes, errors,
  };
}

// ── 2. agent CPU at a fixed packet rate ────────────────────────────────────────────────────────
async function benchRate(net: TestNet, outDir: string, helper: string, rates: readonly number[], seconds: number, idleS: number, baselineS: number): Promise<RateResult> {
  const { spawnIn, exec } = await import('../test/support/netns.js');
  const payload = 64;
  const dport = 7000;
  const batch = 32;
  const errors: string[] = [];
  const sinkFile = join(outDir, `.live-rate-${process.pid}.jsonl`);
  const agentArgs = ['--tap-first', '16'];
  const send = async (pps: number, sport: number, s: number): Promise<{ sender: SenderReport; received: number }> => {
    const rx = await startReceiver(spawnIn(net.b, [helper, 'recv', net.b.ipv4, String(dport), String((s + 10) * 1000)]));
    let stdout = '';
    let failure: unknown;
    try {
      ({ stdout } = await exec(net.a, [helper, 'send', net.b.ipv4, String(dport), String(sport), String(payload), String(pps), String(s * 1000), String(batch)],
        { timeoutMs: (s + 10) * 1000 }));
    } catch (error) {
      failure = error;
    }
    await sleep(100); // the last datagrams reach the socket
    const { received } = await rx.stop();
    if (failure !== undefined) throw failure;
    return { sender: lastJsonLine<SenderReport>(stdout), received };
  };
  // Without the agent first: the sender's own CPU per datagram (the kernel path, incl. veth receive).
  const baseline = new Map<number, number>();
  for (const pps of rates) {
    if (baselineS <= 0) break;
    try {
      const r = await send(pps, 40_100 + rates.indexOf(pps), baselineS);
      baseline.set(pps, ((r.sender.userUs + r.sender.sysUs) / Math.max(1, r.sender.sent)));
      log(`rate ${pps} pps without agent: sent ${r.sender.sent}, sender ${baseline.get(pps)!.toFixed(2)} µs/datagram`);
    } catch (error) {
      errors.push(`baseline ${pps} pps: ${(error as Error).message}`);
    }
  }
  const rows: RateRow[] = [];
  let idleCpuPct = NaN;
  let counters: Record<string, number> = {};
  const agent = await startAgentProcess(net, sinkFile, agentArgs);
  const runs: { pps: number; sport: number; sender: SenderReport; received: number; cpuS: number; wallS: number }[] = [];
  try {
    const i0 = agent.cpuS();
    const t0 = nowS();
    await sleep(idleS * 1000);
    idleCpuPct = ((agent.cpuS() - i0) / (nowS() - t0)) * 100;
    log(`idle agent: ${idleCpuPct.toFixed(2)} % CPU`);
    for (const pps of rates) {
      const sport = 40_000 + rates.indexOf(pps);
      try {
        const c0 = agent.cpuS();
        const w0 = nowS();
        const r = await send(pps, sport, seconds);
        const wallS = nowS() - w0;
        const cpuS = agent.cpuS() - c0;
        runs.push({ pps, sport, sender: r.sender, received: r.received, cpuS, wallS });
        log(`rate ${pps} pps with agent: sent ${r.sender.sent}, agent ${((cpuS / wallS) * 100).toFixed(1)} % CPU`);
      } catch (error) {
        errors.push(`${pps} pps: ${(error as Error).message}`);
      }
    }
  } finally {
    const s = await agent.stop();
    if (s.code !== 0) errors.push(`weft agent exit ${s.code}: ${s.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  }
  try {
    const text = readFileSync(sinkFile, 'utf8');
    for (const run of runs) {
      const out = readAgentOutput(text, run.sport, dport);
      counters = out.counters;
      const a = out.packets.get(net.a.name) ?? 0;
      const b = out.packets.get(net.b.name) ?? 0;
      rows.push({
        targetPps: run.pps, durationS: seconds, sent: run.sender.sent, sentPps: run.sender.sent / (run.sender.elapsedNs / 1e9),
        received: run.received, agentCpuPct: (run.cpuS / run.wallS) * 100, agentCpuS: run.cpuS,
        flowPacketsA: a, flowPacketsB: b, exact: a === run.sender.sent && b === run.sender.sent,
        senderUsPerPacket: (run.sender.userUs + run.sender.sysUs) / Math.max(1, run.sender.sent),
        senderUsPerPacketNoAgent: baseline.get(run.pps) ?? null,
      });
    }
  } finally {
    rmSync(sinkFile, { force: true });
  }
  const keep = ['kernel_skbs', 'kernel_tap_packets', 'kernel_tap_ring_full', 'kernel_events', 'kernel_event_ring_full', 'kernel_flow_map_full',
    'flow_drains', 'flow_drain_ms_max', 'packets_read', 'ring_records'];
  const agentCounters = Object.fromEntries(keep.filter((k) => counters[k] !== undefined).map((k) => [k, counters[k]!]));
  return { payloadBytes: payload, agentArgs, idleCpuPct, idleS, rows, agentCounters, errors };
}

// ── 3. tap records into JS ─────────────────────────────────────────────────────────────────────
function countingSink(): Sink & { records: number } {
  const s = { name: 'count', records: 0, write(batch: readonly unknown[]): void { s.records += batch.length; }, async flush(): Promise<void> {}, async close(): Promise<void> {} };
  return s;
}

function agentOptions(net: TestNet, extra: Partial<AgentOptions>): AgentOptions {
  return {
    source: 'ebpf', netns: [net.a.name], ifaces: [net.a.iface], sinks: [countingSink()],
    flowIdleMs: 600_000, flowActiveMs: 3_600_000, statsIntervalMs: 0,
    drainIntervalMs: 1000, rescanIntervalMs: 3_600_000,
    tapFirstPackets: 0, snaplen: 128, flowEntries: 16_384, dissect: false,
    info: () => undefined, warn: (line) => log(`agent warning: ${line}`),
    ...extra,
  };
}

async function benchTap(net: TestNet, helper: string, seconds: number): Promise<TapResult> {
  const { spawnIn, exec } = await import('../test/support/netns.js');
  const { KernelSensor } = await import('../src/capture/index.js');
  const { loadBridge } = await import('../src/native/index.js');
  const { Agent } = await import('../src/agent/index.js');
  const port = 7100;
  const snaplen = 128;
  const tapRingBytes = 8 << 20;
  const rule: PacketRule = { id: 1, action: 'tap', protocol: 17, portLow: port, portHigh: port, snaplen };
  const errors: string[] = [];
  const rows: TapRow[] = [];
  for (const path of ['sensor', 'agent'] as const) {
    const counts: number[] = [];
    let batches = 0;
    let lastBatch = 0;
    const onBatch = (batch: Buffer): void => { batches++; lastBatch = nowS(); countRingRecords(batch, counts); };
    let close: () => Promise<void>;
    let kernel: () => Record<string, number>;
    if (path === 'sensor') {
      const sensor = KernelSensor.open(loadBridge(), {
        flowEntries: 16_384, tapRingBytes, eventRingBytes: 1 << 16, flows: true, tap: true, block: false, tcpEvents: false, dropEvents: false,
      });
      const attachments: TcAttachment[] = [];
      try {
        for (const end of [net.a, net.b]) attachments.push(sensor.attach(end.path, end.ifindex));
        sensor.setTapRules([rule]);
        sensor.startRings(onBatch);
      } catch (error) {
        for (const att of attachments) { try { sensor.detach(att); } catch { /* gone */ } }
        await sensor.close();
        throw error;
      }
      kernel = () => sensor.counters();
      close = async () => {
        await sensor.stopRings();
        for (const att of attachments) { try { sensor.detach(att); } catch { /* gone */ } }
        await sensor.close();
      };
    } else {
      const agent = await Agent.start(agentOptions(net, {
        netns: [net.a.name, net.b.name], ifaces: [net.a.iface, net.b.iface], tapRules: [rule], tapRingBytes, onRingBatch: onBatch,
      }));
      kernel = () => agent.stats().counters;
      close = () => agent.stop();
    }
    const rx = await startReceiver(spawnIn(net.b, [helper, 'recv', net.b.ipv4, String(port), String((seconds + 10) * 1000)]));
    let sender: SenderReport | undefined;
    let counters: Record<string, number> = {};
    let t0 = 0;
    let tEnd = 0;
    try {
      t0 = nowS();
      const { stdout } = await exec(net.a, [helper, 'send', net.b.ipv4, String(port), String(port + 1), '64', '0', String(seconds * 1000), '64'],
        { timeoutMs: (seconds + 10) * 1000 });
      tEnd = nowS();
      sender = lastJsonLine<SenderReport>(stdout);
      counters = kernel(); // the programs ran in the sender's syscalls: final once it returned
    } catch (error) {
      errors.push(`${path}: ${(error as Error).message}`);
    } finally {
      await close(); // final ring drain: everything the kernel reserved reaches the callback
      await rx.stop();
    }
    if (!sender) continue;
    const delivered = counts[0] ?? 0;
    const ringFull = counters['kernel_tap_ring_full'] ?? 0;
    const kernelTapped = counters['kernel_tap_packets'] ?? 0;
    const window = Math.max(lastBatch, tEnd) - t0;
    rows.push({
      path, label: path === 'sensor' ? 'KernelSensor → callback' : 'Agent (+ decoder, pipeline)', seconds,
      sent: sender.sent, sentPps: sender.sent / (sender.elapsedNs / 1e9), delivered, eventsPerSec: delivered / window,
      ringFull, kernelTapped, otherRecords: counts.slice(1).reduce((a, b) => a + (b ?? 0), 0), batches,
      accounted: delivered + ringFull === 2 * sender.sent && delivered === kernelTapped,
      tailMs: Math.max(0, (lastBatch - tEnd) * 1000),
    });
    log(`tap ${path}: sent ${sender.sent}, delivered ${delivered}, ring full ${ringFull}`);
  }
  return { port, snaplen, tapRingBytes, rows, errors };
}

// ── 4. draining 100k flows ─────────────────────────────────────────────────────────────────────
async function benchDrain(net: TestNet, helper: string, reps: number): Promise<DrainResult> {
  const { exec } = await import('../test/support/netns.js');
  const { Agent } = await import('../src/agent/index.js');
  const flows = 100_000;
  const flowEntries = 131_072;
  const errors: string[] = [];
  const agent = await Agent.start(agentOptions(net, { flowEntries, drainIntervalMs: 3_600_000 }));
  try {
    // 2 source ports × 50 000 destination ports = 100 000 distinct 5-tuples on a's egress.
    const f0 = nowS();
    const { stdout } = await exec(net.a, [helper, 'spray', net.b.ipv4, '10000', String(flows / 2), '61000', '2', '16'], { timeoutMs: 30_000 });
    const fillS = nowS() - f0;
    const sent = lastJsonLine<SenderReport>(stdout).sent;
    await sleep(300);
    // The agent's sensor is private; the raw lookup reads the same map into buffers of its own.
    const sensor = (agent as unknown as { sensor?: KernelSensor }).sensor;
    if (sensor === undefined) throw new Error('the agent has no kernel sensor');
    const buffers = sensor.flowBuffers();
    const lookupMs: number[] = [];
    let entriesRead = 0;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      entriesRead = sensor.readFlows(buffers.keys, buffers.values);
      lookupMs.push(performance.now() - t);
    }
    let t = performance.now();
    agent.drainFlows();
    const firstDrainMs = performance.now() - t;
    const drainMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      t = performance.now();
      agent.drainFlows();
      drainMs.push(performance.now() - t);
    }
    const c = agent.stats().counters;
    const lookupMedianMs = median(lookupMs);
    const drainMedianMs = median(drainMs);
    return {
      flows, flowEntries, sent, entriesRead, mapFull: c['kernel_flow_map_full'] ?? 0,
      firstDrainMs, drainMs, drainMedianMs, drainUsPerFlow: (drainMedianMs * 1000) / Math.max(1, entriesRead),
      lookupMs, lookupMedianMs, lookupUsPerFlow: (lookupMedianMs * 1000) / Math.max(1, entriesRead), fillS, errors,
    };
  } finally {
    await agent.stop();
  }
}

// ── driver ─────────────────────────────────────────────────────────────────────────────────────
export interface LiveBenchOptions {
  quick: boolean;
  parts: readonly LivePart[];
  outDir: string;
  reps?: number;
  iperfSeconds?: number;
}

export async function runLiveBench(o: LiveBenchOptions): Promise<LiveBenchOutput> {
  const started = nowS();
  const out: LiveBenchOutput = {
    date: new Date().toISOString(), quick: o.quick, ok: true, durationS: 0,
    host: { cpus: cpus().length, loadavgBefore: loadavg()[0] ?? 0, loadavgAfter: 0, kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() },
    notes: [],
  };
  const done = (): LiveBenchOutput => {
    out.durationS = nowS() - started;
    out.host.loadavgAfter = loadavg()[0] ?? 0;
    return out;
  };
  if (process.getuid?.() !== 0) { out.skipped = 'needs root (network namespaces and eBPF)'; return done(); }
  const netns = await import('../test/support/netns.js');
  const why = netns.hasNetnsPrivileges();
  if (why) { out.skipped = why; return done(); }
  try {
    const { loadBridge } = await import('../src/native/index.js');
    const { probeCapabilities, defaultObjectPath } = await import('../src/capture/index.js');
    const caps = probeCapabilities(loadBridge(), undefined, defaultObjectPath());
    if (caps.source !== 'ebpf') { out.skipped = `no eBPF: ${caps.fallbackReason ?? caps.source}`; return done(); }
  } catch (error) {
    out.skipped = `no eBPF: ${(error as Error).message.split('\n')[0]}`;
    return done();
  }
  const reps = o.reps ?? (o.quick ? 2 : 5);
  const iperfSeconds = o.iperfSeconds ?? (o.quick ? 2 : 3);
  const helper = buildLiveUdp(o.outDir);
  const net = await netns.createTestNet({ gso: true });
  const guard = async (name: LivePart, fn: () => Promise<void>): Promise<void> => {
    if (!o.parts.includes(name)) return;
    try { await fn(); } catch (error) {
      out.ok = false;
      out.notes.push(`${name}: failed: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  try {
    await guard('iperf', async () => {
      if (!which('iperf3')) { out.notes.push('iperf3: not installed, throughput part skipped (apt-get install iperf3)'); return; }
      out.iperf = await benchIperf(net, o.outDir, reps, iperfSeconds);
      for (const e of out.iperf.errors) out.notes.push(`iperf3: ${e}`);
    });
    const needHelper = o.parts.some((p) => p !== 'iperf');
    if (needHelper && 'error' in helper) out.notes.push(`${helper.error}: rate, tap and drain parts skipped`);
    else if ('bin' in helper) {
      await guard('rate', async () => {
        out.rate = await benchRate(net, o.outDir, helper.bin, o.quick ? [50_000] : [50_000, 200_000], o.quick ? 2 : 5, o.quick ? 1 : 2, o.quick ? 1 : 2);
        for (const e of out.rate.errors) out.notes.push(`rate: ${e}`);
        if (out.rate.errors.length > 0 || out.rate.rows.some((r) => !r.exact)) out.ok = false;
      });
      await guard('tap', async () => {
        out.tap = await benchTap(net, helper.bin, o.quick ? 1 : 3);
        for (const e of out.tap.errors) out.notes.push(`tap: ${e}`);
        if (out.tap.errors.length > 0 || out.tap.rows.some((r) => !r.accounted)) out.ok = false;
      });
      await guard('drain', async () => {
        out.drain = await benchDrain(net, helper.bin, o.quick ? 3 : 5);
        if (out.drain.entriesRead < out.drain.flows || out.drain.sent !== out.drain.flows || out.drain.mapFull > 0) out.ok = false;
      });
    }
  } finally {
    await net.destroy();
  }
  return done();
}

// ── table ──────────────────────────────────────────────────────────────────────────────────────
function f(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}
function kpps(n: number): string { return Number.isFinite(n) ? `${(n / 1000).toFixed(1)}k` : '–'; }

/** The compact table printed by `bench/run.ts` (and by this file without --json). */
export function formatLiveTable(r: LiveBenchOutput): string {
  const lines: string[] = [];
  lines.push(`── live agent (eBPF, veth between two namespaces, ${r.host.cpus} CPUs, kernel ${r.host.kernel}; ${r.durationS.toFixed(0)} s` +
    `${r.quick ? ', --quick' : ''})`);
  if (r.skipped) { lines.push(`  skipped: ${r.skipped}`); return lines.join('\n'); }
  const ip = r.iperf;
  if (ip) {
    lines.push(`  iperf3 TCP a→b, ${ip.reps} × ${ip.seconds} s per mode, interleaved (receiver's Gbit/s)`);
    lines.push(`    ${'mode'.padEnd(22)} ${'median'.padStart(7)} ${'min'.padStart(6)} ${'max'.padStart(6)}  ${'agent CPU %'.padStart(11)} ` +
      `${'events/s'.padStart(8)}  samples`);
    for (const m of ip.modes) {
      lines.push(`    ${m.label.padEnd(22)} ${f(m.medianGbps, 2).padStart(7)} ${f(m.minGbps, 2).padStart(6)} ${f(m.maxGbps, 2).padStart(6)}  ` +
        `${f(m.agentCpuMedianPct).padStart(11)} ${f(m.agentEventsPerSec ? median(m.agentEventsPerSec) : null, 0).padStart(8)}  ` +
        `${m.samplesGbps.map((x) => f(x, 1)).join(' ')}`);
    }
    const cost = (x: number): string => (Number.isFinite(x) ? `${((1 - x) * 100).toFixed(1)} %` : '–');
    lines.push(`    agent/none ${f(ip.ratioAgent, 3)} (cost ${cost(ip.ratioAgent)}, target < 5 %; paired ${f(ip.pairedRatioAgent, 3)}), ` +
      `agent+tap/none ${f(ip.ratioAgentTap, 3)} (cost ${cost(ip.ratioAgentTap)}; paired ${f(ip.pairedRatioAgentTap, 3)})`);
    for (const n of ip.noiseNotes) lines.push(`    note: ${n}`);
  }
  const rt = r.rate;
  if (rt) {
    lines.push(`  UDP at a fixed rate, ${rt.payloadBytes}-byte datagrams a→b, agent (${rt.agentArgs.join(' ')}) on both namespaces; idle agent ${f(rt.idleCpuPct, 2)} % CPU`);
    lines.push(`    ${'target'.padStart(8)} ${'sent/s'.padStart(8)} ${'sent'.padStart(9)} ${'received'.padStart(9)}  ${'agent CPU %'.padStart(11)}  ` +
      `${'flow packets a / b'.padStart(19)}  = sent  sender µs/datagram (no agent → agent)`);
    for (const x of rt.rows) {
      lines.push(`    ${kpps(x.targetPps).padStart(8)} ${kpps(x.sentPps).padStart(8)} ${String(x.sent).padStart(9)} ${String(x.received).padStart(9)}  ` +
        `${f(x.agentCpuPct, 2).padStart(11)}  ${`${x.flowPacketsA} / ${x.flowPacketsB}`.padStart(19)}  ${(x.exact ? 'yes' : 'NO').padEnd(5)} ` +
        ` ${f(x.senderUsPerPacketNoAgent, 2)} → ${f(x.senderUsPerPacket, 2)}`);
    }
  }
  const tp = r.tap;
  if (tp) {
    lines.push(`  tap records into JS: UDP flood a→b (64-byte datagrams, max rate), tap rule proto 17 port ${tp.port} snaplen ${tp.snaplen}, ` +
      `ring ${tp.tapRingBytes >> 20} MiB; each datagram tapped at a's egress and b's ingress`);
    lines.push(`    ${'path'.padEnd(28)} ${'sent/s'.padStart(8)} ${'delivered/s'.padStart(11)} ${'sent'.padStart(9)} ${'delivered'.padStart(9)} ` +
      `${'ring full'.padStart(9)}  delivered+full = 2×sent`);
    for (const x of tp.rows) {
      lines.push(`    ${x.label.padEnd(28)} ${kpps(x.sentPps).padStart(8)} ${kpps(x.eventsPerSec).padStart(11)} ${String(x.sent).padStart(9)} ` +
        `${String(x.delivered).padStart(9)} ${String(x.ringFull).padStart(9)}  ${x.accounted ? 'yes' : 'NO'}` +
        `${x.otherRecords ? `  (+${x.otherRecords} event records)` : ''}`);
    }
    if (tp.rows.length > 0 && tp.rows.every((x) => x.ringFull === 0)) {
      lines.push('    no ring-full: JS kept up with the sender, so delivered/s is a lower bound of what it can take (the sender is the limit)');
    }
  }
  const d = r.drain;
  if (d) {
    lines.push(`  flow drain: ${d.entriesRead} entries in the kernel map (${d.sent} flows sent, flowEntries ${d.flowEntries}${d.mapFull ? `, ${d.mapFull} map full` : ''})`);
    lines.push(`    Agent.drainFlows(): first ${f(d.firstDrainMs)} ms, then median ${f(d.drainMedianMs)} ms (${f(d.drainUsPerFlow, 2)} µs/flow; ` +
      `${d.drainMs.map((x) => f(x, 0)).join(' ')} ms)`);
    lines.push(`    mapLookupBatch alone: median ${f(d.lookupMedianMs)} ms (${f(d.lookupUsPerFlow, 2)} µs/flow; ${d.lookupMs.map((x) => f(x, 0)).join(' ')} ms)`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (r.host.loadavgBefore > r.host.cpus || r.host.loadavgAfter > r.host.cpus) {
    lines.push(`  note: load average ${r.host.loadavgBefore.toFixed(1)} → ${r.host.loadavgAfter.toFixed(1)} on ${r.host.cpus} CPUs: other work was running, figures are noisy`);
  }
  if (!r.ok) lines.push('  LIVE CHECKS FAILED (see above)');
  return lines.join('\n');
}

/** Parses `--parts a,b` (all when undefined). */
export function parseParts(spec: string | undefined): LivePart[] {
  if (spec === undefined) return [...LIVE_PARTS];
  const out: LivePart[] = [];
  for (const p of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!LIVE_PARTS.includes(p as LivePart)) throw new Error(`unknown live part '${p}' (known: ${LIVE_PARTS.join(', ')})`);
    out.push(p as LivePart);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' }, quick: { type: 'boolean' }, parts: { type: 'string' }, reps: { type: 'string' },
      'iperf-seconds': { type: 'string' }, 'out-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: node dist/bench/live.bench.js [--json] [--quick] [--parts ${LIVE_PARTS.join(',')}] [--reps N] [--iperf-seconds S] [--out-dir DIR]\n`);
    return 0;
  }
  const r = await runLiveBench({
    quick: values.quick === true,
    parts: parseParts(values.parts),
    outDir: resolve(values['out-dir'] ?? join(ROOT, 'bench', 'out')),
    ...(values.reps !== undefined && { reps: Math.max(1, Number(values.reps)) }),
    ...(values['iperf-seconds'] !== undefined && { iperfSeconds: Math.max(1, Number(values['iperf-seconds'])) }),
  });
  process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${formatLiveTable(r)}\n`);
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`bench: live: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}

