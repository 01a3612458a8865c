/**
 * parseDhcpMessage on every UDP port 67/68 payload of every corpus capture, against tshark's
 * per-frame `dhcp` truth (corpus/README.md): msg_type, xid, client_mac, ciaddr, yiaddr,
 * requested_ip, hostname, server_id. Deliberate differences are listed in ALLOWED with the
 * reason; everything else must agree. On every capture (malformed-* included) the parser may
 * only return a message or throw DhcpParseError.
 *
 * Frame numbers: the n-th packet the reader delivers is tshark's n-th frame that is a packet
 * (tshark 4.0 also numbers pcapng Custom Blocks, `non_packet_record` in the truth).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCaptureFile, type CaptureHandler } from '../../src/capture/index.js';
import { decodePacket } from '../../src/decode/index.js';
import { DhcpParseError, parseDhcpMessage, type DhcpMessage } from '../../src/dpi/dhcp/index.js';
import { DecodeStatus, type PacketView } from '../../src/model/index.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFrames, type TruthDhcp, type TruthFrame } from '../support/corpus.js';

const IPPROTO_UDP = 17;
const DHCP_PORTS = new Set([67, 68]);
const FIELDS = ['msg_type', 'xid', 'client_mac', 'ciaddr', 'yiaddr', 'requested_ip', 'hostname', 'server_id'] as const;
type Field = (typeof FIELDS)[number];
type Fields = Partial<Record<Field, unknown[]>>;

/** A difference we keep on purpose: `fields` of `frames` (tshark numbering) of `file`. */
interface Allowed {
  file: string;
  frames: number[];
  fields: Field[];
  /** What our side must be for the entry to apply (so an entry cannot hide another problem). */
  expect: 'DhcpParseError at the capture cut';
  reason: string;
}

const SNAPLEN_CUT =
  'Captured with a snaplen (caplen 96 / 128 of 314 / 342 bytes): the UDP payload stops inside the 236-byte ' +
  'BOOTP header, so parseDhcpMessage reports a truncated message (DhcpParseError at the cut) and no fields; ' +
  'tshark shows the fixed fields that precede the cut (xid, chaddr, ciaddr, yiaddr).';

const ALLOWED: Allowed[] = [
  {
    file: 'pcapng-be-tsresol-ns.pcapng', frames: [1, 2, 3, 4],
    fields: ['xid', 'client_mac', 'ciaddr', 'yiaddr'], expect: 'DhcpParseError at the capture cut', reason: SNAPLEN_CUT,
  },
  {
    file: 'pcapng-mixed-endian.pcapng', frames: [2, 3, 5, 6, 8, 9],
    fields: ['xid', 'client_mac', 'ciaddr', 'yiaddr'], expect: 'DhcpParseError at the capture cut', reason: SNAPLEN_CUT,
  },
];

/** One port 67/68 UDP payload and what the parser made of it. */
interface Seen {
  packet: number;
  outcome: DhcpMessage | DhcpParseError;
  /** The payload ends where the captured frame ends, before the wire frame did. */
  cutByCapture: boolean;
  payloadEnd: number;
}

interface Scan {
  seen: Seen[];
  /** Anything other than DhcpParseError the parser threw. */
  foreign: string[];
  readError?: string;
}

