/**
 * The command line end to end: `weft agent --control nats://… --http …` in its own process, driven
 * by `weft ctl` (one node, all nodes, NATS and HTTP, JSON and key=value parameters, errors and exit
 * statuses) and `weft capture` (a PCAPNG fetched from the object store that tshark reads).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeAvailable } from '../../src/native/index.js';
import { defaultObjectPath } from '../../src/capture/index.js';
import { REPO_ROOT } from '../support/corpus.js';
import { createTestNet, hasNetnsPrivileges, type TestNet } from '../support/netns.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../support/nats-server.js';
import { hasTshark, runUdpWorkload } from '../support/workload.js';

const skip = hasNetnsPrivileges() ?? natsServerMissing() ?? (!bridgeAvailable() ? 'the native bridge is not built (make build)'
  : !existsSync(defaultObjectPath()) ? 'the eBPF object is not built (clang missing)' : undefined);
const WEFT = join(REPO_ROOT, 'bin', 'weft');

function weft(args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [WEFT, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('weft ctl and weft capture against weft agent', { skip }, () => {
  let net: TestNet;
  let nats: NatsServer;
  let agent: ChildProcess;
  let stateDir: string;
  let httpUrl: string;
  let stderr = '';

  before(async () => {
    net = await createTestNet({ gso: false });
    nats = await startNatsServer();
    stateDir = mkdtempSync(join(tmpdir(), 'weft-ctl-cli-'));
    const port = await freePort();
    httpUrl = `http://127.0.0.1:${port}`;
    agent = spawn(process.execPath, [WEFT, 'agent', '--netns', net.a.name, '--netns', net.b.name, '--node', 'cli-node',
      '--sink', `${nats.url}?node=cli-node`, '--http', `127.0.0.1:${port}`, '--state-dir', stateDir, '--stats-interval', '0'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not start: ${stderr}`)), 15_000);
      agent.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('control plane on') && stderr.includes('control API on')) { clearTimeout(timer); resolve(); }
      });
      agent.on('exit', (code) => { clearTimeout(timer); reject(new Error(`agent exited ${code}: ${stderr}`)); });
    });
  });
  after(async () => {
    if (agent !== undefined && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
    await nats?.destroy();
    await net?.destroy();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  });

  test('weft ctl: status of one node and of all, over NATS and HTTP', async () => {
    const one = await weft(['ctl', 'cli-node', 'status', '--nats', nats.url, '--json']);
    assert.equal(one.code, 0, one.stderr);
    const reply = JSON.parse(one.stdout) as { ok: boolean; node: string; result: { source: string } };
    assert.equal(reply.ok, true);
    assert.equal(reply.result.source, 'ebpf');
    const all = await weft(['ctl', 'all', 'status', '--nats', nats.url, '--deadline', '1s']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^cli-node: ok$/m);
    assert.match(all.stderr, /1 agent\(s\) replied/);
    const viaHttp = await weft(['ctl', 'cli-node', 'sensors.list', 'selector.netns=' + net.b.name, '--http', httpUrl, '--json']);
    assert.equal(viaHttp.code, 0, viaHttp.stderr);
    const sensors = (JSON.parse(viaHttp.stdout) as { result: { sensors: { interface: string }[] } }).result.sensors;
    assert.deepEqual(sensors.map((s) => s.interface).sort(), [net.b.iface, 'lo'].sort());
  });

  test('weft ctl: a block with key=value parameters (as the local admin), refused without the identity', async () => {
    const port = 47_100;
    const denied = await weft(['ctl', 'cli-node', 'block.add', 'match.port=' + port, 'ttl=30s', '--nats', nats.url]);
    // No identity given and no /var/lib/weft/admin.nk for this agent's state dir: anonymous, read-only.
    if (!existsSync('/var/lib/weft/admin.nk')) {
      assert.equal(denied.code, 1);
      assert.match(denied.stdout, /cli-node: error forbidden: block\.add: anonymous \(role viewer\)/);
    }
    const identity = join(stateDir, 'admin.nk');
    assert.equal(statSync(identity).mode & 0o777, 0o600);
    const added = await weft(['ctl', 'cli-node', 'block.add', `match.port=${port}`, 'match.protocol=udp', 'ttl=30s', '--nats', nats.url, '--identity', identity, '--json']);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    const block = (JSON.parse(added.stdout) as { result: { id: number } }).result;
    const blocked = await runUdpWorkload(net, { count: 5, size: 64, port, timeoutMs: 800 }).catch((e: Error) => e);
    assert.ok(blocked instanceof Error || blocked.serverReceived === 0);
    const removed = await weft(['ctl', 'cli-node', 'block.remove', JSON.stringify({ id: block.id }), '--http', httpUrl, '--identity', identity]);
    assert.equal(removed.code, 0, removed.stdout);
    const bad = await weft(['ctl', 'cli-node', 'block.add', 'match.port=99999', 'ttl=30s', '--nats', nats.url, '--identity', identity]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /error bad_request: block\.add: match\.port/);
    const unknown = await weft(['ctl', 'cli-node', 'reboot', '--nats', nats.url]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown verb 'reboot'/);
    const nobody = await weft(['ctl', 'no-such-node', 'status', '--nats', nats.url, '--timeout', '1s']);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no agent 'no-such-node'|did not reply/);
  });

  test('weft capture writes the PCAPNG the agent captured, fetched from the object store', { skip: hasTshark() ? undefined : 'tshark missing' }, async () => {
    const port = 47_101;
    const out = join(stateDir, 'cli.pcapng');
    const capture = weft(['capture', 'cli-node', '--filter', `udp dst port ${port}`, '--duration', '1500ms', '--netns', net.b.name,
      '-o', out, '--nats', nats.url, '--identity', join(stateDir, 'admin.nk')], 30_000);
    await new Promise((r) => setTimeout(r, 400));
    await runUdpWorkload(net, { count: 9, size: 80, port, timeoutMs: 3000 });
    const r = await capture;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /9 packets/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const count = execFileSync('capinfos', ['-c', '-M', out]).toString();
    assert.match(count, /Number of packets:\s+9/);
  });
});
