/**
 * One command, whatever carried it (NATS or HTTP): authenticate (signature or token), authorize
 * (policy), validate (schema), run, reply, audit. Every request — malformed, unauthorized, failed
 * or done — becomes one audit record. A reply is JSON: `{ok, node, result}` or
 * `{ok: false, node, error: {code, message}}`.
 */
import { ControlError, ControlErrorCode, isVerb, parseRequest, type ControlReply, type Verb } from './protocol.js';
import { SignatureVerifier, tokenDigest } from './identity.js';
import { ANONYMOUS, type Identity, type Policy } from './policy.js';
import type { AuditRecord } from '../model/index.js';

/** Audit records keep at most this much of a request. */
const MAX_AUDIT_REQUEST = 4096;
/** A request body larger than this is refused before parsing. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface CommandContext {
  readonly identity: Identity;
  readonly transport: 'nats' | 'http';
}

/** Runs a validated request; returns the result and, for changes, a short summary for the audit. */
export type VerbHandler = (verb: Verb, request: unknown, context: CommandContext) => Promise<{ result: unknown; summary?: string }>;

export interface IncomingCommand {
  readonly transport: 'nats' | 'http';
  /** The node (or `all`) the command was addressed to. */
  readonly target: string;
  readonly verb: string;
  readonly body: Uint8Array;
  readonly header: (name: string) => string | undefined;
}

export class ControlServer {
  readonly node: string;
  private readonly policy: Policy;
  private readonly handler: VerbHandler;
  private readonly audit: (record: AuditRecord) => void;
  private readonly verifier = new SignatureVerifier();

  constructor(node: string, policy: Policy, handler: VerbHandler, audit: (record: AuditRecord) => void) {
    this.node = node;
    this.policy = policy;
    this.handler = handler;
    this.audit = audit;
  }

  async handle(command: IncomingCommand): Promise<ControlReply> {
    const t0 = process.hrtime.bigint();
    const started = Date.now();
    let identity: Identity = { name: ANONYMOUS, role: this.policy.defaultRole };
    let reply: ControlReply;
    let summary: string | undefined;
    try {
      identity = this.authenticate(command);
      if (command.body.length > MAX_REQUEST_BYTES) {
        throw new ControlError(ControlErrorCode.BAD_REQUEST, `${command.verb}: request of ${command.body.length} bytes (at most ${MAX_REQUEST_BYTES})`);
      }
      if (!isVerb(command.verb)) throw new ControlError(ControlErrorCode.UNKNOWN_VERB, `unknown verb '${command.verb}'`);
      const verb = command.verb;
      if (!this.policy.allows(identity, verb)) {
        throw new ControlError(ControlErrorCode.FORBIDDEN, `${verb}: ${identity.name} (role ${identity.role}) may not do this`);
      }
      const request = parseRequest(verb, parseBody(command));
      const done = await this.handler(verb, request, { identity, transport: command.transport });
      summary = done.summary;
      reply = { ok: true, node: this.node, result: done.result };
    } catch (error) {
      const e = error instanceof ControlError ? error : new ControlError(ControlErrorCode.INTERNAL, (error as Error).message);
      reply = { ok: false, node: this.node, error: { code: e.code, message: e.message } };
    }
    const requestText = Buffer.from(command.body).toString('utf8');
    this.audit({
      kind: 'audit', sec: Math.floor(started / 1000), nsec: (started % 1000) * 1e6, node: this.node,
      transport: command.transport, verb: command.verb, target: command.target,
      identity: identity.name, ...(identity.key !== undefined && { identityKey: identity.key }), role: identity.role,
      request: requestText.length > MAX_AUDIT_REQUEST ? `${requestText.slice(0, MAX_AUDIT_REQUEST)}…` : requestText,
      outcome: reply.ok ? 'success' : 'failure',
      ...(!reply.ok && { errorCode: reply.error.code, errorMessage: reply.error.message }),
      durationNs: Number(process.hrtime.bigint() - t0),
      ...(summary !== undefined && { summary }),
    });
    return reply;
  }

  private authenticate(command: IncomingCommand): Identity {
    const key = this.verifier.verify(command.header, command.target, command.verb, command.body);
    if (key !== undefined) return this.policy.identify(key);
    const auth = command.header('authorization');
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (m === null) throw new ControlError(ControlErrorCode.UNAUTHENTICATED, 'Authorization: expected "Bearer TOKEN"');
      return this.policy.identify(undefined, tokenDigest(m[1]!));
    }
    return this.policy.identify(undefined);
  }
}

function parseBody(command: IncomingCommand): unknown {
  if (command.body.length === 0) return {};
  const text = Buffer.from(command.body).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ControlError(ControlErrorCode.BAD_REQUEST, `${command.verb}: request is not JSON: ${(error as Error).message}`);
  }
}
