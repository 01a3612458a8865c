/**
 * @module capture — packet sources. `source.ts` is the contract (CaptureHandler, CaptureSummary)
 * every source implements; `pcap-file/` reads pcap and pcapng captures. Sources fill the frame
 * fields of a PacketView (or, `synthetic/`, write a deterministic workload capture) and never decode: they may import model/ and core/ only, and no other
 * stage module. `packet-filter.ts` holds the tcpdump-syntax filters of capture sessions (libpcap
 * through the bridge, and their coarse kernel pre-selection).
 */
export type { CaptureHandler, CaptureSummary } from './source.js';
export * from './pcap-file/index.js';
export * from './synthetic/index.js';
export * from './kernel/index.js';
export * from './live-pcap/index.js';
export { PacketFilter, coarseKernelRule, DEFAULT_FILTER_SNAPLEN } from './packet-filter.js';
export type { CoarseRule } from './packet-filter.js';
