/** JSON lines (ECS) to stdout or a file: `jsonl:PATH`, `jsonl:-`. */
import type { ExportRecord } from '../../model/stats-record.js';
import type { EcsJsonEncoder } from '../encode/ecs-json.js';
import type { Sink } from '../sink.js';
import { FdWriter } from '../transport/fd-writer.js';

export class JsonLinesSink implements Sink {
  readonly name: string;
  private readonly encoder: EcsJsonEncoder;
  private readonly writer: FdWriter;
  records = 0;

  constructor(path: string, encoder: EcsJsonEncoder) {
    this.name = `jsonl:${path}`;
    this.encoder = encoder;
    this.writer = FdWriter.open(path);
  }

  write(batch: readonly ExportRecord[]): void {
    const writer = this.writer;
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i] as ExportRecord;
      if (record.kind === 'flow') {
        this.encoder.writeFlow(record, writer);
        writer.endLine();
      } else if (record.kind !== 'stats' && record.kind !== 'event') {
        this.encoder.writeApp(record, writer);
        writer.endLine();
      } else {
        writer.writeLine(this.encoder.encode(record));
      }
    }
    this.records += batch.length;
  }

  async flush(): Promise<void> {
    this.writer.flush();
  }

  async close(): Promise<void> {
    this.writer.close();
  }
}
