/**
 * Every corpus capture against tshark's truth: packet count, wire and captured length, exact
 * timestamp (ns) and pcapng interface id, frame by frame — read four ways (whole file in memory;
 * from the file with the default 4 MiB chunks and with 4 KiB chunks; from a stream with 7-byte
 * reads) that must agree byte for byte, which proves the carry-over of partial records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CaptureFormatError } from '../../core/errors.js';
import { CaptureRecorder, tsNs } from '../../../test/support/capture-recorder.js';
import type { TruthFrame } from '../../../test/support/corpus.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFrames, truthMeta } from '../../../test/support/corpus.js';
import { PcapFormatError } from './errors.js';
import { readCaptureBuffer, readCaptureFile } from './reader.js';

/**
 * Where weft and tshark 4.0 disagree on purpose. In malformed-timestamp-micro.pcap the µs field
 * holds 1 000 000 (frame 2) and 2^31 (frame 3). Wireshark keeps µs × 1000 in a 32-bit nsecs
 * field: frame 2 prints as "…370.1000000000" (10 digits, which the truth script read as .1 s)
 * and frame 3 wraps to .000000000. weft carries whole seconds out of the fraction (the field
 * means seconds + fraction units), so nsec stays below 10^9.
 */
const TS_DEVIATIONS: Record<string, Record<number, string>> = {
  'malformed-timestamp-micro.pcap': { 2: '1418145371000000000', 3: '1418147517483648000' },
};

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

interface Outcome {
  rec: CaptureRecorder;
  summary?: { packets: number; bytesRead: number; truncated: boolean; format: string; interfaces: number };
  error?: unknown;
}

async function readAllWays(name: string): Promise<Record<string, Outcome>> {
  const path = corpusPcap(name);
  const bytes = new Uint8Array(readFileSync(path));
  const ways: Record<string, (rec: CaptureRecorder) => Promise<Outcome['summary']>> = {
    buffer: async (rec) => readCaptureBuffer(bytes, path, rec),
    file: (rec) => readCaptureFile(path, rec),
    'file, 4 KiB chunks': (rec) => readCaptureFile(path, rec, { chunkSize: 4096 }),
    'stream, 7-byte reads': (rec) => readCaptureFile(path, rec, { chunkSize: 7, input: pieces(bytes, 65536) }),
  };
  const out: Record<string, Outcome> = {};
  for (const [way, read] of Object.entries(ways)) {
    const rec = new CaptureRecorder();
    try {
      const summary = await read(rec);
      out[way] = summary === undefined ? { rec } : { rec, summary };
    } catch (error) {
      out[way] = { rec, error };
    }
  }
  return out;
}

function assertFormatError(e: unknown, where: string): asserts e is PcapFormatError {
  assert.ok(e instanceof CaptureFormatError, `${where}: expected a CaptureFormatError, got ${String(e)}`);
  assert.ok(e instanceof PcapFormatError);
  assert.equal(e.code, 'ERR_CAPTURE_FORMAT');
  assert.ok(e.file.length > 0 && Number.isInteger(e.offset) && e.offset >= 0 && e.field.length > 0, e.message);
}

function compareWithTruth(name: string, rec: CaptureRecorder, truth: TruthFrame[]): void {
  const frames = truth.filter((f) => f.non_packet_record !== true); // pcapng custom blocks
  assert.equal(rec.packets.length, frames.length, `${name}: packet count`);
  const deviations = TS_DEVIATIONS[name] ?? {};
  for (let i = 0; i < frames.length; i++) {
    const t = frames[i] as TruthFrame;
    const p = rec.packets[i];
    assert.ok(p !== undefined);
    const at = `${name} frame ${t.frame}`;
    assert.equal(p.wireLength, t.len, `${at}: len`);
    assert.equal(p.capturedLength, t.caplen, `${at}: caplen`);
    const expectedTs = deviations[t.frame] ?? t.ts_ns; // SPB frames have none
    if (expectedTs !== undefined) assert.equal(tsNs(p).toString(), expectedTs, `${at}: ts_ns`);
    assert.ok(p.tsNsec >= 0 && p.tsNsec < 1e9 && Number.isInteger(p.tsNsec), `${at}: nsec in range`);
    const point = rec.point(p.interfaceIndex);
    if (t.if_id !== undefined) assert.equal(point.interfaceId, t.if_id, `${at}: if_id`);
    assert.equal(p.linkType, point.linkType, `${at}: link type of its interface`);
    assert.equal(p.tsDigits, point.tsDigits, `${at}: digits of its interface`);
  }
}

