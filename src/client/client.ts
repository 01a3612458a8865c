/**
 * Clients of the control plane and the record stream. WeftClient talks NATS (one agent, or every
 * agent at once); WeftHttpClient talks to one agent's HTTP API. Both sign requests when given an
 * identity (an nkey seed or creds file), so the agent's policy can grant more than read-only.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { Signer } from '../control/identity.js';
import { connectNats } from '../control/nats-connect.js';
import { controlSubject, nodeToken } from '../control/nats-service.js';
import {
  ALL_NODES, type CaptureInfo, type ControlErrorBody, type ControlReply, type Verb, type VerbInput, type VerbResults,
} from '../control/protocol.js';

export interface ClientOptions {
  /** An nkey seed file or NATS creds file to sign commands with (and nothing else is sent). */
  readonly identity?: string | Signer;
  /** Connection name the server shows. */
  readonly name?: string;
}

/** An error reply from an agent: its code and message, and which agent said it. */
export class WeftCommandError extends Error {
  readonly code: string;
  readonly node: string;
  constructor(node: string, error: ControlErrorBody) {
    super(`${node}: ${error.code}: ${error.message}`);
    this.name = 'WeftCommandError';
    this.code = error.code;
    this.node = node;
  }
}

/** One record from the stream: its subject's node and type, and the ECS fields. */
export interface RecordMessage {
  readonly node: string;
  readonly type: string;
  readonly record: Record<string, unknown>;
}

function signer(identity: string | Signer | undefined): Signer | undefined {
  return identity === undefined ? undefined : typeof identity === 'string' ? Signer.fromFile(identity) : identity;
}

function unwrap<V extends Verb>(reply: ControlReply): VerbResults[V] {
  if (!reply.ok) throw new WeftCommandError(reply.node, reply.error);
  return reply.result as VerbResults[V];
}

export class WeftClient {
  readonly nc: NatsConnection;
  private readonly signer: Signer | undefined;
  private readonly ownsConnection: boolean;

  constructor(nc: NatsConnection, options: ClientOptions = {}, ownsConnection = false) {
    this.nc = nc;
    this.signer = signer(options.identity);
    this.ownsConnection = ownsConnection;
  }

  /** Connects (the URL may carry credentials: see nats-connect.ts). */
  static async connect(url: string, options: ClientOptions = {}): Promise<WeftClient> {
    const nc = await connectNats(url, options.name ?? 'weft-client', { maxReconnectAttempts: 10 });
    return new WeftClient(nc, options, true);
  }

  private headersFor(target: string, verb: string, body: Uint8Array): ReturnType<typeof natsHeaders> | undefined {
    if (this.signer === undefined) return undefined;
    const h = natsHeaders();
    for (const [k, v] of Object.entries(this.signer.sign(target, verb, body))) h.set(k, v);
    return h;
  }

  /** The raw reply of one agent (ok or error). */
  async send<V extends Verb>(node: string, verb: V, params: VerbInput<V> | Record<string, unknown> = {}, timeoutMs = 5000): Promise<ControlReply> {
    const body = new TextEncoder().encode(JSON.stringify(params));
    const hdrs = this.headersFor(nodeToken(node), verb, body);
    const msg = await this.nc.request(controlSubject(node, verb), body, { timeout: timeoutMs, ...(hdrs !== undefined && { headers: hdrs }) });
    return msg.json<ControlReply>();
  }

  /** One agent's result; an error reply throws WeftCommandError. */
  async request<V extends Verb>(node: string, verb: V, params: VerbInput<V> = {} as VerbInput<V>, timeoutMs = 5000): Promise<VerbResults[V]> {
    return unwrap<V>(await this.send(node, verb, params, timeoutMs));
  }

  /**
   * Every agent's reply (scatter/gather on weft.ctl.all.<verb>): waits `deadlineMs`, or stops early
   * once `expect` replies arrived.
   */
  async requestAll<V extends Verb>(verb: V, params: VerbInput<V> | Record<string, unknown> = {}, options: { deadlineMs?: number; expect?: number } = {}): Promise<ControlReply<VerbResults[V]>[]> {
    const body = new TextEncoder().encode(JSON.stringify(params));
    const hdrs = this.headersFor(ALL_NODES, verb, body);
    const replies: ControlReply<VerbResults[V]>[] = [];
    const it = await this.nc.requestMany(controlSubject(ALL_NODES, verb), body, {
      strategy: 'timer', maxWait: options.deadlineMs ?? 2000, ...(options.expect !== undefined && { maxMessages: options.expect }),
      ...(hdrs !== undefined && { headers: hdrs }),
    });
    for await (const m of it) {
      if (m.data.length === 0) continue; // a no-responders status
      replies.push(m.json<ControlReply<VerbResults[V]>>());
    }
    return replies;
  }

