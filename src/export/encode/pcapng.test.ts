// PcapngWriter: files read back by tshark and capinfos (names, descriptions, comments, directions,
// lengths, nanosecond timestamps), file mode and O_EXCL, limits that stop at exactly the limit,
// and the block layout checked byte by byte in memory.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ErrorCode, SinkError } from '../../core/errors.js';
import { LinkType, PacketView, type ObservationPoint } from '../../model/index.js';
import { frame } from '../../../test/support/packets.js';
import { CaptureFile, PacketDirection, PcapngWriter } from './pcapng.js';
import { MemoryOutput } from '../../../test/support/memory-output.js';

const TSHARK_SKIP: string | false = spawnSync('tshark', ['--version']).status === 0 ? false : 'tshark not installed (apt-get install tshark)';
const dir = mkdtempSync(join(tmpdir(), 'weft-pcapng-'));
let fileNo = 0;
after(() => rmSync(dir, { recursive: true, force: true }));
const tempPath = (): string => join(dir, `c${fileNo++}.pcapng`);

function point(index: number, linkType: number, extra: Partial<ObservationPoint> = {}): ObservationPoint {
  return { index, interfaceId: 0, section: 0, linkType, snaplen: 262_144, tsDigits: 9, ...extra };
}

const ETH = frame({ v6: false, src: 0x0a010203, dst: 0x0a010204, sport: 40000, dport: 80 }, { tcp: { seq: 1, ack: 0, flags: 0x02 } }, new Uint8Array(7));
const ETH6 = frame({ v6: true, src: 1, dst: 2, sport: 5353, dport: 53 }, { udp: true }, new Uint8Array(13));

function setView(v: PacketView, bytes: Uint8Array, o: { off?: number; cap?: number; wire?: number; sec: number; nsec: number; linkType: number; index: number }): PacketView {
  v.bytes = bytes;
  v.frameOffset = o.off ?? 0;
  v.capturedLength = o.cap ?? bytes.length - v.frameOffset;
  v.wireLength = o.wire ?? v.capturedLength;
  v.tsSec = o.sec;
  v.tsNsec = o.nsec;
  v.linkType = o.linkType;
  v.interfaceIndex = o.index;
  return v;
}

