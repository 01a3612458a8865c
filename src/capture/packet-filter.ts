/**
 * tcpdump-syntax packet filters for capture sessions, in two layers:
 *
 *   kernel   coarseKernelRule(expression): a PacketRule's match fields (protocol, one port range,
 *            one address prefix) that selects at least every packet the expression selects: the
 *            tap's pre-selection. Anything it cannot read exactly gives {} (tap everything).
 *   user     PacketFilter: libpcap compiles the expression (pcap_compile on a dead handle) and
 *            runs it on each tapped packet (pcap_offline_filter), one program per link type, since
 *            a session may see Ethernet and raw-IP interfaces.
 *
 * Why the coarse rule is never narrower, given how the kernel program (bpf/weft.bpf.c) matches a
 * rule: only a conjunction is read, and dropping a conjunct only widens it, so taking the first
 * protocol, the first port or range and the first address is safe; `src`/`dst` widen to either
 * direction, which is what a rule matches. The kernel reads the same outermost IP header as
 * libpcap (no tunnels), walks IPv6 extension headers that libpcap does not (wider again), and
 * takes ports of TCP, UDP and SCTP alike. What the kernel never taps (non-IP frames such as ARP)
 * no rule can bring back: `{}` does not either.
 */
import { FilterError } from '../core/errors.js';
import { parseIp } from '../core/ip.js';
import { linkTypeName } from '../model/link-type.js';
import type { PacketView } from '../model/packet-view.js';
import type { Bridge } from '../native/index.js';

type FilterHandle = ReturnType<Bridge['compileFilter']>;

/** snaplen given to pcap_compile when the caller has none (libpcap's own default). */
export const DEFAULT_FILTER_SNAPLEN = 262_144;

/**
 * A compiled tcpdump-syntax filter. `matches` runs libpcap's program for the view's link type,
 * compiling it the first time that link type is seen; it never throws: a link type the expression
 * cannot be compiled for matches nothing, and `linkTypeErrors` says why.
 */
export class PacketFilter {
  readonly expression: string;
  readonly snaplen: number;
  private readonly bridge: Bridge;
  /** Link types compiled so far, and their programs (null: libpcap refused that link type). */
  private readonly linkTypes: number[] = [];
  private readonly programs: (FilterHandle | null)[] = [];
  private readonly errors = new Map<number, string>();
  /** The last link type looked up (most captures have one). */
  private lastLinkType = -1;
  private lastProgram: FilterHandle | null = null;
  private closed = false;

  private constructor(bridge: Bridge, expression: string, snaplen: number) {
    this.bridge = bridge;
    this.expression = expression;
    this.snaplen = snaplen;
  }

  /**
   * Compiles `expression` for `linkType` (LINKTYPE_*) now, so a bad expression fails at once.
   * @throws FilterError (ERR_FILTER_INVALID) naming the expression, the link type and libpcap's message.
   */
  static compile(bridge: Bridge, expression: string, linkType: number, snaplen = DEFAULT_FILTER_SNAPLEN): PacketFilter {
    const filter = new PacketFilter(bridge, expression, snaplen);
    filter.prepare(linkType);
    return filter;
  }

  /**
   * Compiles for another link type ahead of its first packet (an interface that just appeared).
   * @throws FilterError when libpcap cannot compile the expression for it.
   */
  prepare(linkType: number): void {
    const program = this.programFor(linkType);
    if (program === null) throw new FilterError(this.expression, linkType, this.errors.get(linkType) ?? 'not compiled', linkTypeName(linkType));
  }

  /** Whether libpcap's program accepts the view's frame (bytes, capturedLength, wireLength). */
  matches(view: PacketView): boolean {
    const program = view.linkType === this.lastLinkType ? this.lastProgram : this.programFor(view.linkType);
    if (program === null) return false;
    return this.bridge.filterMatch(program, view.bytes, view.frameOffset, view.capturedLength, view.wireLength);
  }

  /** libpcap's message for each link type the expression could not be compiled for. */
  get linkTypeErrors(): ReadonlyMap<number, string> {
    return this.errors;
  }

