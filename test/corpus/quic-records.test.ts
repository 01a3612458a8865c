/**
 * `quic` records of a whole replay (dissectors on) against tshark's dissection, per UDP flow whose
 * client sent long-header (Initial) packets: every capture whose truth has `quic`, and no record
 * may appear where tshark saw no QUIC (all captures but malformed-* are checked for that).
 *
 * The client is the sender of the flow's first long-header packet (a client speaks first); a
 * record's source.ip/source.port is its client. tshark decrypts the client's Initials (keys from
 * the DCID) and shows the ClientHello's fields on the Initial that completed the CRYPTO data
 * (corpus README, Caveats): `quic.sni`, and `tls.alpn` / `tls.ja4` on that same frame. Compared:
 *
 *   version      ← the version of that Initial; without a decrypted ClientHello, of the client's
 *                  last long header (the version it settled on, e.g. after Version Negotiation)
 *   server_name  ← quic.sni           alpn ← tls.alpn           ja4 ← tls.ja4 (q…, QUIC JA4)
 *   retry, version_negotiation ← the server sent a Retry (long header type 3) / a Version
 *                  Negotiation packet (version 0) in that flow
 *
 * Any disagreement fails the test unless ALLOWED lists it with its reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllowList, byEndpoints, frameKey, framesByStream, replayRecords } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, truthFrames, type TruthFrame, type TruthQuic, type TruthTls } from '../support/corpus.js';

/**
 * Known, explained disagreements: `${capture} ${client port} ${field}` (`record` for a missing or
 * extra record).
 */
const ALLOWED = new Map<string, string>([
  // tcpdump's quic_handshake_truncated.pcap: captured with a 256-byte snaplen, every client
  // Initial (1252 bytes on the wire) is cut. Neither tshark nor weft can authenticate them, so
  // there is no ClientHello on either side; tshark still lists the long headers (version 1),
  // weft's assembler skips truncated packets and its session, having no Initial it could read,
  // makes no record (the flow is tagged quic and counted in dpi_quic_connections).
  ['malformed-quic-truncated.pcap 65165 record', 'snaplen 256 cut every client Initial: no ClientHello anywhere, weft makes no record'],
  // quic-vn.pcap: the client's first Initial has the greased version 0x1a2a3a4a, the server
  // answers with Version Negotiation (frame 2) and the client starts again in v1 on the same
  // 4-tuple and DCID (frame 3). tshark 4.0 files that v1 Initial under the connection of frame 1
  // and does not decrypt it; it authenticates with the v1 Initial keys of that DCID, so the
  // ClientHello weft reads there (SNI "localhost", ALPN h3) is the real one. Same case as
  // quic-parser.test.ts (VN_WHY).
  ['quic-vn.pcap 57406 server_name', 'tshark 4.0 does not decrypt the v1 Initial that follows Version Negotiation'],
  ['quic-vn.pcap 57406 alpn', 'tshark 4.0 does not decrypt the v1 Initial that follows Version Negotiation'],
]);

