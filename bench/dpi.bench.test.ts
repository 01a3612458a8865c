/**
 * dpi.bench runs (STYLE.md: CI runs every bench once): on a small generated workload it finds the
 * DNS messages and TLS ClientHellos the generator wrote, parses every one of them without an error,
 * and reports a rate for each parser. No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from './generate.js';
import { extractMessages, formatDpi, runDpiBench } from './dpi.bench.js';

test('dpi.bench: DNS messages and ClientHellos of a generated workload, all parsed', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'weft-dpi-bench-')), 'w.pcap');
  const truth = generate({ packets: 20_000, flows: 1_000, out: file, truthFlows: false });
  const x = await extractMessages(file);
  // Every DNS packet of the generator is one message on UDP port 53.
  assert.equal(x.dns.count, truth.dns.queries + truth.dns.responses);
  assert.ok(x.clientHellos.count > 0, 'no ClientHello found on port 443');
  const out = await runDpiBench(file, { iterations: 1, minOps: 1_000 });
  assert.deepEqual(out.results.map((r) => r.op), ['dns', 'tls', 'tls+ja3', 'tls+ja3+ja4']);
  for (const r of out.results) {
    assert.equal(r.malformed, 0, `${r.op}: ${r.malformed} malformed`);
    assert.ok(r.ops >= 1_000 && r.opsPerSec > 0 && Number.isFinite(r.nsPerOp), JSON.stringify(r));
  }
  assert.equal(out.results[1]!.messages, x.clientHellos.count);
  assert.match(formatDpi(out.results), /ClientHellos\/s/);
});
