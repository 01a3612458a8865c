/**
 * Test support: workloads between the two namespaces of a TestNet (test/support/netns.ts), with the
 * exact ground truth of what went on the wire, per flow and direction: packets and IP bytes (IP
 * total length summed over every packet — SYN, data, ACKs, RST).
 *
 * The generator (workload-gen.ts) runs server roles in b and client roles in a, each under
 * `ip netns exec`; servers signal readiness before the client starts; after timeoutMs (default
 * 10 s) both children are killed and the call rejects with a message naming the pending step.
 *
 * TCP truth (GSO/TSO-proof — packets counted by the kernel per MSS segment, not per skb):
 *   each connection: client sends `request` bytes, server reads them all and sends `response`
 *   bytes, client reads them all; the client then waits for quiescence (counters unchanged ≥300 ms,
 *   longer than the 200 ms delayed-ACK maximum; all its data acked), samples its socket with
 *   `ss -tinH` and ends the connection with an RST (SO_LINGER 0, `resetAndDestroy()`): exactly one
 *   packet client→server, nothing back, no FINs.
 *     client→server packets = client segs_out + 1 (the RST)
 *     server→client packets = client segs_in            (includes the SYN-ACK)
 *     bytes = packets × IP header (20 | 40)
 *           + first packet's TCP header (SYN | SYN-ACK, see tcpHeaderLengths)
 *           + (packets − 1) × TCP header of every other segment (20, or 32 with timestamps)
 *           + payload (sender's bytes_sent, which includes retransmissions)
 *   The server polls its own socket until the RST; its last sample must agree
 *   (server segs_out + 1 = client segs_in: the SYN-ACK belongs to the request socket;
 *   server segs_in = client segs_out; bytes both ways) and neither side may show retransmissions,
 *   DSACKs or out-of-order packets (which would mean loss and SACK blocks in some headers).
 *   Any disagreement is reported in `problems` and `exact` is false.
 * UDP truth: per datagram IP bytes = payload + 8 + IP header (28 / 48 total overhead); datagrams
 *   larger than MTU − overhead are rejected unless allowFragments, then counted as the kernel
 *   fragments them (fragment data multiple of 8 bytes; IPv6 adds an 8-byte fragment header).
 * DNS truth: the exchanges (id, name, qtype, rcode, answer) and the two UDP flows.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { hasCommand, run, spawnIn, type NetnsEnd, type TestNet } from './netns.js';
import type {
  DnsClientConfig, DnsExchange, DnsQuerySpec, DnsRoleTruth, DnsServerConfig, Role, RoleTruth, TcpClientConfig, TcpConnRecord,
  TcpConnSpec, TcpRoleTruth, TcpServerConfig, TcpSockCounters, TcpSysctls, UdpClientConfig, UdpRoleTruth, UdpServerConfig,
} from './workload-gen.js';

export type { DnsExchange, DnsQuerySpec, TcpConnSpec, TcpSockCounters } from './workload-gen.js';

export const GENERATOR = fileURLToPath(new URL('./workload-gen.js', import.meta.url));
export const DEFAULT_WORKLOAD_TIMEOUT_MS = 10_000;

export type Family = 4 | 6;

/** One direction of one flow, as on the wire. */
export interface FlowTruth {
  proto: 'tcp' | 'udp';
  family: Family;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  packets: number;
  /** Σ IP total length (IPv4 total length / IPv6 40 + payload length) over the packets. */
  bytes: number;
  /** Σ transport payload (TCP segment data incl. retransmissions; UDP datagram data). */
  payloadBytes: number;
}

export interface TcpHeaderLengths {
  /** TCP header of the client's SYN. */
  syn: number;
  /** TCP header of the server's SYN-ACK. */
  synAck: number;
  /** TCP header of every later segment (data, ACK, RST). */
  segment: number;
}

