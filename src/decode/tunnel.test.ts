/**
 * Tunnels from inline hex fixtures (annotated dumps; each was checked against tshark when
 * written): the flow is the innermost packet's, the outermost encapsulation is recorded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeStatus, TunnelType, TUNNEL_TYPE_NAMES, type PacketView } from '../model/index.js';
import { decodeBytes, flowLine, outerDst, outerSrc, statusName } from '../../test/support/decode-view.js';
import { dump } from '../../test/support/hex.js';
import { MAX_LAYERS, MAX_TUNNELS } from './index.js';

/** GRE with checksum, key and sequence number (RFC 2784/2890) carrying IPv4/UDP. */
const GRE_CKS = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 42 12 34 00 00 40 2f f0 54 cb 00 71 01  | IPv4 203.0.113.1 > 203.0.113.2, GRE
  001e  cb 00 71 02                                      | …
  0022  b0 00 08 00                                      | GRE C|K|S, version 0, IPv4
  0026  c0 5b 00 00                                      | checksum, reserved1
  002a  01 02 03 04                                      | key 0x01020304
  002e  00 00 00 2a                                      | sequence 42
  0032  45 00 00 1e 12 34 00 00 40 11 51 96 0a 01 01 01  | IPv4 10.1.1.1 > 10.2.2.2, UDP
  0042  0a 02 02 02                                      | …
  0046  04 d2 16 2e 00 0a 00 00                          | UDP 1234 > 5678
  004e  68 69                                            | payload
`);

/** ERSPAN type II in GRE (with sequence number), session 0x155, mirroring IPv4/TCP. */
const ERSPAN2 = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 5b 12 34 00 00 40 2f e4 d1 c0 a8 01 0a  | IPv4 192.168.1.10 > 192.168.1.20, GRE
  001e  c0 a8 01 14                                      | …
  0022  10 00 88 be                                      | GRE S, ERSPAN II
  0026  00 00 00 07                                      | sequence 7
  002a  10 05 01 55                                      | ERSPAN ver 1, VLAN 5, session 0x155
  002e  00 00 00 00                                      | reserved, index
  0032  02 00 00 00 00 0d 02 00 00 00 00 0c 08 00        | mirrored Ethernet, IPv4
  0040  45 00 00 29 12 34 00 00 40 06 54 87 0a 09 00 01  | IPv4 10.9.0.1 > 10.9.0.2, TCP
  0050  0a 09 00 02                                      | …
  0054  80 e8 01 bb 00 00 03 e8 00 00 00 00 50 18 ff ff  | TCP 33000 > 443 [PSH ACK]
  0064  00 00 00 00                                      | …
  0068  78                                               | payload
`);

/** ERSPAN type III in GRE with the optional platform sub-header, session 42, mirroring IPv6/UDP. */
const ERSPAN3 = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 6e 12 34 00 00 40 2f 0d 51 ac 1f 01 17  | IPv4 172.31.1.23 > 172.31.1.135, GRE
  001e  ac 1f 01 87                                      | …
  0022  00 00 22 eb                                      | GRE, ERSPAN III
  0026  20 0a 00 2a                                      | ERSPAN ver 2, VLAN 10, session 42
  002a  70 50 7e 55                                      | timestamp
  002e  00 00 00 07                                      | SGT 0, P 0, FT 0 (Ethernet), HW 0, D 0, Gra 3, O=1
  0032  0c 00 00 03 15 f7 42 e8                          | platform sub-header
  003a  02 00 00 00 00 0f 02 00 00 00 00 0e 86 dd        | mirrored Ethernet, IPv6
  0048  60 00 00 00 00 0c 11 40 20 01 0d b8 00 00 00 00  | IPv6 2001:db8::a > 2001:db8::b, UDP
  0058  00 00 00 00 00 00 00 0a 20 01 0d b8 00 00 00 00  | …
  0068  00 00 00 00 00 00 00 0b                          | …
  0070  02 22 02 23 00 0c 00 00                          | UDP 546 > 547
  0078  01 02 03 04                                      | payload
