/**
 * `bin/weft replay` as a user runs it: a real child process, real files, exit statuses and the
 * one-line errors. Every corpus capture must end in records or a clear error — never a crash,
 * never a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CORPUS_SKIP, REPO_ROOT, corpusNames, corpusPcap } from '../support/corpus.js';

const WEFT = join(REPO_ROOT, 'bin', 'weft');

function weft(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(WEFT, args, { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('weft --help lists the commands; replay --help explains every flag', () => {
  const main = weft(['--help']);
  assert.equal(main.status, 0);
  assert.match(main.stdout, /replay/);
  assert.match(main.stdout, /up/);
  const help = weft(['replay', '--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--sink', '--idle-timeout', '--active-timeout', '--tcp-linger', '--max-flows', '--observer', '--quiet', '--help']) {
    assert.match(help.stdout, new RegExp(`${flag}\\b`), `replay --help mentions ${flag}`);
  }
});

test('unknown flags and commands: exit 2 with one line', () => {
  const r = weft(['replay', '--no-such-flag', 'x.pcap']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(weft(['frobnicate']).status, 2);
  const bad = weft(['replay', '--idle-timeout', 'soon', 'x.pcap']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--idle-timeout/);
});

test('a file that is not a capture: exit 2, one line naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'this is not a capture file\n');
  const r = weft(['replay', file]);
  assert.equal(r.status, 2);
  const errLines = r.stderr.trim().split('\n');
  assert.equal(errLines.length, 1, r.stderr);
  assert.match(errLines[0]!, /notes\.txt/);
  const missing = weft(['replay', join(dir, 'missing.pcap')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /missing\.pcap/);
});

test('flow records carry the required ECS fields; stats record last', { skip: CORPUS_SKIP }, () => {
  const r = weft(['replay', corpusPcap('flow-mixed.pcap')]);
  assert.equal(r.status, 0, r.stderr);
  const records = lines(r.stdout);
  const stats = records.at(-1)!;
  assert.equal(stats['event.dataset'], 'stats');
  assert.equal(stats['weft.stats.packets_read'], 4631);
  const flows = records.filter((x) => x['event.dataset'] === 'flow');
  assert.ok(flows.length > 100);
  const required = ['event.start', 'event.end', 'event.duration', 'event.reason', 'source.ip', 'source.port',
    'destination.ip', 'destination.port', 'network.transport', 'network.iana_number', 'network.type',
    'network.community_id', 'source.packets', 'source.bytes', 'destination.packets', 'destination.bytes',
    'network.packets', 'network.bytes', 'observer.hostname'];
  for (const f of flows) for (const key of required) assert.ok(key in f, `flow lacks ${key}: ${JSON.stringify(f)}`);
  const tcp = flows.find((f) => f['network.transport'] === 'tcp')!;
  assert.ok(Array.isArray(tcp['source.tcp.flags']));
  assert.match(String(tcp['event.start']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const packets = flows.reduce((n, f) => n + (f['network.packets'] as number), 0);
  assert.equal(packets, stats['weft.stats.packets_decoded']);
});

test('nanosecond captures print nanosecond times', { skip: CORPUS_SKIP }, () => {
  const r = weft(['replay', corpusPcap('pcapng-ns-http.pcapng')]);
  assert.equal(r.status, 0, r.stderr);
  const flow = lines(r.stdout).find((x) => x['event.dataset'] === 'flow')!;
  assert.match(String(flow['event.start']), /\.\d{9}Z$/);
});

test('stdin, gzip and --sink jsonl:PATH give the same records as the plain file', { skip: CORPUS_SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const src = corpusPcap('dns-udp.pcap');
  const plain = weft(['replay', '--observer', 't', src]);
  assert.equal(plain.status, 0, plain.stderr);
  const strip = (s: string): string => s.replaceAll(/"weft\.capture\.file":"[^"]*",?/g, '');
  const viaStdin = weft(['replay', '--observer', 't', '-'], readFileSync(src));
  assert.equal(viaStdin.status, 0, viaStdin.stderr);
  assert.equal(strip(viaStdin.stdout), strip(plain.stdout));
  const gz = join(dir, 'dns.pcap.gz');
  writeFileSync(gz, gzipSync(readFileSync(src)));
  const viaGzip = weft(['replay', '--observer', 't', gz]);
  assert.equal(viaGzip.status, 0, viaGzip.stderr);
  assert.equal(strip(viaGzip.stdout).replaceAll(/"bytes_read":\d+/g, ''), strip(plain.stdout).replaceAll(/"bytes_read":\d+/g, ''));
  const out = join(dir, 'flows.jsonl');
  const viaFile = weft(['replay', '--observer', 't', '--sink', `jsonl:${out}`, src]);
  assert.equal(viaFile.status, 0, viaFile.stderr);
  assert.equal(viaFile.stdout, '');
  assert.equal(readFileSync(out, 'utf8'), plain.stdout);
  assert.equal(statSync(out).mode & 0o777, 0o600);
});

test('a truncated last record: a warning, the records before it, exit 0', { skip: CORPUS_SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const whole = readFileSync(corpusPcap('http-get.pcap'));
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, whole.subarray(0, whole.length - 10));
  const r = weft(['replay', cut]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: .*cut\.pcap.*truncated/);
  const stats = lines(r.stdout).at(-1)!;
  assert.ok((stats['weft.stats.packets_read'] as number) > 0);
  assert.equal(stats['weft.stats.files_truncated'], 1);
});

test('every corpus capture ends in records or a clear error — never a crash or a hang', { skip: CORPUS_SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  for (const name of corpusNames()) {
    const copy = join(dir, name);
    copyFileSync(corpusPcap(name), copy);
    const r = weft(['replay', '--sink', `jsonl:${join(dir, `${name}.jsonl`)}`, copy]);
    assert.notEqual(r.status, null, `${name}: killed (timeout?)`);
    assert.doesNotMatch(r.stderr, /unexpected failure|TypeError|RangeError|at .*\.js:\d+/, `${name}: ${r.stderr}`);
    if (r.status === 0) {
      const out = readFileSync(join(dir, `${name}.jsonl`), 'utf8');
      assert.match(out.trimEnd().split('\n').at(-1)!, /"event.dataset":"stats"/, name);
    } else {
      assert.equal(r.status, 2, `${name}: status ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`weft: error: .*${name.replaceAll('.', '\\.')}`), `${name}: ${r.stderr}`);
    }
  }
});
