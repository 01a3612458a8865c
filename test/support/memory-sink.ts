/** A sink that keeps every record in memory, for tests. */
import type { Sink } from '../../src/export/index.js';
import type { ExportRecord, FlowRecord, StatsRecord } from '../../src/model/index.js';

export class MemorySink implements Sink {
  readonly name = 'memory';
  readonly records: ExportRecord[] = [];
  closed = false;

  write(batch: readonly ExportRecord[]): void {
    for (const r of batch) this.records.push(r);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> { this.closed = true; }

  get flows(): FlowRecord[] {
    return this.records.filter((r): r is FlowRecord => r.kind === 'flow');
  }
  get stats(): StatsRecord | undefined {
    return this.records.find((r): r is StatsRecord => r.kind === 'stats');
  }
}
