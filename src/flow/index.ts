/**
 * @module flow — flow metering: turns decoded PacketViews into RFC 5103 bidirectional FlowRecords.
 * `FlowTable` keys flows by observation point, VLANs, tunnel, IP version, protocol and the two
 * endpoints in an open-addressing table over typed arrays (no allocation per packet), ends them by
 * idle/active timeout, TCP FIN/RST (after a short linger), eviction when full, or a final flush,
 * attributes IP fragments through their first fragment's ports, and stamps each record with its
 * Community ID v1 (SHA-1 in ./sha1.ts). Time is packet time throughout. Imports only model/ and core/.
 */
export { FlowTable, type FlowTableStats } from './flow-table.js';
export { DEFAULT_FLOW_CONFIG, MAX_FLOWS_LIMIT, resolveFlowConfig, type FlowConfig } from './config.js';
export {
  communityId, communityIdFromWords, communityIdHasPorts, icmpIsOneWay, icmpPortEquivalent,
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
  type CommunityIdOptions,
} from './community-id.js';
export { KernelFlows, type KernelFlowConfig, type KernelFlowCounters, type MonotonicToWall, type PointResolver } from './kernel-flows.js';