export interface TcpConnTruth {
  index: number;
  request: number;
  response: number;
  /** client → server, including the SYN and the final RST. */
  forward: FlowTruth;
  /** server → client, including the SYN-ACK. */
  reverse: FlowTruth;
  headers: TcpHeaderLengths;
  client: TcpSockCounters;
  server?: TcpSockCounters;
  exact: boolean;
  problems: string[];
}

export interface TcpWorkloadTruth {
  connections: TcpConnTruth[];
  /** forward and reverse of every connection, in order. */
  flows: FlowTruth[];
  exact: boolean;
  raw: { client: TcpRoleTruth; server: TcpRoleTruth };
}

export interface TcpWorkloadOptions {
  /** CPU to pin both roles to (default workloadCpu(net)); false: no pinning. */
  cpu?: number | false;
  connections: TcpConnSpec[];
  family?: Family;
  /** Server port in b (default 5201). */
  port?: number;
  /** Connection i uses client port basePort + i in a (default 40000). */
  basePort?: number;
  concurrency?: number;
  quiescenceMs?: number;
  timeoutMs?: number;
}

export interface UdpWorkloadOptions {
  /** CPU to pin both roles to (default workloadCpu(net)); false: no pinning. */
  cpu?: number | false;
  count: number;
  size: number;
  /** Server replies to every datagram with this many bytes. */
  replySize?: number;
  family?: Family;
  /** Server port in b (default 5301). */
  port?: number;
  srcPort?: number;
  /** Allow datagrams larger than one packet (default false: such sizes are rejected). */
  allowFragments?: boolean;
  burst?: number;
  gapMs?: number;
  timeoutMs?: number;
}

export interface UdpWorkloadTruth {
  forward: FlowTruth;
  /** Replies (packets 0 when none were asked for). */
  reverse: FlowTruth;
  flows: FlowTruth[];
  /** Datagrams the server received / the client received back (the wire carried forward/reverse). */
  serverReceived: number;
  clientReceived: number;
  /** IP packets per datagram (1 unless fragmented). */
  fragmentsPerDatagram: number;
  raw: { client: UdpRoleTruth; server: UdpRoleTruth };
}

export interface DnsWorkloadOptions {
  /** CPU to pin both roles to (default workloadCpu(net)); false: no pinning. */
  cpu?: number | false;
  queries: DnsQuerySpec[];
  family?: Family;
  /** Responder port in b (default 53). */
  port?: number;
  srcPort?: number;
  /** Address answered to A queries (default b's IPv4 address). */
  a?: string;
  /** Address answered to AAAA queries (default b's IPv6 address when the net has one). */
  aaaa?: string;
  timeoutMs?: number;
}

export interface DnsWorkloadTruth {
  exchanges: DnsExchange[];
  /** query flow (client → responder) and response flow. */
  forward: FlowTruth;
  reverse: FlowTruth;
  flows: FlowTruth[];
  raw: { client: DnsRoleTruth; server: DnsRoleTruth };
}

// ---------------------------------------------------------------------------------------------
// Truth formulas

export function ipHeaderLength(family: Family): number {
  return family === 4 ? 20 : 40;
}

/**
 * TCP header lengths as Linux builds them (tcp_syn_options / tcp_synack_options /
 * tcp_established_options): MSS 4; timestamps 12 (NOP NOP TS, or SACK_PERM folded into those two
 * bytes); window scale 4 (NOP WS); SACK_PERM alone 4 (NOP NOP SACK_PERM) when there are no timestamps.
 */
export function tcpHeaderLengths(client: TcpSysctls, server: TcpSysctls): TcpHeaderLengths {
  const on = (v: number): boolean => v > 0;
  const opts = (ts: boolean, ws: boolean, sack: boolean): number => 20 + 4 + (ts ? 12 : 0) + (ws ? 4 : 0) + (sack && !ts ? 4 : 0);
  const ts = on(client.timestamps) && on(server.timestamps);
  const ws = on(client.windowScaling) && on(server.windowScaling);
  const sack = on(client.sack) && on(server.sack);
  return {
    syn: opts(on(client.timestamps), on(client.windowScaling), on(client.sack)),
    synAck: opts(ts, ws, sack),
    segment: 20 + (ts ? 12 : 0),
  };
}

