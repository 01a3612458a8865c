/**
 * Zero allocation per packet: decode corpus frames 200 000 times and watch the young generation
 * and the GC. Per-packet garbage lands in new space: a decoder allocating even 16 bytes per packet
 * would add ~3 MB there (and trigger scavenges). JIT code and feedback go to code and old space,
 * which is why heapUsed as a whole moves while the JIT settles; we report it but assert on new
 * space only.
 */
import assert from 'node:assert/strict';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { test } from 'node:test';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PacketView } from '../model/index.js';
import { CORPUS_SKIP, corpusPcap } from '../../test/support/corpus.js';
import { readFrames, type Frame } from '../../test/support/pcap-frames.js';
import { decodePacket } from './index.js';

const ITERATIONS = 200_000;
/** Captures that between them exercise every decoder: VLAN, MPLS, tunnels, IPv6 chains, fragments, SLL, NULL. */
const FILES = [
  'flow-mixed.pcap', 'vlan-qinqinq.pcap', 'tunnel-mpls.pcap', 'tunnel-gre-various.pcap', 'tunnel-gre-erspan.pcap',
  'tunnel-vxlan-8472.pcap', 'tunnel-geneve-options.pcap', 'tunnel-6in4.pcap', 'tunnel-4in6.pcap', 'ipv6-srh.pcap',
  'ipv6-frag.pcap', 'frag-ipv4.pcap', 'linktype-sll.pcap', 'linktype-null.pcap', 'icmp-traceroute.pcapng',
];

function newSpaceUsed(): number {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  return 0;
}

test('decodePacket allocates nothing per packet', { skip: CORPUS_SKIP }, async () => {
  const frames: Frame[] = [];
  for (const f of FILES) frames.push(...readFrames(corpusPcap(f)).slice(0, 400));
  const n = frames.length;
  const view = new PacketView();
  const run = (count: number): number => {
    let ok = 0;
    for (let i = 0; i < count; i++) {
      const f = frames[i % n]!;
      view.bytes = f.bytes;
      view.frameOffset = f.offset;
      view.capturedLength = f.caplen;
      view.wireLength = f.len;
      view.linkType = f.linkType;
      if (decodePacket(view) === 0) ok++;
    }
    return ok;
  };
  run(ITERATIONS); // warm up: let the JIT settle before measuring

  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Three measured rounds, the quietest one counts: the JIT may still tier up or deoptimize in a
  // round (its metadata lands in new space too), while a per-packet allocation shows in every one.
  let best: { newGrowth: number; heapGrowth: number; gcs: number; scavenges: number; ns: number; ok: number } | undefined;
  for (let round = 0; round < 3; round++) {
    const entries: PerformanceEntry[] = [];
    const obs = new PerformanceObserver((list) => { entries.push(...list.getEntries()); });
    obs.observe({ entryTypes: ['gc'] });
    gc();
    const start = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    const newBefore = newSpaceUsed();
    const t0 = process.hrtime.bigint();
    const ok = run(ITERATIONS);
    const ns = Number(process.hrtime.bigint() - t0);
    const newAfter = newSpaceUsed();
    const heapAfter = process.memoryUsage().heapUsed;
    await new Promise((resolve) => setTimeout(resolve, 20)); // GC entries arrive asynchronously
    obs.disconnect();
    const during = entries.filter((e) => e.startTime >= start);
    // detail.kind 1 is a minor GC (a scavenge of new space): perf_hooks NODE_PERFORMANCE_GC_MINOR.
    const scavenges = during.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === 1).length;
    const r = { newGrowth: newAfter - newBefore, heapGrowth: heapAfter - heapBefore, gcs: during.length, scavenges, ns, ok };
    if (best === undefined || (r.scavenges === 0 && (best.scavenges > 0 || r.newGrowth < best.newGrowth))) best = r;
  }
  const { newGrowth, heapGrowth, gcs, scavenges, ns, ok } = best!;
  console.log(
    `alloc: ${ITERATIONS} decodes of ${n} frames (${ok} ok), ${(ns / ITERATIONS).toFixed(0)} ns/decode; ` +
      `new space +${newGrowth} bytes (${(newGrowth / ITERATIONS).toFixed(4)} B/decode), ` +
      `heapUsed ${heapGrowth >= 0 ? '+' : ''}${heapGrowth} bytes (JIT code included), GCs during the loop: ${gcs} (${scavenges} minor)`,
  );
  assert.equal(scavenges, 0, 'a scavenge ran during every round: something allocates per packet');
  assert.ok(newGrowth >= 0, 'new space shrank during the loop: a scavenge ran, so something allocated');
  assert.ok(newGrowth < 128 * 1024, `new space grew by ${newGrowth} bytes over ${ITERATIONS} decodes`);
});
