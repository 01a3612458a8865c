/**
 * The kernel sensors of one agent: weft's eBPF object (dist/bpf/weft.bpf.o) loaded once through the
 * native bridge, its tc programs attached to interfaces of any namespace, its tracing programs to
 * the kernel tracepoints, and the maps read and written from here: the flow map (snapshots and
 * deletes), the rule arrays (tap, block), the settings, the per-CPU counters and the ring buffers.
 * Policy (what to attach, when to drain, which rules) belongs to the caller.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError, ErrorCode } from '../../core/index.js';
import type { Bridge, ConsumerHandle, LinkHandle, ObjectHandle } from '../../native/index.js';
import {
  WEFT_FLOW_KEY_SIZE, WEFT_FLOW_VALUE_SIZE, WEFT_MAX_RULES, WEFT_RULE_SIZE, WEFT_SETTINGS_SIZE,
  WEFT_SETTINGS_TAP_RULES, WEFT_SETTINGS_BLOCK_RULES, WEFT_SETTINGS_TAP_FIRST_PACKETS, WEFT_SETTINGS_TAP_FIRST_SNAPLEN,
  WEFT_CTR_SKBS, WEFT_CTR_NOT_IP, WEFT_CTR_TRUNCATED, WEFT_CTR_FLOW_MAP_FULL, WEFT_CTR_TAP_OK, WEFT_CTR_TAP_RESERVE_FAILED,
  WEFT_CTR_EVENT_OK, WEFT_CTR_EVENT_RESERVE_FAILED, WEFT_CTR_BLOCK_DROPPED, WEFT_CTR_BLOCK_COUNTED, WEFT_CTR_TAP_TRUNCATED,
} from '../../model/index.js';
import { encodeRule, type PacketRule } from './rules.js';

export interface KernelSensorOptions {
  /** dist/bpf/weft.bpf.o by default. */
  readonly objectPath?: string;
  /** Flow map entries (preallocated: ~150 B each). */
  readonly flowEntries: number;
  /** Ring sizes in bytes (powers of two, multiples of the page size). */
  readonly tapRingBytes: number;
  readonly eventRingBytes: number;
  /** Feature switches, set before load (the verifier removes what is off). */
  readonly flows: boolean;
  readonly tap: boolean;
  readonly block: boolean;
  readonly tcpEvents: boolean;
  readonly dropEvents: boolean;
}

export interface TcAttachment {
  readonly netnsPath: string | undefined;
  readonly ifindex: number;
  readonly ingress: LinkHandle;
  readonly egress: LinkHandle;
  readonly mode: 'tcx' | 'legacy';
}

/** The per-CPU counters of the programs, summed, by their stats names. */
const COUNTER_NAMES: readonly [number, string][] = [
  [WEFT_CTR_SKBS, 'kernel_skbs'],
  [WEFT_CTR_NOT_IP, 'kernel_skbs_not_ip'],
  [WEFT_CTR_TRUNCATED, 'kernel_skbs_truncated'],
  [WEFT_CTR_FLOW_MAP_FULL, 'kernel_flow_map_full'],
  [WEFT_CTR_TAP_OK, 'kernel_tap_packets'],
  [WEFT_CTR_TAP_RESERVE_FAILED, 'kernel_tap_ring_full'],
  [WEFT_CTR_TAP_TRUNCATED, 'kernel_tap_truncated'],
  [WEFT_CTR_EVENT_OK, 'kernel_events'],
  [WEFT_CTR_EVENT_RESERVE_FAILED, 'kernel_event_ring_full'],
  [WEFT_CTR_BLOCK_DROPPED, 'kernel_block_dropped'],
  [WEFT_CTR_BLOCK_COUNTED, 'kernel_block_counted'],
];

export function defaultObjectPath(): string {
  // dist/src/capture/kernel/ → repo root
  return join(new URL('.', import.meta.url).pathname, '../../../../dist/bpf/weft.bpf.o');
}

