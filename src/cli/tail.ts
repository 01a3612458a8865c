/** `weft tail` — follow the records on the bus, like `hubble observe`: one readable line each. */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { UsageError } from '../core/errors.js';
import { parseNumberFlag, type Io } from './io.js';

export const TAIL_HELP = `Usage: weft tail --nats URL [options]

Follows the records agents publish on NATS (subjects weft.v1.NODE.TYPE) and prints one line per
record: time, node, type, the conversation and what was seen in it.

Options:
  --nats URL          the NATS server (nats://host:port)
  --node NAME         only this node's records (default: every node)
  --type T[,T…]       only these record types: flow, dns, http, tls, quic, dhcp, icmp, event, stats,
                      audit, capture, topology
  --filter F=V        only records whose ECS field F equals V (e.g. dns.question.name=example.com,
                      destination.port=443); repeatable, all must match
  --count N           exit after N records
  --json              print each record as its JSON line (for pipes)
  -h, --help          this help
`;

const TYPES = new Set(['flow', 'dns', 'http', 'tls', 'quic', 'dhcp', 'icmp', 'event', 'stats', 'audit', 'capture', 'topology']);
type Rec = Record<string, unknown>;

function endpoint(r: Rec, side: 'source' | 'destination'): string {
  const ip = String(r[`${side}.ip`] ?? '');
  const port = r[`${side}.port`];
  return `${ip.includes(':') ? `[${ip}]` : ip}${port !== undefined ? `:${String(port)}` : ''}`;
}

/** What matters in one record, on one line. */
export function describe(r: Rec): string {
  const kind = String(r['event.dataset'] ?? '?');
  const conv = `${endpoint(r, 'source')} -> ${endpoint(r, 'destination')}`;
  const proto = String(r['network.transport'] ?? '');
  switch (kind) {
    case 'flow':
      return `${proto} ${conv} ${String(r['network.protocol'] ?? '')} packets ${String(r['source.packets'])}/${String(r['destination.packets'])} bytes ${String(r['source.bytes'])}/${String(r['destination.bytes'])} ${String(r['event.reason'] ?? '')}`.replace(/ {2,}/g, ' ');
    case 'dns':
      return `${conv} ${String(r['dns.question.type'] ?? '')} ${String(r['dns.question.name'] ?? '')} ${String(r['dns.response_code'] ?? 'no response')} ${((r['dns.resolved_ip'] as string[] | undefined) ?? []).join(',')}`.trim();
    case 'http':
      return `${conv} ${String(r['http.request.method'] ?? '')} ${String(r['url.domain'] ?? '')}${String(r['url.path'] ?? '')} ${String(r['http.response.status_code'] ?? '-')}`;
    case 'tls':
    case 'quic':
      return `${conv} ${String(r['tls.client.server_name'] ?? '')} ${String(r['tls.version'] ?? '')} ${String(r['tls.client.ja4'] ?? '')}`.trim();
    case 'event':
      return `${String(r['event.action'])} ${conv} ${String(r['weft.tcp.old_state'] ?? '')}${r['weft.tcp.new_state'] !== undefined ? `>${String(r['weft.tcp.new_state'])}` : ''} ${String(r['weft.drop.reason'] ?? '')} ${r['process.name'] !== undefined ? `${String(r['process.name'])}[${String(r['process.pid'])}]` : ''} netns ${String(r['weft.netns.name'] ?? r['weft.netns.inode'] ?? '')}`.replace(/ {2,}/g, ' ');
    case 'audit':
      return `${String(r['user.name'])} (${String((r['user.roles'] as string[] | undefined)?.[0] ?? '')}) ${String(r['weft.control.transport'])} ${String(r['event.action'])} -> ${String(r['weft.control.target'])}: ${String(r['event.outcome'])}${r['error.code'] !== undefined ? ` ${String(r['error.code'])}: ${String(r['error.message'])}` : r['message'] !== undefined ? ` ${String(r['message'])}` : ''}`;
    case 'capture':
      return `${String(r['weft.capture.id'])} ${String(r['weft.capture.state'])} (${String(r['event.reason'] ?? '')}) ${String(r['weft.capture.packets'])} packets ${String(r['weft.capture.bytes'])} bytes filter '${String(r['weft.capture.filter'])}'`;
    case 'stats':
      return Object.entries(r).filter(([k, v]) => k.startsWith('weft.stats.') && v !== 0).slice(0, 12).map(([k, v]) => `${k.slice(11)}=${String(v)}`).join(' ');
    default:
      return `${proto} ${conv}`;
  }
}

export async function tailCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: [...argv], strict: true,
    options: {
      nats: { type: 'string' }, node: { type: 'string' }, type: { type: 'string' }, filter: { type: 'string', multiple: true },
      count: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(TAIL_HELP); return 0; }
  if (values.nats === undefined) throw new UsageError("tail: --nats URL is required (try 'weft tail --help')");
  const types = values.type === undefined ? ['*'] : values.type.split(',');
  for (const t of types) if (t !== '*' && !TYPES.has(t)) throw new UsageError(`--type: unknown record type '${t}' (known: ${[...TYPES].join(', ')})`);
  const node = values.node ?? '*';
  if (!/^[A-Za-z0-9_*-]+$/.test(node)) throw new UsageError(`--node: '${node}' is not a node name`);
  const filters = (values.filter ?? []).map((f) => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--filter: expected FIELD=VALUE, got '${f}'`);
    return [f.slice(0, eq), f.slice(eq + 1)] as const;
  });
  const limit = values.count === undefined ? Infinity : parseNumberFlag('--count', values.count, 1, true);
  const nc = await connect({ servers: values.nats.replace(/^nats:\/\//, '').split(',') }).catch((error: Error) => {
    throw new UsageError(`tail: cannot connect to ${values.nats}: ${error.message}`);
  });
  let shown = 0;
  const subs = types.map((t) => nc.subscribe(`weft.v1.${node}.${t}`));
  const stop = (): void => { void nc.drain(); };
  process.once('SIGINT', stop);
  await Promise.all(subs.map(async (sub) => {
    for await (const m of sub) {
      const nodeName = m.subject.split('.')[2] ?? '';
      for (const line of m.string().split('\n')) {
        if (line === '' || shown >= limit) continue;
        const r = JSON.parse(line) as Rec;
        if (!filters.every(([k, v]) => String(r[k]) === v)) continue;
        shown++;
        io.stdout.write(values.json ? `${line}\n` : `${String(r['@timestamp'] ?? '')} ${nodeName} ${String(r['event.dataset'] ?? '')} ${describe(r)}\n`);
        if (shown >= limit) stop();
      }
    }
  }));
  process.removeListener('SIGINT', stop);
  return 0;
}