  /** Records from the stream (JSON encoding), optionally of some nodes and types only. */
  async *records(options: { node?: string; types?: readonly string[]; signal?: AbortSignal } = {}): AsyncGenerator<RecordMessage> {
    const node = options.node === undefined ? '*' : nodeToken(options.node);
    const subjects = (options.types ?? ['*']).map((t) => `weft.v1.${node}.${t}`);
    const subs = subjects.map((s) => this.nc.subscribe(s));
    options.signal?.addEventListener('abort', () => { for (const s of subs) s.unsubscribe(); });
    const queue: RecordMessage[] = [];
    let wake: (() => void) | undefined;
    let open = subs.length;
    for (const sub of subs) {
      void (async () => {
        for await (const m of sub) {
          const [, , n, type] = m.subject.split('.');
          for (const line of m.string().split('\n')) {
            if (line === '') continue;
            try {
              queue.push({ node: n!, type: type!, record: JSON.parse(line) as Record<string, unknown> });
            } catch { /* not JSON (another encoding): skipped */ }
          }
          wake?.();
        }
        open--;
        wake?.();
      })();
    }
    try {
      while (open > 0 || queue.length > 0) {
        if (queue.length === 0) {
          await new Promise<void>((r) => { wake = r; });
          wake = undefined;
          continue;
        }
        yield queue.shift()!;
      }
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  }

  /** A finished capture's PCAPNG bytes from the object store it was uploaded to. */
  async captureBytes(info: CaptureInfo): Promise<Uint8Array> {
    if (info.object === undefined) throw new Error(`capture ${info.id} on ${info.node} was not uploaded (state ${info.state}); fetch ${info.download} from the agent's HTTP API`);
    const store = await new Objm(this.nc as unknown as ConstructorParameters<typeof Objm>[0]).open(info.object.bucket);
    const data = await store.getBlob(info.object.name);
    if (data === null) throw new Error(`capture ${info.id}: ${info.object.name} is not in bucket ${info.object.bucket}`);
    return data;
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.nc.drain();
  }
}

/** One agent over its HTTP API. */
export class WeftHttpClient {
  readonly baseUrl: string;
  private readonly signer: Signer | undefined;
  private readonly token: string | undefined;
  private readonly node: string;

  constructor(baseUrl: string, options: ClientOptions & { token?: string; node?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.signer = signer(options.identity);
    this.token = options.token;
    this.node = options.node ?? '';
  }

  /** Signed requests name their target node: ask the agent who it is first (status is read-only). */
  private async target(): Promise<string> {
    if (this.node !== '') return nodeToken(this.node);
    const r = await fetch(`${this.baseUrl}/api/v1/ctl/status`);
    const reply = (await r.json()) as ControlReply;
    return nodeToken(reply.node);
  }

  async send<V extends Verb>(verb: V, params: VerbInput<V> | Record<string, unknown> = {}): Promise<ControlReply> {
    const body = new TextEncoder().encode(JSON.stringify(params));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.signer !== undefined) Object.assign(headers, this.signer.sign(await this.target(), verb, body));
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    const r = await fetch(`${this.baseUrl}/api/v1/ctl/${verb}`, { method: 'POST', headers, body });
    return (await r.json()) as ControlReply;
  }

  async request<V extends Verb>(verb: V, params: VerbInput<V> = {} as VerbInput<V>): Promise<VerbResults[V]> {
    return unwrap<V>(await this.send(verb, params));
  }

  async captureBytes(id: string): Promise<Uint8Array> {
    const headers: Record<string, string> = {};
    const body = new TextEncoder().encode(JSON.stringify({ id }));
    if (this.signer !== undefined) Object.assign(headers, this.signer.sign(await this.target(), 'capture.get', body));
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    const r = await fetch(`${this.baseUrl}/api/v1/captures/${id}.pcapng`, { headers });
    if (!r.ok) {
      const reply = (await r.json()) as ControlReply;
      throw new WeftCommandError(reply.node, reply.ok ? { code: 'internal', message: r.statusText } : reply.error);
    }
    return new Uint8Array(await r.arrayBuffer());
  }
}
