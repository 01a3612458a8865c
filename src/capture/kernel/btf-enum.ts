/**
 * Reads the values and names of one enum from a BTF blob (the kernel's own type information,
 * /sys/kernel/btf/vmlinux) — how weft names drop reasons (`enum skb_drop_reason`) on the running
 * kernel instead of carrying a list that goes stale. Only type kinds' sizes are needed to walk the
 * type section (linux/btf.h, Documentation/bpf/btf.rst §2); nothing else is interpreted.
 */
import { readFileSync } from 'node:fs';

const BTF_MAGIC = 0xeb9f;
const KIND_ENUM = 6;
const KIND_ENUM64 = 19;

/** Bytes following a 12-byte btf_type for each kind, given vlen. */
function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case 1: return 4; // INT
    case 3: return 12; // ARRAY
    case 4: case 5: return vlen * 12; // STRUCT, UNION
    case 6: return vlen * 8; // ENUM
    case 13: return vlen * 8; // FUNC_PROTO
    case 14: return 4; // VAR
    case 15: return vlen * 12; // DATASEC
    case 17: return 4; // DECL_TAG
    case 19: return vlen * 12; // ENUM64
    default: return 0; // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
  }
}

/** value → name of `enumName`'s members; empty when the blob or the enum is missing. */
export function readBtfEnum(enumName: string, path = '/sys/kernel/btf/vmlinux'): Map<number, string> {
  const out = new Map<number, string>();
  let blob: Buffer;
  try {
    blob = readFileSync(path);
  } catch {
    return out;
  }
  if (blob.length < 24 || blob.readUInt16LE(0) !== BTF_MAGIC) return out;
  const hdrLen = blob.readUInt32LE(4);
  const typeOff = hdrLen + blob.readUInt32LE(8);
  const typeEnd = typeOff + blob.readUInt32LE(12);
  const strOff = hdrLen + blob.readUInt32LE(16);
  const name = (off: number): string => {
    const start = strOff + off;
    const end = blob.indexOf(0, start);
    return blob.toString('latin1', start, end < 0 ? blob.length : end);
  };
  let p = typeOff;
  while (p + 12 <= typeEnd && typeEnd <= blob.length) {
    const info = blob.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if ((kind === KIND_ENUM || kind === KIND_ENUM64) && name(blob.readUInt32LE(p)) === enumName) {
      const member = kind === KIND_ENUM ? 8 : 12;
      for (let i = 0; i < vlen; i++) {
        const m = p + 12 + i * member;
        // kind_flag (bit 31 of info) marks a signed enum; drop reasons are unsigned (SUBSYS_MASK is 0xffff0000).
        const value = (info >>> 31) === 1 ? blob.readInt32LE(m + 4) : blob.readUInt32LE(m + 4);
        out.set(value, name(blob.readUInt32LE(m)));
      }
      return out;
    }
    p += 12 + extraBytes(kind, vlen);
  }
  return out;
}
