/**
 * Every corpus capture, frame by frame, against tshark's truth (corpus/README.md): innermost
 * addresses and protocol, ports, TCP flags, ICMP type/code, fragments, outer VLAN tags, MPLS
 * labels, tunnel type / id / depth and outer addresses. Deliberate differences are listed in
 * ALLOWED with the reason; everything else must agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIp } from '../core/index.js';
import { DECODE_STATUS_NAMES, DecodeStatus, PacketView, TUNNEL_TYPE_NAMES, TunnelType } from '../model/index.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFrames, truthMeta, type TruthFrame } from '../../test/support/corpus.js';
import { readFrames, type Frame } from '../../test/support/pcap-frames.js';
import { decodePacket } from './index.js';

/** A difference we keep on purpose: `fields` of `frames` (1-based, tshark numbering; omitted = all) of `file`. */
interface Allowed {
  file: string;
  frames?: number[];
  fields: string[];
  reason: string;
}

const ALLOWED: Allowed[] = [
  {
    file: 'frag-vlan-syn.pcap',
    frames: [3],
    fields: ['tcp_flags'],
    reason:
      'A SYN split into 8-byte fragments: the first fragment holds only ports and sequence number, so ' +
      'the flags byte is in the second fragment and we never see it (we do not reassemble); tshark ' +
      'shows SYN on the frame that completes reassembly. Ports agree (on our first fragment).',
  },
  {
    file: 'malformed-geneve-truncated.pcapng',
    frames: [1],
    fields: ['status'],
    reason:
      'Geneve whose inner Ethernet header is cut by the capture (58 of 156 bytes): we report the inner ' +
      'reason, TRUNCATED_LINK, with the outer UDP flow left in the view (the addresses and ports tshark shows).',
  },
  {
    file: 'malformed-ipv6-nexthdr.pcap',
    frames: [1],
    fields: ['status'],
    reason:
      'Hop-by-hop announces a routing header the capture does not hold (48 of 262144 bytes): ' +
      'TRUNCATED_IPV6_EXTENSION; tshark shows the fixed header without flagging it.',
  },
  {
    file: 'malformed-tcp-header.pcap',
    frames: [1],
    fields: ['status'],
    reason: '12 of the 20 TCP header bytes captured: TRUNCATED_TCP (the ports tshark shows are in the view too).',
  },
  {
    file: 'malformed-udp-length.pcap',
    frames: [1],
    fields: ['status'],
    reason: '4 of the 8 UDP header bytes captured: TRUNCATED_UDP (the ports tshark shows are in the view too).',
  },
];

/** One disagreement: which field, what tshark says, what we say. */
interface Diff {
  field: string;
  detail: string;
}

/** Fields we check per frame (for the agreement figures). */
const FIELDS = ['status', 'ip', 'ip_proto', 'ports', 'tcp_flags', 'icmp', 'frag', 'vlan', 'mpls', 'tunnel'] as const;

/** What we keep of a first fragment so the frame that completes reassembly in tshark can be checked. */
interface FirstFragment {
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
}

function addr(v: PacketView, which: 'src' | 'dst' | 'outerSrc' | 'outerDst', version: number): string {
  return formatIp(version, v[`${which}0`], v[`${which}1`], v[`${which}2`], v[`${which}3`]);
}

function fragKey(version: number, src: string, dst: string, id: number): string {
  return `${version}|${src}|${dst}|${id}`;
}

/** Tokens of frame.protocols before the first network-layer protocol: the outermost L2. */
const L2_TOKENS = new Set(['eth', 'ethertype', 'vlan', 'ieee8021ad', 'sll', 'null', 'raw', 'llc', 'pppoes', 'ppp']);

function outerVlanTokens(protocols: string): string[] {
  const out: string[] = [];
  for (const t of protocols.split(':')) {
    if (t === 'vlan' || t === 'ieee8021ad') out.push(t);
    else if (!L2_TOKENS.has(t)) break;
  }
  return out;
}

const TUNNEL_TOKENS: Record<string, number> = {
  gre: TunnelType.GRE, erspan: TunnelType.ERSPAN, vxlan: TunnelType.VXLAN, geneve: TunnelType.GENEVE,
};

/** The outermost encapsulation tshark shows around the innermost live IP header. */
function expectedTunnelType(t: TruthFrame): number {
  const tokens = (t.protocols ?? '').split(':');
  let seenIp = false;
  let type: number = TunnelType.NONE;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok === 'ip' || tok === 'ipv6') {
      if (seenIp && type === TunnelType.NONE) type = TunnelType.IPIP;
      if (type !== TunnelType.NONE) return type;
      seenIp = true;
    } else if (seenIp && tok in TUNNEL_TOKENS && type !== TunnelType.ERSPAN) {
      type = TUNNEL_TOKENS[tok] as number;
    } else if (tok === 'icmp' || tok === 'icmpv6') break;
  }
  return type;
}

