/**
 * Robustness: random byte mutations, truncations and splices of valid captures (synthetic ones
 * with every block type, and small corpus files) never throw anything but a CaptureFormatError,
 * never deliver a frame outside its buffer, and never hang — in memory and streamed in odd chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CaptureFormatError } from '../../core/errors.js';
import { CaptureRecorder } from '../../../test/support/capture-recorder.js';
import { concat, customBlock, epb, frame, idb, isb, nrb, pb, shb, spb, writePcap } from '../../../test/support/capture-writer.js';
import { HAVE_CORPUS, corpusPcap } from '../../../test/support/corpus.js';
import { PcapFormatError } from './errors.js';
import { readCaptureBuffer, readCaptureFile } from './reader.js';

const seeds: Uint8Array[] = [
  writePcap({}, [{ sec: 1, frac: 2, data: frame(40) }, { sec: 3, frac: 4, data: frame(20) }, { sec: 5, frac: 6, data: frame(9) }]),
  writePcap({ le: false, nanos: true, minor: 3 }, [{ sec: 1, frac: 2, data: frame(30) }, { sec: 3, frac: 4, data: frame(17), wire: 9 }]),
  concat(
    shb(true), nrb(true), idb(true, 1, 64, { name: 'e', tsresol: 0x80 | 20, tsoffset: 5n }), idb(true, 101, 0, { tsresol: 9 }),
    epb(true, 0, 123456789n, frame(30)), spb(true, frame(20), 100), customBlock(true), pb(true, 1, 99n, frame(12)),
    isb(true, 1, { recv: 10n, drop: 1n }),
    shb(false), idb(false, 113, 0, { tsresol: 13 }), epb(false, 0, 2n ** 60n, frame(25)), spb(false, frame(8)),
  ),
];
if (HAVE_CORPUS) {
  for (const name of ['pcapng-mixed-endian.pcapng', 'pcapng-be-nrb-spb.pcapng', 'pcap-ns-le.pcap', 'malformed-timestamp-micro.pcap']) {
    seeds.push(new Uint8Array(readFileSync(corpusPcap(name))));
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // Overwrite a 32-bit word with an interesting value (lengths, ids, magics).
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 3, 11, 12, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), value: fc.nat() }),
);

function mutate(seed: Uint8Array, ms: { kind: string; at: number; value: number }[]): Uint8Array {
  let b: Uint8Array = seed.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'byte') b[at] = m.value;
    else if (m.kind === 'word' && at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, m.value >>> 0, (m.at & 1) === 0);
    else if (m.kind === 'cut') b = b.slice(0, at);
    else if (m.kind === 'splice') { const from = m.value % b.length; b = concat(b.subarray(0, at), b.subarray(from)); }
  }
  return b;
}

function acceptable(e: unknown): boolean {
  return e instanceof CaptureFormatError && e instanceof PcapFormatError && e.field.length > 0 && Number.isInteger(e.offset) && e.offset >= 0;
}

test('fuzz: mutated captures read in memory: packets or a CaptureFormatError', () => {
  fc.assert(fc.property(fc.constantFrom(...seeds.keys()), fc.array(mutation, { minLength: 1, maxLength: 6 }), (i, ms) => {
    const bytes = mutate(seeds[i] as Uint8Array, ms);
    const rec = new CaptureRecorder(); // throws a plain Error for a frame outside its buffer
    try {
      const s = readCaptureBuffer(bytes, 'fuzz', rec);
      assert.equal(s.packets, rec.packets.length);
    } catch (e) {
      if (!acceptable(e)) throw e;
    }
    assert.deepEqual(rec.lateInterfaces, []);
    for (const p of rec.packets) assert.ok(p.tsNsec >= 0 && p.tsNsec < 1e9 && Number.isFinite(p.tsSec));
  }), { numRuns: 3000 });
});

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

test('fuzz: streamed in odd chunks, the same outcome as in memory', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...seeds.keys()), fc.array(mutation, { minLength: 1, maxLength: 4 }),
    fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 97 }), async (i, ms, chunkSize, pieceSize) => {
      const bytes = mutate(seeds[i] as Uint8Array, ms);
      const a = new CaptureRecorder();
      const b = new CaptureRecorder();
      let ea: unknown;
      let eb: unknown;
      try { readCaptureBuffer(bytes, 'fuzz', a); } catch (e) { ea = e; }
      try { await readCaptureFile('fuzz', b, { chunkSize, input: pieces(bytes, pieceSize) }); } catch (e) { eb = e; }
      if (ea !== undefined && !acceptable(ea)) throw ea;
      if (eb !== undefined && !acceptable(eb)) throw eb;
      assert.equal((eb as Error | undefined)?.message, (ea as Error | undefined)?.message);
      assert.deepEqual(b.packets, a.packets);
      assert.deepEqual(b.warnings, a.warnings);
    }), { numRuns: 400 });
});
