/**
 * @module model — the pipeline's nouns: the borrowed PacketView, decode statuses, link types,
 * observation points and the owned records. Imports only core/.
 */
export * from './packet-view.js';
export * from './decode-status.js';
export * from './link-type.js';
export * from './observation-point.js';
export * from './flow-record.js';
export * from './stats-record.js';
export * from './app-record.js';
export * from './event-record.js';
export * from './kernel-abi.gen.js';
