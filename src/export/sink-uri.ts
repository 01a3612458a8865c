/**
 * `--sink URI` parsing. Today: `jsonl:PATH` (a file), `jsonl:-` or `stdout` (standard output).
 * Later issues add nats://, kafka://, ipfix+udp://, pcapng:, parquet: — same entry point.
 */
import { ErrorCode, SinkError } from '../core/errors.js';
import type { EcsJsonEncoder } from './encode/ecs-json.js';
import type { Sink } from './sink.js';
import { JsonLinesSink } from './sinks/jsonl.js';

export type SinkSpec = { readonly kind: 'jsonl'; readonly path: string };

export const SINK_URI_HELP = ['jsonl:PATH   JSON lines (ECS) into a file (created 0600)', 'jsonl:-      JSON lines to standard output (also: stdout)'];

export function parseSinkUri(uri: string): SinkSpec {
  if (uri === 'stdout' || uri === '-') return { kind: 'jsonl', path: '-' };
  const colon = uri.indexOf(':');
  const scheme = colon < 0 ? '' : uri.slice(0, colon);
  const rest = colon < 0 ? '' : uri.slice(colon + 1);
  if (scheme === 'jsonl' || scheme === 'json') {
    if (rest === '') throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': missing path after 'jsonl:'`, false);
    return { kind: 'jsonl', path: rest };
  }
  throw new SinkError(ErrorCode.SINK_URI,
    `sink '${uri}': unknown scheme '${scheme || uri}' (supported: jsonl:PATH, jsonl:-, stdout)`, false);
}

export function openSink(spec: SinkSpec, encoder: EcsJsonEncoder): Sink {
  switch (spec.kind) {
    case 'jsonl':
      return new JsonLinesSink(spec.path, encoder);
  }
}
