/**
 * IPv4, IPv6 and L4 from inline hex fixtures (annotated dumps; each was checked against tshark
 * when written): options, lengths, fragments, extension chains, jumbograms, ICMP errors, and a
 * frame cut at every byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECODE_STATUS_NAMES, DecodeStatus } from '../model/index.js';
import { decodeBytes, dst, flowLine, src, statusName } from '../../test/support/decode-view.js';
import { dump } from '../../test/support/hex.js';
import { MAX_IPV6_EXTENSIONS } from './index.js';

/** Ethernet, IPv4, TCP SYN (no options): 54 bytes. */
const TCP_SYN = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 28 12 34 00 00 40 06 e4 7d c0 00 02 0a  | IPv4 192.0.2.10 > 192.0.2.20, TCP
  001e  c0 00 02 14                                      | …
  0022  30 39 00 50 00 00 03 e8 00 00 00 00 50 02 ff ff  | TCP 12345 > 80 [SYN]
  0032  00 00 00 00                                      | …
`);

/** First IPv4 fragment (MF, offset 0) of a TCP SYN: L4 decoded. */
const V4_FRAG_FIRST = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 28 be ef 20 00 40 06 87 de 0a 00 00 01  | IPv4 id 0xbeef, MF, offset 0, TCP
  001e  0a 00 00 02                                      | …
  0022  9c 40 01 bb 00 00 03 e8 00 00 00 00 50 02 ff ff  | TCP 40000 > 443 [SYN]
  0032  00 00 00 00                                      | …
`);

/** A later IPv4 fragment (offset 1480): no L4 header. */
const V4_FRAG_LATER = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 1c be ef 00 b9 40 06 a7 31 0a 00 00 01  | IPv4 id 0xbeef, offset 185 × 8 = 1480, TCP
  001e  0a 00 00 02                                      | …
  0022  50 02 ff ff 00 00 00 00                          | 8 bytes from the middle
`);

/** IPv4 total length 0 (TSO/GSO as seen by a live capture): the captured length is used. */
const V4_TSO = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 00 12 34 00 00 40 06 54 c2 0a 00 00 01  | IPv4 total length 0, TCP
  001e  0a 00 00 02                                      | …
  0022  9c 40 01 bb 00 00 03 e8 00 00 00 00 50 02 ff ff  | TCP 40000 > 443 [SYN]
  0032  00 00 00 00                                      | …
  0036  7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a  | 100 bytes of payload
  0046  7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a  | …
  0056  7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a  | …
  0066  7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a  | …
  0076  7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a  | …
  0086  7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a 7a  | …
  0096  7a 7a 7a 7a                                      | …
`);

/** IPv4 with 8 bytes of options (IHL 7): router alert + NOPs. */
const V4_OPTIONS = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  47 00 00 30 12 34 00 00 40 06 bc 8c 0a 00 00 01  | IPv4 IHL 7, options RA, NOP ×3, EOL
  001e  0a 00 00 02 94 04 00 00 01 01 01 00              | …
  002a  9c 40 01 bb 00 00 03 e8 00 00 00 00 50 02 ff ff  | TCP 40000 > 443 [SYN]
  003a  00 00 00 00                                      | …
`);

/** IPv6 extension chain (hop-by-hop, destination options, SRH, fragment) ending in the first fragment of a UDP datagram. */
const IPV6_CHAIN_FRAG = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 86 dd        | Ethernet, IPv6
  000e  60 00 00 00 00 48 00 40 20 01 0d b8 00 00 00 00  | IPv6 2001:db8::1 > 2001:db8::2, hop-by-hop
  001e  00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00  | …
  002e  00 00 00 00 00 00 00 02                          | …
  0036  3c 00 01 04 00 00 00 00                          | hop-by-hop, PadN, next 60
  003e  2b 00 01 04 00 00 00 00                          | destination options, PadN, next 43
  0046  2c 02 04 00 00 00 00 00                          | routing type 4 (SRH), next 44
  004e  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 99  | segment 2001:db8::99
  005e  11 00 00 01 de ad be ef                          | fragment offset 0, M=1, id 0xdeadbeef, next 17
  0066  1b 58 1b 59 0b c0 00 00                          | UDP 7000 > 7001, length 3008 (the whole datagram)
  006e  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  | first 16 bytes of the datagram
`);

