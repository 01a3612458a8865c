/**
 * `tls` records of a whole replay (dissectors on) against tshark's dissection, per TCP
 * connection: every capture whose truth has TLS on TCP (QUIC's TLS is quic-records.test.ts'
 * business), and no record may appear where tshark saw no TLS handshake (all captures but
 * malformed-*, whose truth is for "does not crash").
 *
 * A connection is its 4-tuple: the sender of tshark's ClientHello is the client (without one, the
 * receiver of the ServerHello), as a record's source.ip/source.port is. tshark puts a handshake
 * message's fields on the frame that completed it; per connection the last ClientHello (the one
 * after a HelloRetryRequest) and the last ServerHello are the hellos a record describes:
 *
 *   server_name, ja3, ja4, ALPN offered   ← ClientHello
 *   ja3s, ALPN chosen                     ← ServerHello
 *   version (negotiated)                  ← ServerHello supported_versions when present, else its
 *                                           legacy version (tshark's `version` is the hello's
 *                                           legacy field, corpus README); without a ServerHello
 *                                           the client's highest offer, as TlsRecord documents
 *
 * Any disagreement fails the test unless ALLOWED lists it with its reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TlsRecord } from '../../src/model/index.js';
import { AllowList, byEndpoints, frameKey, framesByStream, replayRecords } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, truthFrames, type TruthFrame, type TruthTls } from '../support/corpus.js';

/** Known, explained disagreements: `${capture} ${client port} ${field}` (`record` for a missing or extra record). */
const ALLOWED = new Map<string, string>([
  // A corrupted ClientHello: server_name declares 1 byte of data (a server_name_list needs at
  // least 2), and the extension after it claims 0xfffc of the 58 bytes left. tshark marks the
  // frame malformed and keeps what it read up to there (version, and a JA4 make_truth.py computed
  // from that prefix); weft's parser rejects the hello (counted in dpi_tls_malformed), and with
  // neither hello parsed there is nothing to make a record of. Same case as tls-parser.test.ts.
  ['malformed-tls.pcap 40327 record', 'corrupted ClientHello: tshark keeps a prefix, weft rejects the hello (no record)'],
  // TLS 1.3 draft 28 (0x7f1c, tls-13.pcap's first connection: client offers drafts 28/27/26,
  // server picks 28). ECS tls.version names releases ("1.3"); src/dpi/tls/names.ts has no name
  // for a draft, so weft leaves tls.version out, while tshark shows the draft number.
  ['tls-13.pcap 34152 version', 'TLS 1.3 draft 28 negotiated: no ECS version name, weft leaves tls.version out'],
]);

/** A wire version as ECS tls.version spells it (drafts as tshark names them, e.g. "draft-28"). */
function versionName(v: number): string {
  const names: Record<number, string> = { 0x0002: '2.0', 0x0300: '3.0', 0x0301: '1.0', 0x0302: '1.1', 0x0303: '1.2', 0x0304: '1.3' };
  if (names[v] !== undefined) return names[v];
  if ((v & 0xff00) === 0x7f00) return `draft-${v & 0xff}`;
  return `0x${v.toString(16).padStart(4, '0')}`;
}

function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

interface TruthConn {
  key: string;
  clientPort: number;
  stream: number;
  ch?: TruthTls;
  sh?: TruthTls;
  sslv2: boolean;
}

/** tshark's hellos per tcp.stream, keyed by client → server 4-tuple. */
function truthConnections(frames: TruthFrame[]): TruthConn[] {
  const out: TruthConn[] = [];
  for (const [stream, list] of framesByStream(frames, (f) => (f.l4 === 'tcp' && f['tls'] !== undefined ? f.tcp_stream : undefined))) {
    const types = (f: TruthFrame): number[] => (f['tls'] as TruthTls).handshake_type ?? [];
    const chFrames = list.filter((f) => types(f).includes(1));
    const first = chFrames[0];
    // SSL 2.0: CLIENT-HELLO is 1 as well, but SERVER-HELLO is 4 (and 2 is CLIENT-MASTER-KEY).
    const sslv2 = first !== undefined && ((first['tls'] as TruthTls).record_version ?? [])[0] === 2;
    const shType = sslv2 ? 4 : 2;
    const shFrames = list.filter((f) => types(f).includes(shType) && (first === undefined || f.src_port !== first.src_port));
    if (first === undefined && shFrames.length === 0) continue;
    const clientSide = first ?? shFrames[0]!;
    const fromClient = first !== undefined;
    out.push({
      key: frameKey(clientSide, fromClient ? 'client' : 'server'),
      clientPort: fromClient ? clientSide.src_port! : clientSide.dst_port!,
      stream,
      ...(chFrames.length > 0 && { ch: chFrames[chFrames.length - 1]!['tls'] as TruthTls }),
      ...(shFrames.length > 0 && { sh: shFrames[shFrames.length - 1]!['tls'] as TruthTls }),
      sslv2,
    });
  }
  return out.sort((a, b) => a.stream - b.stream);
}

