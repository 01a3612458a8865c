/**
 * The control protocol: every verb, its request schema (zod) and the shapes of its replies. The
 * agent validates requests against these schemas; the client SDK, the CLI and the UI import the
 * same types. A reply is `{ "ok": true, "node": N, "result": … }` or
 * `{ "ok": false, "node": N, "error": { "code": C, "message": M } }`.
 *
 * Subjects: `weft.ctl.<node>.<verb>` (one agent) and `weft.ctl.all.<verb>` (every agent answers).
 * HTTP: `POST /api/v1/ctl/<verb>` with the same JSON body.
 */
import { z } from 'zod';

export const CONTROL_SUBJECT_PREFIX = 'weft.ctl';
export const ALL_NODES = 'all';
export const SERVICE_NAME = 'weft';

export const ControlErrorCode = {
  BAD_REQUEST: 'bad_request',
  UNKNOWN_VERB: 'unknown_verb',
  UNAUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  UNSUPPORTED: 'unsupported',
  CONFLICT: 'conflict',
  RESOURCE_EXHAUSTED: 'resource_exhausted',
  INTERNAL: 'internal',
} as const;
export type ControlErrorCode = (typeof ControlErrorCode)[keyof typeof ControlErrorCode];

/** The NATS Services API error code (a number, in the Nats-Service-Error-Code header) per code. */
export const SERVICE_ERROR_STATUS: Readonly<Record<ControlErrorCode, number>> = {
  bad_request: 400, unknown_verb: 404, unauthenticated: 401, forbidden: 403, not_found: 404,
  unsupported: 501, conflict: 409, resource_exhausted: 429, internal: 500,
};

export class ControlError extends Error {
  readonly code: ControlErrorCode;
  constructor(code: ControlErrorCode, message: string) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

export interface ControlErrorBody {
  readonly code: ControlErrorCode;
  readonly message: string;
}

export type ControlReply<T = unknown> =
  | { readonly ok: true; readonly node: string; readonly result: T }
  | { readonly ok: false; readonly node: string; readonly error: ControlErrorBody };

// ── shared pieces ───────────────────────────────────────────────────────────────────────────────

/** 30 (seconds), "30s", "5m", "1h", "250ms" → milliseconds. */
export const Duration = z.union([
  z.number().positive().max(30 * 86_400).transform((s) => Math.round(s * 1000)),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration like 30s, 5m, 1h or 250ms').transform((t) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(t)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Math.round(Number(m[1]) * unit);
  }),
]);

const Globs = z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).min(1).max(64)])
  .transform((v) => (typeof v === 'string' ? [v] : v));

/** Which observation points a command applies to; every present field must match. */
export const Selector = z.strictObject({
  /** Namespace names (globs), `host` for the agent's own, or inode numbers as text. */
  netns: Globs.optional(),
  /** Interface names (globs). */
  interface: Globs.optional(),
  /** Container / pod: known once discovery maps namespaces to them. */
  container: Globs.optional(),
  pod: Globs.optional(),
});
export type Selector = z.output<typeof Selector>;

const Port = z.number().int().min(0).max(65_535);
const PortOrRange = z.union([
  Port.transform((p) => [p, p] as const),
  z.string().regex(/^\d{1,5}(-\d{1,5})?$/, 'a port or a range like 8000-8100').transform((t, ctx) => {
    const [a, b = a] = t.split('-').map(Number) as [number, number?];
    if (a > 65_535 || b > 65_535 || a > b) {
      ctx.addIssue({ code: 'custom', message: `bad port range '${t}'` });
      return z.NEVER;
    }
    return [a, b] as const;
  }),
]);
const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, ipv6_icmp: 58, sctp: 132, gre: 47 };
const Protocol = z.union([
  z.number().int().min(1).max(255),
  z.string().transform((t, ctx) => {
    const n = PROTOCOLS[t.toLowerCase()];
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: `unknown protocol '${t}' (${Object.keys(PROTOCOLS).join(', ')} or a number)` });
      return z.NEVER;
    }
    return n;
  }),
]);
/** An address or a prefix in CIDR notation. */
const Cidr = z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'an IP address or CIDR prefix like 10.0.0.0/8');

// ── verbs ───────────────────────────────────────────────────────────────────────────────────────

