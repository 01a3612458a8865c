/**
 * RDATA → text, in the form ECS `dns.answers.data` usually holds (Zeek / Packetbeat style, which
 * is dig's presentation form for most types), with names as names.ts writes them (no trailing
 * dot, root "."). Empty RDATA (RFC 2136 UPDATE deletions, or any type) is "".
 *
 * | type                      | text                                                          |
 * | ------------------------- | ------------------------------------------------------------- |
 * | A / AAAA                  | 192.0.2.1 / 2001:db8::1 (RFC 5952, as tshark / inet_ntop)     |
 * | CNAME NS PTR DNAME MB …   | the name                                                      |
 * | MX AFSDB RT KX            | 10 mail.example.com                                           |
 * | SOA                       | mname rname serial refresh retry expire minimum               |
 * | TXT SPF HINFO             | the character-strings, escaped (text.ts), joined by one space |
 * | SRV                       | priority weight port target                                   |
 * | NAPTR                     | order pref "flags" "services" "regexp" replacement            |
 * | CAA                       | flags tag "value"                                             |
 * | SVCB / HTTPS              | priority target key=value … (RFC 9460 §2.1, ech in base64)    |
 * | DS CDS TA DLV             | keytag alg digesttype HEXDIGEST                               |
 * | DNSKEY CDNSKEY KEY        | flags protocol alg BASE64KEY                                  |
 * | RRSIG SIG                 | covered alg labels origttl expiration inception keytag signer BASE64SIG (times YYYYMMDDHHmmSS) |
 * | NSEC                      | next TYPE …                                                   |
 * | NSEC3                     | alg flags iterations SALT|- NEXTHASH(base32hex) TYPE …        |
 * | NSEC3PARAM                | alg flags iterations SALT|-                                   |
 * | SSHFP / TLSA SMIMEA       | alg fptype HEX / usage selector mtype HEX                     |
 * | OPENPGPKEY DHCID          | BASE64                                                        |
 * | URI                       | priority weight "target"                                      |
 * | EUI48 / EUI64             | 00-00-5e-00-53-2a                                             |
 * | anything else             | \# LEN HEX (RFC 3597 §5)                                      |
 *
 * RDATA that does not fit its type (wrong fixed size, a name or string running past RDLENGTH,
 * trailing bytes, a malformed SvcParam) is a DnsParseError on `<section>[i].rdata`.
 */
import { formatIpv4, formatIpv6 } from '../../core/index.js';
import { readName } from './names.js';
import { u16, u32, type DnsReader } from './reader.js';
import { DnsType, dnsTypeName, svcParamKeyName } from './registry.js';
import { COMMA, NO_DELIMITER, QUOTE, base32hex, base64, dnssecTime, escapeBytes, hexUpper } from './text.js';

const PART = 'rdata';

