/**
 * SHA-1 (FIPS 180-4 §6.1) over bytes in a caller's buffer, for the Community ID: one digest per
 * flow record. node:crypto's createHash costs an object with a native handle per call (garbage the
 * collector must finalize) plus the binding round trips; its inputs here are at most 40 bytes,
 * one 64-byte block, so a plain JS compression function over a reused schedule is much cheaper.
 * Not for anything secret (SHA-1 is broken for collision resistance; the Community ID only needs
 * agreement with other tools).
 */

/** Message schedule, reused by every call. */
const W = new Int32Array(80);

/**
 * Hashes `data[0 … length)` and writes the 20-byte digest to `out[outOffset …]`. `data` must have
 * room for the padding: at least `paddedLength(length)` bytes (they are overwritten).
 */
export function sha1Into(data: Uint8Array, length: number, out: Uint8Array, outOffset = 0): void {
  const total = paddedLength(length);
  data[length] = 0x80;
  data.fill(0, length + 1, total - 8);
  // Message length in bits, big-endian 64-bit (lengths here stay far below 2^32 bits).
  const bits = length * 8;
  data[total - 8] = 0; data[total - 7] = 0; data[total - 6] = 0;
  data[total - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  data[total - 4] = (bits >>> 24) & 0xff; data[total - 3] = (bits >>> 16) & 0xff;
  data[total - 2] = (bits >>> 8) & 0xff; data[total - 1] = bits & 0xff;

  let h0 = 0x67452301, h1 = 0xefcdab89 | 0, h2 = 0x98badcfe | 0, h3 = 0x10325476, h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < total; block += 64) {
    for (let i = 0; i < 16; i++) {
      const o = block + 4 * i;
      W[i] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    // Four loops of 20 rounds, one per round function, so no round branches on its index.
    for (let i = 0; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + W[i]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + W[i]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + W[i]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + W[i]!) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0;
  }
  writeWord(out, outOffset, h0);
  writeWord(out, outOffset + 4, h1);
  writeWord(out, outOffset + 8, h2);
  writeWord(out, outOffset + 12, h3);
  writeWord(out, outOffset + 16, h4);
}

/** Bytes a message of `length` bytes occupies once padded: a multiple of 64 with ≥ 9 bytes to spare. */
export function paddedLength(length: number): number {
  return (length + 9 + 63) & ~63;
}

function writeWord(out: Uint8Array, o: number, w: number): void {
  out[o] = w >>> 24;
  out[o + 1] = (w >>> 16) & 0xff;
  out[o + 2] = (w >>> 8) & 0xff;
  out[o + 3] = w & 0xff;
}
