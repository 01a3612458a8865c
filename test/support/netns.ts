/**
 * Test support: real network namespaces joined by a veth pair, for tests of the live agent.
 *
 * `createTestNet()` makes two namespaces `weft-t<pid>-<k>-a` / `-b` joined by `wa<k>` ↔ `wb<k>`,
 * addressed 10.202.<k>.1/24 ↔ .2 (and fd00:202:<k>::1/64 ↔ ::2 when ipv6). The link is made
 * *silent*: nothing crosses it except what a test sends —
 * - ARP is off on both veths (`arp off`, IFF_NOARP) and each end has a PERMANENT neighbour entry
 *   for its peer, so there are no ARP requests or IPv6 neighbour solicitations at all;
 * - ipv6 false: `disable_ipv6=1` (all + default) in both namespaces, set before the veth exists;
 * - TCP: tail-loss probes off (`net.ipv4.tcp_early_retrans=0`), see createTestNet;
 * - ipv6 true: `addrgenmode none` (no fe80:: link-local, hence no router solicitations), global
 *   addresses `nodad` (no DAD probes), accept_ra=0 / router_solicitations=0, and IFF_NOARP also
 *   keeps the kernel from joining solicited-node groups, which is what silences the MLDv2 reports
 *   (`:: → ff02::16`, 2 per end) that `addrgenmode none` alone still sends.
 * `k` (1…250) is claimed atomically across processes with an O_EXCL file under /run, so
 * concurrent test processes never share a subnet. Every namespace name carries the creating pid:
 * the first `createTestNet()` of a process deletes `weft-t*` namespaces (and claims) whose pid is
 * dead. `destroy()` kills the children started with `spawnIn`, deletes both namespaces and frees
 * the claim; it also runs (synchronously) on process exit, SIGINT and SIGTERM.
 */
import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface NetnsEnd {
  /** Namespace name, as `ip netns` knows it. */
  name: string;
  /** /var/run/netns/<name> — the bind mount that keeps the namespace alive. */
  path: string;
  /** The veth end inside this namespace (`wa<k>` or `wb<k>`). */
  iface: string;
  ipv4: string;
  ipv6?: string;
  /** ifindex of `iface` inside the namespace. */
  ifindex: number;
  /** stat(path).ino — the namespace's inode number (= readlink /proc/<pid>/ns/net of its processes, net->ns.inum in BPF). */
  inode: number;
  /** MAC address of `iface`. */
  mac: string;
}

export interface TestNet {
  k: number;
  a: NetnsEnd;
  b: NetnsEnd;
  mtu: number;
  gso: boolean;
  ipv6: boolean;
  destroy(): Promise<void>;
}

export interface TestNetOptions {
  /** false: tso, gso, gro, tx-udp-segmentation (and ufo when present) off on both veths. Default true (kernel defaults). */
  gso?: boolean;
  /** Also configure fd00:202:<k>::1/::2 (default false: IPv6 disabled in both namespaces). */
  ipv6?: boolean;
  /** veth MTU (default 1500). */
  mtu?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface LinkCounters {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
}

export const NETNS_DIR = '/var/run/netns';
const CLAIM_DIR = '/run/weft-test-netns';
const NAME_RE = /^weft-t(\d+)-(\d+)-[ab]$/;
const CLAIM_RE = /^k(\d+)$/;
const K_MIN = 1;
const K_MAX = 250;
const COMMAND_TIMEOUT_MS = 10_000;

let privileges: { reason: string | undefined } | undefined;

/** undefined when this process is root and can create and delete a namespace; else why not (one line). */
export function hasNetnsPrivileges(): string | undefined {
  if (privileges) return privileges.reason;
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = `network namespaces need Linux (platform ${process.platform})`;
  else if (process.getuid?.() !== 0) reason = 'network namespace tests need root';
  else {
    const probe = `weft-t${process.pid}-probe`;
    const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
    if (add.error) reason = `cannot run ip (iproute2): ${add.error.message}`;
    else if (add.status !== 0) reason = `ip netns add failed: ${oneLine(add.stderr)}`;
    else {
      const del = spawnSync('ip', ['netns', 'del', probe], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
      if (del.status !== 0) reason = `ip netns del failed: ${oneLine(del.stderr)}`;
    }
  }
  privileges = { reason };
  return reason;
}

/** Whether a command is on PATH (checked with `command -v`). */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a host command; rejects (with its stderr) on a non-zero exit or after timeoutMs. */
export function run(argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new Error('run: empty argv'));
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `killed after ${options.timeoutMs ?? COMMAND_TIMEOUT_MS} ms` : `exit ${String(err.code)}`;
          reject(new Error(`${argv.join(' ')}: ${why}: ${oneLine(stderr) || err.message}`));
        } else resolve({ stdout, stderr });
      });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs argv inside namespace `ns` (`ip netns exec`). */
