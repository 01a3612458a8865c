/**
 * The native bridge against the real kernel: two network namespaces joined by a veth pair
 * (10.201.N.1 ↔ 10.201.N.2, nothing routed anywhere else), the fixture
 * test/kernel/fixtures/bridge_test.bpf.c, and UDP traffic from node run inside the namespaces
 * (an echo/sink server in B, a sender in A; ping is not assumed to be installed). IPv6 is off and
 * the neighbours are static, so the only packets on the veth are the ones a test sends, and
 * counts can be exact. Needs root; skips with one line elsewhere.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../support/corpus.js';
import {
  MapUpdateFlag, NATIVE_PATH, RING_RECORD_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES, bridgeAvailable, isNativeError, loadBridge,
  type Bridge, type LinkHandle, type ObjectHandle,
} from '../../src/native/index.js';

const OBJECT = join(REPO_ROOT, 'dist', 'bpf', 'bridge_test.bpf.o');
const NS_A = `weft-nb-${process.pid}-a`;
const NS_B = `weft-nb-${process.pid}-b`;
const NS_PATH_A = `/var/run/netns/${NS_A}`;
const NS_PATH_B = `/var/run/netns/${NS_B}`;
const SUBNET = `10.201.${(process.pid % 250) + 1}`;
const IP_A = `${SUBNET}.1`;
const IP_B = `${SUBNET}.2`;
const IF_A = 'wnb-a';
const IF_B = 'wnb-b';
const MARK = 0xfeedbeef;
const ECHO_PORT = 7007; // B echoes datagrams sent here
const SINK_PORT = 7009; // B swallows datagrams sent here
/** A datagram of 56 payload bytes (as ping's default) with its UDP, IP and Ethernet headers: what tc's skb->len counts. */
const FRAME = 14 + 20 + 8 + 56;
const ETH_P_IP = 0x0800;

// bpf/ fixture ABI (bridge_test.bpf.c)
const PKT_EVENT = 32;
const SOCK_EVENT = 32;
const DROP_PKT_EVENT = 0;

function whySkip(): string | false {
  if (process.platform !== 'linux') return 'the native bridge is Linux-only';
  if (process.getuid?.() !== 0) return 'needs root (creates network namespaces, loads eBPF)';
  if (!bridgeAvailable()) return `native bridge not built (${NATIVE_PATH} missing); run make build`;
  if (!existsSync(OBJECT)) return `${OBJECT} missing; run scripts/build-bpf.sh`;
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) not found';
  try {
    const b = loadBridge();
    b.closeObject(b.openObject(OBJECT, { autoload: { sock_state: false } }));
  } catch (error) {
    if (isNativeError(error) && (error.code === 'EPERM' || error.code === 'EACCES')) return `bpf() refused here (${error.code})`;
  }
  return false;
}
const SKIP = whySkip();

function run(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}
function inNs(ns: string, args: readonly string[]): string {
  return run('ip', ['netns', 'exec', ns, ...args]);
}
/** B's server: echoes on ECHO_PORT, swallows on SINK_PORT; prints "ready" once bound. */
const SERVER = `const dgram = require('dgram');
let bound = 0;
const ready = () => { if (++bound === 2) process.stdout.write('ready\\n'); };
const echo = dgram.createSocket('udp4');
echo.on('message', (m, r) => echo.send(m, r.port, r.address));
echo.bind(${ECHO_PORT}, '${IP_B}', ready);
dgram.createSocket('udp4').on('message', () => {}).bind(${SINK_PORT}, '${IP_B}', ready);
process.stdin.on('end', () => process.exit(0)).resume();`;
/**
 * A's sender. echo: one datagram at a time, each waiting for its echo (like ping: exactly n out and n back);
 * flood: n datagrams to the sink as fast as the socket takes them (exactly n out).
 */
