/**
 * The same commands over the agent's HTTP API: `POST /api/v1/ctl/<verb>` with the JSON request
 * (GET works for requests without parameters); the reply is the control reply, with an HTTP status
 * that matches its error code. `GET /api/v1/captures/<id>.pcapng` downloads a capture (authorized
 * and audited as capture.get). Identity: the signature headers, or `Authorization: Bearer TOKEN`.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_ERROR_STATUS, type ControlReply } from './protocol.js';
import { MAX_REQUEST_BYTES, type ControlServer } from './server.js';
import { nodeToken } from './nats-service.js';
import type { CaptureManager } from './captures.js';

const CTL_PATH = /^\/api\/v1\/ctl\/([a-z.]+)$/;
const CAPTURE_PATH = /^\/api\/v1\/captures\/([A-Za-z0-9-]+)\.pcapng$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Read on (and drop) past the limit so the reply still reaches the client; the server refuses it.
      if (size <= MAX_REQUEST_BYTES + 1) parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: ControlReply): void {
  const status = reply.ok ? 200 : SERVICE_ERROR_STATUS[reply.error.code];
  const body = JSON.stringify(reply);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export class ControlHttpApi {
  private readonly http: Server;

  private constructor(http: Server) {
    this.http = http;
  }

  /** Listens on host:port (port 0 = any free port); `url` says where. */
  static listen(server: ControlServer, captures: CaptureManager, host: string, port: number): Promise<ControlHttpApi> {
    const target = nodeToken(server.node);
    const http = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://agent');
        const header = (name: string): string | undefined => {
          const v = req.headers[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        };
        const ctl = CTL_PATH.exec(url.pathname);
        if (ctl !== null && (req.method === 'POST' || req.method === 'GET')) {
          const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
          send(res, await server.handle({ transport: 'http', target, verb: ctl[1]!, body, header }));
          return;
        }
        const cap = CAPTURE_PATH.exec(url.pathname);
        if (cap !== null && req.method === 'GET') {
          const body = Buffer.from(JSON.stringify({ id: cap[1] }));
          const reply = await server.handle({ transport: 'http', target, verb: 'capture.get', body, header });
          if (!reply.ok) { send(res, reply); return; }
          const file = captures.file(cap[1]!);
          if (file.state === 'running') {
            send(res, { ok: false, node: server.node, error: { code: 'conflict', message: `capture ${cap[1]!} is still running` } });
            return;
          }
          res.writeHead(200, {
            'content-type': 'application/vnd.tcpdump.pcap',
            'content-length': statSync(file.path).size,
            'content-disposition': `attachment; filename="${server.node}-${cap[1]!}.pcapng"`,
          });
          createReadStream(file.path).pipe(res);
          return;
        }
        if (url.pathname === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok\n');
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, node: server.node, error: { code: 'unknown_verb', message: `no such path: ${req.method ?? ''} ${url.pathname}` } }));
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, node: server.node, error: { code: 'internal', message: (error as Error).message } }));
      });
    });
    return new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve(new ControlHttpApi(http));
      });
    });
  }

  get url(): string {
    const a = this.http.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.closeAllConnections();
      this.http.close(() => resolve());
    });
  }
}
