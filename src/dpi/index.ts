/**
 * @module dpi — application dissectors over decoded packets: bounded TCP reassembly, DNS (and,
 * next, HTTP/1.x, TLS, QUIC Initial, DHCP), each producing owned application records. Imports
 * only model/ and core/; the pipeline tells it each packet's flow slot and direction.
 */
export { Dissectors, type CommunityIdFn, type DissectOptions, type FormatIpFn } from './dispatch.js';
export { DnsTransactions, emptyDnsContext, type DnsPacketContext, type DnsTransactionsOptions } from './dns-transactions.js';
export { ReassemblyBudget, TcpDirection, type StreamConsumer } from './tcp-reassembly.js';
