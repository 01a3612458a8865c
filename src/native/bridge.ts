/**
 * The typed face of native/build/Release/weft_native.node (C sources in native/src). The addon
 * does no parsing and no policy: it opens and loads BPF objects, touches maps, attaches and
 * detaches, and moves bytes (ring buffers, libpcap) to JS in framed batches. Everything else is
 * TypeScript. Handles are small integers, branded so they cannot be mixed up.
 *
 * Native failures throw a plain `Error` shaped like Node's fs errors ({@link NativeErrnoError}):
 * `.code` is the errno name ('EPERM', 'ENOENT', …), `.syscall` the call that failed
 * ('bpf_object__load', 'setns', 'bpf_link_create', 'pcap_activate', …), and the message carries
 * libbpf's or libpcap's own words — for a failed load, the tail of the verifier log.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentError, ErrorCode } from '../core/errors.js';

/** Repository root: this file runs as dist/src/native/bridge.js. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where `make build` (scripts/build-native.sh) puts the addon. */
export const NATIVE_PATH = join(REPO_ROOT, 'native', 'build', 'Release', 'weft_native.node');

export type ObjectHandle = number & { readonly __brand: 'bpf-object' };
export type LinkHandle = number & { readonly __brand: 'bpf-link' };
export type ConsumerHandle = number & { readonly __brand: 'ring-consumer' };
export type PcapHandle = number & { readonly __brand: 'pcap-capture' };
/** A compiled libpcap filter program: an External owned by the addon (freed by freeFilter or by the GC). */
export type FilterHandle = object & { readonly __brand: 'pcap-filter' };

/** What the addon throws (like Node's own `fs` errors). */
export interface NativeErrnoError extends Error {
  /** errno name: 'EPERM', 'ENOENT', 'EINVAL', 'ENOTSUPP' (524, the kernel's internal code), … */
  code: string;
  /** Negative errno, as Node reports it. */
  errno?: number;
  /** The failing call: 'bpf_object__open', 'bpf_object__load', 'setns', 'bpf_link_create', 'pcap_compile', … */
  syscall: string;
}

export function isNativeError(error: unknown): error is NativeErrnoError {
  return error instanceof Error && typeof (error as Partial<NativeErrnoError>).code === 'string'
    && typeof (error as Partial<NativeErrnoError>).syscall === 'string';
}

/** `flags` of {@link Bridge.mapUpdate} (linux/bpf.h). */
export const MapUpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;
export type MapUpdateFlag = (typeof MapUpdateFlag)[keyof typeof MapUpdateFlag];

/**
 * Ring consumer batch framing (host byte order), records back to back:
 * ```
 *  0        4          6       8               8 + len       round_up(8 + len, 8)
 *  | u32 len | u16 ring | u16 0 | record bytes  | zero padding |
 * ```
 * `ring` is the index of the record's map in the `maps` given to {@link Bridge.startRingConsumer}.
 */
export const RING_RECORD_HEADER_BYTES = 8;

/**
 * pcap batch framing (host byte order), packets back to back:
 * ```
 *  0           4            8          12          16             16 + caplen   round_up(…, 8)
 *  | u32 caplen | u32 wirelen | u32 tsSec | u32 tsNsec | caplen bytes | zero padding |
 * ```
 */
export const PCAP_RECORD_HEADER_BYTES = 16;

export interface OpenObjectOptions {
  /** max_entries per map name, set before load (ring buffers: a power-of-two multiple of the page size). */
  maxEntries?: Record<string, number>;
  /** `const volatile` globals by name; each Buffer must be exactly the variable's size. */
  rodata?: Record<string, Buffer>;
  /** Programs not to load (false) — or to load (true) — by program name. */
  autoload?: Record<string, boolean>;
}

export interface MapInfo {
  /** BPF_MAP_TYPE_* */
  type: number;
  keySize: number;
  /** One value as the kernel declares it; per-CPU maps hold numPossibleCpus() of them, each padded to 8. */
  valueSize: number;
  maxEntries: number;
}

export interface AttachTcOptions {
  /** A namespace file (/var/run/netns/X, /proc/PID/ns/net); undefined: the caller's own namespace. */
  netns?: string;
  /** The interface, as numbered inside that namespace. */
  ifindex: number;
  direction: 'ingress' | 'egress';
  /** 'auto' (default): tcx, or legacy clsact when the kernel refuses tcx (before 6.6). */
  mode?: 'auto' | 'tcx' | 'legacy';
  /** Legacy filter handle (default 0xbee): fixed, so a crashed agent's stale filter is replaced. */
  handle?: number;
  /** Legacy filter priority (default 7). */
  priority?: number;
}

export interface RingConsumerOptions {
  /** Batch size bound (default 256 KiB); a larger record still arrives, alone in its batch. */
  batchBytes?: number;
  /** Drain period of the consumer thread (default 2 ms). */
  intervalMs?: number;
  /** Batches queued to the JS thread before the consumer stops reading (default 8, max 64). */
  maxQueue?: number;
}