`);

/** VXLAN on the Linux port 8472, VNI 0x123456; the inner frame has its own VLAN tag. */
const VXLAN_8472 = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 5e 12 34 00 00 40 11 83 07 c0 a8 32 01  | IPv4 192.168.50.1 > 192.168.50.2, UDP
  001e  c0 a8 32 02                                      | …
  0022  9c 3f 21 18 00 4a 00 00                          | UDP 39999 > 8472 (Linux VXLAN port)
  002a  08 00 00 00 12 34 56 00                          | VXLAN flags I, VNI 0x123456
  0032  02 00 00 00 00 21 02 00 00 00 00 20 81 00        | inner Ethernet, 0x8100
  0040  00 21 08 00                                      | VID 33 (inner: not recorded)
  0044  45 00 00 28 12 34 00 00 40 06 4f a9 0a f4 01 05  | IPv4 10.244.1.5 > 10.244.2.7, TCP
  0054  0a f4 02 07                                      | …
  0058  c7 38 1f 90 00 00 03 e8 00 00 00 00 50 10 ff ff  | TCP 51000 > 8080 [ACK]
  0068  00 00 00 00                                      | …
`);

/** Geneve over IPv6 with 8 bytes of options, VNI 0xabcdef, inner Ethernet/IPv4/ICMP. */
const GENEVE_OPTS = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 86 dd        | Ethernet, IPv6
  000e  60 00 00 00 00 42 11 40 fd 00 00 00 00 00 00 00  | IPv6 fd00::1 > fd00::2, UDP
  001e  00 00 00 00 00 00 00 01 fd 00 00 00 00 00 00 00  | …
  002e  00 00 00 00 00 00 00 02                          | …
  0036  30 39 17 c1 00 42 00 00                          | UDP 12345 > 6081 (Geneve)
  003e  02 00 65 58 ab cd ef 00                          | Geneve ver 0, opt len 2, Ethernet, VNI 0xabcdef
  0046  01 03 80 01 aa bb cc dd                          | option class 0x0103 type 0x80, 4 bytes
  004e  02 00 00 00 00 31 02 00 00 00 00 30 08 00        | inner Ethernet, IPv4
  005c  45 00 00 1c 12 34 00 00 40 01 a0 2a 64 40 00 01  | IPv4 100.64.0.1 > 100.64.0.2, ICMP
  006c  64 40 00 02                                      | …
  0070  08 00 00 00 00 01 00 01                          | ICMP echo request
`);

/** Geneve carrying IPv4 directly (protocol type 0x0800). */
const GENEVE_IP = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 40 12 34 00 00 40 11 40 77 14 00 00 01  | IPv4 20.0.0.1 > 20.0.0.2, UDP
  001e  14 00 00 02                                      | …
  0022  c3 50 17 c1 00 2c 00 00                          | UDP 50000 > 6081
  002a  00 00 08 00 00 00 4d 00                          | Geneve, no options, IPv4, VNI 77
  0032  45 00 00 1c 12 34 00 00 40 11 54 8b 0a 08 00 01  | IPv4 10.8.0.1 > 10.8.0.2, UDP
  0042  0a 08 00 02                                      | …
  0046  03 e8 07 d0 00 08 00 00                          | UDP 1000 > 2000
`);

/** 6in4 (IPv4 protocol 41, RFC 4213): IPv6/TCP inside IPv4. */
const SIX_IN_FOUR = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 50 12 34 00 00 40 29 13 e7 c6 33 64 01  | IPv4 198.51.100.1 > 198.51.100.2, IPv6
  001e  c6 33 64 02                                      | …
  0022  60 00 00 00 00 14 06 40 20 01 0d b8 00 01 00 00  | IPv6 2001:db8:1::1 > 2001:db8:2::2, TCP
  0032  00 00 00 00 00 00 00 01 20 01 0d b8 00 02 00 00  | …
  0042  00 00 00 00 00 00 00 02                          | …
  004a  04 57 00 16 00 00 03 e8 00 00 00 00 50 02 ff ff  | TCP 1111 > 22 [SYN]
  005a  00 00 00 00                                      | …
