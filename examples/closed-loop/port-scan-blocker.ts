/**
 * A closed-loop analytic on the weft fabric: it watches the flow records of every agent for a port
 * scan — one source trying many ports of the hosts it talks to within a short window — and, for
 * each scanner it finds, asks the agent that saw it to block the scanner for a while
 * (`block.add` with a TTL: the block lifts itself) and to capture the scanner's packets
 * (`capture.start`) for a human to look at later.
 *
 *   node dist/examples/closed-loop/port-scan-blocker.js --nats nats://127.0.0.1:4222 \
 *     --identity /var/lib/weft/admin.nk --threshold 20 --window 10s --ttl 5m
 *
 * The identity must be allowed block.add and capture.start by the agents' policy.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { WeftClient, type RecordMessage } from 'weft/client';

export interface ScanDetectorOptions {
  /** Distinct destination ports from one source within the window that make a scan. */
  readonly threshold: number;
  readonly windowMs: number;
}

export interface Scan {
  readonly node: string;
  readonly source: string;
  readonly ports: number;
}

/** Flow records in, scanners out (each once until forget()). Bounded: sources evicted oldest first. */
export class PortScanDetector {
  private readonly options: ScanDetectorOptions;
  /** node|source → destination port → when last seen (ms). */
  private readonly seen = new Map<string, Map<number, number>>();
  private readonly flagged = new Set<string>();
  private static readonly MAX_SOURCES = 100_000;

  constructor(options: ScanDetectorOptions) {
    this.options = options;
  }

  observe(message: RecordMessage, nowMs = Date.now()): Scan | undefined {
    if (message.type !== 'flow') return undefined;
    const r = message.record;
    const source = r['source.ip'];
    const port = r['destination.port'];
    if (typeof source !== 'string' || typeof port !== 'number' || port === 0) return undefined;
    const key = `${message.node}|${source}`;
    if (this.flagged.has(key)) return undefined;
    let ports = this.seen.get(key);
    if (ports === undefined) {
      if (this.seen.size >= PortScanDetector.MAX_SOURCES) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(key, (ports = new Map()));
    }
    ports.set(port, nowMs);
    for (const [p, t] of ports) if (nowMs - t > this.options.windowMs) ports.delete(p);
    if (ports.size < this.options.threshold) return undefined;
    this.flagged.add(key);
    this.seen.delete(key);
    return { node: message.node, source, ports: ports.size };
  }

  /** The block ended: watch this source again. */
  forget(scan: Scan): void {
    this.flagged.delete(`${scan.node}|${scan.source}`);
  }
}

export interface ClosedLoopOptions extends ScanDetectorOptions {
  readonly blockTtlMs: number;
  readonly captureMs: number;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Watches the stream and acts on every scan until the signal aborts. */
export async function runClosedLoop(client: WeftClient, options: ClosedLoopOptions): Promise<void> {
  const detector = new PortScanDetector(options);
  for await (const message of client.records({ types: ['flow'], ...(options.signal !== undefined && { signal: options.signal }) })) {
    const scan = detector.observe(message);
    if (scan === undefined) continue;
    options.log(`scan: ${scan.source} tried ${scan.ports} ports (seen by ${scan.node})`);
    try {
      const block = await client.request(scan.node, 'block.add', {
        match: { address: scan.source }, ttl: `${options.blockTtlMs}ms`, reason: `port scan: ${scan.ports} ports`,
      });
      options.log(`blocked ${scan.source} on ${scan.node} until ${block.expires_at} (block ${block.id})`);
      setTimeout(() => detector.forget(scan), options.blockTtlMs).unref();
      const capture = await client.request(scan.node, 'capture.start', { filter: `host ${scan.source}`, duration: `${options.captureMs}ms` });
      options.log(`capturing ${scan.source} on ${scan.node}: capture ${capture.id}`);
    } catch (error) {
      options.log(`acting on ${scan.source} at ${scan.node} failed: ${(error as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' }, identity: { type: 'string' },
      threshold: { type: 'string', default: '20' }, window: { type: 'string', default: '10' },
      ttl: { type: 'string', default: '300' }, capture: { type: 'string', default: '30' },
    },
  });
  const client = await WeftClient.connect(values.nats, values.identity === undefined ? {} : { identity: values.identity });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await runClosedLoop(client, {
    threshold: Number(values.threshold), windowMs: Number(values.window) * 1000,
    blockTtlMs: Number(values.ttl) * 1000, captureMs: Number(values.capture) * 1000,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`), signal: stop.signal,
  });
  await client.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
