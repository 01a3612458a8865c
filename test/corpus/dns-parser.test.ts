/**
 * parseDnsMessage against tshark, message by message, on every corpus capture whose truth has live
 * `dns` fields: id, QR, question names and types, rcode (responses), answer count, and the A / AAAA /
 * CNAME values (tshark lists them per frame over all messages and all sections, in order).
 *
 * The parser is fed what tshark dissected: UDP payloads (IP fragments put back together here, as
 * tshark does, so the frame that completes a datagram carries its message), and DNS-over-TCP
 * messages cut from each direction's reassembled stream by DnsTcpFramer, attributed to the frame
 * that delivered their last byte. Differences we accept are in ALLOWED with the reason; anything
 * else fails. Every UDP payload and every framed TCP message of every capture — malformed-* too —
 * must parse or throw DnsParseError, nothing else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCaptureFile } from '../../src/capture/index.js';
import { CaptureFormatError, formatIp } from '../../src/core/index.js';
import { decodePacket } from '../../src/decode/index.js';
import { DnsParseError, DnsTcpFramer, DnsType, parseDnsMessage, type DnsMessage } from '../../src/dpi/dns/index.js';
import { DecodeStatus, type PacketView } from '../../src/model/index.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFrames, type TruthDns, type TruthFrame } from '../support/corpus.js';
import { tcpStreams } from '../support/tcp-streams.js';

/** A difference we keep on purpose: `field` of `frame` of `file`, with the reason. */
interface Allowed {
  file: string;
  frame: number;
  field: string;
  reason: string;
}

// Empty: every field of every message agrees. Add entries only with a reason (e.g. a tshark 4.0 limitation).
const ALLOWED: Allowed[] = [];

/** Ports tshark dissects as DNS (dns, mdns, llmnr). */
const DNS_PORTS = new Set([53, 5353, 5355]);

/** Per tshark frame number: the outcome of every DNS message the frame completed, in order. */
type Found = Map<number, (DnsMessage | DnsParseError)[]>;

/** parseDnsMessage, allowing only DnsParseError to come out. */
function attempt(bytes: Uint8Array, offset: number, length: number, where: string): DnsMessage | DnsParseError {
  try {
    return parseDnsMessage(bytes, offset, length);
  } catch (e) {
    if (e instanceof DnsParseError) return e;
    throw new Error(`${where}: parseDnsMessage threw ${String(e)}`, { cause: e });
  }
}

function add(found: Found, frame: number, m: DnsMessage | DnsParseError): void {
  const list = found.get(frame);
  if (list === undefined) found.set(frame, [m]);
  else list.push(m);
}

/** IP fragments of one datagram (by version, addresses, id), until the last one arrives. */
interface Datagram {
  pieces: { off: number; data: Uint8Array }[];
  total: number;
}

/** Returns the whole IP payload once every fragment has been seen (tshark's reassembly, simply). */
function reassemble(pending: Map<string, Datagram>, v: PacketView): Uint8Array | undefined {
  const key = `${v.ipVersion}|${formatIp(v.ipVersion, v.src0, v.src1, v.src2, v.src3)}|` +
    `${formatIp(v.ipVersion, v.dst0, v.dst1, v.dst2, v.dst3)}|${v.fragId}`;
  const d = pending.get(key) ?? { pieces: [], total: -1 };
  pending.set(key, d);
  // The first fragment's L4 header was decoded: its piece starts at the UDP header.
  const start = v.fragOffset === 0 ? v.l4Offset : v.payloadOffset;
  const data = v.bytes.slice(start, v.payloadOffset + v.payloadLength);
  d.pieces.push({ off: v.fragOffset, data });
  if (!v.moreFragments) d.total = v.fragOffset + data.length;
  if (d.total < 0) return undefined;
  const out = new Uint8Array(d.total);
  const have = new Uint8Array(d.total);
  for (const p of d.pieces) {
    const n = Math.min(p.data.length, d.total - p.off);
    if (n <= 0) continue;
    out.set(p.data.subarray(0, n), p.off);
    have.fill(1, p.off, p.off + n);
  }
  if (have.includes(0)) return undefined;
  pending.delete(key);
  return out;
}

