/**
 * parseDnsMessage on hand-built messages: header bits, every formatted RDATA type, compression,
 * EDNS, and the error paths (field and offset of each DnsParseError).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { be16, be32, cstr, header, ipv4, ipv6, message, ptr, question, rr, wireName } from './fixtures.js';
import { DnsParseError, DnsType, dnsHeaderFlags, parseDnsMessage, type DnsMessage } from './index.js';

function parse(bytes: Uint8Array): DnsMessage {
  return parseDnsMessage(bytes, 0, bytes.length);
}

/** The `data` of the single answer of a response carrying `rdata` of `type`. */
function dataOf(type: number, rdata: number[]): string {
  const m = parse(message(header({ flags: 0x8180, an: 1 }), rr(wireName('x.test'), type, rdata)));
  assert.equal(m.answers.length, 1);
  return m.answers[0]!.data;
}

/** Asserts a DnsParseError on `field` (and at `offset` when given). */
function throwsAt(bytes: Uint8Array, field: string | RegExp, offset?: number, start = 0, length = bytes.length): DnsParseError {
  let caught: unknown;
  try {
    parseDnsMessage(bytes, start, length);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DnsParseError, `expected DnsParseError, got ${String(caught)}`);
  if (typeof field === 'string') assert.equal(caught.field, field, caught.message);
  else assert.match(caught.field, field, caught.message);
  if (offset !== undefined) assert.equal(caught.offset, offset, caught.message);
  return caught;
}

test('query: header bits, counts and the question', () => {
  const m = parse(message(header({ id: 0xbeef, flags: 0x0120, qd: 1 }), question(wireName('www.Example.com'), 28)));
  assert.equal(m.id, 0xbeef);
  assert.equal(m.flags, 0x0120);
  assert.deepEqual([m.qr, m.opcode, m.aa, m.tc, m.rd, m.ra, m.ad, m.cd], [false, 0, false, false, true, false, true, false]);
  assert.deepEqual([m.rcode, m.extendedRcode], [0, 0]);
  assert.deepEqual([m.questionCount, m.answerCount, m.authorityCount, m.additionalCount], [1, 0, 0, 0]);
  assert.deepEqual(m.questions, [{ name: 'www.Example.com', type: 28, class: 1 }]);
  assert.deepEqual([m.answers, m.authorities, m.additionals, m.edns], [[], [], [], undefined]);
  assert.deepEqual(dnsHeaderFlags(m), ['RD', 'AD']);
});

test('every header bit lands in its field', () => {
  // QR | opcode 5 (UPDATE) | AA | TC | RD | RA | Z | AD | CD | rcode 3
  const m = parse(message(header({ flags: 0x8000 | (5 << 11) | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0040 | 0x0020 | 0x0010 | 3 })));
  assert.deepEqual([m.qr, m.opcode, m.aa, m.tc, m.rd, m.ra, m.ad, m.cd, m.rcode], [true, 5, true, true, true, true, true, true, 3]);
  assert.deepEqual(dnsHeaderFlags(m), ['AA', 'TC', 'RD', 'RA', 'AD', 'CD']);
});

test('response with compression: CNAME chain, A, AAAA, names through pointers', () => {
  const b: number[] = [];
  b.push(...header({ id: 7, flags: 0x8180, qd: 1, an: 4, ns: 1 }));
  const qname = b.length; // 12
  b.push(...question(wireName('www.example.com'), 1));
  const example = qname + 4; // "example.com" inside the question name
  b.push(...rr(ptr(qname), DnsType.CNAME, [3, ...'cdn'.split('').map((c) => c.charCodeAt(0)), ...ptr(example)], 60));
  const cdn = b.length - 6; // the CNAME's RDATA: "cdn" + pointer
  b.push(...rr(ptr(cdn), DnsType.A, ipv4('192.0.2.1'), 20));
  b.push(...rr(ptr(cdn), DnsType.A, ipv4('192.0.2.2'), 20));
  b.push(...rr(ptr(cdn), DnsType.AAAA, ipv6('2001:db8::1'), 0xffffffff));
  b.push(...rr(ptr(example), DnsType.NS, [2, 0x6e, 0x73, ...ptr(example)], 3600));
  const m = parse(Uint8Array.from(b));
  assert.deepEqual(m.answers, [
    { name: 'www.example.com', type: 5, class: 1, ttl: 60, data: 'cdn.example.com' },
    { name: 'cdn.example.com', type: 1, class: 1, ttl: 20, data: '192.0.2.1' },
    { name: 'cdn.example.com', type: 1, class: 1, ttl: 20, data: '192.0.2.2' },
    { name: 'cdn.example.com', type: 28, class: 1, ttl: 4294967295, data: '2001:db8::1' },
  ]);
  assert.deepEqual(m.authorities, [{ name: 'example.com', type: 2, class: 1, ttl: 3600, data: 'ns.example.com' }]);
});

