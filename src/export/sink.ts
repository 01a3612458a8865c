/**
 * Where records go. A Sink pairs an encoder with a transport (Hubble's Encoder/writer split).
 * Every sink passes test/contracts/sink.contract.ts.
 */
import type { ExportRecord } from '../model/stats-record.js';

export interface Sink {
  readonly name: string;
  /**
   * Calls arrive in order and the batch is the sink's to keep. An asynchronous sink returns a
   * promise and must itself keep the order of batches; the pipeline awaits it before it ends.
   */
  write(batch: readonly ExportRecord[]): void | Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