async function scan(name: string): Promise<Scan> {
  const out: Scan = { seen: [], foreign: [] };
  let packets = 0;
  const handler: CaptureHandler = {
    packet(view: PacketView): void {
      packets++;
      if (decodePacket(view) !== DecodeStatus.OK || view.ipProto !== IPPROTO_UDP) return;
      if (!DHCP_PORTS.has(view.srcPort) && !DHCP_PORTS.has(view.dstPort)) return;
      if (view.isFragment && view.fragOffset !== 0) return;
      const payloadEnd = view.payloadOffset + view.payloadLength;
      let outcome: DhcpMessage | DhcpParseError;
      try {
        outcome = parseDhcpMessage(view.bytes, view.payloadOffset, view.payloadLength);
      } catch (e) {
        if (!(e instanceof DhcpParseError)) {
          out.foreign.push(`packet ${packets}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
          return;
        }
        outcome = e;
      }
      const frameEnd = view.frameOffset + view.capturedLength;
      out.seen.push({ packet: packets, outcome, cutByCapture: view.capturedLength < view.wireLength && payloadEnd === frameEnd, payloadEnd });
    },
    interface(): void {},
    warning(): void {},
  };
  try {
    await readCaptureFile(corpusPcap(name), handler);
  } catch (e) {
    out.readError = e instanceof Error ? e.message : String(e); // the capture's problem, not the parser's
  }
  return out;
}

/** Our message in the truth's shape (tshark field semantics, see the comments). */
function fieldsOf(m: DhcpMessage): Fields {
  const f: Fields = { xid: [m.xid], ciaddr: [m.ciaddr], yiaddr: [m.yiaddr] };
  // dhcp.hw.mac_addr: chaddr when Ethernet, and again the MAC in option 61 when it is of hardware
  // type 1 with 6 address bytes (tshark dissects it with the same field).
  const macs: string[] = [];
  if (m.htype === 1 && m.hlen === 6) macs.push(m.clientMac);
  if (m.clientId !== undefined && m.clientId.length === 14 && m.clientId.startsWith('01')) {
    macs.push(m.clientId.slice(2).replace(/(..)(?!$)/g, '$1:'));
  }
  if (macs.length > 0) f.client_mac = macs;
  if (m.messageType !== undefined) f.msg_type = [m.messageType];
  if (m.requestedIp !== undefined) f.requested_ip = [m.requestedIp];
  if (m.hostname !== undefined) f.hostname = [m.hostname];
  if (m.serverId !== undefined) f.server_id = [m.serverId];
  return f;
}

function truthFields(t: TruthFrame | undefined): Fields {
  const d = t?.['dhcp'] as TruthDhcp | undefined;
  return d ?? {};
}

function allowed(file: string, frame: number, field: Field, s: Seen | undefined): Allowed | undefined {
  const a = ALLOWED.find((x) => x.file === file && x.frames.includes(frame) && x.fields.includes(field));
  if (a === undefined) return undefined;
  const ok = s !== undefined && s.outcome instanceof DhcpParseError && s.cutByCapture && s.outcome.offset === s.payloadEnd;
  return ok ? a : undefined;
}

const totals = { messages: 0, parsed: 0, parseErrors: 0, agree: 0, disagree: 0, allowed: 0 };

/** Captures whose truth names a DHCP field, found by scanning every truth file. */
function hasDhcpTruth(name: string): boolean {
  try {
    return truthFrames(name).some((f) => f['dhcp'] !== undefined);
  } catch {
    return false; // no truth (tshark could not read the file)
  }
}

for (const name of corpusNames()) {
  const withTruth = hasDhcpTruth(name);
  test(`dhcp fields match tshark: ${name}`, { skip: CORPUS_SKIP }, async () => {
    const s = await scan(name);
    assert.deepEqual(s.foreign, [], `${name}: the parser threw something other than DhcpParseError`);
    if (name === 'malformed-bootp.pcap') {
      // tcpdump's bootp_asan.pcap: a BOOTP reply cut by the capture after 48 bytes of payload.
      assert.equal(s.seen.length, 1);
      assert.ok(s.seen[0]!.outcome instanceof DhcpParseError, 'the truncated BOOTP message is a DhcpParseError');
    }
    if (!withTruth && s.seen.length === 0) return;
    const truth = truthFrames(name).filter((f) => f.non_packet_record !== true);
    const ours = new Map(s.seen.map((x) => [x.packet, x]));
    const packets = new Set<number>(s.seen.map((x) => x.packet));
    truth.forEach((t, i) => { if (t['dhcp'] !== undefined) packets.add(i + 1); });
    const problems: string[] = [];
    for (const p of [...packets].sort((a, b) => a - b)) {
      const t = truth[p - 1];
      const frame = t?.frame ?? -p;
      const seen = ours.get(p);
      totals.messages++;
      if (seen?.outcome instanceof DhcpParseError) totals.parseErrors++;
      else if (seen !== undefined) totals.parsed++;
      const got = seen === undefined || seen.outcome instanceof DhcpParseError ? {} : fieldsOf(seen.outcome);
      const want = truthFields(t);
      for (const field of FIELDS) {
        if (got[field] === undefined && want[field] === undefined) continue;
        if (JSON.stringify(got[field]) === JSON.stringify(want[field])) {
          totals.agree++;
          continue;
        }
        totals.disagree++;
        if (allowed(name, frame, field, seen) !== undefined) {
          totals.allowed++;
          continue;
        }
        const why = seen === undefined ? 'no DHCP payload seen' : seen.outcome instanceof DhcpParseError ? seen.outcome.message : '';
        problems.push(`frame ${frame} ${field}: weft ${JSON.stringify(got[field])}, tshark ${JSON.stringify(want[field])} ${why}`);
      }
    }
    assert.deepEqual(problems, [], `${name}: ${problems.length} DHCP fields differ from tshark`);
  });
}

test('dhcp corpus summary', { skip: CORPUS_SKIP }, () => {
  console.log(`dhcp: ${totals.messages} messages, ${totals.agree} fields agree, ${totals.disagree} disagree ` +
    `(${totals.allowed} allow-listed; ${totals.parsed} parsed, ${totals.parseErrors} DhcpParseError)`);
  assert.ok(totals.messages > 0, 'the corpus has DHCP messages');
  assert.equal(totals.disagree, totals.allowed);
});
