/**
 * Live capture with libpcap, one interface of one namespace per capture: the fallback source where
 * eBPF is not allowed or not supported (and `--source pcap`). The native bridge opens the capture on
 * a thread that entered the namespace (the packet socket binds there), compiles the tcpdump-syntax
 * filter, and hands batches of packets over; this walks them into one reused PacketView.
 *
 *   batch: [u32 caplen][u32 wirelen][u32 tsSec][u32 tsNsec][caplen bytes][pad to 8] …
 */
import type { Bridge, PcapHandle } from '../../native/index.js';
import { PacketView } from '../../model/index.js';
import type { CaptureHandler } from '../source.js';

const HEADER = 16;

export interface PcapLiveOptions {
  readonly netnsPath?: string;
  readonly iface: string;
  /** Observation point index the packets are attributed to. */
  readonly point: number;
  readonly snaplen?: number;
  /** tcpdump filter syntax. */
  readonly filter?: string;
  readonly bufferBytes?: number;
}

export class PcapLiveCapture {
  readonly linkType: number;
  private readonly bridge: Bridge;
  private readonly handle: PcapHandle;
  private readonly view = new PacketView();
  private closed = false;
  packets = 0;

  constructor(bridge: Bridge, options: PcapLiveOptions, handler: CaptureHandler) {
    this.bridge = bridge;
    const point = options.point;
    const opened = bridge.pcapOpen({
      iface: options.iface,
      ...(options.netnsPath !== undefined && { netns: options.netnsPath }),
      ...(options.snaplen !== undefined && { snaplen: options.snaplen }),
      ...(options.filter !== undefined && { filter: options.filter }),
      ...(options.bufferBytes !== undefined && { bufferBytes: options.bufferBytes }),
    }, (batch: Buffer) => this.batch(batch, point, handler));
    this.handle = opened.capture;
    this.linkType = opened.linkType;
  }

  /** Packets the kernel dropped for this capture (socket buffer full) and the interface's drops. */
  stats(): { received: number; dropped: number; ifDropped: number } {
    return this.bridge.pcapStats(this.handle);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.bridge.pcapClose(this.handle);
  }

  private batch(batch: Buffer, point: number, handler: CaptureHandler): void {
    const v = this.view;
    const linkType = this.linkType;
    let off = 0;
    while (off + HEADER <= batch.length) {
      const caplen = batch.readUInt32LE(off);
      if (off + HEADER + caplen > batch.length) return;
      v.bytes = batch;
      v.frameOffset = off + HEADER;
      v.capturedLength = caplen;
      v.wireLength = batch.readUInt32LE(off + 4);
      v.tsSec = batch.readUInt32LE(off + 8);
      v.tsNsec = batch.readUInt32LE(off + 12);
      v.tsDigits = 9;
      v.linkType = linkType;
      v.interfaceIndex = point;
      this.packets++;
      handler.packet(v);
      off += (HEADER + caplen + 7) & ~7;
    }
  }
}
