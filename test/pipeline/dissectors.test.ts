/**
 * How the pipeline hands packets to the dissectors: protocols found from the bytes on any port,
 * the flow's network.protocol, per-connection state tied to the flow (a slot reused by a new
 * connection starts afresh), and no state for connections no dissector wants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { ExportRecord, FlowRecord, HttpRecord, StatsRecord, TlsRecord } from '../../src/model/index.js';
import type { FlowConfig } from '../../src/flow/index.js';
import { ReplayPipeline } from '../../src/pipeline/index.js';
import { writePcap, type PcapRecord } from '../support/capture-writer.js';
import { MemorySink } from '../support/memory-sink.js';
import { clientHello, frame, records, serverHello, text, type Endpoints } from '../support/packets.js';

const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;
const T0 = 1_700_000_000;

/** A client and server pair of endpoints (IPv4 10.0.0.c → 10.0.0.s). */
function pair(sport: number, dport: number): { up: Endpoints; down: Endpoints } {
  return {
    up: { v6: false, src: 0x0a000001, dst: 0x0a000002, sport, dport },
    down: { v6: false, src: 0x0a000002, dst: 0x0a000001, sport: dport, dport: sport },
  };
}

/** A whole TCP conversation: handshake, then each [fromClient, bytes] in turn, then FIN both ways. */
function conversation(e: { up: Endpoints; down: Endpoints }, start: number, turns: [boolean, Uint8Array][], close = true): PcapRecord[] {
  let c = 1000, s = 9000, t = 0;
  const out: PcapRecord[] = [];
  const at = (data: Uint8Array): PcapRecord => ({ sec: start, frac: (t += 1000), data });
  out.push(at(frame(e.up, { tcp: { seq: c, ack: 0, flags: SYN } }, new Uint8Array(0))));
  out.push(at(frame(e.down, { tcp: { seq: s, ack: c + 1, flags: SYN | ACK } }, new Uint8Array(0))));
  c++; s++;
  for (const [fromClient, bytes] of turns) {
    if (fromClient) { out.push(at(frame(e.up, { tcp: { seq: c, ack: s, flags: PSH | ACK } }, bytes))); c += bytes.length; }
    else { out.push(at(frame(e.down, { tcp: { seq: s, ack: c, flags: PSH | ACK } }, bytes))); s += bytes.length; }
  }
  if (close) {
    out.push(at(frame(e.up, { tcp: { seq: c, ack: s, flags: FIN | ACK } }, new Uint8Array(0))));
    out.push(at(frame(e.down, { tcp: { seq: s, ack: c + 1, flags: FIN | ACK } }, new Uint8Array(0))));
  }
  return out;
}

async function replay(recs: PcapRecord[], flow: Partial<FlowConfig> = {}, maxSessions?: number): Promise<{ records: ExportRecord[]; stats: StatsRecord }> {
  const sink = new MemorySink();
  const pipeline = new ReplayPipeline({
    warn: () => {}, flow, stdin: Readable.from([writePcap({}, recs)]), ...(maxSessions !== undefined && { maxSessions }),
  });
  const result = await pipeline.run(['-'], [sink]);
  return { records: sink.records, stats: result.stats };
}

const of = <K extends ExportRecord['kind']>(rs: ExportRecord[], kind: K): Extract<ExportRecord, { kind: K }>[] =>
  rs.filter((r): r is Extract<ExportRecord, { kind: K }> => r.kind === kind);

test('HTTP is found from the request line on any port, and the flow says so', async () => {
  const { records } = await replay(conversation(pair(40000, 12345), T0, [
    [true, text('GET /x?y=1 HTTP/1.1\r\nHost: example.test:12345\r\nUser-Agent: t\r\n\r\n')],
    [false, text('HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello')],
  ]));
  const [h] = of(records, 'http') as HttpRecord[];
  assert.ok(h);
  assert.equal(h.method, 'GET');
  assert.equal(h.urlPath, '/x');
  assert.equal(h.urlQuery, 'y=1');
  assert.equal(h.urlDomain, 'example.test');
  assert.equal(h.urlPort, 12345);
  assert.equal(h.statusCode, 200);
  assert.equal(h.responseMimeType, 'text/plain');
  assert.equal(h.responseBodyBytes, 5);
  assert.equal(h.sourcePort, 40000);
  const [f] = of(records, 'flow') as FlowRecord[];
  assert.equal(f?.appProtocol, 'http');
  assert.equal(f?.communityId, h.communityId);
});

