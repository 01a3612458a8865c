/**
 * Application records (dns, dhcp, http, tls, quic) as ECS JSON, written as bytes straight into
 * the sink's buffer with JsonLine (no intermediate strings: there can be one per flow). Every
 * text value is escaped: names seen on the wire can hold any byte.
 */
import type {
  AppRecord, AppRecordBase, DhcpRecord, DnsAnswer, DnsRecord, HttpRecord, IcmpErrorRecord, QuicRecord, TlsRecord,
} from '../../model/app-record.js';
import type { ByteOutput } from './ascii.js';
import { ianaProtocolName } from './iana-protocols.js';
import { JsonLine, key } from './json-line.js';

const K = {
  timestamp: key('@timestamp'), kind: key('event.kind'), category: key('event.category'), type: key('event.type'),
  dataset: key('event.dataset'), duration: key('event.duration'), networkType: key('network.type'),
  transport: key('network.transport'), iana: key('network.iana_number'), protocol: key('network.protocol'),
  communityId: key('network.community_id'), sourceIp: key('source.ip'), sourcePort: key('source.port'),
  destinationIp: key('destination.ip'), destinationPort: key('destination.port'),
  // dns
  dnsId: key('dns.id'), dnsType: key('dns.type'), dnsOpCode: key('dns.op_code'), qName: key('dns.question.name'),
  qType: key('dns.question.type'), qClass: key('dns.question.class'), rcode: key('dns.response_code'),
  flags: key('dns.header_flags'), answers: key('dns.answers'), resolved: key('dns.resolved_ip'),
  dnsIncomplete: key('weft.dns.incomplete'),
  aName: key('name'), aType: key('type'), aClass: key('class'), aTtl: key('ttl'), aData: key('data'),
  // dhcp
  clientMac: key('client.mac'), dhcpType: key('weft.dhcp.message_type'), xid: key('weft.dhcp.transaction_id'),
  ciaddr: key('weft.dhcp.client_ip'), yiaddr: key('weft.dhcp.assigned_ip'), giaddr: key('weft.dhcp.relay_ip'),
  requested: key('weft.dhcp.requested_ip'), serverId: key('weft.dhcp.server_id'), hostname: key('weft.dhcp.hostname'),
  lease: key('weft.dhcp.lease_time'), vendor: key('weft.dhcp.vendor_class'), clientId: key('weft.dhcp.client_id'),
  prl: key('weft.dhcp.param_request_list'), routers: key('weft.dhcp.routers'), dnsServers: key('weft.dhcp.dns_servers'),
  mask: key('weft.dhcp.subnet_mask'), domain: key('weft.dhcp.domain_name'),
  circuit: key('weft.dhcp.relay.circuit_id'), remote: key('weft.dhcp.relay.remote_id'), options: key('weft.dhcp.options'),
  // http
  method: key('http.request.method'), urlOriginal: key('url.original'), urlPath: key('url.path'),
  urlQuery: key('url.query'), urlDomain: key('url.domain'), urlPort: key('url.port'), httpVersion: key('http.version'),
  status: key('http.response.status_code'), responseVersion: key('weft.http.response_version'),
  userAgent: key('user_agent.original'), referrer: key('http.request.referrer'),
  requestMime: key('http.request.mime_type'), responseMime: key('http.response.mime_type'),
  requestBody: key('http.request.body.bytes'), responseBody: key('http.response.body.bytes'),
  interim: key('weft.http.interim_status_codes'), httpIncomplete: key('weft.http.incomplete'),
  httpError: key('weft.http.error'),
  // tls and quic
  tlsVersion: key('tls.version'), tlsProtocol: key('tls.version_protocol'), cipher: key('tls.cipher'),
  sni: key('tls.client.server_name'), ja3: key('tls.client.ja3'), ja3String: key('weft.tls.client.ja3_string'),
  ja4: key('tls.client.ja4'), ja3s: key('tls.server.ja3s'), ja3sString: key('weft.tls.server.ja3s_string'),
  nextProtocol: key('tls.next_protocol'), alpn: key('weft.tls.client.alpn'),
  versions: key('weft.tls.client.supported_versions'), ciphers: key('tls.client.supported_ciphers'),
  established: key('tls.established'), resumed: key('tls.resumed'), sslv2: key('weft.tls.client.sslv2'), subject: key('tls.server.subject'),
  issuer: key('tls.server.issuer'), notBefore: key('tls.server.not_before'), notAfter: key('tls.server.not_after'),
  sha256: key('tls.server.hash.sha256'), serial: key('tls.server.x509.serial_number'),
  chain: key('weft.tls.server.chain_length'), tlsIncomplete: key('weft.tls.incomplete'), tlsError: key('weft.tls.error'),
  quicVersion: key('quic.version'), dcid: key('weft.quic.dcid'), scid: key('weft.quic.scid'),
  retry: key('weft.quic.retry'), vn: key('weft.quic.version_negotiation'),
  quicIncomplete: key('weft.quic.incomplete'), quicError: key('weft.quic.error'),
  // icmp
  icmpType: key('weft.icmp.type'), icmpCode: key('weft.icmp.code'), qProto: key('weft.icmp.quoted.network.iana_number'),
  qSourceIp: key('weft.icmp.quoted.source.ip'), qSourcePort: key('weft.icmp.quoted.source.port'),
  qDestinationIp: key('weft.icmp.quoted.destination.ip'), qDestinationPort: key('weft.icmp.quoted.destination.port'),
  qCommunityId: key('weft.icmp.quoted.community_id'),
};

