import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '@nats-io/nkeys';
import { ControlError, parseRequest } from './protocol.js';
import { Policy } from './policy.js';
import { Signer, SignatureVerifier } from './identity.js';
import { ControlServer } from './server.js';
import type { AuditRecord } from '../model/index.js';

const seed = (): string => Buffer.from(createUser().getSeed()).toString();

test('requests are validated: durations, ports, protocols, unknown fields, with the field named', () => {
  const ok = parseRequest('block.add', { match: { port: '8000-8100', protocol: 'TCP', address: '10.0.0.0/8' }, ttl: '5m' });
  assert.deepEqual(ok.match.port, [8000, 8100]);
  assert.equal(ok.match.protocol, 6);
  assert.equal(ok.ttl, 300_000);
  assert.equal(ok.dry_run, false);
  assert.equal(parseRequest('capture.start', {}).duration, 10_000);
  const cases: [string, unknown, RegExp][] = [
    ['block.add', { match: {}, ttl: '1m' }, /match: a block must match on at least one/],
    ['block.add', { match: { port: '9000-8000' }, ttl: '1m' }, /match\.port: bad port range/],
    ['block.add', { match: { protocol: 'tpc' }, ttl: '1m' }, /match\.protocol: unknown protocol 'tpc'/],
    ['block.add', { match: { port: 1 }, ttl: '8d' }, /ttl: ttl must be between 1s and 7d/],
    ['block.add', { match: { port: 1 }, ttl: 'soon' }, /ttl/],
    ['capture.start', { max_packets: -1 }, /max_packets/],
    ['capture.start', { selector: { colour: 'x' } }, /selector.*colour/],
    ['status', { extra: true }, /extra/],
  ];
  for (const [verb, body, message] of cases) {
    assert.throws(() => parseRequest(verb as 'status', body), (e: ControlError) => e.code === 'bad_request' && message.test(e.message), `${verb} ${JSON.stringify(body)}`);
  }
});

test('policy: viewers read, admins do everything, custom roles get their verbs; bad files are named', () => {
  const bot = createUser();
  const policy = new Policy({ roles: { responder: ['block.*', 'status'] }, identities: [{ name: 'bot', nkey: bot.getPublicKey(), role: 'responder' }] });
  const anon = policy.identify(undefined);
  assert.equal(anon.role, 'viewer');
  assert.ok(policy.allows(anon, 'status') && policy.allows(anon, 'block.list') && !policy.allows(anon, 'block.add') && !policy.allows(anon, 'pipeline.set'));
  const b = policy.identify(bot.getPublicKey());
  assert.equal(b.name, 'bot');
  assert.ok(policy.allows(b, 'block.add') && policy.allows(b, 'block.remove') && !policy.allows(b, 'capture.start'));
  policy.addAdmin('root', createUser().getPublicKey());
  assert.throws(() => new Policy({ roles: { viewer: ['*'] } }), /'viewer' is built in/);
  assert.throws(() => new Policy({ identities: [{ name: 'x', nkey: 'nope', role: 'admin' }] }), /identities\.0\.nkey/);
  assert.throws(() => new Policy({ identities: [{ name: 'x', nkey: bot.getPublicKey(), role: 'root' }] }), /unknown role 'root'/);
  assert.throws(() => new Policy({ roles: { r: ['reboot'] } }), /'reboot' matches no verb/);
  assert.throws(() => new Policy({ default_role: 'nobody' }), /default_role: unknown role/);
});

test('signatures bind target, verb, body and time; replays and skewed clocks are refused', () => {
  const signer = new Signer(seed());
  const verifier = new SignatureVerifier();
  const body = new TextEncoder().encode('{"id":1}');
  const h = signer.sign('n1', 'block.remove', body);
  const get = (hd: Record<string, string>) => (name: string): string | undefined => hd[name];
  assert.equal(verifier.verify(get({ ...h }), 'n1', 'block.remove', body), signer.publicKey);
  assert.throws(() => verifier.verify(get({ ...h }), 'n1', 'block.remove', body), /already used/);
  const h2 = signer.sign('n1', 'block.remove', body);
  assert.throws(() => verifier.verify(get({ ...h2 }), 'n2', 'block.remove', body), /bad signature/);
  assert.throws(() => verifier.verify(get({ ...h2 }), 'n1', 'block.add', body), /bad signature/);
  assert.throws(() => verifier.verify(get({ ...h2 }), 'n1', 'block.remove', new TextEncoder().encode('{"id":2}')), /bad signature/);
  const old = signer.sign('n1', 'status', body, Date.now() - 120_000);
  assert.throws(() => verifier.verify(get({ ...old }), 'n1', 'status', body), /more than 60s/);
  assert.throws(() => verifier.verify(get({ 'Weft-Identity': signer.publicKey }), 'n1', 'status', body), /needs all of/);
  assert.equal(verifier.verify(get({}), 'n1', 'status', body), undefined);
});

test('the server audits every command, including the ones it refuses', async () => {
  const audits: AuditRecord[] = [];
  const server = new ControlServer('n1', new Policy(), async (verb) => ({ result: { verb }, summary: 'did it' }), (a) => audits.push(a));
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const none = (): undefined => undefined;
  const ok = await server.handle({ transport: 'nats', target: 'n1', verb: 'status', body: enc(''), header: none });
  assert.deepEqual(ok, { ok: true, node: 'n1', result: { verb: 'status' } });
  const denied = await server.handle({ transport: 'http', target: 'n1', verb: 'block.add', body: enc('{"match":{"port":1},"ttl":"1m"}'), header: none });
  assert.ok(!denied.ok && denied.error.code === 'forbidden');
  const token = await server.handle({ transport: 'http', target: 'n1', verb: 'status', body: enc(''), header: (n) => (n === 'authorization' ? 'Bearer nope' : undefined) });
  assert.ok(!token.ok && token.error.code === 'unauthenticated');
  const big = await server.handle({ transport: 'nats', target: 'n1', verb: 'status', body: new Uint8Array(70_000), header: none });
  assert.ok(!big.ok && /at most 65536/.test(big.error.message));
  assert.deepEqual(audits.map((a) => `${a.verb}:${a.outcome}:${a.errorCode ?? ''}`), ['status:success:', 'block.add:failure:forbidden', 'status:failure:unauthenticated', 'status:failure:bad_request']);
  assert.equal(audits[0]!.summary, 'did it');
  assert.ok(audits.every((a) => a.durationNs > 0 && a.node === 'n1'));
});
