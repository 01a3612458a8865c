/**
 * Discovery against the kernel: the namespace inventory finds the test's namespaces by name and
 * inode, and the rtnetlink dump (taken inside a namespace by the native bridge) parses to what
 * iproute2 reports for the same namespace (`ip -j -d link`, `ip -j addr`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseAddresses, parseLinks, scanNetns } from '../../src/discovery/index.js';
import { bridgeAvailable, loadBridge } from '../../src/native/index.js';
import { readBtfEnum } from '../../src/capture/index.js';
import { createTestNet, hasNetnsPrivileges, type TestNet } from '../support/netns.js';
import { existsSync } from 'node:fs';

const skip = hasNetnsPrivileges() ?? (!bridgeAvailable() ? 'the native bridge is not built (make build)' : undefined);

describe('discovery', { skip }, () => {
  let net: TestNet;
  before(async () => { net = await createTestNet({ ipv6: true }); });
  after(async () => { await net?.destroy(); });

  test('the inventory names each test namespace with its inode and a path setns can open', () => {
    const all = scanNetns();
    for (const end of [net.a, net.b]) {
      const e = all.get(end.inode);
      assert.ok(e !== undefined, `${end.name} found`);
      assert.equal(e.name, end.name);
      assert.equal(e.own, false);
    }
    assert.ok([...all.values()].some((e) => e.own), 'our own namespace is there too');
  });

  test('links and addresses parsed from the rtnetlink dump equal what ip -j reports', () => {
    const bridge = loadBridge();
    const links = parseLinks(bridge.netlinkDump(net.a.path, 'link'));
    const ip = JSON.parse(execFileSync('ip', ['-j', '-d', '-n', net.a.name, 'link', 'show'], { encoding: 'utf8' })) as
      { ifindex: number; ifname: string; mtu: number; address: string; link_type: string; linkinfo?: { info_kind?: string }; flags: string[] }[];
    assert.deepEqual(links.map((l) => l.name).sort(), ip.map((l) => l.ifname).sort());
    for (const want of ip) {
      const got = links.find((l) => l.ifindex === want.ifindex)!;
      assert.equal(got.name, want.ifname);
      assert.equal(got.mtu, want.mtu);
      assert.equal(got.mac, want.address);
      assert.equal(got.kind, want.linkinfo?.info_kind ?? '');
      assert.equal(got.up, want.flags.includes('UP'));
      assert.equal(got.loopback, want.link_type === 'loopback');
    }
    const veth = links.find((l) => l.name === net.a.iface)!;
    assert.equal(veth.kind, 'veth');
    assert.equal(veth.arphrd, 1);
    const addrs = parseAddresses(bridge.netlinkDump(net.a.path, 'addr'));
    const ipAddr = JSON.parse(execFileSync('ip', ['-j', '-n', net.a.name, 'addr', 'show'], { encoding: 'utf8' })) as
      { ifindex: number; addr_info: { family: string; local: string; prefixlen: number }[] }[];
    const want = ipAddr.flatMap((l) => l.addr_info.map((a) => `${l.ifindex} ${a.local}/${a.prefixlen}`)).sort();
    assert.deepEqual(addrs.map((a) => `${a.ifindex} ${a.address}/${a.prefixLength}`).sort(), want);
    assert.ok(addrs.some((a) => a.address === net.a.ipv4 && a.family === 4));
  });

  test('drop reasons come from the running kernel\'s BTF', { skip: existsSync('/sys/kernel/btf/vmlinux') ? false : 'no kernel BTF' }, () => {
    const reasons = readBtfEnum('skb_drop_reason');
    const dump = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const body = /enum skb_drop_reason \{([^}]*)\}/.exec(dump)![1]!;
    const want = new Map([...body.matchAll(/(\w+) = (\d+)/g)].map((m) => [Number(m[2]), m[1]!] as const));
    assert.deepEqual(reasons, want);
    assert.equal(reasons.get(3), 'SKB_DROP_REASON_NO_SOCKET');
  });
});
