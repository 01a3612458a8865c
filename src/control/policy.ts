/**
 * Who may do what: identities (an nkey public key or a bearer token's SHA-256) mapped to roles,
 * roles mapped to verbs (`*` and `block.*` globs). Two roles always exist: `viewer` (every
 * read-only verb) and `admin` (everything). Anyone the policy does not name gets `default_role`
 * — `viewer` unless the policy says otherwise — so, by default, everyone but an admin only reads.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ControlError, ControlErrorCode, VERB_NAMES, VERBS, type Verb } from './protocol.js';

const PolicyFile = z.strictObject({
  default_role: z.string().min(1).default('viewer'),
  roles: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
  identities: z.array(z.strictObject({
    name: z.string().min(1).max(128),
    nkey: z.string().regex(/^U[A-Z2-7]{55}$/, 'an nkey user public key (U…, 56 characters)').optional(),
    token_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the hex SHA-256 of the token').optional(),
    role: z.string().min(1),
  }).refine((i) => (i.nkey === undefined) !== (i.token_sha256 === undefined), { message: 'an identity has exactly one of nkey, token_sha256' })).default([]),
});
export type PolicyFile = z.input<typeof PolicyFile>;

export interface Identity {
  readonly name: string;
  readonly role: string;
  readonly key?: string;
}

export const ANONYMOUS = 'anonymous';

const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = {
  viewer: VERB_NAMES.filter((v) => !VERBS[v].write),
  admin: ['*'],
};

function globMatch(pattern: string, verb: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return verb.startsWith(pattern.slice(0, -1));
  return pattern === verb;
}

export class Policy {
  private readonly roles: Map<string, readonly string[]>;
  private readonly byKey = new Map<string, Identity>();
  private readonly byToken = new Map<string, Identity>();
  readonly defaultRole: string;

  constructor(file: PolicyFile = {}, source = 'policy') {
    const parsed = PolicyFile.safeParse(file);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ControlError(ControlErrorCode.BAD_REQUEST, `${source}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    const p = parsed.data;
    this.roles = new Map(Object.entries({ ...p.roles, ...BUILTIN_ROLES }));
    const known = (role: string, where: string): void => {
      if (!this.roles.has(role)) throw new ControlError(ControlErrorCode.BAD_REQUEST, `${source}: ${where}: unknown role '${role}' (known: ${[...this.roles.keys()].join(', ')})`);
    };
    for (const [role, verbs] of Object.entries(p.roles)) {
      if (Object.hasOwn(BUILTIN_ROLES, role)) throw new ControlError(ControlErrorCode.BAD_REQUEST, `${source}: roles.${role}: '${role}' is built in and cannot be redefined`);
      for (const v of verbs) {
        if (!VERB_NAMES.some((verb) => globMatch(v, verb))) throw new ControlError(ControlErrorCode.BAD_REQUEST, `${source}: roles.${role}: '${v}' matches no verb`);
      }
    }
    known(p.default_role, 'default_role');
    this.defaultRole = p.default_role;
    p.identities.forEach((i, n) => {
      known(i.role, `identities.${n}.role`);
      if (i.nkey !== undefined) this.byKey.set(i.nkey, { name: i.name, role: i.role, key: i.nkey });
      if (i.token_sha256 !== undefined) this.byToken.set(i.token_sha256, { name: i.name, role: i.role });
    });
  }

  static load(path: string): Policy {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ControlError(ControlErrorCode.BAD_REQUEST, `${path}: ${(error as Error).message}`);
    }
    return new Policy(json as PolicyFile, path);
  }

  /** An admin key every policy knows (the agent's local admin seed). */
  addAdmin(name: string, key: string): void {
    this.byKey.set(key, { name, role: 'admin', key });
  }

  identify(key: string | undefined, tokenSha256?: string): Identity {
    if (key !== undefined) return this.byKey.get(key) ?? { name: `nkey:${key.slice(0, 8)}…`, role: this.defaultRole, key };
    if (tokenSha256 !== undefined) {
      const i = this.byToken.get(tokenSha256);
      if (i === undefined) throw new ControlError(ControlErrorCode.UNAUTHENTICATED, 'bearer token is not in the policy');
      return i;
    }
    return { name: ANONYMOUS, role: this.defaultRole };
  }

  allows(identity: Identity, verb: Verb): boolean {
    return (this.roles.get(identity.role) ?? []).some((p) => globMatch(p, verb));
  }
}