/** Formats the RDATA of a `type` record at b[off, off+len) (already checked to lie in the message). */
export function formatRdata(r: DnsReader, type: number, off: number, len: number): string {
  if (len === 0) return '';
  const b = r.b;
  const end = off + len;
  switch (type) {
    case DnsType.A:
      fixedSize(r, type, off, len, 4);
      return formatIpv4(u32(b, off));
    case DnsType.AAAA:
      fixedSize(r, type, off, len, 16);
      return ipv6Text(b, off);
    case DnsType.NS: case DnsType.CNAME: case DnsType.PTR: case DnsType.DNAME:
    case DnsType.MD: case DnsType.MF: case DnsType.MB: case DnsType.MG: case DnsType.MR: {
      const name = readName(r, off, end, PART);
      return done(r, r.nameEnd, end, name);
    }
    case DnsType.MX: case DnsType.AFSDB: case DnsType.RT: case DnsType.KX: {
      r.need(off, 2, end, PART);
      const name = readName(r, off + 2, end, PART);
      return done(r, r.nameEnd, end, `${u16(b, off)} ${name}`);
    }
    case DnsType.MINFO: case DnsType.RP: {
      const a = readName(r, off, end, PART);
      const c = readName(r, r.nameEnd, end, PART);
      return done(r, r.nameEnd, end, `${a} ${c}`);
    }
    case DnsType.PX: {
      r.need(off, 2, end, PART);
      const a = readName(r, off + 2, end, PART);
      const c = readName(r, r.nameEnd, end, PART);
      return done(r, r.nameEnd, end, `${u16(b, off)} ${a} ${c}`);
    }
    case DnsType.SOA: {
      const mname = readName(r, off, end, PART);
      const rname = readName(r, r.nameEnd, end, PART);
      const p = r.nameEnd;
      r.need(p, 20, end, PART);
      return done(r, p + 20, end,
        `${mname} ${rname} ${u32(b, p)} ${u32(b, p + 4)} ${u32(b, p + 8)} ${u32(b, p + 12)} ${u32(b, p + 16)}`);
    }
    case DnsType.TXT: case DnsType.SPF: case DnsType.HINFO:
      return characterStrings(r, off, end);
    case DnsType.SRV: {
      r.need(off, 6, end, PART);
      const target = readName(r, off + 6, end, PART); // RFC 2782 forbids compression; tolerated
      return done(r, r.nameEnd, end, `${u16(b, off)} ${u16(b, off + 2)} ${u16(b, off + 4)} ${target}`);
    }
    case DnsType.NAPTR: {
      r.need(off, 4, end, PART);
      let p = off + 4;
      let s = `${u16(b, off)} ${u16(b, off + 2)}`;
      for (let i = 0; i < 3; i++) {
        const n = characterString(r, p, end);
        s += ` "${escapeBytes(b, p + 1, n, QUOTE)}"`;
        p += 1 + n;
      }
      const replacement = readName(r, p, end, PART);
      return done(r, r.nameEnd, end, `${s} ${replacement}`);
    }
    case DnsType.CAA: {
      // RFC 8659 §4.1: flags, tag length, tag, value (the rest).
      r.need(off, 2, end, PART);
      const tagLen = b[off + 1]!;
      r.need(off + 2, tagLen, end, PART);
      const v = off + 2 + tagLen;
      return `${b[off]!} ${escapeBytes(b, off + 2, tagLen, NO_DELIMITER)} "${escapeBytes(b, v, end - v, QUOTE)}"`;
    }
    case DnsType.SVCB: case DnsType.HTTPS:
      return svcb(r, off, end);
    case DnsType.DS: case DnsType.CDS: case DnsType.TA: case DnsType.DLV:
      r.need(off, 4, end, PART);
      return joinBlob(`${u16(b, off)} ${b[off + 2]!} ${b[off + 3]!}`, hexUpper(b, off + 4, end - off - 4));
    case DnsType.DNSKEY: case DnsType.CDNSKEY: case DnsType.KEY:
      r.need(off, 4, end, PART);
      return joinBlob(`${u16(b, off)} ${b[off + 2]!} ${b[off + 3]!}`, base64(b, off + 4, end - off - 4));
    case DnsType.RRSIG: case DnsType.SIG: {
      // RFC 4034 §3.1: covered(2) alg(1) labels(1) original TTL(4) expiration(4) inception(4) key tag(2) signer, signature.
      r.need(off, 18, end, PART);
      const signer = readName(r, off + 18, end, PART);
      const p = r.nameEnd;
      return joinBlob(`${dnsTypeName(u16(b, off))} ${b[off + 2]!} ${b[off + 3]!} ${u32(b, off + 4)} ` +
        `${dnssecTime(u32(b, off + 8))} ${dnssecTime(u32(b, off + 12))} ${u16(b, off + 16)} ${signer}`,
      base64(b, p, end - p));
    }
    case DnsType.NSEC: {
      const next = readName(r, off, end, PART);
      return joinBlob(next, typeBitmap(r, r.nameEnd, end));
    }
    case DnsType.NSEC3: {
      // RFC 5155 §3.2: alg(1) flags(1) iterations(2) salt length(1) salt, hash length(1) next hash, type bitmap.
      r.need(off, 5, end, PART);
      const saltLen = b[off + 4]!;
      let p = off + 5;
      r.need(p, saltLen + 1, end, PART);
      const salt = saltLen === 0 ? '-' : hexUpper(b, p, saltLen);
      p += saltLen;
      const hashLen = b[p]!;
      r.need(p + 1, hashLen, end, PART);
      const hash = base32hex(b, p + 1, hashLen);
      p += 1 + hashLen;
      return joinBlob(joinBlob(`${b[off]!} ${b[off + 1]!} ${u16(b, off + 2)} ${salt}`, hash), typeBitmap(r, p, end));
    }
    case DnsType.NSEC3PARAM: {
      r.need(off, 5, end, PART);
      const saltLen = b[off + 4]!;
      r.need(off + 5, saltLen, end, PART);
      const salt = saltLen === 0 ? '-' : hexUpper(b, off + 5, saltLen);
      return done(r, off + 5 + saltLen, end, `${b[off]!} ${b[off + 1]!} ${u16(b, off + 2)} ${salt}`);
    }
    case DnsType.SSHFP:
      r.need(off, 2, end, PART);
      return joinBlob(`${b[off]!} ${b[off + 1]!}`, hexUpper(b, off + 2, len - 2));
    case DnsType.TLSA: case DnsType.SMIMEA:
      r.need(off, 3, end, PART);
      return joinBlob(`${b[off]!} ${b[off + 1]!} ${b[off + 2]!}`, hexUpper(b, off + 3, len - 3));
    case DnsType.OPENPGPKEY: case DnsType.DHCID:
      return base64(b, off, len);
    case DnsType.URI:
      // RFC 7553 §4.5: priority, weight, target (the rest, not a character-string).
      r.need(off, 4, end, PART);
      return `${u16(b, off)} ${u16(b, off + 2)} "${escapeBytes(b, off + 4, len - 4, QUOTE)}"`;
    case DnsType.EUI48: case DnsType.EUI64: {
      fixedSize(r, type, off, len, type === DnsType.EUI48 ? 6 : 8);
      let s = '';
      for (let i = off; i < end; i++) s += (i === off ? '' : '-') + (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
      return s;
    }
    default:
      return generic(b, off, len);
  }
}

/**
 * IPv6 text as tshark prints it (its address formatting is the C library's inet_ntop): RFC 5952,
 * plus the deprecated IPv4-compatible form `::a.b.c.d` (RFC 4291 §2.5.5.1) that glibc still
 * writes when the first 96 bits are zero and the next 16 are not.
 */
function ipv6Text(b: Uint8Array, off: number): string {
  const w0 = u32(b, off);
  const w1 = u32(b, off + 4);
  const w2 = u32(b, off + 8);
  const w3 = u32(b, off + 12);
  if ((w0 | w1 | w2) === 0 && w3 >>> 16 !== 0) return `::${formatIpv4(w3)}`;
  return formatIpv6(w0, w1, w2, w3);
}

/** RFC 3597 §5 generic form: `\# LEN HEX`. */
export function generic(b: Uint8Array, off: number, len: number): string {
  return len === 0 ? '\\# 0' : `\\# ${len} ${hexUpper(b, off, len)}`;
}

function fixedSize(r: DnsReader, type: number, off: number, len: number, want: number): void {
  if (len !== want) r.fail(off, PART, `${dnsTypeName(type)} RDATA must be ${want} octets, RDLENGTH is ${len}`);
}

/** The RDATA must end exactly where its last field did. */
function done(r: DnsReader, p: number, end: number, text: string): string {
  if (p !== end) r.fail(p, PART, `${end - p} octets left over after the RDATA fields`);
  return text;
}

function joinBlob(head: string, blob: string): string {
  return blob === '' ? head : `${head} ${blob}`;
}

/** Checks the character-string (RFC 1035 §3.3) at p and returns its length (content at p + 1). */
function characterString(r: DnsReader, p: number, end: number): number {
  r.need(p, 1, end, PART);
  const n = r.b[p]!;
  if (p + 1 + n > end) r.fail(p, PART, `character-string of ${n} octets runs past the end of the RDATA`);
  return n;
}

/** One or more character-strings filling the RDATA (TXT, SPF, HINFO), escaped and joined by a space. */
function characterStrings(r: DnsReader, off: number, end: number): string {
  let s = '';
  for (let p = off; p < end; ) {
    const n = characterString(r, p, end);
    s = p === off ? escapeBytes(r.b, p + 1, n, NO_DELIMITER) : `${s} ${escapeBytes(r.b, p + 1, n, NO_DELIMITER)}`;
    p += 1 + n;
  }
  return s;
}

/** NSEC / NSEC3 type bit maps (RFC 4034 §4.1.2): window, length 1–32, bitmap; as type mnemonics. */
function typeBitmap(r: DnsReader, p: number, end: number): string {
  const b = r.b;
  let s = '';
  while (p < end) {
    r.need(p, 2, end, PART);
    const window = b[p]!;
    const n = b[p + 1]!;
    if (n < 1 || n > 32) r.fail(p + 1, PART, `type bitmap length ${n} is outside 1–32`);
    r.need(p + 2, n, end, PART);
    for (let i = 0; i < n; i++) {
      const bits = b[p + 2 + i]!;
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((bits & (0x80 >> bit)) === 0) continue;
        const name = dnsTypeName(window * 256 + i * 8 + bit);
        s = s === '' ? name : `${s} ${name}`;
      }
    }
    p += 2 + n;
  }
  return s;
}

