/** `weft agent` — the live agent on this host's namespaces and interfaces. */
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentError, ErrorCode, UsageError } from '../core/errors.js';
import { EcsJsonEncoder, openSink, parseSinkUri, SINK_URI_HELP, type Sink } from '../export/index.js';
import { Agent, startControlPlane } from '../agent/index.js';
import type { RunningControl } from '../agent/index.js';
import type { ObservationPoint } from '../model/index.js';
import { parseDuration, parseNumberFlag, type Io } from './io.js';

export const AGENT_HELP = `Usage: weft agent [options]

Observes traffic where it is generated: eBPF programs on tc ingress and egress of every interface
of every network namespace (attached as namespaces and interfaces appear, detached as they go)
meter flows in the kernel, tap the first packets of each flow (and all DNS) for the application
dissectors, and report TCP state changes, retransmissions and kernel packet drops. Writes flow,
application (dns, http, tls, quic, dhcp, icmp), event and stats records, one per line (ECS names).
Without eBPF (no privileges, no BTF, native bridge not built) it uses libpcap on each interface
and meters flows in user space, and says so in one line.

Options:
  --netns NAME            namespaces to observe: 'all' (default), 'host' (the agent's own), or
                          names (ip netns names, shell patterns allowed); repeatable
  --iface PATTERN         interfaces to observe (shell pattern, e.g. 'veth*'); repeatable
                          (default: every interface)
  --sink URI              where records go; repeatable (default: stdout). URIs:
${SINK_URI_HELP.map((l) => `                            ${l}`).join('\n')}
  --source auto|ebpf|pcap where packets come from (default auto: eBPF, else libpcap)
  --filter EXPR           libpcap source: tcpdump filter expression
  --duration D            run for D (e.g. 30s, 5m, 1h), then flush every flow and exit
  --flow-idle D           end a flow after D without packets (default 15s)
  --flow-active D         a record every D for long flows (default 60s)
  --stats-interval D      a stats record every D (default 10s; 0 = only at exit)
  --tap-first N           dissect the first N packets (socket buffers) of every flow (default 16)
  --snaplen N             bytes copied per tapped packet (default 9216)
  --max-flows N           kernel flow map entries (default 65536)
  --flows-only            no application dissectors (flows and events only)
  --observer NAME         observer.hostname on every record (default: the node name)
  --node NAME             this agent's name on the bus: subjects weft.ctl.NAME.* and weft.v1.NAME.*
                          (default: this host's name)
  --control URL           NATS server for the control plane, with credentials when needed:
                          nats://[user:pass@]host:port[?creds=FILE|nkey=FILE|token=T&tls_ca=F…]
                          (default: the first nats:// sink's servers; 'none' = no NATS control)
  --http HOST:PORT        serve the control API over HTTP too (e.g. 127.0.0.1:7680)
  --policy FILE           who may run which command (JSON; default: everyone read-only, the
                          local admin key in the state folder may do everything)
  --state-dir DIR         blocks, captures and the local admin key (default /var/lib/weft as
                          root, else ~/.local/state/weft)
  -h, --help              this help

Stops cleanly on SIGINT/SIGTERM: every flow is flushed and every program detached.
`;

