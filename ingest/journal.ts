// The ingest journal (architecture.md "Data flow"): every accepted reading is durable here before a
// QoS 1 PUBACK or an HTTP 2xx; consumers (storage, rules, the latest-reading view) read it with their
// own cursors; it is never trimmed below the slowest cursor, and at its limit ingest refuses loudly
// (contract.md "Backpressure"). Ingest declares this interface; storage/ implements it.
import type { JournalEntry, MetricValue, ReadingSourceKind } from '../core/reading.ts';

/** A validated reading on its way into the journal. `vals` is the values object as JSON. */
export interface PendingEntry {
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  ts: number;
  seq: number | null;
  boot: string | null;
  quality: string;
  vals: string;
  receivedAt: number;
  deviceId: string | null;
  source: ReadingSourceKind;
  /** Optional: the values object `vals` was made from, handed to consumers as is instead of parsing
   * `vals` again (the caller gives it up: it must not change it afterwards). */
  values?: Record<string, MetricValue>;
}

export type AppendResult =
  | { status: 'accepted'; pos: number }
  | { status: 'duplicate' }
  | { status: 'full' };

export interface JournalStats {
  lastPos: number;
  /** Bytes appended after the slowest consumer's cursor (`riskwatch_spool_bytes`). */
  unconsumedBytes: number;
  limitBytes: number;
}

export interface JournalConsumer {
  readonly name: string;
  /** Position of the last entry this consumer has finished with. */
  readonly pos: number;
  /** Marks everything up to `pos` as done; persisted in the background (at least once on restart). */
  ack(pos: number): void;
}

export interface Journal {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Durable (and deduplicated) when the promise resolves; one result per entry, same order. */
  append(entries: PendingEntry[]): Promise<AppendResult[]>;
  /** Entries after `afterPos` in journal order. */
  read(afterPos: number, limit: number): JournalEntry[];
  /**
   * A named consumer: `handler` gets every entry after the consumer's saved cursor in order, first the
   * backlog, then live entries as they are committed. The handler acks what it has finished with.
   */
  subscribe(name: string, handler: (entries: JournalEntry[], consumer: JournalConsumer) => void): JournalConsumer;
  /** A live, non-durable observer of committed entries (no cursor: it never holds the journal back). */
  observe(handler: (entries: JournalEntry[]) => void): () => void;
  /** The newest stored entry of each sensor (by ts), e.g. to rebuild a latest-reading view at start. */
  latestPerSensor(): JournalEntry[];
  /** Declares a consumer so that its cursor holds the journal back even before it subscribes. */
  declareConsumer(name: string): void;
  /**
   * A pull consumer: declared (its cursor holds the journal back from now on) and handed out with its saved
   * position, but nothing is delivered to it: it reads with `read` at its own pace (e.g. the InfluxDB
   * writer, in another thread) and acks what it has finished with. The same handle on every call.
   */
  consumer(name: string): JournalConsumer;
  /** Forgets a consumer: its cursor no longer holds the journal back (e.g. storage switched off). */
  releaseConsumer(name: string): void;
  stats(): JournalStats;
  /** Resolves once every pending cursor write is durable. */
  flushCursors(): Promise<void>;
}
