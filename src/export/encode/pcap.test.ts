// PcapWriter (classic pcap, nanosecond magic): one link type per file, others skipped; tshark reads
// lengths and ns timestamps back; limits stop at exactly the limit.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType, PacketView } from '../../model/index.js';
import { frame } from '../../../test/support/packets.js';
import { PCAP_NSEC_MAGIC, PcapWriter } from './pcap.js';

const TSHARK_SKIP: string | false = spawnSync('tshark', ['--version']).status === 0 ? false : 'tshark not installed (apt-get install tshark)';
const dir = mkdtempSync(join(tmpdir(), 'weft-pcap-'));
let fileNo = 0;
after(() => rmSync(dir, { recursive: true, force: true }));
const tempPath = (): string => join(dir, `c${fileNo++}.pcap`);

const ETH = frame({ v6: false, src: 0x0a010203, dst: 0x0a010204, sport: 40000, dport: 80 }, { tcp: { seq: 1, ack: 0, flags: 0x02 } }, new Uint8Array(7));

function view(v: PacketView, linkType: number, sec: number, nsec: number, off = 0, cap = ETH.length - off, wire = cap): PacketView {
  v.bytes = ETH;
  v.frameOffset = off;
  v.capturedLength = cap;
  v.wireLength = wire;
  v.tsSec = sec;
  v.tsNsec = nsec;
  v.linkType = linkType;
  v.interfaceIndex = linkType === LinkType.RAW ? 1 : 0;
  return v;
}

function tshark(file: string, fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

test('the first packet fixes the link type; packets of another are skipped and counted', { skip: TSHARK_SKIP }, () => {
  const path = tempPath();
  const w = PcapWriter.create(path);
  const v = new PacketView();
  assert.equal(w.writePacket(view(v, LinkType.RAW, 1_700_000_000, 123_456_789, 14, ETH.length - 17, ETH.length - 14)), true);
  assert.equal(w.writePacket(view(v, LinkType.ETHERNET, 1_700_000_001, 0)), false);
  assert.equal(w.writePacket(view(v, LinkType.RAW, 4_294_967_295, 999_999_999, 14)), true);
  w.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const b = readFileSync(path);
  assert.equal(b.readUInt32LE(0), PCAP_NSEC_MAGIC);
  assert.equal(b.readUInt32LE(20), LinkType.RAW);
  assert.deepEqual(w.stats(), { packets: 2, bytes: b.length, interfaces: 1, refused: 0, skipped: 1 });
  assert.deepEqual(tshark(path, ['frame.len', 'frame.cap_len', 'frame.time_epoch', 'tcp.dstport']), [
    [String(ETH.length - 14), String(ETH.length - 17), '1700000000.123456789', '80'], // cut in the payload
    [String(ETH.length - 14), String(ETH.length - 14), '4294967295.999999999', '80'],
  ]);
  const info = spawnSync('capinfos', ['-M', path], { encoding: 'utf8' }).stdout;
  assert.match(info, /File type:\s+nsecpcap\n/);
  assert.match(info, /File encapsulation:\s+rawip\n/);
  assert.match(info, /Number of packets:\s+2\n/);
});

test('a given link type is written at once; an empty file still has a header', () => {
  const path = tempPath();
  const w = PcapWriter.create(path, { linkType: LinkType.ETHERNET, snaplen: 1500 });
  const v = new PacketView();
  assert.equal(w.writePacket(view(v, LinkType.RAW, 1, 0, 14)), false);
  w.close();
  const b = readFileSync(path);
  assert.equal(b.length, 24);
  assert.equal(b.readUInt32LE(16), 1500);
  assert.equal(b.readUInt32LE(20), LinkType.ETHERNET);
  assert.deepEqual(w.stats(), { packets: 0, bytes: 24, interfaces: 1, refused: 0, skipped: 1 });

  const empty = tempPath();
  const e = PcapWriter.create(empty);
  e.close();
  assert.equal(readFileSync(empty).length, 24);
  assert.throws(() => PcapWriter.create(empty), /exists/);
});

test('limits: maxPackets exactly, and maxBytes never passed', () => {
  const v = new PacketView();
  const record = 16 + ETH.length;
  const byPackets = PcapWriter.create(tempPath(), { maxPackets: 2 });
  const results = [0, 1, 2, 3].map((i) => byPackets.writePacket(view(v, 1, i, 0)));
  assert.deepEqual(results, [true, true, false, false]);
  assert.equal(byPackets.full, true);
  byPackets.close();

  for (const slack of [0, record - 1]) {
    const path = tempPath();
    const w = PcapWriter.create(path, { maxBytes: 24 + 3 * record + slack });
    let n = 0;
    while (!w.full && n < 10) if (w.writePacket(view(v, 1, n, 0))) n++; else break;
    w.close();
    assert.equal(n, 3);
    assert.equal(w.full, true);
    assert.equal(statSync(path).size, 24 + 3 * record);
  }
});