export class KernelSensor {
  readonly bridge: Bridge;
  readonly object: ObjectHandle;
  readonly flowCapacity: number;
  private readonly cpus: number;
  private readonly tracing: LinkHandle[] = [];
  private consumer: ConsumerHandle | undefined;
  private readonly settings = Buffer.alloc(WEFT_SETTINGS_SIZE);
  private readonly u32Key = Buffer.alloc(4);
  private readonly counterValues: Buffer;
  private readonly ruleValue = Buffer.alloc(WEFT_RULE_SIZE);
  private blockRuleIds: number[] = [];

  private constructor(bridge: Bridge, object: ObjectHandle, flowCapacity: number) {
    this.bridge = bridge;
    this.object = object;
    this.flowCapacity = flowCapacity;
    this.cpus = bridge.numPossibleCpus();
    this.counterValues = Buffer.alloc(8 * this.cpus);
  }

  /** Loads the object (map sizes and switches set first) and attaches the tracing programs. */
  static open(bridge: Bridge, options: KernelSensorOptions): KernelSensor {
    const path = options.objectPath ?? defaultObjectPath();
    if (!existsSync(path)) throw new AgentError(ErrorCode.NATIVE_UNAVAILABLE, `${path}: the eBPF object is not built (run make build; it needs clang)`);
    const flag = (on: boolean): Buffer => Buffer.from([on ? 1 : 0]);
    const object = bridge.openObject(path, {
      maxEntries: { flows: options.flowEntries, tap_ring: options.tapRingBytes, event_ring: options.eventRingBytes },
      rodata: {
        enable_flows: flag(options.flows),
        enable_tap: flag(options.tap),
        enable_block: flag(options.block),
        enable_drop_events: flag(options.dropEvents),
      },
      autoload: {
        weft_tcp_state: options.tcpEvents,
        weft_tcp_retransmit: options.tcpEvents,
        weft_kfree_skb: options.dropEvents,
      },
    });
    const sensor = new KernelSensor(bridge, object, options.flowEntries);
    try {
      if (options.tcpEvents) {
        sensor.tracing.push(bridge.attachTracing(object, 'weft_tcp_state').link);
        sensor.tracing.push(bridge.attachTracing(object, 'weft_tcp_retransmit').link);
      }
      if (options.dropEvents) sensor.tracing.push(bridge.attachTracing(object, 'weft_kfree_skb').link);
    } catch (error) {
      bridge.closeObject(object);
      throw error;
    }
    return sensor;
  }

  /** tc ingress and egress on one interface of a namespace (undefined path = our own). */
  attach(netnsPath: string | undefined, ifindex: number): TcAttachment {
    const where = netnsPath === undefined ? {} : { netns: netnsPath };
    const ingress = this.bridge.attachTc(this.object, 'weft_tc_ingress', { ...where, ifindex, direction: 'ingress' });
    let egress;
    try {
      egress = this.bridge.attachTc(this.object, 'weft_tc_egress', { ...where, ifindex, direction: 'egress' });
    } catch (error) {
      this.bridge.detach(ingress.link);
      throw error;
    }
    return { netnsPath, ifindex, ingress: ingress.link, egress: egress.link, mode: ingress.mode };
  }

  detach(attachment: TcAttachment): void {
    this.bridge.detach(attachment.ingress);
    this.bridge.detach(attachment.egress);
  }

  /** Tap the first `packets` socket buffers of every new flow, `snaplen` bytes each (0 = off). */
  setTapFirst(packets: number, snaplen: number): void {
    this.readSettings();
    this.settings.writeUInt32LE(packets, WEFT_SETTINGS_TAP_FIRST_PACKETS);
    this.settings.writeUInt32LE(snaplen, WEFT_SETTINGS_TAP_FIRST_SNAPLEN);
    this.writeSettings();
  }

  setTapRules(rules: readonly PacketRule[]): void {
    this.writeRules('tap_rules', rules, WEFT_SETTINGS_TAP_RULES);
  }

