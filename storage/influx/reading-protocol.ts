// Messages between InfluxWriter (main thread) and its readings worker (reading-worker.ts).
import type { MessagePort } from 'node:worker_threads';
import type { PipelineEvent, PipelineStats } from './pipeline.ts';
import type { SeriesInfo } from './schema.ts';
import type { InfluxConnection } from './transport.ts';

export interface WriterTuning {
  /** Lines per request at most (InfluxData recommends 5,000). */
  batchLines: number;
  /** Requests in flight at most. */
  maxInFlight: number;
  /** After a `notify()`, wait this long so that a burst makes one request (the alert pipeline; the readings
   * worker is not notified, it polls). */
  lingerMs: number;
  /** Look for new entries this often while idle. */
  pollMs: number;
  /** Backoff after a failed request: doubling from min to max. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** How often the worker reports its counters. */
  statsMs: number;
}

export interface ReadingWorkerConfig {
  journalPath: string;
  conn: InfluxConnection;
  /** The `influx` cursor: everything up to it is in InfluxDB. */
  startPos: number;
  series: SeriesInfo[];
  tuning: WriterTuning;
  /** Live commits from the journal's writer thread (SqliteJournal.tap), transferred; null: poll the journal only. */
  tap: MessagePort | null;
}

export type ReadingWorkerIn =
  | { t: 'series'; series: SeriesInfo[] }
  | { t: 'stop'; timeoutMs: number };

export type ReadingWorkerOut =
  /** `tid`: the thread's id in the OS (/proc/self/task/{tid}), for benchmarks; null off Linux. */
  | { t: 'ready'; tid: number | null }
  | { t: 'ack'; pos: number }
  | { t: 'event'; event: PipelineEvent }
  | { t: 'stats'; stats: PipelineStats; oldestUnwrittenAt: number | null; lastPos: number }
  | { t: 'stopped' };
