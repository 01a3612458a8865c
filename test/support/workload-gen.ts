/**
 * Test support: the traffic generator that runs *inside* a test namespace —
 *   ip netns exec NS node dist/test/support/workload-gen.js <role> '<json config>'
 * Roles: tcp-server, tcp-client, udp-server, udp-client, dns-server, dns-client.
 *
 * Protocol on stdout, one JSON object per line:
 * - servers print `{"event":"ready","port":…}` once listening, then `{"event":"truth",…}` when they
 *   are done: all expected connections/datagrams/queries seen, or stdin closed (the test-side API,
 *   test/support/workload.ts, closes it after the client finished);
 * - clients print `{"event":"truth",…}` and exit;
 * - on failure any role prints `{"event":"error","message":…}` and exits 1; every role exits 124
 *   after config.timeoutMs (default 10 s) whatever happens.
 * What they print is raw ground truth (per-socket kernel counters from `ss -tinH`, datagrams
 * sent/received, DNS answers); workload.ts turns it into per-flow packets and IP bytes.
 *
 * The pure helpers (ss parsing, DNS encoding) are exported for workload.ts and tests; importing
 * this module does not run a role.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Configs and outputs (shared with workload.ts)

export interface TcpConnSpec {
  /** Bytes the client sends (the request). */
  request: number;
  /** Bytes the server sends back once it has read the whole request. */
  response: number;
}

export interface TcpServerConfig {
  bind: string;
  port: number;
  connections: TcpConnSpec[];
  /** Connection i comes from client port clientBasePort + i. */
  clientBasePort: number;
  pollMs?: number;
  timeoutMs?: number;
}

export interface TcpClientConfig {
  src: string;
  dst: string;
  port: number;
  /** Connection i binds local port basePort + i. */
  basePort: number;
  connections: TcpConnSpec[];
  /** Connections in flight at once (default 4). */
  concurrency?: number;
  /** Counters must stay unchanged this long before the sample and the RST (default 300 ms > 200 ms delayed-ACK max). */
  quiescenceMs?: number;
  pollMs?: number;
  timeoutMs?: number;
}

/** Kernel per-socket counters (tcp_info via `ss -tinH`). */
export interface TcpSockCounters {
  segsOut: number;
  segsIn: number;
  dataSegsOut: number;
  dataSegsIn: number;
  bytesSent: number;
  bytesAcked: number;
  bytesReceived: number;
  bytesRetrans: number;
  /** Total retransmitted segments (second number of `retrans:a/b`). */
  retransTotal: number;
  dsackDups: number;
  rcvOooPack: number;
  mss: number;
  advmss: number;
  pmtu: number;
  /** `wscale:snd,rcv` when window scaling was negotiated. */
  wscale?: string;
}

/** net.ipv4.tcp_* settings that shape TCP headers, read in the role's namespace. */
export interface TcpSysctls {
  timestamps: number;
  sack: number;
  windowScaling: number;
  ecn: number;
}

export interface TcpConnRecord {
  index: number;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  /** Payload bytes this side wrote / read (application view). */
  wrote: number;
  read: number;
  /** Last counters sampled before the RST (client: after quiescence; server: last poll). */
  counters?: TcpSockCounters;
  samples: number;
  error?: string;
}

export interface TcpRoleTruth {
  event: 'truth';
  role: 'tcp-client' | 'tcp-server';
  sysctls: TcpSysctls;
  connections: TcpConnRecord[];
}

export interface UdpServerConfig {
  bind: string;
  port: number;
  /** Datagrams expected (the server reports once it got them all, or at stdin end). */
  expect: number;
  /** Reply to each datagram with this many bytes (default: no replies). */
  replySize?: number;
  timeoutMs?: number;
}

export interface UdpClientConfig {
  src: string;
  dst: string;
  port: number;
  /** Local port (default 0: ephemeral). */
  srcPort?: number;
  count: number;
  size: number;
  /** Expect this many reply datagrams (0: none). */
  expectReplies?: number;
  /** Datagrams per burst, each burst awaits its send callbacks then gapMs (defaults 32, 1 ms). */
  burst?: number;
  gapMs?: number;
  /** After the last send, wait at most this long for the replies (default 1000 ms). */
  replyWaitMs?: number;
  timeoutMs?: number;
}

