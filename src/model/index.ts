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
export * from './control-record.js';
export * from './kernel-abi.gen.js';
/** The weft.v1 protobuf messages as types (schema/weft/v1/weft.proto): `schema.Flow`, `schema.Batch`, … */
export * as schema from './schema.gen.js';
