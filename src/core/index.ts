/** @module core — errors, addresses, time: imports nothing of ours. */
export * from './errors.js';
export * from './ip.js';
export * from './time.js';
export * from './glob.js';
