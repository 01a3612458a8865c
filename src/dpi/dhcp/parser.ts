/**
 * DHCPv4 / BOOTP message parser (RFC 951, RFC 2131, options RFC 2132, relay agent RFC 3046).
 *
 * ```
 *  0        1        2        3
 *  |   op   | htype  |  hlen  |  hops  |   0
 *  |              xid                  |   4
 *  |      secs       |      flags      |   8
 *  |  ciaddr  |  yiaddr  |  siaddr  |  giaddr        12 16 20 24
 *  |  chaddr (16)                      |  28
 *  |  sname (64)                       |  44
 *  |  file (128)                       | 108
 *  |  magic cookie 99.130.83.99        | 236   (absent: plain BOOTP, the vendor area is opaque)
 *  |  options: code, length, value …   | 240   pad (0) is one byte, end (255) stops the field
 * ```
 * - Option 52 (overload, RFC 2132 §9.3) moves more options into `file` (1), `sname` (2) or both
 *   (3); they are read after the options field, `file` before `sname` (RFC 3396 §5), and those
 *   fields are then not reported as text.
 * - An option that appears more than once is one option whose value is the concatenation, in
 *   that order (RFC 3396 §5, long options split across instances or fields).
 * - A missing end option is tolerated (the field's end stops the walk, as in tshark); an option
 *   whose length byte or value runs past its field is an error: the value cannot be trusted.
 * - Options whose value this parser interprets must have the length their RFC gives; any other
 *   option is listed but not looked into.
 *
 * Every read is checked against `offset + length` first; errors are `DhcpParseError` with the
 * absolute offset in `bytes`, never a RangeError from a typed array.
 */
import { DhcpParseError } from './errors.js';
import { escapeDhcpText, hexOf, ipv4Of, macOf } from './text.js';
import { BOOTREPLY, BOOTREQUEST, DhcpOption, dhcpMessageTypeName, type DhcpMessage, type DhcpRelayAgent } from './types.js';

/** Byte offsets of the fixed BOOTP fields (RFC 2131 §2, figure 1). */
const F_HTYPE = 1;
const F_HLEN = 2;
const F_HOPS = 3;
const F_XID = 4;
const F_SECS = 8;
const F_FLAGS = 10;
const F_CIADDR = 12;
const F_YIADDR = 16;
const F_SIADDR = 20;
const F_GIADDR = 24;
const F_CHADDR = 28;
const F_SNAME = 44;
const F_FILE = 108;
const F_COOKIE = 236;
const F_OPTIONS = 240;

const CHADDR_LEN = 16;
/** RFC 2131 §3: 99.130.83.99. */
const MAGIC_COOKIE = [99, 130, 83, 99] as const;
const HTYPE_ETHERNET = 1; // IANA ARP hardware type
const ETHER_ADDR_LEN = 6;

/** Fixed fields by start offset, to name the one a short message stops in. */
const FIXED_FIELDS: readonly [number, string][] = [
  [0, 'op'], [F_HTYPE, 'htype'], [F_HLEN, 'hlen'], [F_HOPS, 'hops'], [F_XID, 'xid'], [F_SECS, 'secs'],
  [F_FLAGS, 'flags'], [F_CIADDR, 'ciaddr'], [F_YIADDR, 'yiaddr'], [F_SIADDR, 'siaddr'], [F_GIADDR, 'giaddr'],
  [F_CHADDR, 'chaddr'], [F_SNAME, 'sname'], [F_FILE, 'file'],
];

/** Option 52 values (RFC 2132 §9.3). */
const OVERLOAD_FILE = 1;
const OVERLOAD_SNAME = 2;

/** Option 82 sub-options (RFC 3046 §2.0). */
const RELAY_CIRCUIT_ID = 1;
const RELAY_REMOTE_ID = 2;

/** One option instance where it lies in `bytes`. */
interface RawOption {
  code: number;
  /** Absolute offset of the code byte. */
  at: number;
  length: number;
}

