/**
 * What each verb does, given the agent (ControlTarget), its blocks and its captures. Requests
 * arrive validated (protocol.ts); errors are ControlErrors with a code and a message naming the
 * field. Changes return a one-line summary for the audit record.
 */
import type { BlockTable } from './blocks.js';
import type { CaptureManager } from './captures.js';
import { ControlError, ControlErrorCode, type StatusResult, type Verb, type VerbRequest } from './protocol.js';
import type { CommandContext, VerbHandler } from './server.js';
import type { ControlTarget } from './target.js';

export interface HandlerDeps {
  readonly target: ControlTarget;
  readonly blocks: BlockTable;
  readonly captures: CaptureManager;
  readonly agentId: string;
  readonly version: string;
  readonly startedMs: number;
}

function needsEbpf(target: ControlTarget, verb: string): void {
  if (target.source !== 'ebpf') {
    throw new ControlError(ControlErrorCode.UNSUPPORTED, `${verb}: needs the eBPF source; this agent runs libpcap${target.fallbackReason !== undefined ? ` (${target.fallbackReason})` : ''}`);
  }
}

export function verbHandler(deps: HandlerDeps): VerbHandler {
  const { target, blocks, captures } = deps;
  const run = async (verb: Verb, req: unknown, ctx: CommandContext): Promise<{ result: unknown; summary?: string }> => {
    switch (verb) {
      case 'status': {
        const sensors = target.sensors({});
        const result: StatusResult = {
          node: target.node, agent_id: deps.agentId, version: deps.version, source: target.source,
          ...(target.fallbackReason !== undefined && { fallback_reason: target.fallbackReason }),
          started_at: new Date(deps.startedMs).toISOString(), uptime_s: Math.round((Date.now() - deps.startedMs) / 1000),
          namespaces: new Set(sensors.map((s) => s.netns_inode)).size, interfaces: sensors.filter((s) => s.mode !== 'stopped').length,
          sinks: target.pipelineConfig().sinks, blocks: blocks.size, captures_running: captures.running,
        };
        return { result };
      }
      case 'stats': return { result: target.stats() };
      case 'capabilities': return { result: target.capabilities };
      case 'sensors.list': return { result: { sensors: target.sensors((req as VerbRequest<'sensors.list'>).selector) } };
      case 'sensor.start': {
        const started = target.sensorStart((req as VerbRequest<'sensor.start'>).selector);
        return { result: { sensors: started }, summary: `${started.length} sensor(s) started` };
      }
      case 'sensor.stop': {
        const stopped = target.sensorStop((req as VerbRequest<'sensor.stop'>).selector);
        return { result: { sensors: stopped }, summary: `${stopped.length} sensor(s) stopped` };
      }
      case 'sensor.update': {
        const r = req as VerbRequest<'sensor.update'>;
        if (r.tap_first !== undefined) needsEbpf(target, 'sensor.update tap_first');
        const updated = target.sensorUpdate(r);
        return { result: { sensors: updated }, summary: `${updated.length} sensor(s) updated` };
      }
      case 'capture.start': {
        const info = captures.start(req as VerbRequest<'capture.start'>);
        return { result: info, summary: `capture ${info.id} started` };
      }
      case 'capture.stop': {
        const info = await captures.stop((req as VerbRequest<'capture.stop'>).id);
        return { result: info, summary: `capture ${info.id} stopped (${info.packets} packets)` };
      }
      case 'capture.list': return { result: { captures: captures.list() } };
      case 'capture.get': return { result: captures.get((req as VerbRequest<'capture.get'>).id) };
      case 'block.add': {
        needsEbpf(target, 'block.add');
        const info = blocks.add(req as VerbRequest<'block.add'>, ctx.identity.name);
        return { result: info, summary: `block ${info.id} ${info.dry_run ? 'counting' : 'dropping'} ${JSON.stringify(info.match)} until ${info.expires_at}` };
      }
      case 'block.remove': {
        needsEbpf(target, 'block.remove');
        const info = blocks.remove((req as VerbRequest<'block.remove'>).id);
        return { result: info, summary: `block ${info.id} removed after ${info.hits} hits` };
      }
      case 'block.list': return { result: { blocks: target.source === 'ebpf' ? blocks.list() : [] } };
      case 'pipeline.get': return { result: target.pipelineConfig() };
      case 'pipeline.set': {
        try {
          const config = await target.setPipeline(req as VerbRequest<'pipeline.set'>);
          return { result: config, summary: `pipeline: ${Object.keys(req as object).join(', ') || 'nothing'} changed` };
        } catch (error) {
          if (error instanceof ControlError) throw error;
          throw new ControlError(ControlErrorCode.BAD_REQUEST, `pipeline.set: ${(error as Error).message}`);
        }
      }
      case 'topology.get': {
        const record = target.topology();
        return { result: record };
      }
    }
  };
  return run;
}