function compareFrame(v: PacketView, t: TruthFrame, firsts: Map<string, FirstFragment>): Diff[] {
  const d: Diff[] = [];
  const status = DECODE_STATUS_NAMES[v.status];
  const live = (t.ip_layers ?? []).filter((l) => l.in_icmp_error !== true);
  const haveIp = t.ip_version !== undefined && t.ip_src != null && t.ip_dst != null;

  // Status: tshark decoded an IP packet cleanly ⇔ we say OK.
  if (haveIp && t.malformed !== true) {
    if (v.status !== DecodeStatus.OK) d.push({ field: 'status', detail: `tshark decoded IP, we say ${status}` });
  } else if (t.ip_version === undefined) {
    if (v.status === DecodeStatus.OK) d.push({ field: 'status', detail: `tshark found no IP, we say ok` });
  } else if (!haveIp && v.status === DecodeStatus.OK && live.length <= 1) {
    d.push({ field: 'status', detail: `tshark could not read the IP header, we say ok` });
  }

  // Addresses and protocol, also for frames we could not finish (what we read must still be right).
  if (haveIp && v.ipVersion !== 0) {
    const ours = `${v.ipVersion} ${addr(v, 'src', v.ipVersion)} > ${addr(v, 'dst', v.ipVersion)}`;
    const theirs = `${t.ip_version} ${t.ip_src} > ${t.ip_dst}`;
    if (ours !== theirs) d.push({ field: 'ip', detail: `tshark ${theirs}, we ${ours}` });
    else if (t.ip_proto !== undefined && t.ip_proto !== v.ipProto) d.push({ field: 'ip_proto', detail: `tshark ${t.ip_proto}, we ${v.ipProto}` });
  } else if (haveIp && v.status === DecodeStatus.OK) d.push({ field: 'ip', detail: 'tshark has IP, we have none' });
  if (v.status !== DecodeStatus.OK) {
    if (v.ipVersion !== 0 && t.src_port !== undefined && `${v.srcPort} > ${v.dstPort}` !== `${t.src_port} > ${t.dst_port}`) {
      d.push({ field: 'ports', detail: `tshark ${t.src_port} > ${t.dst_port}, we ${v.srcPort} > ${v.dstPort}` });
    }
    return d;
  }

  // Fragments. An atomic IPv6 fragment (offset 0, M = 0) is not a fragment for us.
  const f = t.frag;
  const atomic = f !== undefined && f.v === 6 && f.offset === 0 && !f.mf;
  if (f !== undefined && !atomic) {
    // The truth's offset is tshark's ip.frag_offset / ipv6.fraghdr.offset: 8-byte units (the
    // corpus README says bytes); ours is in bytes.
    const theirs = `${f.id} ${f.mf} ${f.offset * 8}`;
    const ours = v.isFragment ? `${v.fragId} ${v.moreFragments} ${v.fragOffset}` : 'not a fragment';
    if (theirs !== ours) d.push({ field: 'frag', detail: `tshark ${theirs}, we ${ours}` });
  } else if (v.isFragment) {
    d.push({ field: 'frag', detail: `tshark: not a fragment, we ${v.fragId} ${v.moreFragments} ${v.fragOffset}` });
  }
  const key = fragKey(v.ipVersion, addr(v, 'src', v.ipVersion), addr(v, 'dst', v.ipVersion), v.fragId);
  if (v.isFragment && v.fragOffset === 0) {
    firsts.set(key, { srcPort: v.srcPort, dstPort: v.dstPort, tcpFlags: v.tcpFlags, icmpType: v.icmpType, icmpCode: v.icmpCode });
  }
  // tshark puts L4 fields on the frame that completed reassembly; we have them on the first fragment.
  const reassembled = v.isFragment && v.fragOffset !== 0 ? firsts.get(key) : undefined;
  const nonFirst = v.isFragment && v.fragOffset !== 0;
  const firstFrag = v.isFragment && v.fragOffset === 0;

  // Ports
  if (t.src_port !== undefined) {
    const theirs = `${t.src_port} > ${t.dst_port}`;
    if (nonFirst) {
      if (v.srcPort !== 0 || v.dstPort !== 0) d.push({ field: 'ports', detail: `non-first fragment with ports ${v.srcPort} > ${v.dstPort}` });
      if (reassembled === undefined) d.push({ field: 'ports', detail: `tshark ${theirs} on reassembly, first fragment not seen` });
      else if (`${reassembled.srcPort} > ${reassembled.dstPort}` !== theirs) {
        d.push({ field: 'ports', detail: `tshark ${theirs} on reassembly, our first fragment ${reassembled.srcPort} > ${reassembled.dstPort}` });
      }
    } else if (`${v.srcPort} > ${v.dstPort}` !== theirs) d.push({ field: 'ports', detail: `tshark ${theirs}, we ${v.srcPort} > ${v.dstPort}` });
  } else if ((v.srcPort !== 0 || v.dstPort !== 0) && !firstFrag) {
    d.push({ field: 'ports', detail: `tshark none, we ${v.srcPort} > ${v.dstPort}` });
  }

  // TCP flags (tshark's field is 12 bits: the reserved bits and AE/NS are not in the flags byte).
  if (t.tcp_flags !== undefined) {
    const theirs = t.tcp_flags & 0xff;
    const ours = reassembled !== undefined ? reassembled.tcpFlags : v.tcpFlags;
    if (theirs !== ours) d.push({ field: 'tcp_flags', detail: `tshark ${theirs}, we ${ours}` });
  } else if (v.tcpFlags !== 0 && !firstFrag) d.push({ field: 'tcp_flags', detail: `tshark none, we ${v.tcpFlags}` });

  // ICMP
  if (t.icmp_type !== undefined) {
    const theirs = `${t.icmp_type}/${t.icmp_code}`;
    const src = reassembled ?? v;
    if (`${src.icmpType}/${src.icmpCode}` !== theirs) d.push({ field: 'icmp', detail: `tshark ${theirs}, we ${src.icmpType}/${src.icmpCode}` });
  } else if ((v.icmpType !== 0 || v.icmpCode !== 0) && !firstFrag) {
    d.push({ field: 'icmp', detail: `tshark none, we ${v.icmpType}/${v.icmpCode}` });
  }

  // VLAN tags of the outermost L2. tshark lists every 802.1Q id (tunnels included) in vlan_ids but
  // puts 802.1ad S-tags in ieee8021ad.id, which the truth does not carry.
  const tags = outerVlanTokens(t.protocols ?? '');
  if (v.vlanCount !== tags.length) d.push({ field: 'vlan', detail: `tshark ${tags.length} outer tags, we ${v.vlanCount}` });
  else if (tags.length > 0) {
    const ids = t.vlan_ids ?? [];
    let q = 0;
    const known: (number | undefined)[] = tags.map((tok) => (tok === 'vlan' ? ids[q++] : undefined));
    const outer = known[0];
    const inner = known[known.length - 1];
    if (outer !== undefined && outer !== v.vlanOuter) d.push({ field: 'vlan', detail: `tshark outer ${outer}, we ${v.vlanOuter}` });
    if (inner !== undefined && inner !== v.vlanInner) d.push({ field: 'vlan', detail: `tshark inner ${inner}, we ${v.vlanInner}` });
  }

  // MPLS: the outermost stack (before any IP header).
  const tokens = (t.protocols ?? '').split(':');
  const mplsAt = tokens.indexOf('mpls');
  const ipAt = tokens.findIndex((x) => x === 'ip' || x === 'ipv6');
  const labels = t.mpls_labels ?? [];
  if (mplsAt >= 0 && (ipAt < 0 || mplsAt < ipAt)) {
    if (v.mplsTopLabel !== labels[0]) d.push({ field: 'mpls', detail: `tshark top ${labels[0]}, we ${v.mplsTopLabel}` });
    if (tokens.filter((x) => x === 'mpls').length === 1 && v.mplsCount !== labels.length) {
      d.push({ field: 'mpls', detail: `tshark ${labels.length} labels, we ${v.mplsCount}` });
    }
  } else if (v.mplsCount !== 0) d.push({ field: 'mpls', detail: `tshark no outer MPLS, we ${v.mplsCount}` });

  // Tunnels: depth = live IP headers − 1, outer = the first one, type and id from the outermost.
  const depth = live.length > 1 ? live.length - 1 : 0;
  if (v.tunnelDepth !== depth) d.push({ field: 'tunnel', detail: `tshark depth ${depth}, we ${v.tunnelDepth}` });
  if (depth > 0) {
    const o = live[0] as { v: number; src: string; dst: string };
    const ours = `${v.outerIpVersion} ${addr(v, 'outerSrc', v.outerIpVersion)} > ${addr(v, 'outerDst', v.outerIpVersion)}`;
    if (ours !== `${o.v} ${o.src} > ${o.dst}`) d.push({ field: 'tunnel', detail: `tshark outer ${o.v} ${o.src} > ${o.dst}, we ${ours}` });
    const type = expectedTunnelType(t);
    if (v.tunnelType !== type) d.push({ field: 'tunnel', detail: `tshark ${TUNNEL_TYPE_NAMES[type]}, we ${TUNNEL_TYPE_NAMES[v.tunnelType]}` });
    const id = type === TunnelType.VXLAN ? t.vxlan_vni?.[0] : type === TunnelType.GENEVE ? t.geneve_vni?.[0] : undefined;
    if (id !== undefined && id !== v.tunnelId) d.push({ field: 'tunnel', detail: `tshark id ${id}, we ${v.tunnelId}` });
  } else if (v.tunnelType !== TunnelType.NONE) d.push({ field: 'tunnel', detail: `tshark none, we ${TUNNEL_TYPE_NAMES[v.tunnelType]}` });
  return d;
}

