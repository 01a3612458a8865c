/**
 * DNS transactions: queries matched to their responses by (flow, id) — the flow identifies the
 * observation point, client, server and transport — one `dns` record per transaction.
 *
 *   query    ─► pending (bounded, oldest first)
 *   response ─► its pending query? → record 'answer' with event.duration = response − query
 *               none?              → record 'answer', incomplete 'response_only'
 *   advance  ─► queries pending longer than the timeout → record 'query', incomplete 'query_only'
 *
 * A repeated query with the same id (a client retry) keeps the first one's time, so the latency
 * is what the client waited. Time is packet time. When `maxPending` queries are waiting, the
 * oldest is emitted as unanswered and counted (`evicted`).
 */
import type { DnsAnswer, DnsRecord } from '../model/index.js';
import {
  dnsClassName, dnsHeaderFlags, dnsRcodeName, dnsTypeName, type DnsMessage, type DnsResourceRecord,
} from './dns/index.js';

/**
 * Where a DNS message was seen: its flow (slot and generation, from the flow table), time, and the
 * sender and receiver of that message as address words (formatted only when a record is made).
 */
export interface DnsPacketContext {
  flow: number;
  generation: number;
  observationPoint: number;
  sec: number;
  nsec: number;
  tsDigits: number;
  ipVersion: number;
  ipProto: number;
  s0: number; s1: number; s2: number; s3: number;
  d0: number; d1: number; d2: number; d3: number;
  senderPort: number;
  receiverPort: number;
}

function copyContext(c: Readonly<DnsPacketContext>): DnsPacketContext {
  return {
    flow: c.flow, generation: c.generation, observationPoint: c.observationPoint, sec: c.sec, nsec: c.nsec,
    tsDigits: c.tsDigits, ipVersion: c.ipVersion, ipProto: c.ipProto,
    s0: c.s0, s1: c.s1, s2: c.s2, s3: c.s3, d0: c.d0, d1: c.d1, d2: c.d2, d3: c.d3,
    senderPort: c.senderPort, receiverPort: c.receiverPort,
  };
}

/** A context with nothing in it (to copy into). */
export function emptyDnsContext(): DnsPacketContext {
  return {
    flow: -1, generation: 0, observationPoint: 0, sec: 0, nsec: 0, tsDigits: 0, ipVersion: 4, ipProto: 0,
    s0: 0, s1: 0, s2: 0, s3: 0, d0: 0, d1: 0, d2: 0, d3: 0, senderPort: 0, receiverPort: 0,
  };
}

export interface DnsTransactionsOptions {
  /** How long a query waits for its response (ns of packet time). */
  readonly timeoutNs: number;
  readonly maxPending: number;
  /** Community ID of the flow (client → server). */
  readonly communityId: (ctx: Readonly<DnsPacketContext>, clientIsSender: boolean) => string;
  /** Address text of the context's sender (or receiver). */
  readonly address: (ctx: Readonly<DnsPacketContext>, sender: boolean) => string;
  readonly emit: (record: DnsRecord) => void;
}

interface Pending {
  ctx: DnsPacketContext;
  query: DnsMessage;
}

const A = 1;
const AAAA = 28;

export class DnsTransactions {
  private readonly options: DnsTransactionsOptions;
  /** Key: flow slot × 65536 + id (the generation is checked on the entry). */
  private readonly pending = new Map<number, Pending>();
  /** Packet time before which no pending query can have timed out (seconds; skips the scan). */
  private nextDeadlineSec = Infinity;
  private nextDeadlineNsec = 0;
  /** Transactions emitted, by outcome. */
  answered = 0;
  unanswered = 0;
  responseOnly = 0;
  /** Unanswered queries emitted early because maxPending were waiting. */
  evicted = 0;

