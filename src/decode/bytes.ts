/**
 * Big-endian reads straight from the frame's Uint8Array: no DataView (one per buffer would
 * allocate), no bounds checks — every caller has checked `off + width <= end` first, so the
 * non-null assertions only quiet `noUncheckedIndexedAccess`.
 */

/** One byte. */
export function u8(b: Uint8Array, off: number): number {
  return b[off]!;
}

/** Network-order uint16. */
export function u16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/** Network-order uint32, as an unsigned Number. */
export function u32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Network-order uint24 (VXLAN / Geneve VNI). */
export function u24(b: Uint8Array, off: number): number {
  return (b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!;
}

/** Little-endian uint32 (headers written in the capturing host's order: DLT_NULL). */
export function u32le(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}
