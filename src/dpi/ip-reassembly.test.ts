import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketView } from '../model/index.js';
import { IpReassembly } from './ip-reassembly.js';

/** A fragment view: `data` is the fragment's IP payload at byte offset `at` of the datagram. */
function piece(id: number, at: number, data: number[], more: boolean, sec = 1): PacketView {
  const v = new PacketView();
  v.bytes = Uint8Array.from([0xee, 0xee, ...data]);
  v.ipVersion = 4; v.src3 = 0x0a000001; v.dst3 = 0x0a000002; v.ipProto = 17;
  v.isFragment = true; v.fragId = id; v.fragOffset = at; v.moreFragments = more;
  v.l4Offset = 2; v.payloadOffset = 2; v.payloadLength = data.length;
  v.tsSec = sec; v.tsNsec = 0;
  return v;
}

test('fragments in any order make the datagram once it is covered', () => {
  const r = new IpReassembly();
  assert.equal(r.fragment(piece(7, 8, [9, 10, 11, 12], false)), undefined);
  assert.equal(r.fragment(piece(7, 4, [5, 6, 7, 8], true)), undefined);
  assert.deepEqual(r.fragment(piece(7, 0, [1, 2, 3, 4], true)), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  assert.equal(r.reassembled, 1);
});

test('overlaps keep the first copy; other ids and stale datagrams stay apart', () => {
  const r = new IpReassembly(5e9);
  assert.equal(r.fragment(piece(1, 0, [1, 2, 3, 4], true)), undefined);
  assert.equal(r.fragment(piece(2, 0, [7, 7, 7, 7], true, 2)), undefined);
  assert.deepEqual(r.fragment(piece(1, 2, [0, 0, 5, 6], false)), Uint8Array.from([1, 2, 3, 4, 5, 6]));
  // id 2 never completes: dropped once 5 s of packet time have passed.
  r.expire(10, 0);
  assert.equal(r.dropped, 1);
  assert.equal(r.fragment(piece(2, 4, [8, 8], false, 10)), undefined);
});

test('a datagram longer than 65,535 bytes is dropped and counted', () => {
  const r = new IpReassembly();
  assert.equal(r.fragment(piece(3, 65532, [1, 2, 3, 4, 5, 6, 7, 8], false)), undefined);
  assert.equal(r.dropped, 1);
});
