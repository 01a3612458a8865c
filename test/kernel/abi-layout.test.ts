/**
 * The kernel↔user ABI is defined once (bpf/shared/weft_abi.h); these tests keep the TS side honest:
 * the generated constants match what the C compiler lays out, and the compiled eBPF object's own
 * BTF (what the kernel sees) has the same sizes and member offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpLayout, renderLayout, GENERATED, REPO } from '../../scripts/gen-layout.js';
import { KERNEL_ABI_STRUCTS } from '../../src/model/kernel-abi.gen.js';

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('src/model/kernel-abi.gen.ts is what scripts/gen-layout.ts makes of bpf/shared/weft_abi.h', { skip: which('cc') ? false : 'no C compiler to lay out the structs' }, () => {
  assert.equal(readFileSync(GENERATED, 'utf8'), renderLayout(dumpLayout()), 'run node dist/scripts/gen-layout.js');
});

const OBJECT = join(REPO, 'dist/bpf/weft.bpf.o');
const btfSkip = !existsSync(OBJECT) ? 'dist/bpf/weft.bpf.o not built (clang missing)' : !which('bpftool') ? 'bpftool not installed' : false;

test('the eBPF object\'s BTF has the sizes and member offsets of the generated layout', { skip: btfSkip }, () => {
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', OBJECT, 'format', 'raw'], { encoding: 'utf8' });
  // [12] STRUCT 'weft_flow_key' size=56 vlen=12\n\t'netns' type_id=2 bits_offset=0\n…
  const structs = new Map<string, { size: number; members: Map<string, number> }>();
  let current: { size: number; members: Map<string, number> } | undefined;
  for (const line of raw.split('\n')) {
    const s = /^\[\d+\] STRUCT '(\w+)' size=(\d+)/.exec(line);
    if (s !== null) {
      current = { size: Number(s[2]), members: new Map() };
      structs.set(s[1]!, current);
      continue;
    }
    const m = /^\s+'(\w+)' type_id=\d+ bits_offset=(\d+)/.exec(line);
    if (m !== null && current !== undefined) current.members.set(m[1]!, Number(m[2]) / 8);
    else if (!line.startsWith('\t')) current = undefined;
  }
  // The maps' key/value types and the ring records the programs write are in the object's BTF.
  const checked = ['weft_flow_key', 'weft_flow_value', 'weft_rule', 'weft_settings', 'weft_packet_record', 'weft_sock_record', 'weft_drop_record'];
  for (const name of checked) {
    const btf = structs.get(name);
    const layout = KERNEL_ABI_STRUCTS[name as keyof typeof KERNEL_ABI_STRUCTS];
    assert.ok(btf !== undefined, `${name} is in the object's BTF`);
    assert.equal(btf.size, layout.size, `${name} size`);
    for (const [field, [offset]] of Object.entries(layout.fields)) {
      assert.equal(btf.members.get(field), offset, `${name}.${field} offset`);
    }
  }
});
