/**
 * fast-check properties: parseDhcpMessage is total on arbitrary input — it returns a well-formed
 * message or throws a DhcpParseError pointing inside the window, never anything else, and never
 * looks outside `bytes[offset, offset + length)`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildDhcp, opt, optIp, optText } from './fixtures.js';
import { DhcpParseError, parseDhcpMessage, type DhcpMessage } from './index.js';

const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 3000);

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const SAFE_TEXT = /^[\x20-\x7e]*$/;

/** The first broken invariant of a parsed message, or undefined. */
function broken(m: DhcpMessage, length: number): string | undefined {
  for (const k of ['ciaddr', 'yiaddr', 'siaddr', 'giaddr'] as const) {
    const g = IPV4.exec(m[k]);
    if (g === null || g.slice(1).some((x) => Number(x) > 255)) return `${k} ${m[k]}`;
  }
  if (m.op !== 1 && m.op !== 2) return `op ${m.op}`;
  if (!(Number.isInteger(m.xid) && m.xid >= 0 && m.xid <= 0xffffffff)) return `xid ${m.xid}`;
  if (m.hlen > 16) return `hlen ${m.hlen}`;
  for (const k of ['hostname', 'vendorClass', 'domainName', 'serverName', 'bootFile', 'clientMac', 'clientId'] as const) {
    const t = m[k];
    if (t !== undefined && !SAFE_TEXT.test(t)) return `${k} not escaped: ${JSON.stringify(t)}`;
  }
  if (!m.isDhcp && m.options.length > 0) return 'options without the cookie';
  // Each listed option took 2 + length bytes of the options field, file or sname.
  const used = m.options.reduce((n, o) => n + 2 + o.length, 0);
  if (used > length - 240 + 64 + 128) return `options use ${used} bytes`;
  if ((m.messageType === undefined) !== (m.messageTypeName === undefined)) return 'message type without name';
  return undefined;
}

/** Parses the window alone and inside junk: same outcome, only DhcpParseError, offsets inside. */
function check(window: Uint8Array, before: Uint8Array, after: Uint8Array): void {
  const buf = new Uint8Array(before.length + window.length + after.length);
  buf.set(before, 0);
  buf.set(window, before.length);
  buf.set(after, before.length + window.length);
  const outcome = (bytes: Uint8Array, off: number): DhcpMessage | DhcpParseError => {
    try {
      return parseDhcpMessage(bytes, off, window.length);
    } catch (e) {
      if (e instanceof DhcpParseError) return e;
      throw new Error(`threw ${String(e)} on ${Buffer.from(window).toString('hex')}`, { cause: e });
    }
  };
  const alone = outcome(window, 0);
  const inside = outcome(buf, before.length);
  if (alone instanceof DhcpParseError) {
    assert.ok(alone.offset >= 0 && alone.offset <= window.length, `offset ${alone.offset} outside ${window.length}`);
    assert.ok(inside instanceof DhcpParseError);
    assert.equal(inside.offset, alone.offset + before.length);
    assert.equal(inside.field, alone.field);
  } else {
    assert.deepEqual(inside, alone);
    const why = broken(alone, window.length);
    assert.equal(why, undefined, `${why} on ${Buffer.from(window).toString('hex')}`);
  }
}

const junk = fc.uint8Array({ maxLength: 16 });

test('arbitrary bytes: only DhcpParseError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), junk, junk, check), { numRuns: NUM_RUNS });
});

/** A header that passes the fixed-field checks, so the options code gets exercised. */
const header = fc.record({
  op: fc.constantFrom(1, 2),
  htype: fc.nat(255),
  hlen: fc.nat(16),
  sname: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  file: fc.uint8Array({ minLength: 64, maxLength: 128 }),
});

/** Options made of plausible pieces: interpreted codes with right and wrong lengths, pads, ends. */
const optionBytes = fc.array(fc.oneof(
  fc.tuple(fc.constantFrom(0, 1, 3, 6, 12, 15, 50, 51, 52, 53, 54, 55, 60, 61, 82, 255, 254), fc.uint8Array({ maxLength: 12 }))
    .map(([code, v]) => opt(code, ...v)),
  fc.constantFrom([0], [255], opt(52, 1), opt(52, 2), opt(52, 3), opt(53, 1), optIp(3, '10.0.0.1'), optText(12, 'x')),
  fc.uint8Array({ maxLength: 6 }).map((v) => Array.from(v)),
), { maxLength: 20 }).map((parts) => parts.flat());

test('DHCP-shaped messages with random options, overload and cuts: only DhcpParseError', () => {
  fc.assert(fc.property(header, optionBytes, fc.boolean(), fc.nat(), junk, junk, (h, options, end, cut, before, after) => {
    const msg = buildDhcp({ op: h.op, htype: h.htype, hlen: h.hlen, sname: Array.from(h.sname), file: Array.from(h.file), options, end });
    check(msg.subarray(0, msg.length - (cut % 8 === 0 ? cut % msg.length : 0)), before, after);
  }), { numRuns: NUM_RUNS });
});

test('valid messages with random bytes changed: only DhcpParseError', () => {
  const base = buildDhcp({
    op: 2, sname: [...optText(15, 'a.b'), 255],
    options: [...opt(53, 5), ...opt(52, 2), ...optIp(3, '10.0.0.1'), ...opt(82, 1, 2, 0x61, 0x62, 2, 1, 9), ...optText(12, 'h')],
  });
  const flips = fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 });
  fc.assert(fc.property(flips, junk, junk, (changes, before, after) => {
    const msg = base.slice();
    for (const [at, x] of changes) msg[at] = x;
    check(msg, before, after);
  }), { numRuns: NUM_RUNS });
});