for (const name of corpusNames()) {
  test(`corpus: ${name}`, { skip: CORPUS_SKIP }, async () => {
    const meta = truthMeta(name);
    const outcomes = await readAllWays(name);
    const reference = outcomes['buffer'] as Outcome;

    if (meta['tshark_rc'] !== 0) {
      // tshark refuses it: a clean format error, the same whichever way it is read.
      for (const [way, o] of Object.entries(outcomes)) {
        assertFormatError(o.error, `${name} (${way})`);
        assert.equal(o.error.message, (reference.error as Error).message, `${name} (${way}): same error`);
      }
      return;
    }

    for (const [way, o] of Object.entries(outcomes)) {
      assert.equal(o.error, undefined, `${name} (${way}): ${String(o.error)}`);
      // Identical delivery, frame bytes included, whatever the chunking.
      assert.deepEqual(o.rec.packets, reference.rec.packets, `${name} (${way}): packets`);
      assert.deepEqual(o.rec.points, reference.rec.points, `${name} (${way}): points`);
      assert.deepEqual(o.rec.warnings, [], `${name} (${way}): warnings`);
      assert.deepEqual(o.rec.lateInterfaces, [], `${name} (${way}): interface before its packets`);
      assert.ok(o.summary !== undefined);
      assert.equal(o.summary.packets, o.rec.packets.length);
      assert.equal(o.summary.bytesRead, meta['size']);
      assert.equal(o.summary.truncated, false);
      assert.equal(o.summary.format, meta['header']['format']);
      assert.equal(o.summary.interfaces, o.rec.points.length);
    }
    compareWithTruth(name, reference.rec, truthFrames(name));

    // File reads report progress against the file size and end at 100 %.
    const fileProgress = (outcomes['file'] as Outcome).rec.progressCalls;
    assert.deepEqual(fileProgress.at(-1), [meta['size'], meta['size']]);

    const header = meta['header'];
    if (header['format'] === 'pcap') {
      assert.equal(reference.rec.points.length, 1);
      const point = reference.rec.points[0];
      assert.ok(point !== undefined);
      assert.equal(point.linkType, header['linktype_field'] & 0xffff); // FCS bits stripped
      assert.equal(point.snaplen, header['snaplen']);
      assert.equal(point.tsDigits, header['ts_resolution'] === 'ns' ? 9 : 6);
      assert.equal(point.interfaceId, 0);
      assert.equal(point.section, 0);
    }
  });
}

test('corpus: the four captures tshark refuses are format errors naming the field', { skip: CORPUS_SKIP }, async () => {
  const expected: Record<string, string> = {
    'malformed-pcap-bad-version.pcap': 'version',
    'malformed-pcapng-bad-version.pcapng': 'version',
    'malformed-linktype-reserved.pcap': 'linktype',
    // tshark: "Not enough data to handle option of length 12336"; the SHB's own length copy is
    // already wrong, which is what weft checks first.
    'malformed-pcapng-shb-option.pcapng': 'block length',
  };
  const refused = corpusNames().filter((n) => truthMeta(n)['tshark_rc'] !== 0);
  assert.deepEqual(refused.sort(), Object.keys(expected).sort());
  for (const [name, field] of Object.entries(expected)) {
    const rec = new CaptureRecorder();
    await assert.rejects(readCaptureFile(corpusPcap(name), rec), (e: unknown) => {
      assertFormatError(e, name);
      assert.equal(e.field, field, e.message);
      assert.equal(e.packetsBefore, 0);
      assert.ok(e.message.startsWith(`${corpusPcap(name)}: offset ${e.offset}: ${field}: `), e.message);
      return true;
    });
    assert.equal(rec.packets.length, 0);
  }
});