  /** Frees the programs now rather than at garbage collection; `matches` then matches nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const program of this.programs) if (program !== null) this.bridge.freeFilter(program);
    this.programs.fill(null);
    this.lastProgram = null;
  }

  private programFor(linkType: number): FilterHandle | null {
    let i = this.linkTypes.indexOf(linkType);
    if (i < 0) {
      let program: FilterHandle | null = null;
      if (!this.closed) {
        try {
          program = this.bridge.compileFilter(linkType, this.snaplen, this.expression);
        } catch (error) {
          this.errors.set(linkType, error instanceof Error ? error.message : String(error));
        }
      }
      i = this.linkTypes.push(linkType) - 1;
      this.programs.push(program);
    }
    this.lastLinkType = linkType;
    this.lastProgram = this.programs[i] ?? null;
    return this.lastProgram;
  }
}

/** The match fields of a PacketRule (capture/kernel/rules.ts) a filter expression implies. */
export interface CoarseRule {
  protocol?: number;
  portLow?: number;
  portHigh?: number;
  address?: string;
  prefixLength?: number;
}

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, sctp: 132 };
/** Protocols whose ports libpcap's `port` qualifier may follow. */
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** A decimal port; libpcap reads 0x… as hex and 0… as octal, which are left to user space. */
function decimalPort(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9]\d{0,4})$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/**
 * The conservative kernel pre-selection for a tcpdump-syntax expression: for a conjunction
 * (`and`, `&&`) of `tcp` `udp` `icmp` `sctp`, `[tcp|udp|sctp] [src|dst] port N`,
 * `[tcp|udp|sctp] [src|dst] portrange A-B`, `[src|dst] host ADDR` and `[src|dst] net ADDR[/LEN]`,
 * the first protocol, port (range) and address it names; `{}` for anything else (`or`, `not`,
 * parentheses, names, other primitives). Never narrower than the expression: see the module comment.
 */
export function coarseKernelRule(expression: string): CoarseRule {
  const tokens = expression.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return {};
  const rule: CoarseRule = {};
  let i = 0;
  const setProtocol = (p: number): void => {
    if (rule.protocol === undefined) rule.protocol = p;
  };
  for (;;) {
    let token = tokens[i++];
    let proto: string | undefined;
    if (token !== undefined && PROTOCOLS[token] !== undefined) {
      proto = token;
      token = tokens[i++];
      // A bare protocol: the primitive ends here.
      if (token === undefined || token === 'and' || token === '&&') {
        setProtocol(PROTOCOLS[proto]!);
        if (token === undefined) return rule;
        continue;
      }
    }
    if (token === 'src' || token === 'dst') token = tokens[i++];
    if (token === 'port' || token === 'portrange') {
      if (proto !== undefined && !PORT_PROTOCOLS.has(proto)) return {};
      let low: number | undefined;
      let high: number | undefined;
      const value = tokens[i++];
      if (token === 'port') {
        low = high = decimalPort(value);
      } else {
        const m = value === undefined ? null : /^(\d+)-(\d+)$/.exec(value);
        low = decimalPort(m?.[1]);
        high = decimalPort(m?.[2]);
      }
      if (low === undefined || high === undefined) return {};
      if (low > high) [low, high] = [high, low]; // libpcap swaps a reversed range too
      if (proto !== undefined) setProtocol(PROTOCOLS[proto]!);
      if (rule.portLow === undefined) {
        rule.portLow = low;
        rule.portHigh = high;
      }
    } else if ((token === 'host' || token === 'net') && proto === undefined) {
      const value = tokens[i++];
      if (value === undefined) return {};
      const slash = value.indexOf('/');
      const text = slash < 0 ? value : value.slice(0, slash);
      const ip = parseIp(text);
      if (ip === undefined) return {};
      const max = ip.version === 4 ? 32 : 128;
      let length = max;
      if (slash >= 0) {
        if (token === 'host' || !/^\d{1,3}$/.test(value.slice(slash + 1))) return {};
        length = Number(value.slice(slash + 1));
        if (length > max) return {};
      }
      if (rule.address === undefined) {
        rule.address = text;
        rule.prefixLength = length;
      }
    } else {
      return {};
    }
    const next = tokens[i++];
    if (next === undefined) return rule;
    if (next !== 'and' && next !== '&&') return {};
  }
}
