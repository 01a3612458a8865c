/**
 * Inputs: gzip (sniffed from the magic, whatever the name), stdin (a real child process reading
 * `-`), injected streams, and the I/O errors a user can cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CaptureRecorder } from '../../../test/support/capture-recorder.js';
import { concat, epb, frame, idb, shb, writePcap } from '../../../test/support/capture-writer.js';
import { CORPUS_SKIP, corpusPcap } from '../../../test/support/corpus.js';
import { CaptureIoError, PcapFormatError } from './errors.js';
import { CaptureFormatError } from '../../core/errors.js';
import { FileSource } from './input.js';
import { readCaptureBuffer, readCaptureFile } from './reader.js';

const GZ_CORPUS = ['pcap-us-be-pptp.pcap', 'pcapng-mixed-endian.pcapng', 'flow-web-espn.pcapng', 'pcap-empty.pcap'];

function reference(bytes: Uint8Array): CaptureRecorder {
  const rec = new CaptureRecorder();
  readCaptureBuffer(bytes, 'ref', rec);
  return rec;
}

test('gzip: corpus files compressed under a misleading name read the same as plain', { skip: CORPUS_SKIP }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-gz-'));
  try {
    for (const name of GZ_CORPUS) {
      const plain = new Uint8Array(readFileSync(corpusPcap(name)));
      const path = join(dir, `${name}.pcap`); // no .gz: detection is by magic only
      writeFileSync(path, gzipSync(plain, { level: 6 }));
      const ref = reference(plain);
      for (const chunkSize of [undefined, 7, 4096]) {
        const rec = new CaptureRecorder();
        const summary = await readCaptureFile(path, rec, chunkSize === undefined ? {} : { chunkSize });
        assert.deepEqual(rec.packets, ref.packets, `${name} chunk ${chunkSize}`);
        assert.deepEqual(rec.points.map((p) => ({ ...p, file: 'ref' })), ref.points);
        assert.equal(summary.bytesRead, plain.length, 'bytes after gunzip');
        assert.equal(summary.truncated, false);
        assert.deepEqual(rec.warnings, []);
        assert.ok(rec.progressCalls.every(([, total]) => total === 0), 'total unknown for gzip');
      }
      // In memory too.
      const rec = new CaptureRecorder();
      readCaptureBuffer(gzipSync(plain), 'mem', rec);
      assert.deepEqual(rec.packets, ref.packets);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gzip: concatenated members form one stream', async () => {
  const pcap = writePcap({}, [{ sec: 1, frac: 0, data: frame(100) }, { sec: 2, frac: 0, data: frame(100) }]);
  const gz = concat(gzipSync(pcap.subarray(0, 70)), gzipSync(pcap.subarray(70)));
  const rec = new CaptureRecorder();
  await readCaptureFile('two-members', rec, { input: Readable.from([gz]) });
  assert.deepEqual(rec.packets, reference(pcap).packets);
});

test('gzip: a cut-short .gz keeps what decompresses and warns', async () => {
  const records = Array.from({ length: 400 }, (_, i) => ({ sec: i, frac: 0, data: frame(200, i) }));
  const pcap = writePcap({}, records);
  const gz = gzipSync(pcap);
  const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
  for (const read of [
    (rec: CaptureRecorder) => readCaptureFile('cut.gz', rec, { input: Readable.from([cut]) }),
    async (rec: CaptureRecorder) => readCaptureBuffer(cut, 'cut.gz', rec),
  ]) {
    const rec = new CaptureRecorder();
    const summary = await read(rec);
    assert.equal(summary.truncated, true);
    assert.ok(rec.packets.length > 50 && rec.packets.length < 400, `${rec.packets.length} packets`);
    assert.deepEqual(rec.packets, reference(pcap).packets.slice(0, rec.packets.length));
    assert.equal(rec.warnings.length, 1);
    assert.match(rec.warnings[0] as string, /^cut\.gz: (truncated record at offset \d+|gzip stream ends early)/);
  }
});

test('gzip: a .gz cut before any data came out is a gzip error, not an "empty file"', async () => {
  const gz = gzipSync(writePcap({}, [{ sec: 1, frac: 0, data: frame(200, 1) }]));
  for (const cut of [gz.subarray(0, 10), gz.subarray(0, 11)]) {
    await assert.rejects(readCaptureFile('head.gz', new CaptureRecorder(), { input: Readable.from([cut]) }), (e: unknown) =>
      e instanceof CaptureFormatError && e.field === 'gzip' && /no data: gzip stream ends early/.test(e.message));
  }
});

test('gzip: corrupt compressed data is a format error after the packets before it', async () => {
  const bad = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  await assert.rejects(readCaptureFile('bad.gz', new CaptureRecorder(), { input: Readable.from([bad]) }), (e: unknown) => {
    assert.ok(e instanceof PcapFormatError);
    assert.equal(e.field, 'gzip');
    assert.match(e.message, /^bad\.gz: offset 0: gzip: corrupt gzip data: /);
    return true;
  });
  assert.throws(() => readCaptureBuffer(bad, 'bad.gz', new CaptureRecorder()), (e: unknown) => e instanceof PcapFormatError && e.field === 'gzip');
});

test('stream input: Readable chunks of any size, progress without a total', async () => {
  const bytes = concat(shb(true), idb(true, 1, 0), ...Array.from({ length: 50 }, (_, i) => epb(true, 0, BigInt(i), frame(i * 3))));
  const ref = reference(bytes);
  for (const size of [1, 3, 64, 100_000]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    const rec = new CaptureRecorder();
    const summary = await readCaptureFile('-', rec, { input: Readable.from(chunks) });
    assert.deepEqual(rec.packets, ref.packets);
    assert.equal(summary.bytesRead, bytes.length);
    assert.equal(rec.points[0]?.file, '-');
    assert.ok(rec.progressCalls.length > 0 && rec.progressCalls.every(([, total]) => total === 0));
    assert.equal(rec.progressCalls.at(-1)?.[0], bytes.length);
  }
});

/** Runs a child node that reads `-` and prints its summary and a digest of the packets. */
function readStdinInChild(input: Uint8Array): Promise<{ code: number | null; out: string; err: string }> {
  const reader = new URL('./reader.js', import.meta.url).href;
  const script = `
    import { readCaptureFile } from ${JSON.stringify(reader)};
    let digest = 0;
    const handler = {
      packet(v) { digest = (digest * 31 + v.capturedLength + v.wireLength + v.tsNsec + v.interfaceIndex) % 1e9; },
      interface() {}, warning(m) { process.stderr.write(m + '\\n'); },
    };
    try {
      const s = await readCaptureFile('-', handler, { firstInterfaceIndex: 0 });
      process.stdout.write(JSON.stringify({ ...s, digest }));
    } catch (e) { process.stdout.write(JSON.stringify({ error: e.message, code: e.code })); }
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

test('stdin: `-` reads process.stdin, plain and gzip', async () => {
  const pcap = writePcap({ nanos: true }, Array.from({ length: 300 }, (_, i) => ({ sec: 1e9 + i, frac: i * 1000, data: frame(500, i) })));
  let digest = 0;
  for (const p of reference(pcap).packets) digest = (digest * 31 + p.capturedLength + p.wireLength + p.tsNsec + p.interfaceIndex) % 1e9;
  for (const input of [pcap, gzipSync(pcap)]) {
    const { code, out, err } = await readStdinInChild(input);
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(out), {
      file: '-', format: 'pcap', packets: 300, bytesRead: pcap.length, truncated: false, interfaces: 1, digest,
    });
  }
  const empty = await readStdinInChild(new Uint8Array(0));
  assert.deepEqual(JSON.parse(empty.out), { error: '-: offset 0: file: empty file', code: 'ERR_CAPTURE_FORMAT' });
});

test('I/O errors: missing file, a directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-io-'));
  try {
    for (const path of [join(dir, 'missing.pcap'), dir]) {
      await assert.rejects(readCaptureFile(path, new CaptureRecorder()), (e: unknown) => {
        assert.ok(e instanceof CaptureIoError, String(e));
        assert.equal(e.code, 'ERR_CAPTURE_IO');
        assert.equal(e.file, path);
        assert.ok(e.message.startsWith(`${path}: cannot open: `), e.message);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing stream is an I/O error; a throwing handler propagates as is', async () => {
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield writePcap({}, [{ sec: 0, frac: 0, data: frame(10) }]);
    throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
  }
  const rec = new CaptureRecorder();
  await assert.rejects(readCaptureFile('flaky', rec, { input: failing() }), (e: unknown) => {
    assert.ok(e instanceof CaptureIoError);
    assert.match(e.message, /^flaky: read failed: EIO/);
    return true;
  });
  assert.equal(rec.packets.length, 1);

  const boom = new Error('sink full');
  await assert.rejects(readCaptureFile('x', { packet: () => { throw boom; }, interface: () => {}, warning: () => {} },
    { input: Readable.from([writePcap({}, [{ sec: 0, frac: 0, data: frame(10) }])]) }), (e: unknown) => e === boom);
  await assert.rejects(readCaptureFile('x', new CaptureRecorder(), { chunkSize: 0 }), RangeError);
});

test('file source: reads ahead in order whatever the request sizes, file sizes and block edges', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-src-'));
  try {
    for (const size of [0, 1, 999, 1000, 1001, 3999, 4000, 4001, 12_345]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
      const path = join(dir, `f${size}`);
      writeFileSync(path, bytes);
      // Blocks of 1000 bytes (or the first request, when larger); requests vary, as the reader's do.
      for (const lengths of [[1000], [1000, 333, 1000, 7], [1000, 1], [1000, 2500], [1500, 100]]) {
        const source = await FileSource.open(path, 1000);
        const got = new Uint8Array(size + 3000);
        let n = 0;
        for (let call = 0; ; call++) {
          const r = await source.read(got, n, lengths[call % lengths.length]!);
          if (r === 0) break;
          n += r;
        }
        await source.close();
        assert.equal(n, size, `size ${size}, lengths ${lengths.join(',')}`);
        assert.deepEqual(got.subarray(0, n), bytes, `size ${size}, lengths ${lengths.join(',')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
