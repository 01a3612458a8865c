/**
 * The closed-loop example (examples/closed-loop/port-scan-blocker.ts) against the live agent: the
 * agent publishes flows to a real nats-server, the analytic reads them, spots a port scan from
 * namespace a, and tells the agent to block the scanner (with a TTL) and capture its packets.
 * Traffic flows, the analytic blocks it, traffic stops, the TTL expires, traffic resumes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, startControlPlane, type RunningControl } from '../../src/agent/index.js';
import { WeftClient } from '../../src/client/index.js';
import { defaultObjectPath } from '../../src/capture/index.js';
import { EcsJsonEncoder, openSink, parseSinkUri } from '../../src/export/index.js';
import type { ObservationPoint } from '../../src/model/index.js';
import { bridgeAvailable } from '../../src/native/index.js';
import { runClosedLoop } from '../../examples/closed-loop/port-scan-blocker.js';
import { createTestNet, exec, hasNetnsPrivileges, spawnIn, type TestNet } from '../support/netns.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../support/nats-server.js';

const skip = hasNetnsPrivileges() ?? natsServerMissing() ?? (!bridgeAvailable() ? 'the native bridge is not built (make build)'
  : !existsSync(defaultObjectPath()) ? 'the eBPF object is not built (clang missing)' : undefined);

const SERVICE_PORT = 8080;
const TTL_MS = 4000;

/** One TCP connection from a to b's service: true when it connects (bounded by a 1 s timeout). */
async function connects(net: TestNet): Promise<boolean> {
  const r = await exec(net.a, ['python3', '-c',
    `import socket\ntry:\n  socket.create_connection(('${net.b.ipv4}', ${SERVICE_PORT}), timeout=1).close(); print('ok')\nexcept OSError as e:\n  print('fail', e)`],
  { timeoutMs: 5000 });
  return r.stdout.trim() === 'ok';
}

describe('closed loop: a port scan is blocked by the example analytic, and let through again when the TTL ends', { skip }, () => {
  let net: TestNet;
  let nats: NatsServer;
  let agent: Agent;
  let control: RunningControl;
  let stateDir: string;
  const warnings: string[] = [];

  before(async () => {
    net = await createTestNet({ gso: false });
    nats = await startNatsServer();
    stateDir = mkdtempSync(join(tmpdir(), 'weft-loop-'));
    const points: ObservationPoint[] = [];
    const encoder = new EcsJsonEncoder({ observerHostname: 'node-a', points });
    const sink = openSink(parseSinkUri(`${nats.url}?node=node-a`), encoder, (m) => { warnings.push(m); });
    agent = await Agent.start({
      source: 'ebpf', netns: [net.a.name, net.b.name], ifaces: [], sinks: [sink],
      flowIdleMs: 1000, flowActiveMs: 600_000, statsIntervalMs: 0, drainIntervalMs: 200, rescanIntervalMs: 200,
      tapFirstPackets: 4, snaplen: 512, flowEntries: 16384, dissect: true, node: 'node-a', points,
      info: () => undefined, warn: (line) => { warnings.push(line); },
    });
    control = await startControlPlane(agent, { natsUrl: nats.url, stateDir, info: () => undefined, warn: (l) => { warnings.push(l); } });
    spawnIn(net.b, ['python3', '-c',
      `import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', ${SERVICE_PORT})); s.listen(64)\nwhile True:\n  c,_=s.accept(); c.close()`]);
  });
  after(async () => {
    await control?.stop();
    await agent?.stop();
    for (const s of agent?.currentSinks ?? []) await s.close();
    await nats?.destroy();
    await net?.destroy();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  });

  test('traffic flows, the scan is blocked, traffic stops, the TTL expires, traffic resumes', async () => {
    let ready = false;
    for (let i = 0; i < 20 && !ready; i++) ready = await connects(net);
    assert.ok(ready, 'the service answers before the scan');

    const client = await WeftClient.connect(nats.url, { identity: control.adminSeedPath });
    const stop = new AbortController();
    const log: string[] = [];
    const loop = runClosedLoop(client, { threshold: 20, windowMs: 30_000, blockTtlMs: TTL_MS, captureMs: 2000, log: (l) => log.push(l), signal: stop.signal });
    try {
      // The scan: 40 closed ports of b, each answered by a RST.
      await exec(net.a, ['python3', '-c',
        `import socket\nfor p in range(20000, 20040):\n  s=socket.socket(); s.settimeout(0.5)\n  try: s.connect(('${net.b.ipv4}', p))\n  except OSError: pass\n  s.close()`],
      { timeoutMs: 30_000 });
      const blockedAt = await waitFor(() => log.find((l) => l.startsWith(`blocked ${net.a.ipv4}`)), 15_000, () => log.join('\n'));
      assert.ok(blockedAt !== undefined);
      assert.equal(await connects(net), false, 'the scanner is cut off while blocked');
      const blocks = (await client.request('node-a', 'block.list')).blocks;
      assert.equal(blocks.length, 1);
      assert.equal(blocks[0]!.match['address'], net.a.ipv4);
      assert.ok(blocks[0]!.hits > 0);
      await waitFor(() => log.find((l) => l.startsWith(`capturing ${net.a.ipv4}`)), 5000, () => log.join('\n'));
      // The TTL ends by itself: nobody removes the block.
      await new Promise((r) => setTimeout(r, Date.parse(blocks[0]!.expires_at) - Date.now() + 300));
      let back = false;
      for (let i = 0; i < 10 && !back; i++) back = await connects(net);
      assert.ok(back, 'traffic resumes once the TTL expired');
      assert.deepEqual((await client.request('node-a', 'block.list')).blocks, []);
      const captures = (await client.request('node-a', 'capture.list')).captures;
      assert.equal(captures.length, 1);
      assert.equal(captures[0]!.filter, `host ${net.a.ipv4}`);
    } finally {
      stop.abort();
      await loop.catch(() => undefined);
      await client.close();
    }
  });
});

async function waitFor<T>(fn: () => T | undefined, ms: number, context: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out; log:\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
