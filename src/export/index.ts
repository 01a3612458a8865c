/**
 * @module export — sinks: encoders (ECS JSON today) × transports (fd writer today), and the capture
 * file writers (pcapng, classic pcap) packet captures go through. Imports model/ and core/ only.
 */
export * from './sink.js';
export * from './sink-uri.js';
export * from './encode/ecs-json.js';
export * from './encode/iana-protocols.js';
export * from './encode/pcapng.js';
export * from './encode/pcap.js';
export * from './sinks/jsonl.js';
export * from './transport/fd-writer.js';
export * from './sinks/nats.js';
export * from './sinks/kafka.js';
export { ProtobufEncoder } from './encode/protobuf.js';
