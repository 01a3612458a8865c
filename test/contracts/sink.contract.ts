/**
 * The contract every Sink keeps (hono's shared-suite pattern): run it from each sink's own test
 * with a factory and a reader that returns what the sink delivered, as text lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sink } from '../../src/export/index.js';
import { FlowEndReason, type ExportRecord, type FlowRecord, type StatsRecord } from '../../src/model/index.js';

export interface SinkContract {
  readonly name: string;
  /** A fresh sink and a function returning what it delivered so far, one string per record. */
  newSink(): Promise<{ sink: Sink; delivered: () => Promise<string[]> }>;
}

export function sampleFlow(i: number): FlowRecord {
  return {
    kind: 'flow', observationPoint: 0, startSec: 1_700_000_000 + i, startNsec: 1000, endSec: 1_700_000_001 + i, endNsec: 2000,
    tsDigits: 6, endReason: FlowEndReason.IDLE_TIMEOUT, ipVersion: 4, ipProto: 6,
    sourceIp: '10.0.0.1', destinationIp: '10.0.0.2', sourcePort: 40000 + i, destinationPort: 443, icmpType: -1, icmpCode: -1,
    sourcePackets: 3, sourceBytes: 180, destinationPackets: 2, destinationBytes: 120, sourceTcpFlags: 0x02, destinationTcpFlags: 0x12,
    communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', vlanOuter: 0, vlanInner: 0, sourceMac: undefined, destinationMac: undefined,
    rttServerNs: -1, rttClientNs: -1, rttNs: -1, fragments: 0, tunnel: undefined,
  };
}

export function sampleStats(): StatsRecord {
  return { kind: 'stats', sec: 1_700_000_100, nsec: 0, tsDigits: 6, counters: { packets_read: 5 } };
}

export function runSinkContract(contract: SinkContract): void {
  test(`${contract.name}: delivers every record of every batch, in order`, async () => {
    const { sink, delivered } = await contract.newSink();
    const batches: ExportRecord[][] = [[sampleFlow(0), sampleFlow(1)], [], [sampleFlow(2)], [sampleStats()]];
    for (const b of batches) await sink.write(b);
    await sink.flush();
    const lines = await delivered();
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /40000/);
    assert.match(lines[1]!, /40001/);
    assert.match(lines[2]!, /40002/);
    assert.match(lines[3]!, /stats/);
    await sink.close();
  });

  test(`${contract.name}: close flushes what was written`, async () => {
    const { sink, delivered } = await contract.newSink();
    await sink.write([sampleFlow(7)]);
    await sink.close();
    assert.equal((await delivered()).length, 1);
  });

  test(`${contract.name}: keeps the batches it is given (the caller may not reuse them)`, async () => {
    const { sink, delivered } = await contract.newSink();
    const batch: ExportRecord[] = [sampleFlow(1)];
    await sink.write(batch);
    batch.length = 0;
    await sink.close();
    assert.equal((await delivered()).length, 1);
  });
}