export interface UdpRoleTruth {
  event: 'truth';
  role: 'udp-client' | 'udp-server';
  local: { address: string; port: number };
  /** Datagram payload sizes sent / received, in order (sizes only). */
  sent: number;
  sentBytes: number;
  received: number;
  receivedBytes: number;
  /** udp-server: the peers it heard from ("addr|port" → datagrams). */
  peers?: Record<string, number>;
  sendErrors: number;
}

export type DnsQtype = 'A' | 'AAAA' | 'TXT' | 'MX' | 'NS' | 'CNAME' | 'PTR' | 'SOA' | 'ANY';
export const QTYPE_CODES: Record<DnsQtype, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, ANY: 255 };

export interface DnsServerConfig {
  bind: string;
  port: number;
  /** Address answered to A queries. */
  a: string;
  /** Address answered to AAAA queries (absent: NOERROR with no answer). */
  aaaa?: string;
  expect: number;
  ttl?: number;
  timeoutMs?: number;
}

export interface DnsQuerySpec {
  name: string;
  qtype?: DnsQtype;
  id?: number;
}

export interface DnsClientConfig {
  src: string;
  dst: string;
  port: number;
  srcPort?: number;
  queries: DnsQuerySpec[];
  /** Per query (default 2000 ms). */
  queryTimeoutMs?: number;
  timeoutMs?: number;
}

export interface DnsExchange {
  id: number;
  name: string;
  qtype: DnsQtype;
  /** Response code (0 NOERROR, 3 NXDOMAIN), -1 when no response came. */
  rcode: number;
  /** Answer addresses, in order. */
  answer: string[];
  queryBytes: number;
  responseBytes: number;
}

export interface DnsRoleTruth {
  event: 'truth';
  role: 'dns-client' | 'dns-server';
  local: { address: string; port: number };
  exchanges: DnsExchange[];
  /** Datagrams (and payload bytes) sent / received by this role. */
  sent: number;
  sentBytes: number;
  received: number;
  receivedBytes: number;
}

export type RoleTruth = TcpRoleTruth | UdpRoleTruth | DnsRoleTruth;

// ---------------------------------------------------------------------------------------------
// Pure helpers

/** Parses the info line of one socket in `ss -tinH` output (tokens `key:value`). */
export function parseSsInfo(info: string): TcpSockCounters {
  const kv = new Map<string, string>();
  for (const m of info.matchAll(/(?:^|\s)([a-z_]+):(\S+)/g)) kv.set(m[1]!, m[2]!);
  const num = (k: string): number => {
    const v = kv.get(k);
    const n = v === undefined ? 0 : Number(v.split(/[/,]/)[0]);
    return Number.isFinite(n) ? n : 0;
  };
  const retrans = kv.get('retrans');
  const wscale = kv.get('wscale');
  return {
    segsOut: num('segs_out'), segsIn: num('segs_in'), dataSegsOut: num('data_segs_out'), dataSegsIn: num('data_segs_in'),
    bytesSent: num('bytes_sent'), bytesAcked: num('bytes_acked'), bytesReceived: num('bytes_received'),
    bytesRetrans: num('bytes_retrans'), retransTotal: retrans ? Number(retrans.split('/')[1] ?? 0) : 0,
    dsackDups: num('dsack_dups'), rcvOooPack: num('rcv_ooopack'),
    mss: num('mss'), advmss: num('advmss'), pmtu: num('pmtu'),
    ...(wscale ? { wscale } : {}),
  };
}

