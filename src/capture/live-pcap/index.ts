export { PcapLiveCapture, type PcapLiveOptions } from './pcap-live.js';
