/**
 * The control plane of one agent: the command server (authentication, policy, validation, audit),
 * its two transports (the NATS service, the HTTP API), the block table and the capture sessions.
 *
 * State lives in `stateDir` (0700): blocks.json (the blocks and their absolute expiry times),
 * admin.nk (the local admin's nkey seed, 0600: whoever can read it is admin, like a root-owned
 * socket) and captures/ (the PCAPNG files).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { BlockTable } from './blocks.js';
import { CaptureManager, type CaptureManagerOptions, type CaptureUploader } from './captures.js';
import { verbHandler } from './handlers.js';
import { ControlHttpApi } from './http-api.js';
import { ensureSeedFile } from './identity.js';
import { ControlService } from './nats-service.js';
import type { Policy } from './policy.js';
import { ControlServer } from './server.js';
import type { ControlTarget } from './target.js';

export const CAPTURE_BUCKET = 'weft-captures';
export const LOCAL_ADMIN_SEED = 'admin.nk';

export interface ControlPlaneOptions {
  readonly target: ControlTarget;
  readonly policy: Policy;
  readonly stateDir: string;
  readonly version: string;
  /** A connection for the NATS service (and the capture bucket); none = HTTP only. */
  readonly nats?: NatsConnection;
  /** host:port for the HTTP API; none = NATS only. */
  readonly http?: { readonly host: string; readonly port: number };
  readonly compileFilter: CaptureManagerOptions['compileFilter'];
  readonly coarseRule: CaptureManagerOptions['coarseRule'];
  readonly info: (line: string) => void;
  readonly warn: (line: string) => void;
}

export class ControlPlane {
  readonly server: ControlServer;
  readonly blocks: BlockTable;
  readonly captures: CaptureManager;
  readonly agentId: string;
  readonly adminSeedPath: string;
  private service: ControlService | undefined;
  private httpApi: ControlHttpApi | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private uploader: CaptureUploader | undefined;

  private constructor(o: ControlPlaneOptions) {
    const target = o.target;
    this.agentId = randomUUID();
    mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
    this.adminSeedPath = join(o.stateDir, LOCAL_ADMIN_SEED);
    o.policy.addAdmin('local-admin', ensureSeedFile(this.adminSeedPath));
    const audit = (record: import('../model/index.js').AuditRecord): void => target.emit(record);
    this.blocks = new BlockTable(target, join(o.stateDir, 'blocks.json'), (block) => {
      const now = Date.now();
      audit({
        kind: 'audit', sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6, node: target.node, transport: 'nats',
        verb: 'block.expire', target: target.node, identity: 'agent', role: 'agent', request: JSON.stringify({ id: block.id }),
        outcome: 'success', durationNs: 0, summary: `block ${block.id} expired after ${block.hits} hits (ttl ended ${block.expires_at})`,
      });
    });
    this.captures = new CaptureManager(target, {
      dir: join(o.stateDir, 'captures'), compileFilter: o.compileFilter, coarseRule: o.coarseRule,
      uploader: () => this.uploader, warn: o.warn,
    });
    this.server = new ControlServer(target.node, o.policy, verbHandler({
      target, blocks: this.blocks, captures: this.captures, agentId: this.agentId, version: o.version, startedMs: Date.now(),
    }), audit);
  }

  static async start(o: ControlPlaneOptions): Promise<ControlPlane> {
    const plane = new ControlPlane(o);
    if (o.target.source === 'ebpf') for (const w of plane.blocks.load()) o.warn(w);
    plane.expiryTimer = setInterval(() => {
      try {
        plane.blocks.expire();
      } catch (error) {
        o.warn(`block expiry: ${(error as Error).message}`);
      }
    }, 500);
    try {
      if (o.nats !== undefined) {
        plane.service = await ControlService.start(o.nats, plane.server, { version: o.version, agentId: plane.agentId });
        plane.uploader = await captureBucket(o.nats, o.info);
      }
      if (o.http !== undefined) {
        plane.httpApi = await ControlHttpApi.listen(plane.server, plane.captures, o.http.host, o.http.port);
        o.info(`control API on ${plane.httpApi.url}`);
      }
    } catch (error) {
      await plane.stop();
      throw error;
    }
    return plane;
  }

  get httpUrl(): string | undefined {
    return this.httpApi?.url;
  }

  async stop(): Promise<void> {
    clearInterval(this.expiryTimer);
    await this.service?.stop().catch(() => undefined);
    await this.httpApi?.close();
    await this.captures.close();
  }
}

/** The object store bucket for captures, when the server has JetStream; undefined (and a note) when not. */
async function captureBucket(nc: NatsConnection, info: (line: string) => void): Promise<CaptureUploader | undefined> {
  try {
    const store = await new Objm(nc as unknown as ConstructorParameters<typeof Objm>[0]).create(CAPTURE_BUCKET, { description: 'weft packet captures (PCAPNG)' });
    return {
      bucket: CAPTURE_BUCKET,
      upload: async (name, stream) => { await store.put({ name }, stream); },
    };
  } catch (error) {
    info(`captures stay local (no object store bucket ${CAPTURE_BUCKET}: ${(error as Error).message})`);
    return undefined;
  }
}
