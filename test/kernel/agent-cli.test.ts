/**
 * `weft agent` as a process: started by its CLI, killed with SIGKILL mid-run, started again. Nothing
 * may stay behind — no program, no link (checked by id in the kernel, as the killed process's
 * /proc/PID/fdinfo named them), no qdisc or filter on the interfaces — and a clean stop (--duration,
 * SIGTERM) flushes its flows and exits 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeAvailable, loadBridge } from '../../src/native/index.js';
import { defaultObjectPath } from '../../src/capture/index.js';
import { REPO_ROOT } from '../support/corpus.js';
import { createTestNet, exec, hasNetnsPrivileges, type TestNet } from '../support/netns.js';
import { runUdpWorkload } from '../support/workload.js';

const skip = hasNetnsPrivileges() ?? (!bridgeAvailable() ? 'the native bridge is not built (make build)'
  : !existsSync(defaultObjectPath()) ? 'the eBPF object is not built (clang missing)' : undefined);
const WEFT = join(REPO_ROOT, 'bin', 'weft');

/** Starts `weft agent` and resolves once it says what it observes. */
function startAgent(args: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [WEFT, 'agent', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`agent did not start: ${err}`)); }, 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('observing')) {
        clearTimeout(timer);
        resolve({ child, stderr: () => err });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`agent exited ${code}: ${err}`)); });
  });
}

/** The BPF programs and links a process holds, from its fdinfo. */
function bpfObjectsOf(pid: number): { progs: number[]; links: number[] } {
  const progs = new Set<number>();
  const links = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!target.startsWith('anon_inode:bpf')) continue;
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const prog = /^prog_id:\s*(\d+)/m.exec(info);
    const link = /^link_id:\s*(\d+)/m.exec(info);
    if (link !== null) links.add(Number(link[1]));
    if (prog !== null) progs.add(Number(prog[1]));
  }
  return { progs: [...progs], links: [...links] };
}

async function waitGone(ids: { progs: number[]; links: number[] }): Promise<string[]> {
  const bridge = loadBridge();
  const deadline = Date.now() + 3000;
  let alive: string[] = [];
  do {
    alive = [...ids.progs.filter((id) => bridge.bpfObjectExists('prog', id)).map((id) => `prog ${id}`),
      ...ids.links.filter((id) => bridge.bpfObjectExists('link', id)).map((id) => `link ${id}`)];
    if (alive.length === 0) return alive;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return alive;
}

async function tcState(net: TestNet): Promise<string> {
  let out = '';
  for (const end of [net.a, net.b]) {
    out += (await exec(end, ['tc', 'qdisc', 'show', 'dev', end.iface])).stdout;
    for (const dir of ['ingress', 'egress']) out += (await exec(end, ['tc', 'filter', 'show', 'dev', end.iface, dir])).stdout;
  }
  return out;
}

describe('weft agent lifecycle', { skip }, () => {
  let net: TestNet;
  let dir: string;
  before(async () => {
    net = await createTestNet();
    dir = mkdtempSync(join(tmpdir(), 'weft-agent-cli-'));
  });
  after(async () => {
    await net?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('kill -9 mid-run leaves no program, link, qdisc or filter; the next start runs and stops cleanly', async () => {
    const qdiscsBefore = await tcState(net);
    const first = await startAgent(['--netns', net.a.name, '--netns', net.b.name, '--sink', `jsonl:${join(dir, 'killed.jsonl')}`]);
    const held = bpfObjectsOf(first.child.pid!);
    assert.ok(held.progs.length >= 2 && held.links.length >= 4, `the agent holds its programs and links: ${JSON.stringify(held)}`);
    await runUdpWorkload(net, { count: 20, size: 64 });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    assert.deepEqual(await waitGone(held), [], 'nothing of the killed agent is left in the kernel');
    assert.equal(await tcState(net), qdiscsBefore, 'no qdisc or filter left on the interfaces');

    const out = join(dir, 'second.jsonl');
    const second = await startAgent(['--netns', net.a.name, '--netns', net.b.name, '--sink', `jsonl:${out}`, '--flow-idle', '30s']);
    const held2 = bpfObjectsOf(second.child.pid!);
    const udp = await runUdpWorkload(net, { count: 40, size: 100 });
    second.child.kill('SIGTERM');
    const code = await new Promise((r) => second.child.once('exit', r));
    assert.equal(code, 0, second.stderr());
    assert.deepEqual(await waitGone(held2), []);
    assert.equal(await tcState(net), qdiscsBefore);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const flows = lines.filter((l) => l['event.dataset'] === 'flow' && l['source.port'] === udp.forward.sport && l['destination.port'] === udp.forward.dport);
    assert.equal(flows.length, 2, 'the UDP flow, flushed at SIGTERM, once per namespace');
    for (const f of flows) {
      assert.equal(f['source.packets'], 40);
      assert.equal(f['source.bytes'], udp.forward.bytes);
      assert.equal(f['event.reason'], 'forced_end');
      assert.ok(typeof f['weft.netns.name'] === 'string');
    }
    assert.ok(lines.some((l) => l['event.dataset'] === 'stats'), 'a final stats record');
  });

  test('--duration runs, flushes and exits 0; --source ebpf on a namespace that does not exist observes nothing', async () => {
    const out = join(dir, 'duration.jsonl');
    const child = spawn(process.execPath, [WEFT, 'agent', '--netns', 'weft-no-such-netns', '--duration', '300ms', '--sink', `jsonl:${out}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0, err);
    assert.match(err, /observing 0 interfaces/);
  });
});
