/**
 * The control plane against the live agent: a real nats-server (JetStream) and the HTTP API, the
 * agent observing two namespaces the test creates. Every verb over NATS and HTTP; discovery through
 * the NATS Services API; blocks that stop traffic, count hits, expire, and survive an agent restart
 * without outliving their TTL; captures that tshark reads; malformed, unsigned, forged and
 * unauthorized commands refused with a clear error, changing nothing; an audit record for each.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { connect, headers } from '@nats-io/transport-node';
import { Agent, startControlPlane, type AgentOptions, type RunningControl } from '../../src/agent/index.js';
import { WeftClient, WeftHttpClient, Signer, WeftCommandError } from '../../src/client/index.js';
import { bridgeAvailable } from '../../src/native/index.js';
import { defaultObjectPath } from '../../src/capture/index.js';
import type { AuditRecord, CaptureRecord, FlowRecord } from '../../src/model/index.js';
import { MemorySink } from '../support/memory-sink.js';
import { createTestNet, hasNetnsPrivileges, type TestNet } from '../support/netns.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../support/nats-server.js';
import { hasTshark, runUdpWorkload } from '../support/workload.js';

const skip = hasNetnsPrivileges() ?? natsServerMissing() ?? (!bridgeAvailable() ? 'the native bridge is not built (make build)'
  : !existsSync(defaultObjectPath()) ? 'the eBPF object is not built (clang missing)' : undefined);

const NODE = 'node-a';

function options(net: TestNet, sink: MemorySink, warnings: string[]): AgentOptions {
  return {
    source: 'ebpf', netns: [net.a.name, net.b.name], ifaces: [], sinks: [sink],
    flowIdleMs: 1000, flowActiveMs: 600_000, statsIntervalMs: 0, drainIntervalMs: 200, rescanIntervalMs: 200,
    tapFirstPackets: 16, snaplen: 9216, flowEntries: 16384, dissect: true, node: NODE,
    info: () => undefined, warn: (line) => { warnings.push(line); },
    sinkUris: ['memory'],
  };
}

function audits(sink: MemorySink): AuditRecord[] {
  return sink.records.filter((r): r is AuditRecord => r.kind === 'audit');
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('control plane (NATS service + HTTP) on the live agent', { skip }, () => {
  let net: TestNet;
  let nats: NatsServer;
  let stateDir: string;
  let agent: Agent;
  let control: RunningControl;
  let sink: MemorySink;
  const warnings: string[] = [];
  let admin: WeftClient;
  let anonymous: WeftClient;
  let http: WeftHttpClient;

  before(async () => {
    net = await createTestNet({ gso: false });
    nats = await startNatsServer();
    stateDir = mkdtempSync(join(tmpdir(), 'weft-ctl-'));
    sink = new MemorySink();
    agent = await Agent.start(options(net, sink, warnings));
    control = await startControlPlane(agent, { natsUrl: nats.url, http: { host: '127.0.0.1', port: 0 }, stateDir, info: () => undefined, warn: (l) => { warnings.push(l); } });
    admin = await WeftClient.connect(nats.url, { identity: control.adminSeedPath });
    anonymous = await WeftClient.connect(nats.url);
    http = new WeftHttpClient(control.httpUrl!, { identity: control.adminSeedPath });
  });
  after(async () => {
    await admin?.close();
    await anonymous?.close();
    await control?.stop();
    await agent?.stop();
    await nats?.destroy();
    await net?.destroy();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  });

  test('the agent is a NATS service: PING, INFO and STATS list it and every verb, for the node and for all', async () => {
    const nc = admin.nc;
    const info = (await nc.request('$SRV.INFO.weft', '', { timeout: 2000 })).json<{ name: string; metadata: Record<string, string>; endpoints: { subject: string }[] }>();
    assert.equal(info.name, 'weft');
    assert.equal(info.metadata['node'], NODE);
    const subjects = info.endpoints.map((e) => e.subject);
    for (const s of ['weft.ctl.node-a.status', 'weft.ctl.all.status', 'weft.ctl.node-a.block.add', 'weft.ctl.all.capture.start', 'weft.ctl.node-a.topology.get']) {
      assert.ok(subjects.includes(s), `${s} in ${subjects.join(' ')}`);
    }
    const ping = (await nc.request('$SRV.PING.weft', '', { timeout: 2000 })).json<{ type: string }>();
    assert.equal(ping.type, 'io.nats.micro.v1.ping_response');
    await admin.request(NODE, 'status');
    const stats = (await nc.request('$SRV.STATS.weft', '', { timeout: 2000 })).json<{ endpoints: { subject: string; num_requests: number }[] }>();
    assert.ok(stats.endpoints.find((e) => e.subject === 'weft.ctl.node-a.status')!.num_requests >= 1);
  });

  test('read verbs answer over NATS and HTTP alike; anyone may read', async () => {
    const status = await anonymous.request(NODE, 'status');
    assert.equal(status.node, NODE);
    assert.equal(status.source, 'ebpf');
    assert.equal(status.interfaces, 4); // lo and the veth end in each namespace
    const viaHttp = await new WeftHttpClient(control.httpUrl!).request('status');
    assert.equal(viaHttp.agent_id, status.agent_id);
    const caps = await anonymous.request(NODE, 'capabilities');
    assert.equal(caps.source, 'ebpf');
    const sensors = await http.request('sensors.list', { selector: { netns: net.a.name } });
    assert.deepEqual(sensors.sensors.map((s) => s.interface).sort(), [net.a.iface, 'lo'].sort());
    const topo = await anonymous.request(NODE, 'topology.get');
    const ns = topo.namespaces.find((n) => n.name === net.b.name);
    assert.ok(ns !== undefined, 'namespace b in the topology');
    const veth = ns.interfaces.find((i) => i.name === net.b.iface)!;
    assert.equal(veth.kind, 'veth');
    assert.equal(veth.observed, true);
    assert.ok(veth.addresses.includes(`${net.b.ipv4}/24`), veth.addresses.join(','));
    const stats = await http.request('stats');
    assert.equal(stats.kind, 'stats');
    assert.ok(stats.counters['interfaces_observed']! >= 4);
    assert.deepEqual((await anonymous.request(NODE, 'pipeline.get')).include, []);
    const everyone = await anonymous.requestAll('status', {}, { deadlineMs: 1000 });
    assert.deepEqual(everyone.map((r) => r.node), [NODE]);
  });

  test('malformed, unknown, unsigned, forged and unauthorized commands get a clear error, change nothing, and are audited', async () => {
    const before = audits(sink).length;
    const bad = await admin.send(NODE, 'block.add', { match: { port: 70000 }, ttl: '10s' });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.error.code === 'bad_request' && /match\.port/.test(bad.error.message), JSON.stringify(bad));
    const noTtl = await admin.send(NODE, 'block.add', { match: { port: 9 } });
    assert.ok(!noTtl.ok && noTtl.error.code === 'bad_request' && /ttl/.test(noTtl.error.message), JSON.stringify(noTtl));
    const extra = await http.send('block.list', { bogus: 1 });
    assert.ok(!extra.ok && extra.error.code === 'bad_request' && /bogus/.test(extra.error.message), JSON.stringify(extra));
    // Not JSON at all, straight on the subject.
    const raw = (await anonymous.nc.request(`weft.ctl.${NODE}.status`, '{nope', { timeout: 2000 })).json<{ ok: boolean; error: { code: string; message: string } }>();
    assert.equal(raw.error.code, 'bad_request');
    assert.match(raw.error.message, /not JSON/);
    const unknown = await fetch(`${control.httpUrl!}/api/v1/ctl/reboot`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'unknown_verb');
    // Anonymous callers only read.
    await assert.rejects(anonymous.request(NODE, 'block.add', { match: { port: 9 }, ttl: '10s' }),
      (e: WeftCommandError) => e.code === 'forbidden' && /anonymous \(role viewer\)/.test(e.message));
    const viaHttp = await new WeftHttpClient(control.httpUrl!).send('sensor.stop', { selector: {} });
    assert.ok(!viaHttp.ok && viaHttp.error.code === 'forbidden');
    // A key the policy does not know is a viewer, however valid its signature.
    const stranger = new WeftClient(admin.nc, { identity: new Signer(Buffer.from(createUser().getSeed()).toString()) });
    await assert.rejects(stranger.request(NODE, 'block.add', { match: { port: 9 }, ttl: '10s' }), (e: WeftCommandError) => e.code === 'forbidden');
    // A signature over another body (a tampered request) is refused outright.
    const signer = Signer.fromFile(control.adminSeedPath);
    const signed = signer.sign(NODE, 'block.add', new TextEncoder().encode('{"match":{"port":9},"ttl":"1s"}'));
    const h = headers();
    for (const [k, v] of Object.entries(signed)) h.set(k, v);
    const forged = (await admin.nc.request(`weft.ctl.${NODE}.block.add`, '{"match":{"port":9},"ttl":"7d"}', { headers: h, timeout: 2000 }))
      .json<{ ok: boolean; error: { code: string; message: string } }>();
    assert.equal(forged.error.code, 'unauthenticated');
    assert.match(forged.error.message, /bad signature/);
    // A replay of a valid signed request is refused too.
    const once = signer.sign(NODE, 'block.list', new TextEncoder().encode('{}'));
    const h2 = headers();
    for (const [k, v] of Object.entries(once)) h2.set(k, v);
    assert.equal((await admin.nc.request(`weft.ctl.${NODE}.block.list`, '{}', { headers: h2, timeout: 2000 })).json<{ ok: boolean }>().ok, true);
    const replayed = (await admin.nc.request(`weft.ctl.${NODE}.block.list`, '{}', { headers: h2, timeout: 2000 })).json<{ error: { message: string } }>();
    assert.match(replayed.error.message, /already used/);

    assert.deepEqual((await admin.request(NODE, 'block.list')).blocks, [], 'nothing was blocked');
    assert.deepEqual((await admin.request(NODE, 'sensors.list')).sensors.filter((s) => s.mode === 'stopped'), []);
    await until('the audit records', () => audits(sink).length - before >= 12 || undefined);
    const failures = audits(sink).slice(before).filter((a) => a.outcome === 'failure');
    assert.ok(failures.length >= 10, `${failures.length} failures audited`);
    const denied = failures.find((a) => a.verb === 'block.add' && a.errorCode === 'forbidden' && a.identity === 'anonymous');
    assert.ok(denied !== undefined && denied.request.includes('"port":9'), 'the denied block.add is audited with its request');
    assert.ok(failures.some((a) => a.verb === 'reboot' && a.transport === 'http' && a.errorCode === 'unknown_verb'));
    assert.ok(failures.some((a) => a.errorCode === 'unauthenticated'));
  });

  test('block.add drops the traffic in the kernel, counts hits, block.remove lets it through; over HTTP too', async () => {
    const port = 47_001;
    const ok = await runUdpWorkload(net, { count: 10, size: 64, port, timeoutMs: 3000 });
    assert.equal(ok.serverReceived, 10);
    const block = await admin.request(NODE, 'block.add', { match: { address: `${net.a.ipv4}/32`, port, protocol: 'udp' }, ttl: '1m', reason: 'test' });
    assert.equal(block.created_by, 'local-admin');
    const blocked = await runUdpWorkload(net, { count: 10, size: 64, port, timeoutMs: 1500 }).catch((e: Error) => e);
    assert.ok(blocked instanceof Error || blocked.serverReceived === 0, 'the server got nothing while blocked');
    const listed = (await http.request('block.list')).blocks;
    assert.equal(listed.length, 1);
    assert.ok(listed[0]!.hits >= 10, `hits ${listed[0]!.hits}`);
    assert.deepEqual(listed[0]!.match, { address: `${net.a.ipv4}/32`, port, protocol: 17 });
    const removed = await http.request('block.remove', { id: block.id });
    assert.ok(removed.hits >= 10);
    const again = await runUdpWorkload(net, { count: 10, size: 64, port, timeoutMs: 3000 });
    assert.equal(again.serverReceived, 10);
    await assert.rejects(admin.request(NODE, 'block.remove', { id: block.id }), (e: WeftCommandError) => e.code === 'not_found');
    const audited = audits(sink).filter((a) => a.verb === 'block.add' && a.outcome === 'success');
    assert.ok(audited.some((a) => a.identity === 'local-admin' && a.summary?.startsWith(`block ${block.id} dropping`)));
  });

  test('a block expires by itself (and the expiry is audited); dry-run only counts', async () => {
    const port = 47_002;
    const dry = await admin.request(NODE, 'block.add', { match: { port }, ttl: '30s', dry_run: true });
    const counted = await runUdpWorkload(net, { count: 5, size: 64, port, timeoutMs: 3000 });
    assert.equal(counted.serverReceived, 5, 'dry-run drops nothing');
    const b = await admin.request(NODE, 'block.add', { match: { port, protocol: 'udp' }, ttl: 1.5 });
    const blocked = await runUdpWorkload(net, { count: 5, size: 64, port, timeoutMs: 800 }).catch((e: Error) => e);
    assert.ok(blocked instanceof Error || blocked.serverReceived === 0);
    await until('the expiry', () => audits(sink).find((a) => a.verb === 'block.expire' && a.request === JSON.stringify({ id: b.id })));
    const after = await runUdpWorkload(net, { count: 5, size: 64, port, timeoutMs: 3000 });
    assert.equal(after.serverReceived, 5);
    const left = (await admin.request(NODE, 'block.list')).blocks;
    assert.deepEqual(left.map((x) => x.id), [dry.id]);
    assert.ok(left[0]!.hits >= 10, `dry-run hits ${left[0]!.hits}`);
    await admin.request(NODE, 'block.remove', { id: dry.id });
  });

  test('capture.start records the matching packets to PCAPNG, uploads it, and tshark reads it', { skip: hasTshark() ? undefined : 'tshark missing' }, async () => {
    const port = 47_003;
    const started = await admin.request(NODE, 'capture.start', { filter: `udp port ${port}`, duration: '1500ms', selector: { netns: net.b.name } });
    assert.equal(started.state, 'running');
    await runUdpWorkload(net, { count: 12, size: 100, port, timeoutMs: 3000 });
    await runUdpWorkload(net, { count: 7, size: 100, port: port + 1, timeoutMs: 3000 }); // not in the filter
    const done = await until('the upload', async () => {
      const c = await admin.request(NODE, 'capture.get', { id: started.id });
      return c.object !== undefined ? c : undefined;
    }, 10_000);
    assert.equal(done.state, 'completed');
    assert.equal(done.end_reason, 'duration');
    assert.equal(done.packets, 12, 'the 12 datagrams as b received them');
    const bytes = await admin.captureBytes(done);
    const file = join(stateDir, 'fetched.pcapng');
    writeFileSync(file, bytes);
    assert.equal(statSync(done.path).mode & 0o777, 0o600);
    const fields = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'udp.dstport', '-e', 'frame.interface_description']).toString().trim().split('\n');
    assert.equal(fields.length, 12);
    for (const line of fields) {
      const [iface, dport, description] = line.split('\t');
      assert.equal(iface, net.b.iface);
      assert.equal(Number(dport), port);
      assert.match(description ?? '', new RegExp(`netns ${net.b.name}`));
    }
    const viaHttp = await http.captureBytes(done.id);
    assert.deepEqual(Buffer.from(viaHttp), Buffer.from(bytes));
    const record = await until('the capture record', () => sink.records.find((r): r is CaptureRecord => r.kind === 'capture' && r.id === done.id));
    assert.equal(record.object?.sha256, done.object!.sha256);
    const bad = await admin.send(NODE, 'capture.start', { filter: 'udp prot 5' });
    assert.ok(!bad.ok && bad.error.code === 'bad_request' && /filter/.test(bad.error.message), JSON.stringify(bad));
  });

  test('pipeline.set filters and samples records live; a bad field changes nothing', async () => {
    const bad = await admin.send(NODE, 'pipeline.set', { include: [{ 'source.colour': 'red' }] });
    assert.ok(!bad.ok && bad.error.code === 'bad_request' && /source\.colour/.test(bad.error.message), JSON.stringify(bad));
    const port = 47_004;
    await admin.request(NODE, 'pipeline.set', { include: [{ type: 'flow', 'destination.port': port }, { type: ['audit', 'capture'] }] });
    const mark = sink.records.length;
    await runUdpWorkload(net, { count: 3, size: 64, port, timeoutMs: 3000 });
    await runUdpWorkload(net, { count: 3, size: 64, port: port + 1, timeoutMs: 3000 });
    await until('the flows of the included port', () => sink.records.slice(mark).filter((r) => r.kind === 'flow').length >= 2 || undefined, 6000);
    await new Promise((r) => setTimeout(r, 1500));
    const flows = sink.records.slice(mark).filter((r): r is FlowRecord => r.kind === 'flow');
    assert.ok(flows.every((f) => f.destinationPort === port), flows.map((f) => f.destinationPort).join(','));
    const cfg = await admin.request(NODE, 'pipeline.set', { include: [] });
    assert.deepEqual(cfg.include, []);
    assert.ok((await admin.request(NODE, 'stats')).counters['records_filtered']! > 0);
  });

  test('sensor.stop detaches, sensor.start re-attaches, sensor.update filters packets', async () => {
    const stopped = await admin.request(NODE, 'sensor.stop', { selector: { netns: net.a.name, interface: net.a.iface } });
    assert.equal(stopped.sensors.length, 1);
    const list = (await admin.request(NODE, 'sensors.list', { selector: { netns: net.a.name } })).sensors;
    assert.deepEqual(list.map((s) => `${s.interface}:${s.mode}`).sort(), [`${net.a.iface}:stopped`, 'lo:tcx'].sort());
    const started = await admin.request(NODE, 'sensor.start', { selector: { netns: net.a.name } });
    assert.ok(started.sensors.some((s) => s.interface === net.a.iface && s.mode === 'tcx'));
    const updated = await admin.request(NODE, 'sensor.update', { selector: { netns: net.b.name }, filter: 'tcp', sampling: 2 });
    assert.ok(updated.sensors.every((s) => s.filter === 'tcp' && s.sampling === 2));
    const bad = await admin.send(NODE, 'sensor.update', { filter: 'tcp and and' });
    assert.ok(!bad.ok && /tcp and and/.test(bad.error.message), JSON.stringify(bad));
    await admin.request(NODE, 'sensor.update', { selector: { netns: net.b.name }, filter: '', sampling: 1 });
  });
});

describe('blocks survive an agent restart without outliving their TTL', { skip }, () => {
  test('a restarted agent puts back what has time left, with the time it has left', async () => {
    const net = await createTestNet({ gso: false });
    const stateDir = mkdtempSync(join(tmpdir(), 'weft-ctl-'));
    const warnings: string[] = [];
    try {
      const port = 47_010;
      let sink = new MemorySink();
      let agent = await Agent.start(options(net, sink, warnings));
      let control = await startControlPlane(agent, { http: { host: '127.0.0.1', port: 0 }, stateDir, info: () => undefined, warn: (l) => { warnings.push(l); } });
      let http = new WeftHttpClient(control.httpUrl!, { identity: control.adminSeedPath });
      const long = await http.request('block.add', { match: { port, protocol: 'udp' }, ttl: '3s' });
      await http.request('block.add', { match: { port: port + 1 }, ttl: '1s' });
      await control.stop();
      await agent.stop();
      // Down: the tc programs went with the process; the file keeps the blocks.
      assert.equal(statSync(join(stateDir, 'blocks.json')).mode & 0o777, 0o600);
      await new Promise((r) => setTimeout(r, 1200));
      sink = new MemorySink();
      agent = await Agent.start(options(net, sink, warnings));
      control = await startControlPlane(agent, { http: { host: '127.0.0.1', port: 0 }, stateDir, info: () => undefined, warn: (l) => { warnings.push(l); } });
      http = new WeftHttpClient(control.httpUrl!, { identity: control.adminSeedPath });
      const blocks = (await http.request('block.list')).blocks;
      assert.deepEqual(blocks.map((b) => b.id), [long.id], 'the 1 s block expired while the agent was down');
      assert.equal(blocks[0]!.expires_at, long.expires_at);
      assert.ok(warnings.some((w) => /1 block\(s\) expired while the agent was not running/.test(w)), warnings.join('\n'));
      const blocked = await runUdpWorkload(net, { count: 5, size: 64, port, timeoutMs: 800 }).catch((e: Error) => e);
      assert.ok(blocked instanceof Error || blocked.serverReceived === 0, 'enforced again after the restart');
      await until('the TTL', () => Date.now() > Date.parse(long.expires_at) + 600 || undefined, 5000);
      const free = await runUdpWorkload(net, { count: 5, size: 64, port, timeoutMs: 3000 });
      assert.equal(free.serverReceived, 5, 'not a moment past its TTL');
      assert.deepEqual((await http.request('block.list')).blocks, []);
      await control.stop();
      await agent.stop();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
      await net.destroy();
    }
  });
});

describe('NATS users and permissions, and an agent policy over nkeys', { skip: natsServerMissing() ?? skip }, () => {
  test('the server admits only known users to the subjects they may use; the agent policy grants verbs per key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-authz-'));
    const net = await createTestNet({ gso: false });
    const responder = createUser();
    const responderSeed = join(dir, 'responder.nk');
    writeFileSync(responderSeed, `${Buffer.from(responder.getSeed()).toString()}\n`, { mode: 0o600 });
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `authorization {
  users = [
    { user: agent, password: agentpw, permissions: { publish: [">"], subscribe: [">"] } }
    { user: ops, password: opspw, permissions: { publish: ["weft.ctl.>", "$SRV.>"], subscribe: ["_INBOX.>", "weft.v1.>"] } }
    { user: viewer, password: viewerpw, permissions: { publish: ["weft.ctl.*.status", "weft.ctl.*.stats", "weft.ctl.*.block.list"], subscribe: ["_INBOX.>"] } }
  ]
}
`);
    const server = await startNatsServer({ config: conf });
    const policyPath = join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify({
      roles: { responder: ['block.*', 'capture.*', 'status', 'stats'] },
      identities: [{ name: 'soc-bot', nkey: responder.getPublicKey(), role: 'responder' }],
    }));
    const warnings: string[] = [];
    const sink = new MemorySink();
    const agent = await Agent.start(options(net, sink, warnings));
    const url = (user: string, pw: string): string => `nats://${user}:${pw}@127.0.0.1:${server.port}`;
    let control: RunningControl | undefined;
    try {
      await assert.rejects(connect({ servers: `127.0.0.1:${server.port}`, maxReconnectAttempts: 0 }), /Authorization/i, 'no anonymous connections');
      await assert.rejects(startControlPlane(agent, { natsUrl: url('agent', 'wrong'), stateDir: dir, info: () => undefined, warn: () => undefined }), /Authorization/i);
      control = await startControlPlane(agent, { natsUrl: url('agent', 'agentpw'), policyPath, stateDir: dir, info: () => undefined, warn: () => undefined });
      const viewer = await WeftClient.connect(url('viewer', 'viewerpw'));
      const ops = await WeftClient.connect(url('ops', 'opspw'), { identity: responderSeed });
      const opsUnsigned = await WeftClient.connect(url('ops', 'opspw'));
      try {
        assert.equal((await viewer.request(NODE, 'status')).node, NODE);
        // The server refuses the publish: the agent never sees it.
        await assert.rejects(viewer.request(NODE, 'block.add', { match: { port: 9 }, ttl: '5s' }, 1500), /Permissions Violation|timeout|no responders/i);
        const b = await ops.request(NODE, 'block.add', { match: { port: 9 }, ttl: '5s' });
        assert.equal(b.created_by, 'soc-bot');
        await assert.rejects(ops.request(NODE, 'sensor.stop', { selector: {} }), (e: WeftCommandError) => e.code === 'forbidden' && /soc-bot \(role responder\)/.test(e.message));
        await assert.rejects(opsUnsigned.request(NODE, 'block.remove', { id: b.id }), (e: WeftCommandError) => e.code === 'forbidden');
        await ops.request(NODE, 'block.remove', { id: b.id });
        const audit = await until('the audit records', () => {
          const a = audits(sink);
          return a.some((x) => x.verb === 'block.remove' && x.identity === 'soc-bot') ? a : undefined;
        });
        assert.ok(audit.some((a) => a.identity === 'soc-bot' && a.identityKey === responder.getPublicKey() && a.verb === 'block.add' && a.outcome === 'success'));
        assert.ok(!audit.some((a) => a.verb === 'block.add' && a.identity === 'anonymous'), 'the viewer\'s block.add never reached the agent');
      } finally {
        await viewer.close();
        await ops.close();
        await opsUnsigned.close();
      }
    } finally {
      await control?.stop();
      await agent.stop();
      await server.destroy();
      await net.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
