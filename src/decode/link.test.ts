/**
 * Link layers, VLAN stacks, MPLS and PPPoE, from inline hex fixtures (annotated dumps; each was
 * checked against tshark when written).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeStatus, LinkType } from '../model/index.js';
import { decodeBytes, dst, flowLine, src } from '../../test/support/decode-view.js';
import { dump } from '../../test/support/hex.js';

/** BSD loopback (NULL), AF_INET written little-endian. */
const NULL_LE = dump(`
  0000  02 00 00 00                                      | AF 2, little-endian
  0004  45 00 00 1c 12 34 00 00 40 11 54 9b 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, UDP
  0014  0a 00 00 02                                      | …
  0018  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** BSD loopback (NULL), AF_INET written big-endian. */
const NULL_BE = dump(`
  0000  00 00 00 02                                      | AF 2, big-endian
  0004  45 00 00 1c 12 34 00 00 40 11 54 9b 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, UDP
  0014  0a 00 00 02                                      | …
  0018  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** BSD loopback, AF_INET6 = 30 (Darwin), little-endian. */
const NULL_V6_DARWIN = dump(`
  0000  1e 00 00 00                                      | AF 30
  0004  60 00 00 00 00 08 11 40 00 00 00 00 00 00 00 00  | IPv6 ::1 > ::1, UDP
  0014  00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00  | …
  0024  00 00 00 00 00 00 00 01                          | …
  002c  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** OpenBSD loopback (LOOP), AF_INET6 = 24 in network order. */
const LOOP_V6 = dump(`
  0000  00 00 00 18                                      | AF 24, network order
  0004  60 00 00 00 00 08 11 40 00 00 00 00 00 00 00 00  | IPv6 ::1 > ::1, UDP
  0014  00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00  | …
  0024  00 00 00 00 00 00 00 01                          | …
  002c  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** Linux cooked capture v1, IPv4. */
const SLL = dump(`
  0000  00 00 00 01 00 06 02 00 00 00 00 01 00 00 08 00  | SLL: outgoing, ARPHRD_ETHER, 6-byte address, IPv4
  0010  45 00 00 1c 12 34 00 00 40 11 54 9b 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, UDP
  0020  0a 00 00 02                                      | …
  0024  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** Linux cooked capture v2, IPv6. */
const SLL2 = dump(`
  0000  86 dd 00 00 00 00 00 02 00 01 04 06 02 00 00 00  | SLL2: IPv6, ifindex 2, ARPHRD_ETHER, outgoing
  0010  00 01 00 00                                      | …
  0014  60 00 00 00 00 08 11 40 00 00 00 00 00 00 00 00  | IPv6 ::1 > ::1, UDP
  0024  00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00  | …
  0034  00 00 00 00 00 00 00 01                          | …
  003c  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** Raw IP (101), IPv4. */
const RAW_V4 = dump(`
  0000  45 00 00 1c 12 34 00 00 40 11 54 9b 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, UDP
  0010  0a 00 00 02                                      | …
  0014  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** IEEE 802.3 + LLC (STP BPDU): not IP. */
const STP = dump(`
  0000  01 80 c2 00 00 00 02 00 00 00 00 01 00 26        | 802.3, length 38
  000e  42 42 03                                         | LLC DSAP 0x42 SSAP 0x42 UI
  0011  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  | BPDU
  0021  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  | …
  0031  00 00 00                                         | …
`);

/** IEEE 802.3 + LLC/SNAP (RFC 1042) carrying IPv4. */
const SNAP_IP = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 00 24        | 802.3, length
  000e  aa aa 03 00 00 00 08 00                          | LLC SNAP, OUI 0, IPv4
  0016  45 00 00 1c 12 34 00 00 40 11 54 9b 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, UDP
  0026  0a 00 00 02                                      | …
  002a  14 e9 14 e9 00 08 00 00                          | UDP 5353 > 5353
`);

/** ARP request: not IP. */
const ARP = dump(`
  0000  ff ff ff ff ff ff 02 00 00 00 00 01 08 06        | Ethernet broadcast, ARP
  000e  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00  | ARP who-has 10.0.0.2
  001e  00 01 00 00 00 00 00 00 0a 00 00 02              | …
`);

/** Three VLAN tags (802.1ad 100, 802.1Q 200, 802.1Q 300), IPv4, TCP SYN. */
const QINQ3 = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 88 a8        | Ethernet 02:00:00:00:00:01 > 02:00:00:00:00:02, 0x88a8
  000e  00 64 81 00                                      | S-tag VID 100, 0x8100
  0012  00 c8 81 00                                      | C-tag VID 200, 0x8100
  0016  01 2c 08 00                                      | C-tag VID 300, IPv4
  001a  45 00 00 28 12 34 00 00 40 06 54 9a 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, TCP
  002a  0a 00 00 02                                      | …
  002e  9c 40 00 50 00 00 03 e8 00 00 00 00 50 02 ff ff  | TCP 40000 > 80 [SYN]
  003e  00 00 00 00                                      | …
`);

/** MPLS stack of three labels (100, 200, 300 bottom of stack), IPv4, UDP. */
const MPLS3 = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 88 47        | Ethernet, MPLS
  000e  00 06 40 40                                      | label 100
  0012  00 0c 80 40                                      | label 200
  0016  00 12 c1 40                                      | label 300, S=1
  001a  45 00 00 20 12 34 00 00 40 11 7c 62 c0 00 02 01  | IPv4 192.0.2.1 > 198.51.100.2, UDP
  002a  c6 33 64 02                                      | …
  002e  13 88 27 0f 00 0c 00 00                          | UDP 5000 > 9999
  0036  00 00 00 00                                      | 4 bytes of payload
`);

/** MPLS pseudowire (RFC 4448) with a control word: customer Ethernet with VLAN 7 inside. */
const MPLS_PW = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 88 47        | Ethernet, MPLS
  000e  00 01 20 40                                      | label 18
  0012  00 01 01 40                                      | label 16, S=1
  0016  00 00 00 00                                      | PW control word
  001a  40 00 00 00 00 0b 40 00 00 00 00 0a 81 00        | customer Ethernet, 0x8100
  0028  00 07 08 00                                      | VID 7 (inside the PW: not recorded)
  002c  45 00 00 1c 12 34 00 00 40 01 10 8a ac 10 00 01  | IPv4 172.16.0.1 > 172.16.0.2, ICMP
  003c  ac 10 00 02                                      | …
  0040  08 00 00 00 00 01 00 01                          | ICMP echo request
`);

/** PPPoE session carrying IPv4. */
const PPPOE = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 88 64        | Ethernet, PPPoE session
  000e  11 00 00 42 00 1e                                | PPPoE ver 1 type 1, session 0x42, length
  0014  00 21                                            | PPP IPv4
  0016  45 00 00 1c 12 34 00 00 40 11 54 9b 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, UDP
  0026  0a 00 00 02                                      | …
  002a  00 44 00 43 00 08 00 00                          | UDP 68 > 67
`);

test('NULL: AF_INET in either byte order, AF_INET6 as the BSDs number it', () => {
  for (const frame of [NULL_LE, NULL_BE]) {
    assert.equal(flowLine(decodeBytes(frame, LinkType.NULL)), 'ok v4 10.0.0.1:5353 > 10.0.0.2:5353 proto 17');
  }
  assert.equal(flowLine(decodeBytes(NULL_V6_DARWIN, LinkType.NULL)), 'ok v6 ::1:5353 > ::1:5353 proto 17');
  for (const af of [24, 28, 30]) {
    const frame = NULL_V6_DARWIN.slice();
    frame[0] = af;
    assert.equal(decodeBytes(frame, LinkType.NULL).ipVersion, 6, `AF ${af}`);
    frame[0] = 0; frame[3] = af;
    assert.equal(decodeBytes(frame, LinkType.NULL).ipVersion, 6, `AF ${af} big-endian`);
  }
  const other = NULL_LE.slice();
  other[0] = 7;
  assert.equal(decodeBytes(other, LinkType.NULL).status, DecodeStatus.NOT_IP);
  // Some writers put an EtherType in the header (Wireshark's packet-null.c accepts it too).
  const ethertype = NULL_LE.slice();
  ethertype.set([0x0f, 0x00, 0x08, 0x00], 0);
  assert.equal(flowLine(decodeBytes(ethertype, LinkType.NULL)), 'ok v4 10.0.0.1:5353 > 10.0.0.2:5353 proto 17');
});

test('LOOP: address family in network order', () => {
  assert.equal(flowLine(decodeBytes(LOOP_V6, LinkType.LOOP)), 'ok v6 ::1:5353 > ::1:5353 proto 17');
  // The same bytes little-endian are not AF 24 for LOOP.
  const le = LOOP_V6.slice();
  le.set([0x18, 0, 0, 0], 0);
  assert.equal(decodeBytes(le, LinkType.LOOP).status, DecodeStatus.NOT_IP);
});

test('LINUX_SLL and LINUX_SLL2', () => {
  assert.equal(flowLine(decodeBytes(SLL, LinkType.LINUX_SLL)), 'ok v4 10.0.0.1:5353 > 10.0.0.2:5353 proto 17');
  assert.equal(flowLine(decodeBytes(SLL2, LinkType.LINUX_SLL2)), 'ok v6 ::1:5353 > ::1:5353 proto 17');
  const v = decodeBytes(SLL, LinkType.LINUX_SLL);
  assert.equal(v.ethOffset, -1, 'no Ethernet header in a cooked capture');
  assert.equal(v.ipOffset - v.frameOffset, 16);
  for (let cut = 0; cut < 16; cut++) assert.equal(decodeBytes(SLL, LinkType.LINUX_SLL, cut).status, DecodeStatus.TRUNCATED_LINK);
  for (let cut = 0; cut < 20; cut++) assert.equal(decodeBytes(SLL2, LinkType.LINUX_SLL2, cut).status, DecodeStatus.TRUNCATED_LINK);
});

test('raw IP link types: 101, 12 and 14 by version nibble, 228 and 229 fixed', () => {
  for (const lt of [LinkType.RAW, LinkType.RAW_OPENBSD, LinkType.RAW_14, LinkType.IPV4]) {
    assert.equal(flowLine(decodeBytes(RAW_V4, lt)), 'ok v4 10.0.0.1:5353 > 10.0.0.2:5353 proto 17', `link type ${lt}`);
  }
  const v6 = NULL_V6_DARWIN.subarray(4);
  assert.equal(flowLine(decodeBytes(v6, LinkType.RAW)), 'ok v6 ::1:5353 > ::1:5353 proto 17');
  assert.equal(flowLine(decodeBytes(v6, LinkType.IPV6)), 'ok v6 ::1:5353 > ::1:5353 proto 17');
  assert.equal(decodeBytes(v6, LinkType.IPV4).status, DecodeStatus.BAD_IPV4_VERSION);
  assert.equal(decodeBytes(RAW_V4, LinkType.IPV6).status, DecodeStatus.BAD_IPV6_VERSION);
  const bad = RAW_V4.slice();
  bad[0] = 0x55;
  assert.equal(decodeBytes(bad, LinkType.RAW).status, DecodeStatus.BAD_IP_VERSION);
  assert.equal(decodeBytes(RAW_V4, LinkType.RAW, 0).status, DecodeStatus.TRUNCATED_LINK);
});

test('link types we do not decode are UNSUPPORTED_LINKTYPE', () => {
  for (const lt of [160, 127, 105, 9, 50, 104, 2, 65535]) {
    const v = decodeBytes(RAW_V4, lt);
    assert.equal(v.status, DecodeStatus.UNSUPPORTED_LINKTYPE, `link type ${lt}`);
    assert.equal(v.ipVersion, 0);
  }
});

/** An NFLOG frame: header (AF_INET, v0, group 0), an NFULA_PREFIX TLV, then NFULA_PAYLOAD with the packet. */
function nflog(packet: Uint8Array, littleEndian: boolean): Uint8Array {
  const tlv = (type: number, value: Uint8Array): Uint8Array => {
    const length = 4 + value.length;
    const out = new Uint8Array((length + 3) & ~3);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, length, littleEndian);
    dv.setUint16(2, type, littleEndian);
    out.set(value, 4);
    return out;
  };
  const parts = [new Uint8Array([2, 0, 0, 0]), tlv(10, new TextEncoder().encode('weft\0')), tlv(9, packet)];
  const frame = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { frame.set(p, off); off += p.length; }
  return frame;
}

