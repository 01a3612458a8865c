/**
 * `http` records of a whole replay (dissectors on) against tshark's dissection, per TCP
 * connection: every capture whose truth has `http` fields (malformed-* left out: their truth is
 * for "does not crash", corpus README, Caveats).
 *
 * A connection is its 4-tuple: tshark's request frames give the client (ip_src/src_port), and a
 * record's source.ip/source.port is its client. tshark puts a PDU's fields on the frame that
 * completed it, so the truth is gathered per connection, in frame order, into transactions as
 * HTTP/1.x pairs them: each request opens one, each final response (1xx other than 101 are
 * interim) answers the oldest open one, a response with no open request stands alone (weft's
 * record then has method ''). Transaction i of the truth is compared with the connection's
 * record i: method, url.domain (tshark's host, its port split off into url.port), url.original
 * (tshark's uri), version, status code and interim codes, user agent.
 *
 * Any disagreement, and any record tshark has no transaction for, fails the test unless ALLOWED
 * lists it with its reason (the same cases, for the same reasons, as test/corpus/http-parser.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpRecord } from '../../src/model/index.js';
import { byEndpoints, frameKey, framesByStream, replayRecords, streamAllowList, type StreamEntry } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, truthFrames, type TruthFrame, type TruthHttp } from '../support/corpus.js';

/** One transaction as tshark shows it; undefined fields are not known (not compared). */
interface TruthTx {
  method: string;
  host?: string;
  hostKnown: boolean;
  uri?: string;
  version?: string;
  ua?: string;
  uaKnown: boolean;
  status?: number;
  interim: number[];
  /** Frames of the request and of the final response, for messages. */
  frames: number[];
}

/**
 * Disagreements accepted: capture, tshark tcp.stream (`*` = any) and the start of the
 * disagreement's description (`tx[i] <what>`, `record without a tshark transaction`, …).
 */
const ALLOWED: StreamEntry[] = [
  // The capture ends in the middle of a response body (e.g. linktype-raw.pcap frame 49: head of
  // the answer to /images/space23.jpg, then nothing). tshark, reassembling bodies, never completes
  // that PDU and shows no fields; weft reports the transaction with its status and
  // incomplete: 'response_truncated'. Matched on the record's `incomplete` (see `truncatedBody`).
  { file: '*', stream: '*', what: 'truncated response', reason: 'capture ends mid-body: tshark shows nothing until the body completes' },
  // http-methods.pcap (Zeek's test of odd request lines) sends request lines whose method is not
  // a token followed by a space: "OPTIONSHTTP/1.1", "GET/ HTTP/1.1", "GET/HTTP/1.1", and five
  // non-ASCII "methods". weft decides on the first bytes that such a connection is not HTTP (no
  // record); tshark, dissecting port 80 as HTTP regardless, still shows the server's 400 answer.
  ...[2, 7, 8, 10, 11, 12, 13, 14, 17, 18, 22, 23, 27, 28, 32, 33, 37, 38, 42, 43, 47, 48].map((stream) => ({
    file: 'http-methods.pcap', stream, what: 'tx[0] missing',
    reason: 'first request line is not "token SP": weft says not HTTP, tshark shows the 400 on port 80',
  })),
  // The dispatcher finds HTTP by the first bytes of a connection (looksLikeHttpRequest in
  // src/dpi/http/methods.ts), on any port: a method from the IANA registry followed by a space,
  // or another token when the whole first line ends in " HTTP/1.x" (so CCM_POST and UPnP's
  // SUBSCRIBE are found). The parser itself (which the parser test feeds directly) accepts any
  // token, so these agree there and are missing here: "OPTIONS\nHost: …" (no space after the
  // method, no version) and the like in http-methods.pcap; tshark dissects port 80 as HTTP
  // regardless.
  ...[3, 15, 16].map((stream) => ({
    file: 'http-methods.pcap', stream, what: 'tx[0] missing',
    reason: 'detection needs a method and a space, or a whole request line ending in HTTP/1.x: weft says not HTTP, tshark dissects port 80',
  })),
  // HTTP/0.9 simple requests ("GET /zeek.html\n", answered with the bare document): tshark 4.0
  // does not recognise a request line without "HTTP/" as HTTP at all; weft reports version 0.9.
  { file: 'http-09.pcap', stream: '*', what: 'record without a tshark transaction', reason: 'tshark 4.0 does not dissect HTTP/0.9 simple requests' },
  // The same in Zeek's IPv6 atomic-fragment test: "GET /bad.html\r\n" answered with a bare
  // document, over IPv6 with a fragment header / destination options / hop-by-hop / routing header.
  // (Its first connection, 36951, has the answer captured before the request — frames 7, 8 — so
  // weft, which waits for the client to speak first, reads nothing there.)
  { file: 'ipv6-atomic-frag-http.pcap', stream: '*', what: 'record without a tshark transaction', reason: 'tshark 4.0 does not dissect HTTP/0.9 simple requests' },
  // "GET /\r\n\r\n" answered with a bare HTML document (no status line): an HTTP/0.9 exchange,
  // version "0.9" for weft; tshark 4.0 has no HTTP/0.9 and shows the request with version "".
  { file: 'tunnel-mpls-vlan.pcap', stream: 2, what: 'tx[0] version', reason: 'HTTP/0.9: tshark 4.0 shows version ""' },
  // A response body whose hole was filled by retransmissions arriving out of order (frames 1357…
  // then 1435–1441): tshark 4.0 runs with tcp.reassemble_out_of_order off by default and never
  // completes that response (with the option on it reports it on frame 1441, as weft does).
  { file: 'flow-mixed.pcap', stream: 5, what: 'tx[24] status', reason: 'tshark 4.0: tcp.reassemble_out_of_order off' },
  { file: 'flow-mixed.pcap', stream: 6, what: 'tx[27] status', reason: 'tshark 4.0: tcp.reassemble_out_of_order off' },
  // A segment of the response to /photo/2010/0405/trv_detroit_134.jpg was never captured (tshark:
  // "ACKed unseen segment", frame 893 "previous segment not captured"): tshark drops that
  // response; weft's reassembly skips the hole and still reports it (incomplete: 'gap').
  { file: 'flow-web-espn.pcapng', stream: 3, what: 'tx[6] status', reason: 'lost segment: tshark drops the response, weft keeps it' },
];

