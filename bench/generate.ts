/**
 * `node dist/bench/generate.js --packets N --out FILE …` — writes a benchmark workload with the
 * synthetic generator of src/capture/synthetic (see there for the traffic model).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generate, type GenerateOptions } from '../src/capture/synthetic/index.js';

export { generate, type GenerateOptions, type Truth, type TruthFlow } from '../src/capture/synthetic/index.js';

// ── CLI ────────────────────────────────────────────────────────────────────────────────────────
const USAGE = `usage: node dist/bench/generate.js --packets N [--flows CONCURRENT] --out FILE
       [--seed N] [--snaplen N] [--pps N] [--start EPOCH_SEC] [--no-pad] [--truth-flows]`;

export function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      packets: { type: 'string' }, flows: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' },
      snaplen: { type: 'string' }, pps: { type: 'string' }, start: { type: 'string' },
      'no-pad': { type: 'boolean' }, 'truth-flows': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || !values.packets || !values.out) { process.stderr.write(USAGE + '\n'); return values.help ? 0 : 2; }
  const num = (s: string | undefined, what: string): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s.replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${what}: not a number: ${s}`);
    return n;
  };
  const t0 = process.hrtime.bigint();
  const opts: GenerateOptions = { packets: num(values.packets, 'packets') as number, out: values.out, pad: !values['no-pad'] };
  const flows = num(values.flows, 'flows'); if (flows !== undefined) opts.flows = flows;
  const seed = num(values.seed, 'seed'); if (seed !== undefined) opts.seed = seed;
  const snaplen = num(values.snaplen, 'snaplen'); if (snaplen !== undefined) opts.snaplen = snaplen;
  const pps = num(values.pps, 'pps'); if (pps !== undefined) opts.pps = pps;
  const start = num(values.start, 'start'); if (start !== undefined) opts.startSec = start;
  if (values['truth-flows']) opts.truthFlows = true;
  const truth = generate(opts);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${truth.file}: ${truth.packets} packets, ${truth.flows} flows (peak ${truth.concurrentPeak} concurrent), ` +
    `${(truth.fileBytes / 1048576).toFixed(1)} MiB (${truth.fileBytes} bytes), ${truth.durationSec.toFixed(1)} s of capture; ` +
    `written in ${secs.toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try { process.exitCode = main(process.argv.slice(2)); } catch (e) { process.stderr.write(`generate: ${(e as Error).message}\n`); process.exitCode = 2; }
}
