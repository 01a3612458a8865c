/**
 * A real nats-server (Debian package) for tests: started on a free loopback port with JetStream
 * storing into a temporary folder, stoppable and restartable on the same port and store (outage
 * tests), and always killed when the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its store. */
  destroy(): Promise<void>;
}

export function natsServerMissing(): string | undefined {
  return spawnSync('nats-server', ['--version']).status === 0 ? undefined : 'nats-server is not installed (make setup installs it)';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); });

export async function startNatsServer(options: { jetstream?: boolean; config?: string } = {}): Promise<NatsServer> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'weft-nats-'));
  let child: ChildProcess | undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(options.jetstream === false ? [] : ['-js', '-sd', store]),
    ...(options.config !== undefined ? ['-c', options.config] : [])];
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    start: () => new Promise((resolve, reject) => {
      const c = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      running.add(c);
      let err = '';
      const timer = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`nats-server did not start: ${err}`)); }, 10_000);
      c.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => { running.delete(c); clearTimeout(timer); if (!err.includes('Server is ready')) reject(new Error(`nats-server exited ${code}: ${err}`)); });
    }),
    stop: () => new Promise((resolve) => {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null) { resolve(); return; }
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    }),
    destroy: async () => {
      await server.stop();
      rmSync(store, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