/** A Host value split as RFC 9110 §7.2 reads it: host, then an optional ":port". */
function splitHost(host: string): { domain: string; port?: number } {
  const m = /^\[([^\]]*)\](?::(\d*))?$/.exec(host) ?? /^([^:]*)(?::(\d*))?$/.exec(host);
  if (m === null) return { domain: host }; // several colons and no brackets: not host:port
  const port = m[2] === undefined || m[2] === '' ? undefined : Number(m[2]);
  return port === undefined ? { domain: m[1]! } : { domain: m[1]!, port };
}

/** The authority of an absolute-form request target ("http://a.example:8080/x" → "a.example:8080"). */
function targetAuthority(uri: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri)?.[1];
}

function isInterim(code: number): boolean {
  return code >= 100 && code < 200 && code !== 101;
}

interface TruthConn {
  key: string;
  stream: number;
  txs: TruthTx[];
}

/** tshark's HTTP transactions per tcp.stream, keyed by client → server 4-tuple. */
function truthConnections(frames: TruthFrame[]): TruthConn[] {
  const out: TruthConn[] = [];
  for (const [stream, list] of framesByStream(frames, (f) => (f['http'] === undefined ? undefined : f.tcp_stream))) {
    // The client: the sender of requests; with only responses, their receiver.
    const req = list.find((f) => (f['http'] as TruthHttp).method !== undefined);
    const first = list[0]!;
    const key = req !== undefined ? frameKey(req, 'client') : frameKey(first, 'server');
    const clientPort = req?.src_port ?? first.dst_port;
    const txs: TruthTx[] = [];
    let interim: number[] = [];
    for (const f of list) {
      const h = f['http'] as TruthHttp;
      if (f.src_port === clientPort && h.method !== undefined) {
        // Lists are per frame; a field absent from some of the frame's requests makes its list
        // shorter and unalignable: that field is then not compared for this frame's requests.
        const n = h.method.length;
        const hosts = h.host ?? [];
        const uas = h.user_agent ?? [];
        for (let i = 0; i < n; i++) {
          txs.push({
            method: h.method[i]!,
            ...(h.uri?.length === n && { uri: h.uri[i] }),
            ...(h.version?.length === n && { version: h.version[i] }),
            ...(hosts.length === n && { host: hosts[i] }),
            hostKnown: hosts.length === n || hosts.length === 0,
            ...(uas.length === n && { ua: uas[i] }),
            uaKnown: uas.length === n || uas.length === 0,
            interim: [],
            frames: [f.frame],
          });
        }
      }
      if (f.src_port !== clientPort && h.response_code !== undefined) {
        for (const code of h.response_code) {
          if (isInterim(code)) { interim.push(code); continue; }
          const open = txs.find((t) => t.status === undefined && t.method !== '');
          if (open !== undefined) {
            open.status = code;
            open.interim = interim;
            open.frames.push(f.frame);
          } else {
            txs.push({ method: '', hostKnown: true, uaKnown: true, status: code, interim, frames: [f.frame] });
          }
          interim = [];
        }
      }
    }
    out.push({ key, stream, txs });
  }
  return out.sort((a, b) => a.stream - b.stream);
}

