/**
 * Rules the kernel program matches packets against: the tap (copy to the ring) and enforcement
 * (drop, or count in dry-run). One struct weft_rule per slot of a 64-slot array map; the program
 * checks the slots in use in order, so the first match wins.
 */
import { AgentError, ErrorCode, parseIp } from '../../core/index.js';
import {
  WEFT_MAX_RULES, WEFT_RULE_ACTION, WEFT_RULE_ACTION_COUNT, WEFT_RULE_ACTION_DROP, WEFT_RULE_ACTION_TAP, WEFT_RULE_ADDR,
  WEFT_RULE_DIRECTIONS, WEFT_RULE_EXPIRES_NS, WEFT_RULE_ID, WEFT_RULE_IFINDEX, WEFT_RULE_L4PROTO, WEFT_RULE_MASK,
  WEFT_RULE_NETNS, WEFT_RULE_PORT_HI, WEFT_RULE_PORT_LO, WEFT_RULE_SIZE, WEFT_RULE_SNAPLEN, WEFT_TAP_MAX_SNAP,
} from '../../model/index.js';

export const MAX_RULES = WEFT_MAX_RULES;

export interface PacketRule {
  /** Echoed in tap records and hit counters. */
  readonly id: number;
  readonly action: 'tap' | 'drop' | 'count';
  /** Network namespace inode; undefined = any. */
  readonly netns?: number;
  /** Interface index within that namespace; undefined = any. */
  readonly ifindex?: number;
  readonly direction?: 'ingress' | 'egress';
  /** IP protocol number (6 TCP, 17 UDP, …); undefined = any. */
  readonly protocol?: number;
  /** Either port in [portLow, portHigh]; undefined = any port. */
  readonly portLow?: number;
  readonly portHigh?: number;
  /** Either address within address/prefixLength; undefined = any address. */
  readonly address?: string;
  readonly prefixLength?: number;
  /** Tap: bytes per packet to copy (at most WEFT_TAP_MAX_SNAP). */
  readonly snaplen?: number;
  /** CLOCK_MONOTONIC deadline in ns after which the kernel ignores the rule; undefined = never. */
  readonly expiresMonoNs?: number;
}

/** Writes one rule into `out` at `offset` (WEFT_RULE_SIZE bytes). Throws on a bad address. */
export function encodeRule(rule: PacketRule, out: Buffer, offset: number): void {
  out.fill(0, offset, offset + WEFT_RULE_SIZE);
  out.writeUInt32LE(rule.netns ?? 0, offset + WEFT_RULE_NETNS);
  out.writeUInt32LE(rule.ifindex ?? 0, offset + WEFT_RULE_IFINDEX);
  out[offset + WEFT_RULE_DIRECTIONS] = rule.direction === 'ingress' ? 1 : rule.direction === 'egress' ? 2 : 0;
  out[offset + WEFT_RULE_L4PROTO] = rule.protocol ?? 0;
  out[offset + WEFT_RULE_ACTION] = rule.action === 'tap' ? WEFT_RULE_ACTION_TAP : rule.action === 'drop' ? WEFT_RULE_ACTION_DROP : WEFT_RULE_ACTION_COUNT;
  if (rule.portLow !== undefined || rule.portHigh !== undefined) {
    out.writeUInt16LE(rule.portLow ?? rule.portHigh ?? 0, offset + WEFT_RULE_PORT_LO);
    out.writeUInt16LE(rule.portHigh ?? rule.portLow ?? 0, offset + WEFT_RULE_PORT_HI);
  }
  out.writeUInt32LE(Math.min(rule.snaplen ?? WEFT_TAP_MAX_SNAP, WEFT_TAP_MAX_SNAP), offset + WEFT_RULE_SNAPLEN);
  out.writeUInt32LE(rule.id >>> 0, offset + WEFT_RULE_ID);
  out.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(rule.expiresMonoNs ?? 0))), offset + WEFT_RULE_EXPIRES_NS);
  if (rule.address !== undefined) {
    const ip = parseIp(rule.address);
    if (ip === undefined) throw new AgentError(ErrorCode.USAGE, `rule ${rule.id}: address: not an IP address: ${rule.address}`);
    const bytes = Buffer.alloc(16);
    if (ip.version === 4) {
      bytes[10] = 0xff;
      bytes[11] = 0xff;
      bytes.writeUInt32BE(ip.words[3], 12);
    } else {
      for (let i = 0; i < 4; i++) bytes.writeUInt32BE(ip.words[i]!, i * 4);
    }
    const maxPrefix = ip.version === 4 ? 32 : 128;
    const prefix = rule.prefixLength ?? maxPrefix;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      throw new AgentError(ErrorCode.USAGE, `rule ${rule.id}: prefix length ${prefix} out of range 0..${maxPrefix}`);
    }
    let bits = ip.version === 4 ? 96 + prefix : prefix;
    for (let i = 0; i < 16; i++) {
      const m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
      bits -= 8;
      out[offset + WEFT_RULE_MASK + i] = m;
      out[offset + WEFT_RULE_ADDR + i] = bytes[i]! & m;
    }
  }
}
