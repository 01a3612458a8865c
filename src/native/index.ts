/**
 * @module native — the typed loader of weft's N-API addon (native/src, C): BPF objects and maps, tc/tcx and
 * tracing links, ring buffer consumers, network namespace queries and libpcap capture. It may import core/ only;
 * capture/kernel (and the agent's discovery) are its users, and a fake of the same `Bridge` interface stands in
 * for it everywhere else.
 */
export {
  NATIVE_PATH, MapUpdateFlag, RING_RECORD_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES, isNativeError, loadBridge, bridgeAvailable,
} from './bridge.js';
export type {
  Bridge, ObjectHandle, LinkHandle, ConsumerHandle, PcapHandle, NativeErrnoError, OpenObjectOptions, MapInfo,
  AttachTcOptions, RingConsumerOptions, ConsumerStats, PcapOptions, PcapStats, Probe,
} from './bridge.js';
