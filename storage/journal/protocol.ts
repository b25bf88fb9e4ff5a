// Messages between the SQLite journal (main thread) and its writer worker. Appends travel packed: every
// append of one event-loop turn in one message, the entries as one string (a structured clone of a
// string is a copy; of 11-field objects it is per field), positions back as one transferred buffer.
import type { MessagePort } from 'node:worker_threads';
import type { PendingEntry } from '../../ingest/journal.ts';

export interface WorkerConfig {
  path: string;
  /** fsync each group commit (synchronous=FULL): survives power loss, not only kill -9. */
  fsync: boolean;
  limitBytes: number;
  dedupeWindowMs: number;
}

export type ToWorker =
  | {
    t: 'append'; id: number; now: number;
    /** `packEntries` of the batch, or null when a field held the separator (then `entries` carries it). */
    packed: string | null; entries: PendingEntry[] | null;
    /** Consumer cursors acked since the last message: applied before the batch's limit checks. */
    cursors: [string, number][] | null;
  }
  | { t: 'cursors'; cursors: [string, number][] }
  | { t: 'declare'; name: string }
  | { t: 'release'; name: string }
  /** Live commits for a consumer in another thread: the writer posts a TapCommit on `port` after each commit. */
  | { t: 'tap'; port: MessagePort }
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
  | { t: 'appended'; id: number; results: Float64Array; before: number; stats: WireStats }
  | { t: 'flushed'; id: number }
  | { t: 'trimmed'; deleted: number; stats: WireStats }
  | { t: 'fatal'; message: string };

/**
 * One append message's commit, as the writer thread posts it on a tap (SqliteJournal.tap): the entries as they
 * were packed (`entries` when they could not be), one result per entry (a position, DUPLICATE or FULL), and
 * the journal's last position before the commit, so a reader can tell that it has missed nothing: commits
 * follow each other when one's `before` is the previous one's last accepted position.
 */
export interface TapCommit {
  packed: string | null;
  entries: PendingEntry[] | null;
  results: Float64Array;
  before: number;
}

export const DUPLICATE = 0;
export const FULL = -1;

const SEP = '\x1f';
const FIELDS = 11;

/** True when no string field of the entry holds the separator, so `packEntry` is reversible. */
export function packable(e: PendingEntry): boolean {
  return !(e.enterpriseId.includes(SEP) || e.siteId.includes(SEP) || e.sensorId.includes(SEP) || e.vals.includes(SEP) ||
    e.quality.includes(SEP) || e.source.includes(SEP) || (e.boot !== null && e.boot.includes(SEP)) || (e.deviceId !== null && e.deviceId.includes(SEP)));
}

/** One entry as 11 separator-terminated fields; a nullable string is '' for null and '~' + value otherwise. */
export function packEntry(e: PendingEntry): string {
  return e.enterpriseId + SEP + e.siteId + SEP + e.sensorId + SEP + e.ts + SEP + (e.seq === null ? '' : e.seq) + SEP +
    (e.boot === null ? '' : '~' + e.boot) + SEP + e.quality + SEP + e.vals + SEP + e.receivedAt + SEP +
    (e.deviceId === null ? '' : '~' + e.deviceId) + SEP + e.source + SEP;
}

/** The separator of `packEntry` and the number of fields per entry, for readers that unpack only what they need. */
export const PACK_SEP = SEP;
export const PACK_FIELDS = FIELDS;

/** The inverse of concatenated `packEntry`s. */
export function unpackEntries(packed: string): PendingEntry[] {
  const f = packed.split(SEP);
  const out: PendingEntry[] = [];
  for (let i = 0; i + FIELDS <= f.length; i += FIELDS) {
    const seq = f[i + 4]!, boot = f[i + 5]!, device = f[i + 9]!;
    out.push({
      enterpriseId: f[i]!, siteId: f[i + 1]!, sensorId: f[i + 2]!, ts: Number(f[i + 3]), seq: seq === '' ? null : Number(seq),
      boot: boot === '' ? null : boot.slice(1), quality: f[i + 6]!, vals: f[i + 7]!, receivedAt: Number(f[i + 8]),
      deviceId: device === '' ? null : device.slice(1), source: f[i + 10] as PendingEntry['source'],
    });
  }
  return out;
}