const Empty = z.strictObject({});

export const BlockMatch = z.strictObject({
  /** Either address of the packet within this prefix. */
  address: Cidr.optional(),
  /** Either port within this port or range. */
  port: PortOrRange.optional(),
  protocol: Protocol.optional(),
  netns: z.string().min(1).max(256).optional(),
  interface: z.string().min(1).max(64).optional(),
  direction: z.enum(['ingress', 'egress']).optional(),
}).refine((m) => m.address !== undefined || m.port !== undefined || m.protocol !== undefined,
  { message: 'a block must match on at least one of address, port, protocol' });

export const BlockAdd = z.strictObject({
  match: BlockMatch,
  /** How long the block lives; it never outlives this, even across agent restarts. */
  ttl: Duration.refine((ms) => ms >= 1000 && ms <= 7 * 86_400_000, 'ttl must be between 1s and 7d'),
  /** Count matching packets, drop nothing. */
  dry_run: z.boolean().default(false),
  reason: z.string().max(512).default(''),
});

export const CaptureStart = z.strictObject({
  selector: Selector.default({}),
  /** tcpdump syntax; '' = every packet. */
  filter: z.string().max(4096).default(''),
  duration: Duration.refine((ms) => ms <= 3_600_000, 'duration at most 1h').default(10_000),
  max_packets: z.number().int().positive().max(100_000_000).default(1_000_000),
  max_bytes: z.number().int().positive().max(16 * 2 ** 30).default(64 * 2 ** 20),
  snaplen: z.number().int().min(64).max(9216).default(9216),
});

export const PipelineFilter = z.record(z.string().min(1).max(128), z.union([z.string().max(512), z.number(), z.array(z.union([z.string().max(512), z.number()])).max(256)]));
export const PipelineSet = z.strictObject({
  /** A record passes when it matches any include filter (or there are none) … */
  include: z.array(PipelineFilter).max(64).optional(),
  /** … and no exclude filter. */
  exclude: z.array(PipelineFilter).max(64).optional(),
  /** Keep 1 record in N per record type (by Community ID, so a connection's records stay together). */
  sampling: z.record(z.string(), z.number().int().min(1).max(1_000_000)).optional(),
  /** Per record type: the only JSON fields written (dotted ECS names, `*` globs). */
  fields: z.record(z.string(), z.array(z.string().min(1).max(128)).max(512)).optional(),
  /** Replaces the sinks (URIs as --sink takes them). */
  sinks: z.array(z.string().min(1).max(2048)).max(16).optional(),
});

export const SensorUpdate = z.strictObject({
  selector: Selector.default({}),
  /** tcpdump syntax for the packets the sensor hands on ('' = every packet). */
  filter: z.string().max(4096).optional(),
  snaplen: z.number().int().min(64).max(9216).optional(),
  /** Keep 1 packet in N (1 = all). */
  sampling: z.number().int().min(1).max(1_000_000).optional(),
  /** eBPF: tap the first N socket buffers of each flow for the dissectors. */
  tap_first: z.number().int().min(0).max(1024).optional(),
});

export const VERBS = {
  status: { write: false, request: Empty },
  stats: { write: false, request: Empty },
  capabilities: { write: false, request: Empty },
  'sensors.list': { write: false, request: z.strictObject({ selector: Selector.default({}) }) },
  'sensor.start': { write: true, request: z.strictObject({ selector: Selector }) },
  'sensor.stop': { write: true, request: z.strictObject({ selector: Selector }) },
  'sensor.update': { write: true, request: SensorUpdate },
  'capture.start': { write: true, request: CaptureStart },
  'capture.stop': { write: true, request: z.strictObject({ id: z.string().min(1).max(64) }) },
  'capture.list': { write: false, request: Empty },
  'capture.get': { write: false, request: z.strictObject({ id: z.string().min(1).max(64) }) },
  'block.add': { write: true, request: BlockAdd },
  'block.remove': { write: true, request: z.strictObject({ id: z.number().int().min(1) }) },
  'block.list': { write: false, request: Empty },
  'pipeline.get': { write: false, request: Empty },
  'pipeline.set': { write: true, request: PipelineSet },
  'topology.get': { write: false, request: Empty },
} as const;

