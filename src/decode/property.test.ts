/**
 * fast-check properties: decodePacket is total — on arbitrary bytes for every link type and on
 * random mutations of real corpus frames it never throws, returns a status in range, keeps every
 * field within its bounds and every offset within the captured frame, and leaves nothing behind
 * from the previous packet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DECODE_STATUS_COUNT, DecodeStatus, PacketView, TUNNEL_TYPE_NAMES } from '../model/index.js';
import { CORPUS_SKIP, corpusNames, corpusPcap } from '../../test/support/corpus.js';
import { readFrames } from '../../test/support/pcap-frames.js';
import { decodePacket, MAX_TUNNELS } from './index.js';

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 239, 160];
const NUM_RUNS = Number(process.env['WEFT_FC_RUNS'] ?? 3000);

function isU16(x: number): boolean { return Number.isInteger(x) && x >= 0 && x <= 0xffff; }
function isU8(x: number): boolean { return Number.isInteger(x) && x >= 0 && x <= 0xff; }
function isU32(x: number): boolean { return Number.isInteger(x) && x >= 0 && x <= 0xffffffff; }

/** Every invariant of a decoded view; returns the first one broken, or undefined. */
function broken(v: PacketView): string | undefined {
  const start = v.frameOffset;
  const end = Math.min(start + v.capturedLength, v.bytes.length);
  const inFrame = (off: number): boolean => off >= start && off <= end;
  if (!Number.isInteger(v.status) || v.status < 0 || v.status >= DECODE_STATUS_COUNT) return `status ${v.status}`;
  if (v.status === DecodeStatus.OK && v.ipVersion !== 4 && v.ipVersion !== 6) return 'OK without IP';
  if (v.ipVersion !== 0 && v.ipVersion !== 4 && v.ipVersion !== 6) return `ipVersion ${v.ipVersion}`;
  if (v.ipVersion !== 0 && !inFrame(v.ipOffset)) return `ipOffset ${v.ipOffset}`;
  if (v.ethOffset !== -1 && !(v.ethOffset >= start && v.ethOffset + 14 <= end)) return `ethOffset ${v.ethOffset}`;
  for (const k of ['src0', 'src1', 'src2', 'src3', 'dst0', 'dst1', 'dst2', 'dst3', 'outerSrc0', 'outerSrc1', 'outerSrc2',
    'outerSrc3', 'outerDst0', 'outerDst1', 'outerDst2', 'outerDst3', 'fragId', 'ipLength', 'tunnelId', 'mplsTopLabel'] as const) {
    if (!isU32(v[k])) return `${k} ${v[k]}`;
  }
  if (v.ipVersion === 4 && (v.src0 | v.src1 | v.src2 | v.dst0 | v.dst1 | v.dst2) !== 0) return 'IPv4 outside word 3';
  for (const k of ['srcPort', 'dstPort'] as const) if (!isU16(v[k])) return `${k} ${v[k]}`;
  for (const k of ['tcpFlags', 'icmpType', 'icmpCode', 'ipProto', 'outerIpProto', 'ttl'] as const) if (!isU8(v[k])) return `${k} ${v[k]}`;
  if (v.vlanOuter > 4095 || v.vlanInner > 4095 || v.vlanCount < 0) return 'vlan';
  if (v.vlanCount === 0 && (v.vlanOuter | v.vlanInner) !== 0) return 'vlan ids without tags';
  if (v.mplsTopLabel >= 1 << 20) return 'mpls label';
  if (!(v.fragOffset >= 0 && v.fragOffset <= 0xffff && v.fragOffset % 8 === 0)) return `fragOffset ${v.fragOffset}`;
  if (v.tunnelType < 0 || v.tunnelType >= TUNNEL_TYPE_NAMES.length) return `tunnelType ${v.tunnelType}`;
  if (v.tunnelDepth < 0 || v.tunnelDepth > MAX_TUNNELS) return `tunnelDepth ${v.tunnelDepth}`;
  if ((v.tunnelDepth === 0) !== (v.tunnelType === 0)) return 'tunnel type vs depth';
  if (v.ipVersion !== 0 || v.l4Offset !== 0) {
    if (v.l4Offset !== 0 && !inFrame(v.l4Offset)) return `l4Offset ${v.l4Offset}`;
  }
  if (v.payloadLength < 0) return `payloadLength ${v.payloadLength}`;
  if (v.payloadLength > 0 && !(inFrame(v.payloadOffset) && v.payloadOffset + v.payloadLength <= end)) {
    return `payload ${v.payloadOffset}+${v.payloadLength} beyond ${end}`;
  }
  return undefined;
}

/** The decode fields as a plain object, to compare two decodes of one frame. */
function snapshot(v: PacketView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'bytes') out[k] = x;
  return out;
}

