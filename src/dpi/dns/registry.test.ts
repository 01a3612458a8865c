// IANA mnemonics: types, classes, rcodes, opcodes, SvcParam keys; RFC 3597 forms for the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsClassName, dnsOpcodeName, dnsRcodeName, dnsTypeName, DnsType, svcParamKeyName } from './index.js';

test('dnsTypeName: the IANA mnemonics, TYPEn otherwise', () => {
  const want: [number, string][] = [
    [1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [12, 'PTR'], [13, 'HINFO'], [15, 'MX'], [16, 'TXT'], [18, 'AFSDB'],
    [23, 'NSAP-PTR'], [28, 'AAAA'], [29, 'LOC'], [33, 'SRV'], [35, 'NAPTR'], [39, 'DNAME'], [41, 'OPT'], [43, 'DS'],
    [44, 'SSHFP'], [46, 'RRSIG'], [47, 'NSEC'], [48, 'DNSKEY'], [50, 'NSEC3'], [51, 'NSEC3PARAM'], [52, 'TLSA'],
    [53, 'SMIMEA'], [55, 'HIP'], [59, 'CDS'], [60, 'CDNSKEY'], [61, 'OPENPGPKEY'], [62, 'CSYNC'], [63, 'ZONEMD'],
    [64, 'SVCB'], [65, 'HTTPS'], [66, 'DSYNC'], [99, 'SPF'], [108, 'EUI48'], [109, 'EUI64'], [128, 'NXNAME'],
    [249, 'TKEY'], [250, 'TSIG'], [251, 'IXFR'], [252, 'AXFR'], [255, 'ANY'], [256, 'URI'], [257, 'CAA'],
    [264, 'IPN'], [32768, 'TA'], [32769, 'DLV'],
    [0, 'TYPE0'], [54, 'TYPE54'], [67, 'TYPE67'], [98, 'TYPE98'], [110, 'TYPE110'], [265, 'TYPE265'], [12345, 'TYPE12345'],
    [65535, 'TYPE65535'],
  ];
  for (const [type, name] of want) assert.equal(dnsTypeName(type), name, String(type));
  for (const [name, value] of Object.entries(DnsType)) assert.equal(dnsTypeName(value), name);
});

test('dnsClassName, dnsRcodeName, dnsOpcodeName, svcParamKeyName', () => {
  assert.deepEqual([1, 2, 3, 4, 254, 255, 0, 5, 0x8001].map(dnsClassName),
    ['IN', 'CS', 'CH', 'HS', 'NONE', 'ANY', 'CLASS0', 'CLASS5', 'CLASS32769']);
  assert.deepEqual([...Array(24).keys()].map(dnsRcodeName), ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP',
    'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'DSOTYPENI', 'RCODE12', 'RCODE13', 'RCODE14',
    'RCODE15', 'BADVERS', 'BADKEY', 'BADTIME', 'BADMODE', 'BADNAME', 'BADALG', 'BADTRUNC', 'BADCOOKIE']);
  assert.equal(dnsRcodeName(4095), 'RCODE4095');
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(dnsOpcodeName), ['QUERY', 'IQUERY', 'STATUS', 'OPCODE3', 'NOTIFY', 'UPDATE', 'DSO', 'OPCODE7']);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 65535].map(svcParamKeyName), ['mandatory', 'alpn', 'no-default-alpn',
    'port', 'ipv4hint', 'ech', 'ipv6hint', 'dohpath', 'ohttp', 'key9', 'key65535']);
});
