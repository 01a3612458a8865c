/**
 * @module pipeline — wires the stages (capture, decode, flow, export) together; the only module
 * that imports more than one of them.
 */
export * from './replay.js';
export * from './live.js';
export * from './record-policy.js';
