/**
 * `--sink URI` parsing: `jsonl:PATH` (a file), `jsonl:-` or `stdout` (standard output),
 * `nats://host:port[,host:port…][?jetstream=1&node=NAME&stream=WEFT&spool=BYTES&encoding=json|protobuf]`.
 * `kafka://HOST:PORT[,…][?acks=all|1|0&topic_prefix=weft&encoding=json|protobuf]`.
 * Later issues add ipfix+udp://, pcapng:, parquet: — same entry point.
 */
import { ErrorCode, SinkError } from '../core/errors.js';
import type { EcsJsonEncoder } from './encode/ecs-json.js';
import { ProtobufEncoder } from './encode/protobuf.js';
import type { Sink } from './sink.js';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLinesSink } from './sinks/jsonl.js';
import { NatsSink } from './sinks/nats.js';
import { KafkaSink } from './sinks/kafka.js';

/** What a NATS message or Kafka value holds: ECS JSON, or protobuf (schema weft.v1, docs/schema.md). */
export type SinkEncoding = 'json' | 'protobuf';

export type SinkSpec =
  | { readonly kind: 'jsonl'; readonly path: string }
  | {
    readonly kind: 'nats'; readonly servers: string; readonly jetstream: boolean; readonly node: string; readonly stream: string;
    readonly spoolBytes: number; readonly diskSpoolBytes: number; readonly spoolDir: string;
    readonly streamMaxBytes: number; readonly streamMaxAgeMs: number; readonly encoding: SinkEncoding;
  }
  | {
    readonly kind: 'kafka'; readonly brokers: readonly string[]; readonly topicPrefix: string; readonly acks: -1 | 0 | 1; readonly node: string;
    readonly encoding: SinkEncoding;
  };

export const SINK_URI_HELP = [
  'jsonl:PATH   JSON lines (ECS) into a file (created 0600)',
  'jsonl:-      JSON lines to standard output (also: stdout)',
  'nats://HOST:PORT[?jetstream=1&node=NAME&stream=WEFT&spool=BYTES&disk_spool=BYTES&spool_dir=DIR&encoding=json|protobuf]',
  '             NATS subjects weft.v1.NODE.TYPE (JSON lines per batch, or one protobuf',
  '             weft.v1.Batch with encoding=protobuf); jetstream=1: acked publishes into',
  '             stream WEFT (created when missing)',
  'kafka://HOST:PORT[,HOST:PORT][?acks=all|1|0&topic_prefix=weft&encoding=json|protobuf]',
  '             Kafka topics PREFIX.TYPE, one message per record keyed by Community ID',
  '             (ECS JSON, or the record\'s protobuf message with encoding=protobuf)',
];

/** `scheme://host:port[,host:port…][?k=v&…]`: the hosts and the parameters, each one known. */
function hostsAndParams(uri: string, scheme: string, known: readonly string[]): { hosts: string[]; params: URLSearchParams } {
  const q = uri.indexOf('?');
  const hosts = uri.slice(`${scheme}://`.length, q < 0 ? undefined : q);
  if (hosts === '') throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': missing host:port after '${scheme}://'`, false);
  const params = new URLSearchParams(q < 0 ? '' : uri.slice(q + 1));
  for (const key of params.keys()) {
    if (!known.includes(key)) throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': unknown parameter '${key}' (known: ${known.join(', ')})`, false);
  }
  return { hosts: hosts.split(','), params };
}

/** `encoding=json|protobuf` (json when absent). */
function encodingParam(uri: string, params: URLSearchParams): SinkEncoding {
  const encoding = params.get('encoding') ?? 'json';
  if (encoding !== 'json' && encoding !== 'protobuf') {
    throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': encoding: expected json or protobuf, got '${encoding}'`, false);
  }
  return encoding;
}

function parseKafka(uri: string): SinkSpec {
  const { hosts, params } = hostsAndParams(uri, 'kafka', ['acks', 'topic_prefix', 'node', 'encoding']);
  const encoding = encodingParam(uri, params);
  const acksText = params.get('acks') ?? 'all';
  const acks = acksText === 'all' || acksText === '-1' ? -1 : acksText === '1' ? 1 : acksText === '0' ? 0 : undefined;
  if (acks === undefined) throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': acks: expected all, 1 or 0, got '${acksText}'`, false);
  const topicPrefix = params.get('topic_prefix') ?? 'weft';
  if (!/^[A-Za-z0-9._-]+$/.test(topicPrefix)) throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': topic_prefix '${topicPrefix}' is not a Kafka topic name`, false);
  return { kind: 'kafka', brokers: hosts, topicPrefix, acks, node: params.get('node') ?? hostname(), encoding };
}

