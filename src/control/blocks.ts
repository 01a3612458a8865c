/**
 * Blocks: drop rules with a TTL, enforced in the kernel (the tc programs' block_rules array, which
 * also checks each rule's expiry itself). The table is written to a state file (0600) after every
 * change with absolute expiry times, so an agent that restarts puts back only what has time left,
 * with the time it has left: a block never outlives its TTL. A timer removes expired rules; hits
 * are the kernel's per-rule counters, carried over when a rule moves to another slot.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { PacketRule } from '../capture/index.js';
import { MAX_RULES } from '../capture/index.js';
import { ControlError, ControlErrorCode, type BlockAdd, type BlockInfo } from './protocol.js';
import type { z } from 'zod';

export type BlockRequest = z.output<typeof BlockAdd>;

/** The kernel side a block table drives (the agent). */
export interface BlockEnforcer {
  setBlockRules(rules: readonly PacketRule[]): void;
  blockHits(slots: number): number[];
  monotonicNowNs(): number;
  /** Namespace name (or 'host', or an inode as text) → inode; undefined when unknown. */
  netnsInode(name: string): number | undefined;
  /** Interface name → ifindex in a namespace (any observed namespace when netns is undefined). */
  ifindex(netnsInode: number | undefined, name: string): number | undefined;
}

interface StoredBlock {
  readonly id: number;
  readonly match: BlockRequest['match'];
  readonly dryRun: boolean;
  readonly reason: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly createdBy: string;
}

interface StateFile {
  readonly version: 1;
  readonly nextId: number;
  readonly blocks: readonly StoredBlock[];
}

export class BlockTable {
  private blocks: StoredBlock[] = [];
  private nextId = 1;
  /** Hits counted in slots a rule has left (the kernel zeroes a slot when its rule changes). */
  private readonly carried = new Map<number, number>();
  private applied: number[] = [];
  private readonly enforcer: BlockEnforcer;
  private readonly statePath: string | undefined;
  private readonly onExpire: (block: BlockInfo) => void;

  constructor(enforcer: BlockEnforcer, statePath: string | undefined, onExpire: (block: BlockInfo) => void = () => undefined) {
    this.enforcer = enforcer;
    this.statePath = statePath;
    this.onExpire = onExpire;
  }

  /** Reads the state file and enforces what has time left. Returns warnings (unreadable file, dropped rules). */
  load(nowMs = Date.now()): string[] {
    const warnings: string[] = [];
    if (this.statePath === undefined || !existsSync(this.statePath)) return warnings;
    let state: StateFile;
    try {
      state = JSON.parse(readFileSync(this.statePath, 'utf8')) as StateFile;
      if (state.version !== 1 || !Array.isArray(state.blocks)) throw new Error('not a weft block state file (version 1)');
    } catch (error) {
      warnings.push(`${this.statePath}: ${(error as Error).message}; starting with no blocks`);
      return warnings;
    }
    this.nextId = Math.max(1, Number(state.nextId) || 1);
    const live = state.blocks.filter((b) => b.expiresAtMs > nowMs);
    const expired = state.blocks.length - live.length;
    if (expired > 0) warnings.push(`${expired} block(s) expired while the agent was not running`);
    this.blocks = live;
    try {
      this.apply(nowMs);
    } catch (error) {
      warnings.push(`blocks from ${this.statePath}: ${(error as Error).message}; dropped`);
      this.blocks = [];
      this.apply(nowMs);
    }
    this.save();
    return warnings;
  }

  add(request: BlockRequest, createdBy: string, nowMs = Date.now()): BlockInfo {
    if (this.blocks.length >= MAX_RULES) {
      throw new ControlError(ControlErrorCode.RESOURCE_EXHAUSTED, `block.add: all ${MAX_RULES} block slots are in use (remove one or wait for a TTL)`);
    }
    const block: StoredBlock = {
      id: this.nextId++, match: request.match, dryRun: request.dry_run, reason: request.reason,
      createdAtMs: nowMs, expiresAtMs: nowMs + request.ttl, createdBy,
    };
    this.toRule(block, nowMs); // validates (unknown netns / interface) before anything changes
    this.blocks.push(block);
    this.apply(nowMs);
    this.save();
    return this.info(block, 0);
  }

  remove(id: number, nowMs = Date.now()): BlockInfo {
    const index = this.blocks.findIndex((b) => b.id === id);
    if (index < 0) throw new ControlError(ControlErrorCode.NOT_FOUND, `block.remove: no block with id ${id}`);
    const hits = this.hitsById();
    const [block] = this.blocks.splice(index, 1);
    this.apply(nowMs);
    this.carried.delete(id);
    this.save();
    return this.info(block!, hits.get(id) ?? 0);
  }

