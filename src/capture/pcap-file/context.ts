/**
 * State shared by the pcap and pcapng parsers of one input: the handler, the reusable view, the
 * packet count (for errors and the summary) and the observation-point numbering.
 */
import type { ObservationPoint } from '../../model/observation-point.js';
import type { PacketView } from '../../model/packet-view.js';
import type { CaptureHandler } from '../source.js';
import { PcapFormatError } from './errors.js';

/**
 * Largest captured length we accept. Wireshark's limit (WTAP_MAX_PACKET_SIZE_STANDARD) is
 * 256 KiB; a few link types carry bigger records (wiretap `wtap_max_snaplen_for_encap`).
 * Anything above is a corrupt length field, not a packet.
 */
export const MAX_CAPLEN_STANDARD = 262_144;
const MAX_CAPLEN_LARGE = 128 * 1024 * 1024;
const LINKTYPE_DBUS = 231;
const LINKTYPE_USBPCAP = 249;
const LINKTYPE_EBHSCR = 279;

export function maxCaplenFor(linkType: number): number {
  if (linkType === LINKTYPE_DBUS || linkType === LINKTYPE_USBPCAP) return MAX_CAPLEN_LARGE;
  if (linkType === LINKTYPE_EBHSCR) return 8 * 1024 * 1024;
  return MAX_CAPLEN_STANDARD;
}

/** Largest pcapng block we accept (Wireshark's cap is 16 MiB of data plus headers). */
export const MAX_BLOCK_LENGTH = 64 * 1024 * 1024;

export class ReadContext {
  /** Packets delivered to the handler so far. */
  packets = 0;
  /** Interfaces announced so far (across all sections). */
  interfaces = 0;
  readonly file: string;
  readonly handler: CaptureHandler;
  readonly view: PacketView;
  readonly firstInterfaceIndex: number;

  constructor(file: string, handler: CaptureHandler, view: PacketView, firstInterfaceIndex: number) {
    this.file = file;
    this.handler = handler;
    this.view = view;
    this.firstInterfaceIndex = firstInterfaceIndex;
  }

  /** A format error at an absolute input offset, carrying the count of packets delivered. */
  error(offset: number, field: string, why: string, options?: ErrorOptions): PcapFormatError {
    return new PcapFormatError(this.file, offset, field, why, this.packets, options);
  }

  /** Numbers a new interface, announces it to the handler and returns its global index. */
  addInterface(point: Omit<ObservationPoint, 'index' | 'file'>): number {
    const index = this.firstInterfaceIndex + this.interfaces++;
    this.handler.interface({ index, file: this.file, ...point });
    return index;
  }
}
