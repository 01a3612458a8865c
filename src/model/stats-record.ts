/**
 * The pipeline's account of itself: what it read, decoded, dropped (by reason) and produced.
 * Emitted at the end of a replay (and, live, on an interval) so consumers can prove completeness.
 */
export interface StatsRecord {
  readonly kind: 'stats';
  /** When the stats were taken: capture time of the last packet for replay. */
  readonly sec: number;
  readonly nsec: number;
  readonly tsDigits: number;
  /** Counter name (snake_case, stable) → value. Encoders prefix them with `weft.stats.`. */
  readonly counters: Readonly<Record<string, number>>;
}

/** Every owned record a sink may receive. */
export type ExportRecord = import('./flow-record.js').FlowRecord | StatsRecord | import('./app-record.js').AppRecord
  | import('./event-record.js').EventRecord | import('./control-record.js').AuditRecord | import('./control-record.js').CaptureRecord
  | import('./control-record.js').TopologyRecord;