test('NFLOG (239): the packet is found in the NFULA_PAYLOAD TLV, in either host byte order', () => {
  const expected = flowLine(decodeBytes(RAW_V4, LinkType.RAW));
  assert.equal(flowLine(decodeBytes(nflog(RAW_V4, true), LinkType.NFLOG)), expected);
  assert.equal(flowLine(decodeBytes(nflog(RAW_V4, false), LinkType.NFLOG)), expected);
  const cut = nflog(RAW_V4, true);
  assert.equal(decodeBytes(cut, LinkType.NFLOG, 3).status, DecodeStatus.TRUNCATED_LINK);
  assert.equal(decodeBytes(new Uint8Array([2, 0, 0, 0]), LinkType.NFLOG).status, DecodeStatus.NOT_IP);
});

test('802.3/LLC is not IP unless SNAP carries an IP EtherType; ARP is not IP', () => {
  assert.equal(decodeBytes(STP).status, DecodeStatus.NOT_IP);
  assert.equal(decodeBytes(ARP).status, DecodeStatus.NOT_IP);
  assert.equal(decodeBytes(ARP).ethOffset, 7, 'the MAC addresses are still located');
  assert.equal(flowLine(decodeBytes(SNAP_IP)), 'ok v4 10.0.0.1:5353 > 10.0.0.2:5353 proto 17');
  assert.equal(decodeBytes(STP, 1, 16).status, DecodeStatus.TRUNCATED_LINK, 'LLC header cut');
});