/** The last fragment (offset 1448) of that datagram: no L4 header. */
const IPV6_FRAG_LAST = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 86 dd        | Ethernet, IPv6
  000e  60 00 00 00 00 18 2c 40 20 01 0d b8 00 00 00 00  | IPv6 2001:db8::1 > 2001:db8::2, fragment
  001e  00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00  | …
  002e  00 00 00 00 00 00 00 02                          | …
  0036  11 00 05 a8 de ad be ef                          | fragment offset 1448, M=0, id 0xdeadbeef, next 17
  003e  ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab  | 16 bytes from the middle of the datagram
`);

/** IPv6 with AH (length in 4-byte units + 2) then ESP, which ends the chain. */
const IPV6_AH_ESP = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 86 dd        | Ethernet, IPv6
  000e  60 00 00 00 00 30 33 40 20 01 0d b8 00 00 00 00  | IPv6, AH
  001e  00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00  | …
  002e  00 00 00 00 00 00 00 02                          | …
  0036  32 04 00 00 00 00 10 00 00 00 00 01              | AH next 50, length 4 → 24 bytes, SPI 0x1000, seq 1
  0042  11 11 11 11 11 11 11 11 11 11 11 11              | ICV
  004e  00 00 20 00 00 00 00 01                          | ESP SPI 0x2000, seq 1
  0056  22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22  | encrypted
`);

/** IPv6 jumbogram (RFC 2675): payload length 0, Jumbo Payload option 70000, UDP length 0; cut by a snaplen. */
const JUMBOGRAM = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 86 dd        | Ethernet, IPv6
  000e  60 00 00 00 00 00 00 40 20 01 0d b8 00 00 00 00  | IPv6, payload length 0, hop-by-hop
  001e  00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00  | …
  002e  00 00 00 00 00 00 00 02                          | …
  0036  11 00 c2 04 00 01 11 70                          | hop-by-hop: Jumbo Payload 70000, next 17
  003e  23 28 23 29 00 00 00 00                          | UDP 9000 > 9001, length 0 (RFC 2675 §4)
  0046  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  | first 18 bytes of the payload (snaplen)
  0056  00 00                                            | …
`);

/** ICMP port unreachable quoting a UDP datagram: the flow is the ICMP one. */
const ICMP_ERROR = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 38 12 34 00 00 40 01 e4 d9 c0 a8 01 66  | IPv4 192.168.1.102 > 192.168.1.1, ICMP
  001e  c0 a8 01 01                                      | …
  0022  03 03 00 00 00 00 00 00                          | ICMP destination unreachable, port unreachable
  002a  45 00 00 1c 12 34 00 00 40 11 e4 e5 c0 a8 01 01  | quoted IPv4 192.168.1.1 > 192.168.1.102, UDP
  003a  c0 a8 01 66                                      | …
  003e  00 35 80 e8 00 08 00 00                          | quoted UDP 53 > 33000
`);

/** A copy of `frame` changed by `edit` (checksums are not verified by the decoder). */
function edited(frame: Uint8Array, edit: (f: Uint8Array) => void): Uint8Array {
  const copy = frame.slice();
  edit(copy);
  return copy;
}

test('Ethernet/IPv4/TCP cut at every length: the truncation is named by the layer it hits', () => {
  assert.equal(TCP_SYN.length, 54);
  for (let cut = 0; cut <= TCP_SYN.length; cut++) {
    const v = decodeBytes(TCP_SYN, 1, cut);
    const expected = cut < 14 ? 'truncated_link' : cut < 34 ? 'truncated_ipv4' : cut < 54 ? 'truncated_tcp' : 'ok';
    assert.equal(statusName(v), expected, `cut at ${cut}`);
    assert.ok(v.payloadOffset + v.payloadLength <= v.frameOffset + cut || v.payloadLength === 0, `payload within the capture at ${cut}`);
    if (cut >= 38) assert.deepEqual([v.srcPort, v.dstPort], [12345, 80], 'ports are kept once read');
  }
  const v = decodeBytes(TCP_SYN);
  assert.equal(flowLine(v), 'ok v4 192.0.2.10:12345 > 192.0.2.20:80 proto 6');
  assert.deepEqual([v.tcpFlags, v.ttl, v.ipLength, v.payloadLength, v.l4Offset - v.frameOffset], [0x02, 64, 40, 0, 34]);
});