export type Verb = keyof typeof VERBS;
export const VERB_NAMES = Object.keys(VERBS) as Verb[];
export type VerbRequest<V extends Verb> = z.output<(typeof VERBS)[V]['request']>;
/** What a caller writes (durations as text, defaults omitted). */
export type VerbInput<V extends Verb> = z.input<(typeof VERBS)[V]['request']>;

export function isVerb(text: string): text is Verb {
  return Object.hasOwn(VERBS, text);
}

/** Validates a request body, or throws a bad_request naming the first bad field. */
export function parseRequest<V extends Verb>(verb: V, body: unknown): VerbRequest<V> {
  const result = VERBS[verb].request.safeParse(body ?? {});
  if (result.success) return result.data as VerbRequest<V>;
  const issue = result.error.issues[0]!;
  const path = issue.path.length === 0 ? '(request)' : issue.path.join('.');
  throw new ControlError(ControlErrorCode.BAD_REQUEST, `${verb}: ${path}: ${issueMessage(issue)}`);
}

/** A union's "Invalid input" says nothing: name what each alternative wanted, a custom check first. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_union') return issue.message;
  const nested = issue.errors.flat();
  const custom = nested.find((i) => i.code === 'custom');
  if (custom !== undefined) return custom.message;
  return [...new Set(nested.map((i) => i.message))].join('; or ');
}

// ── results ─────────────────────────────────────────────────────────────────────────────────────

export interface StatusResult {
  readonly node: string;
  readonly agent_id: string;
  readonly version: string;
  readonly source: 'ebpf' | 'pcap';
  readonly fallback_reason?: string;
  readonly started_at: string;
  readonly uptime_s: number;
  readonly namespaces: number;
  readonly interfaces: number;
  readonly sinks: readonly string[];
  readonly blocks: number;
  readonly captures_running: number;
}

export interface SensorInfo {
  readonly netns: string;
  readonly netns_inode: number;
  readonly interface: string;
  readonly ifindex: number;
  /** tcx, tc (legacy), pcap; or 'stopped' when sensor.stop detached it. */
  readonly mode: string;
  readonly filter: string;
  readonly sampling: number;
  readonly snaplen: number;
}

export interface BlockInfo {
  readonly id: number;
  readonly match: Record<string, unknown>;
  readonly dry_run: boolean;
  readonly reason: string;
  readonly created_at: string;
  readonly expires_at: string;
  readonly created_by: string;
  /** Packets the rule matched (dropped, or counted in dry-run). */
  readonly hits: number;
}

export interface CaptureInfo {
  readonly id: string;
  readonly node: string;
  readonly state: 'running' | 'completed' | 'stopped' | 'failed';
  readonly filter: string;
  readonly selector: Record<string, unknown>;
  readonly started_at: string;
  readonly ended_at?: string;
  readonly end_reason?: string;
  readonly packets: number;
  readonly bytes: number;
  readonly path: string;
  readonly error?: string;
  readonly object?: { readonly bucket: string; readonly name: string; readonly size: number; readonly sha256: string };
  /** HTTP path that downloads the file from this agent. */
  readonly download: string;
}

export interface PipelineConfig {
  readonly include: readonly Record<string, unknown>[];
  readonly exclude: readonly Record<string, unknown>[];
  readonly sampling: Readonly<Record<string, number>>;
  readonly fields: Readonly<Record<string, readonly string[]>>;
  readonly sinks: readonly string[];
}

/** The result each verb replies with. */
export interface VerbResults {
  status: StatusResult;
  stats: import('../model/index.js').StatsRecord;
  capabilities: import('../capture/index.js').Capabilities;
  'sensors.list': { sensors: SensorInfo[] };
  'sensor.start': { sensors: SensorInfo[] };
  'sensor.stop': { sensors: SensorInfo[] };
  'sensor.update': { sensors: SensorInfo[] };
  'capture.start': CaptureInfo;
  'capture.stop': CaptureInfo;
  'capture.list': { captures: CaptureInfo[] };
  'capture.get': CaptureInfo;
  'block.add': BlockInfo;
  'block.remove': BlockInfo;
  'block.list': { blocks: BlockInfo[] };
  'pipeline.get': PipelineConfig;
  'pipeline.set': PipelineConfig;
  'topology.get': import('../model/index.js').TopologyRecord;
}