const NATS_PARAMS = ['jetstream', 'node', 'stream', 'spool', 'disk_spool', 'spool_dir', 'encoding', 'stream_max_bytes', 'stream_max_age'];

function parseNats(uri: string): SinkSpec {
  const { hosts, params } = hostsAndParams(uri, 'nats', NATS_PARAMS);
  const encoding = encodingParam(uri, params);
  const int = (key: string, fallback: number): number => {
    const text = params.get(key);
    if (text === null) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': ${key}: expected a positive integer, got '${text}'`, false);
    return n;
  };
  const js = params.get('jetstream') ?? '0';
  if (js !== '0' && js !== '1' && js !== 'true' && js !== 'false') {
    throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': jetstream: expected 1 or 0, got '${js}'`, false);
  }
  const node = params.get('node') ?? hostname();
  if (!/^[A-Za-z0-9_-]+$/.test(node)) throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': node '${node}' must be letters, digits, '-' or '_' (it is a subject token)`, false);
  return {
    kind: 'nats',
    servers: hosts.map((h) => `nats://${h}`).join(','),
    jetstream: js === '1' || js === 'true',
    node,
    stream: params.get('stream') ?? 'WEFT',
    spoolBytes: int('spool', 64 << 20),
    diskSpoolBytes: params.get('disk_spool') === '0' ? 0 : int('disk_spool', 1 << 30),
    spoolDir: params.get('spool_dir') ?? join(tmpdir(), 'weft-spool', node),
    streamMaxBytes: int('stream_max_bytes', 1 << 30),
    streamMaxAgeMs: int('stream_max_age', 24 * 3600) * 1000,
    encoding,
  };
}

export function parseSinkUri(uri: string): SinkSpec {
  if (uri === 'stdout' || uri === '-') return { kind: 'jsonl', path: '-' };
  const colon = uri.indexOf(':');
  const scheme = colon < 0 ? '' : uri.slice(0, colon);
  const rest = colon < 0 ? '' : uri.slice(colon + 1);
  if (uri.startsWith('nats://')) return parseNats(uri);
  if (uri.startsWith('kafka://')) return parseKafka(uri);
  if (scheme === 'jsonl' || scheme === 'json') {
    if (rest === '') throw new SinkError(ErrorCode.SINK_URI, `sink '${uri}': missing path after 'jsonl:'`, false);
    return { kind: 'jsonl', path: rest };
  }
  throw new SinkError(ErrorCode.SINK_URI,
    `sink '${uri}': unknown scheme '${scheme || uri}' (supported: jsonl:PATH, jsonl:-, stdout, nats://HOST:PORT, kafka://HOST:PORT)`, false);
}

/** The encoder a spec asks for: the JSON one it is given, or a protobuf one with the same context. */
function encoderFor(spec: { readonly encoding: SinkEncoding }, json: EcsJsonEncoder): EcsJsonEncoder | ProtobufEncoder {
  // The observer and the observation points are the JSON encoder's (read through its private field:
  // the sinks are opened with it).
  return spec.encoding === 'protobuf' ? new ProtobufEncoder(json.context) : json;
}

export function openSink(spec: SinkSpec, encoder: EcsJsonEncoder, warn: (message: string) => void = () => undefined): Sink {
  switch (spec.kind) {
    case 'jsonl':
      return new JsonLinesSink(spec.path, encoder);
    case 'nats':
      return new NatsSink({
        servers: spec.servers, node: spec.node, agentId: `${spec.node}-${Date.now().toString(36)}-${process.pid}`,
        jetstream: spec.jetstream, stream: spec.stream, streamMaxBytes: spec.streamMaxBytes, streamMaxAgeMs: spec.streamMaxAgeMs,
        maxSpoolBytes: spec.spoolBytes, diskSpoolBytes: spec.diskSpoolBytes, spoolDir: spec.spoolDir, ackTimeoutMs: 5000, warn,
      }, encoderFor(spec, encoder));
    case 'kafka':
      return new KafkaSink({ brokers: spec.brokers, topicPrefix: spec.topicPrefix, acks: spec.acks, agentId: `${spec.node}-${Date.now().toString(36)}-${process.pid}`, warn },
        encoderFor(spec, encoder));
  }
}
