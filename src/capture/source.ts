/**
 * The contract between a packet source and the pipeline.
 *
 * A source fills one reusable PacketView per packet (frame fields only) and calls
 * `handler.packet(view)` synchronously; the view is valid only during that call. Its `bytes` (the
 * chunk of input the frame lies in) stay unchanged until the source's next call other than
 * `packet` (the replay pipeline decodes and meters packets in small groups and relies on this).
 */
import type { ObservationPoint } from '../model/observation-point.js';
import type { PacketView } from '../model/packet-view.js';

export interface CaptureHandler {
  /** One packet; `view` holds the frame fields (bytes, lengths, time, link type, interfaceIndex). */
  packet(view: PacketView): void;
  /** A new interface (observation point) — always before its first packet. */
  interface(point: ObservationPoint): void;
  /** Something worth one line on stderr that does not stop reading (e.g. a truncated last record). */
  warning(message: string): void;
  /** Bytes of the input consumed so far and the total when known (0 when unknown: stdin, gzip). */
  progress?(bytesRead: number, bytesTotal: number): void;
  /** pcapng Interface Statistics Block: packets the capturing system dropped on this interface. */
  interfaceStats?(interfaceIndex: number, received: number | undefined, dropped: number | undefined): void;
}

export interface CaptureSummary {
  readonly file: string;
  readonly format: 'pcap' | 'pcapng';
  readonly packets: number;
  readonly bytesRead: number;
  /** True when the input ended inside a record (the records before it were delivered). */
  readonly truncated: boolean;
  /** Interfaces (observation points) the input announced: the next input's first index is
   *  `firstInterfaceIndex + interfaces`. */
  readonly interfaces: number;
}