/** tshark frame numbers of the capture's packets (tshark 4.0 also numbers pcapng Custom Blocks). */
function packetFrameNumbers(truth: TruthFrame[]): number[] {
  return truth.filter((t) => t.non_packet_record !== true).map((t) => t.frame);
}

/** Every UDP payload on a DNS port (or in a frame where tshark saw DNS) → messages per frame. */
async function udpMessages(name: string, truth: TruthFrame[]): Promise<{ found: Found; udpPayloads: number }> {
  const frames = packetFrameNumbers(truth);
  const truthDns = new Set(truth.filter((t) => t['dns'] !== undefined).map((t) => t.frame));
  const found: Found = new Map();
  const pending = new Map<string, Datagram>();
  let k = 0;
  let udpPayloads = 0;
  try {
    await readCaptureFile(corpusPcap(name), {
      packet(view: PacketView) {
        const frame = frames[k++] ?? k;
        if (decodePacket(view) !== DecodeStatus.OK || view.ipProto !== 17) return;
        let bytes = view.bytes;
        let off = view.payloadOffset;
        let len = view.payloadLength;
        let sport = view.srcPort;
        let dport = view.dstPort;
        if (view.isFragment) {
          const dgram = reassemble(pending, view);
          if (dgram === undefined || dgram.length < 8) return;
          sport = (dgram[0]! << 8) | dgram[1]!;
          dport = (dgram[2]! << 8) | dgram[3]!;
          const udpLength = (dgram[4]! << 8) | dgram[5]!;
          bytes = dgram;
          off = 8;
          len = Math.min(udpLength, dgram.length) - 8;
          if (len < 0) return;
        }
        udpPayloads++;
        const where = `${name} frame ${frame}`;
        const m = attempt(bytes, off, len, where);
        if (DNS_PORTS.has(sport) || DNS_PORTS.has(dport) || truthDns.has(frame)) add(found, frame, m);
      },
      interface() {},
      warning() {},
      progress() {},
      interfaceStats() {},
    });
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e; // unreadable malformed-* captures: nothing to parse
  }
  return { found, udpPayloads };
}

/** DNS over TCP: every stream framed; messages of DNS-port streams attributed to frames. */
async function tcpMessages(name: string, truth: TruthFrame[], found: Found): Promise<number> {
  let streams;
  try {
    streams = await tcpStreams(corpusPcap(name));
  } catch (e) {
    if (e instanceof CaptureFormatError) return 0;
    throw e;
  }
  // tcp-streams numbers packets; map them to tshark's frame numbers.
  const frames = packetFrameNumbers(truth);
  let messages = 0;
  for (const s of streams) {
    const dnsPort = DNS_PORTS.has(s.serverPort) || DNS_PORTS.has(s.clientPort);
    for (const side of [s.client, s.server]) {
      const framer = new DnsTcpFramer();
      framer.push(side.bytes, 0, side.bytes.length, (bytes, offset, length) => {
        messages++;
        const end = offset + length; // in the stream (whole messages come back in place)
        const m = attempt(bytes, offset, length, `${name} tcp ${s.clientIp}:${s.clientPort}`);
        if (!dnsPort) return;
        // A message gathered across pushes comes back in the framer's buffer; here there is one push,
        // so `bytes` is the stream itself and `end` a stream offset.
        assert.equal(bytes, side.bytes);
        const piece = side.frames.find((f) => f.end >= end);
        const packet = piece?.frame ?? 0;
        add(found, frames[packet - 1] ?? packet, m);
      });
    }
  }
  return messages;
}

/** Our root name is "."; tshark prints "<Root>". */
function tsharkName(name: string): string {
  return name === '.' ? '<Root>' : name;
}

interface Tally {
  messages: number;
  agree: number;
  disagree: number;
  allowed: number;
  failures: string[];
}

/** Compares one list field; each position is one field compared. */
function compareList(t: Tally, where: string, field: string, theirs: readonly unknown[], ours: readonly unknown[],
  allowed: (field: string) => boolean): void {
  const n = Math.max(theirs.length, ours.length);
  for (let i = 0; i < n; i++) {
    if (i < theirs.length && i < ours.length && theirs[i] === ours[i]) {
      t.agree++;
      continue;
    }
    t.disagree++;
    if (allowed(field)) {
      t.allowed++;
      continue;
    }
    t.failures.push(`${where} ${field}[${i}]: tshark ${JSON.stringify(theirs[i])}, we ${JSON.stringify(ours[i])}`);
  }
}