/**
 * Every capture but malformed-*: those with HTTP truth are compared, and none may have a record
 * tshark has no transaction for.
 */
function httpCaptures(): string[] {
  if (CORPUS_SKIP) return [];
  return corpusNames().filter((n) => !n.startsWith('malformed-'));
}

/** What differs between tshark's transaction and weft's record (empty: they agree). */
function compare(t: TruthTx, r: HttpRecord): string[] {
  const problems: string[] = [];
  const diff = (what: string, ours: unknown, theirs: unknown): void => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) problems.push(`${what}: weft ${JSON.stringify(ours)}, tshark ${JSON.stringify(theirs)}`);
  };
  diff('method', r.method, t.method);
  if (t.method !== '') {
    if (t.uri !== undefined) diff('url.original', r.urlOriginal, t.uri);
    if (t.version !== undefined) diff('version', r.version === '' ? '' : `HTTP/${r.version}`, t.version);
    if (t.hostKnown) {
      // url.domain is the Host header without its port, or the authority of an absolute-form target.
      const host = t.host ?? (t.uri === undefined ? undefined : targetAuthority(t.uri));
      const h = host === undefined ? undefined : splitHost(host);
      diff('url.domain', r.urlDomain, h?.domain);
      diff('url.port', r.urlPort, h?.port);
    }
    if (t.uaKnown) diff('user_agent', r.userAgent, t.ua);
  }
  diff('status', r.statusCode, t.status);
  diff('interim', r.interim, t.interim);
  return problems;
}

test('http records agree with tshark, connection by connection', { skip: CORPUS_SKIP }, async () => {
  const names = httpCaptures();
  const withTruth = names.filter((n) => truthFrames(n).some((f) => f['http'] !== undefined));
  assert.ok(withTruth.length >= 20, `only ${withTruth.length} captures with HTTP truth`);
  let transactions = 0;
  let agree = 0;
  const allow = streamAllowList(ALLOWED);
  for (const name of names) {
    // Connections that reuse a 4-tuple follow each other: their transactions and records both
    // come in order, so each connection takes the next records of its 4-tuple.
    const records = byEndpoints(await replayRecords(name, 'http'));
    const conns = truthConnections(truthFrames(name));
    for (const [c, conn] of conns.entries()) {
      const last = !conns.slice(c + 1).some((o) => o.key === conn.key);
      const mine = records.pending(conn.key);
      const note = (what: string, detail: string, record?: HttpRecord): void => {
        const key = `${name} tcp.stream ${conn.stream} (${conn.key})`;
        const label = record?.incomplete === 'response_truncated' && what.endsWith(' status') ? `truncated response (${what})` : what;
        allow.note(`${key}: ${label}`, detail, { file: name, stream: conn.stream, what: label });
      };
      let i = 0;
      for (; i < conn.txs.length; i++) {
        const t = conn.txs[i]!;
        transactions++;
        const r = mine[i];
        if (r === undefined) {
          note(`tx[${i}] missing`, `no record for tshark's ${JSON.stringify(t)}`);
          continue;
        }
        const problems = compare(t, r);
        if (problems.length === 0) { agree++; continue; }
        // One line per transaction, named after its first problem (the allow-list matches on it).
        const first = problems[0]!.slice(0, problems[0]!.indexOf(':'));
        note(`tx[${i}] ${first}`, `${problems.join('; ')} (tshark frames ${t.frames.join(', ')})`, r);
      }
      // Records past tshark's transactions on this connection.
      const more = last ? mine.slice(i) : [];
      for (const [j, r] of more.entries()) {
        note(r.incomplete === 'response_truncated' ? `truncated response (tx[${i + j}] extra)` : `tx[${i + j}] extra`,
          `${r.method} ${r.urlOriginal} → ${r.statusCode}`, r);
      }
      records.take(conn.key, i + more.length);
    }
    // Records on 4-tuples tshark found no HTTP on at all.
    for (const [key, list] of records.untaken()) {
      for (const r of list) {
        const what = 'record without a tshark transaction';
        allow.note(`${name} (${key}): ${what}: ${r.method} ${r.urlOriginal} ${r.version} → ${r.statusCode}`, undefined, { file: name, stream: -1, what });
      }
    }
  }
  process.stdout.write(`# http records: ${transactions} transactions in the truth, ${agree} agree, ${allow.summary()}\n`);
  for (const k of allow.known) process.stdout.write(`#   known: ${k}\n`);
  assert.deepEqual(allow.failures, []);
  assert.deepEqual(allow.stale(), [], 'allow-list entries that no longer occur');
  assert.ok(transactions > 300, `only ${transactions} HTTP transactions in the truth`);
});