const EVENT = Buffer.from('"event"', 'latin1');
const NETWORK = Buffer.from('["network"]', 'latin1');
const PROTOCOL = Buffer.from('["protocol"]', 'latin1');
const IP_VERSION = [Buffer.from('"ipv4"', 'latin1'), Buffer.from('"ipv6"', 'latin1')];

const w = new JsonLine();

/** One application record as one JSON object (no newline); `tail` closes it (observer fields + `}`). */
export function writeAppRecord(r: AppRecord, out: ByteOutput, tail: Uint8Array): void {
  w.begin(out);
  switch (r.kind) {
    case 'dns': common(r, 'dns'); dns(r); break;
    case 'dhcp': common(r, 'dhcp'); dhcp(r); break;
    case 'http': common(r, 'http'); http(r); break;
    case 'tls': common(r, 'tls'); tls(r); break;
    case 'quic': common(r, 'quic'); quic(r); break;
    case 'icmp': common(r, 'icmp'); icmp(r); break;
  }
  w.end(tail);
}

/** Time, event, network, source and destination fields shared by every application record. */
function common(r: AppRecordBase, protocol: string): void {
  w.time(K.timestamp, r.sec, r.nsec, r.tsDigits).rawValue(K.kind, EVENT).rawValue(K.category, NETWORK)
    .rawValue(K.type, PROTOCOL).word(K.dataset, protocol);
  if (r.durationNs >= 0) w.num(K.duration, r.durationNs);
  w.rawValue(K.networkType, IP_VERSION[r.ipVersion === 6 ? 1 : 0]!).word(K.transport, ianaProtocolName(r.ipProto))
    .numString(K.iana, r.ipProto).word(K.protocol, protocol).str(K.communityId, r.communityId)
    .str(K.sourceIp, r.sourceIp).num(K.sourcePort, r.sourcePort)
    .str(K.destinationIp, r.destinationIp).num(K.destinationPort, r.destinationPort);
}

function answer(a: JsonLine, x: DnsAnswer): void {
  a.str(K.aName, x.name).word(K.aType, x.type).word(K.aClass, x.class).num(K.aTtl, x.ttl).str(K.aData, x.data);
}

function dns(r: DnsRecord): void {
  w.num(K.dnsId, r.id).word(K.dnsType, r.type).num(K.dnsOpCode, r.opCode);
  if (r.questionName !== undefined) w.str(K.qName, r.questionName).word(K.qType, r.questionType).word(K.qClass, r.questionClass);
  w.word(K.rcode, r.responseCode).words(K.flags, r.headerFlags);
  if (r.answers.length > 0) w.objects(K.answers, r.answers, answer);
  if (r.resolvedIps.length > 0) w.strs(K.resolved, r.resolvedIps);
  w.str(K.dnsIncomplete, r.incomplete);
}

