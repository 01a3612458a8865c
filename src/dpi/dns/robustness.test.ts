/**
 * Robustness: every prefix of real-looking messages, single-byte mutations of them, and (fast-check)
 * arbitrary bytes — parseDnsMessage either returns or throws DnsParseError, with an offset inside the
 * message, and finishes quickly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { be16, be32, cstr, header, ipv4, ipv6, message, ptr, question, rr, wireName } from './fixtures.js';
import { DnsParseError, DnsType, parseDnsMessage } from './index.js';

const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 3000);

/** A response exercising compression and most RDATA formatters. */
function richMessage(): Uint8Array {
  const b: number[] = [...header({ id: 0x4242, flags: 0x8180, qd: 1, an: 10, ns: 2, ar: 2 })];
  b.push(...question(wireName('www.example.com'), DnsType.A));
  const param = (key: number, value: number[]): number[] => [...be16(key), ...be16(value.length), ...value];
  b.push(...rr(ptr(12), DnsType.CNAME, [3, 0x63, 0x64, 0x6e, ...ptr(16)]));
  b.push(...rr(ptr(12), DnsType.A, ipv4('192.0.2.7')));
  b.push(...rr(ptr(12), DnsType.AAAA, ipv6('2001:db8::7')));
  b.push(...rr(ptr(16), DnsType.MX, [...be16(10), 4, 0x6d, 0x61, 0x69, 0x6c, ...ptr(16)]));
  b.push(...rr(ptr(16), DnsType.TXT, [...cstr('v=spf1 -all'), ...cstr([0, 255])]));
  b.push(...rr(ptr(16), DnsType.SRV, [...be16(1), ...be16(2), ...be16(443), ...ptr(12)]));
  b.push(...rr(ptr(16), DnsType.CAA, [0, 5, ...[...'issue'].map((c) => c.charCodeAt(0)), 0x63, 0x61]));
  b.push(...rr(ptr(16), DnsType.HTTPS, [...be16(1), 0, ...param(1, cstr('h2')), ...param(4, ipv4('192.0.2.8')),
    ...param(6, ipv6('2001:db8::8'))]));
  b.push(...rr(ptr(16), DnsType.RRSIG, [...be16(1), 13, 2, ...be32(300), ...be32(1), ...be32(2), ...be16(7),
    ...wireName('example.com'), 1, 2, 3]));
  b.push(...rr(ptr(16), DnsType.NSEC3, [1, 0, 0, 1, 2, 0xab, 0xcd, 2, 0xee, 0xff, 0, 1, 0x40]));
  b.push(...rr(ptr(16), DnsType.SOA, [...wireName('ns.example.com'), ...ptr(16), ...be32(1), ...be32(2), ...be32(3),
    ...be32(4), ...be32(5)]));
  b.push(...rr(ptr(16), DnsType.DS, [0, 1, 8, 2, 0xaa, 0xbb]));
  b.push(...rr([0], DnsType.OPT, [...be16(10), ...be16(2), 1, 2], 0x8000, 1232));
  b.push(...rr(ptr(12), 0xfff0, [1, 2, 3]));
  return Uint8Array.from(b);
}

function queryMessage(): Uint8Array {
  return message(header({ qd: 1, ar: 1 }), question(wireName('a.b.example'), DnsType.HTTPS),
    rr([0], DnsType.OPT, [], 0, 4096));
}

/** Parses and classifies: 'ok', or the DnsParseError (anything else fails the test). */
function attempt(bytes: Uint8Array, offset: number, length: number): 'ok' | DnsParseError {
  try {
    parseDnsMessage(bytes, offset, length);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DnsParseError)) throw e;
    assert.ok(e.offset >= offset && e.offset <= offset + length, `offset ${e.offset} outside [${offset}, ${offset + length}]`);
    assert.match(e.field, /^(header(\.\w+)?|(question|answer|authority|additional)\[\d+\]\.(name|type|class|ttl|rdlength|rdata))$/);
    return e;
  }
}

test('the rich message parses', () => {
  const m = parseDnsMessage(richMessage(), 0, richMessage().length);
  assert.equal(m.answers.length, 10);
  assert.equal(m.authorities.length, 2);
  assert.equal(m.additionals.length, 1);
  assert.equal(m.edns?.dnssecOk, true);
  assert.equal(m.answers[7]!.data, '1 . alpn=h2 ipv4hint=192.0.2.8 ipv6hint=2001:db8::8');
});

test('every prefix of a valid message: DnsParseError or success, never anything else', () => {
  for (const msg of [richMessage(), queryMessage()]) {
    // Behind 3 bytes of padding, with the rest of the message after the prefix (must not be read).
    const host = new Uint8Array(msg.length + 3);
    host.set(msg, 3);
    let failures = 0;
    for (let len = 0; len <= msg.length; len++) if (attempt(host, 3, len) !== 'ok') failures++;
    assert.equal(failures, msg.length, 'every proper prefix fails, the whole message parses');
  }
});

test('every single-byte mutation of a valid message: DnsParseError or success', () => {
  const msg = richMessage();
  for (let i = 0; i < msg.length; i++) {
    for (const v of [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xff, msg[i]! ^ 0x01]) {
      const m = msg.slice();
      m[i] = v;
      attempt(m, 0, m.length);
    }
  }
});

test('fast-check: arbitrary bytes only ever give DnsParseError, quickly', () => {
  let slowest = 0;
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.nat(8), (bytes, skip) => {
    const off = Math.min(skip, bytes.length);
    const t0 = performance.now();
    attempt(bytes, off, bytes.length - off);
    slowest = Math.max(slowest, performance.now() - t0);
  }), { numRuns: NUM_RUNS });
  assert.ok(slowest < 100, `slowest parse ${slowest.toFixed(1)} ms`);
});

test('fast-check: valid header + random body (counts small, pointers likely)', () => {
  const body = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xc0, 0xc0, 1, 2, 3, 63)),
    { maxLength: 400 });
  fc.assert(fc.property(fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4), body, (qd, an, ns, ar, rest) => {
    const bytes = message(header({ qd, an, ns, ar }), rest);
    attempt(bytes, 0, bytes.length);
  }), { numRuns: NUM_RUNS });
});

test('fast-check: random mutations of the rich message', () => {
  const base = richMessage();
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    fc.nat(base.length), (edits, cut) => {
      const m = base.slice(0, Math.max(cut, 12));
      for (const [i, v] of edits) if (i < m.length) m[i] = v;
      attempt(m, 0, m.length);
    }), { numRuns: NUM_RUNS });
});

test('worst case: a 64 KiB message of maximal pointer chains finishes quickly', () => {
  // 65535 bytes: a long chain of backward pointers in an unknown record, then as many records as
  // fit whose names all point at the chain's end (each walks 128 hops).
  const base = 23; // RDATA of the first record
  const links: number[] = [0];
  for (let i = 1; i < 128; i++) links.push(...ptr(i === 1 ? base : base + 1 + 2 * (i - 2)));
  const last = base + 1 + 2 * 126;
  const first = rr([0], 0xff00, links);
  const n = Math.floor((65535 - 12 - first.length) / 12);
  const recs: number[] = [];
  for (let i = 0; i < n; i++) recs.push(...rr(ptr(last), 0xff00, [1]));
  const bytes = message(header({ an: n + 1 }), first, recs);
  const t0 = performance.now();
  const m = parseDnsMessage(bytes, 0, bytes.length);
  const ms = performance.now() - t0;
  assert.equal(m.answers.length, n + 1);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
