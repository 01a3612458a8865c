/**
 * `weft tail` against a real nats-server: a replay publishes with `--sink nats://…`, tail prints
 * one readable line per record, filtered by type and field, or the JSON lines with --json.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, REPO_ROOT } from '../support/corpus.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../support/nats-server.js';

const WEFT = join(REPO_ROOT, 'bin', 'weft');
const CAPTURE = join(CORPUS_DIR, 'pcap', 'dns-udp.pcap');
const skip = natsServerMissing() ?? (existsSync(CAPTURE) ? undefined : 'corpus absent');
let server: NatsServer;
before(async () => { if (skip === undefined) server = await startNatsServer({ jetstream: false }); });
after(async () => { await server?.destroy(); });

function tail(args: string[]): { out: Promise<string> } {
  const child = spawn(process.execPath, [WEFT, 'tail', '--nats', server.url, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const timer = setTimeout(() => child.kill(), 15_000);
  return { out: new Promise((resolve) => child.once('exit', () => { clearTimeout(timer); resolve(out); })) };
}

test('tail follows a replay on the bus: readable lines, --type and --filter, --json', { skip }, async () => {
  const dns = tail(['--type', 'dns', '--filter', 'dns.question.name=www.tcpdump.org', '--count', '1']);
  const flows = tail(['--type', 'flow', '--json', '--count', '1']);
  await new Promise((r) => setTimeout(r, 700)); // both subscribed before the replay publishes
  execFileSync(WEFT, ['replay', '-q', '--sink', `${server.url}?node=tail-node`, CAPTURE]);
  const line = (await dns.out).trim();
  assert.match(line, /^\S+ tail-node dns 192\.168\.1\.11:43966 -> 209\.87\.249\.18:53 A www\.tcpdump\.org NOERROR 192\.139\.46\.66,198\.199\.88\.104$/);
  const json = JSON.parse((await flows.out).trim()) as Record<string, unknown>;
  assert.equal(json['event.dataset'], 'flow');
  assert.equal(json['observer.hostname'] !== undefined, true);
});

test('tail: bad usage is named', { skip }, () => {
  const run = (args: string[]): string => {
    try {
      execFileSync(WEFT, ['tail', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      return '';
    } catch (error) {
      return String((error as { stderr: Buffer }).stderr);
    }
  };
  assert.match(run([]), /--nats URL is required/);
  assert.match(run(['--nats', server.url, '--type', 'flows']), /unknown record type 'flows'/);
  assert.match(run(['--nats', server.url, '--filter', 'nonsense']), /expected FIELD=VALUE/);
});