/** ss address filter syntax: a.b.c.d:port or [v6]:port. */
export function ssAddr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function encodeDnsName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.replace(/\.$/, '').split('.').filter(Boolean)) {
    const b = Buffer.from(label, 'ascii');
    if (b.length > 63) throw new Error(`DNS label too long: ${label}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function encodeDnsQuery(id: number, name: string, qtype: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(1, 2); // IN
  return Buffer.concat([h, encodeDnsName(name), tail]);
}

/** Reads a (possibly compressed) name at off; returns the name and the offset after it in place. */
function readDnsName(msg: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  let end = -1;
  for (let hops = 0; hops < 32; hops++) {
    const len = msg[off];
    if (len === undefined) throw new Error('DNS name past end');
    if (len === 0) { if (end < 0) end = off + 1; return { name: labels.join('.'), end }; }
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = off + 2;
      off = ((len & 0x3f) << 8) | (msg[off + 1] ?? 0);
      continue;
    }
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('ascii'));
    off += 1 + len;
  }
  throw new Error('DNS name: too many pointers');
}

export interface DnsMessage {
  id: number;
  flags: number;
  rcode: number;
  qname: string;
  qtype: number;
  /** A / AAAA answers as text. */
  answer: string[];
  questionEnd: number;
}

export function parseDns(msg: Buffer): DnsMessage {
  if (msg.length < 12) throw new Error('DNS message shorter than its header');
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  if (qd !== 1) throw new Error(`DNS: ${qd} questions`);
  const q = readDnsName(msg, 12);
  const qtype = msg.readUInt16BE(q.end);
  let off = q.end + 4;
  const answer: string[] = [];
  for (let i = 0; i < an; i++) {
    const rr = readDnsName(msg, off);
    const type = msg.readUInt16BE(rr.end);
    const rdlen = msg.readUInt16BE(rr.end + 8);
    const rdata = msg.subarray(rr.end + 10, rr.end + 10 + rdlen);
    if (type === 1 && rdlen === 4) answer.push([...rdata].join('.'));
    else if (type === 28 && rdlen === 16) answer.push(formatIpv6(rdata));
    off = rr.end + 10 + rdlen;
  }
  return { id, flags, rcode: flags & 0xf, qname: q.name, qtype, answer, questionEnd: q.end + 4 };
}

function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${address}`);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** The responder's answer to one query (see DnsServerConfig). */
export function answerDns(query: Buffer, cfg: Pick<DnsServerConfig, 'a' | 'aaaa' | 'ttl'>): Buffer {
  const q = parseDns(query);
  const name = q.qname.toLowerCase();
  const nx = name === 'invalid' || name.endsWith('.invalid');
  let rdata: Buffer | undefined;
  if (!nx && q.qtype === 1) rdata = Buffer.from(cfg.a.split('.').map(Number));
  if (!nx && q.qtype === 28 && cfg.aaaa) rdata = ipv6Bytes(cfg.aaaa);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(q.id, 0);
  h.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | (nx ? 3 : 0), 2); // QR, opcode+RD copied, AA, rcode
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(rdata ? 1 : 0, 6);
  const question = query.subarray(12, q.questionEnd);
  if (!rdata) return Buffer.concat([h, question]);
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0);
  rr.writeUInt16BE(q.qtype, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(cfg.ttl ?? 60, 6);
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([h, question, rr, rdata]);
}

/** The name of a qtype code; codes outside QTYPE_CODES come back as `TYPE<n>` (RFC 3597). */
export function qtypeName(code: number): DnsQtype {
  const e = Object.entries(QTYPE_CODES).find(([, c]) => c === code);
  return (e ? e[0] : `TYPE${code}`) as DnsQtype;
}

// ---------------------------------------------------------------------------------------------
// Roles

const DEFAULT_TIMEOUT_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function emit(obj: object): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function readTcpSysctls(): TcpSysctls {
  const r = (name: string): number => {
    try { return Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim()); } catch { return -1; }
  };
  return { timestamps: r('tcp_timestamps'), sack: r('tcp_sack'), windowScaling: r('tcp_window_scaling'), ecn: r('tcp_ecn') };
}

/** Counters of the established socket local→remote, or undefined when it is gone. */
function sampleSocket(local: string, lport: number, remote: string, rport: number): Promise<TcpSockCounters | undefined> {
  const args = ['-tinH', 'state', 'established', 'src', ssAddr(local, lport), 'dst', ssAddr(remote, rport)];
  return new Promise((resolve, reject) => {
    execFile('ss', args, { encoding: 'utf8', timeout: 3000 }, (err, stdout) => {
      if (err) { reject(new Error(`ss ${args.join(' ')}: ${err.message}`)); return; }
      const lines = stdout.split('\n').filter((l) => l.trim());
      if (lines.length === 0) { resolve(undefined); return; }
      if (lines.length !== 2) { reject(new Error(`ss: expected one socket, got:\n${stdout}`)); return; }
      resolve(parseSsInfo(lines[1]!));
    });
  });
}

function waitForStdinEnd(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.on('data', () => { /* ignored */ });
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    process.stdin.resume();
  });
}

