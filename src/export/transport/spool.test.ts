import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool, type SpoolMessage } from './spool.js';

function message(seq: number, size: number): SpoolMessage {
  return { subject: `weft.v1.n.${seq % 2 === 0 ? 'flow' : 'dns'}`, payload: Buffer.alloc(size, seq % 251), records: 3, seq };
}

function drain(spool: Spool): SpoolMessage[] {
  const out: SpoolMessage[] = [];
  for (let m = spool.peek(); m !== undefined; m = spool.peek()) {
    out.push(m);
    spool.shift(m);
  }
  return out;
}

test('memory, then disk: everything comes back in the order it went in, byte for byte; files are 0600 and removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-spool-test-'));
  try {
    const spool = new Spool({ memoryBytes: 10_000, diskBytes: 1 << 20, dir, segmentBytes: 16_000 });
    for (let i = 1; i <= 40; i++) spool.push(message(i, 1000));
    assert.ok(spool.counters.spool_disk_messages_written >= 30, 'most went to disk');
    const files = readdirSync(dir);
    assert.ok(files.length >= 2, 'several segments');
    for (const f of files) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
    // more while the disk holds some: they must queue behind the disk, not jump ahead in memory
    const head = spool.peek()!;
    spool.shift(head);
    spool.push(message(41, 10));
    const rest = drain(spool);
    assert.deepEqual([head, ...rest].map((m) => m.seq), Array.from({ length: 41 }, (_, i) => i + 1));
    for (const m of rest) {
      assert.equal(m.subject, message(m.seq, 1).subject);
      assert.equal(m.payload[0], m.seq % 251);
      assert.equal(m.records, 3);
    }
    assert.equal(spool.counters.spool_dropped_messages, 0);
    assert.deepEqual(readdirSync(dir), [], 'segments removed once loaded back');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bounds: without a disk tier the oldest is dropped; over the disk bound the oldest segment goes — counted', () => {
  const memoryOnly = new Spool({ memoryBytes: 5000, diskBytes: 0 });
  for (let i = 1; i <= 10; i++) memoryOnly.push(message(i, 1000));
  assert.deepEqual(drain(memoryOnly).map((m) => m.seq), [6, 7, 8, 9, 10]);
  assert.deepEqual([memoryOnly.counters.spool_dropped_messages, memoryOnly.counters.spool_dropped_records], [5, 15]);
  const dir = mkdtempSync(join(tmpdir(), 'weft-spool-test-'));
  try {
    const spool = new Spool({ memoryBytes: 2000, diskBytes: 5000, dir, segmentBytes: 2100 });
    for (let i = 1; i <= 20; i++) spool.push(message(i, 1000));
    const out = drain(spool).map((m) => m.seq);
    assert.equal(out.length + spool.counters.spool_dropped_messages, 20, 'delivered + dropped = pushed');
    assert.deepEqual(out, [...out].sort((a, b) => a - b), 'still in order');
    assert.equal(out[out.length - 1], 20, 'the newest survive');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