  setBlockRules(rules: readonly PacketRule[]): void {
    this.writeRules('block_rules', rules, WEFT_SETTINGS_BLOCK_RULES);
    // A slot's hit counter belongs to the rule in it: a new rule there starts from zero.
    const zero = Buffer.alloc(8 * this.cpus);
    for (let i = 0; i < rules.length; i++) {
      if (this.blockRuleIds[i] === rules[i]!.id) continue;
      this.u32Key.writeUInt32LE(i, 0);
      this.bridge.mapUpdate(this.object, 'block_hits', this.u32Key, zero, 0);
    }
    this.blockRuleIds = rules.map((r) => r.id);
  }

  /** Packets that matched each block rule so far, in the order of the last setBlockRules (summed over CPUs). */
  blockHits(slots: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < slots; i++) out.push(this.sumPerCpu('block_hits', i));
    return out;
  }

  /** The programs' counters, summed over CPUs. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [index, name] of COUNTER_NAMES) out[name] = this.sumPerCpu('counters', index);
    return out;
  }

  /** A snapshot of the flow map into caller-owned buffers; returns the entries read. */
  readFlows(keys: Buffer, values: Buffer): number {
    return this.bridge.mapLookupBatch(this.object, 'flows', keys, values);
  }

  deleteFlows(keys: Buffer, count: number): number {
    return count === 0 ? 0 : this.bridge.mapDeleteBatch(this.object, 'flows', keys, count);
  }

  flowBuffers(): { keys: Buffer; values: Buffer; deletes: Buffer } {
    return {
      keys: Buffer.alloc(this.flowCapacity * WEFT_FLOW_KEY_SIZE),
      values: Buffer.alloc(this.flowCapacity * WEFT_FLOW_VALUE_SIZE),
      deletes: Buffer.alloc(this.flowCapacity * WEFT_FLOW_KEY_SIZE),
    };
  }

  startRings(onBatch: (batch: Buffer) => void, options: { intervalMs?: number; batchBytes?: number; maxQueue?: number } = {}): void {
    if (this.consumer !== undefined) return;
    this.consumer = this.bridge.startRingConsumer(this.object, ['tap_ring', 'event_ring'], options, onBatch);
  }

  /** Stops the ring consumer after delivering what the rings hold. */
  async stopRings(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer !== undefined) await this.bridge.stopRingConsumer(consumer);
  }

  ringStats(): { batches: number; records: number; bytes: number; queueFullWaits: number } | undefined {
    return this.consumer === undefined ? undefined : this.bridge.consumerStats(this.consumer);
  }

  /** Detaches everything and unloads. */
  async close(): Promise<void> {
    await this.stopRings();
    for (const link of this.tracing) this.bridge.detach(link);
    this.tracing.length = 0;
    this.bridge.closeObject(this.object);
  }

  private writeRules(map: string, rules: readonly PacketRule[], countField: number): void {
    if (rules.length > WEFT_MAX_RULES) throw new AgentError(ErrorCode.USAGE, `${rules.length} rules: the kernel holds at most ${WEFT_MAX_RULES}`);
    // Shrink the count first so the program never reads a slot being rewritten, then fill, then grow.
    this.readSettings();
    this.settings.writeUInt32LE(0, countField);
    this.writeSettings();
    for (let i = 0; i < rules.length; i++) {
      encodeRule(rules[i]!, this.ruleValue, 0);
      this.u32Key.writeUInt32LE(i, 0);
      this.bridge.mapUpdate(this.object, map, this.u32Key, this.ruleValue, 0);
    }
    this.settings.writeUInt32LE(rules.length, countField);
    this.writeSettings();
  }

  private readSettings(): void {
    this.u32Key.writeUInt32LE(0, 0);
    this.bridge.mapLookup(this.object, 'settings', this.u32Key, this.settings);
  }

  private writeSettings(): void {
    this.u32Key.writeUInt32LE(0, 0);
    this.bridge.mapUpdate(this.object, 'settings', this.u32Key, this.settings, 0);
  }

  private sumPerCpu(map: string, index: number): number {
    this.u32Key.writeUInt32LE(index, 0);
    if (!this.bridge.mapLookup(this.object, map, this.u32Key, this.counterValues)) return 0;
    let sum = 0;
    for (let c = 0; c < this.cpus; c++) sum += Number(this.counterValues.readBigUInt64LE(c * 8));
    return sum;
  }
}