function decodeFrame(view: PacketView, f: Frame): void {
  view.bytes = f.bytes;
  view.frameOffset = f.offset;
  view.capturedLength = f.caplen;
  view.wireLength = f.len;
  view.linkType = f.linkType;
  decodePacket(view);
}

function allowed(file: string, frame: number, field: string): Allowed | undefined {
  return ALLOWED.find((a) => a.file === file && a.fields.includes(field) && (a.frames === undefined || a.frames.includes(frame)));
}

test('decodePacket agrees with tshark on every corpus frame', { skip: CORPUS_SKIP }, () => {
  const view = new PacketView();
  let frames = 0;
  let agreeing = 0;
  let checks = 0;
  let checksOk = 0;
  let excused = 0;
  const excusedFrames = new Set<string>();
  const unexpected: string[] = [];
  const usedAllowances = new Set<Allowed>();
  const statusCounts = new Map<string, number>();
  for (const name of corpusNames()) {
    const meta = truthMeta(name);
    let ours: Frame[];
    try {
      ours = readFrames(corpusPcap(name));
    } catch {
      assert.notEqual(meta['tshark_rc'], 0, `${name}: our test reader failed on a file tshark reads`);
      continue;
    }
    if (meta['tshark_rc'] !== 0) {
      // tshark refused the file: nothing to compare, but whatever frames our reader finds decode.
      for (const f of ours) decodeFrame(view, f);
      continue;
    }
    const truth = truthFrames(name).filter((t) => t.non_packet_record !== true);
    assert.equal(ours.length, truth.length, `${name}: frame count`);
    const firsts = new Map<string, FirstFragment>();
    for (let i = 0; i < ours.length; i++) {
      const f = ours[i]!;
      const t = truth[i]!;
      assert.equal(f.caplen, t.caplen, `${name} #${t.frame}: caplen`);
      decodeFrame(view, f);
      const s = DECODE_STATUS_NAMES[view.status] as string;
      statusCounts.set(s, (statusCounts.get(s) ?? 0) + 1);
      frames++;
      const diffs = compareFrame(view, t, firsts);
      checks += FIELDS.length;
      const failed = new Set(diffs.map((x) => x.field));
      checksOk += FIELDS.length - failed.size;
      for (const x of diffs) {
        const a = allowed(name, t.frame, x.field);
        if (a !== undefined) {
          usedAllowances.add(a);
          excused++;
          excusedFrames.add(`${name}#${t.frame}`);
        } else {
          unexpected.push(`${name} #${t.frame} ${x.field}: ${x.detail} [${s}] (${t.protocols})`);
        }
      }
      if (diffs.length === 0) agreeing++;
    }
  }
  const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(2)}%`;
  console.log(
    `corpus vs tshark: ${frames} frames, ${agreeing} agree on every field (${pct(agreeing, frames)}), ` +
      `${excusedFrames.size} frames differ only as documented (${excused} field differences), ` +
      `${unexpected.length} unexpected field differences; field checks ${checksOk}/${checks} (${pct(checksOk, checks)})`,
  );
  for (const a of ALLOWED) console.log(`documented: ${a.file}${a.frames ? ` #${a.frames.join(',')}` : ''} [${a.fields.join(', ')}] ${a.reason}`);
  console.log(`statuses: ${[...statusCounts].map(([k, n]) => `${k}=${n}`).join(' ')}`);
  if (unexpected.length > 0) console.log(unexpected.slice(0, 200).join('\n'));
  assert.equal(unexpected.length, 0, `${unexpected.length} differences from tshark that are not in ALLOWED (listed above)`);
  for (const a of ALLOWED) assert.ok(usedAllowances.has(a), `ALLOWED entry for ${a.file} (${a.fields}) is stale`);
});