/** An option's value: the instances' values joined (RFC 3396), and where the first one starts. */
interface OptionValue {
  bytes: Uint8Array;
  start: number;
  end: number;
  /** Code byte of the first instance: where errors about this option point. */
  at: number;
  /** More than one instance: `bytes` is a copy, offsets in it are not offsets in the message. */
  joined: boolean;
}

/**
 * Parses the BOOTP/DHCP message in `bytes[offset, offset + length)` (a UDP payload).
 * Throws `DhcpParseError` when it is malformed or cut short, and `RangeError` when the range
 * itself is not inside `bytes` (a caller's bug, not a packet's).
 */
export function parseDhcpMessage(bytes: Uint8Array, offset: number, length: number): DhcpMessage {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new RangeError(`parseDhcpMessage: range ${offset}+${length} is not inside ${bytes.length} bytes`);
  }
  const b = bytes;
  const s = offset;
  const end = offset + length;

  if (length < F_COOKIE) {
    let field = 'op';
    for (const [at, name] of FIXED_FIELDS) if (at <= length) field = name;
    throw new DhcpParseError(end, field, `message cut at ${length} bytes; the BOOTP header is ${F_COOKIE}`);
  }
  const op = b[s]!;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) {
    throw new DhcpParseError(s, 'op', `${op} is neither BOOTREQUEST (1) nor BOOTREPLY (2)`);
  }
  const htype = b[s + F_HTYPE]!;
  const hlen = b[s + F_HLEN]!;
  if (hlen > CHADDR_LEN) {
    throw new DhcpParseError(s + F_HLEN, 'hlen', `hardware address length ${hlen} does not fit the ${CHADDR_LEN}-byte chaddr`);
  }

  const msg: DhcpMessage = {
    op,
    htype,
    hlen,
    hops: b[s + F_HOPS]!,
    xid: u32(b, s + F_XID),
    secs: u16(b, s + F_SECS),
    flags: u16(b, s + F_FLAGS),
    ciaddr: ipv4Of(b, s + F_CIADDR),
    yiaddr: ipv4Of(b, s + F_YIADDR),
    siaddr: ipv4Of(b, s + F_SIADDR),
    giaddr: ipv4Of(b, s + F_GIADDR),
    clientMac: htype === HTYPE_ETHERNET && hlen === ETHER_ADDR_LEN
      ? macOf(b, s + F_CHADDR)
      : hexOf(b, s + F_CHADDR, s + F_CHADDR + hlen),
    isDhcp: hasCookie(b, s, length),
    options: [],
  };

  let overload = 0;
  if (msg.isDhcp) {
    const raw: RawOption[] = [];
    readOptionField(b, s + F_OPTIONS, end, 'options field', raw);
    const ov = optionValue(b, raw, DhcpOption.OVERLOAD);
    if (ov !== undefined) {
      const n = ov.end - ov.start;
      overload = n === 1 ? ov.bytes[ov.start]! : 0;
      if (overload < 1 || overload > 3) {
        throw new DhcpParseError(ov.at, 'option 52', n === 1
          ? `overload value ${overload} is not 1 (file), 2 (sname) or 3 (both)`
          : `overload value must be 1 byte, got ${n}`);
      }
      // Only option 52 of the options field counts: read in file/sname it could loop.
      if (overload & OVERLOAD_FILE) readOptionField(b, s + F_FILE, s + F_COOKIE, 'file field (overloaded)', raw);
      if (overload & OVERLOAD_SNAME) readOptionField(b, s + F_SNAME, s + F_FILE, 'sname field (overloaded)', raw);
    }
    for (const o of raw) msg.options.push({ code: o.code, length: o.length });
    interpretOptions(b, raw, msg);
  }

  if (!(overload & OVERLOAD_SNAME)) {
    const name = cString(b, s + F_SNAME, s + F_FILE);
    if (name !== '') msg.serverName = name;
  }
  if (!(overload & OVERLOAD_FILE)) {
    const file = cString(b, s + F_FILE, s + F_COOKIE);
    if (file !== '') msg.bootFile = file;
  }
  return msg;
}

