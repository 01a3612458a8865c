/**
 * @module client — the TypeScript SDK (`weft/client`): typed commands to one agent or to every
 * agent (scatter/gather over NATS, or one agent over HTTP), signed with an nkey when an identity
 * is given; the record stream (`weft.v1.<node>.<type>`); captures fetched from the object store.
 *
 *   const weft = await WeftClient.connect('nats://127.0.0.1:4222', { identity: '/var/lib/weft/admin.nk' });
 *   const { blocks } = await weft.request('node-1', 'block.list');
 *   for await (const r of weft.records({ types: ['flow'] })) console.log(r['source.ip']);
 */
export { WeftClient, WeftHttpClient, WeftCommandError, type RecordMessage, type ClientOptions } from './client.js';
export type {
  BlockInfo, CaptureInfo, ControlReply, PipelineConfig, SensorInfo, StatusResult, Verb, VerbInput, VerbResults, ControlErrorCode,
} from '../control/protocol.js';
export { Signer } from '../control/identity.js';
