/**
 * test/support/netns.ts: namespaces and veths appear and disappear cleanly (also after a throw, a
 * SIGTERM, or a SIGKILL followed by the stale sweep), the link is silent, the GSO toggle works.
 * Needs root; skips with one line otherwise. The workload truth checks are in workload.test.ts.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  NETNS_DIR, createTestNet, exec, hasCommand, hasNetnsPrivileges, linkCounters, listTestNamespaces, offloads, run, spawnIn,
  sweepStaleNamespaces, type TestNet,
} from './netns.js';
import { runUdpWorkload } from './workload.js';

const skip = hasNetnsPrivileges();
const NETNS_JS = fileURLToPath(new URL('./netns.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nsExists(name: string): boolean {
  return existsSync(`${NETNS_DIR}/${name}`);
}

test('createTestNet: two namespaces, a veth pair, addresses, ifindex and inode; destroy removes all', { skip, timeout: 30_000 }, async () => {
  const net = await createTestNet({ ipv6: true });
  const names = [net.a.name, net.b.name];
  try {
    assert.equal(net.a.name, `weft-t${process.pid}-${net.k}-a`);
    assert.equal(net.b.name, `weft-t${process.pid}-${net.k}-b`);
    assert.ok(net.k >= 1 && net.k <= 250);
    assert.equal(net.a.iface, `wa${net.k}`);
    assert.equal(net.b.iface, `wb${net.k}`);
    assert.ok(net.a.iface.length <= 15);
    assert.equal(net.a.ipv4, `10.202.${net.k}.1`);
    assert.equal(net.b.ipv6, `fd00:202:${net.k}::2`);
    for (const end of [net.a, net.b]) {
      assert.equal(end.path, `${NETNS_DIR}/${end.name}`);
      assert.equal(end.inode, statSync(end.path).ino);
      // The inode is the namespace's id as its processes see it.
      const { stdout: link } = await exec(end, ['readlink', '/proc/self/ns/net']);
      assert.equal(link.trim(), `net:[${end.inode}]`);
      const { stdout } = await run(['ip', '-n', end.name, '-j', 'addr', 'show', 'dev', end.iface]);
      const [info] = JSON.parse(stdout) as Array<{ ifindex: number; mtu: number; flags: string[]; addr_info: Array<{ local: string; scope: string }> }>;
      assert.ok(info);
      assert.equal(info.ifindex, end.ifindex);
      assert.equal(info.mtu, 1500);
      assert.ok(info.flags.includes('UP') && info.flags.includes('NOARP'), info.flags.join(','));
      // No fe80:: link-local (addrgenmode none): just our two addresses.
      assert.deepEqual(info.addr_info.map((x) => x.local).sort(), [end.ipv4, end.ipv6].sort());
      const lo = await run(['ip', '-n', end.name, '-j', 'link', 'show', 'dev', 'lo']);
      assert.ok((JSON.parse(lo.stdout) as Array<{ flags: string[] }>)[0]!.flags.includes('UP'));
    }
    assert.notEqual(net.a.inode, net.b.inode);
  } finally {
    await net.destroy();
  }
  for (const n of names) assert.ok(!nsExists(n), `${n} left behind`);
  assert.deepEqual(listTestNamespaces(process.pid), []);
  await net.destroy(); // idempotent
});

test('a throw inside try/finally still leaves nothing behind; spawned children are killed', { skip, timeout: 30_000 }, async () => {
  let net: TestNet | undefined;
  let child: ReturnType<typeof spawnIn> | undefined;
  await assert.rejects(async () => {
    net = await createTestNet();
    try {
      child = spawnIn(net.b, ['sleep', '30']);
      await sleep(50);
      throw new Error('boom');
    } finally {
      await net.destroy();
    }
  }, /boom/);
  assert.ok(net && child);
  assert.ok(!nsExists(net.a.name) && !nsExists(net.b.name));
  await sleep(50);
  assert.ok(child.exitCode !== null || child.signalCode !== null, 'spawned child still running');
  assert.deepEqual(listTestNamespaces(process.pid), []);
});

test('exit hooks: SIGTERM cleans up; after SIGKILL the stale sweep does', { skip, timeout: 30_000 }, async () => {
  const script = `import { createTestNet } from ${JSON.stringify(NETNS_JS)};
    const net = await createTestNet();
    console.log(JSON.stringify([net.a.name, net.b.name]));
    setInterval(() => {}, 1000);`;
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const names = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('child did not create its net')); }, 10_000);
      child.stdout.setEncoding('utf8').once('data', (d: string) => { clearTimeout(timer); resolve(JSON.parse(d) as string[]); });
    });
    assert.ok(names.every(nsExists));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    if (signal === 'SIGTERM') {
      assert.ok(!names.some(nsExists), 'SIGTERM handler left namespaces');
    } else {
      assert.ok(names.every(nsExists), 'SIGKILL cannot clean up: namespaces stay until the sweep');
      const removed = sweepStaleNamespaces();
      for (const n of names) assert.ok(removed.includes(n) && !nsExists(n), `sweep did not remove ${n}`);
      // The dead process's claim on its k is gone too (or already re-claimed by a live one).
      const claim = `/run/weft-test-netns/k${names[0]!.split('-')[2]}`;
      assert.ok(!existsSync(claim) || readFileSync(claim, 'utf8').trim() !== String(child.pid), `stale claim ${claim}`);
    }
  }
});

test('the link is silent: no ARP, ND, MLD or router solicitations; link counters are exact L2 truth', { skip, timeout: 30_000 }, async () => {
  for (const ipv6 of [false, true]) {
    const net = await createTestNet({ ipv6 });
    try {
      // The counters count every packet since the veths were created; MLD reports would come
      // within ~1 s of link up (2 per end, unsolicited report interval 1 s).
      await sleep(1200);
      for (const end of [net.a, net.b]) {
        const c = await linkCounters(end, end.iface);
        assert.deepEqual([c.txPackets, c.rxPackets], [0, 0], `${end.iface} (ipv6 ${ipv6}) not silent: ${JSON.stringify(c)}`);
      }
      // Static neighbours: UDP flows at once, and the veth counters equal the truth + 14 B/frame.
      const t = await runUdpWorkload(net, { count: 10, size: 100, replySize: 20, family: ipv6 ? 6 : 4 });
      const ca = await linkCounters(net.a, net.a.iface);
      assert.equal(ca.txPackets, t.forward.packets);
      assert.equal(ca.txBytes, t.forward.bytes + 14 * t.forward.packets);
      assert.equal(ca.rxPackets, t.reverse.packets);
      assert.equal(ca.rxBytes, t.reverse.bytes + 14 * t.reverse.packets);
    } finally {
      await net.destroy();
    }
  }
});

test('gso: false turns tso, gso, gro and tx-udp-segmentation off on both veths', { skip: skip ?? (hasCommand('ethtool') ? undefined : 'ethtool not installed (Debian package ethtool)'), timeout: 30_000 }, async () => {
  const on = await createTestNet();
  const off = await createTestNet({ gso: false });
  try {
    for (const end of [on.a, on.b]) {
      const f = await offloads(end, end.iface);
      assert.equal(f['tcp-segmentation-offload']?.on, true);
      assert.equal(f['generic-segmentation-offload']?.on, true);
    }
    for (const end of [off.a, off.b]) {
      const f = await offloads(end, end.iface);
      for (const name of ['tcp-segmentation-offload', 'tx-tcp-segmentation', 'tx-tcp6-segmentation', 'generic-segmentation-offload',
        'generic-receive-offload', 'tx-udp-segmentation']) {
        assert.equal(f[name]?.on, false, `${end.iface} ${name}`);
      }
    }
  } finally {
    await on.destroy();
    await off.destroy();
  }
});

test('k is unique among live nets and mtu is applied', { skip, timeout: 30_000 }, async () => {
  const nets = await Promise.all([createTestNet({ mtu: 1280, ipv6: true }), createTestNet(), createTestNet()]);
  try {
    assert.equal(new Set(nets.map((n) => n.k)).size, 3);
    const { stdout } = await run(['ip', '-n', nets[0]!.a.name, '-j', 'link', 'show', 'dev', nets[0]!.a.iface]);
    assert.equal((JSON.parse(stdout) as Array<{ mtu: number }>)[0]!.mtu, 1280);
    assert.equal(nets[0]!.mtu, 1280);
  } finally {
    for (const n of nets) await n.destroy();
  }
  assert.deepEqual(listTestNamespaces(process.pid), []);
});
