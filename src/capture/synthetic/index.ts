/** Synthetic sources: a deterministic, realistic workload written as a pcap with its own truth. */
export { generate, dnsQuery, tlsClientHello, Rng, FlowKind, FLOW_KIND_NAMES } from './workload.js';
export type { GenerateOptions, Truth, TruthFlow } from './workload.js';
