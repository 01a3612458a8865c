/**
 * For the protobuf tests: the weft.v1 schema loaded by protobufjs (an independent decoder), and a
 * converter from decoded messages back to the ECS JSON object the JSON encoder writes for the same
 * record, following docs/schema.md (derived keys, constants, enum names, presence). A protobuf
 * record that converts to exactly the JSON line carries the same information.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { diffNanos, formatRfc3339 } from '../../src/core/time.js';
import { ianaProtocolName } from '../../src/export/encode/iana-protocols.js';
import { REPO_ROOT } from '../support/corpus.js';

export type Obj = Record<string, any>;

let root: protobuf.Root | undefined;

export function weftProto(): protobuf.Root {
  if (root === undefined) {
    root = new protobuf.Root();
    root.loadSync(join(REPO_ROOT, 'schema', 'weft', 'v1', 'weft.proto'), { keepCase: true });
    root.resolveAll();
  }
  return root;
}

/** Decodes `bytes` as weft.v1.NAME into a plain object: numbers for 64-bit fields, enum names, absent defaults left out. */
export function decode(name: string, bytes: Uint8Array): Obj {
  const type = weftProto().lookupType(`weft.v1.${name}`);
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, defaults: false }) as Obj;
}

/** Batch field → record type (`event.dataset`). */
export const BATCH_KINDS: Readonly<Record<string, string>> = {
  flows: 'flow', dns: 'dns', http: 'http', tls: 'tls', quic: 'quic', dhcp: 'dhcp', icmp_errors: 'icmp', events: 'event',
  topology: 'topology', captures: 'capture', stats: 'stats', audit: 'audit',
};

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

function flagNames(flags: number): string[] {
  return TCP_FLAGS.filter((_, bit) => (flags & (1 << bit)) !== 0);
}

/** Enum value name → JSON string: the prefix dropped, lowercased. */
function enumText(name: string, prefix: string): string {
  return name.slice(prefix.length).toLowerCase();
}

function time(t: Obj | undefined, digits: number): string {
  return formatRfc3339(t?.['seconds'] ?? 0, t?.['nanos'] ?? 0, digits);
}

/** The keys the JSON's `,` + observer tail holds. */
function observer(o: Obj | undefined): Obj {
  const out: Obj = { 'observer.hostname': o?.['hostname'] ?? '', 'observer.type': 'weft' };
  const p = o?.['point'] as Obj | undefined;
  if (p === undefined) return out;
  if (p['interface_id'] !== undefined) out['observer.ingress.interface.id'] = String(p['interface_id']);
  if (p['interface_name'] !== undefined) out['observer.ingress.interface.name'] = p['interface_name'];
  if (p['interface_alias'] !== undefined) out['observer.ingress.interface.alias'] = p['interface_alias'];
  if (p['index'] !== undefined) out['weft.observation_point'] = p['index'];
  if (p['netns_inode'] !== undefined) out['weft.netns.inode'] = p['netns_inode'];
  if (p['netns_name'] !== undefined) out['weft.netns.name'] = p['netns_name'];
  if (p['capture_file'] !== undefined) out['weft.capture.file'] = p['capture_file'];
  if ((p['capture_section'] ?? 0) !== 0) out['weft.capture.section'] = p['capture_section'];
  return out;
}

