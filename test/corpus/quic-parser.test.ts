/**
 * src/dpi/quic against tshark on every UDP/443 datagram of the corpus (quic-*, the malformed QUIC
 * captures, gQUIC in pcapng-many-if, …).
 *
 * Per frame, the lists tshark prints (truth `quic`): `version` and `packet_type` of every long
 * header, `dcid`/`scid` of every packet whose connection ID is non-empty. tshark 4.0 names the
 * packet type only for v1-layout versions (v2's is another field, `quic.long.packet_type_v2`, not
 * in the truth) and never for Version Negotiation, so neither do we here. A short header's DCID
 * has no length field: tshark prints it when it matches a connection ID it saw in a long header
 * of that connection, and so does this test (the parser takes the length as a parameter).
 *
 * Per connection, the ClientHello: the frame on which the assembler completes it must be the one
 * where tshark shows the decrypted ClientHello (truth `tls.handshake_type` 1 on a QUIC frame — the
 * Initial that completed the CRYPTO data), and the SNI read from it (by the small extractor below,
 * independent of src/dpi/tls) must equal tshark's `quic.sni`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCaptureFile } from '../../src/capture/index.js';
import { decodePacket } from '../../src/decode/index.js';
import { DecodeStatus, type PacketView } from '../../src/model/index.js';
import { parseQuicLongHeaders, QUIC_V2, QuicInitialAssembler, QuicParseError, toHex, type QuicPacketInfo } from '../../src/dpi/quic/index.js';
import { AllowList } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, corpusPcap, truthFrames, type TruthFrame, type TruthQuic, type TruthTls } from '../support/corpus.js';

const QUIC_PORT = 443;
const FIELDS = ['version', 'packet_type', 'dcid', 'scid'] as const;
type Field = (typeof FIELDS)[number];
type Lists = Record<Field, (number | string)[]>;

/**
 * Disagreements we expect, each with its reason: `file#frame field` (field is one of FIELDS,
 * `clienthello` or `sni`).
 */
const POINTER_WHY = 'an IPv6 jumbogram (hop-by-hop Jumbo Payload option, UDP length field 0) cut to 84 bytes: tshark 4.0 shows the payload as '
  + '`data`, weft\'s decoder accepts length 0 there (RFC 2675) and the 20 captured bytes are a well-formed long header '
  + 'of unknown version 0xb2a10200 (parsed, not decrypted)';
const VN_WHY = 'tshark 4.0 files this v1 Initial under the connection of frame 1 (same DCID 9d5728481287a3b4, greased '
  + 'version 0x1a2a3a4a, answered by Version Negotiation in frame 2) and does not decrypt it; the packet authenticates '
  + 'with the v1 Initial keys of that DCID (AES-GCM tag), so the ClientHello weft reads is the real one';
const ALLOWED = new Map<string, string>([
  ['malformed-quic-pointer.pcap#1 version', POINTER_WHY],
  ['malformed-quic-pointer.pcap#1 packet_type', POINTER_WHY],
  ['malformed-quic-pointer.pcap#1 dcid', POINTER_WHY],
  ['quic-vn.pcap#3 clienthello', VN_WHY],
  ['quic-vn.pcap#3 sni', VN_WHY],
]);

interface Datagram {
  frame: number;
  payload: Uint8Array;
  /** Conversation: the two endpoints, sorted. */
  conn: string;
  srcPort: number;
  dstPort: number;
  /** The sender is the endpoint that sent the conversation's first datagram (the client). */
  fromClient: boolean;
}

function endpoint(v: PacketView, src: boolean): string {
  const w = src ? [v.src0, v.src1, v.src2, v.src3] : [v.dst0, v.dst1, v.dst2, v.dst3];
  return `${w.join('.')}:${src ? v.srcPort : v.dstPort}`;
}

/** The UDP payloads to or from port 443, copied, with their 1-based frame numbers. */
async function quicDatagrams(path: string): Promise<Datagram[]> {
  const out: Datagram[] = [];
  const clients = new Map<string, string>();
  let frame = 0;
  await readCaptureFile(path, {
    packet(v: PacketView): void {
      frame++;
      if (decodePacket(v) !== DecodeStatus.OK || v.ipProto !== 17) return;
      if (v.srcPort !== QUIC_PORT && v.dstPort !== QUIC_PORT) return;
      if (v.payloadLength <= 0) return;
      const a = endpoint(v, true);
      const b = endpoint(v, false);
      const conn = a < b ? `${a} ${b}` : `${b} ${a}`;
      if (!clients.has(conn)) clients.set(conn, a);
      out.push({
        frame, conn, srcPort: v.srcPort, dstPort: v.dstPort, fromClient: clients.get(conn) === a,
        payload: v.bytes.slice(v.payloadOffset, v.payloadOffset + v.payloadLength),
      });
    },
    interface(): void {},
    warning(): void {},
  });
  return out;
}

