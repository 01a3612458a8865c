/**
 * `weft up` — the main job on one machine. Until the live agent exists (eBPF sensors, NATS, the
 * UI: later issues), it runs what exists: it synthesizes a realistic demo capture once, replays it
 * through the whole pipeline into a JSON-lines file, and prints what it found.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from '../capture/index.js';
import { EcsJsonEncoder, JsonLinesSink } from '../export/index.js';
import type { FlowRecord } from '../model/index.js';
import { ianaProtocolName } from '../export/index.js';
import { ReplayPipeline } from '../pipeline/index.js';
import { ProgressBar } from './progress.js';
import { parseNumberFlag, type Io } from './io.js';

export const UP_HELP = `Usage: weft up [options]

Runs weft on this machine with the embedded default. Today that is the replay pipeline over a
synthetic demo capture (TCP with handshakes, DNS, QUIC-like UDP, ICMP, IPv4 and IPv6), written
once under the data folder; the live eBPF agent, the NATS bus and the web UI come in later
releases and will take over this command.

Options:
  --data DIR        data folder (default: .weft in the current directory, or $WEFT_DATA)
  --packets N       size of the demo capture in packets (default 200000)
  --top N           flows to show in the summary (default 10)
  -q, --quiet       no progress bar
  -h, --help        this help
`;

export async function upCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      data: { type: 'string' },
      packets: { type: 'string' },
      top: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(UP_HELP); return 0; }
  const dataDir = resolve(values.data ?? process.env['WEFT_DATA'] ?? '.weft');
  const packets = values.packets === undefined ? 200_000 : parseNumberFlag('--packets', values.packets, 1, true);
  const top = values.top === undefined ? 10 : parseNumberFlag('--top', values.top, 0, true);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const say = (line: string): void => { io.stderr.write(`weft up: ${line}\n`); };
  say('the live agent (eBPF), the bus and the UI are not built yet: running the replay pipeline on a demo capture');
  const capture = join(dataDir, `demo-${packets}.pcap`);
  if (!existsSync(capture)) {
    say(`writing a synthetic demo capture: ${capture}`);
    generate({ packets, out: capture, seed: 1 });
  }
  const output = join(dataDir, 'flows.jsonl');
  const progress = new ProgressBar(io.stderr, values.quiet !== true);
  const pipeline = new ReplayPipeline({
    warn: (m) => { progress.done(); say(`warning: ${m}`); },
    progress: (file, read, total, n) => progress.update(file, read, total, n),
  });
  const encoder = new EcsJsonEncoder({ observerHostname: hostname(), points: pipeline.points });
  const jsonl = new JsonLinesSink(output, encoder);
  const topFlows = new TopFlows(top);
  const started = performance.now();
  const result = await pipeline.run([capture], [jsonl, topFlows]);
  const seconds = (performance.now() - started) / 1000;
  progress.done();
  await jsonl.close();

  const c = result.stats.counters;
  const read = c['packets_read'] ?? 0;
  io.stdout.write(
    `weft up: replayed ${read} packets in ${seconds.toFixed(2)} s (${Math.round(read / seconds).toLocaleString('en-US')} packets/s)\n` +
    `  flows: ${c['flows_emitted'] ?? 0} records (${c['flows_created'] ?? 0} flows, peak ${c['flows_peak'] ?? 0} at once)\n` +
    `  application records: dns ${(c['dpi_dns_answered'] ?? 0) + (c['dpi_dns_unanswered'] ?? 0) + (c['dpi_dns_response_only'] ?? 0)}, ` +
    `http ${c['dpi_http_transactions'] ?? 0}, tls ${c['dpi_tls_handshakes'] ?? 0}, dhcp ${c['dpi_dhcp_messages'] ?? 0}\n` +
    `  malformed: ${c['packets_malformed'] ?? 0}, not IP: ${c['packets_not_ip'] ?? 0}\n` +
    `  records: ${output}\n\n` + topFlows.table() + '\n' +
    `Next: 'bin/weft replay FILE.pcap' on your own captures; 'make test'; 'make bench'.\n`,
  );
  return 0;
}

/** A sink that keeps the N largest flows by bytes, for the summary table. */
class TopFlows {
  readonly name = 'top-flows';
  private readonly n: number;
  private flows: FlowRecord[] = [];
  constructor(n: number) { this.n = n; }
  write(batch: readonly import('../model/index.js').ExportRecord[]): void {
    for (const r of batch) if (r.kind === 'flow') this.flows.push(r);
    if (this.flows.length > this.n * 64) this.trim();
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  private trim(): void {
    this.flows.sort((a, b) => b.sourceBytes + b.destinationBytes - (a.sourceBytes + a.destinationBytes));
    this.flows.length = Math.min(this.flows.length, this.n);
  }
  table(): string {
    this.trim();
    const rows = this.flows.map((f) => [
      ianaProtocolName(f.ipProto), endpoint(f.sourceIp, f.sourcePort), endpoint(f.destinationIp, f.destinationPort),
      f.appProtocol ?? '-', String(f.sourcePackets + f.destinationPackets), String(f.sourceBytes + f.destinationBytes),
      f.communityId,
    ]);
    const head = ['proto', 'source', 'destination', 'app', 'packets', 'bytes', 'community id'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
    return [`top ${rows.length} flows by bytes:`, line(head), ...rows.map(line)].join('\n') + '\n';
  }
}

/** `10.0.0.1:80`, `[2001:db8::1]:443`. */
function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
