/**
 * The Kafka sink (kafkajs: pure JavaScript, no native librdkafka to build): one topic per record
 * type (`<prefix>.flow`, `<prefix>.dns`, …), one Kafka message per record with the Community ID as
 * its key (so one conversation's records land in one partition, in order), ECS JSON values (or,
 * with a ProtobufEncoder, the record's own weft.v1 message: Flow, Dns, …), and the completeness
 * headers of the NATS sink (agent id, a sequence number per topic). Batches are
 * sent in order, one `sendBatch` per batch, with the configured acks (`all` by default).
 */
import { Kafka, logLevel, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { ErrorCode, SinkError } from '../../core/errors.js';
import type { ExportRecord } from '../../model/stats-record.js';
import type { EcsJsonEncoder } from '../encode/ecs-json.js';
import { ProtobufEncoder, protobufContentType } from '../encode/protobuf.js';
import type { Sink } from '../sink.js';

export interface KafkaSinkOptions {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  /** -1 = all in-sync replicas, 1 = the leader, 0 = none. */
  readonly acks: -1 | 0 | 1;
  readonly agentId: string;
  readonly warn: (message: string) => void;
}

/** The Kafka messages of one batch, grouped by topic (exported for tests: no broker needed). */
export function kafkaTopicMessages(batch: readonly ExportRecord[], encoder: EcsJsonEncoder | ProtobufEncoder, prefix: string,
  agentId: string, seqs: Map<string, number>): TopicMessages[] {
  const protobuf = encoder instanceof ProtobufEncoder;
  const byTopic = new Map<string, Message[]>();
  for (const record of batch) {
    const topic = `${prefix}.${record.kind}`;
    let messages = byTopic.get(topic);
    if (messages === undefined) byTopic.set(topic, (messages = []));
    const seq = (seqs.get(topic) ?? 0) + 1;
    seqs.set(topic, seq);
    const key = 'communityId' in record && record.communityId !== '' ? record.communityId : null;
    const contentType = protobuf ? protobufContentType(ProtobufEncoder.messageName(record.kind)) : 'application/json';
    messages.push({
      key,
      value: encoder.encode(record),
      headers: { 'content-type': contentType, 'weft-agent': agentId, 'weft-seq': String(seq) },
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

export class KafkaSink implements Sink {
  readonly name: string;
  private readonly options: KafkaSinkOptions;
  private readonly encoder: EcsJsonEncoder | ProtobufEncoder;
  private producer: Producer | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly seqs = new Map<string, number>();
  private failed = 0;

  /** The encoder decides the values: ECS JSON (EcsJsonEncoder) or protobuf messages (ProtobufEncoder). */
  constructor(options: KafkaSinkOptions, encoder: EcsJsonEncoder | ProtobufEncoder) {
    this.options = options;
    this.encoder = encoder;
    this.name = `kafka ${options.brokers.join(',')}${encoder instanceof ProtobufEncoder ? ' (protobuf)' : ''}`;
  }

  write(batch: readonly ExportRecord[]): Promise<void> {
    const topicMessages = kafkaTopicMessages(batch, this.encoder, this.options.topicPrefix, this.options.agentId, this.seqs);
    this.tail = this.tail.then(async () => {
      const producer = await this.connect();
      try {
        await producer.sendBatch({ topicMessages, acks: this.options.acks });
      } catch (error) {
        this.failed += topicMessages.reduce((n, t) => n + t.messages.length, 0);
        throw new SinkError(ErrorCode.SINK_IO, `${this.name}: ${(error as Error).message}`, true, { cause: error });
      }
    });
    return this.tail;
  }

  /** Records Kafka did not take (after kafkajs's own retries). */
  get recordsFailed(): number {
    return this.failed;
  }

  async flush(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Producer> {
    if (this.producer !== undefined) return this.producer;
    const kafka = new Kafka({ clientId: `weft-${this.options.agentId}`, brokers: [...this.options.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: this.options.acks === -1, maxInFlightRequests: this.options.acks === -1 ? 1 : 5 });
    try {
      await producer.connect();
    } catch (error) {
      throw new SinkError(ErrorCode.SINK_IO, `${this.name}: cannot connect: ${(error as Error).message}`, true, { cause: error });
    }
    this.producer = producer;
    return producer;
  }
}