export async function agentCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      netns: { type: 'string', multiple: true },
      iface: { type: 'string', multiple: true },
      sink: { type: 'string', multiple: true },
      source: { type: 'string' },
      filter: { type: 'string' },
      duration: { type: 'string' },
      'flow-idle': { type: 'string' },
      'flow-active': { type: 'string' },
      'stats-interval': { type: 'string' },
      'tap-first': { type: 'string' },
      snaplen: { type: 'string' },
      'max-flows': { type: 'string' },
      'flows-only': { type: 'boolean' },
      observer: { type: 'string' },
      node: { type: 'string' },
      control: { type: 'string' },
      http: { type: 'string' },
      policy: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(AGENT_HELP); return 0; }
  const source = values.source ?? 'auto';
  if (source !== 'auto' && source !== 'ebpf' && source !== 'pcap') throw new UsageError(`--source: expected auto, ebpf or pcap, got '${source}'`);
  const durationMs = values.duration === undefined ? undefined : parseDuration('--duration', values.duration);
  const node = values.node ?? hostname();
  const sinkUris = values.sink ?? ['stdout'];
  const specs = sinkUris.map(parseSinkUri);
  // The encoder reads the observation points as records arrive; the agent fills this same list.
  const points: ObservationPoint[] = [];
  const encoder = new EcsJsonEncoder({ observerHostname: values.observer ?? node, points });
  const warn = (line: string): void => { io.stderr.write(`weft: warning: ${line}\n`); };
  const open = (uri: string): Sink => openSink(parseSinkUri(uri), encoder, warn);
  const sinks: Sink[] = specs.map((spec) => openSink(spec, encoder, warn));
  const firstNats = specs.find((s) => s.kind === 'nats');
  const controlUrl = values.control ?? (firstNats?.kind === 'nats'
    ? firstNats.servers.split(',').map((h) => (h.startsWith('nats://') ? h : `nats://${h}`)).join(',').replace(/,nats:\/\//g, ',')
    : undefined);
  const http = values.http === undefined ? undefined : parseHostPort('--http', values.http);
  const stateDir = values['state-dir'] ?? (process.getuid?.() === 0 ? '/var/lib/weft' : join(process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'weft'));
  let agent: Agent;
  try {
    agent = await Agent.start({
      source,
      netns: values.netns ?? ['all'],
      ifaces: values.iface ?? [],
      sinks,
      flowIdleMs: values['flow-idle'] === undefined ? 15_000 : parseDuration('--flow-idle', values['flow-idle']),
      flowActiveMs: values['flow-active'] === undefined ? 60_000 : parseDuration('--flow-active', values['flow-active']),
      statsIntervalMs: values['stats-interval'] === undefined ? 10_000 : parseDuration('--stats-interval', values['stats-interval'], true),
      drainIntervalMs: 1000,
      rescanIntervalMs: 500,
      tapFirstPackets: values['tap-first'] === undefined ? 16 : parseNumberFlag('--tap-first', values['tap-first'], 0, true),
      snaplen: values.snaplen === undefined ? 9216 : parseNumberFlag('--snaplen', values.snaplen, 64, true),
      flowEntries: values['max-flows'] === undefined ? 65_536 : parseNumberFlag('--max-flows', values['max-flows'], 1, true),
      dissect: values['flows-only'] !== true,
      ...(values.filter !== undefined && { pcapFilter: values.filter }),
      info: (line) => { io.stderr.write(`weft: ${line}\n`); },
      warn,
      points,
      node,
      sinkUris,
      openSink: open,
      encoder,
    });
  } catch (error) {
    for (const sink of sinks) await sink.close();
    throw error;
  }
  io.stderr.write(`weft: agent (${agent.source}) observing ${agent.interfaces().length} interfaces in ${new Set(agent.interfaces().map((i) => i.netnsInode)).size} namespaces\n`);
  let control: RunningControl | undefined;
  if ((controlUrl !== undefined && controlUrl !== 'none') || http !== undefined) {
    try {
      control = await startControlPlane(agent, {
        ...(controlUrl !== undefined && controlUrl !== 'none' && { natsUrl: controlUrl }),
        ...(http !== undefined && { http }),
        ...(values.policy !== undefined && { policyPath: values.policy }),
        stateDir,
        info: (line) => { io.stderr.write(`weft: ${line}\n`); },
        warn,
      });
    } catch (error) {
      await agent.stop();
      for (const sink of agent.currentSinks) await sink.close();
      throw new AgentError(ErrorCode.USAGE, `control plane: ${(error as Error).message}`);
    }
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (durationMs !== undefined) setTimeout(stop, durationMs).unref();
  });
  await control?.stop();
  await agent.stop();
  for (const sink of agent.currentSinks) await sink.close();
  return 0;
}

/** HOST:PORT (IPv6 hosts in brackets). */
export function parseHostPort(flag: string, text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (m === null || port > 65_535) throw new UsageError(`${flag}: expected HOST:PORT (e.g. 127.0.0.1:7680), got '${text}'`);
  return { host: m[1] ?? m[2]!, port };
}