  list(): BlockInfo[] {
    const hits = this.hitsById();
    return this.blocks.map((b) => this.info(b, hits.get(b.id) ?? 0));
  }

  get size(): number {
    return this.blocks.length;
  }

  /** Removes expired blocks (the kernel already ignores them); call every second or so. */
  expire(nowMs = Date.now()): BlockInfo[] {
    const gone = this.blocks.filter((b) => b.expiresAtMs <= nowMs);
    if (gone.length === 0) return [];
    const hits = this.hitsById();
    this.blocks = this.blocks.filter((b) => b.expiresAtMs > nowMs);
    this.apply(nowMs);
    this.save();
    const infos = gone.map((b) => this.info(b, hits.get(b.id) ?? 0));
    for (const b of gone) this.carried.delete(b.id);
    for (const info of infos) this.onExpire(info);
    return infos;
  }

  private hitsById(): Map<number, number> {
    const slots = this.enforcer.blockHits(this.applied.length);
    const out = new Map<number, number>();
    this.applied.forEach((id, slot) => out.set(id, (this.carried.get(id) ?? 0) + (slots[slot] ?? 0)));
    return out;
  }

  private apply(nowMs: number): void {
    const before = this.enforcer.blockHits(this.applied.length);
    // The kernel stops at the first rule that matches: drops go first, so that a dry-run rule
    // never shields traffic from a real block (it counts what no block dropped).
    const ordered = [...this.blocks.filter((b) => !b.dryRun), ...this.blocks.filter((b) => b.dryRun)];
    const rules = ordered.map((b) => this.toRule(b, nowMs));
    this.enforcer.setBlockRules(rules);
    // A rule that changed slot starts from zero there: keep what its old slot had counted.
    const ids = rules.map((r) => r.id);
    this.applied.forEach((id, slot) => {
      if (ids[slot] !== id) this.carried.set(id, (this.carried.get(id) ?? 0) + (before[slot] ?? 0));
    });
    this.applied = ids;
  }

  private toRule(b: StoredBlock, nowMs: number): PacketRule {
    const m = b.match;
    let netns: number | undefined;
    if (m.netns !== undefined) {
      netns = this.enforcer.netnsInode(m.netns);
      if (netns === undefined) throw new ControlError(ControlErrorCode.NOT_FOUND, `block.add: match.netns: no observed namespace '${m.netns}'`);
    }
    let ifindex: number | undefined;
    if (m.interface !== undefined) {
      ifindex = this.enforcer.ifindex(netns, m.interface);
      if (ifindex === undefined) throw new ControlError(ControlErrorCode.NOT_FOUND, `block.add: match.interface: no observed interface '${m.interface}'${m.netns === undefined ? '' : ` in ${m.netns}`}`);
    }
    let address: string | undefined;
    let prefixLength: number | undefined;
    if (m.address !== undefined) {
      const [a, p] = m.address.split('/');
      address = a;
      if (p !== undefined) prefixLength = Number(p);
    }
    const remainingNs = Math.max(0, b.expiresAtMs - nowMs) * 1e6;
    return {
      id: b.id, action: b.dryRun ? 'count' : 'drop',
      ...(netns !== undefined && { netns }),
      ...(ifindex !== undefined && { ifindex }),
      ...(m.direction !== undefined && { direction: m.direction }),
      ...(m.protocol !== undefined && { protocol: m.protocol }),
      ...(m.port !== undefined && { portLow: m.port[0], portHigh: m.port[1] }),
      ...(address !== undefined && { address }),
      ...(prefixLength !== undefined && { prefixLength }),
      expiresMonoNs: this.enforcer.monotonicNowNs() + remainingNs,
    };
  }

  private info(b: StoredBlock, hits: number): BlockInfo {
    const m = b.match;
    const match: Record<string, unknown> = { ...m };
    if (m.port !== undefined) match['port'] = m.port[0] === m.port[1] ? m.port[0] : `${m.port[0]}-${m.port[1]}`;
    return {
      id: b.id, match, dry_run: b.dryRun, reason: b.reason,
      created_at: new Date(b.createdAtMs).toISOString(), expires_at: new Date(b.expiresAtMs).toISOString(),
      created_by: b.createdBy, hits,
    };
  }

  private save(): void {
    if (this.statePath === undefined) return;
    const state: StateFile = { version: 1, nextId: this.nextId, blocks: this.blocks };
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, this.statePath);
  }
}