/** IP bytes of `packets` TCP packets: the first with header `first`, the rest with `rest`. */
export function tcpIpBytes(family: Family, packets: number, first: number, rest: number, payload: number): number {
  if (packets <= 0) return 0;
  return packets * ipHeaderLength(family) + first + (packets - 1) * rest + payload;
}

/** Truth of one connection from the client's and the server's records (see the file comment). */
export function tcpConnTruth(family: Family, spec: TcpConnSpec, client: TcpConnRecord, clientSys: TcpSysctls,
  server: TcpConnRecord | undefined, serverSys: TcpSysctls): TcpConnTruth {
  const problems: string[] = [];
  const cc = client.counters;
  if (!cc) throw new Error(`tcp connection ${client.index}: the client has no counters sample`);
  const sc = server?.counters;
  const headers = tcpHeaderLengths(clientSys, serverSys);
  const fwdPackets = cc.segsOut + 1;
  const revPackets = cc.segsIn;
  const forward: FlowTruth = {
    proto: 'tcp', family, src: client.local.address, sport: client.local.port, dst: client.remote.address, dport: client.remote.port,
    packets: fwdPackets, payloadBytes: cc.bytesSent, bytes: tcpIpBytes(family, fwdPackets, headers.syn, headers.segment, cc.bytesSent),
  };
  const revPayload = sc ? sc.bytesSent : cc.bytesReceived;
  const reverse: FlowTruth = {
    proto: 'tcp', family, src: client.remote.address, sport: client.remote.port, dst: client.local.address, dport: client.local.port,
    packets: revPackets, payloadBytes: revPayload, bytes: tcpIpBytes(family, revPackets, headers.synAck, headers.segment, revPayload),
  };
  if (client.error) problems.push(`client: ${client.error}`);
  if (server?.error) problems.push(`server: ${server.error}`);
  if (client.wrote !== spec.request || client.read !== spec.response) problems.push(`client wrote/read ${client.wrote}/${client.read}, expected ${spec.request}/${spec.response}`);
  if (cc.bytesSent !== spec.request || cc.bytesReceived !== spec.response) problems.push(`client bytes_sent/received ${cc.bytesSent}/${cc.bytesReceived}`);
  for (const [who, c] of [['client', cc], ['server', sc]] as const) {
    if (!c) continue;
    if (c.retransTotal || c.bytesRetrans || c.dsackDups || c.rcvOooPack) {
      problems.push(`${who}: retrans ${c.retransTotal} (${c.bytesRetrans} B), dsack ${c.dsackDups}, ooo ${c.rcvOooPack}: loss, some headers carry SACK blocks`);
    }
  }
  if (cc.pmtu && cc.advmss && cc.pmtu - ipHeaderLength(family) - cc.advmss !== headers.segment) {
    problems.push(`pmtu ${cc.pmtu} − IP − advmss ${cc.advmss} ≠ segment header ${headers.segment} (timestamps not as the sysctls say?)`);
  }
  for (const [who, s] of [['client', clientSys], ['server', serverSys]] as const) {
    if (s.ecn > 2) problems.push(`${who} net.ipv4.tcp_ecn=${s.ecn} (AccECN adds options this formula ignores)`);
  }
  if (!server) problems.push('server has no record of the connection');
  else if (!sc) problems.push('server has no counters sample');
  else {
    if (sc.segsOut + 1 !== cc.segsIn) problems.push(`server segs_out ${sc.segsOut} + 1 (SYN-ACK) ≠ client segs_in ${cc.segsIn}`);
    if (sc.segsIn !== cc.segsOut) problems.push(`server segs_in ${sc.segsIn} ≠ client segs_out ${cc.segsOut}`);
    if (sc.bytesSent !== cc.bytesReceived || sc.bytesReceived !== cc.bytesSent) problems.push(`bytes disagree: server sent/received ${sc.bytesSent}/${sc.bytesReceived}, client ${cc.bytesSent}/${cc.bytesReceived}`);
  }
  return { index: client.index, request: spec.request, response: spec.response, forward, reverse, headers, client: cc, ...(sc ? { server: sc } : {}), exact: problems.length === 0, problems };
}

