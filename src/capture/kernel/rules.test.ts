import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRule } from './rules.js';
import {
  WEFT_RULE_ACTION, WEFT_RULE_ACTION_DROP, WEFT_RULE_ADDR, WEFT_RULE_DIRECTIONS, WEFT_RULE_EXPIRES_NS, WEFT_RULE_MASK,
  WEFT_RULE_PORT_HI, WEFT_RULE_PORT_LO, WEFT_RULE_SIZE, WEFT_RULE_SNAPLEN, WEFT_TAP_MAX_SNAP,
} from '../../model/index.js';

test('an IPv4 prefix rule becomes an IPv4-mapped address under a 96+N bit mask', () => {
  const b = Buffer.alloc(WEFT_RULE_SIZE);
  encodeRule({ id: 9, action: 'drop', address: '10.202.7.99', prefixLength: 24, portLow: 53, direction: 'egress', expiresMonoNs: 5e9 }, b, 0);
  assert.equal(b[WEFT_RULE_ACTION], WEFT_RULE_ACTION_DROP);
  assert.equal(b[WEFT_RULE_DIRECTIONS], 2);
  assert.equal(b.toString('hex', WEFT_RULE_ADDR, WEFT_RULE_ADDR + 16), '00000000000000000000ffff0aca0700');
  assert.equal(b.toString('hex', WEFT_RULE_MASK, WEFT_RULE_MASK + 16), 'ffffffffffffffffffffffffffffff00');
  assert.deepEqual([b.readUInt16LE(WEFT_RULE_PORT_LO), b.readUInt16LE(WEFT_RULE_PORT_HI)], [53, 53]);
  assert.equal(b.readBigUInt64LE(WEFT_RULE_EXPIRES_NS), 5_000_000_000n);
  assert.equal(b.readUInt32LE(WEFT_RULE_SNAPLEN), WEFT_TAP_MAX_SNAP);
});

test('IPv6 prefixes, any-address rules, and bad addresses named in the error', () => {
  const b = Buffer.alloc(WEFT_RULE_SIZE);
  encodeRule({ id: 1, action: 'tap', address: 'fd00:202::1', prefixLength: 20 }, b, 0);
  assert.equal(b.toString('hex', WEFT_RULE_MASK, WEFT_RULE_MASK + 4), 'fffff000');
  assert.equal(b.toString('hex', WEFT_RULE_ADDR, WEFT_RULE_ADDR + 4), 'fd000000');
  encodeRule({ id: 2, action: 'count' }, b, 0);
  assert.equal(b.toString('hex', WEFT_RULE_MASK, WEFT_RULE_MASK + 16), '0'.repeat(32));
  assert.throws(() => encodeRule({ id: 3, action: 'drop', address: '10.1' }, b, 0), /rule 3: address: not an IP address: 10\.1/);
  assert.throws(() => encodeRule({ id: 4, action: 'drop', address: '10.0.0.1', prefixLength: 33 }, b, 0), /rule 4: prefix length 33/);
});