async function tcpServer(cfg: TcpServerConfig): Promise<TcpRoleTruth> {
  const pollMs = cfg.pollMs ?? 40;
  const records: TcpConnRecord[] = [];
  let closed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const remoteAddress = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    const remotePort = sock.remotePort ?? 0;
    const index = remotePort - cfg.clientBasePort;
    const spec = cfg.connections[index];
    const rec: TcpConnRecord = { index, local: { address: cfg.bind, port: cfg.port }, remote: { address: remoteAddress, port: remotePort }, wrote: 0, read: 0, samples: 0 };
    records.push(rec);
    let polling = false;
    let alive = true;
    const poll = async (): Promise<void> => {
      // Sample until the socket disappears (the client's RST); keep the last sample.
      for (let i = 0; alive && i < 100_000; i++) {
        try {
          const c = await sampleSocket(cfg.bind, cfg.port, remoteAddress, remotePort);
          if (!c) break;
          rec.counters = c;
          rec.samples++;
        } catch (err) {
          rec.error ??= (err as Error).message;
          break;
        }
        await sleep(pollMs);
      }
    };
    const startPolling = (): void => {
      if (polling) return;
      polling = true;
      void poll();
    };
    if (!spec) {
      rec.error = `unexpected connection from port ${remotePort}`;
      sock.resetAndDestroy();
      return;
    }
    const respond = (): void => {
      if (spec.response === 0) { startPolling(); return; }
      rec.wrote = spec.response;
      sock.write(Buffer.alloc(spec.response, 0x62), () => startPolling());
    };
    if (spec.request === 0) respond();
    sock.on('data', (d: Buffer) => {
      rec.read += d.length;
      if (rec.read === spec.request) respond();
      else if (rec.read > spec.request) rec.error ??= `read ${rec.read} > request ${spec.request}`;
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') rec.error ??= err.message;
    });
    sock.on('end', () => { rec.error ??= 'peer sent FIN (expected RST)'; });
    sock.on('close', () => {
      alive = false;
      closed++;
      if (closed === cfg.connections.length) resolveDone();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: cfg.bind, port: cfg.port, backlog: 512 }, () => resolve());
  });
  emit({ event: 'ready', port: cfg.port });
  await Promise.race([done, waitForStdinEnd()]);
  // Let pending polls settle (a poll in flight when the RST arrived).
  await sleep(pollMs * 2);
  server.close();
  records.sort((x, y) => x.index - y.index);
  return { event: 'truth', role: 'tcp-server', sysctls: readTcpSysctls(), connections: records };
}

async function tcpClient(cfg: TcpClientConfig): Promise<TcpRoleTruth> {
  const quiescenceMs = cfg.quiescenceMs ?? 300;
  const pollMs = cfg.pollMs ?? 50;
  const budget = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const records: TcpConnRecord[] = [];
  const one = (index: number, spec: TcpConnSpec): Promise<TcpConnRecord> => new Promise((resolve, reject) => {
    const lport = cfg.basePort + index;
    const rec: TcpConnRecord = { index, local: { address: cfg.src, port: lport }, remote: { address: cfg.dst, port: cfg.port }, wrote: 0, read: 0, samples: 0 };
    const sock = net.connect({ host: cfg.dst, port: cfg.port, localAddress: cfg.src, localPort: lport, allowHalfOpen: true });
    let written = spec.request === 0;
    let finishing = false;
    const maybeFinish = (): void => {
      if (finishing || !written || rec.read < spec.response) return;
      finishing = true;
      void (async () => {
        // Quiescence: counters unchanged for quiescenceMs, everything sent acked, everything expected read.
        let last = '';
        let since = Date.now();
        const limit = Date.now() + budget;
        for (;;) {
          const c = await sampleSocket(cfg.src, lport, cfg.dst, cfg.port);
          if (!c) throw new Error(`connection ${index}: socket vanished before the sample`);
          rec.samples++;
          const key = `${c.segsOut}/${c.segsIn}/${c.bytesAcked}/${c.bytesReceived}`;
          if (key !== last) { last = key; since = Date.now(); rec.counters = c; }
          const settled = c.bytesAcked === spec.request + 1 && c.bytesReceived === spec.response;
          if (settled && Date.now() - since >= quiescenceMs) { rec.counters = c; break; }
          if (Date.now() > limit) throw new Error(`connection ${index}: no quiescence (last ${key})`);
          await sleep(pollMs);
        }
        // SO_LINGER 0 + close: one RST, nothing back. 'close' fires once libuv closed the fd (RST sent).
        await new Promise<void>((res) => { sock.once('close', () => res()); sock.resetAndDestroy(); });
      })().then(() => resolve(rec), reject);
    };
    sock.once('connect', () => {
      if (spec.request > 0) {
        rec.wrote = spec.request;
        sock.write(Buffer.alloc(spec.request, 0x61), () => { written = true; maybeFinish(); });
      } else maybeFinish();
    });
    sock.on('data', (d: Buffer) => {
      rec.read += d.length;
      if (rec.read > spec.response) rec.error ??= `read ${rec.read} > response ${spec.response}`;
      maybeFinish();
    });
    sock.on('end', () => { rec.error ??= 'server sent FIN (expected none)'; });
    sock.on('error', (err) => { if (!finishing) reject(new Error(`connection ${index}: ${err.message}`)); });
  });
  const concurrency = Math.max(1, cfg.concurrency ?? 4);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cfg.connections.length) {
      const i = next++;
      records.push(await one(i, cfg.connections[i]!));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cfg.connections.length) }, worker));
  records.sort((x, y) => x.index - y.index);
  return { event: 'truth', role: 'tcp-client', sysctls: readTcpSysctls(), connections: records };
}

