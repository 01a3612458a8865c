/**
 * What this host lets weft do: kernel version, BTF, the eBPF features the sensors use (tcx links,
 * ring buffers, tp_btf tracing, drop reasons), the process's privileges, and so which source the
 * agent can run — eBPF, else libpcap, else only replay. `weft capabilities` prints it; the agent
 * puts it in its stats.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { Bridge } from '../../native/index.js';
import { readBtfEnum } from './btf-enum.js';

/** linux/capability.h bit numbers */
const CAPS: Readonly<Record<string, number>> = { NET_ADMIN: 12, NET_RAW: 13, SYS_ADMIN: 21, SYS_PTRACE: 19, PERFMON: 38, BPF: 39 };

export interface Capabilities {
  readonly kernel: string;
  readonly btf: boolean;
  readonly nativeBridge: boolean;
  readonly libbpf?: string;
  readonly bpfObject: boolean;
  readonly tcx: boolean;
  readonly ringbuf: boolean;
  readonly tracing: boolean;
  readonly dropReasons: number;
  readonly uid: number;
  /** Effective capabilities weft cares about. */
  readonly capabilities: readonly string[];
  /** The source `weft agent --source auto` picks, and why when it is not eBPF. */
  readonly source: 'ebpf' | 'pcap' | 'replay';
  readonly fallbackReason?: string;
}

function effectiveCaps(): string[] {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m === null) return [];
    const bits = BigInt(`0x${m[1]}`);
    return Object.entries(CAPS).filter(([, bit]) => (bits >> BigInt(bit)) & 1n).map(([name]) => name);
  } catch {
    return [];
  }
}

export function probeCapabilities(bridge: Bridge | undefined, bridgeError: string | undefined, objectPath: string): Capabilities {
  const caps = effectiveCaps();
  const btf = existsSync('/sys/kernel/btf/vmlinux');
  const bpfObject = existsSync(objectPath);
  let probe = { ringbuf: false, tracing: false, tcx: false };
  if (bridge !== undefined) {
    try {
      probe = bridge.probe();
    } catch { /* probing needs privileges: reported as unsupported */ }
  }
  const ebpfPrivileged = (caps.includes('BPF') || caps.includes('SYS_ADMIN')) && caps.includes('NET_ADMIN');
  let source: Capabilities['source'] = 'ebpf';
  let fallbackReason: string | undefined;
  const why = bridge === undefined ? `the native bridge is not available (${bridgeError ?? 'not built'})`
    : !bpfObject ? `the eBPF object ${objectPath} is not built (clang missing at build time)`
      : !btf ? 'the kernel has no BTF (/sys/kernel/btf/vmlinux)'
        : !ebpfPrivileged ? 'no CAP_BPF/CAP_SYS_ADMIN and CAP_NET_ADMIN'
          : !probe.ringbuf ? 'the kernel has no BPF ring buffer (needs 5.8+)'
            : undefined;
  if (why !== undefined) {
    const pcapOk = bridge !== undefined && (caps.includes('NET_RAW') || caps.includes('NET_ADMIN'));
    source = pcapOk ? 'pcap' : 'replay';
    fallbackReason = pcapOk ? `eBPF unavailable: ${why}; using libpcap` : `eBPF unavailable: ${why}; libpcap needs CAP_NET_RAW and the native bridge — only replay works`;
  }
  return {
    kernel: release(),
    btf,
    nativeBridge: bridge !== undefined,
    ...(bridge !== undefined && { libbpf: bridge.libbpfVersion() }),
    bpfObject,
    tcx: probe.tcx,
    ringbuf: probe.ringbuf,
    tracing: probe.tracing,
    dropReasons: btf ? readBtfEnum('skb_drop_reason').size : 0,
    uid: process.getuid?.() ?? -1,
    capabilities: caps,
    source,
    ...(fallbackReason !== undefined && { fallbackReason }),
  };
}