function tshark(file: string, fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

function capinfos(file: string): string {
  const r = spawnSync('capinfos', ['-M', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('Ethernet and raw-IP points in one file: tshark reads names, comments, directions, lengths and ns times', { skip: TSHARK_SKIP }, () => {
  const path = tempPath();
  const w = PcapngWriter.create(path);
  w.addInterface(point(0, LinkType.ETHERNET, { name: 'eth0', description: 'veth to pod-a', netnsInode: 4026532001, netnsName: 'blue' }));
  w.addInterface(point(5, LinkType.RAW, { name: 'wg0', snaplen: 65_535, netnsInode: 4026531840 }));
  w.addInterface(point(9, LinkType.ETHERNET, { name: 'never-used' }));
  const v = new PacketView();
  // A raw-IP packet taken from inside a bigger buffer (frameOffset), cut short (caplen < wirelen).
  assert.equal(w.writePacket(setView(v, ETH, { sec: 1_700_000_000, nsec: 123_456_789, linkType: LinkType.ETHERNET, index: 0 }),
    '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', PacketDirection.INBOUND), true);
  assert.equal(w.writePacket(setView(v, ETH, { off: 14, cap: ETH.length - 14 - 3, wire: ETH.length - 14, sec: 4_294_967_295, nsec: 999_999_999,
    linkType: LinkType.RAW, index: 5 }), 'flow é ✓', PacketDirection.OUTBOUND), true);
  assert.equal(w.writePacket(setView(v, ETH6, { sec: 1, nsec: 1, linkType: LinkType.ETHERNET, index: 0 })), true);
  assert.equal(w.writePacket(setView(v, ETH6, { sec: 0, nsec: 0, linkType: LinkType.ETHERNET, index: 0 }), 'abc'), true);
  w.close();
  w.close(); // idempotent
  assert.deepEqual(w.stats(), { packets: 4, bytes: statSync(path).size, interfaces: 2, refused: 0, skipped: 0 });

  const rows = tshark(path, ['frame.interface_name', 'frame.interface_description', 'frame.comment', 'frame.len', 'frame.cap_len',
    'frame.time_epoch', 'frame.packet_flags_direction']);
  assert.deepEqual(rows, [
    ['eth0', 'netns blue (inode 4026532001); veth to pod-a', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', String(ETH.length), String(ETH.length), '1700000000.123456789', '0x00000001'],
    ['wg0', 'netns inode 4026531840', 'flow é ✓', String(ETH.length - 14), String(ETH.length - 17), '4294967295.999999999', '0x00000002'],
    ['eth0', 'netns blue (inode 4026532001); veth to pod-a', '', String(ETH6.length), String(ETH6.length), '1.000000001', ''],
    ['eth0', 'netns blue (inode 4026532001); veth to pod-a', 'abc', String(ETH6.length), String(ETH6.length), '0.000000000', ''],
  ]);
  // The frame bytes are intact: tshark decodes the ports inside both encapsulations.
  assert.deepEqual(tshark(path, ['tcp.dstport', 'udp.dstport']), [['80', ''], ['80', ''], ['', '53'], ['', '53']]);

  const info = capinfos(path);
  assert.match(info, /File encapsulation:\s+per-packet/);
  assert.match(info, /Ethernet \(3\)/);
  assert.match(info, /Raw IP \(1\)/);
  assert.match(info, /Number of packets:\s+4\n/);
  assert.match(info, /Capture application:\s+weft 0\.1\.0/);
  assert.match(info, /Number of interfaces in file: 2\n/);
  assert.match(info, /Interface #0 info:\n\s+Name = eth0\n[^#]*Encapsulation = Ethernet[^#]*Capture length = 262144[^#]*Time precision = nanoseconds \(9\)[^#]*Number of packets = 3/);
  assert.match(info, /Interface #1 info:\n\s+Name = wg0\n[^#]*Encapsulation = Raw IP[^#]*Capture length = 65535[^#]*Number of packets = 1/);
});

test('files are created 0600 and never replace an existing file unless told to', () => {
  const path = tempPath();
  PcapngWriter.create(path).close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.throws(() => PcapngWriter.create(path), (e: unknown) =>
    e instanceof SinkError && e.code === ErrorCode.SINK_IO && /exists/.test(e.message) && e.message.includes(path));
  writeFileSync(path, 'old contents', { mode: 0o644 });
  const w = PcapngWriter.create(path, { overwrite: true });
  w.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(path).readUInt32LE(0), 0x0a0d0d0a);
  assert.throws(() => PcapngWriter.create(join(dir, 'no-such-dir', 'x.pcapng')), /cannot create/);
});

test('maxPackets: exactly that many packets, then full and every further packet refused', { skip: TSHARK_SKIP }, () => {
  const path = tempPath();
  const w = PcapngWriter.create(path, { maxPackets: 3 });
  w.addInterface(point(0, LinkType.ETHERNET, { name: 'eth0' }));
  const v = new PacketView();
  const results: boolean[] = [];
  const fullAfter: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    results.push(w.writePacket(setView(v, ETH, { sec: 10 + i, nsec: 0, linkType: 1, index: 0 })));
    fullAfter.push(w.full);
  }
  w.close();
  assert.deepEqual(results, [true, true, true, false, false]);
  assert.deepEqual(fullAfter, [false, false, true, true, true]);
  assert.deepEqual(w.stats(), { packets: 3, bytes: statSync(path).size, interfaces: 1, refused: 2, skipped: 0 });
  assert.match(capinfos(path), /Number of packets:\s+3\n/);
});

test('maxBytes: the file never passes it, and a limit that fits N packets exactly yields N', { skip: TSHARK_SKIP }, () => {
  // Size of the header blocks and of one EPB, measured in memory.
  const probe = new MemoryOutput();
  const pw = new PcapngWriter(probe);
  pw.addInterface(point(0, LinkType.ETHERNET, { name: 'eth0' }));
  const v = new PacketView();
  const shb = probe.used;
  pw.writePacket(setView(v, ETH, { sec: 1, nsec: 0, linkType: 1, index: 0 }));
  const first = probe.used - shb;
  pw.writePacket(setView(v, ETH, { sec: 1, nsec: 0, linkType: 1, index: 0 }));
  const epb = probe.used - shb - first;
  assert.equal(epb, 32 + ((ETH.length + 3) & ~3));

  for (const slack of [0, 1, epb - 1]) {
    const path = tempPath();
    const limit = shb + first + 3 * epb + slack;
    const w = PcapngWriter.create(path, { maxBytes: limit });
    w.addInterface(point(0, LinkType.ETHERNET, { name: 'eth0' }));
    let written = 0;
    for (let i = 0; i < 10 && !w.full; i++) if (w.writePacket(setView(v, ETH, { sec: 2, nsec: i, linkType: 1, index: 0 }))) written++;
    w.close();
    assert.equal(written, 4, `slack ${slack}`);
    assert.equal(w.full, true);
    assert.equal(statSync(path).size, limit - slack);
    assert.equal(w.stats().bytes, limit - slack);
    assert.match(capinfos(path), /Number of packets:\s+4\n/);
  }
  // A limit the first interface block and packet do not fit in: nothing but the section header.
  const w = new PcapngWriter(new MemoryOutput(), { maxBytes: shb + first - 1 });
  w.addInterface(point(0, LinkType.ETHERNET, { name: 'eth0' }));
  assert.equal(w.writePacket(setView(v, ETH, { sec: 2, nsec: 0, linkType: 1, index: 0 })), false);
  assert.deepEqual(w.stats(), { packets: 0, bytes: shb, interfaces: 0, refused: 1, skipped: 0 });
});

test('block layout: little-endian, 32-bit padding, matching total lengths, 64-bit ns timestamps exactly', () => {
  fc.assert(fc.property(
    fc.array(fc.record({
      len: fc.integer({ min: 0, max: 70 }),
      cut: fc.integer({ min: 0, max: 3 }),
      sec: fc.integer({ min: 0, max: 0xffffffff }),
      nsec: fc.integer({ min: 0, max: 999_999_999 }),
      index: fc.integer({ min: 0, max: 40 }),
      comment: fc.option(fc.string({ unit: 'grapheme', maxLength: 9 }), { nil: undefined }),
      direction: fc.constantFrom(PacketDirection.UNKNOWN, PacketDirection.INBOUND, PacketDirection.OUTBOUND),
    }), { maxLength: 12 }),
    (packets) => {
      const out = new MemoryOutput();
      const w = new PcapngWriter(out, { application: 'test' });
      const v = new PacketView();
      const data = Uint8Array.from({ length: 80 }, (_, i) => i);
      for (const p of packets) {
        setView(v, data, { off: 3, cap: Math.min(p.len, 77), wire: p.len + p.cut, sec: p.sec, nsec: p.nsec, linkType: p.index % 2 === 0 ? 1 : 101, index: p.index });
        assert.equal(w.writePacket(v, p.comment, p.direction), true);
      }
      w.close();
      assert.equal(out.closed, true);
      const b = out.bytes();
      let off = 0;
      let epbs = 0;
      const idbs: number[] = [];
      while (off < b.length) {
        const type = b.readUInt32LE(off);
        const length = b.readUInt32LE(off + 4);
        assert.equal(length % 4, 0);
        assert.equal(b.readUInt32LE(off + length - 4), length, 'trailing block length');
        if (type === 1) idbs.push(b.readUInt16LE(off + 8));
        if (type === 6) {
          const p = packets[epbs++]!;
          const ts = (BigInt(b.readUInt32LE(off + 12)) << 32n) | BigInt(b.readUInt32LE(off + 16));
          assert.equal(ts, BigInt(p.sec) * 1_000_000_000n + BigInt(p.nsec));
          const cap = b.readUInt32LE(off + 20);
          assert.equal(cap, Math.min(p.len, 77));
          assert.equal(b.readUInt32LE(off + 24), Math.max(p.len + p.cut, cap));
          assert.deepEqual([...b.subarray(off + 28, off + 28 + cap)], [...data.subarray(3, 3 + cap)]);
          const expectOptions = (p.comment !== undefined && p.comment !== '') || p.direction !== PacketDirection.UNKNOWN;
          const optStart = off + 28 + ((cap + 3) & ~3);
          assert.equal(length - (optStart - off) - 4 > 0, expectOptions);
        }
        off += length;
      }
      assert.equal(off, b.length);
      assert.equal(epbs, packets.length);
      assert.equal(idbs.length, new Set(packets.map((p) => p.index)).size);
    }), { numRuns: 200 });
});

test('a packet from an interface never announced still gets an interface block (its link type)', { skip: TSHARK_SKIP }, () => {
  const path = tempPath();
  const w = PcapngWriter.create(path);
  const v = new PacketView();
  w.writePacket(setView(v, ETH, { off: 14, sec: 3, nsec: 0, linkType: LinkType.RAW, index: 70 }));
  w.close();
  assert.match(capinfos(path), /Encapsulation = Raw IP/);
  assert.deepEqual(tshark(path, ['tcp.dstport']), [['80']]);
  assert.throws(() => w.writePacket(v), /write after close/);
});

test('CaptureFile buffers: a file bigger than its buffer is written whole', () => {
  const path = tempPath();
  const w = new PcapngWriter(CaptureFile.create(path, { bufferSize: 100 }));
  const v = new PacketView();
  const big = new Uint8Array(1000).fill(7);
  for (let i = 0; i < 20; i++) w.writePacket(setView(v, big, { sec: 5, nsec: i, linkType: 1, index: 0 }));
  w.close();
  assert.equal(statSync(path).size, w.stats().bytes);
  assert.equal(w.stats().packets, 20);
});
