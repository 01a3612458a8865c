/**
 * The live agent bench's pieces that run anywhere: its arithmetic and parsers, the table, `--tools
 * live` in the harness, and the C UDP helper (paced sender and counting receiver) on 127.0.0.1.
 * The bench itself needs root and eBPF and runs from `make bench` / `node dist/bench/run.js --tools live`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildLiveUdp, countRingRecords, formatLiveTable, median, noiseNote, parseIperfJson, parseParts, readAgentOutput, spread, startReceiver,
  statCpuTicks, type IperfMode, type LiveBenchOutput, type SenderReport,
} from './live.bench.js';
import { liveSelected, selectTools } from './run.js';

test('live bench: medians, spread, /proc stat, iperf3 JSON, ring framing, parts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([NaN, 5]), 5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(spread([8, 20, 10]), 1.2);
  assert.equal(spread([7]), 0);
  // comm with spaces and parentheses; utime 1234, stime 56 (fields 14, 15)
  assert.equal(statCpuTicks('4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 11 0 1 1 1'), 1290);
  assert.deepEqual(parseIperfJson(JSON.stringify({ end: { sum_received: { bits_per_second: 8.5e9 }, sum_sent: { retransmits: 3 } } })),
    { bitsPerSecond: 8.5e9, retransmits: 3 });
  assert.throws(() => parseIperfJson(JSON.stringify({ error: 'unable to connect' })), /unable to connect/);
  // two records on ring 0 (40 and 13 bytes), one on ring 1 (0 bytes): 8+40, 8+13→24, 8
  const batch = Buffer.alloc(48 + 24 + 8);
  batch.writeUInt32LE(40, 0);
  batch.writeUInt32LE(13, 48);
  batch.writeUInt32LE(0, 72);
  batch.writeUInt16LE(1, 76);
  const counts: number[] = [];
  countRingRecords(batch, counts);
  assert.deepEqual(counts, [2, 1]);
  assert.deepEqual(parseParts(undefined), ['iperf', 'rate', 'tap', 'drain']);
  assert.deepEqual(parseParts('tap,drain'), ['tap', 'drain']);
  assert.throws(() => parseParts('tap,nope'), /unknown live part 'nope'/);
});

test('live bench: the noise note says when the samples overlap, or the agent looked faster', () => {
  assert.equal(noiseNote('agent', [20, 21, 20.5], [18, 18.5, 19]), null, 'every agent run slower: a difference, not noise');
  assert.match(noiseNote('agent', [8, 20, 19], [19.5, 8.2, 18]) ?? '', /overlap .*exceeds the difference \(5\.3 %\)/);
  assert.match(noiseNote('agent', [16, 17], [19, 20]) ?? '', /faster than every run without/);
  assert.equal(noiseNote('agent', [NaN], [19]), null);
});

test('live bench: flow packets per namespace and the stats counters from the agent output', () => {
  const lines = [
    { 'event.dataset': 'flow', 'network.transport': 'udp', 'source.port': 40000, 'destination.port': 7000, 'source.packets': 60, 'weft.netns.name': 'a' },
    { 'event.dataset': 'flow', 'network.transport': 'udp', 'source.port': 40000, 'destination.port': 7000, 'source.packets': 40, 'weft.netns.name': 'a' },
    { 'event.dataset': 'flow', 'network.transport': 'udp', 'source.port': 7000, 'destination.port': 40000, 'destination.packets': 100, 'weft.netns.name': 'b' },
    { 'event.dataset': 'flow', 'network.transport': 'udp', 'source.port': 40001, 'destination.port': 7000, 'source.packets': 5, 'weft.netns.name': 'a' },
    { 'event.dataset': 'stats', 'weft.stats.kernel_skbs': 200 },
  ].map((r) => JSON.stringify(r)).join('\n');
  const out = readAgentOutput(lines, 40000, 7000);
  assert.deepEqual([...out.packets], [['a', 100], ['b', 100]]);
  assert.equal(out.counters['kernel_skbs'], 200);
});

test('live bench: the table, skipped and with every part', () => {
  const base: LiveBenchOutput = {
    date: '', quick: false, ok: true, durationS: 90, host: { cpus: 2, loadavgBefore: 0.5, loadavgAfter: 0.7, kernel: '6.18' }, notes: [],
  };
  assert.match(formatLiveTable({ ...base, skipped: 'needs root' }), /skipped: needs root/);
  const mode = (m: IperfMode['mode'], g: number[]): IperfMode => ({
    mode: m, label: m, samplesGbps: g, medianGbps: median(g), minGbps: Math.min(...g), maxGbps: Math.max(...g),
    agentCpuPct: m === 'none' ? null : [3], agentCpuMedianPct: m === 'none' ? null : 3, agentEventsPerSec: m === 'none' ? null : [900], retransmits: [],
  });
  const table = formatLiveTable({
    ...base,
    iperf: {
      seconds: 3, reps: 2, modes: [mode('none', [8, 20]), mode('agent', [19, 8.2]), mode('agent+tap', [8.1, 19])],
      ratioAgent: 0.97, ratioAgentTap: 0.96, pairedRatioAgent: 0.98, pairedRatioAgentTap: 0.97, spreadNone: 0.86, spreadAgent: 0.8,
      noiseNotes: [noiseNote('agent', [8, 20], [19, 8.2])!], errors: [],
    },
    rate: {
      payloadBytes: 64, agentArgs: ['--tap-first', '16'], idleCpuPct: 0.5, idleS: 2, agentCounters: {}, errors: [],
      rows: [{ targetPps: 50_000, durationS: 5, sent: 250_000, sentPps: 50_000, received: 250_000, agentCpuPct: 1.5, agentCpuS: 0.075,
        flowPacketsA: 250_000, flowPacketsB: 250_000, exact: true, senderUsPerPacket: 4.9, senderUsPerPacketNoAgent: 4.1 }],
    },
    tap: {
      port: 7100, snaplen: 128, tapRingBytes: 8 << 20, errors: [],
      rows: [{ path: 'sensor', label: 'KernelSensor → callback', seconds: 3, sent: 600_000, sentPps: 200_000, delivered: 1_200_000,
        eventsPerSec: 400_000, ringFull: 0, kernelTapped: 1_200_000, otherRecords: 0, batches: 900, accounted: true, tailMs: 1 }],
    },
    drain: {
      flows: 100_000, flowEntries: 131_072, sent: 100_000, entriesRead: 100_001, mapFull: 0, firstDrainMs: 600, drainMs: [90, 92], drainMedianMs: 91,
      drainUsPerFlow: 0.91, lookupMs: [34, 35], lookupMedianMs: 34.5, lookupUsPerFlow: 0.345, fillS: 0.5, errors: [],
    },
  });
  assert.match(table, /agent\/none 0\.970 \(cost 3\.0 %, target < 5 %/);
  assert.match(table, /note: agent: the samples overlap/);
  assert.match(table, /250000 \/ 250000 {2}yes/);
  assert.match(table, /400\.0k/);
  assert.match(table, /median 91\.0 ms \(0\.91 µs\/flow/);
  assert.doesNotMatch(table, /FAILED/);
});

test('make bench harness: --tools live selects the live step only; no --tools runs it too', () => {
  assert.equal(selectTools('live', false).size, 0);
  assert.deepEqual([...selectTools('weft,live', true)], ['weft']);
  assert.equal(liveSelected(undefined), true);
  assert.equal(liveSelected('weft,live'), true);
  assert.equal(liveSelected('weft,c'), false);
});

test('live bench UDP helper: the paced sender reports what it sent and the receiver counts it (127.0.0.1)', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-live-udp-'));
  try {
    const built = buildLiveUdp(dir);
    if ('error' in built) { t.skip(built.error); return; }
    // A free port on loopback: bind, read it, close (the receiver binds it right after).
    const probe = createSocket('udp4');
    await new Promise<void>((res) => probe.bind(0, '127.0.0.1', () => res()));
    const port = probe.address().port;
    probe.close();
    const rx = await startReceiver(spawn(built.bin, ['recv', '127.0.0.1', String(port), '10000'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const t0 = performance.now();
    const r = spawnSync(built.bin, ['send', '127.0.0.1', String(port), '0', '64', '20000', '100', '16'], { encoding: 'utf8', timeout: 10_000 });
    const wallMs = performance.now() - t0;
    assert.equal(r.status, 0, r.stderr);
    const sent = JSON.parse(r.stdout.trim()) as SenderReport;
    await new Promise((res) => setTimeout(res, 100));
    const got = await rx.stop();
    assert.equal(sent.sent, 2000, '20 kpps for 100 ms');
    assert.equal(sent.errors, 0);
    assert.ok(sent.elapsedNs >= 90e6, `paced: took ${sent.elapsedNs / 1e6} ms`);
    assert.ok(wallMs < 5000);
    assert.equal(got.received, 2000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
