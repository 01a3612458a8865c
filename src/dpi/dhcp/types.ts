/**
 * What one DHCPv4 / BOOTP message says, as `parseDhcpMessage` reports it, and the numbers it is
 * read with (IANA "BOOTP Vendor Extensions and DHCP Options" and "DHCP Message Type 53 Values").
 */

/** Option 82 (RFC 3046): the relay agent's sub-options, values as lowercase hex (they are opaque). */
export interface DhcpRelayAgent {
  /** Sub-option 1, Agent Circuit ID. */
  circuitId?: string;
  /** Sub-option 2, Agent Remote ID. */
  remoteId?: string;
  /** Every sub-option in order, including 1 and 2. */
  subOptions: { code: number; hex: string }[];
}

/** One option as it appeared (pad and end are markers, not options: not listed). */
export interface DhcpOptionEntry {
  code: number;
  length: number;
}

export interface DhcpMessage {
  /** 1 BOOTREQUEST, 2 BOOTREPLY. */
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  /** Transaction id, an unsigned 32-bit Number. */
  xid: number;
  secs: number;
  flags: number;
  /** Dotted quads. */
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** chaddr: `aa:bb:cc:dd:ee:ff` for Ethernet (htype 1, hlen 6), else the hlen bytes as hex. */
  clientMac: string;
  /** sname / file, up to their first NUL, when they hold text (not overloaded) and are not empty. */
  serverName?: string;
  bootFile?: string;
  /** The magic cookie 99.130.83.99 is present: a DHCP message, else plain BOOTP (no options read). */
  isDhcp: boolean;
  /** Option 53. */
  messageType?: number;
  /** `dhcpMessageTypeName(messageType)`. */
  messageTypeName?: string;
  /** Option 50. */
  requestedIp?: string;
  /** Option 54. */
  serverId?: string;
  /** Option 12, escaped (see `escapeDhcpText`). */
  hostname?: string;
  /** Option 51, seconds (0xffffffff = infinite). */
  leaseTime?: number;
  /** Option 61 as lowercase hex, type byte included (`01` + MAC for Ethernet). */
  clientId?: string;
  /** Option 60, escaped. */
  vendorClass?: string;
  /** Option 55, in the client's order. */
  paramRequestList?: number[];
  /** Option 3. */
  routers?: string[];
  /** Option 6. */
  dnsServers?: string[];
  /** Option 1. */
  subnetMask?: string;
  /** Option 15, escaped. */
  domainName?: string;
  /** Option 82. */
  relayAgent?: DhcpRelayAgent;
  /** Every option in the order read: options field, then file, then sname (RFC 3396 §5). */
  options: DhcpOptionEntry[];
}

/** BOOTP `op` (RFC 951). */
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** UDP ports (RFC 2131 §4.1). */
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/** Option codes this parser interprets (RFC 2132 unless noted). */
export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DOMAIN_NAME_SERVER: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  RELAY_AGENT_INFORMATION: 82, // RFC 3046
  END: 255,
} as const;
export type DhcpOption = (typeof DhcpOption)[keyof typeof DhcpOption];

/**
 * Option 53 values: RFC 2132 §9.6 (1–8), RFC 3203 (9), RFC 4388 (10–13), RFC 6926 (14–15),
 * RFC 7724 (16–18). Index = value.
 */
const MESSAGE_TYPE_NAMES: readonly string[] = [
  '', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM',
  'FORCERENEW',
  'LEASEQUERY', 'LEASEUNASSIGNED', 'LEASEUNKNOWN', 'LEASEACTIVE',
  'BULKLEASEQUERY', 'LEASEQUERYDONE',
  'ACTIVELEASEQUERY', 'LEASEQUERYSTATUS', 'TLS',
];

/** Name of a DHCP message type (option 53), e.g. 1 → `DISCOVER`; unassigned values → `UNKNOWN(n)`. */
export function dhcpMessageTypeName(n: number): string {
  const name = Number.isInteger(n) ? MESSAGE_TYPE_NAMES[n] : undefined;
  return name !== undefined && name !== '' ? name : `UNKNOWN(${n})`;
}