const SENDER = `const dgram = require('dgram');
const [n, mode] = [Number(process.argv[1]), process.argv[2]];
const s = dgram.createSocket('udp4');
const payload = Buffer.alloc(56, 0x61);
const timer = setTimeout(() => { console.error('udp sender: timed out'); process.exit(2); }, 15000);
const done = () => { s.close(); clearTimeout(timer); };
if (mode === 'flood') {
  let sent = 0;
  const next = () => { if (sent === n) return done(); sent++; s.send(payload, ${SINK_PORT}, '${IP_B}', next); };
  next();
} else {
  let got = 0;
  s.on('message', () => { if (++got === n) done(); else s.send(payload, ${ECHO_PORT}, '${IP_B}'); });
  s.send(payload, ${ECHO_PORT}, '${IP_B}');
}`;
/** n datagrams from A to B's echo port and their n echoes back. */
function ping(count: number): void {
  inNs(NS_A, [process.execPath, '-e', SENDER, String(count), 'echo']);
}
/** n datagrams from A to B's sink, back to back; nothing comes back. */
function flood(count: number): void {
  inNs(NS_A, [process.execPath, '-e', SENDER, String(count), 'flood']);
}
/** Polls cond every 5 ms for at most ms. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}
function tcFilters(direction: 'ingress' | 'egress'): string {
  return inNs(NS_A, ['tc', 'filter', 'show', 'dev', IF_A, direction]).trim();
}
function link(ns: string, ifname: string): { ifindex: number; address: string } {
  const [l] = JSON.parse(run('ip', ['-n', ns, '-j', 'link', 'show', ifname])) as { ifindex: number; address: string }[];
  assert.ok(l, `${ifname} in ${ns}`);
  return l;
}

let ifindexA = 0;
let server: ChildProcess | undefined;

before(async () => {
  if (SKIP) return;
  run('ip', ['netns', 'add', NS_A]);
  run('ip', ['netns', 'add', NS_B]);
  for (const ns of [NS_A, NS_B]) {
    inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  run('ip', ['link', 'add', IF_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', IF_B, 'netns', NS_B]);
  for (const [ns, ifname, ip] of [[NS_A, IF_A, IP_A], [NS_B, IF_B, IP_B]] as const) {
    run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', ifname]);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  }
  const a = link(NS_A, IF_A);
  const b = link(NS_B, IF_B);
  ifindexA = a.ifindex;
  // static neighbours: no ARP on the wire, so counts are only what a test sends
  run('ip', ['-n', NS_A, 'neigh', 'replace', IP_B, 'lladdr', b.address, 'dev', IF_A, 'nud', 'permanent']);
  run('ip', ['-n', NS_B, 'neigh', 'replace', IP_A, 'lladdr', a.address, 'dev', IF_B, 'nud', 'permanent']);
  const srv = spawn('ip', ['netns', 'exec', NS_B, process.execPath, '-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  server = srv;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    srv.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) { clearTimeout(timer); resolve(true); } });
    srv.on('exit', () => { clearTimeout(timer); resolve(false); });
  });
  if (!ready) throw new Error(`the UDP server in ${NS_B} did not start`);
  ping(1); // the veth passes traffic
});

after(() => {
  if (SKIP) return;
  server?.stdin?.end();
  server?.kill();
  for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
});

function bridge(): Bridge {
  return loadBridge();
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}
function openFixture(options: Parameters<Bridge['openObject']>[1] = {}): ObjectHandle {
  return bridge().openObject(OBJECT, { rodata: { fixture_mark: u32(MARK) }, ...options });
}
function packetsOn(obj: ObjectHandle, ifindex: number): { packets: number; bytes: number } {
  const v = Buffer.alloc(16);
  if (!bridge().mapLookup(obj, 'pkt_counts', u32(ifindex), v)) return { packets: 0, bytes: 0 };
  return { packets: Number(v.readBigUInt64LE(0)), bytes: Number(v.readBigUInt64LE(8)) };
}
/** Sum over CPUs of drop_counters[which]. */
function drops(obj: ObjectHandle, which: number): number {
  const cpus = bridge().numPossibleCpus();
  const v = Buffer.alloc(8 * cpus);
  assert.ok(bridge().mapLookup(obj, 'drop_counters', u32(which), v));
  let n = 0;
  for (let i = 0; i < cpus; i++) n += Number(v.readBigUInt64LE(8 * i));
  return n;
}

interface RingRecord { ring: number; data: Buffer }
/** Splits a ring consumer batch, checking the framing as it goes. */
function ringRecords(batch: Buffer, out: RingRecord[]): void {
  let off = 0;
  for (let guard = 0; off < batch.length && guard < 1 << 20; guard++) {
    assert.ok(off + RING_RECORD_HEADER_BYTES <= batch.length, 'record header inside the batch');
    const len = batch.readUInt32LE(off);
    assert.equal(batch.readUInt16LE(off + 6), 0, 'reserved u16 is 0');
    const next = off + RING_RECORD_HEADER_BYTES + ((len + 7) & ~7);
    assert.ok(next <= batch.length, 'record inside the batch');
    for (let p = off + RING_RECORD_HEADER_BYTES + len; p < next; p++) assert.equal(batch[p], 0, 'padding is zero');
    out.push({ ring: batch.readUInt16LE(off + 4), data: batch.subarray(off + RING_RECORD_HEADER_BYTES, off + RING_RECORD_HEADER_BYTES + len) });
    off = next;
  }
  assert.equal(off, batch.length, 'batch ends on a record boundary');
}
interface PktEvent { mark: number; ifindex: number; len: number; protocol: number; ingressIfindex: number; seq: number }
function pktEvent(r: Buffer): PktEvent {
  assert.equal(r.length, PKT_EVENT);
  return {
    mark: r.readUInt32LE(8), ifindex: r.readUInt32LE(12), len: r.readUInt32LE(16), protocol: r.readUInt16BE(20),
    ingressIfindex: r.readUInt32LE(24), seq: r.readUInt32LE(28),
  };
}