test('IPv4 header checks: version, IHL, total length', () => {
  assert.equal(decodeBytes(edited(TCP_SYN, (f) => { f[14] = 0x65; })).status, DecodeStatus.BAD_IPV4_VERSION);
  assert.equal(decodeBytes(edited(TCP_SYN, (f) => { f[14] = 0x44; })).status, DecodeStatus.BAD_IPV4_HEADER_LENGTH);
  // Total length 19 < IHL × 4 = 20.
  assert.equal(decodeBytes(edited(TCP_SYN, (f) => { f[17] = 19; })).status, DecodeStatus.BAD_IPV4_TOTAL_LENGTH);
  // IHL 15 (60 bytes) with only 40 captured after the Ethernet header.
  assert.equal(decodeBytes(edited(TCP_SYN, (f) => { f[14] = 0x4f; })).status, DecodeStatus.TRUNCATED_IPV4);
  // Total length beyond the capture is a snaplen: fine, and ipLength keeps the header's value.
  const big = decodeBytes(edited(TCP_SYN, (f) => { f[16] = 0x05; f[17] = 0xdc; }));
  assert.equal(big.status, DecodeStatus.OK);
  assert.equal(big.ipLength, 1500);
  // Ethernet padding after a short datagram is not payload.
  const padded = new Uint8Array(64);
  padded.set(TCP_SYN);
  const p = decodeBytes(padded);
  assert.deepEqual([p.status, p.ipLength, p.payloadLength], [DecodeStatus.OK, 40, 0]);
});

test('IPv4 options are skipped via IHL', () => {
  const v = decodeBytes(V4_OPTIONS);
  assert.equal(flowLine(v), 'ok v4 10.0.0.1:40000 > 10.0.0.2:443 proto 6');
  assert.equal(v.l4Offset - v.ipOffset, 28);
});

test('IPv4 total length 0 (TSO/GSO): the captured length is used', () => {
  const v = decodeBytes(V4_TSO);
  assert.equal(flowLine(v), 'ok v4 10.0.0.1:40000 > 10.0.0.2:443 proto 6');
  assert.equal(v.ipLength, 20 + 20 + 100);
  assert.equal(v.payloadLength, 100);
});

test('IPv4 fragments: the first decodes L4, later ones keep ports at 0', () => {
  const first = decodeBytes(V4_FRAG_FIRST);
  assert.equal(flowLine(first), 'ok v4 10.0.0.1:40000 > 10.0.0.2:443 proto 6');
  assert.deepEqual([first.isFragment, first.fragOffset, first.moreFragments, first.fragId, first.tcpFlags], [true, 0, true, 0xbeef, 2]);
  const later = decodeBytes(V4_FRAG_LATER);
  assert.equal(flowLine(later), 'ok v4 10.0.0.1:0 > 10.0.0.2:0 proto 6');
  assert.deepEqual([later.isFragment, later.fragOffset, later.moreFragments, later.fragId, later.tcpFlags], [true, 1480, false, 0xbeef, 0]);
  assert.equal(later.payloadLength, 8);
  // A tiny first fragment (8 bytes of TCP, as in the corpus's frag-vlan-syn) is legal IP: the
  // ports are kept, the flags are beyond the fragment, and the status is OK.
  const tiny = decodeBytes(edited(V4_FRAG_FIRST.subarray(0, 42), (f) => { f[17] = 28; }));
  assert.equal(flowLine(tiny), 'ok v4 10.0.0.1:40000 > 10.0.0.2:443 proto 6');
  assert.equal(tiny.tcpFlags, 0);
  // The same 8 bytes cut by a snaplen instead are a truncation.
  assert.equal(decodeBytes(V4_FRAG_FIRST, 1, 42).status, DecodeStatus.TRUNCATED_TCP);
});

test('TCP data offset: below 5 or beyond the IP payload is malformed, options cut by a snaplen are fine', () => {
  assert.equal(decodeBytes(edited(TCP_SYN, (f) => { f[46] = 0x40; })).status, DecodeStatus.BAD_TCP_HEADER_LENGTH);
  assert.equal(decodeBytes(edited(TCP_SYN, (f) => { f[46] = 0x60; })).status, DecodeStatus.BAD_TCP_HEADER_LENGTH);
  // Data offset 6 and total length 44, with only 54 bytes captured: the option word is past the snaplen.
  const v = decodeBytes(edited(TCP_SYN, (f) => { f[46] = 0x60; f[17] = 44; }));
  assert.deepEqual([v.status, v.srcPort, v.tcpFlags, v.payloadLength], [DecodeStatus.OK, 12345, 2, 0]);
});