function udpSocket(address: string): dgram.Socket {
  return dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
}

function bind(sock: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address, port, exclusive: true }, () => { sock.off('error', reject); resolve(); });
  });
}

async function udpServer(cfg: UdpServerConfig): Promise<UdpRoleTruth> {
  const sock = udpSocket(cfg.bind);
  const truth: UdpRoleTruth = { event: 'truth', role: 'udp-server', local: { address: cfg.bind, port: cfg.port }, sent: 0, sentBytes: 0, received: 0, receivedBytes: 0, peers: {}, sendErrors: 0 };
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  let pendingReplies = 0;
  const checkDone = (): void => { if (truth.received >= cfg.expect && pendingReplies === 0) resolveDone(); };
  sock.on('message', (msg, rinfo) => {
    truth.received++;
    truth.receivedBytes += msg.length;
    const key = `${rinfo.address}|${rinfo.port}`;
    truth.peers![key] = (truth.peers![key] ?? 0) + 1;
    if (cfg.replySize !== undefined) {
      pendingReplies++;
      sock.send(Buffer.alloc(cfg.replySize, 0x72), rinfo.port, rinfo.address, (err) => {
        pendingReplies--;
        if (err) truth.sendErrors++;
        else { truth.sent++; truth.sentBytes += cfg.replySize!; }
        checkDone();
      });
    }
    checkDone();
  });
  await bind(sock, cfg.bind, cfg.port);
  emit({ event: 'ready', port: cfg.port });
  if (cfg.expect === 0) resolveDone();
  await Promise.race([done, waitForStdinEnd()]);
  sock.close();
  return truth;
}

async function udpClient(cfg: UdpClientConfig): Promise<UdpRoleTruth> {
  const sock = udpSocket(cfg.src);
  await bind(sock, cfg.src, cfg.srcPort ?? 0);
  const port = sock.address().port;
  const truth: UdpRoleTruth = { event: 'truth', role: 'udp-client', local: { address: cfg.src, port }, sent: 0, sentBytes: 0, received: 0, receivedBytes: 0, sendErrors: 0 };
  const expectReplies = cfg.expectReplies ?? 0;
  let resolveReplies!: () => void;
  const replies = new Promise<void>((r) => { resolveReplies = r; });
  sock.on('message', (msg) => {
    truth.received++;
    truth.receivedBytes += msg.length;
    if (truth.received >= expectReplies) resolveReplies();
  });
  if (expectReplies === 0) resolveReplies();
  const payload = Buffer.alloc(cfg.size, 0x75);
  const burst = Math.max(1, cfg.burst ?? 32);
  for (let i = 0; i < cfg.count;) {
    const n = Math.min(burst, cfg.count - i);
    await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
      sock.send(payload, cfg.port, cfg.dst, (err) => {
        if (err) truth.sendErrors++;
        else { truth.sent++; truth.sentBytes += cfg.size; }
        resolve();
      });
    })));
    i += n;
    if (i < cfg.count) await sleep(cfg.gapMs ?? 1);
  }
  await Promise.race([replies, sleep(cfg.replyWaitMs ?? 1000)]);
  sock.close();
  return truth;
}

