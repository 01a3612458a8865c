/**
 * Application records (DNS, …) as ECS JSON fields. These are far fewer than flow records, so
 * they are built as strings with JSON.stringify for every text value: names seen on the wire
 * can hold any byte.
 */
import { formatRfc3339 } from '../../core/time.js';
import type { AppRecord, AppRecordBase, DhcpRecord, DnsRecord } from '../../model/app-record.js';
import { ianaProtocolName } from './iana-protocols.js';

const q = JSON.stringify;

/** The fields of an application record, without braces and without the observer fields. */
export function appRecordFields(r: AppRecord): string {
  switch (r.kind) {
    case 'dns':
      return `${common(r, 'dns')}${dnsFields(r)}`;
    case 'dhcp':
      return `${common(r, 'dhcp')}${dhcpFields(r)}`;
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
