/**
 * Application records (DNS, …) as ECS JSON fields. These are far fewer than flow records, so
 * they are built as strings with JSON.stringify for every text value: names seen on the wire
 * can hold any byte.
 */
import { formatRfc3339 } from '../../core/time.js';
import type {
  AppRecord, AppRecordBase, DhcpRecord, DnsRecord, HttpRecord, QuicRecord, TlsRecord,
} from '../../model/app-record.js';
import { ianaProtocolName } from './iana-protocols.js';

const q = JSON.stringify;

/** The fields of an application record, without braces and without the observer fields. */
export function appRecordFields(r: AppRecord): string {
  switch (r.kind) {
    case 'dns':
      return `${common(r, 'dns')}${dnsFields(r)}`;
    case 'dhcp':
      return `${common(r, 'dhcp')}${dhcpFields(r)}`;
    case 'http':
      return `${common(r, 'http')}${httpFields(r)}`;
    case 'tls':
      return `${common(r, 'tls')}${tlsFields(r)}`;
    case 'quic':
      return `${common(r, 'quic')}${quicFields(r)}`;
  }
}

/** Time, event, network, source and destination fields shared by every application record. */
function common(r: AppRecordBase, protocol: string): string {
  let s = `"@timestamp":"${formatRfc3339(r.sec, r.nsec, r.tsDigits)}","event.kind":"event",` +
    `"event.category":["network"],"event.type":["protocol"],"event.dataset":"${protocol}"`;
  if (r.durationNs >= 0) s += `,"event.duration":${r.durationNs}`;
  s += `,"network.type":"ipv${r.ipVersion}","network.transport":"${ianaProtocolName(r.ipProto)}",` +
    `"network.iana_number":"${r.ipProto}","network.protocol":"${protocol}","network.community_id":"${r.communityId}",` +
    `"source.ip":"${r.sourceIp}","source.port":${r.sourcePort},"destination.ip":"${r.destinationIp}",` +
    `"destination.port":${r.destinationPort}`;
  return s;
}

function dnsFields(r: DnsRecord): string {
  let s = `,"dns.id":${r.id},"dns.type":"${r.type}","dns.op_code":${r.opCode}`;
  if (r.questionName !== undefined) {
    s += `,"dns.question.name":${q(r.questionName)},"dns.question.type":${q(r.questionType)},` +
      `"dns.question.class":${q(r.questionClass)}`;
  }
  if (r.responseCode !== undefined) s += `,"dns.response_code":${q(r.responseCode)}`;
  s += `,"dns.header_flags":${q(r.headerFlags)}`;
  if (r.answers.length > 0) {
    s += ',"dns.answers":[';
    for (let i = 0; i < r.answers.length; i++) {
      const a = r.answers[i]!;
      s += `${i === 0 ? '' : ','}{"name":${q(a.name)},"type":"${a.type}","class":"${a.class}","ttl":${a.ttl},"data":${q(a.data)}}`;
    }
    s += ']';
  }
  if (r.resolvedIps.length > 0) s += `,"dns.resolved_ip":["${r.resolvedIps.join('","')}"]`;
  if (r.incomplete !== undefined) s += `,"weft.dns.incomplete":"${r.incomplete}"`;
  return s;
}

function dhcpFields(r: DhcpRecord): string {
  let s = `,"client.mac":${q(r.clientMac)},"weft.dhcp.message_type":${q(r.messageType)},` +
    `"weft.dhcp.transaction_id":${r.transactionId},"weft.dhcp.client_ip":"${r.clientIp}",` +
    `"weft.dhcp.assigned_ip":"${r.assignedIp}","weft.dhcp.relay_ip":"${r.relayIp}"`;
  if (r.requestedIp !== undefined) s += `,"weft.dhcp.requested_ip":"${r.requestedIp}"`;
  if (r.serverId !== undefined) s += `,"weft.dhcp.server_id":"${r.serverId}"`;
  if (r.hostname !== undefined) s += `,"weft.dhcp.hostname":${q(r.hostname)}`;
  if (r.leaseTime !== undefined) s += `,"weft.dhcp.lease_time":${r.leaseTime}`;
  if (r.vendorClass !== undefined) s += `,"weft.dhcp.vendor_class":${q(r.vendorClass)}`;
  if (r.clientId !== undefined) s += `,"weft.dhcp.client_id":${q(r.clientId)}`;
  if (r.paramRequestList !== undefined) s += `,"weft.dhcp.param_request_list":${q(r.paramRequestList)}`;
  if (r.routers !== undefined) s += `,"weft.dhcp.routers":${q(r.routers)}`;
  if (r.dnsServers !== undefined) s += `,"weft.dhcp.dns_servers":${q(r.dnsServers)}`;
  if (r.subnetMask !== undefined) s += `,"weft.dhcp.subnet_mask":"${r.subnetMask}"`;
  if (r.domainName !== undefined) s += `,"weft.dhcp.domain_name":${q(r.domainName)}`;
  if (r.relayCircuitId !== undefined) s += `,"weft.dhcp.relay.circuit_id":${q(r.relayCircuitId)}`;
  if (r.relayRemoteId !== undefined) s += `,"weft.dhcp.relay.remote_id":${q(r.relayRemoteId)}`;
  s += `,"weft.dhcp.options":${q(r.options)}`;
  return s;
}

