/**
 * @module cli — the `weft` command: thin wrappers over pipeline/ and export/. Exit status 0 on
 * success, 2 on bad usage or unreadable input, 1 on an unexpected failure.
 */
import { readFileSync } from 'node:fs';
import { AgentError, UsageError } from '../core/errors.js';
import { processIo, type Io } from './io.js';
import { replayCommand } from './replay.js';
import { upCommand } from './up.js';
import { agentCommand } from './agent.js';
import { capabilitiesCommand } from './capabilities.js';
import { tailCommand } from './tail.js';
import { ctlCommand } from './ctl.js';
import { captureCommand } from './capture.js';

const COMMANDS: Record<string, { summary: string; run: (argv: readonly string[], io: Io) => Promise<number> }> = {
  up: { summary: 'run weft on this machine with the embedded default (see weft up --help)', run: upCommand },
  replay: { summary: 'capture files (pcap, pcapng, gzip, stdin) → flow records', run: replayCommand },
  agent: { summary: 'the live agent: eBPF sensors in every network namespace (libpcap fallback)', run: agentCommand },
  capabilities: { summary: 'what this host lets weft do (eBPF features, privileges, fallback)', run: capabilitiesCommand },
  tail: { summary: 'follow the records on the bus (NATS), one readable line each', run: tailCommand },
  ctl: { summary: 'commands to one agent or to all: status, blocks, captures, sensors, pipeline', run: ctlCommand },
  capture: { summary: 'a packet capture on an agent, written as PCAPNG', run: captureCommand },
};

export const MAIN_HELP = `Usage: weft COMMAND [options]

weft instruments network traffic where it is generated and turns it into telemetry:
flow records and application metadata with Elastic Common Schema field names.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join('\n')}

Options:
  -h, --help     this help ('weft COMMAND --help' for a command's own options)
  -V, --version  print the version

Exit status: 0 success, 2 bad usage or unreadable input, 1 unexpected failure.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.stdout.write(MAIN_HELP);
      return name === undefined ? 2 : 0;
    }
    if (name === '-V' || name === '--version') { io.stdout.write(`weft ${version()}\n`); return 0; }
    const command = COMMANDS[name];
    if (command === undefined) throw new UsageError(`unknown command '${name}' (try 'weft --help')`);
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof AgentError || (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      || (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
      || (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      io.stderr.write(`weft: error: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr.write(`weft: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