function flow(m: Obj): Obj {
  const digits = m['time_precision'] ?? 0;
  const s: Obj = m['source'] ?? {};
  const d: Obj = m['destination'] ?? {};
  const iana = m['iana_number'] ?? 0;
  const o: Obj = {
    '@timestamp': time(m['end'], digits),
    'event.kind': 'event', 'event.category': ['network'], 'event.type': ['connection', 'end'], 'event.dataset': 'flow',
    'event.start': time(m['start'], digits),
    'event.end': time(m['end'], digits),
    'event.duration': diffNanos(m['end']?.['seconds'] ?? 0, m['end']?.['nanos'] ?? 0, m['start']?.['seconds'] ?? 0, m['start']?.['nanos'] ?? 0),
    'event.reason': enumText(m['reason'], 'FLOW_END_REASON_'),
    'network.type': `ipv${m['ip_version'] ?? 0}`,
    'network.transport': ianaProtocolName(iana),
    'network.iana_number': String(iana),
    'network.community_id': m['community_id'] ?? '',
    'network.packets': (s['packets'] ?? 0) + (d['packets'] ?? 0),
    'network.bytes': (s['bytes'] ?? 0) + (d['bytes'] ?? 0),
  };
  if (m['protocol'] !== undefined) o['network.protocol'] = m['protocol'];
  for (const [side, e] of [['source', s], ['destination', d]] as const) {
    o[`${side}.ip`] = e['ip'] ?? '';
    o[`${side}.port`] = e['port'] ?? 0;
    if (e['mac'] !== undefined) o[`${side}.mac`] = e['mac'];
    o[`${side}.packets`] = e['packets'] ?? 0;
    o[`${side}.bytes`] = e['bytes'] ?? 0;
    if (iana === 6) o[`${side}.tcp.flags`] = flagNames(e['tcp_flags'] ?? 0);
  }
  const vlan = m['vlan_id'] ?? 0;
  const inner = m['inner_vlan_id'] ?? 0;
  if (vlan !== 0 || inner !== 0) o['network.vlan.id'] = String(vlan);
  if (inner !== 0) o['network.inner.vlan.id'] = String(inner);
  if (m['icmp_type'] !== undefined) {
    o['weft.icmp.type'] = m['icmp_type'];
    o['weft.icmp.code'] = m['icmp_code'];
  }
  if (m['rtt_ns'] !== undefined) o['weft.tcp.rtt'] = m['rtt_ns'];
  if (m['rtt_server_ns'] !== undefined) o['weft.tcp.rtt_server'] = m['rtt_server_ns'];
  if (m['rtt_client_ns'] !== undefined) o['weft.tcp.rtt_client'] = m['rtt_client_ns'];
  if ((m['fragments'] ?? 0) > 0) o['weft.fragments'] = m['fragments'];
  const t = m['tunnel'] as Obj | undefined;
  if (t !== undefined) {
    o['weft.tunnel.type'] = enumText(t['type'], 'TUNNEL_TYPE_');
    o['weft.tunnel.id'] = t['id'] ?? 0;
    o['weft.tunnel.network.type'] = `ipv${t['ip_version'] ?? 0}`;
    o['weft.tunnel.source.ip'] = t['source_ip'] ?? '';
    o['weft.tunnel.destination.ip'] = t['destination_ip'] ?? '';
    o['weft.tunnel.network.iana_number'] = String(t['iana_number'] ?? 0);
  }
  return { ...o, ...observer(m['observer']) };
}

/** Fields 1–9 of an application record. */
function app(m: Obj, kind: string): Obj {
  const iana = m['iana_number'] ?? 0;
  const o: Obj = {
    '@timestamp': time(m['timestamp'], m['time_precision'] ?? 0),
    'event.kind': 'event', 'event.category': ['network'], 'event.type': ['protocol'], 'event.dataset': kind,
  };
  if (m['duration_ns'] !== undefined) o['event.duration'] = m['duration_ns'];
  Object.assign(o, {
    'network.type': m['ip_version'] === 6 ? 'ipv6' : 'ipv4',
    'network.transport': ianaProtocolName(iana),
    'network.iana_number': String(iana),
    'network.protocol': kind,
    'network.community_id': m['community_id'] ?? '',
    'source.ip': m['source']?.['ip'] ?? '',
    'source.port': m['source']?.['port'] ?? 0,
    'destination.ip': m['destination']?.['ip'] ?? '',
    'destination.port': m['destination']?.['port'] ?? 0,
  });
  return o;
}

/** Copies the fields of `m` named in `keys` (field → JSON key) that are present. */
function present(o: Obj, m: Obj, keys: Readonly<Record<string, string>>): void {
  for (const [field, key] of Object.entries(keys)) if (m[field] !== undefined) o[key] = m[field];
}

function nonEmpty(o: Obj, m: Obj, keys: Readonly<Record<string, string>>): void {
  for (const [field, key] of Object.entries(keys)) if (m[field] !== undefined && m[field].length > 0) o[key] = m[field];
}

function dns(m: Obj): Obj {
  const o = app(m, 'dns');
  o['dns.id'] = m['id'] ?? 0;
  o['dns.type'] = m['type'] ?? '';
  o['dns.op_code'] = m['op_code'] ?? 0;
  if (m['question_name'] !== undefined) {
    o['dns.question.name'] = m['question_name'];
    present(o, m, { question_type: 'dns.question.type', question_class: 'dns.question.class' });
  }
  present(o, m, { response_code: 'dns.response_code' });
  o['dns.header_flags'] = m['header_flags'] ?? [];
  if (m['answers'] !== undefined) {
    o['dns.answers'] = m['answers'].map((a: Obj) => ({ name: a['name'] ?? '', type: a['type'] ?? '', class: a['class'] ?? '', ttl: a['ttl'] ?? 0, data: a['data'] ?? '' }));
  }
  nonEmpty(o, m, { resolved_ip: 'dns.resolved_ip' });
  present(o, m, { incomplete: 'weft.dns.incomplete' });
  return { ...o, ...observer(m['observer']) };
}

