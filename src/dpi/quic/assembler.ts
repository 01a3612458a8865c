/**
 * One QUIC connection's client Initial packets → its TLS ClientHello.
 *
 * The ClientHello travels in CRYPTO frames of the client's Initial packets, protected with keys
 * derived from the DCID of its first Initial (RFC 9001 §5.2). Large ClientHellos (post-quantum
 * key shares, many extensions) span several Initial packets, and a client may split, reorder and
 * repeat CRYPTO frames on purpose (Chrome does) — so CRYPTO data is reassembled by offset across
 * frames and packets until the 4-byte handshake header (type 1, 24-bit length) and the body it
 * announces are all there.
 *
 * Keys. The client's later Initials carry the server's chosen connection ID as DCID but keep the
 * first Initial's keys; after a Retry (or a Version Negotiation that made it start over) the
 * client derives new keys from its new DCID and sends the ClientHello again from offset 0. So a
 * packet is tried with the key sets already in use, then with keys from its own DCID; a key set
 * that is new and authenticates restarts reassembly. The AEAD tag makes the trial safe: a wrong
 * key never yields data. An Initial that nothing opens is held (a copy) and tried again when new
 * keys start working: it may have overtaken the client's first Initial.
 *
 * Bounds: at most 64 KiB of crypto stream, MAX_RANGES separate pieces, MAX_KEY_SETS key sets and
 * MAX_PENDING held packets; `push` never throws — problems land in `error`.
 */
import { parseQuicLongHeaders } from './header.js';
import { cryptoFrames, parseQuicFrames } from './frames.js';
import { deriveInitialKeys, hasInitialKeys, type QuicInitialKeys } from './keys.js';
import { openLongHeaderPacket } from './protection.js';
import { copyOf, QuicParseError, toHex } from './reader.js';
import type { QuicFrame, QuicPacketInfo } from './types.js';
import { quicVersionName } from './version.js';

/** The most crypto stream bytes kept per connection. */
export const MAX_CRYPTO_BYTES = 64 * 1024;
/** The most disjoint pieces of crypto stream held at once (a flood of 1-byte frames stops here). */
export const MAX_RANGES = 256;
/** The most Initial key sets tried per connection (original, after Retry, after version negotiation, …). */
export const MAX_KEY_SETS = 4;
/** The most Initial packets, and bytes, held while no key set opens them (an Initial that overtook the first one). */
export const MAX_PENDING = 8;
export const MAX_PENDING_BYTES = 16 * 1024;

const HANDSHAKE_HEADER_LENGTH = 4;
const HANDSHAKE_CLIENT_HELLO = 1;

interface KeySet {
  dcidHex: string;
  version: number;
  keys: QuicInitialKeys;
  largestPn: number;
  /** Authenticated at least one packet. */
  used: boolean;
}

export class QuicInitialAssembler {
  /** The ClientHello handshake message body, without its 4-byte header, once complete. */
  clientHello: Uint8Array | undefined;
  /** Version of the client's Initial that completed (or last carried) the ClientHello. */
  version: number | undefined;
  /**
   * DCID of the client's first Initial — the one its keys come from — lowercase hex. Until some
   * Initial authenticates, the DCID of the first Initial pushed.
   */
  dcid: string | undefined;
  /** SCID of the client's first Initial, lowercase hex (may be ''). */
  scid: string | undefined;
  /** The DCID the keys that decrypted the ClientHello came from: `dcid`, or the client's DCID after a Retry. */
  keyDcid: string | undefined;
  /** The most recent problem (a malformed datagram, an Initial that did not authenticate, …). May be set even when `clientHello` is. */
  error: string | undefined;
  /** True once reassembly cannot succeed any more (e.g. the first handshake message is not a ClientHello). */
  failed = false;
  /** Client Initial packets pushed, and how many of them authenticated. */
  initialPackets = 0;
  decryptedPackets = 0;

  private keySets: KeySet[] = [];
  /** Initials no key set opened yet (copies, rebased to offset 0), newest last. */
  private pending: { packet: QuicPacketInfo; bytes: Uint8Array }[] = [];
  private pendingBytes = 0;
  /** New keys started working: try the pending Initials again. */
  private replay = false;
  private buffer = new Uint8Array(0);
  /** Received pieces of the crypto stream: sorted, disjoint, non-adjacent [start, end) pairs. */
  private ranges: [number, number][] = [];
  /** Handshake header + body length, once the header is in. */
  private want = -1;

  /** True when the ClientHello is complete. */
  get complete(): boolean {
    return this.clientHello !== undefined;
  }

