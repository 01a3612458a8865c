/** `weft capture NODE --filter EXPR --duration D -o FILE` — a packet capture on an agent, fetched as PCAPNG. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { WeftClient, WeftHttpClient, type CaptureInfo } from '../client/index.js';
import { defaultIdentity } from './ctl.js';
import { parseDuration, parseNumberFlag, type Io } from './io.js';

export const CAPTURE_HELP = `Usage: weft capture NODE -o FILE [options]

Starts a packet capture on agent NODE (capture.start), waits for it to end, and writes its PCAPNG
file (one interface block per observed interface, named, with its network namespace). The agent
uploads finished captures to the NATS object store bucket weft-captures; with --http the file is
downloaded from the agent's HTTP API instead.

Options:
  -o, --output FILE   where to write the PCAPNG file (created 0600; '-' = standard output)
  --filter EXPR       tcpdump filter syntax (default: every packet)
  --duration D        how long to capture (default 10s)
  --max-packets N     stop after N packets
  --max-bytes N       stop when the file reaches N bytes
  --netns NAME        only these namespaces (names, globs, 'host'); repeatable
  --iface PATTERN     only these interfaces (globs); repeatable
  --nats URL          NATS server (default $WEFT_NATS or nats://127.0.0.1:4222)
  --http URL          use one agent's HTTP API instead of NATS
  --identity FILE     nkey seed or creds file to sign with (default as for weft ctl)
  -h, --help          this help
`;

export async function captureCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      output: { type: 'string', short: 'o' }, filter: { type: 'string' }, duration: { type: 'string' },
      'max-packets': { type: 'string' }, 'max-bytes': { type: 'string' },
      netns: { type: 'string', multiple: true }, iface: { type: 'string', multiple: true },
      nats: { type: 'string' }, http: { type: 'string' }, identity: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(CAPTURE_HELP); return 0; }
  const [node, extra] = positionals;
  if (node === undefined || extra !== undefined) throw new UsageError('expected exactly one NODE (try weft capture --help)');
  if (node === 'all') throw new UsageError('weft capture takes one node; for every agent use weft ctl all capture.start');
  if (values.output === undefined) throw new UsageError('-o FILE is required');
  const durationMs = values.duration === undefined ? 10_000 : parseDuration('--duration', values.duration);
  const request = {
    filter: values.filter ?? '',
    duration: `${durationMs}ms`,
    ...(values['max-packets'] !== undefined && { max_packets: parseNumberFlag('--max-packets', values['max-packets'], 1, true) }),
    ...(values['max-bytes'] !== undefined && { max_bytes: parseNumberFlag('--max-bytes', values['max-bytes'], 1, true) }),
    selector: { ...(values.netns !== undefined && { netns: values.netns }), ...(values.iface !== undefined && { interface: values.iface }) },
  };
  const identity = values.identity ?? defaultIdentity();
  const opts = identity === undefined ? {} : { identity };
  let info: CaptureInfo;
  let bytes: Uint8Array;
  const wait = async (get: () => Promise<CaptureInfo>, started: CaptureInfo): Promise<CaptureInfo> => {
    io.stderr.write(`weft: capture ${started.id} running on ${started.node} for ${durationMs / 1000}s${request.filter === '' ? '' : ` (${request.filter})`}\n`);
    const until = Date.now() + durationMs + 30_000;
    let endedAt = 0;
    let current = started;
    // Over NATS the file comes from the object store: wait for the upload too (at most 5 s after the end).
    while (current.state === 'running' || (values.http === undefined && current.object === undefined && current.state !== 'failed' && Date.now() - endedAt < 5000)) {
      if (Date.now() > until) throw new UsageError(`capture ${started.id} did not end in time`);
      await new Promise((r) => setTimeout(r, 250));
      current = await get();
      if (current.state !== 'running' && endedAt === 0) endedAt = Date.now();
    }
    return current;
  };
  if (values.http !== undefined) {
    const client = new WeftHttpClient(values.http, { ...opts, node });
    const started = await client.request('capture.start', request);
    info = await wait(() => client.request('capture.get', { id: started.id }), started);
    bytes = await client.captureBytes(info.id);
  } else {
    const client = await WeftClient.connect(values.nats ?? process.env['WEFT_NATS'] ?? 'nats://127.0.0.1:4222', opts);
    try {
      const started = await client.request(node, 'capture.start', request);
      info = await wait(() => client.request(node, 'capture.get', { id: started.id }), started);
      bytes = await client.captureBytes(info);
    } finally {
      await client.close();
    }
  }
  if (info.state === 'failed') throw new UsageError(`capture ${info.id} failed: ${info.error ?? 'unknown error'}`);
  if (values.output === '-') io.stdout.write(bytes);
  else writeFileSync(values.output, bytes, { mode: 0o600 });
  io.stderr.write(`weft: capture ${info.id}: ${info.packets} packets, ${bytes.length} bytes (${info.end_reason ?? info.state}) → ${values.output}\n`);
  return 0;
}