function dhcp(m: Obj): Obj {
  const o = app(m, 'dhcp');
  Object.assign(o, {
    'client.mac': m['client_mac'] ?? '', 'weft.dhcp.message_type': m['message_type'] ?? '', 'weft.dhcp.transaction_id': m['transaction_id'] ?? 0,
    'weft.dhcp.client_ip': m['client_ip'] ?? '', 'weft.dhcp.assigned_ip': m['assigned_ip'] ?? '', 'weft.dhcp.relay_ip': m['relay_ip'] ?? '',
  });
  present(o, m, {
    requested_ip: 'weft.dhcp.requested_ip', server_id: 'weft.dhcp.server_id', hostname: 'weft.dhcp.hostname', lease_time: 'weft.dhcp.lease_time',
    vendor_class: 'weft.dhcp.vendor_class', client_id: 'weft.dhcp.client_id', param_request_list: 'weft.dhcp.param_request_list',
    routers: 'weft.dhcp.routers', dns_servers: 'weft.dhcp.dns_servers', subnet_mask: 'weft.dhcp.subnet_mask', domain_name: 'weft.dhcp.domain_name',
    relay_circuit_id: 'weft.dhcp.relay.circuit_id', relay_remote_id: 'weft.dhcp.relay.remote_id',
  });
  o['weft.dhcp.options'] = m['options'] ?? [];
  return { ...o, ...observer(m['observer']) };
}

function http(m: Obj): Obj {
  const o = app(m, 'http');
  o['http.request.method'] = m['method'] ?? '';
  o['url.original'] = m['url_original'] ?? '';
  present(o, m, { url_path: 'url.path', url_query: 'url.query', url_domain: 'url.domain', url_port: 'url.port' });
  o['http.version'] = m['version'] ?? '';
  present(o, m, {
    status_code: 'http.response.status_code', response_version: 'weft.http.response_version', user_agent: 'user_agent.original',
    referrer: 'http.request.referrer', request_mime_type: 'http.request.mime_type', response_mime_type: 'http.response.mime_type',
  });
  o['http.request.body.bytes'] = m['request_body_bytes'] ?? 0;
  o['http.response.body.bytes'] = m['response_body_bytes'] ?? 0;
  nonEmpty(o, m, { interim_status_codes: 'weft.http.interim_status_codes' });
  present(o, m, { incomplete: 'weft.http.incomplete', error: 'weft.http.error' });
  return { ...o, ...observer(m['observer']) };
}

function tls(m: Obj): Obj {
  const o = app(m, 'tls');
  present(o, m, {
    version: 'tls.version', version_protocol: 'tls.version_protocol', cipher: 'tls.cipher', server_name: 'tls.client.server_name',
    ja3: 'tls.client.ja3', ja3_string: 'weft.tls.client.ja3_string', ja4: 'tls.client.ja4', ja3s: 'tls.server.ja3s',
    ja3s_string: 'weft.tls.server.ja3s_string', next_protocol: 'tls.next_protocol',
  });
  nonEmpty(o, m, { offered_alpn: 'weft.tls.client.alpn', supported_versions: 'weft.tls.client.supported_versions', supported_ciphers: 'tls.client.supported_ciphers' });
  o['tls.established'] = m['established'] ?? false;
  o['tls.resumed'] = m['resumed'] ?? false;
  if (m['sslv2'] === true) o['weft.tls.client.sslv2'] = true;
  const c = m['server_certificate'] as Obj | undefined;
  if (c !== undefined) {
    Object.assign(o, {
      'tls.server.subject': c['subject'] ?? '', 'tls.server.issuer': c['issuer'] ?? '', 'tls.server.not_before': c['not_before'] ?? '',
      'tls.server.not_after': c['not_after'] ?? '', 'tls.server.hash.sha256': c['sha256'] ?? '', 'tls.server.x509.serial_number': c['serial_number'] ?? '',
    });
  }
  if ((m['server_chain_length'] ?? 0) > 0) o['weft.tls.server.chain_length'] = m['server_chain_length'];
  present(o, m, { incomplete: 'weft.tls.incomplete', error: 'weft.tls.error' });
  return { ...o, ...observer(m['observer']) };
}