  /**
   * Feeds one client→server UDP payload (`datagram[offset, offset + length)`). Returns true when
   * the ClientHello is complete (then further datagrams are ignored). Never throws.
   */
  push(datagram: Uint8Array, offset: number, length: number): boolean {
    if (this.clientHello !== undefined || this.failed) return this.clientHello !== undefined;
    try {
      this.pushDatagram(datagram, offset, length);
    } catch (e) {
      this.error = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    }
    return this.clientHello !== undefined;
  }

  private pushDatagram(datagram: Uint8Array, offset: number, length: number): void {
    let packets: QuicPacketInfo[];
    try {
      packets = parseQuicLongHeaders(datagram, offset, length);
    } catch (e) {
      if (!(e instanceof QuicParseError)) throw e;
      this.error = e.message;
      packets = e.packets; // the coalesced packets before the fault are still good
    }
    for (const p of packets) {
      if (p.packetType !== 'initial' || p.version === undefined || p.truncated) continue;
      this.initialPackets++;
      if (this.dcid === undefined) {
        // Provisional until a packet authenticates under keys from its own DCID (see accept).
        this.dcid = toHex(p.dcid);
        this.scid = toHex(p.scid);
        this.version = p.version;
      }
      if (!hasInitialKeys(p.version)) {
        this.error = `QUIC version ${quicVersionName(p.version)}: Initial keys unknown`;
        continue;
      }
      const payload = this.open(p, datagram);
      if (payload === null) {
        this.hold(p, datagram);
        continue;
      }
      this.take(payload);
      if (this.clientHello !== undefined || this.failed) return;
    }
    // Keys that just started working may open Initials that arrived before them.
    while (this.replay) {
      this.replay = false;
      const held = this.pending.splice(0);
      this.pendingBytes = 0;
      for (const h of held) {
        const payload = this.open(h.packet, h.bytes, false);
        if (payload === null) {
          this.pending.push(h);
          this.pendingBytes += h.bytes.length;
        } else {
          this.take(payload);
        }
        if (this.clientHello !== undefined || this.failed) return;
      }
    }
  }

  /** The CRYPTO frames of a decrypted Initial into the stream. */
  private take(payload: Uint8Array): void {
    this.decryptedPackets++;
    let frames: QuicFrame[];
    try {
      frames = parseQuicFrames(payload);
    } catch (e) {
      if (!(e instanceof QuicParseError)) throw e;
      this.error = `Initial frames: ${e.message}`;
      frames = e.frames; // the frames before the fault authenticated as well
    }
    for (const f of cryptoFrames(frames)) {
      this.insert(f.offset, f.data);
      if (this.clientHello !== undefined || this.failed) return;
    }
  }

  /** Keeps a copy of an Initial no key set opened (yet): it may precede the packet whose DCID gives its keys. */
  private hold(p: QuicPacketInfo, datagram: Uint8Array): void {
    if (p.end - p.offset > MAX_PENDING_BYTES) return;
    const bytes = copyOf(datagram, p.offset, p.end);
    const shift = (x: number): number => x - p.offset;
    this.pending.push({ packet: { ...p, offset: 0, pnOffset: shift(p.pnOffset), end: shift(p.end) }, bytes });
    this.pendingBytes += bytes.length;
    while (this.pending.length > MAX_PENDING || this.pendingBytes > MAX_PENDING_BYTES) {
      this.pendingBytes -= this.pending.shift()!.bytes.length;
    }
  }

  /**
   * Decrypts `p` with a key set in use, or (when `derive`) with keys from its own DCID; null when
   * nothing authenticates it.
   */
  private open(p: QuicPacketInfo, datagram: Uint8Array, derive = true): Uint8Array | null {
    const version = p.version!;
    for (const ks of this.keySets) {
      if (ks.version !== version) continue;
      const opened = openLongHeaderPacket(p, datagram, ks.keys, ks.largestPn);
      if (opened !== null) return this.accept(ks, p, opened.packetNumber, opened.payload);
    }
    const dcidHex = toHex(p.dcid);
    if (!derive || this.keySets.some((ks) => ks.version === version && ks.dcidHex === dcidHex)) {
      this.error = `Initial packet (DCID ${dcidHex}) did not authenticate`;
      return null;
    }
    const ks: KeySet = { dcidHex, version, keys: deriveInitialKeys(p.dcid, version, 'client'), largestPn: -1, used: false };
    this.keySets.unshift(ks);
    if (this.keySets.length > MAX_KEY_SETS) {
      // Evict the oldest key set that never worked (keys from some later packet's DCID), else the oldest.
      let victim = this.keySets.length - 1;
      while (victim > 0 && this.keySets[victim]!.used) victim--;
      this.keySets.splice(victim === 0 ? this.keySets.length - 1 : victim, 1);
    }
    const opened = openLongHeaderPacket(p, datagram, ks.keys, -1);
    if (opened === null) {
      this.error = `Initial packet (DCID ${dcidHex}) did not authenticate`;
      return null;
    }
    return this.accept(ks, p, opened.packetNumber, opened.payload);
  }