/** The host_name of a ClientHello body's server_name extension (RFC 6066 §3), walked by hand. */
function sniOf(hello: Uint8Array): string | undefined {
  const u16 = (at: number): number => (hello[at]! << 8) | hello[at + 1]!;
  let p = 2 + 32; // legacy_version, random
  p += 1 + hello[p]!; // session_id
  p += 2 + u16(p); // cipher_suites
  p += 1 + hello[p]!; // compression_methods
  if (p + 2 > hello.length) return undefined;
  const extEnd = Math.min(hello.length, p + 2 + u16(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = u16(p);
    const len = u16(p + 2);
    p += 4;
    if (type === 0) {
      // ServerNameList: length (2), then entries of name_type (1), length (2), name.
      let q = p + 2;
      while (q + 3 <= p + len) {
        const nameLen = u16(q + 1);
        if (hello[q] === 0) return new TextDecoder().decode(hello.subarray(q + 3, q + 3 + nameLen));
        q += 3 + nameLen;
      }
      return undefined;
    }
    p += len;
  }
  return undefined;
}

/** The lists tshark would print for these packets; `cids` are the connection's known CIDs (hex). */
function tsharkLists(packets: readonly QuicPacketInfo[], payload: Uint8Array, cids: Set<string>): Lists {
  const out: Lists = { version: [], packet_type: [], dcid: [], scid: [] };
  for (const p of packets) {
    if (p.headerForm === 'short') {
      // The longest known CID the bytes after the first byte start with.
      let best = '';
      for (const cid of cids) {
        if (cid.length > best.length && toHex(payload.subarray(p.offset + 1, p.offset + 1 + cid.length / 2)) === cid) best = cid;
      }
      if (best !== '') {
        // The parser, told the length, must read the same bytes.
        const again = parseQuicLongHeaders(payload, p.offset, p.end - p.offset, best.length / 2);
        out.dcid.push(toHex(again[0]!.dcid));
      }
      continue;
    }
    out.version.push(p.version!);
    if (p.version !== 0 && p.version !== QUIC_V2) out.packet_type.push(p.typeBits);
    if (p.dcid.length > 0) out.dcid.push(toHex(p.dcid));
    if (p.scid.length > 0) out.scid.push(toHex(p.scid));
  }
  return out;
}

function truthLists(f: TruthFrame | undefined): Lists {
  const q = (f?.['quic'] ?? {}) as TruthQuic;
  return { version: q.version ?? [], packet_type: q.packet_type ?? [], dcid: q.dcid ?? [], scid: q.scid ?? [] };
}

/** True when tshark decrypted a ClientHello from this QUIC frame. */
function truthClientHello(f: TruthFrame | undefined): boolean {
  const tls = f?.['tls'] as TruthTls | undefined;
  return f?.protocols?.includes(':quic') === true && (tls?.handshake_type ?? []).includes(1);
}

function truthSni(f: TruthFrame | undefined): string | undefined {
  return ((f?.['quic'] as TruthQuic | undefined)?.sni ?? [])[0];
}

interface Tally {
  packets: number;
  agree: number;
  /** Disagreements: allowed (`known`) and not (`failures`). */
  allow: AllowList;
  clientHellos: number;
  sniAgree: number;
}

async function checkFile(name: string, t: Tally): Promise<void> {
  let datagrams: Datagram[];
  try {
    datagrams = await quicDatagrams(corpusPcap(name));
  } catch {
    return; // an unreadable capture is the capture reader's business (its own tests), not QUIC's
  }
  if (datagrams.length === 0) return;
  const truth = new Map(truthFrames(name).map((f) => [f.frame, f]));
  const cids = new Map<string, Set<string>>();
  const assemblers = new Map<string, QuicInitialAssembler>();
  for (const d of datagrams) {
    let packets: QuicPacketInfo[];
    try {
      packets = parseQuicLongHeaders(d.payload, 0, d.payload.length);
    } catch (e) {
      // Only QuicParseError may come out; what parsed before the fault still counts.
      assert.ok(e instanceof QuicParseError, `${name}#${d.frame}: ${String(e)}`);
      packets = e.packets;
    }
    t.packets += packets.length;
    const known = cids.get(d.conn) ?? new Set<string>();
    cids.set(d.conn, known);
    const ours = tsharkLists(packets, d.payload, known);
    // Like tshark (packet-quic.c), learn a connection's IDs from its Initial and Retry packets only.
    for (const p of packets) {
      if (p.packetType !== 'initial' && p.packetType !== 'retry') continue;
      if (p.dcid.length > 0) known.add(toHex(p.dcid));
      if (p.scid.length > 0) known.add(toHex(p.scid));
    }
    const f = truth.get(d.frame);
    const theirs = truthLists(f);
    for (const field of FIELDS) {
      if (ours[field].length === 0 && theirs[field].length === 0) continue;
      if (JSON.stringify(ours[field]) === JSON.stringify(theirs[field])) t.agree++;
      else t.allow.note(`${name}#${d.frame} ${field}`, `weft ${JSON.stringify(ours[field])}, tshark ${JSON.stringify(theirs[field])}`);
    }

    // ClientHello per connection, from the client's datagrams.
    let completed = false;
    if (d.fromClient) {
      const asm = assemblers.get(d.conn) ?? new QuicInitialAssembler();
      assemblers.set(d.conn, asm);
      const before = asm.complete;
      asm.push(d.payload, 0, d.payload.length);
      completed = !before && asm.complete;
    }
    const expected = truthClientHello(f);
    if (completed) t.clientHellos++;
    if (completed !== expected) {
      t.allow.note(`${name}#${d.frame} clienthello`, `weft ${completed ? 'completes' : 'does not complete'} a ClientHello here, tshark ${expected ? 'does' : 'does not'}`);
    }
    const sni = completed ? sniOf(assemblers.get(d.conn)!.clientHello!) : undefined;
    const tsni = truthSni(f);
    if (sni === tsni) {
      if (sni !== undefined) t.sniAgree++;
    } else {
      t.allow.note(`${name}#${d.frame} sni`, `weft ${JSON.stringify(sni)}, tshark ${JSON.stringify(tsni)}`);
    }
  }
}

test('QUIC headers and ClientHello SNI agree with tshark on the corpus', { skip: CORPUS_SKIP }, async () => {
  const t: Tally = { packets: 0, agree: 0, allow: new AllowList(ALLOWED), clientHellos: 0, sniAgree: 0 };
  for (const name of corpusNames()) await checkFile(name, t);
  console.log(`quic: ${t.packets} packets, ${t.agree} fields agree, ${t.allow.failures.length} disagree; `
    + `${t.clientHellos} ClientHellos, ${t.sniAgree} SNI agree`);
  for (const a of t.allow.known) console.log(`  allowed: ${a}`);
  assert.deepEqual(t.allow.failures, []);
  // Every allow-list entry is still needed (a fixed disagreement must leave the list).
  assert.deepEqual(t.allow.stale(), [], 'allow-list entries that no longer occur');
});

test('quic-retry: after a Retry the ClientHello is read with keys from the client\'s new DCID', { skip: CORPUS_SKIP }, async () => {
  // Frames 1–2: the first Initials (keys from DCID 69cd818b6dd3fbd7); 3–4: Retry packets; 5–6: the
  // client's Initials again, DCID = the first Retry's SCID, keys derived from it.
  const client = (await quicDatagrams(corpusPcap('quic-retry.pcap'))).filter((d) => d.fromClient);
  const afterRetry = new QuicInitialAssembler();
  for (const d of client.filter((x) => x.frame >= 5)) afterRetry.push(d.payload, 0, d.payload.length);
  assert.equal(afterRetry.complete, true, afterRetry.error);
  assert.equal(afterRetry.keyDcid, '434016c5110840091980a574c77f57b34fa08672');
  assert.equal(sniOf(afterRetry.clientHello!), 'www.gravatar.com');

  // Only the first half of the ClientHello before the Retry: the restart under new keys begins
  // the crypto stream again, and frame 6 completes it.
  const restarted = new QuicInitialAssembler();
  const done: number[] = [];
  for (const d of client.filter((x) => x.frame !== 2)) {
    if (!restarted.complete && restarted.push(d.payload, 0, d.payload.length)) done.push(d.frame);
  }
  assert.deepEqual(done, [6]);
  assert.equal(restarted.dcid, '69cd818b6dd3fbd7');
  assert.equal(restarted.keyDcid, '434016c5110840091980a574c77f57b34fa08672');
  assert.equal(sniOf(restarted.clientHello!), 'www.gravatar.com');
  assert.deepEqual(restarted.clientHello, afterRetry.clientHello);
});