test('QinQ with three tags: count, outermost and innermost VLAN id', () => {
  const v = decodeBytes(QINQ3);
  assert.equal(flowLine(v), 'ok v4 10.0.0.1:40000 > 10.0.0.2:80 proto 6');
  assert.equal(v.vlanCount, 3);
  assert.equal(v.vlanOuter, 100);
  assert.equal(v.vlanInner, 300);
  assert.equal(v.tcpFlags, 0x02);
  assert.equal(v.ethOffset, v.frameOffset);
  assert.equal(v.ipOffset - v.frameOffset, 26);
  for (let cut = 14; cut < 26; cut++) assert.equal(decodeBytes(QINQ3, 1, cut).status, DecodeStatus.TRUNCATED_VLAN, `cut ${cut}`);
  // A stack of any depth: 40 tags.
  const deep = new Uint8Array(QINQ3.length + 37 * 4);
  deep.set(QINQ3.subarray(0, 18));
  for (let i = 0; i < 38; i++) deep.set([0, (i + 1) & 0xff, 0x81, 0x00], 18 + i * 4);
  deep.set(QINQ3.subarray(18), 18 + 37 * 4);
  const d = decodeBytes(deep);
  assert.equal(d.status, DecodeStatus.OK);
  assert.equal(d.vlanCount, 40);
  assert.equal(d.vlanOuter, 100);
  assert.equal(d.vlanInner, 300);
  // A single tag is both the outermost and the innermost.
  const one = decodeBytes(dump(`
    0000  02 00 00 00 00 02 02 00 00 00 00 01 81 00  | Ethernet, 802.1Q
    000e  20 2a 08 00                                | PCP 1, VID 42, IPv4
  `));
  assert.deepEqual([one.vlanCount, one.vlanOuter, one.vlanInner, one.status], [1, 42, 42, DecodeStatus.TRUNCATED_IPV4]);
});

