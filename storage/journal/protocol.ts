// Messages between the SQLite journal (main thread) and its writer worker.
import type { PendingEntry } from '../../ingest/journal.ts';

export interface WorkerConfig {
  path: string;
  /** fsync each group commit (synchronous=FULL): survives power loss, not only kill -9. */
  fsync: boolean;
  limitBytes: number;
  dedupeWindowMs: number;
}

export type ToWorker =
  | { t: 'append'; id: number; entries: PendingEntry[]; now: number }
  | { t: 'cursor'; name: string; pos: number }
  | { t: 'declare'; name: string }
  | { t: 'flush'; id: number }
  | { t: 'trim'; now: number }
  | { t: 'close' };

export interface WireStats {
  lastPos: number;
  unconsumedBytes: number;
}

/** Per entry: a position > 0 when accepted, 0 for a duplicate, -1 when the journal is full. */
export type FromWorker =
  | { t: 'ready'; stats: WireStats; cursors: Record<string, number> }
  | { t: 'appended'; id: number; results: number[]; before: number; stats: WireStats }
  | { t: 'flushed'; id: number }
  | { t: 'trimmed'; deleted: number; stats: WireStats }
  | { t: 'fatal'; message: string };

export const DUPLICATE = 0;
export const FULL = -1;
