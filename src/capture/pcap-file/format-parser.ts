/** What the pcap and pcapng parsers have in common: incremental parsing of a byte window. */
export interface FormatParser {
  /**
   * Parses every complete record in `bytes[pos, end)`, delivering packets as it goes, and
   * returns the offset of the first byte it could not use yet (a partial record). `base` is the
   * input offset of `bytes[0]`, for error messages. Throws PcapFormatError on corrupt data.
   */
  parse(bytes: Uint8Array, dv: DataView, pos: number, end: number, base: number): number;
  /** Bytes the record at the returned offset needs (so the caller can grow its buffer). */
  readonly need: number;
  /** What that record is ("packet record", "EPB", …), for the truncation warning. */
  readonly pending: string;
  /** False until the file header (pcap) or first SHB (pcapng) was read. */
  readonly headerDone: boolean;
}
