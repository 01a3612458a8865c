/**
 * Kernel events: what the kernel sensors report besides packets — a TCP socket changing state, a
 * TCP retransmission, a packet the kernel dropped (with its drop reason). Each names the network
 * namespace it happened in; socket events carry the socket's local side as `source`.
 */

export const KernelEventAction = {
  TCP_STATE: 'tcp-state-change',
  TCP_RETRANSMIT: 'tcp-retransmit',
  PACKET_DROP: 'packet-drop',
} as const;
export type KernelEventAction = (typeof KernelEventAction)[keyof typeof KernelEventAction];

/** The process a socket event belongs to, when the kernel ran it in that process's context. */
export interface EventProcess {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly cgroupId: number;
}

export interface EventRecord {
  readonly kind: 'event';
  readonly action: KernelEventAction;
  readonly sec: number;
  readonly nsec: number;
  readonly tsDigits: number;
  /** Network namespace inode (what /proc/<pid>/ns/net names) and its name when known. */
  readonly netnsInode: number;
  readonly netnsName?: string;
  /** Interface index in that namespace and its name (drops on a device); 0 when none. */
  readonly ifindex: number;
  readonly interfaceName?: string;
  /** 4 or 6; 0 when the dropped packet was not IP. */
  readonly ipVersion: number;
  readonly ipProto: number;
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** Community ID of the 5-tuple (empty when not IP). */
  readonly communityId: string;
  /** TCP states by their kernel names (ESTABLISHED, SYN_SENT, …): socket events only. */
  readonly oldState?: string;
  readonly newState?: string;
  /** The socket cookie: one id for all events of a socket's life. */
  readonly socketCookie?: string;
  readonly process?: EventProcess;
  /** Drop events: the kernel's reason (SKB_DROP_REASON_* without the prefix, e.g. NO_SOCKET). */
  readonly dropReason?: string;
  readonly dropReasonCode?: number;
  /** Kernel function that dropped the packet (symbol+offset when /proc/kallsyms tells, else hex). */
  readonly dropLocation?: string;
}
