/**
 * Captures the corpus lacks, built byte by byte: every timestamp resolution and offset, the
 * obsolete Packet Block, SPB time and length rules, statistics, several sections of different
 * byte order, and each corruption the reader must name (offset, field, packets before it).
 * Each case is read from memory and from a stream in 7-byte reads: both must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { PacketView } from '../../model/packet-view.js';
import { CaptureRecorder, tsNs } from '../../../test/support/capture-recorder.js';
import {
  block, concat, customBlock, epb, frame, idb, isb, nrb, pb, pcapHeader, pcapRecord, shb, spb, writePcap,
} from '../../../test/support/capture-writer.js';
import type { CaptureSummary } from '../source.js';
import { PcapFormatError } from './errors.js';
import { readCaptureBuffer, readCaptureFile } from './reader.js';

interface Result {
  rec: CaptureRecorder;
  summary: CaptureSummary | undefined;
  error: PcapFormatError | undefined;
}

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Reads `bytes` in memory and as a stream with 7-byte reads; asserts both agree; returns one. */
async function read(bytes: Uint8Array, firstInterfaceIndex = 0): Promise<Result> {
  const results: Result[] = [];
  for (const streamed of [false, true]) {
    const rec = new CaptureRecorder();
    let summary: CaptureSummary | undefined;
    let error: PcapFormatError | undefined;
    try {
      summary = streamed
        ? await readCaptureFile('test.cap', rec, { firstInterfaceIndex, chunkSize: 7, input: pieces(bytes, 5) })
        : readCaptureBuffer(bytes, 'test.cap', rec, { firstInterfaceIndex });
    } catch (e) {
      if (!(e instanceof PcapFormatError)) throw e;
      error = e;
    }
    results.push({ rec, summary, error });
  }
  const [a, b] = results as [Result, Result];
  assert.deepEqual(b.rec.packets, a.rec.packets, 'streamed packets = buffered packets');
  assert.deepEqual(b.rec.points, a.rec.points);
  assert.deepEqual(b.rec.warnings, a.rec.warnings);
  assert.deepEqual(b.rec.stats, a.rec.stats);
  assert.equal(b.error?.message, a.error?.message);
  assert.deepEqual(a.rec.lateInterfaces, []);
  return a;
}

async function ok(bytes: Uint8Array, firstInterfaceIndex = 0): Promise<Result & { summary: CaptureSummary }> {
  const r = await read(bytes, firstInterfaceIndex);
  assert.equal(r.error, undefined, r.error?.message);
  assert.ok(r.summary !== undefined);
  return r as Result & { summary: CaptureSummary };
}

async function fails(bytes: Uint8Array, field: string, offset: number, packetsBefore: number, why?: RegExp): Promise<Result> {
  const r = await read(bytes);
  assert.ok(r.error !== undefined, `expected a ${field} error`);
  assert.equal(r.error.field, field, r.error.message);
  assert.equal(r.error.offset, offset, r.error.message);
  assert.equal(r.error.packetsBefore, packetsBefore, r.error.message);
  assert.equal(r.rec.packets.length, packetsBefore, 'packets before the fault were delivered');
  assert.equal(r.error.file, 'test.cap');
  assert.equal(r.error.code, 'ERR_CAPTURE_FORMAT');
  if (why !== undefined) assert.match(r.error.message, why);
  return r;
}

const LE = true;
const BE = false;

// ── classic pcap ───────────────────────────────────────────────────────────────────────────────

