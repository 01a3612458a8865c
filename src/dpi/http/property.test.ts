/**
 * fast-check properties of HttpConnectionParser:
 * - total: arbitrary bytes, split arbitrarily between the two sides, with holes and an end, never
 *   throw, and the bytes held stay within the limits after every call;
 * - split-invariant: a generated valid conversation gives the same transactions however its bytes
 *   are cut into pushes, and the transactions say what was generated;
 * - mutated conversations (bytes flipped, cut short) stay total and bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HTTP_METHODS, HttpConnectionParser, type HttpParserLimits, type HttpTransaction } from './index.js';

const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 1000);
const enc = new TextEncoder();

/** Small limits so the property runs hit them often. */
const LIMITS: HttpParserLimits = { maxHeaderBytes: 512, maxHeaderLines: 8, maxChunkLineBytes: 64, maxPending: 6 };

type Op =
  | { side: 'client' | 'server'; bytes: Uint8Array }
  | { gap: 'client' | 'server'; n: number };

/** Runs the ops, checking the memory bound after each; returns the transactions. */
function run(ops: Op[], limits: Partial<HttpParserLimits> = LIMITS): { tx: HttpTransaction[]; parser: HttpConnectionParser } {
  const tx: HttpTransaction[] = [];
  const parser = new HttpConnectionParser((t) => tx.push(t), { limits });
  const max = limits.maxHeaderBytes ?? 65536;
  let now = 0;
  for (const op of ops) {
    now++;
    if ('gap' in op) parser.gap(op.gap, op.n);
    else if (op.side === 'client') parser.clientData(op.bytes, 0, op.bytes.length, now);
    else parser.serverData(op.bytes, 0, op.bytes.length, now);
    // Two partial lines and the CONNECT hold, each capped by the head limit.
    assert.ok(parser.bufferedBytes <= 3 * max, `buffered ${parser.bufferedBytes}`);
  }
  parser.end(now + 1);
  assert.equal(parser.bufferedBytes, 0);
  for (const t of tx) {
    assert.ok(t.requestBodyBytes >= 0 && t.responseBodyBytes >= 0);
    assert.ok(t.interim.every((c) => c >= 100 && c < 200));
    if (t.statusCode !== undefined) assert.ok(t.statusCode >= 0 && t.statusCode <= 999);
  }
  return { tx, parser };
}

const sideArb = fc.constantFrom<'client' | 'server'>('client', 'server');
/** Bytes biased toward HTTP's alphabet so the parser gets past its first checks. */
const httpishBytes = fc.array(
  fc.oneof(
    fc.constantFrom(...['GET ', 'POST ', 'HTTP/1.1 ', '200 OK', '\r\n', '\r\n\r\n', 'Content-Length: 5', 'Transfer-Encoding: chunked',
      '0\r\n\r\n', '5;x=y\r\n', 'Host: h', ' ', ':', 'CONNECT a:1 HTTP/1.1', 'HTTP/1.1 101 Up', 'HTTP/1.1 100 Continue', 'Upgrade: x']
      .map((s) => enc.encode(s))),
    fc.uint8Array({ maxLength: 40 }),
  ),
  { maxLength: 12 },
).map((parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ side: sideArb, bytes: fc.oneof(fc.uint8Array({ maxLength: 120 }), httpishBytes) }) },
  { weight: 1, arbitrary: fc.record({ gap: sideArb, n: fc.integer({ min: 1, max: 2000 }) }) },
);

test('total and bounded on arbitrary bytes, splits and holes', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => { run(ops); }), { numRuns: NUM_RUNS });
});

test('starting like HTTP, then arbitrary: total and bounded', () => {
  const start: Op = { side: 'client', bytes: enc.encode('GET / HTTP/1.1\r\n') };
  fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => { run([start, ...ops]); }), { numRuns: NUM_RUNS });
});

// ── Generated conversations ───────────────────────────────────────────────────────────────────

interface Exchange {
  method: string;
  uri: string;
  ua: string | undefined;
  reqBody: { kind: 'none' } | { kind: 'length' | 'chunked'; size: number; chunks: number };
  status: number;
  resBody: { kind: 'none' } | { kind: 'length' | 'chunked'; size: number; chunks: number };
  interim: boolean;
  noise: string[]; // extra header lines
}

const tokenArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
const bodyArb = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constantFrom('length' as const, 'chunked' as const), size: fc.integer({ min: 0, max: 300 }), chunks: fc.integer({ min: 1, max: 4 }) }),
);
const exchangeArb: fc.Arbitrary<Exchange> = fc.record({
  method: fc.constantFrom(...HTTP_METHODS.filter((m) => m !== 'CONNECT' && m !== 'HEAD')),
  uri: fc.stringMatching(/^\/[A-Za-z0-9._~%/?=&-]{0,40}$/),
  ua: fc.option(fc.stringMatching(/^[ -~]{1,30}$/).map((s) => s.trim()).filter((s) => s.length > 0), { nil: undefined }),
  reqBody: bodyArb,
  status: fc.constantFrom(200, 201, 204, 301, 304, 400, 404, 500),
  resBody: bodyArb,
  interim: fc.boolean(),
  noise: fc.array(fc.tuple(tokenArb, fc.stringMatching(/^[ -~]{0,20}$/)).map(([n, v]) => `X-${n}: ${v}`), { maxLength: 4 }),
});

