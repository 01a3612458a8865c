/**
 * What parseDnsMessage returns: one owned, plain object per message (the record boundary — the
 * strings are made once, here, and nothing refers back to the packet buffer).
 *
 * Text forms (`name`, `data`) follow what ECS `dns.question.name` / `dns.answers.data` usually hold
 * (Zeek, Packetbeat): names without the trailing dot, the root as "."; see names.ts and rdata.ts for
 * the exact escaping.
 */

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsResourceRecord {
  name: string;
  type: number;
  class: number;
  /** Unsigned 32 bits as on the wire (RFC 2181 §8 would read values ≥ 2^31 as 0; we report them). */
  ttl: number;
  /** RDATA as text (rdata.ts): presentation form for the common types, RFC 3597 `\# LEN HEX` otherwise. */
  data: string;
}

/** The EDNS(0) OPT pseudo-record (RFC 6891 §6.1.3), taken out of the additional section. */
export interface DnsEdns {
  /** Requestor's UDP payload size (the OPT CLASS field). */
  udpPayloadSize: number;
  /** Upper 8 bits of the 12-bit extended RCODE, as carried in the OPT TTL. */
  extendedRcode: number;
  version: number;
  /** DO bit (RFC 3225). */
  dnssecOk: boolean;
  /** Number of EDNS options in the RDATA. */
  options: number;
}

export interface DnsMessage {
  id: number;
  /** The 16-bit flags word as on the wire (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE). */
  flags: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  /** The header's 4-bit RCODE. */
  rcode: number;
  /** rcode with the EDNS0 extension bits when an OPT record is present (RFC 6891 §6.1.3), else rcode. */
  extendedRcode: number;
  /** Section counts as the header announces them (the OPT record is counted in additionalCount). */
  questionCount: number;
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
  questions: DnsQuestion[];
  answers: DnsResourceRecord[];
  authorities: DnsResourceRecord[];
  /** Additional records except the OPT pseudo-record (that one is `edns`). */
  additionals: DnsResourceRecord[];
  edns?: DnsEdns;
}