test('pcap: µs and ns magics in both byte orders', async () => {
  for (const le of [LE, BE]) {
    for (const nanos of [false, true]) {
      const bytes = writePcap({ le, nanos, snaplen: 1500, linkType: 113 }, [
        { sec: 1_700_000_000, frac: nanos ? 123_456_789 : 123_456, data: frame(60) },
        { sec: 4_294_967_295, frac: nanos ? 999_999_999 : 999_999, data: frame(14, 7), wire: 1514 },
      ]);
      const { rec, summary } = await ok(bytes, 5);
      assert.deepEqual(rec.points, [{ index: 5, file: 'test.cap', interfaceId: 0, section: 0, linkType: 113, snaplen: 1500, tsDigits: nanos ? 9 : 6 }]);
      assert.deepEqual(rec.packets.map((p) => [tsNs(p), p.capturedLength, p.wireLength, p.interfaceIndex, p.linkType, p.tsDigits]), [
        [nanos ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n, 60, 60, 5, 113, nanos ? 9 : 6],
        [nanos ? 4_294_967_295_999_999_999n : 4_294_967_295_999_999_000n, 14, 1514, 5, 113, nanos ? 9 : 6],
      ]);
      assert.deepEqual(summary, { file: 'test.cap', format: 'pcap', packets: 2, bytesRead: bytes.length, truncated: false, interfaces: 1 });
    }
  }
});

test('pcap: frame bytes are the record data, at frameOffset in the chunk', () => {
  const bytes = writePcap({}, [{ sec: 1, frac: 0, data: frame(33, 9) }, { sec: 2, frac: 0, data: frame(3, 200) }]);
  const seen: number[][] = [];
  const view = new PacketView();
  readCaptureBuffer(bytes, 'x', {
    packet: (v) => {
      assert.equal(v, view);
      seen.push([...v.bytes.subarray(v.frameOffset, v.frameOffset + v.capturedLength)]);
    },
    interface: () => {}, warning: () => {},
  }, { view });
  assert.deepEqual(seen, [[...frame(33, 9)], [...frame(3, 200)]]);
});

test('pcap: FCS bits of the link-type field are dropped; reserved bits are an error', async () => {
  const fcs = await ok(writePcap({ linkType: 0x34000001 }, [{ sec: 0, frac: 0, data: frame(64) }]));
  assert.equal(fcs.rec.points[0]?.linkType, 1);
  assert.equal(fcs.rec.packets[0]?.linkType, 1);
  await fails(writePcap({ linkType: 0x00300001 }, []), 'linktype', 20, 0, /reserved bits .*0x00300001/);
});

test('pcap: a fraction of a second or more in the sub-second field carries into the seconds', async () => {
  const { rec } = await ok(writePcap({}, [
    { sec: 10, frac: 1_000_000, data: frame(1) },
    { sec: 10, frac: 2_500_000, data: frame(1) },
  ]));
  assert.deepEqual(rec.packets.map(tsNs), [11_000_000_000n, 12_500_000_000n]);
});

test('pcap: versions before 2.4 with swapped length fields (libpcap < 0.4)', async () => {
  // 2.2: always swapped; 2.3: swapped when caplen > len.
  const rec22 = (await ok(concat(pcapHeader({ minor: 2 }), pcapRecord({ sec: 0, frac: 0, data: frame(10), caplen: 1514, wire: 10 })))).rec;
  assert.deepEqual(rec22.packets.map((p) => [p.capturedLength, p.wireLength]), [[10, 1514]]);
  const rec23 = (await ok(concat(pcapHeader({ minor: 3 }),
    pcapRecord({ sec: 0, frac: 0, data: frame(10), caplen: 1514, wire: 10 }),
    pcapRecord({ sec: 0, frac: 0, data: frame(10), caplen: 10, wire: 60 })))).rec;
  assert.deepEqual(rec23.packets.map((p) => [p.capturedLength, p.wireLength]), [[10, 1514], [10, 60]]);
});

test('pcap: header only is a capture with no packets; caplen above snaplen is fine', async () => {
  const empty = await ok(pcapHeader({}));
  assert.equal(empty.summary.packets, 0);
  assert.equal(empty.rec.points.length, 1);
  const big = await ok(writePcap({ snaplen: 64 }, [{ sec: 0, frac: 0, data: frame(1000) }]));
  assert.equal(big.rec.packets[0]?.capturedLength, 1000);
});

