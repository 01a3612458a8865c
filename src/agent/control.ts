/**
 * Starts an agent's control plane: the NATS connection (with its credentials), the policy, and the
 * ControlPlane with libpcap's filter compiler for captures.
 */
import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { coarseKernelRule, PacketFilter } from '../capture/index.js';
import { connectNats, ControlPlane, Policy } from '../control/index.js';
import { loadBridge } from '../native/index.js';
import type { Agent } from './agent.js';

export interface ControlOptions {
  readonly natsUrl?: string;
  readonly http?: { readonly host: string; readonly port: number };
  readonly policyPath?: string;
  readonly stateDir: string;
  readonly info: (line: string) => void;
  readonly warn: (line: string) => void;
}

export function weftVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A control plane that also owns its NATS connection (closed by stop()). */
export interface RunningControl {
  readonly plane: ControlPlane;
  stop(): Promise<void>;
  readonly httpUrl: string | undefined;
  readonly adminSeedPath: string;
}

export async function startControlPlane(agent: Agent, o: ControlOptions): Promise<RunningControl> {
  const policy = o.policyPath === undefined ? new Policy() : Policy.load(o.policyPath);
  let nc: NatsConnection | undefined;
  if (o.natsUrl !== undefined) nc = await connectNats(o.natsUrl, `weft-agent ${agent.node}`);
  const bridge = loadBridge();
  let plane: ControlPlane;
  try {
    plane = await ControlPlane.start({
      target: agent, policy, stateDir: o.stateDir, version: weftVersion(),
      ...(nc !== undefined && { nats: nc }),
      ...(o.http !== undefined && { http: o.http }),
      compileFilter: (expression, snaplen) => PacketFilter.compile(bridge, expression, agent.points[0]?.linkType ?? 1, snaplen),
      coarseRule: coarseKernelRule,
      info: o.info, warn: o.warn,
    });
  } catch (error) {
    await nc?.close();
    throw error;
  }
  if (nc !== undefined) o.info(`control plane on ${o.natsUrl!} as weft.ctl.${agent.node}.* (NATS service 'weft')`);
  return {
    plane,
    httpUrl: plane.httpUrl,
    adminSeedPath: plane.adminSeedPath,
    stop: async () => {
      await plane.stop();
      await nc?.drain().catch(() => undefined);
    },
  };
}