async function dnsServer(cfg: DnsServerConfig): Promise<DnsRoleTruth> {
  const sock = udpSocket(cfg.bind);
  const truth: DnsRoleTruth = { event: 'truth', role: 'dns-server', local: { address: cfg.bind, port: cfg.port }, exchanges: [], sent: 0, sentBytes: 0, received: 0, receivedBytes: 0 };
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  let pending = 0;
  sock.on('message', (msg, rinfo) => {
    truth.received++;
    truth.receivedBytes += msg.length;
    let reply: Buffer;
    let parsed: DnsMessage;
    try {
      reply = answerDns(msg, cfg);
      parsed = parseDns(reply);
    } catch {
      return; // not a query we answer; the client's truth will show it unanswered
    }
    truth.exchanges.push({ id: parsed.id, name: parsed.qname, qtype: qtypeName(parsed.qtype), rcode: parsed.rcode, answer: parsed.answer, queryBytes: msg.length, responseBytes: reply.length });
    pending++;
    sock.send(reply, rinfo.port, rinfo.address, (err) => {
      pending--;
      if (!err) { truth.sent++; truth.sentBytes += reply.length; }
      if (truth.received >= cfg.expect && pending === 0) resolveDone();
    });
  });
  await bind(sock, cfg.bind, cfg.port);
  emit({ event: 'ready', port: cfg.port });
  if (cfg.expect === 0) resolveDone();
  await Promise.race([done, waitForStdinEnd()]);
  sock.close();
  return truth;
}

async function dnsClient(cfg: DnsClientConfig): Promise<DnsRoleTruth> {
  const sock = udpSocket(cfg.src);
  await bind(sock, cfg.src, cfg.srcPort ?? 0);
  const truth: DnsRoleTruth = { event: 'truth', role: 'dns-client', local: { address: cfg.src, port: sock.address().port }, exchanges: [], sent: 0, sentBytes: 0, received: 0, receivedBytes: 0 };
  const waiting = new Map<number, (msg: Buffer) => void>();
  sock.on('message', (msg) => {
    truth.received++;
    truth.receivedBytes += msg.length;
    if (msg.length >= 2) waiting.get(msg.readUInt16BE(0))?.(msg);
  });
  const ids = new Set<number>();
  for (let i = 0; i < cfg.queries.length; i++) {
    const q = cfg.queries[i]!;
    const id = q.id ?? ((0x1000 + i * 7) & 0xffff);
    if (ids.has(id)) throw new Error(`duplicate DNS id ${id}`);
    ids.add(id);
    const qtype = q.qtype ?? 'A';
    const query = encodeDnsQuery(id, q.name, QTYPE_CODES[qtype]);
    const ex: DnsExchange = { id, name: q.name.replace(/\.$/, ''), qtype, rcode: -1, answer: [], queryBytes: query.length, responseBytes: 0 };
    const response = new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => { waiting.delete(id); resolve(undefined); }, cfg.queryTimeoutMs ?? 2000);
      waiting.set(id, (msg) => { clearTimeout(timer); waiting.delete(id); resolve(msg); });
    });
    await new Promise<void>((resolve, reject) => sock.send(query, cfg.port, cfg.dst, (err) => (err ? reject(err) : resolve())));
    truth.sent++;
    truth.sentBytes += query.length;
    const msg = await response;
    if (msg) {
      const p = parseDns(msg);
      ex.rcode = p.rcode;
      ex.answer = p.answer;
      ex.responseBytes = msg.length;
    }
    truth.exchanges.push(ex);
  }
  sock.close();
  return truth;
}

const ROLES = {
  'tcp-server': tcpServer,
  'tcp-client': tcpClient,
  'udp-server': udpServer,
  'udp-client': udpClient,
  'dns-server': dnsServer,
  'dns-client': dnsClient,
} as const;

export type Role = keyof typeof ROLES;

async function main(): Promise<void> {
  const [role, json] = process.argv.slice(2);
  const fn = ROLES[role as Role] as ((cfg: never) => Promise<RoleTruth>) | undefined;
  if (!fn || json === undefined) {
    process.stderr.write(`usage: workload-gen.js <${Object.keys(ROLES).join('|')}> '<json config>'\n`);
    process.exit(2);
  }
  const cfg = JSON.parse(json) as { timeoutMs?: number };
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  setTimeout(() => {
    emit({ event: 'error', message: `${role}: timed out after ${timeoutMs} ms` });
    process.exit(124);
  }, timeoutMs).unref();
  try {
    const truth = await fn(cfg as never);
    emit(truth);
    process.exit(0);
  } catch (err) {
    emit({ event: 'error', message: `${role}: ${(err as Error).message}` });
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
