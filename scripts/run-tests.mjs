#!/usr/bin/env node
// Runs every compiled test (dist/**/*.test.js) with node's test runner and ends with the plain
// `N passed, N failed` line CI reads. Arguments are substrings that select test files.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = find('dist', []).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const tapFile = join(tmpdir(), `weft-test-${process.pid}.tap`);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...flags, ...files], { stdio: 'inherit' });
child.on('exit', async (code) => {
  const { readFileSync } = await import('node:fs');
  let pass = 0, fail = 0, skip = 0;
  try {
    const tap = readFileSync(tapFile, 'utf8');
    pass = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
    fail = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
    skip = Number(/^# skipped (\d+)/m.exec(tap)?.[1] ?? 0);
  } catch { /* the runner died before writing its report */ }
  console.log(`${pass} passed, ${fail} failed, ${skip} skipped`);
  process.exit(code ?? 1);
});