`);

/** 4in6 (IPv6 next header 4, RFC 2473): IPv4/UDP inside IPv6. */
const FOUR_IN_SIX = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 86 dd        | Ethernet, IPv6
  000e  60 00 00 00 00 1c 04 40 20 01 0d b8 00 00 00 00  | IPv6 2001:db8::100 > 2001:db8::200, IPv4
  001e  00 00 00 00 00 00 01 00 20 01 0d b8 00 00 00 00  | …
  002e  00 00 00 00 00 00 02 00                          | …
  0036  45 00 00 1c 12 34 00 00 40 11 40 87 0a 0a 0a 01  | IPv4 10.10.10.1 > 10.10.10.2, UDP
  0046  0a 0a 0a 02                                      | …
  004a  03 e7 00 35 00 08 00 00                          | UDP 999 > 53
`);

/** PPTP enhanced GRE (version 1) carrying PPP: metered as the GRE flow itself. */
const PPTP_GRE = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 20 12 34 00 00 40 2f 52 65 0a 01 01 0b  | IPv4 10.1.1.11 > 10.1.1.10, GRE
  001e  0a 01 01 0a                                      | …
  0022  30 01 88 0b 00 04 12 34                          | GRE v1 K, PPP, payload length 4, call id 0x1234
  002a  ff 03 c0 21                                      | PPP LCP
`);

/** GRE with the undefined version 2. */
const GRE_V2 = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 2c 12 34 00 00 40 2f 52 59 0a 01 01 0b  | IPv4, GRE
  001e  0a 01 01 0a                                      | …
  0022  00 02 08 00                                      | GRE version 2 (undefined)
  0026  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  | junk
  0036  00 00 00 00                                      | …
`);

/** UDP to 4789 whose VXLAN I flag is clear: not VXLAN, the outer UDP flow. */
const VXLAN_NO_I = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 32 12 34 00 00 40 11 e7 33 c0 a8 00 01  | IPv4, UDP
  001e  c0 a8 00 02                                      | …
  0022  9c 40 12 b5 00 1e 00 00                          | UDP 40000 > 4789
  002a  00 00 00 00 00 00 64 00                          | VXLAN flags 0 (I clear), VNI 100
  0032  00 00 00 00 00 00 00 00 00 00 00 00 00 00        | junk
`);

/** VXLAN carrying ARP: no inner IP, so the flow is the outer UDP one. */
const VXLAN_ARP = dump(`
  0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
  000e  45 00 00 4e 12 34 00 00 40 11 e7 17 c0 a8 00 01  | IPv4, UDP
  001e  c0 a8 00 02                                      | …
  0022  9c 40 12 b5 00 3a 00 00                          | UDP 40000 > 4789
  002a  08 00 00 00 00 00 64 00                          | VXLAN I, VNI 100
  0032  ff ff ff ff ff ff 02 00 00 00 00 01 08 06        | inner Ethernet broadcast, ARP
  0040  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00  | ARP
  0050  00 01 00 00 00 00 00 00 0a 00 00 02              | …
