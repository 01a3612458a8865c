/**
 * What the pipeline lets through to the sinks, changed live by `pipeline.set`: field matchers in
 * the spirit of Hubble's flow filters (a record passes when it matches any include filter — or
 * there are none — and no exclude filter; within a filter every field must match, any of a
 * field's values may), 1-in-N sampling per record type (by Community ID, so every record of a
 * connection is kept or dropped together), and a field selection per type for JSON output.
 *
 * Values: exact text or numbers; `*` globs for names; CIDR prefixes for addresses. Stats and audit
 * records always pass: completeness and accountability are not filterable.
 */
import { globToRegExp, ipInPrefix } from '../core/index.js';
import type { ExportRecord, ObservationPoint } from '../model/index.js';

export interface RecordPolicyConfig {
  readonly include?: readonly Record<string, unknown>[];
  readonly exclude?: readonly Record<string, unknown>[];
  readonly sampling?: Readonly<Record<string, number>>;
  readonly fields?: Readonly<Record<string, readonly string[]>>;
}

type Value = string | number | undefined;
type Getter = (r: ExportRecord, points: readonly (ObservationPoint | undefined)[]) => Value | readonly Value[];

function point(r: ExportRecord, points: readonly (ObservationPoint | undefined)[]): ObservationPoint | undefined {
  return 'observationPoint' in r ? points[r.observationPoint] : undefined;
}

const TRANSPORTS: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp', 132: 'sctp', 47: 'gre' };

/** The fields a filter may name (ECS names), and how each is read from a record. */
const FIELDS: Readonly<Record<string, Getter>> = {
  'type': (r) => r.kind,
  'source.ip': (r) => ('sourceIp' in r ? r.sourceIp : undefined),
  'destination.ip': (r) => ('destinationIp' in r ? r.destinationIp : undefined),
  'ip': (r) => ('sourceIp' in r ? [r.sourceIp, r.destinationIp] : undefined),
  'source.port': (r) => ('sourcePort' in r ? r.sourcePort : undefined),
  'destination.port': (r) => ('destinationPort' in r ? r.destinationPort : undefined),
  'port': (r) => ('sourcePort' in r ? [r.sourcePort, r.destinationPort] : undefined),
  'network.transport': (r) => ('ipProto' in r ? TRANSPORTS[r.ipProto] ?? String(r.ipProto) : undefined),
  'network.iana_number': (r) => ('ipProto' in r ? r.ipProto : undefined),
  'network.protocol': (r) => (r.kind === 'flow' ? r.appProtocol : r.kind === 'dns' || r.kind === 'http' || r.kind === 'tls' || r.kind === 'quic' || r.kind === 'dhcp' ? r.kind : undefined),
  'network.community_id': (r) => ('communityId' in r ? r.communityId : undefined),
  'observer.ingress.interface.name': (r, p) => point(r, p)?.name ?? (r.kind === 'event' ? r.interfaceName : undefined),
  'weft.netns.name': (r, p) => point(r, p)?.netnsName ?? (r.kind === 'event' ? r.netnsName : undefined),
  'weft.netns.inode': (r, p) => point(r, p)?.netnsInode ?? (r.kind === 'event' ? r.netnsInode : undefined),
  'event.action': (r) => (r.kind === 'event' ? r.action : r.kind === 'audit' ? r.verb : undefined),
  'dns.question.name': (r) => (r.kind === 'dns' ? r.questionName : undefined),
  'dns.response_code': (r) => (r.kind === 'dns' ? r.responseCode : undefined),
  'url.domain': (r) => (r.kind === 'http' ? r.urlDomain : undefined),
  'http.request.method': (r) => (r.kind === 'http' ? r.method : undefined),
  'http.response.status_code': (r) => (r.kind === 'http' ? r.statusCode : undefined),
  'tls.client.server_name': (r) => (r.kind === 'tls' ? r.serverName : r.kind === 'quic' ? r.serverName : undefined),
  'process.name': (r) => (r.kind === 'event' ? r.process?.name : undefined),
};
export const FILTER_FIELDS: readonly string[] = Object.keys(FIELDS);