/** A QUIC version as weft's quic.version spells it: "1", "2", "draft-29", else hex. */
function versionName(v: number): string {
  if (v === 1) return '1';
  if (v === 0x6b3343cf) return '2';
  if (v === 0xff00001d) return 'draft-29';
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

interface TruthFlow {
  key: string;
  clientPort: number;
  stream: number;
  version?: number;
  sni?: string;
  alpn: string[];
  ja4?: string;
  /** tshark decrypted the ClientHello (frame number), or 0. */
  helloFrame: number;
  /** The server sent a Retry (long header type 3), a Version Negotiation (version 0). */
  retry: boolean;
  versionNegotiation: boolean;
}

/** The flows (udp.stream) in which the client sent QUIC long headers, keyed client → server. */
function truthFlows(frames: TruthFrame[]): TruthFlow[] {
  const out: TruthFlow[] = [];
  for (const [stream, list] of framesByStream(frames, (f) => (f.l4 === 'udp' ? f.udp_stream : undefined))) {
    const versions = (f: TruthFrame): number[] => (f['quic'] as TruthQuic | undefined)?.version ?? [];
    const first = list.find((f) => versions(f).length > 0);
    if (first === undefined) continue;
    const fromClient = list.filter((f) => f.src_port === first.src_port && f.ip_src === first.ip_src && versions(f).length > 0);
    const hello = fromClient.find((f) => ((f['tls'] as TruthTls | undefined)?.handshake_type ?? []).includes(1));
    const tls = hello?.['tls'] as TruthTls | undefined;
    const lastVersions = versions(hello ?? fromClient[fromClient.length - 1]!);
    const sni = (hello?.['quic'] as TruthQuic | undefined)?.sni?.[0];
    const fromServer = list.filter((f) => !(f.src_port === first.src_port && f.ip_src === first.ip_src));
    const quicOf = (f: TruthFrame): TruthQuic => (f['quic'] ?? {}) as TruthQuic;
    out.push({
      key: frameKey(first, 'client'),
      clientPort: first.src_port!,
      stream,
      ...(lastVersions.length > 0 && { version: hello !== undefined ? lastVersions[0]! : lastVersions[lastVersions.length - 1]! }),
      ...(sni !== undefined && { sni }),
      alpn: tls?.alpn ?? [],
      ...(tls?.ja4?.[0] !== undefined && { ja4: tls.ja4[0] }),
      helloFrame: hello?.frame ?? 0,
      // tshark names the packet type only for v1-layout versions, and gives none to Version Negotiation.
      retry: fromServer.some((f) => (quicOf(f).packet_type ?? []).includes(3)),
      versionNegotiation: fromServer.some((f) => (quicOf(f).version ?? []).includes(0)),
    });
  }
  return out.sort((a, b) => a.stream - b.stream);
}

function hasQuic(name: string): boolean {
  return truthFrames(name).some((f) => f['quic'] !== undefined);
}

test('quic records agree with tshark, flow by flow', { skip: CORPUS_SKIP }, async () => {
  const names = corpusNames().filter((n) => !n.startsWith('malformed-') || hasQuic(n));
  assert.ok(names.filter(hasQuic).length >= 7, 'too few captures with QUIC truth');
  let flows = 0;
  let agree = 0;
  let hellos = 0;
  let ja4Checked = 0;
  const allow = new AllowList(ALLOWED);
  for (const name of names) {
    const records = byEndpoints(await replayRecords(name, 'quic'));
    for (const t of truthFlows(truthFrames(name))) {
      flows++;
      if (t.helloFrame !== 0) hellos++;
      const r = records.next(t.key);
      const where = `udp.stream ${t.stream} (${t.key})`;
      if (r === undefined) {
        allow.note(`${name} ${t.clientPort} record`, `no record for ${where}; tshark: ${JSON.stringify(t)}`);
        continue;
      }
      const problems: [string, string][] = [];
      const diff = (field: string, ours: unknown, theirs: unknown): void => {
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) problems.push([field, `weft ${JSON.stringify(ours)}, tshark ${JSON.stringify(theirs)}`]);
      };
      diff('version', r.version, t.version === undefined ? undefined : versionName(t.version));
      diff('server_name', r.serverName, t.sni);
      diff('alpn', r.offeredAlpn, t.alpn);
      // JA4 where the truth has it (make_truth.py computes it from the decrypted ClientHello).
      if (t.ja4 !== undefined || t.helloFrame !== 0) {
        ja4Checked++;
        diff('ja4', r.ja4, t.ja4);
      }
      diff('retry', r.retry, t.retry);
      diff('version_negotiation', r.versionNegotiation, t.versionNegotiation);
      if (problems.length === 0) { agree++; continue; }
      for (const [field, detail] of problems) allow.note(`${name} ${t.clientPort} ${field}`, `${where}: ${detail}`);
    }
    // Nothing invented: every record is a flow where tshark saw the client's QUIC long headers.
    for (const [key, list] of records.untaken()) {
      for (const r of list) {
        allow.note(`${name} ${r.sourcePort} record`, `record without tshark QUIC (${key}): version ${r.version} ${r.serverName ?? ''}`);
      }
    }
  }
  process.stdout.write(`# quic records: ${flows} flows in the truth (${hellos} with a decrypted ClientHello, ${ja4Checked} JA4 checked), `
    + `${agree} agree, ${allow.summary()}\n`);
  for (const k of allow.known) process.stdout.write(`#   known: ${k}\n`);
  assert.deepEqual(allow.failures, []);
  assert.deepEqual(allow.stale(), [], 'allow-list entries that no longer occur');
  assert.ok(hellos >= 15, `only ${hellos} decrypted ClientHellos in the QUIC truth`);
});
