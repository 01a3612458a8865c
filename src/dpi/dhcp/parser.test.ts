/**
 * parseDhcpMessage on hand-built messages: the DORA exchange, relay agent information, option
 * overload, plain BOOTP, and every way a message can be cut or lie about a length.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDhcp, opt, optIp, optText, optU32 } from './fixtures.js';
import { DhcpParseError, dhcpMessageTypeName, parseDhcpMessage, type DhcpMessage } from './index.js';

function parse(bytes: Uint8Array): DhcpMessage {
  return parseDhcpMessage(bytes, 0, bytes.length);
}

/** The message placed at `at` in a bigger buffer, with junk around it. */
function embed(msg: Uint8Array, at: number, after = 32): Uint8Array {
  const buf = new Uint8Array(at + msg.length + after).fill(0xee);
  buf.set(msg, at);
  return buf;
}

/** Asserts that `fn` throws a DhcpParseError and returns it. */
function parseError(fn: () => unknown): DhcpParseError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DhcpParseError, `expected DhcpParseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a DhcpParseError, nothing was thrown');
}

const CLIENT = '90:b1:1c:99:49:29';

const DISCOVER = buildDhcp({
  xid: 0xdeadbeef, secs: 3, flags: 0x8000, chaddr: CLIENT,
  options: [
    ...opt(53, 1),
    ...opt(61, 0x01, 0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29),
    ...optIp(50, '192.168.211.194'),
    ...optText(12, 'btest.is.cool'),
    ...optText(60, 'udhcp 1.36.1'),
    ...opt(55, 1, 3, 6, 12, 15, 28, 42),
  ],
  padding: 20,
});

const OFFER = buildDhcp({
  op: 2, xid: 1984, chaddr: CLIENT, yiaddr: '128.2.6.97', siaddr: '172.19.230.7',
  sname: 'boot.example', file: 'pxelinux.0',
  options: [
    ...opt(53, 2),
    ...optIp(54, '128.2.6.152'),
    ...optU32(51, 900),
    ...optIp(1, '255.255.255.0'),
    ...optIp(3, '128.2.6.1', '128.2.6.2'),
    ...optIp(6, '128.2.1.11', '128.2.1.10'),
    ...optText(15, 'cmu.edu'),
  ],
});

test('DISCOVER: fixed header and client options', () => {
  const m = parse(DISCOVER);
  assert.equal(m.op, 1);
  assert.equal(m.htype, 1);
  assert.equal(m.hlen, 6);
  assert.equal(m.hops, 0);
  assert.equal(m.xid, 0xdeadbeef, 'xid is unsigned');
  assert.equal(m.secs, 3);
  assert.equal(m.flags, 0x8000);
  assert.equal(m.ciaddr, '0.0.0.0');
  assert.equal(m.clientMac, CLIENT);
  assert.equal(m.isDhcp, true);
  assert.equal(m.messageType, 1);
  assert.equal(m.messageTypeName, 'DISCOVER');
  assert.equal(m.clientId, '0190b11c994929');
  assert.equal(m.requestedIp, '192.168.211.194');
  assert.equal(m.hostname, 'btest.is.cool');
  assert.equal(m.vendorClass, 'udhcp 1.36.1');
  assert.deepEqual(m.paramRequestList, [1, 3, 6, 12, 15, 28, 42]);
  assert.deepEqual(m.options, [
    { code: 53, length: 1 }, { code: 61, length: 7 }, { code: 50, length: 4 }, { code: 12, length: 13 },
    { code: 60, length: 12 }, { code: 55, length: 7 },
  ]);
  for (const k of ['serverName', 'bootFile', 'serverId', 'leaseTime', 'routers', 'relayAgent'] as const) {
    assert.equal(m[k], undefined, k);
  }
});

test('OFFER: server options, sname and file as text', () => {
  const m = parse(OFFER);
  assert.equal(m.op, 2);
  assert.equal(m.messageTypeName, 'OFFER');
  assert.equal(m.yiaddr, '128.2.6.97');
  assert.equal(m.siaddr, '172.19.230.7');
  assert.equal(m.serverId, '128.2.6.152');
  assert.equal(m.leaseTime, 900);
  assert.equal(m.subnetMask, '255.255.255.0');
  assert.deepEqual(m.routers, ['128.2.6.1', '128.2.6.2']);
  assert.deepEqual(m.dnsServers, ['128.2.1.11', '128.2.1.10']);
  assert.equal(m.domainName, 'cmu.edu');
  assert.equal(m.serverName, 'boot.example');
  assert.equal(m.bootFile, 'pxelinux.0');
});

test('REQUEST and ACK', () => {
  const req = parse(buildDhcp({
    xid: 7, chaddr: CLIENT,
    options: [...opt(53, 3), ...optIp(50, '128.2.6.97'), ...optIp(54, '128.2.6.152'), ...optText(12, 'pc-1')],
  }));
  assert.equal(req.messageTypeName, 'REQUEST');
  assert.equal(req.requestedIp, '128.2.6.97');
  assert.equal(req.serverId, '128.2.6.152');
  assert.equal(req.hostname, 'pc-1');
  const ack = parse(buildDhcp({
    op: 2, xid: 7, chaddr: CLIENT, yiaddr: '128.2.6.97',
    options: [...opt(53, 5), ...optIp(54, '128.2.6.152'), ...optU32(51, 0xffffffff)],
  }));
  assert.equal(ack.messageTypeName, 'ACK');
  assert.equal(ack.leaseTime, 0xffffffff, 'infinite lease, unsigned');
});

test('dhcpMessageTypeName covers RFC 2132, 3203, 4388, 6926 and 7724', () => {
  const names = ['DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM', 'FORCERENEW',
    'LEASEQUERY', 'LEASEUNASSIGNED', 'LEASEUNKNOWN', 'LEASEACTIVE', 'BULKLEASEQUERY', 'LEASEQUERYDONE',
    'ACTIVELEASEQUERY', 'LEASEQUERYSTATUS', 'TLS'];
  names.forEach((name, i) => assert.equal(dhcpMessageTypeName(i + 1), name));
  assert.equal(dhcpMessageTypeName(0), 'UNKNOWN(0)');
  assert.equal(dhcpMessageTypeName(19), 'UNKNOWN(19)');
  assert.equal(dhcpMessageTypeName(255), 'UNKNOWN(255)');
  assert.equal(dhcpMessageTypeName(1.5), 'UNKNOWN(1.5)');
  assert.equal(parse(buildDhcp({ options: opt(53, 200) })).messageTypeName, 'UNKNOWN(200)');
});

test('relay agent information (option 82) with sub-options', () => {
  const circuit = Array.from('eth0/1:100', (c) => c.charCodeAt(0));
  const m = parse(buildDhcp({
    op: 2, giaddr: '10.0.0.1',
    options: [...opt(53, 5), ...opt(82, 1, circuit.length, ...circuit, 2, 1, 0x13, 6, 3, 0x61, 0x62, 0x63)],
  }));
  assert.equal(m.giaddr, '10.0.0.1');
  assert.deepEqual(m.relayAgent, {
    circuitId: '657468302f313a313030',
    remoteId: '13',
    subOptions: [{ code: 1, hex: '657468302f313a313030' }, { code: 2, hex: '13' }, { code: 6, hex: '616263' }],
  });
  // Only unknown sub-options, and an empty option 82.
  assert.deepEqual(parse(buildDhcp({ options: opt(82, 9, 0) })).relayAgent, { subOptions: [{ code: 9, hex: '' }] });
  assert.deepEqual(parse(buildDhcp({ options: opt(82) })).relayAgent, { subOptions: [] });
});

test('option 82 sub-option running past the option', () => {
  const msg = buildDhcp({ options: [...opt(53, 1), ...opt(82, 1, 5, 0x61, 0x62)] });
  const e = parseError(() => parseDhcpMessage(embed(msg, 10), 10, msg.length));
  assert.equal(e.field, 'option 82 sub-option 1');
  assert.equal(e.offset, 10 + 240 + 3 + 2, 'points at the sub-option');
  const e2 = parseError(() => parse(buildDhcp({ options: opt(82, 1, 0, 2) })));
  assert.equal(e2.field, 'option 82 sub-option 2');
  assert.match(e2.message, /no length byte/);
});

test('overload 1: the file field holds options, sname stays text', () => {
  const file = [...optIp(6, '10.100.0.2'), ...optText(15, 'evil.corp'), 255];
  const m = parse(buildDhcp({ op: 2, sname: 'tftp.example', file, options: [...opt(53, 2), ...opt(52, 1)] }));
  assert.deepEqual(m.dnsServers, ['10.100.0.2']);
  assert.equal(m.domainName, 'evil.corp');
  assert.equal(m.bootFile, undefined);
  assert.equal(m.serverName, 'tftp.example');
  assert.deepEqual(m.options.map((o) => o.code), [53, 52, 6, 15]);
});

test('overload 2: the sname field holds options, file stays text', () => {
  // As in the corpus' rogue OFFER: routers and DNS hidden in sname.
  const sname = [...optIp(6, '10.100.0.2'), ...optIp(3, '10.100.0.2'), ...optText(15, 'evil.corp'), 255];
  const m = parse(buildDhcp({
    op: 2, sname, file: 'boot.img',
    options: [...opt(53, 2), ...optIp(54, '10.100.0.2'), ...optU32(51, 300), ...optIp(1, '255.255.255.0'), ...opt(52, 2)],
  }));
  assert.deepEqual(m.routers, ['10.100.0.2']);
  assert.deepEqual(m.dnsServers, ['10.100.0.2']);
  assert.equal(m.domainName, 'evil.corp');
  assert.equal(m.serverName, undefined);
  assert.equal(m.bootFile, 'boot.img');
  assert.deepEqual(m.options.map((o) => o.code), [53, 54, 51, 1, 52, 6, 3, 15]);
});

test('overload 3: options field, then file, then sname; split options are joined (RFC 3396)', () => {
  const m = parse(buildDhcp({
    op: 2,
    file: [...optIp(6, '192.0.2.2'), ...optText(12, 'ho'), 255],
    sname: [0, 0, ...optText(12, 'st'), ...optIp(3, '192.0.2.1')], // pads, and no end: the field's end stops it
    options: [...opt(53, 5), ...opt(52, 3), ...optIp(6, '192.0.2.1')],
  }));
  assert.deepEqual(m.options.map((o) => o.code), [53, 52, 6, 6, 12, 12, 3]);
  assert.deepEqual(m.dnsServers, ['192.0.2.1', '192.0.2.2']);
  assert.equal(m.hostname, 'host');
  assert.deepEqual(m.routers, ['192.0.2.1']);
  assert.equal(m.serverName, undefined);
  assert.equal(m.bootFile, undefined);
});

test('option 52 is only honoured in the options field, and must be 1, 2 or 3', () => {
  // An option 52 inside the file field does not pull in sname (nor loop).
  const m = parse(buildDhcp({ sname: 'name', file: [...opt(52, 2), 255], options: [...opt(52, 1)] }));
  assert.equal(m.serverName, 'name');
  assert.deepEqual(m.options.map((o) => o.code), [52, 52]);
  for (const value of [[0], [4], [1, 1], []]) {
    const e = parseError(() => parse(buildDhcp({ options: opt(52, ...value) })));
    assert.equal(e.field, 'option 52');
    assert.equal(e.offset, 240);
  }
});

test('an option running past an overloaded field is an error naming that field', () => {
  const e = parseError(() => parse(buildDhcp({ sname: [...new Array(60).fill(0), 15, 10, 0x61, 0x62], options: opt(52, 2) })));
  assert.equal(e.field, 'option 15');
  assert.equal(e.offset, 44 + 60);
  assert.match(e.message, /sname field/);
});

test('BOOTP without the magic cookie: no options, sname/file as text', () => {
  const vend = buildDhcp({ cookie: false, end: false, options: [1, 2, 3, 4, ...new Array(60).fill(0)], sname: 'srv', file: '/boot/x' });
  const m = parse(vend);
  assert.equal(m.isDhcp, false);
  assert.deepEqual(m.options, []);
  assert.equal(m.messageType, undefined);
  assert.equal(m.serverName, 'srv');
  assert.equal(m.bootFile, '/boot/x');
  // Exactly the 236-byte header: BOOTP with no vendor area.
  assert.equal(parse(vend.subarray(0, 236)).isDhcp, false);
  // A vendor area that only starts like the cookie is not DHCP.
  assert.equal(parse(buildDhcp({ cookie: false, options: [99, 130, 83, 98] })).isDhcp, false);
});

test('pad options are skipped, the end option stops, a missing end is tolerated', () => {
  const m = parse(buildDhcp({ options: [0, 0, ...opt(53, 3), 0, 255, 0x55, 0x55, 0x55], end: false }));
  assert.deepEqual(m.options, [{ code: 53, length: 1 }]);
  const noEnd = parse(buildDhcp({ options: opt(53, 8), end: false }));
  assert.equal(noEnd.messageTypeName, 'INFORM');
});

test('an option running past the end names the option and its absolute offset', () => {
  const msg = buildDhcp({ options: [...opt(53, 1), 12, 20, 0x61, 0x62], end: false });
  const e = parseError(() => parseDhcpMessage(embed(msg, 42), 42, msg.length));
  assert.equal(e.field, 'option 12');
  assert.equal(e.offset, 42 + 243);
  assert.match(e.message, /offset 285/);
  assert.match(e.message, /declares 20 bytes/);
  const e2 = parseError(() => parse(buildDhcp({ options: [...opt(53, 1), 61], end: false })));
  assert.equal(e2.field, 'option 61');
  assert.match(e2.message, /no length byte/);
});

test('interpreted options must have their RFC length', () => {
  const cases: [number[], string][] = [
    [opt(53, 1, 2), 'option 53'], [opt(53), 'option 53'], [opt(50, 1, 2, 3), 'option 50'], [opt(54, 1, 2, 3, 4, 5), 'option 54'],
    [opt(51, 0, 0), 'option 51'], [opt(1, 255), 'option 1'], [opt(3), 'option 3'], [opt(6, 1, 2, 3, 4, 5), 'option 6'],
  ];
  for (const [options, field] of cases) {
    const e = parseError(() => parse(buildDhcp({ options: [0, ...options] })));
    assert.equal(e.field, field);
    assert.equal(e.offset, 241, `${field} points at its code byte`);
  }
  // Repeated single-value options join into a value of the wrong length.
  assert.equal(parseError(() => parse(buildDhcp({ options: [...opt(53, 1), ...opt(53, 3)] }))).field, 'option 53');
});

test('bad op and hlen', () => {
  assert.equal(parseError(() => parse(buildDhcp({ op: 3 }))).field, 'op');
  assert.equal(parseError(() => parse(buildDhcp({ op: 0 }))).field, 'op');
  const e = parseError(() => parse(buildDhcp({ hlen: 17 })));
  assert.equal(e.field, 'hlen');
  assert.equal(e.offset, 2);
  assert.equal(parse(buildDhcp({ hlen: 16, chaddr: '00112233445566778899aabbccddeeff' })).clientMac, '00112233445566778899aabbccddeeff');
});

test('non-Ethernet hardware addresses are hex of hlen bytes', () => {
  assert.equal(parse(buildDhcp({ htype: 6, hlen: 6, chaddr: 'aabbccddeeff' })).clientMac, 'aabbccddeeff');
  assert.equal(parse(buildDhcp({ htype: 1, hlen: 8, chaddr: 'aabbccddeeff0011' })).clientMac, 'aabbccddeeff0011');
  assert.equal(parse(buildDhcp({ htype: 32, hlen: 0 })).clientMac, ''); // InfiniBand (RFC 4390): chaddr unused
});

test('text options: non-printable bytes escaped, trailing NULs dropped', () => {
  const host = [0x68, 0x01, 0x5c, 0x7f, 0xc3, 0xa9, 0x22, 0x0a, 0, 0];
  const m = parse(buildDhcp({
    sname: [0x73, 0x1b, 0x5b, 0x32, 0x4a, 0, 0x78], // ESC [ 2 J, then NUL ends the string
    options: [...opt(12, ...host), ...opt(60, 0x4d, 0x53, 0x46, 0x54, 0x00, 0x35), ...opt(15)],
  }));
  assert.equal(m.hostname, 'h\\x01\\\\\\x7f\\xc3\\xa9"\\x0a');
  assert.equal(m.vendorClass, 'MSFT\\x005', 'an inner NUL is kept, escaped');
  assert.equal(m.domainName, '');
  assert.equal(m.serverName, 's\\x1b[2J');
  assert.equal(parse(buildDhcp({ options: opt(12, 0, 0) })).hostname, '');
});

test('every prefix of a valid message: a result or a DhcpParseError, and nothing read past the end', () => {
  const msg = buildDhcp({
    op: 2, sname: [...optText(12, 'abc'), 255],
    options: [0, ...opt(53, 5), ...opt(52, 2), ...optIp(3, '10.0.0.1'), ...opt(82, 1, 2, 0x61, 0x62), ...optText(15, 'example.org')],
  });
  const at = 7;
  let parsed = 0;
  let failed = 0;
  for (let len = 0; len <= msg.length; len++) {
    // The same bytes alone and followed by junk must give the same outcome.
    const exact = msg.slice(0, len);
    const padded = embed(exact, at, 300);
    let a: DhcpMessage | DhcpParseError;
    let b: DhcpMessage | DhcpParseError;
    try { a = parse(exact); } catch (e) { a = e as DhcpParseError; }
    try { b = parseDhcpMessage(padded, at, len); } catch (e) { b = e as DhcpParseError; }
    if (a instanceof Error) {
      failed++;
      assert.ok(a instanceof DhcpParseError, `prefix ${len}: ${String(a)}`);
      assert.ok(b instanceof DhcpParseError, `prefix ${len} embedded: ${String(b)}`);
      assert.equal(b.offset, a.offset + at, `prefix ${len}: offsets are absolute`);
      assert.equal(b.field, a.field);
      assert.ok(a.offset >= 0 && a.offset <= len, `prefix ${len}: offset ${a.offset}`);
    } else {
      parsed++;
      assert.deepEqual(b, a, `prefix ${len}`);
      assert.doesNotMatch(JSON.stringify(a), /NaN|undefined/);
    }
    if (len < 236) assert.ok(a instanceof DhcpParseError, `prefix ${len} is shorter than the header`);
  }
  assert.ok(parsed > 0 && failed > 236);
  const cut = parseError(() => parse(msg.subarray(0, 30)));
  assert.equal(cut.field, 'chaddr');
  assert.equal(cut.offset, 30);
  assert.equal(parseError(() => parse(msg.subarray(0, 238))).field, 'magic cookie');
});

test('a range outside the buffer is a RangeError (the caller\'s bug)', () => {
  const msg = buildDhcp();
  assert.throws(() => parseDhcpMessage(msg, 1, msg.length), RangeError);
  assert.throws(() => parseDhcpMessage(msg, -1, 10), RangeError);
  assert.throws(() => parseDhcpMessage(msg, 0, 1.5), RangeError);
  assert.throws(() => parseDhcpMessage(msg, Number.NaN, 10), RangeError);
});
