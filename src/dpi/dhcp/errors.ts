/**
 * A DHCP/BOOTP message that cannot be read. Not an `AgentError`: a malformed packet is not an
 * error of the agent (docs/errors.md), the dissector catches this and counts it by `field`.
 */
export class DhcpParseError extends Error {
  /** Absolute offset in the `bytes` given to `parseDhcpMessage` of the byte at fault. */
  readonly offset: number;
  /** What was being read: `op`, `chaddr`, `magic cookie`, `option 53`, `option 82 sub-option 1`, … */
  readonly field: string;
  constructor(offset: number, field: string, why: string) {
    super(`DHCP: offset ${offset}: ${field}: ${why}`);
    this.name = 'DhcpParseError';
    this.offset = offset;
    this.field = field;
  }
}