/** The version the record should name: negotiated, or without a ServerHello the client's highest. */
function expectedVersion(c: TruthConn): string | undefined {
  if (c.sh !== undefined) {
    const v = c.sh.supported_versions?.[0] ?? c.sh.version?.[0];
    return v === undefined ? undefined : versionName(v);
  }
  if (c.ch === undefined) return undefined;
  let v = c.ch.version?.[0] ?? 0;
  for (const s of c.ch.supported_versions ?? []) if (!isGrease(s) && s > v && s <= 0x0304) v = s;
  return versionName(v);
}

/** What differs between tshark's connection and weft's record, by field name. */
function compare(c: TruthConn, r: TlsRecord): [string, string][] {
  const out: [string, string][] = [];
  const diff = (field: string, ours: unknown, theirs: unknown): void => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) out.push([field, `weft ${JSON.stringify(ours)}, tshark ${JSON.stringify(theirs)}`]);
  };
  const ch = c.ch;
  const sh = c.sh;
  diff('server_name', r.serverName, ch?.sni?.[0]);
  diff('ja3', r.ja3, ch?.ja3?.[0]);
  diff('ja4', r.ja4, ch?.ja4?.[0]);
  diff('alpn_offered', r.offeredAlpn, ch?.alpn ?? []);
  // weft does not read SSL 2.0 server messages: only the version comes from tshark's SERVER-HELLO.
  if (!c.sslv2) {
    diff('ja3s', r.ja3s, sh?.ja3s?.[0]);
    diff('alpn_chosen', r.nextProtocol, sh?.alpn?.[0]);
  }
  diff('version', r.version, expectedVersion(c));
  diff('sslv2', r.sslv2ClientHello, c.sslv2);
  return out;
}

function hasTcpTls(name: string): boolean {
  return truthFrames(name).some((f) => f.l4 === 'tcp' && f['tls'] !== undefined);
}

test('tls records agree with tshark, connection by connection', { skip: CORPUS_SKIP }, async () => {
  const names = corpusNames().filter((n) => !n.startsWith('malformed-') || hasTcpTls(n));
  assert.ok(names.filter(hasTcpTls).length >= 11, 'too few captures with TLS truth');
  let connections = 0;
  let agree = 0;
  const allow = new AllowList(ALLOWED);
  for (const name of names) {
    const records = byEndpoints(await replayRecords(name, 'tls'));
    for (const c of truthConnections(truthFrames(name))) {
      connections++;
      const r = records.next(c.key);
      if (r === undefined) {
        allow.note(`${name} ${c.clientPort} record`, `no record for tcp.stream ${c.stream} (${c.key})`);
        continue;
      }
      const problems = compare(c, r);
      if (problems.length === 0) { agree++; continue; }
      for (const [field, detail] of problems) allow.note(`${name} ${c.clientPort} ${field}`, `tcp.stream ${c.stream} (${c.key}): ${detail}`);
    }
    // Nothing invented: every record is a handshake tshark saw.
    for (const [key, list] of records.untaken()) {
      for (const r of list) {
        allow.note(`${name} ${r.sourcePort} record`, `record without a tshark handshake (${key}): ${r.serverName ?? ''} ${r.version ?? ''}`);
      }
    }
  }
  process.stdout.write(`# tls records: ${connections} connections in the truth, ${agree} agree, ${allow.summary()}\n`);
  for (const k of allow.known) process.stdout.write(`#   known: ${k}\n`);
  assert.deepEqual(allow.failures, []);
  assert.deepEqual(allow.stale(), [], 'allow-list entries that no longer occur');
});
