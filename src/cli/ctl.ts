/** `weft ctl NODE|all VERB [JSON | key=value…]` — commands to agents over NATS (or one agent over HTTP). */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { WeftClient, WeftHttpClient } from '../client/index.js';
import { isVerb, VERB_NAMES, type ControlReply, type Verb } from '../control/index.js';
import { parseDuration, type Io } from './io.js';

export const CTL_HELP = `Usage: weft ctl NODE|all VERB [JSON | key=value…] [options]

Sends a command to one agent (NODE) or to every agent (all: each answers; replies are gathered
until the deadline) over NATS, or to one agent's HTTP API with --http. Parameters are one JSON
object, or key=value pairs with dotted keys (values are JSON when they parse, text otherwise):

  weft ctl node-1 block.add match.address=10.0.0.9 match.port=22 ttl=10m
  weft ctl all status
  weft ctl node-1 capture.start '{"filter":"tcp port 80","duration":"10s"}'

Verbs: ${VERB_NAMES.join(', ')}

Options:
  --nats URL          NATS server (default $WEFT_NATS or nats://127.0.0.1:4222); credentials
                      as in the URL forms of weft agent --control
  --http URL          talk to one agent's HTTP API instead (e.g. http://127.0.0.1:7680)
  --identity FILE     sign commands with this nkey seed or creds file (default $WEFT_IDENTITY,
                      else /var/lib/weft/admin.nk when readable: the local admin)
  --token TOKEN       HTTP: a bearer token from the agent's policy
  --timeout D         how long to wait for one agent (default 5s)
  --deadline D        all: how long to gather replies (default 2s)
  --expect N          all: stop once N agents replied
  --json              print the replies as JSON lines (one per agent)
  -h, --help          this help

Exit status: 0 when every reply is ok, 1 when any agent replied with an error, 2 bad usage.
`;

/** key=value pairs (dotted keys) into an object; values are JSON when they parse. */
export function paramsFromArgs(args: readonly string[]): Record<string, unknown> {
  if (args.length === 1 && args[0]!.trim().startsWith('{')) {
    try {
      return JSON.parse(args[0]!) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`parameters: not JSON: ${(error as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`parameters: expected key=value or one JSON object, got '${arg}'`);
    const text = arg.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch { /* plain text */ }
    const keys = arg.slice(0, eq).split('.');
    let o = out;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys.at(-1)!] = value;
  }
  return out;
}

export function defaultIdentity(): string | undefined {
  const env = process.env['WEFT_IDENTITY'];
  if (env !== undefined && env !== '') return env;
  const local = '/var/lib/weft/admin.nk';
  try {
    return existsSync(local) ? local : undefined;
  } catch {
    return undefined;
  }
}

export function printReply(io: Io, reply: ControlReply, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(reply)}\n`);
  } else if (reply.ok) {
    io.stdout.write(`${reply.node}: ok\n${JSON.stringify(reply.result, null, 2)}\n`);
  } else {
    io.stdout.write(`${reply.node}: error ${reply.error.code}: ${reply.error.message}\n`);
  }
}

export async function ctlCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      nats: { type: 'string' }, http: { type: 'string' }, identity: { type: 'string' }, token: { type: 'string' },
      timeout: { type: 'string' }, deadline: { type: 'string' }, expect: { type: 'string' }, json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(CTL_HELP); return 0; }
  const [node, verb, ...rest] = positionals;
  if (node === undefined || verb === undefined) throw new UsageError('expected NODE|all VERB (try weft ctl --help)');
  if (!isVerb(verb)) throw new UsageError(`unknown verb '${verb}' (verbs: ${VERB_NAMES.join(', ')})`);
  const params = paramsFromArgs(rest);
  const identity = values.identity ?? defaultIdentity();
  const json = values.json === true;
  const timeoutMs = values.timeout === undefined ? 5000 : parseDuration('--timeout', values.timeout);
  let replies: ControlReply[];
  if (values.http !== undefined) {
    if (node === 'all') throw new UsageError('--http talks to one agent: name it instead of all');
    const client = new WeftHttpClient(values.http, { ...(identity !== undefined && { identity }), ...(values.token !== undefined && { token: values.token }), node });
    replies = [await client.send(verb as Verb, params)];
  } else {
    const client = await WeftClient.connect(values.nats ?? process.env['WEFT_NATS'] ?? 'nats://127.0.0.1:4222', identity === undefined ? {} : { identity });
    try {
      if (node === 'all') {
        replies = await client.requestAll(verb as Verb, params, {
          deadlineMs: values.deadline === undefined ? 2000 : parseDuration('--deadline', values.deadline),
          ...(values.expect !== undefined && { expect: Number(values.expect) }),
        });
        if (!json) io.stderr.write(`weft: ${replies.length} agent(s) replied\n`);
      } else {
        try {
          replies = [await client.send(node, verb as Verb, params, timeoutMs)];
        } catch (error) {
          const e = error as Error & { code?: string };
          if (/no responders|503/i.test(e.message)) throw new UsageError(`no agent '${node}' on the bus (weft ctl all status lists them)`);
          if (/timeout/i.test(e.message)) throw new UsageError(`agent '${node}' did not reply within ${timeoutMs} ms`);
          throw error;
        }
      }
    } finally {
      await client.close();
    }
  }
  for (const reply of replies) printReply(io, reply, json);
  return replies.every((r) => r.ok) ? 0 : 1;
}