/** Every nlmsghdr of a dump: type and body (after the 16-byte header). */
function nlmsgs(buf: Buffer): { type: number; body: Buffer }[] {
  const out: { type: number; body: Buffer }[] = [];
  let off = 0;
  while (off + 16 <= buf.length && out.length < 100_000) {
    const len = buf.readUInt32LE(off);
    assert.ok(len >= 16 && off + len <= buf.length, 'nlmsg_len inside the buffer');
    out.push({ type: buf.readUInt16LE(off + 4), body: buf.subarray(off + 16, off + len) });
    off += (len + 3) & ~3;
  }
  assert.equal(off, buf.length, 'the dump ends on a message boundary');
  return out;
}
/** rtattrs of a message body after its fixed header of `skip` bytes: type → payload. */
function rtattrs(body: Buffer, skip: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = skip;
  while (off + 4 <= body.length && out.size < 1000) {
    const len = body.readUInt16LE(off);
    if (len < 4) break;
    out.set(body.readUInt16LE(off + 2) & 0x3fff, body.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}
function cstr(b: Buffer | undefined): string {
  return b === undefined ? '' : b.subarray(0, b.indexOf(0) >= 0 ? b.indexOf(0) : b.length).toString('latin1');
}

/** prog ids of the fixture's programs (by kernel name), and the links using them, per bpftool. */
function bpftoolLinks(progName: string): number[] | undefined {
  if (spawnSync('bpftool', ['version']).status !== 0) return undefined;
  const progs = JSON.parse(run('bpftool', ['-j', 'prog', 'show'])) as { id: number; name?: string }[];
  const ids = new Set(progs.filter((p) => p.name === progName).map((p) => p.id));
  const links = JSON.parse(run('bpftool', ['-j', 'link', 'show'])) as { id: number; prog_id: number }[];
  return links.filter((l) => ids.has(l.prog_id)).map((l) => l.id);
}
function progLoaded(progName: string): boolean {
  const progs = JSON.parse(run('bpftool', ['-j', 'prog', 'show'])) as { id: number; name?: string }[];
  return progs.some((p) => p.name === progName);
}

function assertNativeError(fn: () => unknown, code: string, syscall: string | RegExp, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isNativeError(error), `a native error, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (typeof syscall === 'string') assert.equal(error.syscall, syscall, error.message);
    else assert.match(error.syscall, syscall);
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('libbpfVersion, numPossibleCpus, clocks and probe', { skip: SKIP }, () => {
  const b = bridge();
  assert.match(b.libbpfVersion(), /^\d+\.\d+$/);
  assert.ok(b.numPossibleCpus() >= 1);
  const c = b.clocks();
  const hr = process.hrtime.bigint(); // CLOCK_MONOTONIC too
  assert.ok(c.realtimeNs > BigInt(Date.now() - 5000) * 1_000_000n && c.realtimeNs < BigInt(Date.now() + 5000) * 1_000_000n);
  assert.ok(c.monotonicNs <= hr && hr - c.monotonicNs < 1_000_000_000n);
  const p = b.probe();
  for (const k of ['ringbuf', 'tracing', 'tcx', 'btf', 'netnsCookie'] as const) assert.equal(typeof p[k], 'boolean', k);
  assert.equal(p.ringbuf, true, 'the fixture needs ring buffers');
});

test('openObject: maxEntries, rodata and autoload, and errors that name the call', { skip: SKIP }, () => {
  const b = bridge();
  const o = openFixture({ maxEntries: { pkt_counts: 128, pkt_events: 16384 }, autoload: { sock_state: false } });
  try {
    assert.deepEqual(b.mapInfo(o, 'pkt_counts'), { type: 1, keySize: 4, valueSize: 16, maxEntries: 128 });
    assert.deepEqual(b.mapInfo(o, 'pkt_events'), { type: 27, keySize: 0, valueSize: 0, maxEntries: 16384 });
    assert.deepEqual(b.mapInfo(o, 'drop_counters'), { type: 6, keySize: 4, valueSize: 8, maxEntries: 2 });
    assertNativeError(() => b.attachTracing(o, 'sock_state'), 'EINVAL', 'bpf_program__fd', /not loaded/);
    assertNativeError(() => b.mapInfo(o, 'nope'), 'ENOENT', 'bpf_object__find_map_by_name', /nope/);
    assertNativeError(() => b.mapLookup(o, 'pkt_counts', Buffer.alloc(2), Buffer.alloc(16)), 'EINVAL', 'bpf_map', /key is 2 bytes, must be 4/);
  } finally {
    b.closeObject(o);
  }
  b.closeObject(o); // a closed handle is a no-op
  assertNativeError(() => b.mapInfo(o, 'pkt_counts'), 'EBADF', 'bpf_object');
  assertNativeError(() => b.openObject('/nonexistent/x.bpf.o', {}), 'ENOENT', 'bpf_object__open', /x\.bpf\.o/);
  assertNativeError(() => b.openObject(OBJECT, { rodata: { fixture_mark: Buffer.alloc(2) } }), 'EINVAL', 'bpf_map__set_initial_value',
    /fixture_mark' is 4 bytes/);
  assertNativeError(() => b.openObject(OBJECT, { rodata: { no_such_global: u32(1) } }), 'ENOENT', 'bpf_map__set_initial_value', /no_such_global/);
  assertNativeError(() => b.openObject(OBJECT, { maxEntries: { no_such_map: 1 } }), 'ENOENT', 'bpf_map__set_max_entries', /no_such_map/);
  assertNativeError(() => b.openObject(OBJECT, { autoload: { no_such_prog: false } }), 'ENOENT', 'bpf_program__set_autoload');
});

test('attachTc in a foreign namespace, both directions: counts and ring records match the datagrams', { skip: SKIP }, async () => {
  const b = bridge();
  const tcx = b.probe().tcx;
  const o = openFixture({ autoload: { sock_state: false } });
  const batches: Buffer[] = [];
  const consumer = b.startRingConsumer(o, ['pkt_events'], {}, (batch) => batches.push(batch));
  let stopped = false;
  try {
    const ing = b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'ingress' });
    const eg = b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'egress' });
    assert.equal(ing.mode, tcx ? 'tcx' : 'legacy');
    assert.equal(eg.mode, tcx ? 'tcx' : 'legacy');
    const attached = tcx ? bpftoolLinks('count_skb') : undefined;
    if (attached) assert.equal(attached.length, 2, 'bpftool sees both tcx links');

    const N = 20;
    ping(N);
    assert.deepEqual(packetsOn(o, ifindexA), { packets: 2 * N, bytes: 2 * N * FRAME }, 'N datagrams out, N echoes in');

    const records: RingRecord[] = [];
    await until(() => batches.reduce((n, x) => n + x.length, 0) >= 2 * N * (RING_RECORD_HEADER_BYTES + PKT_EVENT), 3000);
    await b.stopRingConsumer(consumer);
    stopped = true;
    for (const batch of batches) ringRecords(batch, records);
    assert.equal(records.length, 2 * N);
    const events = records.map((r) => {
      assert.equal(r.ring, 0);
      return pktEvent(r.data);
    });
    for (const e of events) {
      assert.equal(e.mark, MARK, 'the rodata patch reached the program');
      assert.equal(e.ifindex, ifindexA);
      assert.equal(e.len, FRAME);
      assert.equal(e.protocol, ETH_P_IP);
    }
    assert.equal(events.filter((e) => e.ingressIfindex === ifindexA).length, N, 'ingress records');
    assert.equal(events.filter((e) => e.ingressIfindex === 0).length, N, 'egress records');
    assert.deepEqual(events.map((e) => e.seq).sort((x, y) => x - y), Array.from({ length: 2 * N }, (_, i) => i + 1));
    const stats = b.consumerStats(consumer);
    assert.equal(stats.records, 2 * N);
    assert.equal(stats.bytes, 2 * N * PKT_EVENT);
    assert.equal(stats.batches, batches.length);

    assert.equal(b.detach(ing.link), true);
    assert.equal(b.detach(eg.link), true);
    assert.equal(b.detach(eg.link), false, 'detach is idempotent');
    ping(5);
    assert.equal(packetsOn(o, ifindexA).packets, 2 * N, 'no longer counted after detach');
    assert.equal(tcFilters('ingress'), '');
    assert.equal(tcFilters('egress'), '');
    if (attached) assert.deepEqual(bpftoolLinks('count_skb'), [], 'no stale link');

    assertNativeError(() => b.attachTc(o, 'count_skb', { netns: '/var/run/netns/weft-nb-no-such', ifindex: 1, direction: 'ingress' }),
      'ENOENT', 'open');
    assertNativeError(() => b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: 999_999, direction: 'ingress' }), 'ENODEV',
      tcx ? 'bpf_link_create' : /bpf_tc_/);
  } finally {
    if (!stopped) await b.stopRingConsumer(consumer);
    b.closeObject(o);
  }
});

test('maps: update, lookup, delete, batch lookup and batch delete on HASH and PERCPU_ARRAY', { skip: SKIP }, () => {
  const b = bridge();
  const o = openFixture({ autoload: { sock_state: false } }); // loaded, never attached: no traffic
  try {
    const value = (i: number): Buffer => {
      const v = Buffer.alloc(16);
      v.writeBigUInt64LE(BigInt(i), 0);
      v.writeBigUInt64LE(BigInt(i * 10), 8);
      return v;
    };
    for (let i = 1; i <= 100; i++) b.mapUpdate(o, 'pkt_counts', u32(i), value(i), MapUpdateFlag.NOEXIST);
    assertNativeError(() => b.mapUpdate(o, 'pkt_counts', u32(5), value(5), MapUpdateFlag.NOEXIST), 'EEXIST', 'bpf_map_update_elem');
    assertNativeError(() => b.mapUpdate(o, 'pkt_counts', u32(1000), value(5), MapUpdateFlag.EXIST), 'ENOENT', 'bpf_map_update_elem');
    b.mapUpdate(o, 'pkt_counts', u32(7), value(7), MapUpdateFlag.EXIST);
    const v = Buffer.alloc(16);
    assert.equal(b.mapLookup(o, 'pkt_counts', u32(7), v), true);
    assert.deepEqual(v, value(7));
    assert.equal(b.mapLookup(o, 'pkt_counts', u32(1000), v), false);

    const readAll = (capacity: number): Map<number, bigint> => {
      const keys = Buffer.alloc(4 * capacity);
      const values = Buffer.alloc(16 * capacity);
      const n = b.mapLookupBatch(o, 'pkt_counts', keys, values);
      const out = new Map<number, bigint>();
      for (let i = 0; i < n; i++) {
        const k = keys.readUInt32LE(4 * i);
        assert.equal(values.readBigUInt64LE(16 * i), BigInt(k), 'value matches its key');
        assert.equal(values.readBigUInt64LE(16 * i + 8), BigInt(k * 10));
        out.set(k, values.readBigUInt64LE(16 * i));
      }
      assert.equal(out.size, n, 'no key twice');
      return out;
    };
    assert.deepEqual([...readAll(256).keys()].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(readAll(30).size, 30, 'stops at capacity');
    assert.equal(readAll(1).size, 1, 'capacity smaller than a hash bucket');
    assert.equal(readAll(100).size, 100);

    const del = Buffer.alloc(4 * 60);
    for (let i = 0; i < 50; i++) del.writeUInt32LE(i + 1, 4 * i);
    del.writeUInt32LE(1000, 4 * 50); // missing keys are skipped
    del.writeUInt32LE(1001, 4 * 51);
    assert.equal(b.mapDeleteBatch(o, 'pkt_counts', del, 52), 50);
    assert.deepEqual([...readAll(256).keys()].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 51));
    assert.equal(b.mapDelete(o, 'pkt_counts', u32(51)), true);
    assert.equal(b.mapDelete(o, 'pkt_counts', u32(51)), false);
    assert.equal(b.mapDeleteBatch(o, 'pkt_counts', del, 0), 0);

    // PERCPU_ARRAY: numPossibleCpus() values of round_up(8, 8) bytes each
    const cpus = b.numPossibleCpus();
    const pc = (key: number): Buffer => {
      const x = Buffer.alloc(8 * cpus);
      for (let c = 0; c < cpus; c++) x.writeBigUInt64LE(BigInt((key + 1) * 100 + c), 8 * c);
      return x;
    };
    b.mapUpdate(o, 'drop_counters', u32(0), pc(0), MapUpdateFlag.ANY);
    b.mapUpdate(o, 'drop_counters', u32(1), pc(1), MapUpdateFlag.ANY);
    const got = Buffer.alloc(8 * cpus);
    assert.equal(b.mapLookup(o, 'drop_counters', u32(1), got), true);
    assert.deepEqual(got, pc(1));
    const keys = Buffer.alloc(4 * 4);
    const values = Buffer.alloc(8 * cpus * 4);
    assert.equal(b.mapLookupBatch(o, 'drop_counters', keys, values), 2, 'an array holds max_entries entries');
    for (let i = 0; i < 2; i++) {
      const k = keys.readUInt32LE(4 * i);
      assert.deepEqual(values.subarray(8 * cpus * i, 8 * cpus * (i + 1)), pc(k));
    }
    assertNativeError(() => b.mapDelete(o, 'drop_counters', u32(0)), 'EINVAL', 'bpf_map_delete_elem');
    assertNativeError(() => b.mapLookup(o, 'drop_counters', u32(0), Buffer.alloc(8)), 'EINVAL', 'bpf_map', /must be/);
  } finally {
    b.closeObject(o);
  }
});

test('slow onBatch and a small ring: delivered + reserve failures == packets, nothing lost in between', { skip: SKIP }, async (t) => {
  const b = bridge();
  const o = openFixture({ maxEntries: { pkt_events: 4096 }, autoload: { sock_state: false } });
  const records: RingRecord[] = [];
  const consumer = b.startRingConsumer(o, ['pkt_events'], { batchBytes: 4096, maxQueue: 1, intervalMs: 2 }, (batch) => {
    ringRecords(batch, records);
    const end = Date.now() + 20; // a JS thread that is behind
    while (Date.now() < end) { /* busy */ }
  });
  let stopped = false;
  try {
    b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'egress' });
    const N = 3000;
    flood(N);
    const sent = packetsOn(o, ifindexA).packets;
    assert.equal(sent, N, 'one skb per datagram on egress');
    await b.stopRingConsumer(consumer);
    stopped = true;
    const dropped = drops(o, DROP_PKT_EVENT);
    t.diagnostic(`${N} sent: ${records.length} delivered, ${dropped} reserve failures, ${b.consumerStats(consumer).queueFullWaits} waits`);
    assert.equal(records.length + dropped, N, `delivered ${records.length} + dropped ${dropped}`);
    assert.ok(dropped > 0, 'the ring overflowed (backpressure reached the kernel)');
    assert.ok(b.consumerStats(consumer).queueFullWaits > 0, 'the consumer waited for JS');
    assert.equal(b.consumerStats(consumer).records, records.length);
    const seqs = new Set(records.map((r) => pktEvent(r.data).seq));
    assert.equal(seqs.size, records.length, 'no record delivered twice');
  } finally {
    if (!stopped) await b.stopRingConsumer(consumer);
    b.closeObject(o);
  }
});

test('stopRingConsumer delivers the tail at once; a record larger than batchBytes comes alone', { skip: SKIP }, async () => {
  const b = bridge();
  const o = openFixture({ autoload: { sock_state: false } });
  const batches: Buffer[] = [];
  // a 60 s interval: after its first (empty) drain the thread only wakes for stop
  const consumer = b.startRingConsumer(o, ['pkt_events'], { intervalMs: 60_000, batchBytes: 16, maxQueue: 64 },
    (batch) => batches.push(batch));
  try {
    b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'egress' });
    await sleep(20);
    ping(10);
    await sleep(20);
    assert.equal(batches.length, 0, 'nothing drained before stop');
    const t0 = Date.now();
    const stopping = b.stopRingConsumer(consumer);
    assert.equal(b.stopRingConsumer(consumer), stopping, 'stopping twice: the same promise');
    await stopping;
    assert.ok(Date.now() - t0 < 1000, 'stop wakes the sleeping thread');
    assert.equal(batches.length, 10, 'one 40-byte framed record per 16-byte batch');
    for (const batch of batches) {
      assert.equal(batch.length, RING_RECORD_HEADER_BYTES + PKT_EVENT);
      const records: RingRecord[] = [];
      ringRecords(batch, records);
      assert.equal(pktEvent(records[0]!.data).mark, MARK);
    }
    assert.deepEqual(b.consumerStats(consumer), { batches: 10, records: 10, bytes: 10 * PKT_EVENT, queueFullWaits: 0 });
    await b.stopRingConsumer(consumer); // already stopped: resolves
  } finally {
    b.closeObject(o);
  }
});

test('legacy tc: fixed handle/priority, REPLACE, detach leaves no filter (and keeps clsact)', { skip: SKIP }, () => {
  const b = bridge();
  const o = openFixture({ autoload: { sock_state: false } });
  try {
    const l1 = b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'ingress', mode: 'legacy' });
    assert.equal(l1.mode, 'legacy');
    const shown = tcFilters('ingress');
    assert.match(shown, /pref 7 bpf/);
    assert.match(shown, /handle 0xbee count_skb/);
    const l2 = b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'ingress', mode: 'legacy' });
    assert.equal(tcFilters('ingress').match(/handle 0xbee/g)?.length, 1, 'replaced, not doubled');
    ping(5);
    assert.equal(packetsOn(o, ifindexA).packets, 5, 'the echoes, on ingress');
    assert.equal(b.detach(l2.link), true);
    assert.equal(b.detach(l1.link), false, 'the same filter: already gone');
    assert.equal(tcFilters('ingress'), '');
    assert.match(inNs(NS_A, ['tc', 'qdisc', 'show', 'dev', IF_A]), /clsact/, 'the clsact qdisc stays');
    ping(3);
    assert.equal(packetsOn(o, ifindexA).packets, 5);
  } finally {
    b.closeObject(o);
  }
});

test('attachTracing: tp_btf/inet_sock_set_state sees a TCP connection made inside a namespace', { skip: SKIP }, async (t) => {
  const b = bridge();
  const probe = b.probe();
  if (!probe.tracing || !probe.btf) {
    t.skip(`this kernel lacks ${!probe.btf ? 'BTF (/sys/kernel/btf/vmlinux)' : 'tracing programs'}`);
    return;
  }
  const o = openFixture();
  const records: RingRecord[] = [];
  const consumer = b.startRingConsumer(o, ['pkt_events', 'sock_events'], { intervalMs: 2 }, (batch) => ringRecords(batch, records));
  let stopped = false;
  try {
    const { link } = b.attachTracing(o, 'sock_state');
    const port = 20_000 + (process.pid % 20_000);
    inNs(NS_A, [process.execPath, '-e', `const net = require('net');
      const s = net.createServer((c) => c.end()).listen(${port}, '${IP_A}', () => {
        const c = net.connect(${port}, '${IP_A}'); c.resume(); c.on('close', () => s.close());
      });
      setTimeout(() => process.exit(3), 5000).unref();`]);
    const ours = (): { old: number; new: number; family: number; sport: number; dport: number }[] => records
      .filter((r) => r.ring === 1)
      .map((r) => {
        assert.equal(r.data.length, SOCK_EVENT);
        return { old: r.data.readInt32LE(16), new: r.data.readInt32LE(20), family: r.data.readUInt16LE(24),
          sport: r.data.readUInt16LE(26), dport: r.data.readUInt16BE(28) };
      })
      .filter((e) => e.sport === port || e.dport === port);
    const TCP_ESTABLISHED = 1, TCP_SYN_SENT = 2, TCP_CLOSE = 7, TCP_LISTEN = 10, AF_INET = 2;
    const seen = (old: number, now: number, side: 'sport' | 'dport'): boolean =>
      ours().some((e) => e.old === old && e.new === now && e[side] === port && e.family === AF_INET);
    await until(() => seen(TCP_CLOSE, TCP_LISTEN, 'sport') && seen(TCP_CLOSE, TCP_SYN_SENT, 'dport')
      && seen(TCP_SYN_SENT, TCP_ESTABLISHED, 'dport'), 3000);
    await b.stopRingConsumer(consumer);
    stopped = true;
    assert.ok(seen(TCP_CLOSE, TCP_LISTEN, 'sport'), 'the listener: CLOSE → LISTEN');
    assert.ok(seen(TCP_CLOSE, TCP_SYN_SENT, 'dport'), 'the client: CLOSE → SYN_SENT');
    assert.ok(seen(TCP_SYN_SENT, TCP_ESTABLISHED, 'dport'), 'the client: SYN_SENT → ESTABLISHED');
    assert.equal(records.filter((r) => r.ring === 0).length, 0, 'no tc program attached');
    assert.equal(b.detach(link), true);
    assert.equal(b.detach(link), false);
  } finally {
    if (!stopped) await b.stopRingConsumer(consumer);
    b.closeObject(o);
  }
});

test('netnsInfo and netlinkDump inside a namespace', { skip: SKIP }, () => {
  const b = bridge();
  const a = b.netnsInfo(NS_PATH_A);
  const bb = b.netnsInfo(NS_PATH_B);
  const own = b.netnsInfo('/proc/self/ns/net');
  assert.equal(a.inode, statSync(NS_PATH_A).ino);
  assert.equal(bb.inode, statSync(NS_PATH_B).ino);
  assert.equal(own.inode, statSync('/proc/self/ns/net').ino);
  assert.equal(typeof a.cookie, 'bigint');
  assert.ok(a.cookie > 0n && bb.cookie > 0n);
  assert.notEqual(a.cookie, bb.cookie);
  assert.notEqual(a.cookie, own.cookie);
  assert.equal(b.netnsInfo(NS_PATH_A).cookie, a.cookie, 'stable');
  assertNativeError(() => b.netnsInfo('/var/run/netns/weft-nb-no-such'), 'ENOENT', 'open');

  const RTM_NEWLINK = 16, RTM_NEWADDR = 20, RTM_NEWROUTE = 24, IFLA_IFNAME = 3, IFA_ADDRESS = 1, IFA_LABEL = 3, RTA_DST = 1;
  const links = nlmsgs(b.netlinkDump(NS_PATH_A, 'link'));
  assert.ok(links.length >= 2);
  assert.ok(links.every((m) => m.type === RTM_NEWLINK));
  const byName = new Map(links.map((m) => [cstr(rtattrs(m.body, 16).get(IFLA_IFNAME)), m.body.readInt32LE(4)]));
  assert.deepEqual([...byName.keys()].sort(), ['lo', IF_A].sort(), 'only the namespace\'s own links');
  assert.equal(byName.get(IF_A), ifindexA);

  const addrs = nlmsgs(b.netlinkDump(NS_PATH_A, 'addr'));
  assert.ok(addrs.every((m) => m.type === RTM_NEWADDR));
  const v4 = addrs.filter((m) => m.body[0] === 2).map((m) => {
    const attrs = rtattrs(m.body, 8);
    return { prefix: m.body[1], index: m.body.readUInt32LE(4), addr: [...(attrs.get(IFA_ADDRESS) ?? [])].join('.'),
      label: cstr(attrs.get(IFA_LABEL)) };
  });
  assert.ok(v4.some((x) => x.addr === IP_A && x.prefix === 24 && x.index === ifindexA && x.label === IF_A), JSON.stringify(v4));

  const routes = nlmsgs(b.netlinkDump(NS_PATH_A, 'route'));
  assert.ok(routes.every((m) => m.type === RTM_NEWROUTE));
  assert.ok(routes.some((m) => m.body[0] === 2 && m.body[1] === 24 && [...(rtattrs(m.body, 12).get(RTA_DST) ?? [])].join('.') === `${SUBNET}.0`));

  assert.ok(nlmsgs(b.netlinkDump(undefined, 'link')).length >= 1, 'own namespace');
  assertNativeError(() => b.netlinkDump(NS_PATH_A, 'neigh' as 'link'), 'EINVAL', 'netlinkDump');
});

test('pcapOpen in a namespace: a filter sees exactly the datagrams; a bad filter names itself', { skip: SKIP }, async () => {
  const b = bridge();
  const batches: Buffer[] = [];
  const { capture, linkType } = b.pcapOpen({ netns: NS_PATH_A, iface: IF_A, filter: `udp port ${ECHO_PORT}`, intervalMs: 5 },
    (x) => batches.push(x));
  let closed = false;
  try {
    assert.equal(linkType, 1, 'DLT_EN10MB');
    const N = 10;
    const t0 = Date.now() / 1000;
    ping(N);
    await b.pcapClose(capture);
    closed = true;
    const packets: { caplen: number; wirelen: number; sec: number; nsec: number; dport: number }[] = [];
    for (const batch of batches) {
      let off = 0;
      while (off < batch.length && packets.length < 10_000) {
        const caplen = batch.readUInt32LE(off);
        const frame = batch.subarray(off + PCAP_RECORD_HEADER_BYTES, off + PCAP_RECORD_HEADER_BYTES + caplen);
        assert.equal(frame.readUInt16BE(12), ETH_P_IP);
        assert.equal(frame[14 + 9], 17, 'UDP');
        packets.push({ caplen, wirelen: batch.readUInt32LE(off + 4), sec: batch.readUInt32LE(off + 8), nsec: batch.readUInt32LE(off + 12),
          dport: frame.readUInt16BE(14 + 20 + 2) });
        off += PCAP_RECORD_HEADER_BYTES + ((caplen + 7) & ~7);
      }
      assert.equal(off, batch.length, 'batch ends on a packet boundary');
    }
    assert.equal(packets.length, 2 * N);
    for (const p of packets) {
      assert.equal(p.caplen, FRAME);
      assert.equal(p.wirelen, FRAME);
      assert.ok(p.nsec < 1e9);
      assert.ok(Math.abs(p.sec + p.nsec / 1e9 - t0) < 60, 'a wall-clock timestamp');
    }
    assert.equal(packets.filter((p) => p.dport === ECHO_PORT).length, N, 'requests');
    assert.equal(packets.filter((p) => p.dport !== ECHO_PORT).length, N, 'echoes');
    const stats = b.pcapStats(capture);
    assert.ok(stats.received >= 2 * N, JSON.stringify(stats));
    assert.equal(stats.dropped, 0);
  } finally {
    if (!closed) await b.pcapClose(capture);
  }
  assertNativeError(() => b.pcapOpen({ netns: NS_PATH_A, iface: IF_A, filter: 'udp and and' }, () => {}), 'EINVAL', 'pcap_compile',
    /filter 'udp and and'/);
  assertNativeError(() => b.pcapOpen({ netns: NS_PATH_A, iface: 'wnb-none' }, () => {}), 'ENODEV', 'pcap_activate', /wnb-none/);
});

test('detach after the interface is gone: false, not an error', { skip: SKIP }, () => {
  const b = bridge();
  const o = openFixture({ autoload: { sock_state: false } });
  try {
    // a second veth pair, both ends in A, deleted under the links
    run('ip', ['-n', NS_A, 'link', 'add', 'wnb-x', 'type', 'veth', 'peer', 'name', 'wnb-y']);
    const { ifindex } = link(NS_A, 'wnb-x');
    const auto = b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex, direction: 'ingress' });
    const legacy = b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex, direction: 'egress', mode: 'legacy' });
    run('ip', ['-n', NS_A, 'link', 'del', 'wnb-x']);
    assert.equal(b.detach(auto.link), false, `${auto.mode}: the interface took the program with it`);
    assert.equal(b.detach(legacy.link), false, 'legacy: the interface took the filter with it');
  } finally {
    spawnSync('ip', ['-n', NS_A, 'link', 'del', 'wnb-x']);
    b.closeObject(o);
  }
});

test('closeObject detaches everything made from the object', { skip: SKIP }, async () => {
  const b = bridge();
  const probe = b.probe();
  const tracing = probe.tracing && probe.btf;
  const o = openFixture({ autoload: { sock_state: tracing } });
  const links: LinkHandle[] = [
    b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'ingress' }).link,
    b.attachTc(o, 'count_skb', { netns: NS_PATH_A, ifindex: ifindexA, direction: 'egress', mode: 'legacy' }).link,
  ];
  if (tracing) links.push(b.attachTracing(o, 'sock_state').link);
  assert.match(tcFilters('egress'), /handle 0xbee count_skb/);
  b.closeObject(o);
  assert.equal(tcFilters('egress'), '', 'the legacy filter is gone');
  for (const l of links) assert.equal(b.detach(l), false, 'already detached by closeObject');
  if (spawnSync('bpftool', ['version']).status === 0) {
    // programs are freed once their last link and fd are gone (RCU: allow a moment)
    assert.ok(await until(() => !progLoaded('count_skb') && !progLoaded('sock_state'), 3000), 'no program left loaded');
  }
});
