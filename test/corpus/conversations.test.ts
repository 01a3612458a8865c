/**
 * Per-conversation packet counts, per direction, against tshark's conversation truth
 * (corpus truth/NAME.flows.json) for every TCP and UDP conversation of every capture.
 *
 * weft may split one 5-tuple into several flow records (timeouts, TCP end, port reuse) and tshark
 * may split it into several streams, so both sides are summed per 5-tuple before comparing.
 * Where weft counts differently on purpose, the expectation is derived from tshark's own
 * per-frame truth, never typed in:
 *  - tunnels: weft meters the innermost 5-tuple, so tshark's outer conversations (the VXLAN/GRE/…
 *    carrier, whose endpoints are an outer IP layer of its frames) have no weft flow;
 *  - IP fragments: tshark counts a fragmented datagram once (on the frame that reassembles it);
 *    weft counts every fragment as a packet of its flow, as IPFIX does, so the other fragments of
 *    each datagram (same version, id and addresses in the per-frame `frag` truth) are added.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import type { FlowRecord } from '../../src/model/index.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFlows, truthFrames, type TruthFrame } from '../support/corpus.js';
import { MemorySink } from '../support/memory-sink.js';

type Counts = { aToB: number; bToA: number };

function endpointKey(proto: string, ip1: string, port1: number, ip2: string, port2: number): { key: string; swapped: boolean } {
  const e1 = `${ip1}|${port1}`;
  const e2 = `${ip2}|${port2}`;
  return e1 <= e2 ? { key: `${proto} ${e1} ${e2}`, swapped: false } : { key: `${proto} ${e2} ${e1}`, swapped: true };
}

/** weft's flows summed per canonical 5-tuple: aToB = packets from the lower endpoint. */
function weftConversations(flows: readonly FlowRecord[]): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const f of flows) {
    if (f.ipProto !== 6 && f.ipProto !== 17) continue;
    const proto = f.ipProto === 6 ? 'tcp' : 'udp';
    const { key, swapped } = endpointKey(proto, f.sourceIp, f.sourcePort, f.destinationIp, f.destinationPort);
    const c = out.get(key) ?? { aToB: 0, bToA: 0 };
    c.aToB += swapped ? f.destinationPackets : f.sourcePackets;
    c.bToA += swapped ? f.sourcePackets : f.destinationPackets;
    out.set(key, c);
  }
  return out;
}

interface Expected { counts: Counts; outerTunnel: boolean }

function tsharkConversations(name: string): Map<string, Expected> {
  const frames = truthFrames(name);
  // Datagrams tshark reassembled: fragments grouped by (version, id, addresses). tshark gives the
  // conversation only the frame that completed the datagram; the others are added below.
  const fragmentGroups = new Map<string, TruthFrame[]>();
  for (const f of frames) {
    if (f.frag === undefined) continue;
    const key = `${f.frag.v} ${f.frag.id} ${f.ip_src} ${f.ip_dst}`;
    const list = fragmentGroups.get(key) ?? [];
    list.push(f);
    fragmentGroups.set(key, list);
  }
  const byNumber = new Map<number, TruthFrame>(frames.map((f) => [f.frame, f]));
  const out = new Map<string, Expected>();
  for (const s of truthFlows(name).streams) {
    const { key, swapped } = endpointKey(s.proto, s.a_addr, s.a_port, s.b_addr, s.b_port);
    const e = out.get(key) ?? { counts: { aToB: 0, bToA: 0 }, outerTunnel: false };
    let aToB = s.frames_a_to_b;
    let bToA = s.frames_b_to_a;
    // Add the fragments tshark folded into this stream's frames, in their own direction.
    const streamField = s.proto === 'tcp' ? 'tcp_stream' : 'udp_stream';
    for (const f of frames) {
      if (f[streamField] !== s.stream || f.frag === undefined) continue;
      const group = fragmentGroups.get(`${f.frag.v} ${f.frag.id} ${f.ip_src} ${f.ip_dst}`) ?? [];
      const others = group.filter((g) => g[streamField] === undefined).length;
      if (f.ip_src === s.a_addr) aToB += others;
      else bToA += others;
    }
    // A carrier conversation: its endpoints are an outer (not the innermost) live IP layer.
    const first = byNumber.get(s.first_frame);
    const layers = first?.ip_layers?.filter((l) => l.in_icmp_error !== true) ?? [];
    const same = (l: { src: string; dst: string }): boolean =>
      (l.src === s.a_addr && l.dst === s.b_addr) || (l.src === s.b_addr && l.dst === s.a_addr);
    if (layers.length > 1 && layers.slice(0, -1).some(same) && !same(layers.at(-1)!)) e.outerTunnel = true;
    e.counts.aToB += swapped ? bToA : aToB;
    e.counts.bToA += swapped ? aToB : bToA;
    out.set(key, e);
  }
  return out;
}

// Truth for the malformed-* group is "does not crash, reports something sane" (corpus README):
// a packet truncated inside its tunnel is counted as malformed by weft, while tshark still counts
// the carrier. Those captures are covered by the robustness tests instead.
for (const name of corpusNames().filter((n) => !n.startsWith('malformed-'))) {
  test(`conversations match tshark: ${name}`, { skip: CORPUS_SKIP }, async () => {
    let expected: Map<string, Expected>;
    try {
      expected = tsharkConversations(name);
    } catch {
      return; // no truth for this capture (tshark could not read it)
    }
    if (expected.size === 0) return;
    const sink = new MemorySink();
    const pipeline = new ReplayPipeline({ warn: () => {} });
    await pipeline.run([corpusPcap(name)], [sink]);
    const got = weftConversations(sink.flows);
    const problems: string[] = [];
    for (const [key, e] of expected) {
      if (e.outerTunnel) continue;
      const g = got.get(key);
      if (g === undefined) { problems.push(`${key}: no weft flow (tshark ${e.counts.aToB}/${e.counts.bToA})`); continue; }
      if (g.aToB !== e.counts.aToB || g.bToA !== e.counts.bToA) {
        problems.push(`${key}: weft ${g.aToB}/${g.bToA}, tshark ${e.counts.aToB}/${e.counts.bToA}`);
      }
    }
    assert.deepEqual(problems, [], `${name}: ${problems.length} of ${expected.size} conversations differ`);
  });
}
