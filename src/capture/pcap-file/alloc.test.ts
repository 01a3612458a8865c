/**
 * The per-packet path allocates nothing: parse ~10^6 in-memory packets (pcap µs, pcapng EPB in
 * µs and ns, SPB) right after a full GC and check that no collection ran and the heap did not
 * grow in a steady-state round. One allocation of even 16 bytes per packet would show as megabytes and scavenges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PacketView } from '../../model/packet-view.js';
import { concatList, epb, frame, idb, shb, spb, writePcap } from '../../../test/support/capture-writer.js';
import type { CaptureHandler } from '../source.js';
import { readCaptureBuffer } from './reader.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const N = 100_000;
const f = frame(60);
const inputs: [string, Uint8Array][] = [
  ['pcap µs', writePcap({}, Array.from({ length: N }, (_, i) => ({ sec: 1_700_000_000 + (i >> 10), frac: (i * 7) % 1_000_000, data: f })))],
  ['pcapng EPB µs', concatList([shb(true), idb(true, 1, 0), ...Array.from({ length: N }, (_, i) => epb(true, 0, 1_700_000_000_000_000n + BigInt(i) * 13n, f))])],
  ['pcapng EPB ns', concatList([shb(false), idb(false, 1, 0, { tsresol: 9 }), ...Array.from({ length: N }, (_, i) => epb(false, 0, 1_700_000_000_000_000_000n + BigInt(i) * 1013n, f))])],
  ['pcapng SPB', concatList([shb(true), idb(true, 1, 0), ...Array.from({ length: N }, () => spb(true, f))])],
];

test('no allocation per packet', async () => {
  // A typed-array accumulator: a `let` number captured by the closure would box a HeapNumber
  // per update, and the test would measure its own handler.
  const sink = new Float64Array(1);
  const handler: CaptureHandler = { packet: (v) => { sink[0] = (sink[0] as number) + v.capturedLength + v.tsNsec; }, interface: () => {}, warning: () => {} };
  const view = new PacketView();
  const gcStarts: number[] = [];
  const windows: [number, number][] = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcStarts.push(e.startTime); });
  obs.observe({ entryTypes: ['gc'] });
  try {
    for (const [name, bytes] of inputs) {
      for (let i = 0; i < 5; i++) readCaptureBuffer(bytes, name, handler, { view }); // warm up the JIT
      gc();
      // Per round: a steady-state round allocates nothing. The median ignores a round in which
      // V8 happened to deoptimize (unoptimized code boxes intermediate doubles for a while).
      const grown: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) {
        const before = process.memoryUsage().heapUsed;
        readCaptureBuffer(bytes, name, handler, { view });
        grown.push(process.memoryUsage().heapUsed - before);
      }
      windows.push([t0, performance.now()]);
      grown.sort((a, b) => a - b);
      const median = grown[5] as number;
      assert.ok(median < N / 10, `${name}: heap grew ${median} bytes over ${N} packets (median round; rounds: ${grown.join(' ')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries arrive asynchronously
  } finally {
    obs.disconnect();
  }
  assert.ok((sink[0] as number) > 0);
  const during = gcStarts.filter((t) => windows.some(([a, b]) => t >= a && t <= b));
  assert.equal(during.length, 0, 'collections while parsing');
  assert.ok(gcStarts.length >= inputs.length, 'the observer sees the explicit collections');
});