test('AAAA text is RFC 5952 (as tshark / inet_ntop print it)', () => {
  const cases: [string, string][] = [
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['fe80:0:0:0:21f:f3ff:fecd:f617', 'fe80::21f:f3ff:fecd:f617'],
    ['2001:DB8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:ffff:c000:201', '::ffff:192.0.2.1'],
    ['2607:f8b0:4005:80b:0:0:0:200e', '2607:f8b0:4005:80b::200e'],
    ['0:0:0:0:0:0:c000:201', '::192.0.2.1'], // IPv4-compatible: glibc inet_ntop (tshark) writes it dotted
    ['0:0:0:0:0:0:0:201', '::201'],
    ['0:0:0:0:0:ffff:0:0', '::ffff:0.0.0.0'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:0:2:0:0:3', '1::2:0:0:3'],
  ];
  for (const [wire, text] of cases) assert.equal(dataOf(DnsType.AAAA, ipv6(wire)), text, wire);
});

test('RDATA text for the common types', () => {
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  assert.equal(dataOf(DnsType.MX, [...be16(10), ...wireName('mail.example.com')]), '10 mail.example.com');
  assert.equal(dataOf(DnsType.PTR, wireName('host.example')), 'host.example');
  assert.equal(dataOf(DnsType.DNAME, wireName('example.net')), 'example.net');
  assert.equal(dataOf(DnsType.CNAME, wireName('.')), '.');
  assert.equal(dataOf(DnsType.SOA, [...wireName('ns1.example.com'), ...wireName('hostmaster.example.com'),
    ...be32(2024010101), ...be32(7200), ...be32(3600), ...be32(1209600), ...be32(300)]),
  'ns1.example.com hostmaster.example.com 2024010101 7200 3600 1209600 300');
  assert.equal(dataOf(DnsType.SRV, [...be16(0), ...be16(5), ...be16(5060), ...wireName('sip.example.com')]),
    '0 5 5060 sip.example.com');
  assert.equal(dataOf(DnsType.TXT, [...cstr('v=spf1 -all')]), 'v=spf1 -all');
  assert.equal(dataOf(DnsType.TXT, [...cstr('a'), ...cstr(''), ...cstr('b"c\\d'), ...cstr([0, 0x7f, 0xc3, 0xa9])]),
    'a  b"c\\\\d \\000\\127\\195\\169');
  assert.equal(dataOf(DnsType.HINFO, [...cstr('INTEL-386'), ...cstr('Windows')]), 'INTEL-386 Windows');
  assert.equal(dataOf(DnsType.CAA, [0, 5, ...ascii('issue'), ...ascii('letsencrypt.org')]), '0 issue "letsencrypt.org"');
  assert.equal(dataOf(DnsType.CAA, [128, 5, ...ascii('iodef'), ...ascii('say "hi"')]), '128 iodef "say \\"hi\\""');
  assert.equal(dataOf(DnsType.DS, [...be16(60485), 5, 1, 0x2b, 0xb1, 0x83, 0xaf]), '60485 5 1 2BB183AF');
  assert.equal(dataOf(DnsType.DNSKEY, [...be16(257), 3, 8, 1, 2, 3, 4, 5]), '257 3 8 AQIDBAU=');
  assert.equal(dataOf(DnsType.RRSIG, [...be16(DnsType.A), 8, 2, ...be32(3600), ...be32(1704067200), ...be32(1701388800),
    ...be16(12345), ...wireName('example.com'), 0xde, 0xad, 0xbe, 0xef]),
  'A 8 2 3600 20240101000000 20231201000000 12345 example.com 3q2+7w==');
  assert.equal(dataOf(DnsType.NSEC, [...wireName('host.example.com'), 0, 6, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 1, 1, 0x40]),
    'host.example.com A MX RRSIG NSEC CAA');
  assert.equal(dataOf(DnsType.NSEC3, [1, 1, ...be16(12), 4, 0xaa, 0xbb, 0xcc, 0xdd, 5, 0x01, 0x02, 0x03, 0x04, 0x05,
    0, 1, 0x60]), '1 1 12 AABBCCDD 04106105 A NS');
  assert.equal(dataOf(DnsType.NSEC3, [1, 0, ...be16(0), 0, 3, 0xff, 0xfe, 0x10]), '1 0 0 - VVV10', 'base32hex, no padding');
  assert.equal(dataOf(DnsType.NSEC3, [1, 0, ...be16(0), 0, 0]), '1 0 0 -');
  assert.equal(dataOf(DnsType.NSEC3PARAM, [1, 0, ...be16(0), 0]), '1 0 0 -');
  assert.equal(dataOf(DnsType.SSHFP, [4, 2, 0xab, 0xcd]), '4 2 ABCD');
  assert.equal(dataOf(DnsType.TLSA, [3, 1, 1, 0x0f]), '3 1 1 0F');
  assert.equal(dataOf(DnsType.NAPTR, [...be16(100), ...be16(10), ...cstr('S'), ...cstr('SIP+D2U'), ...cstr(''),
    ...wireName('_sip._udp.example.com')]), '100 10 "S" "SIP+D2U" "" _sip._udp.example.com');
  assert.equal(dataOf(DnsType.URI, [...be16(10), ...be16(1), ...ascii('ftp://ftp1.example.com/public')]),
    '10 1 "ftp://ftp1.example.com/public"');
  assert.equal(dataOf(DnsType.EUI48, [0x00, 0x00, 0x5e, 0x00, 0x53, 0x2a]), '00-00-5e-00-53-2a');
  assert.equal(dataOf(DnsType.OPENPGPKEY, [1, 2, 3]), 'AQID');
  assert.equal(dataOf(0xff00, [0x0a, 0x00, 0x00, 0x01]), '\\# 4 0A000001');
  assert.equal(dataOf(DnsType.A, []), '', 'empty RDATA (an UPDATE deletion) is empty text');
  assert.equal(dataOf(0xff00, []), '');
});

test('NSEC type bitmaps: windows and type numbers', () => {
  // Window 0: A(1) MX(15) RRSIG(46) NSEC(47); window 1: CAA(257).
  const bitmap = [0, 6, 0x40, 0x01, 0, 0, 0, 0x03, 1, 1, 0x40];
  assert.equal(dataOf(DnsType.NSEC, [...wireName('a.test'), ...bitmap]), 'a.test A MX RRSIG NSEC CAA');
  assert.equal(dataOf(DnsType.NSEC, [...wireName('a.test')]), 'a.test');
});

test('SVCB / HTTPS: priority, target and every SvcParam RFC 9460 names', () => {
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  const param = (key: number, value: number[]): number[] => [...be16(key), ...be16(value.length), ...value];
  const rdata = [...be16(1), ...wireName('.'),
    ...param(0, [...be16(1), ...be16(4)]),
    ...param(1, [...cstr('h2'), ...cstr('h3'), ...cstr('a,b')]),
    ...param(2, []),
    ...param(3, be16(8443)),
    ...param(4, [...ipv4('104.16.132.229'), ...ipv4('104.16.133.229')]),
    ...param(5, [0xfe, 0x0d, 0x00]),
    ...param(6, [...ipv6('2606:4700::6810:84e5')]),
    ...param(7, ascii('/dns-query{?dns}')),
    ...param(8, []),
    ...param(65000, [0x41, 0x20, 0x00])];
  assert.equal(dataOf(DnsType.HTTPS, rdata),
    '1 . mandatory=alpn,ipv4hint alpn=h2,h3,a\\,b no-default-alpn port=8443 ipv4hint=104.16.132.229,104.16.133.229 ' +
    'ech=/g0A ipv6hint=2606:4700::6810:84e5 dohpath=/dns-query{?dns} ohttp key65000=A \\000');
  assert.equal(dataOf(DnsType.SVCB, [...be16(0), ...wireName('svc.example.net')]), '0 svc.example.net');
  // Malformed values are errors on the RDATA.
  throwsAt(message(header({ an: 1 }), rr([0], DnsType.HTTPS, [...be16(1), 0, ...param(4, [1, 2, 3])])), 'answer[0].rdata', 30);
  throwsAt(message(header({ an: 1 }), rr([0], DnsType.HTTPS, [...be16(1), 0, ...param(3, [1])])), 'answer[0].rdata');
  throwsAt(message(header({ an: 1 }), rr([0], DnsType.HTTPS, [...be16(1), 0, ...param(2, [1])])), 'answer[0].rdata');
  throwsAt(message(header({ an: 1 }), rr([0], DnsType.HTTPS, [...be16(1), 0, ...be16(1), ...be16(9), 2])), 'answer[0].rdata');
  throwsAt(message(header({ an: 1 }), rr([0], DnsType.HTTPS, [...be16(1), 0, ...param(1, [5, 0x68])])), 'answer[0].rdata');
});

test('EDNS(0): the OPT record becomes edns, extends the rcode and is not listed', () => {
  const opt = rr([0], DnsType.OPT, [...be16(10), ...be16(8), 0, 1, 0, 0, 0, 0, 0, 0, ...be16(12), ...be16(0)],
    (0x01 << 24) | (0 << 16) | 0x8000, 1232);
  const m = parse(message(header({ flags: 0x8180 | 0, qd: 1, ar: 2 }), question(wireName('a.test'), 1),
    opt, rr(wireName('ns.test'), DnsType.A, ipv4('10.0.0.1'))));
  assert.deepEqual(m.edns, { udpPayloadSize: 1232, extendedRcode: 1, version: 0, dnssecOk: true, options: 2 });
  assert.equal(m.rcode, 0);
  assert.equal(m.extendedRcode, 16, 'BADVERS = 1 << 4 | 0');
  assert.equal(m.additionalCount, 2);
  assert.deepEqual(m.additionals.map((a) => a.name), ['ns.test']);
  assert.deepEqual(dnsHeaderFlags(m), ['RD', 'RA', 'DO']);

  // A second OPT is skipped; an OPT outside the additional section is an ordinary record in generic form.
  const two = parse(message(header({ an: 1, ar: 2 }), rr([0], DnsType.OPT, [1, 2]), rr([0], DnsType.OPT, [], 0, 512),
    rr([0], DnsType.OPT, [], 0x8000, 4096)));
  assert.deepEqual(two.answers, [{ name: '.', type: 41, class: 1, ttl: 300, data: '\\# 2 0102' }]);
  assert.equal(two.edns?.udpPayloadSize, 512);
  assert.equal(two.additionals.length, 0);

  // An option running past the OPT RDATA.
  throwsAt(message(header({ ar: 1 }), rr([0], DnsType.OPT, [...be16(10), ...be16(9), 1, 2])), 'additional[0].rdata', 25);
});

test('label bytes are escaped as RFC 4343 / dig do; space is kept; root is "."', () => {
  const label = [8, 0x61, 0x2e, 0x62, 0x5c, 0x20, 0x00, 0xff, 0x7f];
  const m = parse(message(header({ qd: 2 }), question([...label, 3, 0x63, 0x6f, 0x6d, 0], 1), question([0], 2)));
  assert.equal(m.questions[0]!.name, 'a\\.b\\\\ \\000\\255\\127.com');
  assert.equal(m.questions[1]!.name, '.');
});

test('compression pointers: loops, self and forward references fail at once', () => {
  // Self: the question name is a pointer to itself.
  throwsAt(message(header({ qd: 1 }), ptr(12), be16(1), be16(1)), 'question[0].name', 12);
  // Forward: a pointer to a name written later.
  throwsAt(message(header({ qd: 2 }), ptr(18), be16(1), be16(1), wireName('a'), be16(1), be16(1)), 'question[0].name', 12);
  // Into its own name part: label "a" then a pointer back to that label.
  throwsAt(message(header({ qd: 1 }), [1, 0x61], ptr(12), be16(1), be16(1)), 'question[0].name', 14);
  // Two names pointing at each other: the second one's target is before it, but the first part
  // (reached by the jump) points forward again.
  const loop = message(header({ qd: 2 }), [1, 0x61], ptr(20), be16(1), be16(1), [1, 0x62], ptr(12), be16(1), be16(1));
  throwsAt(loop, /^question\[[01]\]\.name$/);
  // A pointer whose second byte is missing.
  throwsAt(message(header({ qd: 1 }), [0xc0]), 'question[0].name', 12);
});

test('compression: more than 128 hops fail, 128 are fine', () => {
  // A chain laid in the RDATA of an unknown record: [0][ptr→12][ptr→13][ptr→15]…; the next record's
  // name points at the chain's last link.
  // rr([0], …) puts the RDATA 11 bytes after the record start (12): the chain starts at 23.
  const build = (hops: number): Uint8Array => {
    const base = 23;
    const links: number[] = [0];
    for (let i = 1; i < hops; i++) links.push(...ptr(i === 1 ? base : base + 1 + 2 * (i - 2)));
    const last = hops === 1 ? base : base + 1 + 2 * (hops - 2);
    return message(header({ an: 2 }), rr([0], 0xff00, links), rr(ptr(last), 1, ipv4('1.2.3.4')));
  };
  const ok = parse(build(128));
  assert.equal(ok.answers[1]!.name, '.');
  const t0 = performance.now();
  const e = throwsAt(build(129), 'answer[1].name');
  assert.match(e.message, /more than 128 compression pointers/);
  assert.ok(performance.now() - t0 < 50);
});

test('names longer than 255 octets and reserved label types fail', () => {
  const long = [63, ...new Array<number>(63).fill(0x61)];
  // 4 × 64 + 1 = 257 octets.
  throwsAt(message(header({ qd: 1 }), [...long, ...long, ...long, ...long, 0], be16(1), be16(1)), 'question[0].name', 12 + 192);
  // 3 × 64 + 62 + 1 = 255: the longest legal name.
  const m = parse(message(header({ qd: 1 }), [...long, ...long, ...long, 61, ...new Array<number>(61).fill(0x62), 0], be16(1), be16(1)));
  assert.equal(m.questions[0]!.name.length, 253);
  // 0x40 (extended label, RFC 6891 §5) and 0x80 (unassigned).
  throwsAt(message(header({ qd: 1 }), [0x41, 0], be16(1), be16(1)), 'question[0].name', 12);
  throwsAt(message(header({ qd: 1 }), [0x81, 0], be16(1), be16(1)), 'question[0].name', 12);
  // Length too long, via a pointer chain: a 200-octet suffix reached from a name adding 60 more.
  const suffix = [...long, ...long, ...long, 7, 1, 2, 3, 4, 5, 6, 7, 0]; // 200 octets
  const prefix = [59, ...new Array<number>(59).fill(0x63)];
  throwsAt(message(header({ an: 1, qd: 1 }), question(suffix, 1), rr([...prefix, ...ptr(12)], 1, ipv4('1.1.1.1'))),
    'answer[0].name');
});

test('RDATA that does not fit its type is an error on that record', () => {
  const r0 = (type: number, rdata: number[], rdlength?: number): Uint8Array =>
    message(header({ an: 2 }), rr([0], 1, ipv4('1.2.3.4')), rr([0], type, rdata, 1, 1, rdlength));
  throwsAt(r0(DnsType.A, [1, 2, 3, 4, 5]), 'answer[1].rdata', 38);
  throwsAt(r0(DnsType.AAAA, [1, 2, 3, 4]), 'answer[1].rdata', 38);
  throwsAt(r0(DnsType.MX, [0, 10, 1, 0x61, 0, 0]), 'answer[1].rdata', 43);
  throwsAt(r0(DnsType.MX, [0]), 'answer[1].rdata');
  throwsAt(r0(DnsType.CNAME, [3, 0x61, 0x62]), 'answer[1].rdata', 38);
  throwsAt(r0(DnsType.SOA, [0, 0, 1, 2, 3]), 'answer[1].rdata', 40);
  throwsAt(r0(DnsType.TXT, [5, 0x61]), 'answer[1].rdata', 38);
  throwsAt(r0(DnsType.NSEC, [0, 0, 0]), 'answer[1].rdata', 40);
  throwsAt(r0(DnsType.NSEC, [0, 0, 33, ...new Array<number>(33).fill(1)]), 'answer[1].rdata', 40);
  throwsAt(r0(DnsType.DS, [1, 2, 3]), 'answer[1].rdata');
  throwsAt(r0(DnsType.RRSIG, new Array<number>(17).fill(0)), 'answer[1].rdata');
  throwsAt(r0(DnsType.CAA, [0, 9, 0x61]), 'answer[1].rdata');
  throwsAt(r0(DnsType.EUI48, [1, 2, 3]), 'answer[1].rdata');
  // RDLENGTH past the end of the message; a name in RDATA may not spill past RDLENGTH.
  throwsAt(r0(DnsType.A, [1, 2, 3, 4], 5), 'answer[1].rdata', 38);
  throwsAt(r0(DnsType.CNAME, [1, 0x61, 0, 0], 2), /answer\[1\]\.(rdata|name)/);
});

test('errors name the field that ran out', () => {
  const q = message(header({ qd: 1 }), question(wireName('a.b'), 1));
  throwsAt(q.subarray(0, 11), 'header', 11);
  throwsAt(q.subarray(0, 12), 'question[0].name', 12);
  throwsAt(q.subarray(0, 17), 'question[0].type', 17);
  throwsAt(q.subarray(0, 20), 'question[0].class', 19);
  const a = message(header({ an: 1 }), rr([0], 1, ipv4('1.2.3.4')));
  throwsAt(a.subarray(0, 14), 'answer[0].type', 13);
  throwsAt(a.subarray(0, 16), 'answer[0].class', 15);
  throwsAt(a.subarray(0, 20), 'answer[0].ttl', 17);
  throwsAt(a.subarray(0, 22), 'answer[0].rdlength', 21);
  throwsAt(a.subarray(0, 26), 'answer[0].rdata', 23);
  const ns = message(header({ ns: 1, ar: 1 }), rr([0], 1, ipv4('1.2.3.4')));
  throwsAt(ns, 'additional[0].name', 27);
  const e = throwsAt(message(header({ qd: 1 }), [5, 0x61]), 'question[0].name', 12);
  assert.match(e.message, /^DNS question\[0\]\.name at offset 12: label of 5 octets runs past the end of the message$/);
});

test('the message is read only within [offset, offset + length)', () => {
  const body = message(header({ id: 9, flags: 0x8180, qd: 1, an: 1 }), question(wireName('a.test'), 1),
    rr(ptr(12), 1, ipv4('10.1.2.3')));
  // Embedded in a larger buffer: same result; pointers are relative to the message start.
  const big = new Uint8Array(body.length + 40).fill(0xee);
  big.set(body, 17);
  assert.deepEqual(parseDnsMessage(big, 17, body.length), parse(body));
  // Every proper prefix fails, even though the rest of the message follows in the buffer.
  for (let len = 0; len < body.length; len++) {
    const e = throwsAt(big, /./, undefined, 17, len);
    assert.ok(e.offset >= 17 && e.offset <= 17 + len, `offset ${e.offset} for length ${len}`);
  }
  assert.throws(() => parseDnsMessage(body, 0, body.length + 1), RangeError);
  assert.throws(() => parseDnsMessage(body, -1, 2), RangeError);
});

test('tcpdump dns-zlip-1 (corpus malformed-dns-zlip): a self-pointing QNAME fails at once', () => {
  // The DNS bytes of that capture lie beyond the UDP length (8), so the corpus feeds the parser an
  // empty payload; here they are fed directly.
  const zlip = Uint8Array.from([0xed, 0x69, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x0c,
    0xc0, 0x07, 0xc0, 0x10, 0xc0, 0x17, 0xc0, 0x20, 0xc0, 0x27, 0xc0, 0x30, 0xc0, 0xff, 0xcf, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x01]);
  const e = throwsAt(zlip, 'question[0].name', 12);
  assert.match(e.message, /compression pointer to 12 does not point before 12/);
});

test('trailing bytes after the last record are ignored', () => {
  const m = parse(message(header({ qd: 1 }), question(wireName('a'), 1), [0, 0, 0, 0]));
  assert.equal(m.questions[0]!.name, 'a');
});

test('counts larger than the message fail quickly', () => {
  const t0 = performance.now();
  throwsAt(message(header({ qd: 0xffff, an: 0xffff, ns: 0xffff, ar: 0xffff }), [0, 0, 1, 0, 1]), 'question[1].name', 17);
  assert.ok(performance.now() - t0 < 50);
});