function dhcp(r: DhcpRecord): void {
  w.str(K.clientMac, r.clientMac).word(K.dhcpType, r.messageType).num(K.xid, r.transactionId)
    .str(K.ciaddr, r.clientIp).str(K.yiaddr, r.assignedIp).str(K.giaddr, r.relayIp)
    .str(K.requested, r.requestedIp).str(K.serverId, r.serverId).str(K.hostname, r.hostname)
    .num(K.lease, r.leaseTime).str(K.vendor, r.vendorClass).str(K.clientId, r.clientId)
    .nums(K.prl, r.paramRequestList).strs(K.routers, r.routers).strs(K.dnsServers, r.dnsServers)
    .str(K.mask, r.subnetMask).str(K.domain, r.domainName).str(K.circuit, r.relayCircuitId)
    .str(K.remote, r.relayRemoteId).nums(K.options, r.options);
}

function http(r: HttpRecord): void {
  w.word(K.method, r.method).str(K.urlOriginal, r.urlOriginal).str(K.urlPath, r.urlPath).str(K.urlQuery, r.urlQuery)
    .str(K.urlDomain, r.urlDomain).num(K.urlPort, r.urlPort).word(K.httpVersion, r.version).num(K.status, r.statusCode);
  if (r.responseVersion !== undefined && r.responseVersion !== r.version) w.str(K.responseVersion, r.responseVersion);
  w.str(K.userAgent, r.userAgent).str(K.referrer, r.referrer).word(K.requestMime, r.requestMimeType)
    .word(K.responseMime, r.responseMimeType).num(K.requestBody, r.requestBodyBytes).num(K.responseBody, r.responseBodyBytes);
  if (r.interim.length > 0) w.nums(K.interim, r.interim);
  w.str(K.httpIncomplete, r.incomplete).str(K.httpError, r.error);
}

function tls(r: TlsRecord): void {
  w.word(K.tlsVersion, r.version).word(K.tlsProtocol, r.versionProtocol).word(K.cipher, r.cipher).str(K.sni, r.serverName)
    .str(K.ja3, r.ja3).str(K.ja3String, r.ja3String).str(K.ja4, r.ja4).str(K.ja3s, r.ja3s).str(K.ja3sString, r.ja3sString)
    .word(K.nextProtocol, r.nextProtocol);
  if (r.offeredAlpn.length > 0) w.words(K.alpn, r.offeredAlpn);
  if (r.supportedVersions.length > 0) w.words(K.versions, r.supportedVersions);
  if (r.supportedCiphers.length > 0) w.words(K.ciphers, r.supportedCiphers);
  w.bool(K.established, r.established).bool(K.resumed, r.resumed);
  if (r.sslv2ClientHello) w.bool(K.sslv2, true);
  const c = r.serverCertificate;
  if (c !== undefined) {
    w.str(K.subject, c.subject).str(K.issuer, c.issuer).str(K.notBefore, c.notBefore).str(K.notAfter, c.notAfter)
      .str(K.sha256, c.sha256).str(K.serial, c.serialNumber);
  }
  if (r.serverChainLength > 0) w.num(K.chain, r.serverChainLength);
  w.str(K.tlsIncomplete, r.incomplete).str(K.tlsError, r.error);
}

function quic(r: QuicRecord): void {
  w.word(K.quicVersion, r.version).str(K.dcid, r.dcid).str(K.scid, r.scid).str(K.sni, r.serverName);
  if (r.offeredAlpn.length > 0) w.words(K.alpn, r.offeredAlpn);
  w.str(K.ja4, r.ja4);
  if (r.supportedVersions.length > 0) w.strs(K.versions, r.supportedVersions);
  if (r.retry) w.bool(K.retry, true);
  if (r.versionNegotiation) w.bool(K.vn, true);
  w.str(K.quicIncomplete, r.incomplete).str(K.quicError, r.error);
}

function icmp(r: IcmpErrorRecord): void {
  w.num(K.icmpType, r.icmpType).num(K.icmpCode, r.icmpCode).numString(K.qProto, r.quotedIpProto)
    .str(K.qSourceIp, r.quotedSourceIp).num(K.qSourcePort, r.quotedSourcePort)
    .str(K.qDestinationIp, r.quotedDestinationIp).num(K.qDestinationPort, r.quotedDestinationPort)
    .str(K.qCommunityId, r.quotedCommunityId);
}