/** IP packets and bytes of one UDP datagram of `size` payload bytes on a link of `mtu`. */
export function udpDatagramWire(family: Family, size: number, mtu: number): { packets: number; bytes: number } {
  const ip = ipHeaderLength(family);
  const l4 = size + 8;
  if (ip + l4 <= mtu) return { packets: 1, bytes: ip + l4 };
  const fragHeader = family === 6 ? 8 : 0;
  const perFragment = Math.floor((mtu - ip - fragHeader) / 8) * 8;
  const packets = Math.ceil(l4 / perFragment);
  return { packets, bytes: l4 + packets * (ip + fragHeader) };
}

// ---------------------------------------------------------------------------------------------
// Running roles

interface RoleHandle {
  ready: Promise<{ port: number }>;
  truth: Promise<RoleTruth>;
  /** Rejects when the role fails (error line, exit without truth, spawn error); never resolves. */
  failed: Promise<never>;
  exited: Promise<void>;
  /** Closes the role's stdin (servers then report and exit). */
  finish(): void;
  kill(): void;
  stderr(): string;
}

/** The generator's own deadline, a backstop behind the API's (which kills it first). */
const GENERATOR_GRACE_MS = 2000;

function startRole(end: NetnsEnd, role: Role, cfg: object, timeoutMs: number, cpu: number | undefined): RoleHandle {
  if (!existsSync(GENERATOR)) throw new Error(`workload: ${GENERATOR} missing (run tsc first)`);
  const pin = cpu === undefined ? [] : ['taskset', '-c', String(cpu)];
  const child = spawnIn(end, [...pin, process.execPath, GENERATOR, role, JSON.stringify({ ...cfg, timeoutMs: timeoutMs + GENERATOR_GRACE_MS })]);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-2000); });
  let resolveReady!: (v: { port: number }) => void;
  let resolveTruth!: (v: RoleTruth) => void;
  const rejects: Array<(e: Error) => void> = [];
  const ready = new Promise<{ port: number }>((res, rej) => { resolveReady = res; rejects.push(rej); });
  const truth = new Promise<RoleTruth>((res, rej) => { resolveTruth = res; rejects.push(rej); });
  const failed = new Promise<never>((_, rej) => { rejects.push(rej); });
  // Any of them may be left unobserved when something else fails first.
  for (const p of [ready, truth, failed]) p.catch(() => undefined);
  let failure: Error | undefined;
  const rejectAll = (e: Error): void => { failure ??= e; for (const r of rejects) r(failure); };
  const why = (msg: string): Error => new Error(`workload ${role} in ${end.name}: ${msg}${stderr.trim() ? `; stderr: ${stderr.trim()}` : ''}`);
  const lines = createInterface({ input: child.stdout! });
  let got: RoleTruth | undefined;
  lines.on('line', (line) => {
    let msg: { event?: string; port?: number; message?: string };
    try { msg = JSON.parse(line) as typeof msg; } catch { return; }
    if (msg.event === 'ready') resolveReady({ port: msg.port ?? 0 });
    else if (msg.event === 'truth') { got = msg as RoleTruth; resolveTruth(got); }
    else if (msg.event === 'error') rejectAll(why(msg.message ?? 'failed'));
  });
  child.once('error', (err) => rejectAll(why(`cannot start: ${err.message}`)));
  const exited = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      // Let readline deliver the last line first.
      setImmediate(() => {
        if (!got) rejectAll(why(`exited (${signal ?? code}) without a truth line`));
        res();
      });
    });
  });
  return {
    ready, truth, failed, exited,
    finish: () => { child.stdin?.end(); },
    kill: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
    stderr: () => stderr.trim(),
  };
}

