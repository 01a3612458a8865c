/** Small helpers for decoder tests: decode a byte array into a fresh PacketView, format its addresses. */
import { formatIp } from '../../src/core/index.js';
import { decodePacket } from '../../src/decode/index.js';
import { DECODE_STATUS_NAMES, PacketView } from '../../src/model/index.js';

/** Decodes `bytes` (or its first `caplen` bytes) as a frame of `linkType`, placed at an offset to catch absolute-offset bugs. */
export function decodeBytes(bytes: Uint8Array, linkType = 1, caplen = bytes.length, view = new PacketView()): PacketView {
  const pad = 7;
  const buf = new Uint8Array(pad + bytes.length + 5).fill(0xee);
  buf.set(bytes, pad);
  view.bytes = buf;
  view.frameOffset = pad;
  view.capturedLength = caplen;
  view.wireLength = bytes.length;
  view.linkType = linkType;
  decodePacket(view);
  return view;
}

export function statusName(v: PacketView): string {
  return DECODE_STATUS_NAMES[v.status] as string;
}

export function src(v: PacketView): string {
  return formatIp(v.ipVersion, v.src0, v.src1, v.src2, v.src3);
}
export function dst(v: PacketView): string {
  return formatIp(v.ipVersion, v.dst0, v.dst1, v.dst2, v.dst3);
}
export function outerSrc(v: PacketView): string {
  return formatIp(v.outerIpVersion, v.outerSrc0, v.outerSrc1, v.outerSrc2, v.outerSrc3);
}
export function outerDst(v: PacketView): string {
  return formatIp(v.outerIpVersion, v.outerDst0, v.outerDst1, v.outerDst2, v.outerDst3);
}

/** The 5-tuple and status as one line, for compact assertions. */
export function flowLine(v: PacketView): string {
  return `${statusName(v)} v${v.ipVersion} ${src(v)}:${v.srcPort} > ${dst(v)}:${v.dstPort} proto ${v.ipProto}`;
}