`);

/** `type id depth outer-src > outer-dst/proto` for compact assertions. */
function tunnelLine(v: PacketView): string {
  return `${TUNNEL_TYPE_NAMES[v.tunnelType]} ${v.tunnelId} ${v.tunnelDepth} ${outerSrc(v)} > ${outerDst(v)}/${v.outerIpProto}`;
}

test('GRE with checksum, key and sequence: key is the tunnel id', () => {
  const v = decodeBytes(GRE_CKS);
  assert.equal(flowLine(v), 'ok v4 10.1.1.1:1234 > 10.2.2.2:5678 proto 17');
  assert.equal(tunnelLine(v), 'gre 16909060 1 203.0.113.1 > 203.0.113.2/47');
  assert.equal(v.payloadLength, 2);
  // Cut inside the GRE header (16 bytes after IPv4 at 34).
  for (let cut = 34; cut < 50; cut++) assert.equal(decodeBytes(GRE_CKS, 1, cut).status, DecodeStatus.TRUNCATED_GRE, `cut ${cut}`);
  // Cut inside the inner packet: the inner reason, and the view still holds the outer GRE flow.
  const inner = decodeBytes(GRE_CKS, 1, 60);
  assert.equal(flowLine(inner), 'truncated_ipv4 v4 203.0.113.1:0 > 203.0.113.2:0 proto 47');
  assert.equal(inner.tunnelDepth, 0);
  assert.equal(decodeBytes(GRE_CKS, 1, 72).status, DecodeStatus.TRUNCATED_UDP);
});

test('GRE routing (RFC 1701 R bit): source route entries are skipped up to the NULL SRE', () => {
  const v = decodeBytes(dump(`
    0000  02 00 00 00 00 02 02 00 00 00 00 01 08 00        | Ethernet, IPv4
    000e  45 00 00 48 00 00 00 00 40 2f 00 00 0a 00 00 01  | IPv4 10.0.0.1 > 10.0.0.2, GRE, total 72
    001e  0a 00 00 02                                      | …
    0022  40 00 08 00                                      | GRE R, IPv4
    0026  00 00 00 00                                      | checksum (absent) + offset
    002a  08 00 00 04 01 02 03 04                          | SRE AF 0x0800, length 4
    0032  00 00 00 00                                      | NULL SRE
    0036  45 00 00 1c 00 00 00 00 40 11 00 00 0a 01 00 01  | IPv4 10.1.0.1 > 10.1.0.2, UDP
    0046  0a 01 00 02                                      | …
    004a  00 07 00 09 00 08 00 00                          | UDP 7 > 9
  `));
  assert.equal(flowLine(v), 'ok v4 10.1.0.1:7 > 10.1.0.2:9 proto 17');
  assert.equal(tunnelLine(v), 'gre 0 1 10.0.0.1 > 10.0.0.2/47');
});

test('ERSPAN type II: session id is the tunnel id, the mirrored frame is the flow', () => {
  const v = decodeBytes(ERSPAN2);
  assert.equal(flowLine(v), 'ok v4 10.9.0.1:33000 > 10.9.0.2:443 proto 6');
  assert.equal(tunnelLine(v), 'erspan 341 1 192.168.1.10 > 192.168.1.20/47');
  assert.deepEqual([v.tcpFlags, v.payloadLength, v.vlanCount], [0x18, 1, 0]);
  assert.equal(v.ethOffset, v.frameOffset, 'MACs are the outermost Ethernet');
  for (let cut = 42; cut < 50; cut++) assert.equal(decodeBytes(ERSPAN2, 1, cut).status, DecodeStatus.TRUNCATED_TUNNEL, `cut ${cut}`);
  // Type I: 0x88BE without a GRE sequence number has no ERSPAN header.
  const t1 = new Uint8Array(ERSPAN2.length - 12);
  t1.set(ERSPAN2.subarray(0, 34));
  t1.set([0x00, 0x00, 0x88, 0xbe], 34);
  t1.set(ERSPAN2.subarray(50), 38);
  t1[16] = 0; t1[17] = t1.length - 14;
  const v1 = decodeBytes(t1);
  assert.equal(flowLine(v1), 'ok v4 10.9.0.1:33000 > 10.9.0.2:443 proto 6');
  assert.equal(tunnelLine(v1), 'erspan 0 1 192.168.1.10 > 192.168.1.20/47');
});

test('ERSPAN type III with the platform sub-header', () => {
  const v = decodeBytes(ERSPAN3);
  assert.equal(flowLine(v), 'ok v6 2001:db8::a:546 > 2001:db8::b:547 proto 17');
  assert.equal(tunnelLine(v), 'erspan 42 1 172.31.1.23 > 172.31.1.135/47');
  for (let cut = 38; cut < 58; cut++) assert.equal(decodeBytes(ERSPAN3, 1, cut).status, DecodeStatus.TRUNCATED_TUNNEL, `cut ${cut}`);
});

test('VXLAN on the Linux port 8472: VNI, inner flow, inner VLAN not recorded', () => {
  const v = decodeBytes(VXLAN_8472);
  assert.equal(flowLine(v), 'ok v4 10.244.1.5:51000 > 10.244.2.7:8080 proto 6');
  assert.equal(tunnelLine(v), 'vxlan 1193046 1 192.168.50.1 > 192.168.50.2/17');
  assert.deepEqual([v.vlanCount, v.tcpFlags], [0, 0x10]);
  // Port 4789 too.
  const iana = VXLAN_8472.slice();
  iana.set([0x12, 0xb5], 36);
  assert.equal(tunnelLine(decodeBytes(iana)), 'vxlan 1193046 1 192.168.50.1 > 192.168.50.2/17');
  for (let cut = 42; cut < 50; cut++) assert.equal(decodeBytes(VXLAN_8472, 1, cut).status, DecodeStatus.TRUNCATED_TUNNEL);
  // Truncated inside the inner packet: the inner reason.
  assert.equal(statusName(decodeBytes(VXLAN_8472, 1, 55)), 'truncated_link');
  assert.equal(statusName(decodeBytes(VXLAN_8472, 1, 66)), 'truncated_vlan');
  assert.equal(statusName(decodeBytes(VXLAN_8472, 1, 80)), 'truncated_ipv4');
  const cut = decodeBytes(VXLAN_8472, 1, 100);
  assert.equal(flowLine(cut), 'truncated_tcp v4 10.244.1.5:51000 > 10.244.2.7:8080 proto 6');
});

test('VXLAN without the I flag, too short for VXLAN, or carrying ARP: the outer UDP flow', () => {
  const noI = decodeBytes(VXLAN_NO_I);
  assert.equal(flowLine(noI), 'ok v4 192.168.0.1:40000 > 192.168.0.2:4789 proto 17');
  assert.equal(noI.tunnelType, TunnelType.NONE);
  // A 4-byte datagram to port 4789 is not VXLAN (the same bytes cut by a snaplen are TRUNCATED_TUNNEL).
  const short = VXLAN_NO_I.slice(0, 46);
  short[17] = 32; short[39] = 12;
  assert.equal(flowLine(decodeBytes(short)), 'ok v4 192.168.0.1:40000 > 192.168.0.2:4789 proto 17');
  assert.equal(decodeBytes(VXLAN_NO_I, 1, 46).status, DecodeStatus.TRUNCATED_TUNNEL);
  const arp = decodeBytes(VXLAN_ARP);
  assert.equal(flowLine(arp), 'ok v4 192.168.0.1:40000 > 192.168.0.2:4789 proto 17');
  assert.deepEqual([arp.tunnelType, arp.tunnelDepth], [TunnelType.NONE, 0]);
});

test('Geneve with options over IPv6, and Geneve carrying IPv4 directly', () => {
  const v = decodeBytes(GENEVE_OPTS);
  assert.equal(flowLine(v), 'ok v4 100.64.0.1:0 > 100.64.0.2:0 proto 1');
  assert.equal(tunnelLine(v), 'geneve 11259375 1 fd00::1 > fd00::2/17');
  assert.deepEqual([v.icmpType, v.icmpCode], [8, 0]);
  for (let cut = 62; cut < 78; cut++) assert.equal(decodeBytes(GENEVE_OPTS, 1, cut).status, DecodeStatus.TRUNCATED_TUNNEL, `cut ${cut}`);
  const ip = decodeBytes(GENEVE_IP);
  assert.equal(flowLine(ip), 'ok v4 10.8.0.1:1000 > 10.8.0.2:2000 proto 17');
  assert.equal(tunnelLine(ip), 'geneve 77 1 20.0.0.1 > 20.0.0.2/17');
  // Version 1 is not the Geneve we know: outer flow.
  const v1 = GENEVE_IP.slice();
  v1[42] = 0x40;
  assert.equal(flowLine(decodeBytes(v1)), 'ok v4 20.0.0.1:50000 > 20.0.0.2:6081 proto 17');
});

test('6in4 and 4in6', () => {
  const a = decodeBytes(SIX_IN_FOUR);
  assert.equal(flowLine(a), 'ok v6 2001:db8:1::1:1111 > 2001:db8:2::2:22 proto 6');
  assert.equal(tunnelLine(a), 'ipip 0 1 198.51.100.1 > 198.51.100.2/41');
  assert.equal(a.outerIpVersion, 4);
  const b = decodeBytes(FOUR_IN_SIX);
  assert.equal(flowLine(b), 'ok v4 10.10.10.1:999 > 10.10.10.2:53 proto 17');
  assert.equal(tunnelLine(b), 'ipip 0 1 2001:db8::100 > 2001:db8::200/4');
  assert.equal(b.outerIpVersion, 6);
  assert.equal(decodeBytes(SIX_IN_FOUR, 1, 60).status, DecodeStatus.TRUNCATED_IPV6);
});

test('PPTP enhanced GRE (version 1) is the GRE flow; other versions are BAD_GRE_VERSION', () => {
  const v = decodeBytes(PPTP_GRE);
  assert.equal(flowLine(v), 'ok v4 10.1.1.11:0 > 10.1.1.10:0 proto 47');
  assert.equal(v.tunnelType, TunnelType.NONE);
  const bad = decodeBytes(GRE_V2);
  assert.equal(flowLine(bad), 'bad_gre_version v4 10.1.1.11:0 > 10.1.1.10:0 proto 47');
});

test('GRE is not entered in a fragment (the inner packet would be cut at the fragment end)', () => {
  const frag = GRE_CKS.slice();
  frag[20] = 0x20; // MF
  const v = decodeBytes(frag);
  assert.equal(flowLine(v), 'ok v4 203.0.113.1:0 > 203.0.113.2:0 proto 47');
  assert.deepEqual([v.isFragment, v.tunnelDepth], [true, 0]);
});

/** IPv4-in-IPv4 nested `n` times around UDP. */
function ipip(n: number): Uint8Array {
  const udpLen = 8;
  const f = new Uint8Array(14 + (n + 1) * 20 + udpLen);
  f.set([0x08, 0x00], 12);
  for (let i = 0; i <= n; i++) {
    const o = 14 + i * 20;
    const total = (n + 1 - i) * 20 + udpLen;
    f.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0, 0, 64, i === n ? 17 : 4, 0, 0, 10, 0, 0, i, 10, 0, 1, i], o);
  }
  f.set([0, 1, 0, 2, 0, 8, 0, 0], 14 + (n + 1) * 20);
  return f;
}

test('every tunnel fixture cut at every length: OK or a truncation, never a throw or a length complaint', () => {
  const all = { GRE_CKS, ERSPAN2, ERSPAN3, VXLAN_8472, GENEVE_OPTS, GENEVE_IP, SIX_IN_FOUR, FOUR_IN_SIX, PPTP_GRE, VXLAN_NO_I, VXLAN_ARP };
  for (const [name, frame] of Object.entries(all)) {
    for (let cut = 0; cut <= frame.length; cut++) {
      const s = statusName(decodeBytes(frame, 1, cut));
      assert.ok(s === 'ok' || s.startsWith('truncated_'), `${name} cut at ${cut}: ${s}`);
    }
    assert.equal(statusName(decodeBytes(frame)), 'ok', name);
  }
});

test('nesting is bounded: MAX_TUNNELS encapsulations, MAX_LAYERS header layers', () => {
  const ok = decodeBytes(ipip(MAX_TUNNELS));
  assert.equal(flowLine(ok), `ok v4 10.0.0.${MAX_TUNNELS}:1 > 10.0.1.${MAX_TUNNELS}:2 proto 17`);
  assert.equal(tunnelLine(ok), `ipip 0 ${MAX_TUNNELS} 10.0.0.0 > 10.0.1.0/4`);
  assert.equal(decodeBytes(ipip(MAX_TUNNELS + 1)).status, DecodeStatus.TOO_MANY_LAYERS);
  // MPLS pseudowires nest Ethernet without being a tunnel type: the layer bound stops them.
  const pw = [0x88, 0x47, 0x00, 0x01, 0x01, 0x40, 0, 0, 0, 0];
  const frame: number[] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
  for (let i = 0; i < MAX_LAYERS; i++) frame.push(...pw, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
  frame.push(0x08, 0x06);
  assert.equal(decodeBytes(Uint8Array.from(frame)).status, DecodeStatus.TOO_MANY_LAYERS);
});