test('pcap: truncated last record is a warning; earlier packets delivered', async () => {
  const full = writePcap({}, [
    { sec: 1, frac: 0, data: frame(100) }, { sec: 2, frac: 0, data: frame(100) }, { sec: 3, frac: 0, data: frame(100) },
  ]);
  const third = 24 + 2 * 116;
  for (const cut of [third + 5, third + 16, third + 16 + 50]) {
    const { rec, summary } = await ok(full.subarray(0, cut));
    assert.equal(summary.truncated, true);
    assert.equal(summary.packets, 2);
    assert.equal(summary.bytesRead, cut);
    assert.equal(rec.packets.length, 2);
    assert.equal(rec.warnings.length, 1);
    assert.match(rec.warnings[0] as string, new RegExp(`^test\\.cap: truncated record at offset ${third} \\(packet record needs (16|116) bytes, ${cut - third} present\\); read 2 packets$`));
  }
});

test('pcap: a corrupt captured length mid-file names its offset after the packets before it', async () => {
  const bytes = writePcap({}, [
    { sec: 1, frac: 0, data: frame(100) }, { sec: 2, frac: 0, data: frame(100) },
    { sec: 3, frac: 0, data: frame(10), caplen: 0x7fff0000 },
  ]);
  const r = await fails(bytes, 'caplen', 24 + 2 * 116 + 8, 2, /captured length 2147418112 exceeds the 262144-byte maximum \(after 2 packets\)$/);
  assert.equal(r.rec.packets.length, 2);
});

test('pcap: bad version, not a capture, empty, too short', async () => {
  await fails(writePcap({ major: 1 }, []), 'version', 4, 0, /unsupported pcap version 1\.4/);
  await fails(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), 'magic', 0, 0, /not a pcap or pcapng file \(magic 0x47455420\)/);
  await fails(new Uint8Array(0), 'file', 0, 0, /empty file/);
  await fails(Uint8Array.of(0xd4, 0xc3), 'magic', 0, 0, /too short/);
  await fails(pcapHeader({}).subarray(0, 10), 'file header', 0, 0, /ends inside the file header \(10 of 24 bytes\)/);
  await fails(Uint8Array.of(0x34, 0xcd, 0xb2, 0xa1, 0, 0, 0, 0), 'magic', 0, 0, /Kuznetsov/);
  await fails(gzipSync(gzipSync(pcapHeader({}))), 'magic', 0, 0, /compressed twice/);
});

// ── pcapng ─────────────────────────────────────────────────────────────────────────────────────

test('pcapng: both byte orders, IDB options, default µs resolution', async () => {
  for (const le of [LE, BE]) {
    const bytes = concat(
      shb(le, { options: [] }),
      idb(le, 1, 262144, { name: 'eth0', description: 'uplink port' }),
      epb(le, 0, 1_700_000_000_123_456n, frame(60)),
      epb(le, 0, 1_700_000_001_000_001n, frame(40), 1514),
    );
    const { rec, summary } = await ok(bytes, 3);
    assert.deepEqual(rec.points, [{ index: 3, file: 'test.cap', interfaceId: 0, section: 0, linkType: 1, snaplen: 262144, tsDigits: 6, name: 'eth0', description: 'uplink port' }]);
    assert.deepEqual(rec.packets.map((p) => [tsNs(p), p.capturedLength, p.wireLength, p.interfaceIndex, p.tsDigits]), [
      [1_700_000_000_123_456_000n, 60, 60, 3, 6],
      [1_700_000_001_000_001_000n, 40, 1514, 3, 6],
    ]);
    assert.deepEqual(summary, { file: 'test.cap', format: 'pcapng', packets: 2, bytesRead: bytes.length, truncated: false, interfaces: 1 });
  }
});

/** Reference conversion (BigInt: tests only): units since the epoch → ns, truncated. */
function refNs(units: bigint, tsresol: number, offsetSec = 0n): bigint {
  const perSec = (tsresol & 0x80) !== 0 ? 2n ** BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return (units / perSec + offsetSec) * 1_000_000_000n + ((units % perSec) * 1_000_000_000n) / perSec;
}