/**
 * SVCB / HTTPS (RFC 9460 §2.2): SvcPriority, TargetName (uncompressed; "." is the owner), then
 * SvcParams (key, length, value) → `priority target key=value …`.
 */
function svcb(r: DnsReader, off: number, end: number): string {
  const b = r.b;
  r.need(off, 2, end, PART);
  const target = readName(r, off + 2, end, PART);
  let s = `${u16(b, off)} ${target}`;
  let p = r.nameEnd;
  while (p < end) {
    r.need(p, 4, end, PART);
    const key = u16(b, p);
    const n = u16(b, p + 2);
    r.need(p + 4, n, end, PART);
    s += ` ${svcParam(r, key, p + 4, n)}`;
    p += 4 + n;
  }
  return s;
}

function svcParam(r: DnsReader, key: number, v: number, n: number): string {
  const b = r.b;
  const name = svcParamKeyName(key);
  const end = v + n;
  const bad = (why: string): never => r.fail(v, PART, `SvcParam ${name}: ${why}`);
  switch (key) {
    case 0: { // mandatory: a list of keys
      if (n === 0 || n % 2 !== 0) bad(`length ${n} is not a positive multiple of 2`);
      let s = '';
      for (let p = v; p < end; p += 2) s += (p === v ? '' : ',') + svcParamKeyName(u16(b, p));
      return `${name}=${s}`;
    }
    case 1: { // alpn: character-strings; ',' and '\' escaped inside the comma-separated list
      if (n === 0) bad('empty');
      let s = '';
      for (let p = v; p < end; ) {
        const len = b[p]!;
        if (p + 1 + len > end) bad(`alpn-id of ${len} octets runs past the value`);
        s += (p === v ? '' : ',') + escapeBytes(b, p + 1, len, COMMA);
        p += 1 + len;
      }
      return `${name}=${s}`;
    }
    case 2: case 8: // no-default-alpn, ohttp: no value
      if (n !== 0) bad(`must be empty, length is ${n}`);
      return name;
    case 3:
      if (n !== 2) bad(`length ${n}, want 2`);
      return `${name}=${u16(b, v)}`;
    case 4: {
      if (n === 0 || n % 4 !== 0) bad(`length ${n} is not a positive multiple of 4`);
      let s = '';
      for (let p = v; p < end; p += 4) s += (p === v ? '' : ',') + formatIpv4(u32(b, p));
      return `${name}=${s}`;
    }
    case 5: // ech: ECHConfigList, base64 (RFC 9460 §14.3.2 / draft-ietf-tls-svcb-ech)
      return `${name}=${base64(b, v, n)}`;
    case 6: {
      if (n === 0 || n % 16 !== 0) bad(`length ${n} is not a positive multiple of 16`);
      let s = '';
      for (let p = v; p < end; p += 16) {
        s += (p === v ? '' : ',') + ipv6Text(b, p);
      }
      return `${name}=${s}`;
    }
    default: // dohpath and unknown keys: the value as an escaped string (RFC 9460 §2.1 key65333=…)
      return n === 0 ? name : `${name}=${escapeBytes(b, v, n, NO_DELIMITER)}`;
  }
}