test('MPLS label stack up to bottom of stack, then IPv4 by first nibble', () => {
  const v = decodeBytes(MPLS3);
  assert.equal(flowLine(v), 'ok v4 192.0.2.1:5000 > 198.51.100.2:9999 proto 17');
  assert.equal(v.mplsCount, 3);
  assert.equal(v.mplsTopLabel, 100);
  assert.equal(v.payloadLength, 4);
  for (let cut = 14; cut <= 26; cut++) assert.equal(decodeBytes(MPLS3, 1, cut).status, DecodeStatus.TRUNCATED_MPLS, `cut ${cut}`);
  // A payload that is neither IPv4, IPv6 nor a control word is not IP.
  const odd = MPLS3.slice();
  odd[26] = 0x95;
  assert.equal(decodeBytes(odd).status, DecodeStatus.NOT_IP);
});

test('MPLS pseudowire: control word, then customer Ethernet whose VLAN tag is not the outer one', () => {
  const v = decodeBytes(MPLS_PW);
  assert.equal(flowLine(v), 'ok v4 172.16.0.1:0 > 172.16.0.2:0 proto 1');
  assert.deepEqual([v.mplsCount, v.mplsTopLabel], [2, 18]);
  assert.deepEqual([v.vlanCount, v.vlanOuter, v.vlanInner], [0, 0, 0]);
  assert.deepEqual([v.icmpType, v.icmpCode], [8, 0]);
  assert.equal(v.ethOffset, v.frameOffset, 'MACs of the outermost Ethernet');
  assert.equal(v.tunnelDepth, 0, 'a pseudowire is not one of our tunnel types');
});

test('PPPoE session carrying IPv4', () => {
  const v = decodeBytes(PPPOE);
  assert.equal(flowLine(v), 'ok v4 10.0.0.1:68 > 10.0.0.2:67 proto 17');
  assert.equal(src(v), '10.0.0.1');
  assert.equal(dst(v), '10.0.0.2');
  const lcp = PPPOE.slice();
  lcp.set([0xc0, 0x21], 20);
  assert.equal(decodeBytes(lcp).status, DecodeStatus.NOT_IP);
  for (let cut = 14; cut < 22; cut++) assert.equal(decodeBytes(PPPOE, 1, cut).status, DecodeStatus.TRUNCATED_LINK);
});