test('pcapng: if_tsresol powers of 10 and of 2, exact to the nanosecond', async () => {
  const cases: [number, bigint, number][] = [
    [0, 1_700_000_000n, 0], [3, 1_700_000_000_123n, 3], [6, 1_700_000_000_123_456n, 6],
    [9, 1_700_000_000_123_456_789n, 9], [9, 18_446_744_073_709_551_615n, 9],
    [12, 1_700_000_000_123_456_789_012n % 2n ** 64n, 9], [19, 18_446_744_073_709_551_615n, 9],
    [0x80 | 0, 1_700_000_000n, 0], [0x80 | 10, 1_700_000_000n * 1024n + 1023n, 9],
    [0x80 | 20, 1_700_000_000n * 2n ** 20n + 777_777n, 9], [0x80 | 30, 1_700_000_000n * 2n ** 30n + 987_654_321n, 9],
    [0x80 | 32, 1_700_000_000n * 2n ** 32n + 4_294_967_295n, 9], [0x80 | 33, 2n ** 64n - 1n, 9],
    [0x80 | 40, 13_000_000n * 2n ** 40n + 2n ** 39n + 12345n, 9], [0x80 | 63, 2n ** 64n - 1n, 9],
    [0x80 | 63, 2n ** 63n + 1n, 9],
  ];
  for (const le of [LE, BE]) {
    for (const [tsresol, units, digits] of cases) {
      const { rec } = await ok(concat(shb(le), idb(le, 1, 0, { tsresol }), epb(le, 0, units, frame(4))));
      const p = rec.packets[0];
      assert.ok(p !== undefined);
      assert.equal(tsNs(p), refNs(units, tsresol), `tsresol 0x${tsresol.toString(16)}, ${units}`);
      assert.equal(p.tsDigits, digits);
      assert.equal(rec.points[0]?.tsDigits, digits);
    }
  }
});

test('pcapng: if_tsoffset adds signed seconds', async () => {
  for (const le of [LE, BE]) {
    for (const offset of [1_600_000_000n, -86_400n, 0n]) {
      const { rec } = await ok(concat(shb(le), idb(le, 1, 0, { tsresol: 9, tsoffset: offset }), epb(le, 0, 100_000_000_123n, frame(4))));
      assert.equal(tsNs(rec.packets[0] as never), refNs(100_000_000_123n, 9, offset));
    }
  }
});

test('pcapng: out-of-range if_tsresol is a format error at the option', async () => {
  const idb20 = idb(LE, 1, 0, { tsresol: 20 });
  await fails(concat(shb(LE), idb20), 'if_tsresol', 28 + 16 + 4, 0, /10\^-20/);
  await fails(concat(shb(LE), idb(LE, 1, 0, { tsresol: 0x80 | 64 })), 'if_tsresol', 28 + 16 + 4, 0, /2\^-64/);
});

test('pcapng: several sections, byte orders and interfaces: ids restart, indices continue', async () => {
  const bytes = concat(
    shb(LE), idb(LE, 1, 0, { name: 'a0' }), idb(LE, 113, 0, { name: 'a1', tsresol: 9 }),
    epb(LE, 1, 5_000_000_001n, frame(10)), epb(LE, 0, 7_000_000n, frame(11)),
    shb(BE), idb(BE, 101, 128, { name: 'b0' }),
    epb(BE, 0, 9_000_000n, frame(12)),
    shb(LE), idb(LE, 228, 0), epb(LE, 0, 1n, frame(13)),
  );
  const { rec, summary } = await ok(bytes, 10);
  assert.deepEqual(rec.points.map((p) => [p.index, p.section, p.interfaceId, p.linkType, p.name]), [
    [10, 0, 0, 1, 'a0'], [11, 0, 1, 113, 'a1'], [12, 1, 0, 101, 'b0'], [13, 2, 0, 228, undefined],
  ]);
  assert.deepEqual(rec.packets.map((p) => [p.interfaceIndex, p.linkType, tsNs(p)]), [
    [11, 113, 5_000_000_001n], [10, 1, 7_000_000_000n], [12, 101, 9_000_000_000n], [13, 228, 1_000n],
  ]);
  assert.equal(summary.interfaces, 4);
  // Interface 1 of section 0 is gone in section 2.
  await fails(concat(bytes, epb(LE, 1, 0n, frame(1))), 'interface id', bytes.length + 8, 4, /refers to interface 1, but section 2 has 1 interface/);
});

