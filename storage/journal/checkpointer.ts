// The journal's checkpointer thread: copies committed WAL frames back into the database file beside the
// writer. A PASSIVE checkpoint on its own connection never blocks the writer, whose commits would
// otherwise stop for 10–60 ms every 1,000 WAL pages (SQLite's auto-checkpoint runs inside the commit
// that crosses the mark). It reports how far it got; the writer finishes the few frames left, between
// two commits, so that the WAL is reused from its start (journal-worker.ts).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointerConfig { path: string; fsync: boolean; everyMs: number }
/** Frames in the WAL and frames of it now copied into the database file. */
export interface CheckpointReport { log: number; checkpointed: number }

const cfg = workerData as CheckpointerConfig;
const port = parentPort!;
const db = new Database(cfg.path);
db.pragma(`synchronous = ${cfg.fsync ? 'FULL' : 'NORMAL'}`);

const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (r && r.log > 0) port.postMessage({ log: r.log, checkpointed: r.checkpointed } satisfies CheckpointReport);
  } catch {
    // SQLITE_BUSY: the writer is finishing a checkpoint itself; the next round continues.
  }
}, cfg.everyMs);

port.on('message', (m: 'close') => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  port.close();
});