test('UDP length sanity', () => {
  const udp = dump(`
    0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00  | Ethernet, IPv4
    000e  45 00 00 20 00 01 00 00 40 11 00 00 0a 00  | IPv4, total length 32, UDP
    001c  00 01 0a 00 00 02                          | …
    0022  13 88 00 35 00 0c 00 00                    | UDP 5000 > 53, length 12
    002a  00 00 00 00                                | 4 bytes
  `);
  const ok = decodeBytes(udp);
  assert.equal(flowLine(ok), 'ok v4 10.0.0.1:5000 > 10.0.0.2:53 proto 17');
  assert.equal(ok.payloadLength, 4);
  for (const len of [0, 1, 7, 13, 0xffff]) {
    const v = decodeBytes(edited(udp, (f) => { f[38] = len >> 8; f[39] = len & 0xff; }));
    assert.equal(v.status, DecodeStatus.BAD_UDP_LENGTH, `UDP length ${len}`);
    assert.deepEqual([v.srcPort, v.dstPort], [5000, 53], 'ports are still filled');
  }
  // Length shorter than the IP payload bounds the datagram.
  const short = decodeBytes(edited(udp, (f) => { f[39] = 10; }));
  assert.deepEqual([short.status, short.payloadLength], [DecodeStatus.OK, 2]);
  for (let cut = 34; cut < 42; cut++) assert.equal(decodeBytes(udp, 1, cut).status, DecodeStatus.TRUNCATED_UDP);
});

test('SCTP: ports from the common header', () => {
  const sctp = dump(`
    0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
    000e  45 00 00 30 00 01 00 00 40 84 00 00 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, SCTP (132), total 48
    001e  0a 00 00 02                                      | …
    0022  0b 59 0b 59 00 00 00 00 00 00 00 00              | SCTP 2905 > 2905, vtag 0, checksum
    002e  01 00 00 10 00 00 00 01 00 01 00 00 00 0a 00 0a  | INIT chunk
  `);
  const v = decodeBytes(sctp);
  assert.equal(flowLine(v), 'ok v4 10.0.0.1:2905 > 10.0.0.2:2905 proto 132');
  assert.equal(v.payloadLength, 16);
  for (let cut = 34; cut < 46; cut++) assert.equal(decodeBytes(sctp, 1, cut).status, DecodeStatus.TRUNCATED_SCTP);
  // Other protocols (here OSPF, 89): addresses and protocol, no ports.
  const ospf = sctp.slice(0, 34 + 12);
  ospf[23] = 89; ospf[17] = 32;
  assert.equal(flowLine(decodeBytes(ospf)), 'ok v4 10.0.0.1:0 > 10.0.0.2:0 proto 89');
});

test('ICMP error: type/code of the error, addresses of the outer packet, no quoted ports', () => {
  const v = decodeBytes(ICMP_ERROR);
  assert.equal(flowLine(v), 'ok v4 192.168.1.102:0 > 192.168.1.1:0 proto 1');
  assert.deepEqual([v.icmpType, v.icmpCode, v.tunnelDepth], [3, 3, 0]);
  for (let cut = 34; cut < 42; cut++) assert.equal(decodeBytes(ICMP_ERROR, 1, cut).status, DecodeStatus.TRUNCATED_ICMP);
});

test('IPv6 extension chain ending in a first fragment: L4 decoded, fragment fields set', () => {
  const v = decodeBytes(IPV6_CHAIN_FRAG);
  assert.equal(flowLine(v), 'ok v6 2001:db8::1:7000 > 2001:db8::2:7001 proto 17');
  assert.deepEqual([v.isFragment, v.fragOffset, v.moreFragments, v.fragId], [true, 0, true, 0xdeadbeef]);
  assert.equal(dst(v), '2001:db8::2', 'the fixed-header destination, not the SRH segment');
  assert.equal(v.l4Offset - v.ipOffset, 40 + 8 + 8 + 24 + 8);
  // Every cut inside the chain is TRUNCATED_IPV6_EXTENSION, inside UDP TRUNCATED_UDP.
  for (let cut = 54; cut < IPV6_CHAIN_FRAG.length; cut++) {
    const s = statusName(decodeBytes(IPV6_CHAIN_FRAG, 1, cut));
    const want = cut < 54 + 48 ? 'truncated_ipv6_extension' : cut < 54 + 48 + 8 ? 'truncated_udp' : 'ok';
    assert.equal(s, want, `cut at ${cut}`);
  }
  const later = decodeBytes(IPV6_FRAG_LAST);
  assert.equal(flowLine(later), 'ok v6 2001:db8::1:0 > 2001:db8::2:0 proto 17');
  assert.deepEqual([later.isFragment, later.fragOffset, later.moreFragments, later.fragId], [true, 1448, false, 0xdeadbeef]);
});