test('pcapng: SPB takes the previous packet\'s time (0 first) and min(len, snaplen, block)', async () => {
  const bytes = concat(
    shb(BE), idb(BE, 1, 96),
    spb(BE, frame(60), 60),
    epb(BE, 0, 1_700_000_000_500_000n, frame(80)),
    spb(BE, frame(96), 1514), // snaplen 96 wins
    spb(BE, frame(40), 1514), // the block holds only 40
  );
  const { rec } = await ok(bytes);
  assert.deepEqual(rec.packets.map((p) => [tsNs(p), p.capturedLength, p.wireLength, p.hash === rec.packets[0]?.hash]), [
    [0n, 60, 60, true],
    [1_700_000_000_500_000_000n, 80, 80, false],
    [1_700_000_000_500_000_000n, 96, 1514, false],
    [1_700_000_000_500_000_000n, 40, 1514, false],
  ]);
  await fails(concat(shb(LE), spb(LE, frame(4))), 'interface id', 28, 0, /SPB before any IDB/);
});

test('pcapng: obsolete Packet Block (type 2) is a packet', async () => {
  for (const le of [LE, BE]) {
    const { rec } = await ok(concat(shb(le), idb(le, 1, 0), idb(le, 105, 0), pb(le, 1, 42_000_001n, frame(30), 100)));
    assert.deepEqual(rec.packets.map((p) => [p.interfaceIndex, p.linkType, tsNs(p), p.capturedLength, p.wireLength]), [[1, 105, 42_000_001_000n, 30, 100]]);
  }
});

test('pcapng: NRB, custom and unknown blocks are skipped; ISB reports statistics', async () => {
  for (const le of [LE, BE]) {
    const bytes = concat(
      shb(le), nrb(le), idb(le, 1, 0), customBlock(le), epb(le, 0, 1n, frame(8)), customBlock(le, false),
      block(0x12345678, frame(9), le), block(0x0000000a, frame(20), le),
      isb(le, 0, { recv: 2n ** 40n + 5n, drop: 3n }), isb(le, 0, { drop: 7n }), isb(le, 0, {}),
      epb(le, 0, 2n, frame(8)),
    );
    const { rec } = await ok(bytes);
    assert.equal(rec.packets.length, 2);
    assert.deepEqual(rec.stats, [
      { interfaceIndex: 0, received: 2 ** 40 + 5, dropped: 3 },
      { interfaceIndex: 0, received: undefined, dropped: 7 },
    ]);
  }
  await fails(concat(shb(LE), idb(LE, 1, 0), isb(LE, 4, { drop: 1n })), 'interface id', 28 + 20 + 8, 0, /ISB refers to interface 4/);
});

test('pcapng: block length corruption mid-file names the offset; packets before it are kept', async () => {
  const head = concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 1n, frame(50)), epb(LE, 0, 2n, frame(50)));
  const next = head.length;
  const good = epb(LE, 0, 3n, frame(50));
  const withLength = (n: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(4, n, true);
    return concat(head, b, epb(LE, 0, 4n, frame(50)));
  };
  await fails(withLength(8), 'block length', next + 4, 2, /EPB total length 8 is below the 12-byte minimum \(after 2 packets\)/);
  await fails(withLength(82), 'block length', next + 4, 2, /not a multiple of 4/);
  await fails(withLength(0x7ffffffc), 'block length', next + 4, 2, /above the 67108864-byte cap/);
  await fails(withLength(good.length + 4), 'block length', next + good.length, 2, new RegExp(`EPB trailing length \\d+ disagrees with its leading length ${good.length + 4}`));
  await fails(concat(head, block(6, new Uint8Array(16), LE)), 'block length', next + 4, 2, /EPB total length 28 is below its 32-byte minimum/);
  // A trailer that disagrees.
  const badTrailer = concat(head, block(6, good.subarray(8, good.length - 4), LE, { last: 1234 }));
  await fails(badTrailer, 'block length', next + good.length - 4, 2, /trailing length 1234 disagrees/);
});