function httpFields(r: HttpRecord): string {
  let s = `,"http.request.method":${q(r.method)},"url.original":${q(r.urlOriginal)}`;
  if (r.urlPath !== undefined) s += `,"url.path":${q(r.urlPath)}`;
  if (r.urlQuery !== undefined) s += `,"url.query":${q(r.urlQuery)}`;
  if (r.urlDomain !== undefined) s += `,"url.domain":${q(r.urlDomain)}`;
  if (r.urlPort !== undefined) s += `,"url.port":${r.urlPort}`;
  s += `,"http.version":${q(r.version)}`;
  if (r.statusCode !== undefined) s += `,"http.response.status_code":${r.statusCode}`;
  if (r.responseVersion !== undefined && r.responseVersion !== r.version) s += `,"weft.http.response_version":${q(r.responseVersion)}`;
  if (r.userAgent !== undefined) s += `,"user_agent.original":${q(r.userAgent)}`;
  if (r.referrer !== undefined) s += `,"http.request.referrer":${q(r.referrer)}`;
  if (r.requestMimeType !== undefined) s += `,"http.request.mime_type":${q(r.requestMimeType)}`;
  if (r.responseMimeType !== undefined) s += `,"http.response.mime_type":${q(r.responseMimeType)}`;
  s += `,"http.request.body.bytes":${r.requestBodyBytes},"http.response.body.bytes":${r.responseBodyBytes}`;
  if (r.interim.length > 0) s += `,"weft.http.interim_status_codes":${q(r.interim)}`;
  if (r.incomplete !== undefined) s += `,"weft.http.incomplete":${q(r.incomplete)}`;
  if (r.error !== undefined) s += `,"weft.http.error":${q(r.error)}`;
  return s;
}

function tlsFields(r: TlsRecord): string {
  let s = '';
  if (r.version !== undefined) s += `,"tls.version":"${r.version}","tls.version_protocol":"${r.versionProtocol}"`;
  if (r.cipher !== undefined) s += `,"tls.cipher":${q(r.cipher)}`;
  if (r.serverName !== undefined) s += `,"tls.client.server_name":${q(r.serverName)}`;
  if (r.ja3 !== undefined) s += `,"tls.client.ja3":"${r.ja3}","weft.tls.client.ja3_string":"${r.ja3String}"`;
  if (r.ja4 !== undefined) s += `,"tls.client.ja4":${q(r.ja4)}`;
  if (r.ja3s !== undefined) s += `,"tls.server.ja3s":"${r.ja3s}","weft.tls.server.ja3s_string":"${r.ja3sString}"`;
  if (r.nextProtocol !== undefined) s += `,"tls.next_protocol":${q(r.nextProtocol)}`;
  if (r.offeredAlpn.length > 0) s += `,"weft.tls.client.alpn":${q(r.offeredAlpn)}`;
  if (r.supportedVersions.length > 0) s += `,"weft.tls.client.supported_versions":${q(r.supportedVersions)}`;
  if (r.supportedCiphers.length > 0) s += `,"tls.client.supported_ciphers":${q(r.supportedCiphers)}`;
  s += `,"tls.established":${r.established}`;
  if (r.sslv2ClientHello) s += ',"weft.tls.client.sslv2":true';
  const c = r.serverCertificate;
  if (c !== undefined) {
    s += `,"tls.server.subject":${q(c.subject)},"tls.server.issuer":${q(c.issuer)},` +
      `"tls.server.not_before":"${c.notBefore}","tls.server.not_after":"${c.notAfter}",` +
      `"tls.server.hash.sha256":"${c.sha256}","tls.server.x509.serial_number":"${c.serialNumber}"`;
  }
  if (r.serverChainLength > 0) s += `,"weft.tls.server.chain_length":${r.serverChainLength}`;
  if (r.incomplete !== undefined) s += `,"weft.tls.incomplete":"${r.incomplete}"`;
  if (r.error !== undefined) s += `,"weft.tls.error":${q(r.error)}`;
  return s;
}

function quicFields(r: QuicRecord): string {
  let s = `,"quic.version":${q(r.version)},"weft.quic.dcid":"${r.dcid}","weft.quic.scid":"${r.scid}"`;
  if (r.serverName !== undefined) s += `,"tls.client.server_name":${q(r.serverName)}`;
  if (r.offeredAlpn.length > 0) s += `,"weft.tls.client.alpn":${q(r.offeredAlpn)}`;
  if (r.ja4 !== undefined) s += `,"tls.client.ja4":${q(r.ja4)}`;
  if (r.supportedVersions.length > 0) s += `,"weft.tls.client.supported_versions":${q(r.supportedVersions)}`;
  if (r.retry) s += ',"weft.quic.retry":true';
  if (r.versionNegotiation) s += ',"weft.quic.version_negotiation":true';
  if (r.incomplete !== undefined) s += `,"weft.quic.incomplete":"${r.incomplete}"`;
  if (r.error !== undefined) s += `,"weft.quic.error":${q(r.error)}`;
  return s;
}