type Matcher = (v: Value) => boolean;

function valueMatcher(field: string, wanted: string | number): Matcher {
  if (typeof wanted === 'number') return (v) => v === wanted || (typeof v === 'string' && v === String(wanted));
  if ((field.endsWith('.ip') || field === 'ip') && wanted.includes('/')) {
    const [address, prefix] = wanted.split('/');
    return (v) => typeof v === 'string' && ipInPrefix(v, address!, Number(prefix));
  }
  if (wanted.includes('*')) {
    const re = globToRegExp(wanted, { ignoreCase: true });
    return (v) => v !== undefined && re.test(String(v));
  }
  const lower = wanted.toLowerCase();
  return (v) => v !== undefined && String(v).toLowerCase() === lower;
}

type CompiledFilter = readonly { readonly get: Getter; readonly any: readonly Matcher[] }[];

function compileFilter(filter: Record<string, unknown>, where: string): CompiledFilter {
  return Object.entries(filter).map(([field, raw]) => {
    const get = FIELDS[field];
    if (get === undefined) throw new Error(`${where}: unknown field '${field}' (known: ${FILTER_FIELDS.join(', ')})`);
    const values = (Array.isArray(raw) ? raw : [raw]) as (string | number)[];
    if (values.length === 0) throw new Error(`${where}.${field}: no values`);
    return { get, any: values.map((v) => valueMatcher(field, v)) };
  });
}

function matches(f: CompiledFilter, r: ExportRecord, points: readonly (ObservationPoint | undefined)[]): boolean {
  for (const { get, any } of f) {
    const got = get(r, points);
    const vs = Array.isArray(got) ? got : [got as Value];
    if (!vs.some((v) => any.some((m) => m(v)))) return false;
  }
  return true;
}

/** FNV-1a of the Community ID: the same connection samples the same way everywhere. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class RecordPolicy {
  readonly config: RecordPolicyConfig;
  private readonly include: readonly CompiledFilter[];
  private readonly exclude: readonly CompiledFilter[];
  private readonly sampling: ReadonlyMap<string, number>;
  private readonly counters = new Map<string, number>();
  filtered = 0;
  sampledOut = 0;

  /** Throws an Error naming the bad filter and field. */
  constructor(config: RecordPolicyConfig) {
    this.config = config;
    this.include = (config.include ?? []).map((f, i) => compileFilter(f, `include.${i}`));
    this.exclude = (config.exclude ?? []).map((f, i) => compileFilter(f, `exclude.${i}`));
    this.sampling = new Map(Object.entries(config.sampling ?? {}).filter(([, n]) => n > 1));
    for (const [type, fields] of Object.entries(config.fields ?? {})) {
      if (fields.length === 0) throw new Error(`fields.${type}: an empty selection would write empty records`);
    }
  }

  get active(): boolean {
    return this.include.length > 0 || this.exclude.length > 0 || this.sampling.size > 0;
  }

  passes(r: ExportRecord, points: readonly (ObservationPoint | undefined)[]): boolean {
    if (r.kind === 'stats' || r.kind === 'audit') return true;
    if ((this.include.length > 0 && !this.include.some((f) => matches(f, r, points))) || this.exclude.some((f) => matches(f, r, points))) {
      this.filtered++;
      return false;
    }
    const n = this.sampling.get(r.kind);
    if (n !== undefined) {
      let keep: boolean;
      if ('communityId' in r) {
        keep = hash(r.communityId) % n === 0;
      } else {
        const c = (this.counters.get(r.kind) ?? 0) + 1;
        this.counters.set(r.kind, c);
        keep = c % n === 1 % n;
      }
      if (!keep) {
        this.sampledOut++;
        return false;
      }
    }
    return true;
  }
}
