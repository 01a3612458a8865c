/**
 * IANA "Domain Name System (DNS) Parameters": RR TYPEs, CLASSes, RCODEs and opcodes, as numbers
 * (the parser dispatches on these) and as the mnemonics dig, tshark and ECS `dns.question.type` use.
 * Unassigned values print the RFC 3597 §5 way: `TYPE12345`, `CLASS42`.
 */

/** RR TYPEs the parser formats specially (IANA registry; RFC in the comment). */
export const DnsType = {
  A: 1, // RFC 1035
  NS: 2,
  MD: 3,
  MF: 4,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  PTR: 12,
  HINFO: 13,
  MINFO: 14,
  MX: 15,
  TXT: 16,
  RP: 17, // RFC 1183
  AFSDB: 18, // RFC 1183
  RT: 21, // RFC 1183
  SIG: 24, // RFC 2535
  KEY: 25, // RFC 2535
  PX: 26, // RFC 2163
  AAAA: 28, // RFC 3596
  SRV: 33, // RFC 2782
  NAPTR: 35, // RFC 3403
  KX: 36, // RFC 2230
  DNAME: 39, // RFC 6672
  OPT: 41, // RFC 6891
  DS: 43, // RFC 4034
  SSHFP: 44, // RFC 4255
  RRSIG: 46, // RFC 4034
  NSEC: 47, // RFC 4034
  DNSKEY: 48, // RFC 4034
  DHCID: 49, // RFC 4701
  NSEC3: 50, // RFC 5155
  NSEC3PARAM: 51, // RFC 5155
  TLSA: 52, // RFC 6698
  SMIMEA: 53, // RFC 8162
  CDS: 59, // RFC 7344
  CDNSKEY: 60, // RFC 7344
  OPENPGPKEY: 61, // RFC 7929
  SVCB: 64, // RFC 9460
  HTTPS: 65, // RFC 9460
  SPF: 99, // RFC 7208 (obsolete, same RDATA as TXT)
  EUI48: 108, // RFC 7043
  EUI64: 109, // RFC 7043
  TSIG: 250, // RFC 8945
  ANY: 255, // RFC 1035 QTYPE *
  URI: 256, // RFC 7553
  CAA: 257, // RFC 8659
  TA: 32768, // DNSSEC Trust Authorities (DS format)
  DLV: 32769, // RFC 4431 (DS format)
} as const;

// Index = TYPE value; '' = unassigned. From the IANA registry, 2025.
const TYPE_NAMES: readonly string[] = (() => {
  const t: string[] = [];
  const set = (v: number, n: string): void => { t[v] = n; };
  ['', 'A', 'NS', 'MD', 'MF', 'CNAME', 'SOA', 'MB', 'MG', 'MR', 'NULL', 'WKS', 'PTR', 'HINFO', 'MINFO', 'MX', 'TXT',
    'RP', 'AFSDB', 'X25', 'ISDN', 'RT', 'NSAP', 'NSAP-PTR', 'SIG', 'KEY', 'PX', 'GPOS', 'AAAA', 'LOC', 'NXT', 'EID',
    'NIMLOC', 'SRV', 'ATMA', 'NAPTR', 'KX', 'CERT', 'A6', 'DNAME', 'SINK', 'OPT', 'APL', 'DS', 'SSHFP', 'IPSECKEY',
    'RRSIG', 'NSEC', 'DNSKEY', 'DHCID', 'NSEC3', 'NSEC3PARAM', 'TLSA', 'SMIMEA', '', 'HIP', 'NINFO', 'RKEY', 'TALINK',
    'CDS', 'CDNSKEY', 'OPENPGPKEY', 'CSYNC', 'ZONEMD', 'SVCB', 'HTTPS', 'DSYNC'].forEach((n, i) => set(i, n));
  ['SPF', 'UINFO', 'UID', 'GID', 'UNSPEC', 'NID', 'L32', 'L64', 'LP', 'EUI48', 'EUI64'].forEach((n, i) => set(99 + i, n));
  set(128, 'NXNAME');
  ['TKEY', 'TSIG', 'IXFR', 'AXFR', 'MAILB', 'MAILA', 'ANY', 'URI', 'CAA', 'AVC', 'DOA', 'AMTRELAY', 'RESINFO', 'WALLET',
    'CLA', 'IPN'].forEach((n, i) => set(249 + i, n));
  for (let i = 0; i < t.length; i++) t[i] ??= '';
  return t;
})();

/**
 * The mnemonic of an RR TYPE ("A", "AAAA", "HTTPS", …); `TYPE<n>` when unassigned (RFC 3597 §5).
 * QTYPE 255 is "ANY" (the registry's "*"), as tshark and ECS write it.
 */
export function dnsTypeName(type: number): string {
  const n = TYPE_NAMES[type];
  if (n !== undefined && n !== '') return n;
  if (type === DnsType.TA) return 'TA';
  if (type === DnsType.DLV) return 'DLV';
  return `TYPE${type}`;
}

/** CLASS mnemonics (RFC 1035 §3.2.4, RFC 2136 §2.4 NONE); `CLASS<n>` otherwise (RFC 3597 §5). */
export function dnsClassName(cls: number): string {
  switch (cls) {
    case 1: return 'IN';
    case 2: return 'CS';
    case 3: return 'CH';
    case 4: return 'HS';
    case 254: return 'NONE';
    case 255: return 'ANY';
    default: return `CLASS${cls}`;
  }
}

// RCODE 0–23 (RFC 1035, 2136, 6891, 8945, 2930, 7873). 16 is both BADVERS (OPT) and BADSIG (TSIG):
// in a message's rcode it can only be the EDNS one, so BADVERS.
const RCODE_NAMES: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH',
  'NOTZONE', 'DSOTYPENI', '', '', '', '', 'BADVERS', 'BADKEY', 'BADTIME', 'BADMODE', 'BADNAME', 'BADALG', 'BADTRUNC',
  'BADCOOKIE',
];

/** The mnemonic of an RCODE (4-bit or EDNS-extended 12-bit); `RCODE<n>` when unassigned. */
export function dnsRcodeName(rcode: number): string {
  const n = RCODE_NAMES[rcode];
  return n !== undefined && n !== '' ? n : `RCODE${rcode}`;
}

/** Opcode mnemonics (RFC 1035, 1996 NOTIFY, 2136 UPDATE, 8490 DSO); `OPCODE<n>` otherwise. */
export function dnsOpcodeName(opcode: number): string {
  switch (opcode) {
    case 0: return 'QUERY';
    case 1: return 'IQUERY';
    case 2: return 'STATUS';
    case 4: return 'NOTIFY';
    case 5: return 'UPDATE';
    case 6: return 'DSO';
    default: return `OPCODE${opcode}`;
  }
}

/** SvcParamKey mnemonics (RFC 9460 §14.3.2, RFC 9461 dohpath, RFC 9540 ohttp); `key<n>` otherwise. */
const SVC_KEY_NAMES: readonly string[] = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint',
  'dohpath', 'ohttp'];

export function svcParamKeyName(key: number): string {
  return SVC_KEY_NAMES[key] ?? `key${key}`;
}
