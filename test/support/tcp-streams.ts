/**
 * Test support: the TCP connections of a capture as two in-order byte streams each, put back
 * together by weft's own reassembly (src/dpi/tcp-reassembly.ts), with the frame that delivered
 * each piece — so dissector tests can compare with tshark's per-frame fields.
 */
import { readCaptureFile } from '../../src/capture/index.js';
import { formatIp } from '../../src/core/index.js';
import { decodePacket } from '../../src/decode/index.js';
import { ReassemblyBudget, TcpDirection, type StreamConsumer } from '../../src/dpi/tcp-reassembly.js';
import { DecodeStatus, type PacketView } from '../../src/model/index.js';

export interface TcpStreamSide {
  /** The in-order payload this side sent (holes left as zero bytes). */
  bytes: Uint8Array;
  /** Per delivered piece: the 1-based frame number and the stream offset where its data ends. */
  frames: { frame: number; end: number }[];
  gaps: number;
}

export interface TcpStream {
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  client: TcpStreamSide;
  server: TcpStreamSide;
}

class Collector implements StreamConsumer {
  private chunks: Uint8Array[] = [];
  private length = 0;
  frame = 0;
  readonly frames: { frame: number; end: number }[] = [];
  gaps = 0;
  data(bytes: Uint8Array, offset: number, length: number): void {
    this.chunks.push(bytes.slice(offset, offset + length));
    this.length += length;
    this.frames.push({ frame: this.frame, end: this.length });
  }
  gap(bytes: number): void {
    this.chunks.push(new Uint8Array(bytes));
    this.length += bytes;
    this.gaps++;
  }
  side(): TcpStreamSide {
    const bytes = new Uint8Array(this.length);
    let p = 0;
    for (const c of this.chunks) { bytes.set(c, p); p += c.length; }
    return { bytes, frames: this.frames, gaps: this.gaps };
  }
}

interface Conn {
  stream: TcpStream;
  dirs: [TcpDirection, TcpDirection];
  out: [Collector, Collector];
  clientKey: string;
}

function endpoint(v: PacketView, src: boolean): string {
  return src
    ? `${formatIp(v.ipVersion, v.src0, v.src1, v.src2, v.src3)}|${v.srcPort}`
    : `${formatIp(v.ipVersion, v.dst0, v.dst1, v.dst2, v.dst3)}|${v.dstPort}`;
}

/** Every TCP connection of the capture, in order of first packet. */
export async function tcpStreams(path: string): Promise<TcpStream[]> {
  const budget = new ReassemblyBudget();
  const open = new Map<string, Conn>();
  const all: Conn[] = [];
  let frame = 0;
  await readCaptureFile(path, {
    packet(view: PacketView) {
      frame++;
      if (decodePacket(view) !== DecodeStatus.OK || view.ipProto !== 6 || view.isFragment) return;
      const b = view.bytes;
      const l4 = view.l4Offset;
      if (l4 + 20 > b.length) return;
      const s = endpoint(view, true);
      const d = endpoint(view, false);
      const key = s < d ? `${view.interfaceIndex}|${s}|${d}` : `${view.interfaceIndex}|${d}|${s}`;
      const flags = view.tcpFlags;
      let c = open.get(key);
      const pureSyn = (flags & 0x12) === 0x02;
      if (c !== undefined && pureSyn && c.dirs[0].closed && s === c.clientKey) c = undefined; // port reuse
      if (c === undefined) {
        // Client: the SYN sender; the receiver of a SYN/ACK; else the first sender.
        const clientIsSrc = (flags & 0x12) !== 0x12;
        const [cIp, cPort] = (clientIsSrc ? s : d).split('|') as [string, string];
        const [sIp, sPort] = (clientIsSrc ? d : s).split('|') as [string, string];
        const out: [Collector, Collector] = [new Collector(), new Collector()];
        c = {
          stream: { clientIp: cIp, clientPort: Number(cPort), serverIp: sIp, serverPort: Number(sPort), client: out[0].side(), server: out[1].side() },
          dirs: [new TcpDirection(budget), new TcpDirection(budget)],
          out,
          clientKey: clientIsSrc ? s : d,
        };
        open.set(key, c);
        all.push(c);
      }
      const side = s === c.clientKey ? 0 : 1;
      const seq = ((b[l4 + 4]! << 24) | (b[l4 + 5]! << 16) | (b[l4 + 6]! << 8) | b[l4 + 7]!) >>> 0;
      c.out[side].frame = frame;
      c.dirs[side].segment(seq, flags, b, view.payloadOffset, view.payloadLength, c.out[side]);
    },
    interface() {},
    warning() {},
    progress() {},
    interfaceStats() {},
  });
  for (const c of all) {
    c.out[0].frame = frame;
    c.out[1].frame = frame;
    c.dirs[0].finish(c.out[0]);
    c.dirs[1].finish(c.out[1]);
    c.stream.client = c.out[0].side();
    c.stream.server = c.out[1].side();
  }
  return all.map((c) => c.stream);
}