/**
 * CPU both roles of a workload run on (taskset): with sender, receiver and their softirqs on one
 * CPU, veth delivers in order (across CPUs the per-CPU backlogs reorder segments, which can put
 * SACK blocks in ACKs). One CPU per TestNet, spread by k.
 */
export function workloadCpu(net: TestNet): number {
  return net.k % Math.max(1, availableParallelism());
}

/**
 * Runs server (in b) and client (in a); returns both truths once both processes exited (so the
 * client's last packet, e.g. its RST, is on the wire). After timeoutMs, or when either role fails,
 * both are killed and the call rejects naming the roles and the step that was pending.
 */
async function runPair<S extends RoleTruth, C extends RoleTruth>(net: TestNet, serverRole: Role, serverCfg: object,
  clientRole: Role, clientCfg: object, timeoutMs: number, cpu: number | false | undefined): Promise<{ server: S; client: C }> {
  const pin = cpu === false ? undefined : cpu ?? workloadCpu(net);
  let step = `starting ${serverRole} in ${net.b.name}`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`workload ${serverRole} + ${clientRole}: timed out after ${timeoutMs} ms while ${step}; killed both`)), timeoutMs);
  });
  timeout.catch(() => undefined);
  const server = startRole(net.b, serverRole, serverCfg, timeoutMs, pin);
  let client: RoleHandle | undefined;
  try {
    step = `waiting for ${serverRole} in ${net.b.name} to be ready`;
    await Promise.race([server.ready, timeout]);
    client = startRole(net.a, clientRole, clientCfg, timeoutMs, pin);
    step = `waiting for ${clientRole} in ${net.a.name}`;
    const c = (await Promise.race([client.truth, server.failed, timeout])) as C;
    await Promise.race([client.exited, timeout]);
    step = `waiting for ${serverRole} in ${net.b.name} to report`;
    server.finish();
    const s = (await Promise.race([server.truth, timeout])) as S;
    await Promise.race([server.exited, timeout]);
    return { server: s, client: c };
  } finally {
    clearTimeout(timer);
    server.kill();
    client?.kill();
  }
}

function familyOf(net: TestNet, family: Family | undefined): { family: Family; a: string; b: string } {
  const f = family ?? 4;
  if (f === 6) {
    if (!net.a.ipv6 || !net.b.ipv6) throw new Error('workload: family 6 needs createTestNet({ ipv6: true })');
    return { family: 6, a: net.a.ipv6, b: net.b.ipv6 };
  }
  return { family: 4, a: net.a.ipv4, b: net.b.ipv4 };
}

/** TCP connections of known sizes (client in a, server in b); see the file comment for the truth. */
export async function runTcpWorkload(net: TestNet, options: TcpWorkloadOptions): Promise<TcpWorkloadTruth> {
  const { family, a, b } = familyOf(net, options.family);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WORKLOAD_TIMEOUT_MS;
  const port = options.port ?? 5201;
  const basePort = options.basePort ?? 40000;
  if (options.connections.length === 0) throw new Error('runTcpWorkload: no connections');
  const serverCfg: TcpServerConfig = { bind: b, port, connections: options.connections, clientBasePort: basePort };
  const clientCfg: TcpClientConfig = {
    src: a, dst: b, port, basePort, connections: options.connections,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.quiescenceMs !== undefined ? { quiescenceMs: options.quiescenceMs } : {}),
  };
  const { server, client } = await runPair<TcpRoleTruth, TcpRoleTruth>(net, 'tcp-server', serverCfg, 'tcp-client', clientCfg, timeoutMs, options.cpu);
  const connections = client.connections.map((c) => tcpConnTruth(family, options.connections[c.index]!, c, client.sysctls,
    server.connections.find((s) => s.index === c.index), server.sysctls));
  return {
    connections,
    flows: connections.flatMap((c) => [c.forward, c.reverse]),
    exact: connections.every((c) => c.exact),
    raw: { client, server },
  };
}

