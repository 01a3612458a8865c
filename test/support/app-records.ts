/**
 * What the record-level corpus tests (test/corpus/*-records.test.ts) share: a capture replayed into
 * application records, those records grouped by their client → server endpoints, and the
 * bookkeeping of an allow-list of known disagreements (which some parser tests use as well).
 */
import type { AppRecord } from '../../src/model/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { corpusPcap, type TruthFrame } from './corpus.js';
import { MemorySink } from './memory-sink.js';

/** The records of one kind of a whole replay (dissectors on) of corpus capture `name`, in order. */
export async function replayRecords<K extends AppRecord['kind']>(name: string, kind: K): Promise<Extract<AppRecord, { kind: K }>[]> {
  const sink = new MemorySink();
  await new ReplayPipeline({ warn: () => {} }).run([corpusPcap(name)], [sink]);
  return sink.records.filter((r): r is Extract<AppRecord, { kind: K }> => r.kind === kind);
}

/** Addresses as one spelling: IPv6 through the WHATWG URL serializer (RFC 5952 form). */
export function ipText(a: string): string {
  return a.includes(':') ? new URL(`http://[${a}]/`).hostname.slice(1, -1) : a;
}

/** "client:port → server:port", addresses as ipText spells them. */
function endpointKey(clientIp: string, clientPort: number | undefined, serverIp: string, serverPort: number | undefined): string {
  return `${ipText(clientIp)}:${clientPort} → ${ipText(serverIp)}:${serverPort}`;
}

/** A record's endpoint key: its source is the client. */
function recordKey(r: AppRecord): string {
  return endpointKey(r.sourceIp, r.sourcePort, r.destinationIp, r.destinationPort);
}

/** The endpoint key of a truth frame's connection, the frame's sender being its client or its server. */
export function frameKey(f: TruthFrame, sender: 'client' | 'server'): string {
  return sender === 'client'
    ? endpointKey(f.ip_src!, f.src_port, f.ip_dst!, f.dst_port)
    : endpointKey(f.ip_dst!, f.dst_port, f.ip_src!, f.src_port);
}

/**
 * Truth frames grouped by tshark stream (`streamOf` gives it, or undefined to leave the frame out),
 * streams in order of their first frame in `frames`, each list sorted by frame number.
 */
export function framesByStream(frames: readonly TruthFrame[], streamOf: (f: TruthFrame) => number | undefined): Map<number, TruthFrame[]> {
  const byStream = new Map<number, TruthFrame[]>();
  for (const f of frames) {
    const stream = streamOf(f);
    if (stream === undefined) continue;
    const list = byStream.get(stream) ?? [];
    list.push(f);
    byStream.set(stream, list);
  }
  for (const list of byStream.values()) list.sort((a, b) => a.frame - b.frame);
  return byStream;
}

/**
 * Records grouped by endpoint key, each group in record order, handed out front to back:
 * connections that reuse a 4-tuple follow each other, so each takes the next records of its key.
 */
export class EndpointRecords<R extends AppRecord> {
  private readonly lists = new Map<string, R[]>();
  private readonly used = new Map<string, number>();

  constructor(records: Iterable<R>) {
    for (const r of records) {
      const key = recordKey(r);
      const list = this.lists.get(key) ?? [];
      list.push(r);
      this.lists.set(key, list);
    }
  }

  /** The records of `key` not taken yet, in order. */
  pending(key: string): R[] {
    return (this.lists.get(key) ?? []).slice(this.used.get(key) ?? 0);
  }

  /** Marks the next `n` records of `key` taken (n may run past the records there are). */
  take(key: string, n: number): void {
    this.used.set(key, (this.used.get(key) ?? 0) + n);
  }

  /** The next record of `key`, taken; undefined when there is none left. */
  next(key: string): R | undefined {
    const r = this.pending(key)[0];
    if (r !== undefined) this.take(key, 1);
    return r;
  }

  /** Per key (in order of the key's first record), the records left over. */
  *untaken(): Generator<[string, R[]]> {
    for (const key of this.lists.keys()) yield [key, this.pending(key)];
  }
}

/** `records` grouped by their endpoint key (IPv6 addresses as ipText spells them). */
export function byEndpoints<R extends AppRecord>(records: Iterable<R>): EndpointRecords<R> {
  return new EndpointRecords(records);
}

/**
 * Known, explained disagreements: entries, each with its reason. `note` files a disagreement as
 * known (`key: reason`) when an entry matches it, else as a failure (`key: detail`); `stale()` lists
 * the entries nothing matched. An entry matches a probe, by default the noted key itself, when
 * `matches` says so (by default: when they are equal).
 */
export class AllowList<E = string, P = string> {
  /** `key: reason` of every known disagreement noted, in order. */
  readonly known: string[] = [];
  /** `key: detail` (or `key` alone) of every other disagreement noted, in order. */
  readonly failures: string[] = [];
  private readonly entries: [E, string][];
  private readonly matches: (entry: E, probe: P) => boolean;
  private readonly seen = new Set<E>();

  constructor(entries: Iterable<readonly [E, string]>, matches: (entry: E, probe: P) => boolean = (e, p) => Object.is(e, p)) {
    this.entries = [...entries].map(([e, reason]) => [e, reason]);
    this.matches = matches;
  }

  /** The reason of the first entry matching `probe` (that entry is then seen), or undefined. */
  reason(probe: P): string | undefined {
    for (const [entry, reason] of this.entries) {
      if (this.matches(entry, probe)) {
        this.seen.add(entry);
        return reason;
      }
    }
    return undefined;
  }

  note(this: AllowList<E, string>, key: string, detail?: string): void;
  note(key: string, detail: string | undefined, probe: P): void;
  note(key: string, detail?: string, probe?: P): void {
    const reason = this.reason(probe ?? (key as P));
    if (reason !== undefined) this.known.push(`${key}: ${reason}`);
    else this.failures.push(detail === undefined ? key : `${key}: ${detail}`);
  }

  /** Entries no disagreement matched, in list order. */
  stale(): E[] {
    return this.entries.map(([e]) => e).filter((e) => !this.seen.has(e));
  }

  /** "N known disagreements (listed), M other". */
  summary(): string {
    return `${this.known.length} known disagreements (listed), ${this.failures.length} other`;
  }
}

/**
 * An allow-list entry for a capture (`*` = any) and tshark tcp.stream (`*` = any), matched on the
 * start of the disagreement's description.
 */
export interface StreamEntry {
  file: string;
  stream: number | '*';
  what: string;
  reason: string;
}

/** An AllowList of StreamEntry, probed with the capture, the tcp.stream and the description. */
export function streamAllowList(entries: readonly StreamEntry[]): AllowList<StreamEntry, { file: string; stream: number; what: string }> {
  return new AllowList(entries.map((a) => [a, a.reason] as const),
    (a, p) => (a.file === '*' || a.file === p.file) && (a.stream === '*' || a.stream === p.stream) && p.what.startsWith(a.what));
}