function u16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

function u32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/**
 * Whether the vendor area starts with the magic cookie. A message cut inside a cookie that
 * matches so far is a truncated DHCP message, not BOOTP; exactly 236 bytes is BOOTP without a
 * vendor area.
 */
function hasCookie(b: Uint8Array, s: number, length: number): boolean {
  const present = Math.min(length - F_COOKIE, MAGIC_COOKIE.length);
  for (let i = 0; i < present; i++) if (b[s + F_COOKIE + i] !== MAGIC_COOKIE[i]) return false;
  if (present === MAGIC_COOKIE.length) return true;
  if (present > 0) {
    throw new DhcpParseError(s + length, 'magic cookie', `message cut inside the magic cookie (${present} of 4 bytes)`);
  }
  return false;
}

/**
 * Walks one field of options (RFC 2132 §2) from `from` to `to`, appending each option; pad is
 * skipped, end stops the walk.
 */
function readOptionField(b: Uint8Array, from: number, to: number, where: string, out: RawOption[]): void {
  let p = from;
  while (p < to) {
    const code = b[p]!;
    if (code === DhcpOption.PAD) {
      p++;
      continue;
    }
    if (code === DhcpOption.END) return;
    if (p + 1 >= to) {
      throw new DhcpParseError(p, `option ${code}`, `option at offset ${p} has no length byte: the ${where} ends at ${to}`);
    }
    const len = b[p + 1]!;
    if (p + 2 + len > to) {
      throw new DhcpParseError(p, `option ${code}`,
        `option at offset ${p} declares ${len} bytes, runs ${p + 2 + len - to} past the end of the ${where} (${to})`);
    }
    out.push({ code, at: p, length: len });
    p += 2 + len;
  }
}

/** The value of option `code`, its instances concatenated in order (RFC 3396 §5); undefined when absent. */
function optionValue(b: Uint8Array, raw: readonly RawOption[], code: number): OptionValue | undefined {
  let first: RawOption | undefined;
  let total = 0;
  let count = 0;
  for (const o of raw) {
    if (o.code !== code) continue;
    first ??= o;
    total += o.length;
    count++;
  }
  if (first === undefined) return undefined;
  if (count === 1) return { bytes: b, start: first.at + 2, end: first.at + 2 + first.length, at: first.at, joined: false };
  const joined = new Uint8Array(total);
  let n = 0;
  for (const o of raw) {
    if (o.code !== code) continue;
    joined.set(b.subarray(o.at + 2, o.at + 2 + o.length), n);
    n += o.length;
  }
  return { bytes: joined, start: 0, end: total, at: first.at, joined: true };
}

function requireLength(v: OptionValue, code: number, what: string, n: number): void {
  const got = v.end - v.start;
  if (got !== n) throw new DhcpParseError(v.at, `option ${code}`, `${what} must be ${n} bytes, got ${got}`);
}

/** A list of IPv4 addresses: one or more, 4 bytes each (RFC 2132 §3.5, §3.8). */
function addressList(v: OptionValue, code: number, what: string): string[] {
  const n = v.end - v.start;
  if (n === 0 || n % 4 !== 0) {
    throw new DhcpParseError(v.at, `option ${code}`, `${what} must be a non-empty multiple of 4 bytes, got ${n}`);
  }
  const out: string[] = [];
  for (let p = v.start; p < v.end; p += 4) out.push(ipv4Of(v.bytes, p));
  return out;
}

