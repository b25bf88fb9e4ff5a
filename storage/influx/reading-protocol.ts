// Messages between InfluxWriter (main thread) and its readings worker (reading-worker.ts).
import type { MessagePort } from 'node:worker_threads';
import type { PipelineEvent, PipelineStats, PipelineTuning } from './pipeline.ts';
import type { SeriesInfo } from './schema.ts';
import type { InfluxConnection } from './transport.ts';

export interface WriterTuning extends PipelineTuning {
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
