/**
 * @module dpi/dhcp — DHCPv4 / BOOTP messages (RFC 951, 2131, 2132, 3046, 3396) from a UDP payload
 * (ports 67/68): fixed header, message type, leases, client identity, relay agent information,
 * option overload. Imports nothing outside this folder; the dissector that feeds it UDP payloads
 * from a PacketView lives in dpi/.
 */
export { parseDhcpMessage } from './parser.js';
export { DhcpParseError } from './errors.js';
export { escapeDhcpText } from './text.js';
export {
  BOOTREPLY, BOOTREQUEST, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpOption, dhcpMessageTypeName,
} from './types.js';
export type { DhcpMessage, DhcpOptionEntry, DhcpRelayAgent } from './types.js';
