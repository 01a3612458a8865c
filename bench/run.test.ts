/**
 * The benchmark harness runs end to end (STYLE.md: CI runs every bench once to keep it working):
 * a 100k-packet smoke run of weft and the C loop (softflowd too when installed), checking that
 * every tool accounted for every packet of the generated file. No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';

test('make bench harness: --quick smoke run accounts for every packet', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const hasSoftflowd = spawnSync('sh', ['-c', 'command -v softflowd']).status === 0;
  const tools = hasSoftflowd ? 'weft,c,softflowd' : 'weft,c';
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'run.js'), '--quick', '--tools', tools, '--no-micro', '--out-dir', outDir],
    { encoding: 'utf8', timeout: 300_000, cwd: REPO_ROOT });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const path = /results: (\S+)/.exec(r.stdout)?.[1];
  assert.ok(path !== undefined, r.stdout);
  const results = JSON.parse(readFileSync(path, 'utf8')) as { sizes: { truth: { packets: number }; results: { tool: string; ok: boolean; packets: number }[] }[] };
  const size = results.sizes[0]!;
  assert.equal(size.truth.packets, 100_000);
  const weft = size.results.find((t) => t.tool === 'weft');
  assert.ok(weft?.ok, JSON.stringify(weft));
  assert.equal(weft.packets, 100_000);
  for (const t of size.results) assert.ok(t.ok, `${t.tool} did not account for every packet`);
});
