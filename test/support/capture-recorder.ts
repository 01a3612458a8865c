/**
 * A CaptureHandler for tests that keeps everything it is told: one owned object per packet
 * (fields copied out of the borrowed view, plus a checksum of the frame bytes), the
 * observation points, warnings, interface statistics and progress calls.
 */
import type { CaptureHandler } from '../../src/capture/source.js';
import type { ObservationPoint } from '../../src/model/observation-point.js';
import type { PacketView } from '../../src/model/packet-view.js';

export interface RecordedPacket {
  tsSec: number;
  tsNsec: number;
  tsDigits: number;
  capturedLength: number;
  wireLength: number;
  linkType: number;
  interfaceIndex: number;
  /** FNV-1a over the captured bytes: proves the frame bytes, not just the lengths. */
  hash: number;
}

export function fnv1a(bytes: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < off + len; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class CaptureRecorder implements CaptureHandler {
  readonly packets: RecordedPacket[] = [];
  readonly points: ObservationPoint[] = [];
  readonly warnings: string[] = [];
  readonly stats: { interfaceIndex: number; received: number | undefined; dropped: number | undefined }[] = [];
  readonly progressCalls: [number, number][] = [];
  /** Interface announced after one of its packets (a contract violation). */
  readonly lateInterfaces: number[] = [];

  packet(view: PacketView): void {
    if (!this.points.some((p) => p.index === view.interfaceIndex)) this.lateInterfaces.push(view.interfaceIndex);
    if (view.frameOffset + view.capturedLength > view.bytes.length) {
      throw new Error(`frame [${view.frameOffset}, +${view.capturedLength}) outside its buffer (${view.bytes.length})`);
    }
    this.packets.push({
      tsSec: view.tsSec, tsNsec: view.tsNsec, tsDigits: view.tsDigits,
      capturedLength: view.capturedLength, wireLength: view.wireLength,
      linkType: view.linkType, interfaceIndex: view.interfaceIndex,
      hash: fnv1a(view.bytes, view.frameOffset, view.capturedLength),
    });
  }

  interface(point: ObservationPoint): void {
    this.points.push(point);
  }

  warning(message: string): void {
    this.warnings.push(message);
  }

  progress(bytesRead: number, bytesTotal: number): void {
    this.progressCalls.push([bytesRead, bytesTotal]);
  }

  interfaceStats(interfaceIndex: number, received: number | undefined, dropped: number | undefined): void {
    this.stats.push({ interfaceIndex, received, dropped });
  }

  point(index: number): ObservationPoint {
    const p = this.points.find((x) => x.index === index);
    if (p === undefined) throw new Error(`no observation point ${index}`);
    return p;
  }
}

/** Nanoseconds since the epoch of a recorded packet (BigInt: tests only). */
export function tsNs(p: { tsSec: number; tsNsec: number }): bigint {
  return BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
}