  private accept(ks: KeySet, p: QuicPacketInfo, packetNumber: number, payload: Uint8Array): Uint8Array {
    if (!ks.used) {
      // New keys that work: the first Initial, or a client that started over (Retry, version
      // negotiation) and resends its ClientHello from offset 0 under them.
      if (this.keySets.some((other) => other !== ks && other.used)) {
        this.resetStream();
      } else {
        // The first keys that work were derived from this packet's DCID: the original one.
        this.dcid = ks.dcidHex;
        this.scid = toHex(p.scid);
      }
      ks.used = true;
      this.keyDcid = ks.dcidHex;
      this.version = ks.version;
      this.replay = this.pending.length > 0;
    }
    if (packetNumber > ks.largestPn) ks.largestPn = packetNumber;
    return payload;
  }

  private resetStream(): void {
    this.buffer = new Uint8Array(0);
    this.ranges = [];
    this.want = -1;
  }

  /** Adds CRYPTO data at `offset`; bytes already held win over a retransmission that differs. */
  private insert(offset: number, data: Uint8Array): void {
    const start = offset;
    const end = Math.min(offset + data.length, MAX_CRYPTO_BYTES, this.want >= 0 ? this.want : MAX_CRYPTO_BYTES);
    if (start >= end) return;
    this.reserve(end);
    // Copy into the gaps between held ranges only, then merge [start, end) into the range list.
    let at = start;
    for (const [s, e] of this.ranges) {
      if (e <= at) continue;
      if (s >= end) break;
      if (s > at) this.buffer.set(data.subarray(at - offset, s - offset), at);
      at = Math.max(at, e);
      if (at >= end) break;
    }
    if (at < end) this.buffer.set(data.subarray(at - offset, end - offset), at);
    this.addRange(start, end);
    if (this.ranges.length > MAX_RANGES) {
      this.fail(`crypto stream in more than ${MAX_RANGES} pieces`);
      return;
    }
    this.check();
  }

  private addRange(start: number, end: number): void {
    const out: [number, number][] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.ranges) {
      if (r[1] < s) out.push(r);
      else if (r[0] > e) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push(r);
      } else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    if (!placed) out.push([s, e]);
    this.ranges = out;
  }

  private reserve(end: number): void {
    if (end <= this.buffer.length) return;
    let size = Math.max(this.buffer.length, 2048);
    while (size < end) size *= 2;
    const grown = new Uint8Array(Math.min(size, MAX_CRYPTO_BYTES));
    grown.set(this.buffer);
    this.buffer = grown;
  }

  /** Completes the ClientHello when the stream's contiguous prefix holds all of it. */
  private check(): void {
    const first = this.ranges[0];
    if (first === undefined || first[0] !== 0) return;
    const have = first[1];
    const b = this.buffer;
    if (this.want < 0 && have >= HANDSHAKE_HEADER_LENGTH) {
      if (b[0] !== HANDSHAKE_CLIENT_HELLO) {
        this.fail(`first handshake message has type ${b[0]}, not ClientHello (1)`);
        return;
      }
      const want = HANDSHAKE_HEADER_LENGTH + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
      if (want > MAX_CRYPTO_BYTES) {
        this.fail(`ClientHello of ${want - HANDSHAKE_HEADER_LENGTH} bytes exceeds the ${MAX_CRYPTO_BYTES}-byte bound`);
        return;
      }
      this.want = want;
    }
    if (this.want >= 0 && have >= this.want) {
      this.clientHello = copyOf(b, HANDSHAKE_HEADER_LENGTH, this.want);
      // Done: drop the reassembly state and keys.
      this.release();
    }
  }

  private fail(why: string): void {
    this.error = why;
    this.failed = true;
    this.release();
  }

  /** Done either way: drop reassembly state, keys and held packets. */
  private release(): void {
    this.resetStream();
    this.keySets = [];
    this.pending = [];
    this.pendingBytes = 0;
  }
}
