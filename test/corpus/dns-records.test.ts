/**
 * `dns` records of a whole replay against tshark's dissection, per transaction: every DNS
 * response tshark decoded must come out as a record with the same id, question, response code,
 * answer count and addresses; every query without a response as a `query` record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsRcodeName } from '../../src/dpi/dns/index.js';
import type { DnsRecord } from '../../src/model/index.js';
import { AllowList, replayRecords } from '../support/app-records.js';
import { CORPUS_SKIP, corpusNames, truthFrames, type TruthDns } from '../support/corpus.js';

/** Captures whose truth has DNS in live traffic (not only quoted inside ICMP errors). */
function dnsCaptures(): string[] {
  if (CORPUS_SKIP) return [];
  return corpusNames().filter((n) => !n.startsWith('malformed-') && truthFrames(n).some((f) => f['dns'] !== undefined));
}

/**
 * Known disagreements, each with its reason. Key: `capture id qname`.
 */
// (None today. The two IPv6-fragmented responses of ipv6-frag-dns and ipv6-frag agree since the
// dissectors put UDP datagrams back together from their fragments.)
const ALLOWED = new Map<string, string>([]);

test('dns records agree with tshark, transaction by transaction', { skip: CORPUS_SKIP }, async () => {
  let responses = 0;
  let agree = 0;
  const allow = new AllowList(ALLOWED);
  for (const name of dnsCaptures()) {
    const answers = (await replayRecords(name, 'dns')).filter((r) => r.type === 'answer');
    const used = new Set<DnsRecord>();
    for (const frame of truthFrames(name)) {
      const dns = frame['dns'] as TruthDns | undefined;
      if (dns === undefined) continue;
      for (let i = 0; i < dns.id.length; i++) {
        if (dns.response[i] !== 1) continue;
        responses++;
        const id = dns.id[i]!;
        const qname = dns.qry_name?.[i];
        const key = `${name} ${id} ${qname}`;
        const r = answers.find((a) => !used.has(a) && a.id === id && (qname === undefined || a.questionName === qname || (qname === '<Root>' && a.questionName === '.')));
        const problems: string[] = [];
        if (r === undefined) {
          problems.push('no record');
        } else {
          used.add(r);
          if (dns.rcode?.[i] !== undefined && r.responseCode !== dnsRcodeName(dns.rcode[i]!)) problems.push(`rcode ${r.responseCode} vs ${dns.rcode[i]}`);
          // Several messages in one frame share the lists; compare counts only for single-message frames.
          if (dns.id.length === 1 && dns.answers?.[0] !== undefined && r.answers.length !== dns.answers[0]) {
            problems.push(`answers ${r.answers.length} vs ${dns.answers[0]}`);
          }
          const addresses = new Set([...(dns.a ?? []), ...(dns.aaaa ?? [])]);
          for (const ip of r.resolvedIps) if (!addresses.has(ip)) problems.push(`resolved ${ip} not in tshark's`);
        }
        if (problems.length === 0) agree++;
        else allow.note(key, problems.join(', '));
      }
    }
    // Nothing invented: every answer record is one tshark saw.
    for (const r of answers) {
      const key = `${name} ${r.id} ${r.questionName}`;
      if (!used.has(r) && !ALLOWED.has(key)) allow.note(key, 'record without a tshark response');
    }
  }
  process.stdout.write(`# dns records: ${responses} responses in the truth, ${agree} agree, ${allow.known.length} known disagreements (listed in the test), ${allow.failures.length} other\n`);
  assert.deepEqual(allow.failures, []);
  assert.deepEqual(allow.stale(), [], 'allow-list entries that no longer occur');
  assert.ok(responses > 100, `only ${responses} DNS responses found in the corpus truth`);
});

test('a DNS query with no response becomes a query record with no duration', { skip: CORPUS_SKIP }, async () => {
  for (const name of dnsCaptures()) {
    for (const r of await replayRecords(name, 'dns')) {
      if (r.type === 'query') {
        assert.equal(r.incomplete, 'query_only');
        assert.equal(r.durationNs, -1);
      } else if (r.incomplete === undefined) {
        assert.ok(r.durationNs >= 0, `${name}: answered transaction without a latency`);
      }
    }
  }
});
