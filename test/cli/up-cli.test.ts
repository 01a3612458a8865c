// `weft up` (what `make up` runs) on a small demo capture: it must run to the end and say what it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/corpus.js';

test('weft up replays the demo capture into a JSON-lines file and prints a summary', () => {
  const data = mkdtempSync(join(tmpdir(), 'weft-up-'));
  const r = spawnSync(join(REPO_ROOT, 'bin', 'weft'), ['up', '--data', data, '--packets', '5000', '-q'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /not built yet/, 'says honestly what it runs');
  assert.match(r.stdout, /replayed 5000 packets/);
  assert.match(r.stdout, /top \d+ flows by bytes/);
  const out = join(data, 'flows.jsonl');
  assert.ok(existsSync(out));
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  const stats = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
  assert.equal(stats['weft.stats.packets_read'], 5000);
  assert.equal(stats['weft.stats.packets_malformed'], 0);
  // A second run reuses the capture.
  const again = spawnSync(join(REPO_ROOT, 'bin', 'weft'), ['up', '--data', data, '--packets', '5000', '-q'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(again.status, 0);
  assert.doesNotMatch(again.stderr, /writing a synthetic demo capture/);
});