function body(b: Exchange['reqBody']): [string, string] {
  if (b.kind === 'none') return ['', ''];
  const data = 'x'.repeat(b.size);
  if (b.kind === 'length') return [`Content-Length: ${b.size}\r\n`, data];
  let out = '';
  const per = Math.ceil(b.size / b.chunks) || 1;
  for (let i = 0; i < b.size; i += per) {
    const piece = data.slice(i, i + per);
    out += `${piece.length.toString(16)}${i === 0 ? ';ext=1' : ''}\r\n${piece}\r\n`;
  }
  return ['Transfer-Encoding: chunked\r\n', `${out}0\r\nX-Trailer: t\r\n\r\n`];
}

function render(e: Exchange): { request: string; response: string } {
  const [reqHead, reqBody] = body(e.reqBody);
  const noBody = e.status === 204 || e.status === 304;
  const [resHead, resBody] = noBody ? ['', ''] : body(e.resBody.kind === 'none' ? { kind: 'length', size: 0, chunks: 1 } : e.resBody);
  const extra = e.noise.map((l) => `${l}\r\n`).join('');
  const request = `${e.method} ${e.uri} HTTP/1.1\r\nHost: example.com\r\n${e.ua === undefined ? '' : `User-Agent: ${e.ua}\r\n`}${extra}${reqHead}\r\n${reqBody}`;
  const response = `${e.interim ? 'HTTP/1.1 100 Continue\r\n\r\n' : ''}HTTP/1.1 ${e.status} Reason\r\n${extra}${resHead}\r\n${resBody}`;
  return { request, response };
}

/** Cuts `s` at the given fractions into pieces. */
function cut(s: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * s.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const a of at) { if (a > prev) { out.push(s.slice(prev, a)); prev = a; } }
  if (prev < s.length) out.push(s.slice(prev));
  return out;
}

const conversationArb = fc.record({
  exchanges: fc.array(exchangeArb, { minLength: 1, maxLength: 5 }),
  pipelined: fc.boolean(),
  clientCuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
  serverCuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
});

function conversationOps(exchanges: Exchange[], pipelined: boolean, clientCuts: number[], serverCuts: number[]): Op[] {
  const r = exchanges.map(render);
  if (pipelined) {
    const c = enc.encode(r.map((x) => x.request).join(''));
    const s = enc.encode(r.map((x) => x.response).join(''));
    return [...cut(c, clientCuts).map((b) => ({ side: 'client' as const, bytes: b })), ...cut(s, serverCuts).map((b) => ({ side: 'server' as const, bytes: b }))];
  }
  const ops: Op[] = [];
  for (const x of r) {
    ops.push(...cut(enc.encode(x.request), clientCuts).map((b) => ({ side: 'client' as const, bytes: b })));
    ops.push(...cut(enc.encode(x.response), serverCuts).map((b) => ({ side: 'server' as const, bytes: b })));
  }
  return ops;
}

test('valid conversations: same transactions however the bytes are split, and they match what was sent', () => {
  const limits = { maxPending: 16 };
  fc.assert(
    fc.property(conversationArb, ({ exchanges, pipelined, clientCuts, serverCuts }) => {
      const whole = run(conversationOps(exchanges, pipelined, [], []), limits);
      const split = run(conversationOps(exchanges, pipelined, clientCuts, serverCuts), limits);
      const strip = (tx: HttpTransaction[]): unknown[] => tx.map((t) => ({ ...t, requestStartNs: 0, requestEndNs: 0, responseStartNs: 0, responseEndNs: 0 }));
      assert.deepEqual(strip(split.tx), strip(whole.tx));
      assert.equal(whole.tx.length, exchanges.length);
      exchanges.forEach((e, i) => {
        const t = whole.tx[i]!;
        assert.equal(t.method, e.method);
        assert.equal(t.uri, e.uri);
        assert.equal(t.version, '1.1');
        assert.equal(t.host, 'example.com');
        assert.equal(t.userAgent, e.ua);
        assert.equal(t.statusCode, e.status);
        assert.deepEqual(t.interim, e.interim ? [100] : []);
        assert.equal(t.requestBodyBytes, e.reqBody.kind === 'none' ? 0 : e.reqBody.size);
        const noBody = e.status === 204 || e.status === 304 || e.resBody.kind === 'none';
        assert.equal(t.responseBodyBytes, noBody ? 0 : (e.resBody as { size: number }).size);
        assert.equal(t.incomplete, undefined);
        assert.equal(t.error, undefined);
      });
      assert.equal(whole.parser.error, undefined);
    }),
    { numRuns: NUM_RUNS },
  );
});

test('mutated and truncated conversations: total and bounded', () => {
  fc.assert(
    fc.property(
      conversationArb,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat(), { nil: undefined }),
      ({ exchanges, pipelined, clientCuts, serverCuts }, flips, stopAfter) => {
        const ops = conversationOps(exchanges, pipelined, clientCuts, serverCuts);
        for (const [at, value] of flips) {
          const op = ops[at % ops.length];
          if (op !== undefined && 'bytes' in op && op.bytes.length > 0) op.bytes[(at >>> 4) % op.bytes.length] = value;
        }
        const { tx } = run(stopAfter === undefined ? ops : ops.slice(0, stopAfter % (ops.length + 1)));
        assert.ok(tx.length <= 2 * exchanges.length + 1);
      },
    ),
    { numRuns: NUM_RUNS },
  );
});