export interface ConsumerStats {
  /** Batches delivered to onBatch. */
  batches: number;
  /** Records in those batches. */
  records: number;
  /** Record payload bytes in those batches (headers and padding not counted). */
  bytes: number;
  /** Times the consumer waited because JS was behind (queue full or no free batch buffer). */
  queueFullWaits: number;
}

export interface PcapOptions extends RingConsumerOptions {
  netns?: string;
  iface: string;
  /** Default 262144. */
  snaplen?: number;
  /** tcpdump filter syntax (pcap_compile). */
  filter?: string;
  /** Default false. */
  promisc?: boolean;
  /** Kernel capture buffer (pcap_set_buffer_size), default 4 MiB. */
  bufferBytes?: number;
}

export interface PcapStats {
  /** pcap_stats ps_recv */
  received: number;
  /** ps_drop: dropped because the buffer was full (JS behind, or bufferBytes too small) */
  dropped: number;
  /** ps_ifdrop: dropped by the interface/driver */
  ifDropped: number;
}

export interface Probe {
  /** BPF_MAP_TYPE_RINGBUF (libbpf_probe_bpf_map_type). */
  ringbuf: boolean;
  /** BTF-typed tracing programs: a tp_btf program for sched_switch loads (libbpf 1.1 cannot probe the type itself). */
  tracing: boolean;
  /** tcx: bpf_link_create(tc program, ifindex 0, BPF_TCX_INGRESS) fails with ENODEV (device lookup reached) rather than EINVAL. Attaches nothing. */
  tcx: boolean;
  /** /sys/kernel/btf/vmlinux is readable (CO-RE). */
  btf: boolean;
  /** bpf_get_netns_cookie is callable from tc programs (libbpf_probe_bpf_helper). */
  netnsCookie: boolean;
}

/** The native bridge. JS-thread functions may be called while consumer threads run. */
export interface Bridge {
  /** libbpf's "major.minor", e.g. "1.1". */
  libbpfVersion(): string;
  /** libbpf_num_possible_cpus(): the multiplier of per-CPU map values. */
  numPossibleCpus(): number;
  /** CLOCK_REALTIME and CLOCK_MONOTONIC read back to back, to turn bpf_ktime_get_ns() into wall time. */
  clocks(): { realtimeNs: bigint; monotonicNs: bigint };
  /** What this kernel supports (each entry says how it is probed). */
  probe(): Probe;

  /** Opens a BPF object file, applies map sizes, .rodata patches (found through the object's BTF) and autoload switches, and loads it. */
  openObject(path: string, options: OpenObjectOptions): ObjectHandle;
  /** Detaches every link made from the object, then closes it. A closed handle is a no-op. */
  closeObject(obj: ObjectHandle): void;
  mapInfo(obj: ObjectHandle, map: string): MapInfo;
  /** Fills `value` (exactly one value; per-CPU: numPossibleCpus() × round_up(valueSize, 8)). False on ENOENT. */
  mapLookup(obj: ObjectHandle, map: string, key: Buffer, value: Buffer): boolean;
  /** flags: {@link MapUpdateFlag}. EEXIST / ENOENT throw. */
  mapUpdate(obj: ObjectHandle, map: string, key: Buffer, value: Buffer, flags: number): void;
  /** False on ENOENT. */
  mapDelete(obj: ObjectHandle, map: string, key: Buffer): boolean;
  /**
   * Reads the map into caller-owned buffers (capacity = keys.length / keySize entries; values must hold as many)
   * with bpf_map_lookup_batch (get_next_key + lookup where batch ops are unsupported). Never deletes. Returns the
   * entries written; stops at capacity when the map holds more.
   */
  mapLookupBatch(obj: ObjectHandle, map: string, keys: Buffer, values: Buffer): number;
  /** Deletes the first `count` keys (bpf_map_delete_batch); a missing key is skipped. Returns how many were deleted. */
  mapDeleteBatch(obj: ObjectHandle, map: string, keys: Buffer, count: number): number;

  /**
   * Whether the kernel still holds the program or link with this id (ids as /proc/PID/fdinfo shows
   * them). Tests prove with it that a killed agent left nothing behind.
   */
  bpfObjectExists(kind: 'prog' | 'link', id: number): boolean;

  /**
   * Attaches a SEC("tc") program to an interface of a namespace, from a dedicated pthread that setns()'s there (never a
   * libuv pool thread). 'auto' tries tcx, then legacy clsact + cls_bpf with BPF_TC_F_REPLACE.
   */
  attachTc(obj: ObjectHandle, program: string, options: AttachTcOptions): { link: LinkHandle; mode: 'tcx' | 'legacy' };
  /** bpf_program__attach: tp_btf, fentry, raw_tp, … */
  attachTracing(obj: ObjectHandle, program: string): { link: LinkHandle };
  /**
   * tcx and tracing: destroys the link. Legacy: bpf_tc_detach in the same namespace (the clsact qdisc stays: other
   * tools' filters live there). False when already detached, or when the interface or namespace is gone.
   */
  detach(link: LinkHandle): boolean;