/** K datagrams of S bytes from a to b, optionally answered with replySize-byte replies. */
export async function runUdpWorkload(net: TestNet, options: UdpWorkloadOptions): Promise<UdpWorkloadTruth> {
  const { family, a, b } = familyOf(net, options.family);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WORKLOAD_TIMEOUT_MS;
  const port = options.port ?? 5301;
  const max = net.mtu - ipHeaderLength(family) - 8;
  for (const [what, size] of [['size', options.size], ['replySize', options.replySize]] as const) {
    if (size === undefined) continue;
    if (!Number.isInteger(size) || size < 0 || size > 65507) throw new Error(`runUdpWorkload: bad ${what} ${size}`);
    if (size > max && !options.allowFragments) throw new Error(`runUdpWorkload: ${what} ${size} > ${max} (MTU ${net.mtu}) would fragment; pass allowFragments`);
  }
  const serverCfg: UdpServerConfig = { bind: b, port, expect: options.count, ...(options.replySize !== undefined ? { replySize: options.replySize } : {}) };
  const clientCfg: UdpClientConfig = {
    src: a, dst: b, port, count: options.count, size: options.size,
    ...(options.srcPort !== undefined ? { srcPort: options.srcPort } : {}),
    expectReplies: options.replySize !== undefined ? options.count : 0,
    ...(options.burst !== undefined ? { burst: options.burst } : {}),
    ...(options.gapMs !== undefined ? { gapMs: options.gapMs } : {}),
  };
  const { server, client } = await runPair<UdpRoleTruth, UdpRoleTruth>(net, 'udp-server', serverCfg, 'udp-client', clientCfg, timeoutMs, options.cpu);
  const fwdWire = udpDatagramWire(family, options.size, net.mtu);
  const revWire = udpDatagramWire(family, options.replySize ?? 0, net.mtu);
  const forward: FlowTruth = {
    proto: 'udp', family, src: a, sport: client.local.port, dst: b, dport: port,
    packets: client.sent * fwdWire.packets, bytes: client.sent * fwdWire.bytes, payloadBytes: client.sentBytes,
  };
  const reverse: FlowTruth = {
    proto: 'udp', family, src: b, sport: port, dst: a, dport: client.local.port,
    packets: server.sent * revWire.packets, bytes: server.sent * revWire.bytes, payloadBytes: server.sentBytes,
  };
  return {
    forward, reverse, flows: server.sent > 0 ? [forward, reverse] : [forward],
    serverReceived: server.received, clientReceived: client.received, fragmentsPerDatagram: fwdWire.packets, raw: { client, server },
  };
}

/** DNS queries from a to the generator's responder in b (A → fixed address, *.invalid → NXDOMAIN). */
export async function runDnsWorkload(net: TestNet, options: DnsWorkloadOptions): Promise<DnsWorkloadTruth> {
  const { family, a, b } = familyOf(net, options.family);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WORKLOAD_TIMEOUT_MS;
  const port = options.port ?? 53;
  const aaaa = options.aaaa ?? net.b.ipv6;
  const serverCfg: DnsServerConfig = { bind: b, port, a: options.a ?? net.b.ipv4, ...(aaaa ? { aaaa } : {}), expect: options.queries.length };
  const clientCfg: DnsClientConfig = { src: a, dst: b, port, queries: options.queries, ...(options.srcPort !== undefined ? { srcPort: options.srcPort } : {}) };
  const { server, client } = await runPair<DnsRoleTruth, DnsRoleTruth>(net, 'dns-server', serverCfg, 'dns-client', clientCfg, timeoutMs, options.cpu);
  const overhead = ipHeaderLength(family) + 8;
  const forward: FlowTruth = {
    proto: 'udp', family, src: a, sport: client.local.port, dst: b, dport: port,
    packets: client.sent, bytes: client.sentBytes + client.sent * overhead, payloadBytes: client.sentBytes,
  };
  const reverse: FlowTruth = {
    proto: 'udp', family, src: b, sport: port, dst: a, dport: client.local.port,
    packets: server.sent, bytes: server.sentBytes + server.sent * overhead, payloadBytes: server.sentBytes,
  };
  return { exchanges: client.exchanges, forward, reverse, flows: [forward, reverse], raw: { client, server } };
}

