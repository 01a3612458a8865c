/**
 * Where packets were observed: one interface of one capture (or, live, one interface of one
 * network namespace). Records carry it as `observer.*` and `weft.observation_point`.
 */
export interface ObservationPoint {
  /** Index across the whole run; PacketView.interfaceIndex refers to it. */
  readonly index: number;
  /** Capture file the interface was found in ('-' for stdin); undefined for live sources. */
  readonly file?: string;
  /** Interface id as the capture numbers it (pcapng IDB order within its section; 0 for pcap). */
  readonly interfaceId: number;
  /** pcapng section number (0-based); 0 for pcap. */
  readonly section: number;
  readonly linkType: number;
  /** if_name / if_description of the pcapng IDB, when present. */
  readonly name?: string;
  readonly description?: string;
  readonly snaplen: number;
  /** Sub-second digits of the interface's timestamps (6 µs, 9 ns, …). */
  readonly tsDigits: number;
  /** Live sources: the interface's network namespace (inode, and its name when it has one). */
  readonly netnsInode?: number;
  readonly netnsName?: string;
}
