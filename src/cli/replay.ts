/** `weft replay FILE… [--sink URI]…` — the whole pipeline over capture files. */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { EcsJsonEncoder, openSink, parseSinkUri, SINK_URI_HELP, type Sink } from '../export/index.js';
import { DEFAULT_FLOW_CONFIG } from '../flow/index.js';
import { ReplayPipeline, type ReplayResult } from '../pipeline/index.js';
import { ProgressBar } from './progress.js';
import { parseNumberFlag, type Io } from './io.js';

export const REPLAY_HELP = `Usage: weft replay FILE... [options]

Runs the whole pipeline (decode, flow metering, application dissectors) over capture files and
writes one record per line (ECS field names): flow records and application records (dns, http,
tls, quic, dhcp, icmp) as they end, then one stats record. FILE is a pcap or pcapng file,
optionally gzip-compressed, or '-' for standard input. Files are read in order as one run.

Options:
  --sink URI              where records go; repeatable (default: stdout). URIs:
${SINK_URI_HELP.map((l) => `                            ${l}`).join('\n')}
  --idle-timeout SEC      end a flow after SEC seconds without packets (default ${DEFAULT_FLOW_CONFIG.idleTimeoutMs / 1000})
  --active-timeout SEC    emit a record for a flow every SEC seconds it stays active (default ${DEFAULT_FLOW_CONFIG.activeTimeoutMs / 1000})
  --tcp-linger SEC        after FIN both ways or RST, keep counting a flow this long (default ${DEFAULT_FLOW_CONFIG.tcpEndLingerMs / 1000})
  --max-flows N           flow table capacity; when full the least recently seen flow is
                          evicted (event.reason lack_of_resources) (default ${DEFAULT_FLOW_CONFIG.maxFlows})
  --observer NAME         observer.hostname on every record (default: this host's name)
  --flows-only            meter flows only: no application dissectors (no application
                          records, no network.protocol on flows)
  -q, --quiet             no progress bar (it is shown only when stderr is a terminal anyway)
  -h, --help              this help

Timeouts run on packet time, so a replay gives the same records however fast it runs.
Exit status: 0 when every file was read (a truncated last record is only a warning),
2 when a file is not a capture or is corrupt (its packets up to the fault are kept), or on
bad usage.
`;

export async function replayCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      sink: { type: 'string', multiple: true },
      'idle-timeout': { type: 'string' },
      'active-timeout': { type: 'string' },
      'tcp-linger': { type: 'string' },
      'max-flows': { type: 'string' },
      observer: { type: 'string' },
      'flows-only': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(REPLAY_HELP); return 0; }
  if (positionals.length === 0) throw new UsageError("replay: no capture file given (try 'weft replay --help')");

  const flow = {
    ...(values['idle-timeout'] !== undefined && { idleTimeoutMs: parseNumberFlag('--idle-timeout', values['idle-timeout'], 0.001) * 1000 }),
    ...(values['active-timeout'] !== undefined && { activeTimeoutMs: parseNumberFlag('--active-timeout', values['active-timeout'], 0.001) * 1000 }),
    ...(values['tcp-linger'] !== undefined && { tcpEndLingerMs: parseNumberFlag('--tcp-linger', values['tcp-linger'], 0) * 1000 }),
    ...(values['max-flows'] !== undefined && { maxFlows: parseNumberFlag('--max-flows', values['max-flows'], 1, true) }),
  };
  const specs = (values.sink ?? ['stdout']).map(parseSinkUri);

  const progress = new ProgressBar(io.stderr, values.quiet !== true);
  const pipeline = new ReplayPipeline({
    flow,
    warn: (message) => { progress.done(); io.stderr.write(`weft: warning: ${message}\n`); },
    progress: (file, read, total, packets) => progress.update(file, read, total, packets),
    stdin: io.stdin,
    dissect: values['flows-only'] !== true,
  });
  const encoder = new EcsJsonEncoder({ observerHostname: values.observer ?? hostname(), points: pipeline.points });
  const sinks: Sink[] = specs.map((spec) => openSink(spec, encoder, (m) => { io.stderr.write(`weft: warning: ${m}\n`); }));
  let result: ReplayResult;
  try {
    result = await pipeline.run(positionals, sinks);
  } finally {
    progress.done();
    for (const sink of sinks) await sink.close();
  }
  let status = 0;
  for (const outcome of result.files) {
    if (outcome.error !== undefined) {
      io.stderr.write(`weft: error: ${outcome.error.message}\n`);
      status = 2;
    }
  }
  return status;
}
