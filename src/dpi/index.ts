/**
 * @module dpi — application dissectors over decoded packets: bounded TCP reassembly, DNS, HTTP/1.x,
 * TLS (JA3/JA4), QUIC Initials, DHCP and ICMP errors, each producing owned application records. Imports
 * only model/ and core/; the pipeline tells it each packet's flow slot and direction.
 */
export { Dissectors, type CommunityIdFn, type DissectOptions, type FormatIpFn } from './dispatch.js';
export { DnsTransactions, emptyDnsContext, type DnsPacketContext, type DnsTransactionsOptions } from './dns-transactions.js';
export { ReassemblyBudget, TcpDirection, type StreamConsumer } from './tcp-reassembly.js';
