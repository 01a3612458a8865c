/**
 * Flow-table settings: a plain interface with defaults, validated once by `resolveFlowConfig`
 * (the FlowTable constructor calls it). A zod schema can replace this file later without changing
 * the field names.
 */

export interface FlowConfig {
  /** Most flows held at once; when full, the least recently seen flow is evicted (lack_of_resources). */
  maxFlows: number;
  /** A flow with no packet for this long (packet time) ends with idle_timeout. */
  idleTimeoutMs: number;
  /** A flow that began this long ago is cut (active_timeout) when its next packet arrives, and continues. */
  activeTimeoutMs: number;
  /** After FIN both ways or RST, packets are still counted this long so the last ACK lands in the flow. */
  tcpEndLingerMs: number;
  /**
   * Flow slots allocated up front; the table doubles from here up to maxFlows. Each doubling
   * copies the whole store and rebuilds the index, and a busy link reaches ~10^5 flows within
   * seconds, so the default starts there: 131,072 slots × 232 B ≈ 29 MiB reserved, but the
   * buffers are zero-filled lazily by the OS, so untouched slots cost address space, not RAM
   * (only the 2 MiB index is spread over at once).
   */
  initialCapacity: number;
  /** Entries of the fragment table (first-fragment ports and pending non-first fragments). */
  fragmentCapacity: number;
  /** A fragment entry lives this long (packet time) after its first fragment was seen. */
  fragmentTimeoutMs: number;
  /** Community ID seed (0–65535). */
  communityIdSeed: number;
}

export const DEFAULT_FLOW_CONFIG: Readonly<FlowConfig> = Object.freeze({
  maxFlows: 1_048_576,
  idleTimeoutMs: 15_000,
  activeTimeoutMs: 60_000,
  tcpEndLingerMs: 1_000,
  initialCapacity: 131_072,
  fragmentCapacity: 65_536,
  fragmentTimeoutMs: 30_000,
  communityIdSeed: 0,
});

/** Upper bound of maxFlows: keeps every typed array well below the engine's length limits. */
export const MAX_FLOWS_LIMIT = 16_777_216;

function checkInt(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`flow config: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
}

function checkMs(name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new RangeError(`flow config: ${name} must be a finite number of milliseconds ≥ ${min}, got ${String(v)}`);
  }
}

/**
 * Merges `overrides` over the defaults and validates the result.
 * @throws RangeError naming the offending field (unknown fields included).
 */
export function resolveFlowConfig(overrides: Partial<FlowConfig> = {}): FlowConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_FLOW_CONFIG)) throw new RangeError(`flow config: unknown setting '${key}'`);
  }
  const c: FlowConfig = { ...DEFAULT_FLOW_CONFIG };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  checkInt('maxFlows', c.maxFlows, 1, MAX_FLOWS_LIMIT);
  checkInt('initialCapacity', c.initialCapacity, 1, MAX_FLOWS_LIMIT);
  checkInt('fragmentCapacity', c.fragmentCapacity, 1, MAX_FLOWS_LIMIT);
  checkInt('communityIdSeed', c.communityIdSeed, 0, 0xffff);
  checkMs('idleTimeoutMs', c.idleTimeoutMs, Number.MIN_VALUE);
  checkMs('activeTimeoutMs', c.activeTimeoutMs, Number.MIN_VALUE);
  checkMs('fragmentTimeoutMs', c.fragmentTimeoutMs, Number.MIN_VALUE);
  checkMs('tcpEndLingerMs', c.tcpEndLingerMs, 0);
  // A larger start than the cap is not an error: the cap wins.
  if (c.initialCapacity > c.maxFlows) c.initialCapacity = c.maxFlows;
  return c;
}
