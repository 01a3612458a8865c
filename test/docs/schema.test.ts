/**
 * The schema is defined once (schema/weft/v1/weft.proto); the TypeScript types, the protobuf
 * encoder and docs/schema.md are generated from it. Regenerate in memory, then fail on any
 * difference with what is committed (run `make gen-schema` after changing the .proto).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { generate, loadSchema, PACKAGE, REPO } from '../../scripts/gen-schema.js';
import { PROTOBUF_MESSAGES } from '../../src/export/encode/protobuf.js';

test('src/model/schema.gen.ts, src/export/encode/protobuf.gen.ts and docs/schema.md are what scripts/gen-schema.ts makes of the .proto', () => {
  for (const [path, text] of Object.entries(generate())) {
    assert.ok(readFileSync(join(REPO, path), 'utf8') === text, `${path} is out of date: run make gen-schema`);
  }
});

test('every field says which JSON key it carries (ECS x, weft.x, JSON x, or - for none)', () => {
  const pkg = loadSchema().lookup(PACKAGE) as protobuf.Namespace;
  const bad: string[] = [];
  for (const t of pkg.nestedArray) {
    if (!(t instanceof protobuf.Type)) continue;
    for (const f of t.fieldsArray) if (!/^(ECS [@a-z]|weft\.[a-z]|JSON [a-z]|- )/.test(f.comment ?? '')) bad.push(`${t.name}.${f.name}: ${f.comment}`);
  }
  assert.deepEqual(bad, []);
});

test('every record type a sink receives has a message and a Batch field', () => {
  const root = loadSchema();
  const batch = root.lookupType(`${PACKAGE}.Batch`);
  const batchTypes = new Set(batch.fieldsArray.map((f) => f.resolvedType?.name));
  for (const [kind, message] of Object.entries(PROTOBUF_MESSAGES)) {
    assert.ok(root.lookupType(`${PACKAGE}.${message}`), `${kind}: ${message}`);
    assert.ok(batchTypes.has(message), `${kind}: Batch has a repeated ${message}`);
  }
});
