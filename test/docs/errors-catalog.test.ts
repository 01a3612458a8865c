// Every error code in src/core/errors.ts is documented in docs/errors.md, and nothing else is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/core/errors.js';
import { REPO_ROOT } from '../support/corpus.js';

test('docs/errors.md lists exactly the codes of the error catalog', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`(ERR_[A-Z_]+)`/g)].map((m) => m[1]));
  const codes = new Set(Object.values(ErrorCode));
  assert.deepEqual([...codes].filter((c) => !documented.has(c)), [], 'codes missing from docs/errors.md');
  assert.deepEqual([...documented].filter((c) => !codes.has(c as ErrorCode)), [], 'documented codes that do not exist');
});
