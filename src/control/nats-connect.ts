/**
 * A NATS connection from a URL with its credentials:
 *   nats://[user:password@]host:port[,host:port…][?creds=FILE|nkey=SEEDFILE|token=T&tls_ca=F&tls_cert=F&tls_key=F&name=N]
 * `creds` is a NATS creds file (JWT + nkey seed), `nkey` a file holding an nkey seed; `tls_*`
 * switch TLS on (server verification against tls_ca; client certificate for mutual TLS).
 * Reconnects forever: an agent outlives NATS outages.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { readSeed } from './identity.js';

const PARAMS = ['creds', 'nkey', 'token', 'tls_ca', 'tls_cert', 'tls_key', 'name'];

export function natsOptions(url: string, defaultName: string): NodeConnectionOptions {
  const m = /^nats:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^?/]+)\/?(?:\?(.*))?$/.exec(url);
  if (m === null) throw new Error(`'${url}': expected nats://[user:password@]host:port[,host:port…][?creds=FILE&…]`);
  const params = new URLSearchParams(m[4] ?? '');
  for (const key of params.keys()) {
    if (!PARAMS.includes(key)) throw new Error(`'${url}': unknown parameter '${key}' (known: ${PARAMS.join(', ')})`);
  }
  const options: NodeConnectionOptions = {
    servers: m[3]!.split(','),
    name: params.get('name') ?? defaultName,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (m[1] !== undefined && m[1] !== '') {
    options.user = decodeURIComponent(m[1]);
    options.pass = decodeURIComponent(m[2] ?? '');
  }
  const creds = params.get('creds');
  const nkey = params.get('nkey');
  const token = params.get('token');
  if (creds !== null) options.authenticator = credsAuthenticator(readFileSync(creds));
  else if (nkey !== null) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(readSeed(nkey)));
  if (token !== null) options.token = token;
  const ca = params.get('tls_ca');
  const cert = params.get('tls_cert');
  const key = params.get('tls_key');
  if (ca !== null || cert !== null || key !== null) {
    options.tls = { ...(ca !== null && { caFile: ca }), ...(cert !== null && { certFile: cert }), ...(key !== null && { keyFile: key }) };
  }
  return options;
}

export function connectNats(url: string, defaultName: string, overrides: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> {
  return connect({ ...natsOptions(url, defaultName), ...overrides });
}
