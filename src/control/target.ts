/**
 * What the control plane drives: the agent, seen through the operations the verbs need. The agent
 * implements it (src/agent/control-target.ts); the control module never reaches into the agent.
 */
import type { Capabilities } from '../capture/index.js';
import type { ExportRecord, StatsRecord, TopologyRecord } from '../model/index.js';
import type { PacketListener } from '../pipeline/index.js';
import type { BlockEnforcer } from './blocks.js';
import type { PipelineConfig, Selector, SensorInfo } from './protocol.js';
import type { z } from 'zod';
import type { PipelineSet, SensorUpdate } from './protocol.js';

export interface ControlTarget extends BlockEnforcer {
  readonly node: string;
  readonly source: 'ebpf' | 'pcap';
  readonly fallbackReason: string | undefined;
  readonly capabilities: Capabilities;
  stats(): StatsRecord;
  sensors(selector: Selector): SensorInfo[];
  /** Stops (detaches) or restarts the sensors the selector names; returns them. */
  sensorStop(selector: Selector): SensorInfo[];
  sensorStart(selector: Selector): SensorInfo[];
  sensorUpdate(update: z.output<typeof SensorUpdate>): SensorInfo[];
  pipelineConfig(): PipelineConfig;
  /** Applies a pipeline.set (only the fields present); throws an Error naming a bad field or sink. */
  setPipeline(update: z.output<typeof PipelineSet>): Promise<PipelineConfig>;
  topology(): TopologyRecord;
  /** Whether the selector names this observation point (captures). */
  pointSelected(selector: Selector, index: number): boolean;
  /** Kernel tap rules the captures need (the agent adds its own, e.g. DNS); eBPF only. */
  setCaptureTapRules(rules: readonly import('../capture/index.js').PacketRule[]): void;
  addPacketListener(listener: PacketListener): () => void;
  /** A record into the pipeline (audit, capture), to every sink. */
  emit(record: ExportRecord): void;
  readonly points: readonly import('../model/index.js').ObservationPoint[];
}
