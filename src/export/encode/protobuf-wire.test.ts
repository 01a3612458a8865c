// ProtoWriter against protobufjs's Writer, byte for byte: varints at their edges, zigzag, 64-bit
// integers as numbers, fixed widths, tags, UTF-8 strings around the length-prefix boundaries, and
// nested length-delimited fields whose back-patched lengths need more or fewer bytes than reserved.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { ProtoWriter, varintSize } from './protobuf-wire.js';

type PbWriter = protobuf.Writer;

function ours(write: (w: ProtoWriter) => void): Buffer {
  const w = new ProtoWriter(16); // small: every test also grows the buffer
  write(w);
  return w.copy();
}

function theirs(write: (w: PbWriter) => void): Buffer {
  const w = protobuf.Writer.create();
  write(w);
  return Buffer.from(w.finish());
}

const EDGES_U32 = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
const EDGES_I32 = [...EDGES_U32.filter((v) => v < 2 ** 31), -1, -127, -128, -(2 ** 31)];
const EDGES_U64 = [...EDGES_U32, 2 ** 32, 2 ** 35 - 1, 2 ** 35, 2 ** 42, 2 ** 49 - 1, 2 ** 49, 2 ** 52, 2 ** 53 - 1];
const EDGES_I64 = [...EDGES_U64, ...EDGES_U64.map((v) => -v)];

const u32 = fc.oneof(fc.constantFrom(...EDGES_U32), fc.nat({ max: 2 ** 32 - 1 }));
const i32 = fc.oneof(fc.constantFrom(...EDGES_I32), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const u64 = fc.oneof(fc.constantFrom(...EDGES_U64), fc.maxSafeNat());
const i64 = fc.oneof(fc.constantFrom(...EDGES_I64), fc.maxSafeInteger());
const tag = fc.oneof(fc.constantFrom(1, 15, 16, 2047, 2048, 2 ** 29 - 1), fc.integer({ min: 1, max: 2 ** 29 - 1 }))
  .chain((field) => fc.constantFrom(0, 1, 2, 5).map((wire) => field * 8 + wire));

describe('ProtoWriter writes what protobufjs writes', () => {
  it('varints, zigzag and two\'s complement, 32 and 64 bits (64-bit values as JS numbers)', () => {
    fc.assert(fc.property(tag, u32, i32, u64, i64, (t, a, b, c, d) => {
      assert.deepEqual(ours((w) => { w.u32(t, a); w.i32(t, b); w.s32(t, b); }), theirs((w) => { w.uint32(t).uint32(a).uint32(t).int32(b).uint32(t).sint32(b); }));
      assert.deepEqual(ours((w) => { w.u64(t, c); w.i64(t, d); w.s64(t, d); }), theirs((w) => { w.uint32(t).uint64(c).uint32(t).int64(d).uint32(t).sint64(d); }));
    }), { numRuns: 20_000 });
  });

  it('fixed widths, floats, doubles, booleans', () => {
    fc.assert(fc.property(u32, i32, i64, fc.double({ noNaN: true }), fc.float({ noNaN: true }), fc.boolean(), (a, b, c, d, f, bool) => {
      assert.deepEqual(
        ours((w) => { w.fx32(13, a); w.sfx32(21, b); w.fx64(9, c); w.f64(17, d); w.f32(29, f); w.bool(8, bool); }),
        theirs((w) => { w.uint32(13).fixed32(a).uint32(21).sfixed32(b).uint32(9).sfixed64(c).uint32(17).double(d).uint32(29).float(f).uint32(8).bool(bool); }),
      );
    }), { numRuns: 10_000 });
    assert.ok(Number.isNaN(new protobuf.Reader(ours((w) => w.f64v(NaN))).double()));
  });

  it('strings: UTF-8 of 1 to 4 bytes a character, lengths around 42/43, 127/128 and 16383/16384 bytes', () => {
    const piece = fc.constantFrom('a', 'é', '€', '😀', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff');
    const length = fc.oneof(fc.constantFrom(0, 1, 41, 42, 43, 44, 63, 64, 127, 128, 129, 5461, 16383, 16384, 16385), fc.nat({ max: 300 }));
    fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 3 }), length, (pieces, n) => {
      let s = '';
      while (s.length < n) s += pieces[s.length % pieces.length];
      assert.deepEqual(ours((w) => w.str(10, s)), theirs((w) => w.uint32(10).string(s)));
    }), { numRuns: 1_000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      assert.deepEqual(ours((w) => w.str(10, s)), theirs((w) => w.uint32(10).string(s)));
    }), { numRuns: 5_000 });
  });

  it('lone surrogates become U+FFFD, as Buffer and TextEncoder write them', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.string({ unit, maxLength: 100 }), (s) => {
      const utf8 = Buffer.from(s, 'utf8');
      assert.deepEqual(ours((w) => w.strv(s)), Buffer.concat([theirs((w) => w.uint32(utf8.length)), utf8]));
    }), { numRuns: 10_000 });
  });

  it('bytes and packed values', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(i64, { maxLength: 40 }), (bytes, values) => {
      assert.deepEqual(
        ours((w) => { w.bytes(18, bytes); const at = w.begin(26, 1); for (const v of values) w.s64v(v); w.end(at, 1); }),
        theirs((w) => { w.uint32(18).bytes(bytes).uint32(26).fork(); for (const v of values) w.sint64(v); w.ldelim(); }),
      );
    }), { numRuns: 3_000 });
  });

  it('nested messages: back-patched lengths whatever bytes were reserved for them', () => {
    type Tree = Uint8Array | Tree[];
    const { tree } = fc.letrec<{ tree: Tree }>((t) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(125, 126, 127, 128, 16_380, 16_383, 16_384).map((n) => new Uint8Array(n))),
        fc.array(t('tree'), { maxLength: 4 })),
    }));
    const ourTree = (w: ProtoWriter, node: Tree, reserves: number[], i = { n: 0 }): void => {
      if (node instanceof Uint8Array) {
        w.bytes(10, node);
        return;
      }
      const reserve = reserves[i.n++ % reserves.length]!;
      const at = w.begin(18, reserve);
      for (const child of node) ourTree(w, child, reserves, i);
      w.end(at, reserve);
    };
    const theirTree = (w: PbWriter, node: Tree): void => {
      if (node instanceof Uint8Array) {
        w.uint32(10).bytes(node);
        return;
      }
      w.uint32(18).fork();
      for (const child of node) theirTree(w, child);
      w.ldelim();
    };
    fc.assert(fc.property(tree, fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }), (t, reserves) => {
      assert.deepEqual(ours((w) => ourTree(w, t, reserves)), theirs((w) => theirTree(w, t)));
    }), { numRuns: 2_000 });
  });

  it('varintSize is the length of the varint', () => {
    fc.assert(fc.property(fc.oneof(u32, fc.integer({ min: 0, max: 2 ** 34 })), (n) => {
      assert.equal(varintSize(n), theirs((w) => w.uint64(n)).length);
    }));
  });
});