  constructor(options: DnsTransactionsOptions) {
    this.options = options;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** One parsed message from a packet (`ctx` is copied when kept). */
  message(msg: DnsMessage, ctx: Readonly<DnsPacketContext>): void {
    const key = ctx.flow * 65536 + msg.id;
    if (!msg.qr) {
      const waiting = this.pending.get(key);
      if (waiting !== undefined) {
        if (waiting.ctx.generation === ctx.generation) return; // a retry: keep the first query's time
        this.pending.delete(key); // the slot belongs to a new flow now
        this.emitQueryOnly(waiting);
      }
      if (this.pending.size >= this.options.maxPending) {
        const oldest = this.pending.keys().next().value as number;
        const p = this.pending.get(oldest)!;
        this.pending.delete(oldest);
        this.evicted++;
        this.emitQueryOnly(p);
      }
      this.pending.set(key, { ctx: copyContext(ctx), query: msg });
      if (this.pending.size === 1) this.setDeadline(ctx);
      return;
    }
    const p = this.pending.get(key);
    if (p !== undefined && p.ctx.generation === ctx.generation) {
      this.pending.delete(key);
      this.answered++;
      const latency = (ctx.sec - p.ctx.sec) * 1e9 + (ctx.nsec - p.ctx.nsec);
      this.options.emit(this.record(p.ctx, true, p.query, msg, Math.max(0, latency), undefined));
      return;
    }
    this.responseOnly++;
    this.options.emit(this.record(ctx, false, msg, msg, -1, 'response_only'));
  }

  /** Emits the queries that waited longer than the timeout at packet time (sec, nsec). */
  advance(sec: number, nsec: number): void {
    // Nothing can be due before the oldest query's deadline (kept as seconds + nanoseconds).
    if (sec < this.nextDeadlineSec || (sec === this.nextDeadlineSec && nsec < this.nextDeadlineNsec)) return;
    this.nextDeadlineSec = Infinity;
    for (const [key, p] of this.pending) {
      const waited = (sec - p.ctx.sec) * 1e9 + (nsec - p.ctx.nsec);
      if (waited < this.options.timeoutNs) {
        // Insertion order is (nearly) time order: the first one not due sets the next check.
        this.setDeadline(p.ctx);
        return;
      }
      this.pending.delete(key);
      this.emitQueryOnly(p);
    }
  }

  private setDeadline(ctx: Readonly<DnsPacketContext>): void {
    const total = ctx.nsec + this.options.timeoutNs;
    const carry = Math.floor(total / 1e9);
    this.nextDeadlineSec = ctx.sec + carry;
    this.nextDeadlineNsec = total - carry * 1e9;
  }

  /** End of input: every query still waiting is emitted unanswered. */
  flush(): void {
    for (const p of this.pending.values()) this.emitQueryOnly(p);
    this.pending.clear();
  }

  private emitQueryOnly(p: Pending): void {
    this.unanswered++;
    this.options.emit(this.record(p.ctx, true, p.query, undefined, -1, 'query_only'));
  }

  /**
   * @param ctx the packet the record is timed and oriented by
   * @param clientIsSender whether ctx's sender is the client (the querier)
   */
  private record(ctx: Readonly<DnsPacketContext>, clientIsSender: boolean, query: DnsMessage,
    response: DnsMessage | undefined, durationNs: number, incomplete: DnsRecord['incomplete']): DnsRecord {
    const question = (response ?? query).questions[0] ?? query.questions[0];
    const answers: DnsAnswer[] = [];
    const resolvedIps: string[] = [];
    if (response !== undefined) {
      for (const rr of response.answers) {
        answers.push(answerOf(rr));
        if (rr.type === A || rr.type === AAAA) resolvedIps.push(rr.data);
      }
    }
    const flagsOf = response ?? query;
    return {
      kind: 'dns',
      observationPoint: ctx.observationPoint,
      sec: ctx.sec,
      nsec: ctx.nsec,
      tsDigits: ctx.tsDigits,
      durationNs,
      ipVersion: ctx.ipVersion,
      ipProto: ctx.ipProto,
      sourceIp: this.options.address(ctx, clientIsSender),
      sourcePort: clientIsSender ? ctx.senderPort : ctx.receiverPort,
      destinationIp: this.options.address(ctx, !clientIsSender),
      destinationPort: clientIsSender ? ctx.receiverPort : ctx.senderPort,
      communityId: this.options.communityId(ctx, clientIsSender),
      type: response !== undefined ? 'answer' : 'query',
      id: query.id,
      opCode: query.opcode,
      questionName: question?.name,
      questionType: question !== undefined ? dnsTypeName(question.type) : undefined,
      questionClass: question !== undefined ? dnsClassName(question.class) : undefined,
      responseCode: response !== undefined ? dnsRcodeName(response.extendedRcode) : undefined,
      headerFlags: dnsHeaderFlags(flagsOf),
      answers,
      resolvedIps,
      incomplete,
      transport: ctx.ipProto === 6 ? 'tcp' : 'udp',
    };
  }
}

function answerOf(rr: DnsResourceRecord): DnsAnswer {
  return { name: rr.name, type: dnsTypeName(rr.type), class: dnsClassName(rr.class), ttl: rr.ttl, data: rr.data };
}
