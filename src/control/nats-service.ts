/**
 * The agent as a NATS service (the NATS Services API, `@nats-io/services`): discoverable with
 * `$SRV.PING|INFO|STATS.weft`, one endpoint per verb on `weft.ctl.<node>.<verb>` and one on
 * `weft.ctl.all.<verb>` — no queue group, so every agent answers a fleet-wide request and the
 * caller gathers the replies until its deadline. Errors also set the service error headers, so
 * the service's STATS count them.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { ALL_NODES, CONTROL_SUBJECT_PREFIX, SERVICE_ERROR_STATUS, SERVICE_NAME, VERB_NAMES } from './protocol.js';
import type { ControlServer } from './server.js';

/** A NATS subject token for a node name: dots, spaces and wildcards are not allowed in one. */
export function nodeToken(node: string): string {
  return node.replace(/[.*>\s]/g, '_');
}

export function controlSubject(node: string, verb: string): string {
  return `${CONTROL_SUBJECT_PREFIX}.${node === ALL_NODES ? ALL_NODES : nodeToken(node)}.${verb}`;
}

export class ControlService {
  private readonly service: Service;

  private constructor(service: Service) {
    this.service = service;
  }

  static async start(nc: NatsConnection, server: ControlServer, options: { version: string; agentId: string }): Promise<ControlService> {
    // @nats-io/services is published against an earlier nats-core; the connection API it uses is the same.
    const svcm = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]);
    const service = await svcm.add({
      name: SERVICE_NAME, version: options.version, queue: '',
      description: 'weft agent control plane',
      metadata: { node: server.node, agent_id: options.agentId },
    });
    const node = nodeToken(server.node);
    for (const target of [node, ALL_NODES]) {
      for (const verb of VERB_NAMES) {
        const name = `${target === ALL_NODES ? 'all_' : ''}${verb.replace('.', '_')}`;
        service.addEndpoint(name, {
          subject: `${CONTROL_SUBJECT_PREFIX}.${target}.${verb}`,
          queue: '',
          metadata: { verb, target },
          handler: (error, msg) => {
            if (error !== null) return;
            void respond(server, msg, target, verb);
          },
        });
      }
    }
    return new ControlService(service);
  }

  async stop(): Promise<void> {
    await this.service.stop();
  }
}

async function respond(server: ControlServer, msg: ServiceMsg, target: string, verb: string): Promise<void> {
  const reply = await server.handle({
    transport: 'nats', target, verb, body: msg.data,
    header: (name) => msg.headers?.get(name) || undefined,
  });
  const body = JSON.stringify(reply);
  if (reply.ok) msg.respond(body);
  else msg.respondError(SERVICE_ERROR_STATUS[reply.error.code], `${reply.error.code}: ${reply.error.message}`, body);
}