// Prefixes that steer into each decoder, followed by random bytes.
const PREFIXES: [number, number[]][] = [
  [1, [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]],
  [1, [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]],
  [1, [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00]],
  [1, [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x47]],
  [1, [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x64, 0x11, 0, 0, 1, 0, 0x40, 0, 0x21]],
  [228, [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 47, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]], // GRE
  [228, [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 1, 0x12, 0xb5, 0, 0, 0, 0]], // VXLAN
  [228, [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 1, 0x17, 0xc1, 0, 0, 0, 0]], // Geneve
  [228, [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 4, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]], // IPIP
  [228, [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 41, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]], // 6in4
  [228, [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]], // TCP
  [229, [0x60, 0, 0, 0, 0, 0, 0, 64, ...new Array<number>(32).fill(1)]], // IPv6 hop-by-hop chain
  [229, [0x60, 0, 0, 0, 0, 0, 44, 64, ...new Array<number>(32).fill(1)]], // IPv6 fragment
  [229, [0x60, 0, 0, 0, 0, 0, 51, 64, ...new Array<number>(32).fill(1)]], // IPv6 AH
];

/** A frame: arbitrary bytes of any link type, or a plausible prefix steering into a deep decoder plus arbitrary bytes. */
const frameArb = fc.oneof(
  fc.tuple(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 160 })),
  fc.tuple(fc.constantFrom(...PREFIXES), fc.uint8Array({ maxLength: 200 })).map(([[linkType, prefix], tail]) => {
    const data = new Uint8Array(prefix.length + tail.length);
    data.set(prefix);
    data.set(tail, prefix.length);
    return [linkType, data] as [number, Uint8Array];
  }),
);

const view = new PacketView();
const fresh = new PacketView();

function decodeAt(v: PacketView, bytes: Uint8Array, offset: number, caplen: number, linkType: number): void {
  v.bytes = bytes;
  v.frameOffset = offset;
  v.capturedLength = caplen;
  v.wireLength = caplen;
  v.linkType = linkType;
  decodePacket(v);
}

test('total on arbitrary bytes for every link type, with and without plausible headers', () => {
  fc.assert(
    fc.property(
      frameArb,
      fc.nat({ max: 8 }),
      fc.nat({ max: 8 }),
      ([linkType, data], lead, extraCap) => {
        // Place the frame inside a bigger buffer, and sometimes claim more captured bytes than
        // the buffer holds: reads must stop at the buffer too.
        const buf = new Uint8Array(lead + data.length);
        buf.set(data, lead);
        decodeAt(view, buf, lead, data.length + (extraCap > 6 ? extraCap : 0), linkType);
        const why = broken(view);
        assert.equal(why, undefined, why);
      },
    ),
    { numRuns: NUM_RUNS },
  );
});

test('bytes outside [frameOffset, frameOffset + capturedLength) never change the result', () => {
  fc.assert(
    fc.property(
      frameArb,
      fc.nat({ max: 260 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      ([linkType, data], cut, around1, around2) => {
        const caplen = Math.min(cut, data.length);
        const place = (around: Uint8Array): Uint8Array => {
          const buf = new Uint8Array(32 + caplen + 32);
          buf.set(around.subarray(0, 32));
          buf.set(data.subarray(0, caplen), 32);
          buf.set(around.subarray(32), 32 + caplen);
          return buf;
        };
        decodeAt(view, place(around1), 32, caplen, linkType);
        decodeAt(fresh, place(around2), 32, caplen, linkType);
        assert.deepEqual(snapshot(view), snapshot(fresh));
      },
    ),
    { numRuns: NUM_RUNS },
  );
});

test('total on random mutations of real corpus frames, and no state leaks between packets', { skip: CORPUS_SKIP }, () => {
  const frames: { bytes: Uint8Array; linkType: number }[] = [];
  for (const name of corpusNames()) {
    let list;
    try { list = readFrames(corpusPcap(name)); } catch { continue; }
    // A few frames per file keep every encapsulation in the pool without flooding it with flow-*.
    for (const f of list.slice(0, 12)) frames.push({ bytes: f.bytes.slice(f.offset, f.offset + f.caplen), linkType: f.linkType });
  }
  assert.ok(frames.length > 500);
  const mutation = fc.record({
    index: fc.nat({ max: frames.length - 1 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    previous: fc.nat({ max: frames.length - 1 }),
  });
  fc.assert(
    fc.property(mutation, ({ index, flips, cut, previous }) => {
      const src = frames[index]!;
      const bytes = src.bytes.slice();
      for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
      const caplen = cut === undefined ? bytes.length : cut % (bytes.length + 1);
      // Decode another frame first into the shared view: the result must not depend on it.
      const prev = frames[previous]!;
      decodeAt(view, prev.bytes, 0, prev.bytes.length, prev.linkType);
      decodeAt(view, bytes, 0, caplen, src.linkType);
      const why = broken(view);
      assert.equal(why, undefined, why);
      decodeAt(fresh, bytes, 0, caplen, src.linkType);
      assert.deepEqual(snapshot(view), snapshot(fresh));
    }),
    { numRuns: NUM_RUNS },
  );
});