  /**
   * Starts a pthread that drains the RINGBUF `maps` every intervalMs and hands framed batches
   * ({@link RING_RECORD_HEADER_BYTES}) to onBatch on the JS thread. When JS falls behind (maxQueue batches waiting)
   * the thread stops reading, the ring fills and the BPF program counts reserve failures; nothing is dropped in user
   * space. A running consumer does not keep the process alive. An exception thrown by onBatch goes to
   * 'uncaughtException', like any callback's; the consumer goes on.
   */
  startRingConsumer(obj: ObjectHandle, maps: string[], options: RingConsumerOptions, onBatch: (batch: Buffer) => void): ConsumerHandle;
  /** Final drain (everything in the rings now is delivered), then stop; resolves after the last onBatch. */
  stopRingConsumer(consumer: ConsumerHandle): Promise<void>;
  /** Live counters; after stop, the final ones. */
  consumerStats(consumer: ConsumerHandle): ConsumerStats;

  /** inode: of the namespace file (what /proc/PID/ns/net names); cookie: SO_NETNS_COOKIE inside it. */
  netnsInfo(path: string): { inode: number; cookie: bigint };
  /**
   * rtnetlink dump (RTM_GETLINK / RTM_GETADDR / RTM_GETROUTE, AF_UNSPEC) inside a namespace (undefined: own): every
   * message as received (nlmsghdr, payload, alignment), NLMSG_DONE excluded. NLMSG_ERROR throws with its errno.
   */
  netlinkDump(netns: string | undefined, what: 'link' | 'addr' | 'route'): Buffer;

  /**
   * libpcap live capture of one interface of a namespace, on a pthread that setns()'d there; framed batches
   * ({@link PCAP_RECORD_HEADER_BYTES}, nanosecond timestamps when the kernel gives them) with the same backpressure
   * as rings (the kernel drops, pcapStats counts). A bad filter throws naming it. intervalMs (default 2) is the
   * pcap timeout.
   */
  pcapOpen(options: PcapOptions, onBatch: (batch: Buffer) => void): { capture: PcapHandle; linkType: number };
  /** Live counters; after close, the final ones. A capture that failed while reading throws its error. */
  pcapStats(capture: PcapHandle): PcapStats;
  /** Reads what is buffered, closes; resolves after the last batch (rejects with a read error that stopped it). */
  pcapClose(capture: PcapHandle): Promise<void>;

  /**
   * Compiles a tcpdump-syntax filter for packets of one link type (LINKTYPE_*, mapped to libpcap's DLT_*) with
   * pcap_open_dead + pcap_compile (optimized, netmask unknown). A bad expression, or one the link type cannot
   * express ('vlan' on raw IP), throws an Error whose message is libpcap's (pcap_geterr), with code 'EINVAL' and
   * syscall 'pcap_compile'.
   */
  compileFilter(linkType: number, snaplen: number, expression: string): FilterHandle;
  /**
   * Runs the filter on bytes[offset, offset + capturedLength) (pcap_offline_filter; wireLength is what `len`
   * and `greater`/`less` see). Allocates nothing. Throws EBADF for a freed filter, RangeError past the end.
   */
  filterMatch(filter: FilterHandle, bytes: Uint8Array, offset: number, capturedLength: number, wireLength: number): boolean;
  /** Releases the program now (the finalizer would later); a second call is a no-op. */
  freeFilter(filter: FilterHandle): void;
}

let bridge: Bridge | undefined;

/**
 * Loads the addon once. Throws {@link AgentError} `ERR_NATIVE_UNAVAILABLE` naming the file when it is missing or
 * cannot be loaded (e.g. libbpf.so.1 absent).
 */
export function loadBridge(): Bridge {
  if (bridge !== undefined) return bridge;
  if (!existsSync(NATIVE_PATH)) {
    throw new AgentError(ErrorCode.NATIVE_UNAVAILABLE, `native bridge not built: ${NATIVE_PATH} is missing; run \`make build\``);
  }
  try {
    bridge = createRequire(join(REPO_ROOT, 'package.json'))(NATIVE_PATH) as Bridge;
  } catch (error) {
    throw new AgentError(ErrorCode.NATIVE_UNAVAILABLE,
      `native bridge ${NATIVE_PATH} cannot be loaded (${(error as Error).message.split('\n')[0]}); run \`make build\``, { cause: error });
  }
  return bridge;
}

/** True when {@link loadBridge} succeeds. */
export function bridgeAvailable(): boolean {
  try {
    loadBridge();
    return true;
  } catch {
    return false;
  }
}
