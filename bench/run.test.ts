/**
 * The benchmark harness runs end to end (STYLE.md: CI runs every bench once to keep it working):
 * a 100k-packet smoke run of weft (full and --flows-only) and the C loop, plus softflowd, tshark
 * (conv and fields) and ndpiReader when installed — the last three also on the largest corpus
 * capture — checking that every tool accounted for every packet of the generated file and that the
 * ratios reached the JSON. No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';
import { selectTools } from './run.js';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

interface Results {
  tools: string[];
  sizes: { truth: { packets: number }; results: { tool: string; ok: boolean; packets: number | null }[]; ratios: Record<string, number | null> }[];
  corpus?: { packets: number | null; results: { tool: string; ok: boolean }[]; ratios: Record<string, number | null> };
}

test('make bench harness: --quick smoke run accounts for every packet', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const tools = ['weft', 'weft-flows', 'c'];
  if (has('softflowd')) tools.push('softflowd');
  // The DPI peers are left out of --quick unless named; ≈ 6 s more at 100k with the corpus set.
  if (has('tshark')) tools.push('tshark-conv', 'tshark-fields');
  if (has('ndpiReader')) tools.push('ndpi');
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'run.js'), '--quick', '--tools', tools.join(','), '--no-micro', '--out-dir', outDir],
    { encoding: 'utf8', timeout: 300_000, cwd: REPO_ROOT });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const path = /results: (\S+)/.exec(r.stdout)?.[1];
  assert.ok(path !== undefined, r.stdout);
  const results = JSON.parse(readFileSync(path, 'utf8')) as Results;
  assert.deepEqual([...results.tools].sort(), [...tools].sort());
  const size = results.sizes[0]!;
  assert.equal(size.truth.packets, 100_000);
  const weft = size.results.find((t) => t.tool === 'weft');
  assert.ok(weft?.ok, JSON.stringify(weft));
  assert.equal(weft.packets, 100_000);
  assert.equal(size.results.find((t) => t.tool === 'weft-flows')?.packets, 100_000);
  for (const t of size.results) assert.ok(t.ok, `${t.tool} did not account for every packet`);
  assert.equal(typeof size.ratios['weftFullVsFlowsOnly'], 'number');
  if (tools.includes('ndpi')) assert.equal(typeof size.ratios['weftSpeedupVsNdpi'], 'number');
  if (tools.includes('tshark-fields')) assert.equal(typeof size.ratios['weftSpeedupVsTsharkFields'], 'number');
  if (results.corpus) {
    for (const t of results.corpus.results) assert.ok(t.ok, `corpus: ${t.tool} failed`);
    assert.ok(results.corpus.results.some((t) => t.tool === 'weft'));
  }
});

test('make bench harness: --quick leaves tshark and ndpiReader out unless named in --tools', () => {
  const quick = selectTools(undefined, true);
  assert.deepEqual([...quick].sort(), ['c', 'pmacctd', 'softflowd', 'weft', 'weft-flows']);
  assert.equal(selectTools(undefined, false).size, 8);
  assert.deepEqual([...selectTools('weft,tshark,ndpi', true)].sort(), ['ndpi', 'tshark-conv', 'tshark-fields', 'weft']);
  assert.throws(() => selectTools('weft,nope', false), /unknown tool 'nope'/);
});
