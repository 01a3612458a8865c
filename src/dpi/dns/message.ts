/**
 * parseDnsMessage: one DNS message (RFC 1035 §4.1) from b[offset, offset+length) → DnsMessage.
 *
 * ```
 *   0  |              ID               |
 *   2  |QR| Opcode |AA|TC|RD|RA|Z|AD|CD| RCODE |     RFC 1035 §4.1.1, RFC 4035 §3.2 (AD, CD)
 *   4  |  QDCOUNT  |  ANCOUNT  |  NSCOUNT  |  ARCOUNT  |
 *  12  question: QNAME QTYPE(2) QCLASS(2)              × QDCOUNT
 *      RR: NAME TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA  × AN + NS + AR
 * ```
 * Bounded work: every question and record consumes at least 5 bytes of the message, names are
 * bounded by names.ts, RDATA by RDLENGTH; nothing recurses. Bytes after the last record are
 * ignored (padding some stacks add). A message shorter than its counts say is an error, TC or not.
 *
 * The EDNS(0) OPT record (RFC 6891 §6.1) of the additional section becomes `edns` and extends
 * the RCODE; a second OPT (a FORMERR for a server) is skipped, not listed.
 */
import { DnsParseError } from './errors.js';
import { readName } from './names.js';
import { formatRdata, generic } from './rdata.js';
import { DnsReader, u16, u32 } from './reader.js';
import { DnsType } from './registry.js';
import type { DnsEdns, DnsMessage, DnsQuestion, DnsResourceRecord } from './types.js';

export const DNS_HEADER_LEN = 12;

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_AD = 0x0020; // RFC 4035 §3.2.3
const FLAG_CD = 0x0010; // RFC 4035 §3.2.2
const EDNS_DO = 0x8000; // RFC 3225 §3, in the low 16 bits of the OPT TTL

const reader = new DnsReader();

/**
 * Parses the DNS message at bytes[offset, offset+length): header, questions, answer, authority
 * and additional records (RDATA as text, see rdata.ts), EDNS(0). Reads nothing outside that range.
 *
 * @throws DnsParseError on a malformed message: `offset` is the absolute offset of the bad byte in
 *   `bytes`, `field` the field being read (`question[0].name`, `answer[2].rdata`, …).
 * @throws RangeError when offset/length do not describe a range of `bytes`.
 */
export function parseDnsMessage(bytes: Uint8Array, offset: number, length: number): DnsMessage {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new RangeError(`parseDnsMessage: range [${offset}, ${offset}+${length}) is not within ${bytes.length} bytes`);
  }
  if (length < DNS_HEADER_LEN) {
    throw new DnsParseError(offset + length, 'header', `message of ${length} bytes is shorter than the 12-byte header`);
  }
  const r = reader;
  r.reset(bytes, offset, offset + length);
  const b = bytes;
  const flags = u16(b, offset + 2);
  const qdcount = u16(b, offset + 4);
  const ancount = u16(b, offset + 6);
  const nscount = u16(b, offset + 8);
  const arcount = u16(b, offset + 10);
  const rcode = flags & 0xf;
  const msg: DnsMessage = {
    id: u16(b, offset),
    flags,
    qr: (flags & FLAG_QR) !== 0,
    opcode: (flags >>> 11) & 0xf,
    aa: (flags & FLAG_AA) !== 0,
    tc: (flags & FLAG_TC) !== 0,
    rd: (flags & FLAG_RD) !== 0,
    ra: (flags & FLAG_RA) !== 0,
    ad: (flags & FLAG_AD) !== 0,
    cd: (flags & FLAG_CD) !== 0,
    rcode,
    extendedRcode: rcode,
    questionCount: qdcount,
    answerCount: ancount,
    authorityCount: nscount,
    additionalCount: arcount,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    edns: undefined,
  };

  let p = offset + DNS_HEADER_LEN;
  r.section = 'question';
  for (let i = 0; i < qdcount; i++) {
    r.index = i;
    const name = readName(r, p, r.end, 'name');
    p = r.nameEnd;
    r.need(p, 2, r.end, 'type');
    r.need(p + 2, 2, r.end, 'class');
    const q: DnsQuestion = { name, type: u16(b, p), class: u16(b, p + 2) };
    msg.questions.push(q);
    p += 4;
  }
  p = readRecords(r, p, 'answer', ancount, msg.answers, msg);
  p = readRecords(r, p, 'authority', nscount, msg.authorities, msg);
  readRecords(r, p, 'additional', arcount, msg.additionals, msg);
  if (msg.edns !== undefined) msg.extendedRcode = (msg.edns.extendedRcode << 4) | rcode;
  return msg;
}

function readRecords(r: DnsReader, p: number, section: string, count: number, out: DnsResourceRecord[],
  msg: DnsMessage): number {
  const b = r.b;
  r.section = section;
  for (let i = 0; i < count; i++) {
    r.index = i;
    const name = readName(r, p, r.end, 'name');
    p = r.nameEnd;
    r.need(p, 2, r.end, 'type');
    r.need(p + 2, 2, r.end, 'class');
    r.need(p + 4, 4, r.end, 'ttl');
    r.need(p + 8, 2, r.end, 'rdlength');
    const type = u16(b, p);
    const cls = u16(b, p + 2);
    const ttl = u32(b, p + 4);
    const rdlength = u16(b, p + 8);
    const rdata = p + 10;
    if (rdata + rdlength > r.end) {
      r.fail(rdata, 'rdata', `RDLENGTH ${rdlength} runs past the end of the message (${r.end - rdata} bytes left)`);
    }
    p = rdata + rdlength;
    if (type === DnsType.OPT && section === 'additional') {
      if (msg.edns === undefined) msg.edns = readOpt(r, cls, ttl, rdata, rdlength);
      continue;
    }
    // An OPT elsewhere is not EDNS (RFC 6891 §6.1.1 puts it in the additional section): generic form.
    const data = type === DnsType.OPT ? generic(b, rdata, rdlength) : formatRdata(r, type, rdata, rdlength);
    out.push({ name, type, class: cls, ttl, data });
  }
  return p;
}

/**
 * RFC 6891 §6.1.2–6.1.3: CLASS = requestor's UDP payload size; TTL = extended RCODE (8) | version (8)
 * | DO (1) | Z (15); RDATA = options as {code (2), length (2), data}.
 */
function readOpt(r: DnsReader, cls: number, ttl: number, off: number, len: number): DnsEdns {
  const end = off + len;
  let options = 0;
  for (let p = off; p < end; options++) {
    r.need(p, 4, end, 'rdata');
    const n = u16(r.b, p + 2);
    if (p + 4 + n > end) r.fail(p + 2, 'rdata', `EDNS option of ${n} bytes runs past the end of the OPT RDATA`);
    p += 4 + n;
  }
  return { udpPayloadSize: cls, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & EDNS_DO) !== 0, options };
}

/** ECS `dns.header_flags`: the set flags among AA, TC, RD, RA, AD, CD and EDNS DO, in that order. */
export function dnsHeaderFlags(msg: DnsMessage): string[] {
  const out: string[] = [];
  if (msg.aa) out.push('AA');
  if (msg.tc) out.push('TC');
  if (msg.rd) out.push('RD');
  if (msg.ra) out.push('RA');
  if (msg.ad) out.push('AD');
  if (msg.cd) out.push('CD');
  if (msg.edns?.dnssecOk === true) out.push('DO');
  return out;
}