function quic(m: Obj): Obj {
  const o = app(m, 'quic');
  Object.assign(o, { 'quic.version': m['version'] ?? '', 'weft.quic.dcid': m['dcid'] ?? '', 'weft.quic.scid': m['scid'] ?? '' });
  present(o, m, { server_name: 'tls.client.server_name', ja4: 'tls.client.ja4' });
  nonEmpty(o, m, { offered_alpn: 'weft.tls.client.alpn', supported_versions: 'weft.tls.client.supported_versions' });
  if (m['retry'] === true) o['weft.quic.retry'] = true;
  if (m['version_negotiation'] === true) o['weft.quic.version_negotiation'] = true;
  present(o, m, { incomplete: 'weft.quic.incomplete', error: 'weft.quic.error' });
  return { ...o, ...observer(m['observer']) };
}

function icmp(m: Obj): Obj {
  const o = app(m, 'icmp');
  Object.assign(o, {
    'weft.icmp.type': m['icmp_type'] ?? 0, 'weft.icmp.code': m['icmp_code'] ?? 0,
    'weft.icmp.quoted.network.iana_number': String(m['quoted_iana_number'] ?? 0), 'weft.icmp.quoted.source.ip': m['quoted_source_ip'] ?? '',
    'weft.icmp.quoted.destination.ip': m['quoted_destination_ip'] ?? '', 'weft.icmp.quoted.community_id': m['quoted_community_id'] ?? '',
  });
  present(o, m, { quoted_source_port: 'weft.icmp.quoted.source.port', quoted_destination_port: 'weft.icmp.quoted.destination.port' });
  return { ...o, ...observer(m['observer']) };
}

function event(m: Obj): Obj {
  const action = m['action'] ?? '';
  const o: Obj = {
    '@timestamp': time(m['timestamp'], m['time_precision'] ?? 0),
    'event.kind': 'event', 'event.category': ['network'], 'event.type': action === 'packet-drop' ? ['denied'] : ['connection'],
    'event.action': action, 'event.dataset': 'event',
  };
  if ((m['ip_version'] ?? 0) !== 0) {
    const iana = m['iana_number'] ?? 0;
    Object.assign(o, { 'network.type': `ipv${m['ip_version']}`, 'network.transport': ianaProtocolName(iana), 'network.iana_number': String(iana) });
    if ((m['community_id'] ?? '') !== '') o['network.community_id'] = m['community_id'];
    Object.assign(o, {
      'source.ip': m['source']?.['ip'] ?? '', 'source.port': m['source']?.['port'] ?? 0,
      'destination.ip': m['destination']?.['ip'] ?? '', 'destination.port': m['destination']?.['port'] ?? 0,
    });
  }
  const p = m['process'] as Obj | undefined;
  if (p !== undefined) {
    Object.assign(o, { 'process.pid': p['pid'] ?? 0, 'process.thread.id': p['thread_id'] ?? 0, 'process.name': p['name'] ?? '', 'weft.process.cgroup_id': p['cgroup_id'] ?? 0 });
  }
  present(o, m, { old_state: 'weft.tcp.old_state', new_state: 'weft.tcp.new_state', socket_cookie: 'weft.socket.cookie', drop_reason: 'weft.drop.reason' });
  if (m['drop_reason'] !== undefined) present(o, m, { drop_reason_code: 'weft.drop.reason_code', drop_location: 'weft.drop.location' });
  const point = (m['observer']?.['point'] ?? {}) as Obj;
  o['weft.netns.inode'] = point['netns_inode'];
  if (point['netns_name'] !== undefined) o['weft.netns.name'] = point['netns_name'];
  if (point['interface_id'] !== undefined) o['observer.ingress.interface.id'] = String(point['interface_id']);
  if (point['interface_name'] !== undefined) o['observer.ingress.interface.name'] = point['interface_name'];
  return { ...o, 'observer.hostname': m['observer']?.['hostname'] ?? '', 'observer.type': 'weft' };
}

function stats(m: Obj): Obj {
  const o: Obj = {
    '@timestamp': time(m['timestamp'], m['time_precision'] ?? 0), 'event.kind': 'metric', 'event.dataset': 'stats',
    'observer.hostname': m['observer']?.['hostname'] ?? '', 'observer.type': 'weft',
  };
  for (const [name, value] of Object.entries({ ...(m['counters'] ?? {}), ...(m['values'] ?? {}) })) o[`weft.stats.${name}`] = value;
  return o;
}