// ---------------------------------------------------------------------------------------------
// Verification helpers: captures and tshark conversations

export interface Capture {
  file: string;
  stop(): Promise<void>;
}

/** Starts dumpcap on end.iface (both directions) writing file; resolves once it captures. */
export async function startCapture(end: NetnsEnd, file: string, options: { snaplen?: number; timeoutMs?: number; settleMs?: number } = {}): Promise<Capture> {
  const child = spawnIn(end, ['dumpcap', '-q', '-i', end.iface, '-s', String(options.snaplen ?? 128), '-w', file]);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`dumpcap on ${end.iface}: not ready: ${stderr.trim()}`)); }, options.timeoutMs ?? 5000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('Capturing on')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`dumpcap on ${end.iface} exited ${code}: ${stderr.trim()}`)); });
  });
  return {
    file,
    // dumpcap loses what it has not read from the kernel yet when signalled: let it catch up first.
    stop: async () => { await new Promise((r) => setTimeout(r, options.settleMs ?? 300)); return new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      child.kill('SIGTERM');
    }); },
  };
}

/** One direction of a conversation in a capture: frames and IP bytes (frame bytes − 14 per frame). */
export interface CapturedFlow {
  proto: 'tcp' | 'udp';
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** From `tshark -z conv`. */
  frames: number;
  /** Exact Σ frame.len (tshark -T fields); conv prints sizes above 10 kB rounded (“1047 kB”). */
  frameBytes: number;
  ipBytes: number;
  /** conv's byte column as printed, e.g. "277 bytes" or "1047 kB". */
  convBytes: string;
}

const SI: Record<string, number> = { bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9 };

/**
 * `tshark -q -z conv,<proto>` of a capture, as directed flows (Ethernet: 14-byte L2 header per
 * frame). Frame counts come from conv; as conv rounds large byte counts to kB/MB, bytes are summed
 * exactly from `-T fields -e frame.len` and checked against conv's rounded figure.
 */
export async function tsharkConversations(file: string, proto: 'tcp' | 'udp'): Promise<CapturedFlow[]> {
  const { stdout } = await run(['tshark', '-n', '-r', file, '-q', '-z', `conv,${proto}`]);
  const fields = await run(['tshark', '-n', '-r', file, '-Y', proto, '-T', 'fields', '-E', 'separator=,', '-e', 'ip.src', '-e', 'ipv6.src',
    '-e', `${proto}.srcport`, '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', `${proto}.dstport`, '-e', 'frame.len']);
  const exact = new Map<string, { frames: number; bytes: number }>();
  for (const l of fields.stdout.split('\n').filter(Boolean)) {
    const [s4, s6, sp, d4, d6, dp, len] = l.split(',');
    // Fragments after the first carry no ports: tshark reassembles and reports the datagram on the last.
    const key = `${s4 || s6}|${sp}|${d4 || d6}|${dp}`;
    const e = exact.get(key) ?? { frames: 0, bytes: 0 };
    e.frames++;
    e.bytes += Number(len);
    exact.set(key, e);
  }
  const out: CapturedFlow[] = [];
  const num = (n: string): number => Number(n.replace(/,/g, ''));
  for (const line of stdout.split('\n')) {
    // A:port <-> B:port  framesB→A bytesB→A unit  framesA→B bytesA→B unit  total…
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+([\d,]+)\s+([\d,]+)\s+(\w+)\s+([\d,]+)\s+([\d,]+)\s+(\w+)/.exec(line);
    if (!m) continue;
    const [, aAddr, aPort, bAddr, bPort, fBA, bBA, uBA, fAB, bAB, uAB] = m as unknown as string[];
    const mk = (src: string, sport: string, dst: string, dport: string, frames: string, b: string, unit: string): CapturedFlow => {
      const f = num(frames);
      const strip = (x: string): string => x.replace(/^\[|\]$/g, '');
      const e = exact.get(`${strip(src)}|${sport}|${strip(dst)}|${dport}`) ?? { frames: 0, bytes: 0 };
      const scale = SI[unit];
      if (scale === undefined) throw new Error(`tshark conv: unknown unit ${unit}`);
      if (scale === 1 ? num(b) !== e.bytes : Math.abs(num(b) * scale - e.bytes) > scale) {
        throw new Error(`tshark conv ${src}:${sport} → ${dst}:${dport}: ${b} ${unit} vs Σ frame.len ${e.bytes}`);
      }
      return { proto, src: strip(src), sport: Number(sport), dst: strip(dst), dport: Number(dport), frames: f, frameBytes: e.bytes, ipBytes: e.bytes - 14 * f, convBytes: `${b} ${unit}` };
    };
    const ab = mk(aAddr!, aPort!, bAddr!, bPort!, fAB!, bAB!, uAB!);
    const ba = mk(bAddr!, bPort!, aAddr!, aPort!, fBA!, bBA!, uBA!);
    if (ab.frames) out.push(ab);
    if (ba.frames) out.push(ba);
  }
  return out;
}

