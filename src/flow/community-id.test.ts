import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CORPUS_DIR } from '../../test/support/corpus.js';
import {
  communityId, communityIdFromWords, communityIdHasPorts, icmpIsOneWay, icmpPortEquivalent,
} from './community-id.js';

const BASELINE_DIR = join(CORPUS_DIR, 'community-id', 'baseline');
const SKIP: string | false = existsSync(BASELINE_DIR) ? false : `community-id baseline not found at ${BASELINE_DIR}`;

interface BaselineLine {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

function baseline(name: string): BaselineLine[] {
  return JSON.parse(readFileSync(join(BASELINE_DIR, name), 'utf8')) as BaselineLine[];
}

describe('community id v1', () => {
  const files: [string, { seed: number; base64: boolean }][] = [
    ['baseline_deflt.json', { seed: 0, base64: true }],
    ['baseline_seed1.json', { seed: 1, base64: true }],
    ['baseline_nob64.json', { seed: 0, base64: false }],
  ];
  for (const [file, options] of files) {
    it(`reproduces every line of ${file}`, { skip: SKIP }, () => {
      const lines = baseline(file);
      assert.ok(lines.length >= 20, `${file} has ${lines.length} lines`);
      for (const [i, l] of lines.entries()) {
        const got = communityId(l.proto, l.saddr, l.daddr, l.sport, l.dport, options);
        assert.equal(got, l.communityid, `${file} line ${i}: ${l.proto} ${l.saddr}:${l.sport} → ${l.daddr}:${l.dport}`);
      }
    });
  }

  it('hashes both directions of a two-way tuple alike and defaults to seed 0, base64', () => {
    const a = communityId(6, '128.232.110.120', '66.35.250.204', 34855, 80);
    assert.equal(a, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    assert.equal(communityId(6, '66.35.250.204', '128.232.110.120', 80, 34855), a);
  });

  it('takes addresses as words (IPv4 in word 3)', () => {
    const w = communityIdFromWords(4, 17, 0, 0, 0, 0xc0a80134, 0, 0, 0, 0x08080808, 54585, 53);
    assert.equal(w, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  });

  it('maps ICMP request/reply types to a shared port pair and keeps one-way messages directed', () => {
    assert.equal(icmpPortEquivalent(1, 8, 0), 0);
    assert.equal(icmpPortEquivalent(1, 0, 0), 8);
    assert.equal(icmpPortEquivalent(1, 13, 0), 14);
    assert.equal(icmpPortEquivalent(1, 10, 0), 9);
    assert.equal(icmpPortEquivalent(1, 3, 4), 4);
    assert.equal(icmpIsOneWay(1, 3), true);
    assert.equal(icmpIsOneWay(1, 8), false);
    assert.equal(icmpPortEquivalent(58, 128, 0), 129);
    assert.equal(icmpPortEquivalent(58, 136, 0), 135);
    assert.equal(icmpPortEquivalent(58, 145, 0), 144);
    assert.equal(icmpIsOneWay(58, 1), true);
    // The v4 table does not apply to ICMPv6 and vice versa.
    assert.equal(icmpIsOneWay(58, 8), true);
    assert.equal(icmpIsOneWay(1, 128), true);
    const req = communityId(1, '192.168.0.89', '192.168.0.1', 8, 0);
    assert.equal(communityId(1, '192.168.0.1', '192.168.0.89', 0, 0), req);
    assert.equal(req, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
  });

  it('hashes no ports for protocols without them', () => {
    assert.equal(communityIdHasPorts(46), false);
    assert.equal(communityIdHasPorts(132), true);
    assert.equal(communityId(46, '10.1.12.1', '10.1.12.2', 1, 2), communityId(46, '10.1.12.1', '10.1.12.2', null, null));
  });

  it('rejects mixed or bad addresses', () => {
    assert.throws(() => communityId(6, '10.0.0.1', '::1', 1, 2), RangeError);
    assert.throws(() => communityId(6, 'nope', '10.0.0.1', 1, 2), RangeError);
  });
});
