/** `weft capabilities` — what this host lets weft do, and which source the agent would use. */
import { parseArgs } from 'node:util';
import { defaultObjectPath, probeCapabilities } from '../capture/index.js';
import { loadBridge, type Bridge } from '../native/index.js';
import type { Io } from './io.js';

export const CAPABILITIES_HELP = `Usage: weft capabilities [--json]

Reports the kernel version, BTF, the eBPF features weft's sensors use (tcx links, ring buffers,
tp_btf tracing, drop reasons), the native bridge, this process's privileges, and the source
'weft agent' would pick (ebpf, else pcap, else replay only) with the reason for a fallback.

Options:
  --json      one JSON object instead of text
  -h, --help  this help
`;

export async function capabilitiesCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { io.stdout.write(CAPABILITIES_HELP); return 0; }
  let bridge: Bridge | undefined;
  let error: string | undefined;
  try {
    bridge = loadBridge();
  } catch (e) {
    error = (e as Error).message;
  }
  const caps = probeCapabilities(bridge, error, defaultObjectPath());
  if (values.json) {
    io.stdout.write(`${JSON.stringify(caps)}\n`);
    return 0;
  }
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  const lines = [
    `kernel          ${caps.kernel}`,
    `btf             ${yes(caps.btf)}`,
    `native bridge   ${caps.nativeBridge ? `yes (libbpf ${caps.libbpf ?? '?'})` : `no (${error ?? 'not built'})`}`,
    `eBPF object     ${yes(caps.bpfObject)}`,
    `tc attach       ${caps.tcx ? 'tcx links' : 'legacy clsact (fixed handle, replace)'}`,
    `ring buffer     ${yes(caps.ringbuf)}`,
    `tp_btf tracing  ${yes(caps.tracing)}`,
    `drop reasons    ${caps.dropReasons > 0 ? `${caps.dropReasons} (from the kernel's BTF)` : 'no'}`,
    `privileges      uid ${caps.uid}, ${caps.capabilities.length > 0 ? caps.capabilities.map((c) => `CAP_${c}`).join(' ') : 'no capabilities'}`,
    `agent source    ${caps.source}${caps.fallbackReason !== undefined ? ` (${caps.fallbackReason})` : ''}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