/**
 * Per-packet view of a TCP capture: for each frame its flow, IP total length and TCP payload
 * length — for GSO captures, where one frame is a super-packet of ceil(payload / mss) segments.
 */
export async function tsharkTcpFrames(file: string): Promise<Array<{ src: string; sport: number; dst: string; dport: number; ipLen: number; tcpHdr: number; payload: number }>> {
  const { stdout } = await run(['tshark', '-n', '-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=,',
    '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'tcp.dstport',
    '-e', 'frame.len', '-e', 'tcp.hdr_len', '-e', 'tcp.len']);
  return stdout.split('\n').filter(Boolean).map((l) => {
    const [s4, s6, sp, d4, d6, dp, flen, hdr, len] = l.split(',');
    return { src: s4 || s6 || '', sport: Number(sp), dst: d4 || d6 || '', dport: Number(dp), ipLen: Number(flen) - 14, tcpHdr: Number(hdr), payload: Number(len) };
  });
}

/**
 * IP packets and bytes per (src, dst, protocol) in a capture, fragments counted one by one
 * (tshark reassembly off): bytes are IPv4 total length / 40 + IPv6 payload length.
 */
export async function tsharkIpFlows(file: string): Promise<Array<{ src: string; dst: string; proto: number; packets: number; bytes: number }>> {
  const { stdout } = await run(['tshark', '-n', '-r', file, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-Y', 'ip || ipv6',
    '-T', 'fields', '-E', 'separator=,', '-E', 'occurrence=f', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'ip.proto', '-e', 'ipv6.nxt',
    '-e', 'ip.len', '-e', 'ipv6.plen']);
  const flows = new Map<string, { src: string; dst: string; proto: number; packets: number; bytes: number }>();
  for (const l of stdout.split('\n').filter(Boolean)) {
    const [s4, s6, d4, d6, p4, p6, len4, plen6] = l.split(',');
    const src = s4 || s6 || '';
    const dst = d4 || d6 || '';
    const proto = Number(p4 || p6);
    const bytes = s4 ? Number(len4) : 40 + Number(plen6);
    const key = `${src}|${dst}|${proto}`;
    const f = flows.get(key) ?? { src, dst, proto, packets: 0, bytes: 0 };
    f.packets++;
    f.bytes += bytes;
    flows.set(key, f);
  }
  return [...flows.values()];
}

/** Whether tshark and dumpcap (Debian package tshark) are installed. */
export function hasTshark(): boolean {
  return hasCommand('tshark') && hasCommand('dumpcap');
}
