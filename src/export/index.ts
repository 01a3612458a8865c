/**
 * @module export — sinks: encoders (ECS JSON today) × transports (fd writer today). Imports model/
 * and core/ only.
 */
export * from './sink.js';
export * from './sink-uri.js';
export * from './encode/ecs-json.js';
export * from './encode/iana-protocols.js';
export * from './sinks/jsonl.js';
export * from './transport/fd-writer.js';
export * from './sinks/nats.js';
export * from './sinks/kafka.js';
