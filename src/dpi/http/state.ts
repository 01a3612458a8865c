/**
 * The parser's per-connection state: where each direction is in its current message (`Side`)
 * and the transactions being assembled (`Rec`). Plain data; the logic is in parser.ts.
 */
import { FIELD_COUNT } from './fields.js';
import { LineBuf } from './line.js';
import type { HttpTransaction } from './types.js';

/** Where a side is in its current message. */
export const St = {
  START: 0, // before a start line: blank lines skipped, the first bytes checked
  START_LINE: 1, // rest of the request line / status line
  HEAD: 2, // field lines up to the blank line
  BODY: 3, // Content-Length body: `remaining` bytes
  CHUNK_SIZE: 4,
  CHUNK_DATA: 5,
  CHUNK_END: 6, // the CRLF after chunk data
  TRAILERS: 7,
  UNTIL_CLOSE: 8, // response body delimited by the connection's end (also HTTP/0.9)
  HOLD: 9, // client after CONNECT / Upgrade, until the answer says tunnel or not
  STOPPED: 10,
} as const;
export type St = (typeof St)[keyof typeof St];

/** A transaction being assembled. */
export interface Rec {
  t: HttpTransaction;
  reqDone: boolean;
  /** A response (interim or final) began. */
  resStarted: boolean;
  /** The final status line was read (or an HTTP/0.9 raw answer began). */
  resFinal: boolean;
  resDone: boolean;
  /** A hole in the stream fell inside this transaction. */
  gap: boolean;
  /** The request line had no "HTTP/x.y": HTTP/0.9 if answered before any field line. */
  noVersion: boolean;
  isHead: boolean;
  isConnect: boolean;
  /** The request's Upgrade field. */
  upgrade: string | undefined;
  /** Client stream offset just past the request line / the whole request. */
  lineEndPos: number;
  lineEndNs: number;
  reqEndPos: number;
}

/** One direction's parsing state. */
export class Side {
  readonly isClient: boolean;
  state: St = St.START;
  /** Why the side stopped. */
  stop: 'gap' | 'error' | 'done' | undefined;
  /** Stream offset of the next byte this side will deliver. */
  pos = 0;
  /** Capture time of the latest data (holes have none of their own). */
  lastNs = 0;
  readonly line = new LineBuf();
  lineDone = false;
  lineStartPos = 0;
  lineStartNs = 0;
  /** The message being parsed (a request on the client side, the response's transaction on the server side). */
  rec: Rec | undefined;
  // Head state.
  headBytes = 0;
  headLines = 0;
  /** The head passed a limit: lines are skimmed, only framing fields kept. */
  skipping = false;
  trailers = false;
  lastField = -1;
  fields: (string | undefined)[] = new Array<string | undefined>(FIELD_COUNT);
  /** Stream offset of the line each kept field came from (the first, for repeats): for errors. */
  readonly fieldAt: number[] = new Array<number>(FIELD_COUNT).fill(0);
  /** Status line of the response head being read. */
  status = 0;
  reason = '';
  version = '';
  // Body state.
  remaining = 0;
  chunked = false;
  // Client hold after CONNECT / Upgrade.
  held = new Uint8Array(0);
  heldLen = 0;
  heldStart = 0;
  heldNs = 0;
  heldLost = false;
  heldGap = false;
  /** The CONNECT / Upgrade request whose answer the hold waits for. */
  holdRec: Rec | undefined;

  constructor(isClient: boolean) {
    this.isClient = isClient;
  }

  resetHead(trailers: boolean): void {
    this.headBytes = 0;
    this.headLines = 0;
    this.skipping = false;
    this.trailers = trailers;
    this.lastField = -1;
    this.fields.fill(undefined);
  }
}
