/**
 * @module control — commands over NATS and HTTP: the protocol (verbs and schemas), identities and
 * policy, the command server with its audit, blocks and captures, and the two transports.
 */
export * from './protocol.js';
export * from './identity.js';
export * from './policy.js';
export * from './server.js';
export * from './blocks.js';
export * from './captures.js';
export * from './handlers.js';
export * from './target.js';
export * from './nats-service.js';
export * from './nats-connect.js';
export * from './http-api.js';
export * from './control-plane.js';
