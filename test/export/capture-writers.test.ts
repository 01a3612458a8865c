// The capture writers round-trip through weft's own capture reader (STYLE.md: "pcap writers
// round-trip through their readers"): every packet's bytes, lengths, nanosecond time, link type
// and interface come back, and each pcapng interface block carries its observation point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readCaptureBuffer } from '../../src/capture/index.js';
import { PcapWriter, PcapngWriter, PacketDirection } from '../../src/export/index.js';
import { LinkType, PacketView, type ObservationPoint } from '../../src/model/index.js';
import { CaptureRecorder, fnv1a } from '../support/capture-recorder.js';
import { MemoryOutput } from '../support/memory-output.js';

const POINTS: ObservationPoint[] = [
  { index: 0, interfaceId: 0, section: 0, linkType: LinkType.ETHERNET, name: 'eth0', description: 'uplink', snaplen: 262_144, tsDigits: 9, netnsInode: 4026531840 },
  { index: 1, interfaceId: 0, section: 0, linkType: LinkType.RAW, name: 'wg0', snaplen: 65_535, tsDigits: 9, netnsInode: 4026532100, netnsName: 'vpn' },
  { index: 7, interfaceId: 0, section: 0, linkType: LinkType.LINUX_SLL2, name: 'any', snaplen: 1500, tsDigits: 9 },
];

const packetArb = fc.record({
  point: fc.constantFrom(...POINTS),
  data: fc.uint8Array({ maxLength: 120 }),
  head: fc.integer({ min: 0, max: 9 }),
  cut: fc.integer({ min: 0, max: 40 }),
  sec: fc.integer({ min: 0, max: 0xffffffff }),
  nsec: fc.integer({ min: 0, max: 999_999_999 }),
  comment: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  direction: fc.constantFrom(PacketDirection.UNKNOWN, PacketDirection.INBOUND, PacketDirection.OUTBOUND),
});

test('pcapng: packets and interfaces read back by the capture reader', () => {
  fc.assert(fc.property(fc.array(packetArb, { maxLength: 30 }), (packets) => {
    const out = new MemoryOutput();
    const w = new PcapngWriter(out);
    for (const p of POINTS) w.addInterface(p);
    const v = new PacketView();
    for (const p of packets) {
      // the frame sits `head` bytes into a bigger buffer, as a source's chunk would hold it
      const bytes = new Uint8Array(p.head + p.data.length);
      bytes.set(p.data, p.head);
      Object.assign(v, { bytes, frameOffset: p.head, capturedLength: p.data.length, wireLength: p.data.length + p.cut,
        tsSec: p.sec, tsNsec: p.nsec, linkType: p.point.linkType, interfaceIndex: p.point.index });
      assert.equal(w.writePacket(v, p.comment, p.direction), true);
    }
    w.close();
    const rec = new CaptureRecorder();
    const summary = readCaptureBuffer(out.buffer.subarray(0, out.used), 'mem.pcapng', rec);
    assert.equal(summary.format, 'pcapng');
    assert.equal(summary.truncated, false);
    assert.equal(rec.warnings.length, 0, rec.warnings.join('\n'));
    assert.equal(rec.packets.length, packets.length);
    // interfaces appear in the order of their first packet
    const order = [...new Set(packets.map((p) => p.point.index))];
    assert.equal(rec.points.length, order.length);
    rec.points.forEach((read, id) => {
      const p = POINTS.find((x) => x.index === order[id])!;
      assert.equal(read.interfaceId, id);
      assert.equal(read.linkType, p.linkType);
      assert.equal(read.name, p.name);
      assert.equal(read.snaplen, p.snaplen);
      assert.equal(read.tsDigits, 9);
    });
    packets.forEach((p, i) => {
      const r = rec.packets[i]!;
      assert.deepEqual([r.tsSec, r.tsNsec, r.capturedLength, r.wireLength, r.linkType],
        [p.sec, p.nsec, p.data.length, p.data.length + p.cut, p.point.linkType]);
      assert.equal(rec.point(r.interfaceIndex).name, p.point.name);
      assert.equal(r.hash, fnv1a(p.data, 0, p.data.length));
    });
  }), { numRuns: 150 });
});

test('classic pcap: one link type round-trips, the others are skipped', () => {
  fc.assert(fc.property(fc.array(packetArb, { maxLength: 30 }), (packets) => {
    const out = new MemoryOutput();
    const w = new PcapWriter(out, { linkType: LinkType.RAW });
    const v = new PacketView();
    const kept = [];
    for (const p of packets) {
      Object.assign(v, { bytes: p.data, frameOffset: 0, capturedLength: p.data.length, wireLength: p.data.length + p.cut,
        tsSec: p.sec, tsNsec: p.nsec, linkType: p.point.linkType, interfaceIndex: p.point.index });
      assert.equal(w.writePacket(v), p.point.linkType === LinkType.RAW);
      if (p.point.linkType === LinkType.RAW) kept.push(p);
    }
    w.close();
    assert.equal(w.stats().skipped, packets.length - kept.length);
    const rec = new CaptureRecorder();
    readCaptureBuffer(out.buffer.subarray(0, out.used), 'mem.pcap', rec);
    assert.equal(rec.packets.length, kept.length);
    kept.forEach((p, i) => {
      const r = rec.packets[i]!;
      assert.deepEqual([r.tsSec, r.tsNsec, r.tsDigits, r.capturedLength, r.wireLength, r.linkType, r.hash],
        [p.sec, p.nsec, 9, p.data.length, p.data.length + p.cut, LinkType.RAW, fnv1a(p.data, 0, p.data.length)]);
    });
  }), { numRuns: 150 });
});