/** The options `DhcpMessage` names, read from their (joined) values. */
function interpretOptions(b: Uint8Array, raw: readonly RawOption[], msg: DhcpMessage): void {
  let v = optionValue(b, raw, DhcpOption.MESSAGE_TYPE);
  if (v !== undefined) {
    requireLength(v, DhcpOption.MESSAGE_TYPE, 'DHCP message type', 1);
    msg.messageType = v.bytes[v.start]!;
    msg.messageTypeName = dhcpMessageTypeName(msg.messageType);
  }
  v = optionValue(b, raw, DhcpOption.REQUESTED_IP);
  if (v !== undefined) {
    requireLength(v, DhcpOption.REQUESTED_IP, 'requested IP address', 4);
    msg.requestedIp = ipv4Of(v.bytes, v.start);
  }
  v = optionValue(b, raw, DhcpOption.SERVER_ID);
  if (v !== undefined) {
    requireLength(v, DhcpOption.SERVER_ID, 'server identifier', 4);
    msg.serverId = ipv4Of(v.bytes, v.start);
  }
  v = optionValue(b, raw, DhcpOption.HOST_NAME);
  if (v !== undefined) msg.hostname = escapeDhcpText(v.bytes, v.start, v.end);
  v = optionValue(b, raw, DhcpOption.LEASE_TIME);
  if (v !== undefined) {
    requireLength(v, DhcpOption.LEASE_TIME, 'lease time', 4);
    msg.leaseTime = u32(v.bytes, v.start);
  }
  v = optionValue(b, raw, DhcpOption.CLIENT_ID);
  if (v !== undefined) msg.clientId = hexOf(v.bytes, v.start, v.end);
  v = optionValue(b, raw, DhcpOption.VENDOR_CLASS);
  if (v !== undefined) msg.vendorClass = escapeDhcpText(v.bytes, v.start, v.end);
  v = optionValue(b, raw, DhcpOption.PARAMETER_REQUEST_LIST);
  if (v !== undefined) msg.paramRequestList = Array.from(v.bytes.subarray(v.start, v.end));
  v = optionValue(b, raw, DhcpOption.ROUTER);
  if (v !== undefined) msg.routers = addressList(v, DhcpOption.ROUTER, 'router list');
  v = optionValue(b, raw, DhcpOption.DOMAIN_NAME_SERVER);
  if (v !== undefined) msg.dnsServers = addressList(v, DhcpOption.DOMAIN_NAME_SERVER, 'domain name server list');
  v = optionValue(b, raw, DhcpOption.SUBNET_MASK);
  if (v !== undefined) {
    requireLength(v, DhcpOption.SUBNET_MASK, 'subnet mask', 4);
    msg.subnetMask = ipv4Of(v.bytes, v.start);
  }
  v = optionValue(b, raw, DhcpOption.DOMAIN_NAME);
  if (v !== undefined) msg.domainName = escapeDhcpText(v.bytes, v.start, v.end);
  v = optionValue(b, raw, DhcpOption.RELAY_AGENT_INFORMATION);
  if (v !== undefined) msg.relayAgent = relayAgent(v);
}

/** Option 82: sub-options code, length, value (RFC 3046 §2.0); no pad, no end. */
function relayAgent(v: OptionValue): DhcpRelayAgent {
  const out: DhcpRelayAgent = { subOptions: [] };
  let p = v.start;
  while (p < v.end) {
    const code = v.bytes[p]!;
    const at = v.joined ? v.at : p; // a joined value is a copy: point at the option instead
    if (p + 1 >= v.end) {
      throw new DhcpParseError(at, `option 82 sub-option ${code}`, 'sub-option has no length byte: option 82 ends first');
    }
    const len = v.bytes[p + 1]!;
    if (p + 2 + len > v.end) {
      throw new DhcpParseError(at, `option 82 sub-option ${code}`,
        `sub-option declares ${len} bytes, runs ${p + 2 + len - v.end} past the end of option 82`);
    }
    const hex = hexOf(v.bytes, p + 2, p + 2 + len);
    out.subOptions.push({ code, hex });
    if (code === RELAY_CIRCUIT_ID && out.circuitId === undefined) out.circuitId = hex;
    if (code === RELAY_REMOTE_ID && out.remoteId === undefined) out.remoteId = hex;
    p += 2 + len;
  }
  return out;
}

/** A NUL-terminated text field (sname, file: RFC 2131 §2), escaped. */
function cString(b: Uint8Array, from: number, to: number): string {
  let e = from;
  while (e < to && b[e] !== 0) e++;
  return escapeDhcpText(b, from, e);
}
