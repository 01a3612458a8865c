/**
 * @module dpi/dns — DNS messages (RFC 1035 and successors) → owned DnsMessage records:
 * `parseDnsMessage` for one message (UDP payload, or one from `DnsTcpFramer` for DNS over TCP),
 * and the IANA mnemonics for ECS fields (`dnsTypeName`, `dnsClassName`, `dnsRcodeName`,
 * `dnsHeaderFlags`). Malformed input is a DnsParseError naming the offset and field; nothing loops,
 * recurses or reads outside the given range. Imports only core/.
 */
export { parseDnsMessage, dnsHeaderFlags, DNS_HEADER_LEN } from './message.js';
export { DnsParseError } from './errors.js';
export { DnsTcpFramer } from './tcp-framer.js';
export type { DnsMessageCallback } from './tcp-framer.js';
export { DnsType, dnsTypeName, dnsClassName, dnsRcodeName, dnsOpcodeName, svcParamKeyName } from './registry.js';
export { MAX_NAME_WIRE, MAX_POINTER_HOPS } from './names.js';
export type { DnsQuestion, DnsResourceRecord, DnsEdns, DnsMessage } from './types.js';
