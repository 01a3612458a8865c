/**
 * Records the control plane makes: an `audit` record for every command and its outcome, a
 * `capture` record when a packet capture session ends, and `topology` records (a snapshot of the
 * namespaces and interfaces the agent sees, on request and on start).
 */

/** Every command the agent received (over NATS or HTTP), who sent it, and what came of it. */
export interface AuditRecord {
  readonly kind: 'audit';
  readonly sec: number;
  readonly nsec: number;
  /** The agent that handled the command. */
  readonly node: string;
  readonly transport: 'nats' | 'http';
  /** Dotted verb (`block.add`); the raw verb text when it is unknown. */
  readonly verb: string;
  /** The node the command was addressed to, or `all` (fleet-wide). */
  readonly target: string;
  /** Who sent it: the policy's identity name, or `anonymous`. */
  readonly identity: string;
  /** The identity's public nkey when the request was signed. */
  readonly identityKey?: string;
  readonly role: string;
  /** The request body as received (JSON text, at most 4 KiB: longer ones end with `…`). */
  readonly request: string;
  readonly outcome: 'success' | 'failure';
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Time spent handling the command. */
  readonly durationNs: number;
  /** What the command did, in short (`block 3 added`); absent for read-only verbs. */
  readonly summary?: string;
}

export type CaptureState = 'running' | 'completed' | 'stopped' | 'failed';
export type CaptureEndReason = 'duration' | 'packets' | 'bytes' | 'stopped' | 'shutdown' | 'error';

/** Where a finished capture file was uploaded (a NATS object store bucket). */
export interface CaptureObject {
  readonly bucket: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** One packet capture session (a record is published when it ends). */
export interface CaptureRecord {
  readonly kind: 'capture';
  readonly sec: number;
  readonly nsec: number;
  readonly id: string;
  readonly node: string;
  readonly state: CaptureState;
  /** tcpdump-syntax filter ('' = every packet). */
  readonly filter: string;
  /** The observation points it covers, as `netns/interface` globs. */
  readonly selector: string;
  readonly startSec: number;
  readonly startNsec: number;
  readonly endSec: number;
  readonly endNsec: number;
  readonly packets: number;
  /** PCAPNG file bytes. */
  readonly bytes: number;
  readonly path: string;
  readonly endReason?: CaptureEndReason;
  readonly error?: string;
  readonly object?: CaptureObject;
}

export interface TopologyInterface {
  readonly ifindex: number;
  readonly name: string;
  /** veth, bridge, vxlan, loopback (''), … */
  readonly kind: string;
  readonly mac: string;
  readonly mtu: number;
  readonly up: boolean;
  /** CIDR notation. */
  readonly addresses: readonly string[];
  /** The peer's (or lower device's) ifindex and, across namespaces, the netns id; 0 / -1 when none. */
  readonly link: number;
  readonly linkNetnsId: number;
  /** Bridge (or bond) this interface is a port of; 0 when none. */
  readonly master: number;
  /** True when the agent's sensors are attached to it. */
  readonly observed: boolean;
}

export interface TopologyNamespace {
  readonly inode: number;
  readonly name?: string;
  /** The agent's own namespace. */
  readonly own: boolean;
  readonly interfaces: readonly TopologyInterface[];
}

export interface TopologyRecord {
  readonly kind: 'topology';
  readonly sec: number;
  readonly nsec: number;
  readonly node: string;
  /** `snapshot`: the whole graph; later issues add `added` / `removed` changes. */
  readonly change: 'snapshot' | 'added' | 'removed';
  readonly namespaces: readonly TopologyNamespace[];
}

export type ControlRecord = AuditRecord | CaptureRecord | TopologyRecord;