test('IPv6 atomic fragment (offset 0, M = 0) is not a fragment and decodes L4', () => {
  // IPV6_CHAIN_FRAG with M cleared; the UDP length must now fit this packet (it is the whole datagram).
  const atomic = edited(IPV6_CHAIN_FRAG, (f) => { f[14 + 40 + 8 + 8 + 24 + 3] = 0; });
  assert.equal(decodeBytes(atomic).status, DecodeStatus.BAD_UDP_LENGTH);
  const v = decodeBytes(edited(atomic, (f) => { f[106] = 0; f[107] = 24; }));
  assert.equal(flowLine(v), 'ok v6 2001:db8::1:7000 > 2001:db8::2:7001 proto 17');
  assert.equal(v.isFragment, false);
});

test('IPv6 AH is walked (length in 4-byte units + 2), ESP ends the chain', () => {
  const v = decodeBytes(IPV6_AH_ESP);
  assert.equal(flowLine(v), 'ok v6 2001:db8::1:0 > 2001:db8::2:0 proto 50');
  assert.equal(v.l4Offset - v.ipOffset, 40 + 24);
});

test('IPv6 chains are bounded: TOO_MANY_IPV6_EXTENSIONS', () => {
  const build = (n: number): Uint8Array => {
    const f = new Uint8Array(14 + 40 + n * 8 + 8);
    f.set([0x86, 0xdd], 12);
    f.set([0x60, 0, 0, 0, 0, 0, 60, 64], 14);
    const plen = n * 8 + 8;
    f[18] = plen >> 8; f[19] = plen & 0xff;
    for (let i = 0; i < n; i++) f[54 + i * 8] = i === n - 1 ? 17 : 60; // destination options, then UDP
    f.set([0x13, 0x88, 0x00, 0x35, 0x00, 0x08], 54 + n * 8);
    return f;
  };
  assert.equal(flowLine(decodeBytes(build(MAX_IPV6_EXTENSIONS))), 'ok v6 :::5000 > :::53 proto 17');
  assert.equal(decodeBytes(build(MAX_IPV6_EXTENSIONS + 1)).status, DecodeStatus.TOO_MANY_IPV6_EXTENSIONS);
});

test('IPv6 payload length: shorter than the chain is malformed, longer than the capture is a snaplen', () => {
  // Payload length 8 while the chain needs 8 + 8 + 24 + 8 bytes before UDP (the frame holds them all).
  const lie = edited(IPV6_CHAIN_FRAG, (f) => { f[18] = 0; f[19] = 8; });
  assert.equal(decodeBytes(lie).status, DecodeStatus.BAD_IPV6_PAYLOAD_LENGTH);
  assert.equal(decodeBytes(IPV6_CHAIN_FRAG, 1, 60).status, DecodeStatus.TRUNCATED_IPV6_EXTENSION);
  for (let cut = 14; cut < 54; cut++) assert.equal(decodeBytes(IPV6_CHAIN_FRAG, 1, cut).status, DecodeStatus.TRUNCATED_IPV6);
  assert.equal(decodeBytes(edited(IPV6_CHAIN_FRAG, (f) => { f[14] = 0x40; })).status, DecodeStatus.BAD_IPV6_VERSION);
});

test('IPv6 jumbogram: payload length 0 + Jumbo Payload option gives ipLength 40 + jumbo', () => {
  const v = decodeBytes(JUMBOGRAM);
  assert.equal(flowLine(v), 'ok v6 2001:db8::1:9000 > 2001:db8::2:9001 proto 17');
  assert.equal(v.ipLength, 40 + 70000);
  assert.equal(v.payloadLength, 18);
  assert.equal(src(v), '2001:db8::1');
  // Without the option, payload length 0 means "use the captured length" (TSO / BIG TCP).
  const noJumbo = decodeBytes(edited(JUMBOGRAM, (f) => { f[56] = 0x01; f[57] = 0x04; }));
  assert.deepEqual([noJumbo.status, noJumbo.ipLength], [DecodeStatus.OK, JUMBOGRAM.length - 14]);
});

test('every status name is distinct and dense', () => {
  const values = Object.values(DecodeStatus);
  assert.deepEqual(values, values.map((_, i) => i));
  assert.equal(new Set(DECODE_STATUS_NAMES).size, values.length);
});
