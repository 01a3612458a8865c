/**
 * ECS JSON for the control plane's records (audit, capture, topology). They are few — one per
 * command, per capture, per topology request — so they are built as plain objects.
 */
import { formatRfc3339 } from '../../core/time.js';
import type { AuditRecord, CaptureRecord, ControlRecord, TopologyRecord } from '../../model/control-record.js';

function timestamp(sec: number, nsec: number): string {
  return formatRfc3339(sec, nsec, 9);
}

function audit(r: AuditRecord): Record<string, unknown> {
  return {
    '@timestamp': timestamp(r.sec, r.nsec),
    'event.kind': 'event',
    'event.category': ['configuration'],
    'event.type': [r.outcome === 'success' ? 'change' : 'denied'],
    'event.dataset': 'audit',
    'event.action': r.verb,
    'event.outcome': r.outcome,
    'event.duration': r.durationNs,
    'user.name': r.identity,
    ...(r.identityKey !== undefined && { 'user.id': r.identityKey }),
    'user.roles': [r.role],
    'weft.control.transport': r.transport,
    'weft.control.target': r.target,
    'weft.control.node': r.node,
    'weft.control.request': r.request,
    ...(r.summary !== undefined && { 'message': r.summary }),
    ...(r.errorCode !== undefined && { 'error.code': r.errorCode }),
    ...(r.errorMessage !== undefined && { 'error.message': r.errorMessage }),
  };
}

function capture(r: CaptureRecord): Record<string, unknown> {
  return {
    '@timestamp': timestamp(r.sec, r.nsec),
    'event.kind': 'event',
    'event.dataset': 'capture',
    'event.action': `capture-${r.state}`,
    'event.start': timestamp(r.startSec, r.startNsec),
    'event.end': timestamp(r.endSec, r.endNsec),
    'weft.capture.id': r.id,
    'weft.capture.node': r.node,
    'weft.capture.state': r.state,
    'weft.capture.filter': r.filter,
    'weft.capture.selector': r.selector,
    'weft.capture.packets': r.packets,
    'weft.capture.bytes': r.bytes,
    'file.path': r.path,
    ...(r.endReason !== undefined && { 'event.reason': r.endReason }),
    ...(r.error !== undefined && { 'error.message': r.error }),
    ...(r.object !== undefined && {
      'weft.capture.object.bucket': r.object.bucket,
      'weft.capture.object.name': r.object.name,
      'file.size': r.object.size,
      'file.hash.sha256': r.object.sha256,
    }),
  };
}

function topology(r: TopologyRecord): Record<string, unknown> {
  return {
    '@timestamp': timestamp(r.sec, r.nsec),
    'event.kind': 'state',
    'event.dataset': 'topology',
    'event.action': `topology-${r.change}`,
    'weft.topology.node': r.node,
    'weft.topology.namespaces': r.namespaces.map((ns) => ({
      inode: ns.inode,
      ...(ns.name !== undefined && { name: ns.name }),
      own: ns.own,
      interfaces: ns.interfaces.map((i) => ({
        ifindex: i.ifindex, name: i.name, kind: i.kind, mac: i.mac, mtu: i.mtu, up: i.up, addresses: i.addresses,
        link: i.link, link_netnsid: i.linkNetnsId, master: i.master, observed: i.observed,
      })),
    })),
  };
}

/** One control record as one line of ECS JSON, with the observer's fields (`"k":v,…`, no braces). */
export function encodeControlRecord(r: ControlRecord, observerJson: string): string {
  const o = r.kind === 'audit' ? audit(r) : r.kind === 'capture' ? capture(r) : topology(r);
  const body = JSON.stringify(o);
  return `${body.slice(0, -1)},${observerJson}}`;
}