export function exec(ns: string | NetnsEnd, argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return run(['ip', 'netns', 'exec', nsName(ns), ...argv], options);
}

/** Children started by spawnIn, with the namespace each runs in. */
const children = new Map<ChildProcess, string>();

/**
 * Starts argv inside namespace `ns` (`ip netns exec` execs it, so child.pid is the command's pid).
 * The child is tracked: killed by `killSpawned()`, by every TestNet's destroy() and on process exit.
 */
export function spawnIn(ns: string | NetnsEnd, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
  installExitHooks();
  const child = spawn('ip', ['netns', 'exec', nsName(ns), ...argv], { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  children.set(child, nsName(ns));
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/** SIGKILLs the children started by spawnIn that still run (only those in namespaces `only`, when given). */
export function killSpawned(only?: readonly string[]): void {
  for (const [child, ns] of [...children]) {
    if (only && !only.includes(ns)) continue;
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
    children.delete(child);
  }
}

/** rx/tx counters of `iface` in `ns`, from `ip -s -j link`. */
export async function linkCounters(ns: string | NetnsEnd, iface: string): Promise<LinkCounters> {
  const { stdout } = await run(['ip', '-n', nsName(ns), '-s', '-j', 'link', 'show', 'dev', iface]);
  const parsed = JSON.parse(stdout) as Array<{ stats64?: { rx: Record<string, number>; tx: Record<string, number> } }>;
  const s = parsed[0]?.stats64;
  if (!s) throw new Error(`linkCounters: no stats64 for ${iface} in ${nsName(ns)}`);
  return {
    rxPackets: s.rx['packets'] ?? 0, rxBytes: s.rx['bytes'] ?? 0, rxDropped: s.rx['dropped'] ?? 0,
    txPackets: s.tx['packets'] ?? 0, txBytes: s.tx['bytes'] ?? 0, txDropped: s.tx['dropped'] ?? 0,
  };
}

/** `ethtool -k iface` in ns as { feature: { on, fixed } }. Rejects when ethtool is missing. */
export async function offloads(ns: string | NetnsEnd, iface: string): Promise<Record<string, { on: boolean; fixed: boolean }>> {
  const { stdout } = await exec(ns, ['ethtool', '-k', iface]);
  const out: Record<string, { on: boolean; fixed: boolean }> = {};
  for (const line of stdout.split('\n')) {
    const m = /^\s*([a-z0-9_-]+):\s+(on|off)(\s+\[(?:fixed|requested \w+)\])?/.exec(line);
    if (m) out[m[1]!] = { on: m[2] === 'on', fixed: m[3]?.includes('fixed') ?? false };
  }
  return out;
}

/** The ethtool -K features `gso: false` turns off (ufo only exists on old kernels and is skipped when absent). */
export const OFFLOAD_FEATURES = ['tso', 'gso', 'gro', 'tx-udp-segmentation', 'ufo'] as const;
/** The `ethtool -k` names of OFFLOAD_FEATURES. */
export const OFFLOAD_NAMES: Record<(typeof OFFLOAD_FEATURES)[number], string> = {
  tso: 'tcp-segmentation-offload', gso: 'generic-segmentation-offload', gro: 'generic-receive-offload',
  'tx-udp-segmentation': 'tx-udp-segmentation', ufo: 'udp-fragmentation-offload',
};

interface Live {
  names: string[];
  claim: string;
  destroyed: boolean;
}
const live = new Set<Live>();
let kCounter = 0;
let swept = false;

/** Creates two namespaces joined by a silent veth pair (see the file comment). */
export async function createTestNet(options: TestNetOptions = {}): Promise<TestNet> {
  const reason = hasNetnsPrivileges();
  if (reason) throw new Error(`createTestNet: ${reason}`);
  const gso = options.gso ?? true;
  const ipv6 = options.ipv6 ?? false;
  const mtu = options.mtu ?? 1500;
  if (!Number.isInteger(mtu) || mtu < (ipv6 ? 1280 : 576) || mtu > 65535) throw new Error(`createTestNet: bad mtu ${mtu}`);
  if (!gso && !hasCommand('ethtool')) throw new Error('createTestNet: gso: false needs ethtool (Debian package ethtool; scripts/setup.sh installs it)');
  installExitHooks();
  if (!swept) { swept = true; sweepStaleNamespaces(); }

  const { k, claim } = claimK();
  const nsA = `weft-t${process.pid}-${k}-a`;
  const nsB = `weft-t${process.pid}-${k}-b`;
  const wa = `wa${k}`;
  const wb = `wb${k}`;
  const entry: Live = { names: [], claim, destroyed: false };
  live.add(entry);
  const destroy = async (): Promise<void> => destroyLive(entry);
  try {
    for (const ns of [nsA, nsB]) {
      await run(['ip', 'netns', 'add', ns]);
      entry.names.push(ns);
      // tcp_early_retrans=0: no tail-loss probes. A spurious TLP (fired when a delayed ACK outlasts
      // 2·srtt + 2 jiffies, easy on a busy CPU) is a retransmission whose DSACK adds 12 bytes to
      // one ACK — workload.ts's truth would then be inexact.
      const sysctls = ['net.ipv4.tcp_early_retrans=0', ...ipv6
        ? ['net.ipv6.conf.all.accept_ra=0', 'net.ipv6.conf.default.accept_ra=0', 'net.ipv6.conf.all.router_solicitations=0',
          'net.ipv6.conf.default.router_solicitations=0', 'net.ipv6.conf.all.dad_transmits=0', 'net.ipv6.conf.default.dad_transmits=0']
        : ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']];
      await exec(ns, ['sysctl', '-q', '-w', ...sysctls]);
      await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await run(['ip', 'link', 'add', wa, 'netns', nsA, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', wb, 'netns', nsB, 'mtu', String(mtu)]);
    const v4 = (h: number): string => `10.202.${k}.${h}`;
    const v6 = (h: number): string => `fd00:202:${k}::${h}`;
    for (const [ns, dev, h] of [[nsA, wa, 1], [nsB, wb, 2]] as const) {
      await run(['ip', '-n', ns, 'link', 'set', dev, 'arp', 'off', ...(ipv6 ? ['addrgenmode', 'none'] : [])]);
      await run(['ip', '-n', ns, 'addr', 'add', `${v4(h)}/24`, 'dev', dev]);
      if (ipv6) await run(['ip', '-n', ns, 'addr', 'add', `${v6(h)}/64`, 'dev', dev, 'nodad']);
    }
    const ends: NetnsEnd[] = [];
    for (const [ns, dev, h] of [[nsA, wa, 1], [nsB, wb, 2]] as const) {
      const { stdout } = await run(['ip', '-n', ns, '-j', 'link', 'show', 'dev', dev]);
      const info = (JSON.parse(stdout) as Array<{ ifindex: number; address: string }>)[0];
      if (!info) throw new Error(`createTestNet: ${dev} missing in ${ns}`);
      const path = join(NETNS_DIR, ns);
      ends.push({ name: ns, path, iface: dev, ipv4: v4(h), ...(ipv6 ? { ipv6: v6(h) } : {}), ifindex: info.ifindex, inode: statSync(path).ino, mac: info.address });
    }
    const [a, b] = ends as [NetnsEnd, NetnsEnd];
    for (const [self, peer] of [[a, b], [b, a]] as const) {
      await run(['ip', '-n', self.name, 'neigh', 'replace', peer.ipv4, 'lladdr', peer.mac, 'dev', self.iface, 'nud', 'permanent']);
      if (peer.ipv6) await run(['ip', '-n', self.name, 'neigh', 'replace', peer.ipv6, 'lladdr', peer.mac, 'dev', self.iface, 'nud', 'permanent']);
    }
    if (!gso) {
      for (const end of [a, b]) {
        const present = await offloads(end, end.iface);
        for (const f of OFFLOAD_FEATURES) {
          const state = present[OFFLOAD_NAMES[f]];
          if (!state || state.fixed) continue;
          await exec(end, ['ethtool', '-K', end.iface, f, 'off']);
        }
      }
    }
    for (const end of [a, b]) await run(['ip', '-n', end.name, 'link', 'set', end.iface, 'up']);
    return { k, a, b, mtu, gso, ipv6, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/** Destroys every TestNet of this process (and kills spawned children). */
export async function destroyAll(): Promise<void> {
  for (const entry of [...live]) await destroyLive(entry);
}

/**
 * Deletes `weft-t<pid>-*` namespaces and k claims whose pid is no longer running (left by a
 * killed test process). Returns the namespace names deleted.
 */
export function sweepStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const name of listDir(NETNS_DIR)) {
    const m = NAME_RE.exec(name) ?? /^weft-t(\d+)-probe$/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const r = spawnSync('ip', ['netns', 'del', name], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
    if (r.status === 0) removed.push(name);
  }
  for (const name of listDir(CLAIM_DIR)) {
    if (!CLAIM_RE.test(name)) continue;
    const file = join(CLAIM_DIR, name);
    const pid = readClaimPid(file);
    if (pid !== undefined && !pidAlive(pid)) tryUnlink(file);
  }
  return removed;
}

/** Namespaces named weft-t* currently present (for tests that check nothing is left over). */
export function listTestNamespaces(pid?: number): string[] {
  return listDir(NETNS_DIR).filter((n) => {
    const m = NAME_RE.exec(n);
    return m !== null && (pid === undefined || Number(m[1]) === pid);
  });
}

async function destroyLive(entry: Live): Promise<void> {
  if (entry.destroyed) return;
  entry.destroyed = true;
  killSpawned(entry.names);
  const errors: string[] = [];
  for (const ns of entry.names) {
    try {
      await killNamespacePids(ns);
      await run(['ip', 'netns', 'del', ns]);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  tryUnlink(entry.claim);
  live.delete(entry);
  if (errors.length) throw new Error(`TestNet.destroy: ${errors.join('; ')}`);
}

/** SIGKILLs any process still inside namespace ns (ones not started by spawnIn, e.g. by exec). */
async function killNamespacePids(ns: string): Promise<void> {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
    if (pid !== process.pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
}

function destroyAllSync(): void {
  killSpawned();
  for (const entry of [...live]) {
    if (entry.destroyed) continue;
    entry.destroyed = true;
    for (const ns of entry.names) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
      for (const pid of (pids.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
        if (pid !== process.pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      }
      spawnSync('ip', ['netns', 'del', ns], { timeout: COMMAND_TIMEOUT_MS });
    }
    tryUnlink(entry.claim);
    live.delete(entry);
  }
}

let hooked = false;
function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', destroyAllSync);
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(sig, () => {
      destroyAllSync();
      process.exit(code);
    });
  }
}

function claimK(): { k: number; claim: string } {
  mkdirSync(CLAIM_DIR, { recursive: true });
  const span = K_MAX - K_MIN + 1;
  const start = process.pid % 200;
  for (let i = 0; i < span; i++) {
    const k = K_MIN + ((start + kCounter + i) % span);
    const file = join(CLAIM_DIR, `k${k}`);
    if (tryClaim(file) || (staleClaim(file) && (tryUnlink(file), tryClaim(file)))) {
      // A namespace of another (live) process may still use this k if its claim was lost; skip it.
      if (listDir(NETNS_DIR).some((n) => { const m = NAME_RE.exec(n); return m !== null && Number(m[2]) === k; })) {
        tryUnlink(file);
        continue;
      }
      kCounter = (kCounter + i + 1) % span;
      return { k, claim: file };
    }
  }
  throw new Error(`createTestNet: all ${span} subnets 10.202.${K_MIN}-${K_MAX}.0/24 are in use`);
}

function tryClaim(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

function staleClaim(file: string): boolean {
  const pid = readClaimPid(file);
  return pid !== undefined && !pidAlive(pid);
}

function readClaimPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listDir(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

function tryUnlink(file: string): void {
  try { unlinkSync(file); } catch { /* gone */ }
}

function nsName(ns: string | NetnsEnd): string {
  return typeof ns === 'string' ? ns : ns.name;
}

function oneLine(s: string | undefined): string {
  return (s ?? '').trim().split('\n').filter(Boolean).pop() ?? '';
}
