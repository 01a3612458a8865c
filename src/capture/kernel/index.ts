export { KernelSensor, defaultObjectPath, type KernelSensorOptions, type TcAttachment } from './kernel-sensor.js';
export { RingDecoder, TCP_STATE_NAMES, type RingDecoderContext, type RingHandler, type RingDecoderCounters } from './ring-decoder.js';
export { encodeRule, MAX_RULES, type PacketRule } from './rules.js';
export { readBtfEnum } from './btf-enum.js';
export { probeCapabilities, type Capabilities } from './capabilities.js';