test('pcapng: EPB field corruption: unknown interface, caplen beyond the block', async () => {
  const head = concat(shb(BE), idb(BE, 1, 0), epb(BE, 0, 1n, frame(50)));
  await fails(concat(head, epb(BE, 3, 1n, frame(10))), 'interface id', head.length + 8, 1, /EPB refers to interface 3, but section 0 has 1 interface/);
  await fails(concat(head, epb(BE, 0, 1n, frame(12), 100, 13)), 'caplen', head.length + 20, 1, /does not fit in the block \(12 bytes of data\)/);
  await fails(concat(shb(BE), epb(BE, 0, 1n, frame(4))), 'interface id', 28 + 8, 0, /section 0 has 0 interface/);
});

test('pcapng: SHB errors: version, byte-order magic, option overrun, truncated first SHB', async () => {
  const good = concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 1n, frame(8)));
  await fails(concat(good, shb(BE, { major: 2 })), 'version', good.length + 12, 1, /unsupported pcapng version 2\.0/);
  assert.equal((await ok(concat(shb(LE, { minor: 2 }), idb(LE, 1, 0), epb(LE, 0, 1n, frame(8))))).summary.packets, 1);
  const badMagic = shb(LE).slice();
  badMagic.set([1, 2, 3, 4], 8);
  await fails(concat(good, badMagic), 'byte-order magic', good.length + 8, 1, /0x01020304/);
  // An SHB option whose length runs past the block.
  const opt = shb(LE, { options: [new Uint8Array([1, 0, 4, 0, 65, 66, 67, 68])] }).slice();
  new DataView(opt.buffer).setUint16(24 + 2, 200, true);
  await fails(opt, 'SHB option 1', 26, 0, /option length 200 runs past the end of the block/);
  await fails(shb(LE).subarray(0, 20), 'section header block', 0, 0, /file ends inside the SHB/);
});

test('pcapng: truncated last block is a warning', async () => {
  const bytes = concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 1n, frame(50)), epb(LE, 0, 2n, frame(50)), epb(LE, 0, 3n, frame(50)));
  const epbLength = epb(LE, 0, 3n, frame(50)).length;
  const last = bytes.length - epbLength;
  for (const cut of [bytes.length - 1, last + 6, last + 40]) {
    const { rec, summary } = await ok(bytes.subarray(0, cut));
    assert.equal(summary.truncated, true);
    assert.equal(rec.packets.length, 2);
    assert.match(rec.warnings[0] as string, new RegExp(`truncated record at offset ${last} \\((EPB needs ${epbLength}|block header needs 12) bytes, ${cut - last} present\\); read 2 packets$`));
  }
});

test('large records grow the buffer: a 200 KiB frame read in 7-byte and 4 KiB chunks', async () => {
  const big = frame(200_000, 3);
  const bytes = concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 1n, frame(10)), epb(LE, 0, 2n, big), epb(LE, 0, 3n, frame(10)));
  const ref = new CaptureRecorder();
  readCaptureBuffer(bytes, 'x', ref);
  for (const chunkSize of [7, 4096, 65536]) {
    const rec = new CaptureRecorder();
    await readCaptureFile('x', rec, { chunkSize, input: pieces(bytes, 1000) });
    assert.deepEqual(rec.packets, ref.packets);
  }
  assert.equal(ref.packets[1]?.capturedLength, 200_000);
});