function audit(m: Obj): Obj {
  const outcome = enumText(m['outcome'], 'AUDIT_OUTCOME_');
  const o: Obj = {
    '@timestamp': time(m['timestamp'], 9), 'event.kind': 'event', 'event.category': ['configuration'],
    'event.type': [outcome === 'success' ? 'change' : 'denied'], 'event.dataset': 'audit', 'event.action': m['verb'] ?? '',
    'event.outcome': outcome, 'event.duration': m['duration_ns'] ?? 0, 'user.name': m['identity'] ?? '',
  };
  present(o, m, { identity_key: 'user.id' });
  Object.assign(o, {
    'user.roles': [m['role'] ?? ''], 'weft.control.transport': enumText(m['transport'], 'AUDIT_TRANSPORT_'),
    'weft.control.target': m['target'] ?? '', 'weft.control.node': m['node'] ?? '', 'weft.control.request': m['request'] ?? '',
  });
  present(o, m, { summary: 'message', error_code: 'error.code', error_message: 'error.message' });
  return { ...o, 'observer.hostname': m['observer']?.['hostname'] ?? '', 'observer.type': 'weft' };
}

function capture(m: Obj): Obj {
  const state = enumText(m['state'], 'CAPTURE_STATE_');
  const o: Obj = {
    '@timestamp': time(m['timestamp'], 9), 'event.kind': 'event', 'event.dataset': 'capture', 'event.action': `capture-${state}`,
    'event.start': time(m['start'], 9), 'event.end': time(m['end'], 9),
    'weft.capture.id': m['id'] ?? '', 'weft.capture.node': m['node'] ?? '', 'weft.capture.state': state, 'weft.capture.filter': m['filter'] ?? '',
    'weft.capture.selector': m['selector'] ?? '', 'weft.capture.packets': m['packets'] ?? 0, 'weft.capture.bytes': m['bytes'] ?? 0,
    'file.path': m['path'] ?? '',
  };
  present(o, m, { end_reason: 'event.reason', error: 'error.message' });
  const obj = m['object'] as Obj | undefined;
  if (obj !== undefined) {
    Object.assign(o, {
      'weft.capture.object.bucket': obj['bucket'] ?? '', 'weft.capture.object.name': obj['name'] ?? '', 'file.size': obj['size'] ?? 0,
      'file.hash.sha256': obj['sha256'] ?? '',
    });
  }
  return { ...o, 'observer.hostname': m['observer']?.['hostname'] ?? '', 'observer.type': 'weft' };
}

function topology(m: Obj): Obj {
  const change = enumText(m['change'], 'TOPOLOGY_CHANGE_');
  return {
    '@timestamp': time(m['timestamp'], 9), 'event.kind': 'state', 'event.dataset': 'topology', 'event.action': `topology-${change}`,
    'weft.topology.node': m['node'] ?? '',
    'weft.topology.namespaces': (m['namespaces'] ?? []).map((ns: Obj) => ({
      inode: ns['inode'] ?? 0,
      ...(ns['name'] !== undefined && { name: ns['name'] }),
      own: ns['own'] ?? false,
      interfaces: (ns['interfaces'] ?? []).map((i: Obj) => ({
        ifindex: i['ifindex'] ?? 0, name: i['name'] ?? '', kind: i['kind'] ?? '', mac: i['mac'] ?? '', mtu: i['mtu'] ?? 0, up: i['up'] ?? false,
        addresses: i['addresses'] ?? [], link: i['link'] ?? 0, link_netnsid: i['link_netnsid'] ?? 0, master: i['master'] ?? 0,
        observed: i['observed'] ?? false,
      })),
    })),
    'observer.hostname': m['observer']?.['hostname'] ?? '', 'observer.type': 'weft',
  };
}

const CONVERTERS: Readonly<Record<string, (m: Obj) => Obj>> = { flow, dns, dhcp, http, tls, quic, icmp, event, stats, audit, capture, topology };

/** A decoded record of type `kind` as the JSON object the ECS encoder writes for it. */
export function protoToEcs(kind: string, m: Obj): Obj {
  const convert = CONVERTERS[kind];
  if (convert === undefined) throw new Error(`no converter for ${kind}`);
  return convert(m);
}
