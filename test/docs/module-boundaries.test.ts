/**
 * The dependency direction of STYLE.md, checked on the sources: core imports nothing of ours;
 * model only core; the stage modules (capture, decode, dpi, flow, export) only model, core and
 * telemetry — never one another (capture may use the native bridge: capture/kernel is its one
 * user besides discovery's caller); only pipeline wires stages; agent composes the live agent;
 * only cli calls pipeline and agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../support/corpus.js';

const SRC = join(REPO_ROOT, 'src');
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  model: ['core'],
  telemetry: ['core', 'model'],
  native: ['core'],
  discovery: ['core', 'model'],
  capture: ['core', 'model', 'telemetry', 'native'],
  decode: ['core', 'model', 'telemetry'],
  flow: ['core', 'model', 'telemetry'],
  dpi: ['core', 'model', 'telemetry'],
  export: ['core', 'model', 'telemetry'],
  pipeline: ['core', 'model', 'telemetry', 'capture', 'decode', 'dpi', 'flow', 'export'],
  control: ['core', 'model', 'telemetry', 'capture', 'export', 'pipeline'],
  client: ['core', 'model', 'control'],
  agent: ['core', 'model', 'telemetry', 'native', 'discovery', 'capture', 'decode', 'dpi', 'flow', 'export', 'pipeline', 'control'],
  cli: ['core', 'model', 'telemetry', 'native', 'capture', 'decode', 'dpi', 'flow', 'export', 'pipeline', 'agent', 'control', 'client'],
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

test('modules import only what the dependency direction allows', () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const module = relative(SRC, file).split('/')[0]!;
    const allowed = ALLOWED[module];
    assert.ok(allowed !== undefined, `src/${module} is not in the dependency table of this test (add it)`);
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = relative(SRC, resolve(dirname(file), m[1]!));
      const targetModule = target.startsWith('..') ? '(outside src)' : target.split('/')[0]!;
      if (targetModule !== module && !allowed.includes(targetModule)) violations.push(`${relative(REPO_ROOT, file)} → ${m[1]}`);
    }
  }
  assert.deepEqual(violations, []);
});