test('TLS on an odd port: one record per handshake, made once both sides are encrypted', async () => {
  const hello = records(22, clientHello('svc.example.test', ['h2'], [0x0304, 0x0303]), 100); // split over records
  const server = records(22, serverHello(0x0304, 'h2'), 1000);
  const appData = Uint8Array.from([23, 3, 3, 0, 4, 1, 2, 3, 4]);
  const { records: out, stats } = await replay(conversation(pair(40001, 8443), T0, [
    [true, hello], [false, server], [false, appData], [true, appData], [true, appData],
  ]));
  const tls = of(out, 'tls') as TlsRecord[];
  assert.equal(tls.length, 1);
  assert.equal(tls[0]!.serverName, 'svc.example.test');
  assert.equal(tls[0]!.version, '1.3');
  assert.equal(tls[0]!.nextProtocol, 'h2');
  assert.equal(tls[0]!.established, true);
  assert.match(tls[0]!.ja4 ?? '', /^t13d/);
  assert.equal((of(out, 'flow') as FlowRecord[])[0]?.appProtocol, 'tls');
  assert.equal(stats.counters['dpi_tls_handshakes'], 1);
});

test('a connection no dissector wants keeps no state and gets no protocol', async () => {
  const { records, stats } = await replay(conversation(pair(40002, 5432), T0, [
    [true, text('\x00\x00\x00\x08\x04\xd2\x16\x2f')], [false, text('N')],
  ]));
  assert.equal(stats.counters['dpi_tcp_connections'], 0);
  assert.equal((of(records, 'flow') as FlowRecord[])[0]?.appProtocol, undefined);
});

test('a flow slot reused by a new connection starts its dissector afresh', async () => {
  const e = pair(40003, 80);
  // The first connection sends a request and is never answered; the same 4-tuple comes back
  // after the idle timeout as a new connection (a new flow in the same table slot).
  const first = conversation(e, T0, [[true, text('GET /first HTTP/1.1\r\nHost: a\r\n\r\n')]], false);
  const second = conversation(e, T0 + 30, [
    [true, text('GET /second HTTP/1.1\r\nHost: a\r\n\r\n')],
    [false, text('HTTP/1.1 204 No Content\r\n\r\n')],
  ]);
  const { records } = await replay([...first, ...second], { idleTimeoutMs: 5000, initialCapacity: 1 });
  const http = of(records, 'http') as HttpRecord[];
  assert.deepEqual(http.map((h) => [h.urlOriginal, h.statusCode ?? null, h.incomplete ?? null]), [
    ['/first', null, 'no_response'],
    ['/second', 204, null],
  ]);
  assert.equal((of(records, 'flow') as FlowRecord[]).length, 2);
});

test('connections beyond the session limit are metered, not dissected, and counted', async () => {
  const request = text('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  const response = text('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  // Three keep-alive connections open at once (none closes before the end of the capture).
  const recs = [40010, 40011, 40012].flatMap((port, i) =>
    conversation(pair(port, 80), T0 + i, [[true, request], [false, response]], false));
  const { records, stats } = await replay(recs, {}, 2);
  assert.equal(of(records, 'http').length, 2);
  assert.equal(of(records, 'flow').length, 3);
  assert.equal(stats.counters['dpi_sessions_over_limit'], 1);
});

test('a TLS 1.2 handshake whose server echoes the session id is a resumption', async () => {
  const id = Array.from({ length: 32 }, (_, i) => i + 1);
  const appData = Uint8Array.from([23, 3, 3, 0, 4, 1, 2, 3, 4]);
  const ccs = Uint8Array.from([20, 3, 3, 0, 1, 1]);
  const handshake = (echo: number[]): PcapRecord[] => conversation(pair(40020 + echo.length, 443), T0, [
    [true, records(22, clientHello('r.example.test', [], [], id), 1000)],
    [false, records(22, serverHello(0x0303, undefined, echo), 1000)],
    [false, ccs], [false, appData], [true, ccs], [true, appData],
  ]);
  const resumed = of((await replay(handshake(id))).records, 'tls') as TlsRecord[];
  const fresh = of((await replay(handshake([]))).records, 'tls') as TlsRecord[];
  assert.deepEqual([resumed[0]?.resumed, resumed[0]?.established], [true, true]);
  assert.deepEqual([fresh[0]?.resumed, fresh[0]?.established], [false, true]);
});