function compareFrame(t: Tally, name: string, frame: TruthFrame, dns: TruthDns, got: (DnsMessage | DnsParseError)[]): void {
  const where = `${name} frame ${frame.frame}:`;
  const allowed = (field: string): boolean => ALLOWED.some((a) => a.file === name && a.frame === frame.frame && a.field === field);
  const errors = got.filter((m): m is DnsParseError => m instanceof DnsParseError);
  const msgs = got.filter((m): m is DnsMessage => !(m instanceof DnsParseError));
  for (const e of errors) {
    t.disagree++;
    if (allowed('parse')) t.allowed++;
    else t.failures.push(`${where} tshark decoded DNS, we threw ${e.message}`);
  }
  t.messages += msgs.length;
  compareList(t, where, 'id', dns.id, msgs.map((m) => m.id), allowed);
  compareList(t, where, 'response', dns.response, msgs.map((m) => (m.qr ? 1 : 0)), allowed);
  compareList(t, where, 'qry_name', dns.qry_name ?? [], msgs.flatMap((m) => m.questions.map((q) => tsharkName(q.name))), allowed);
  compareList(t, where, 'qry_type', dns.qry_type ?? [], msgs.flatMap((m) => m.questions.map((q) => q.type)), allowed);
  // tshark shows dns.flags.rcode on responses only.
  compareList(t, where, 'rcode', dns.rcode ?? [], msgs.filter((m) => m.qr).map((m) => m.rcode), allowed);
  compareList(t, where, 'answers', dns.answers ?? [], msgs.map((m) => m.answerCount), allowed);
  const records = msgs.flatMap((m) => [...m.answers, ...m.authorities, ...m.additionals]);
  compareList(t, where, 'a', dns.a ?? [], records.filter((r) => r.type === DnsType.A).map((r) => r.data), allowed);
  compareList(t, where, 'aaaa', dns.aaaa ?? [], records.filter((r) => r.type === DnsType.AAAA).map((r) => r.data), allowed);
  compareList(t, where, 'cname', dns.cname ?? [], records.filter((r) => r.type === DnsType.CNAME).map((r) => tsharkName(r.data)), allowed);
}

test('parseDnsMessage agrees with tshark on every corpus DNS message', { skip: CORPUS_SKIP }, async () => {
  const t: Tally = { messages: 0, agree: 0, disagree: 0, allowed: 0, failures: [] };
  let captures = 0;
  let udpPayloads = 0;
  let tcpFramed = 0;
  let extra = 0;
  const extraFrames: string[] = [];
  for (const name of corpusNames()) {
    const truth = truthFrames(name);
    const hasDns = truth.some((f) => f['dns'] !== undefined);
    const udp = await udpMessages(name, truth);
    udpPayloads += udp.udpPayloads;
    tcpFramed += await tcpMessages(name, truth, udp.found);
    if (!hasDns || name.startsWith('malformed-')) continue;
    captures++;
    const byFrame = new Map(truth.map((f) => [f.frame, f]));
    for (const frame of truth) {
      const dns = frame['dns'] as TruthDns | undefined;
      if (dns === undefined) continue;
      compareFrame(t, name, frame, dns, udp.found.get(frame.frame) ?? []);
    }
    // Messages we parsed where tshark saw no DNS at all.
    for (const [frame, got] of udp.found) {
      if (byFrame.get(frame)?.['dns'] !== undefined) continue;
      const ok = got.filter((m) => !(m instanceof DnsParseError));
      if (ok.length === 0) continue;
      extra += ok.length;
      extraFrames.push(`${name} frame ${frame}`);
    }
  }
  console.log(`dns: ${t.messages} messages, ${t.agree} fields agree, ${t.disagree} disagree ` +
    `(${t.allowed} allowed) in ${captures} captures; ${extra} messages where tshark shows no DNS; ` +
    `${udpPayloads} UDP payloads and ${tcpFramed} TCP-framed messages of all captures parsed without a foreign exception`);
  assert.deepEqual(t.failures, []);
  assert.deepEqual(extraFrames, [], 'DNS messages parsed in frames where tshark saw no DNS');
  assert.ok(t.messages > 700, `only ${t.messages} messages compared`);
});
