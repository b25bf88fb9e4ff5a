// The checkpointer thread of a WAL database (the journal, alerts.db): copies committed WAL frames back into
// the database file beside the writer. A PASSIVE checkpoint on its own connection never blocks the writer,
// whose commits would otherwise stop for 10–60 ms every 1,000 WAL pages (SQLite's auto-checkpoint runs
// inside the commit that crosses the mark, fsyncs included). It reports how far it got. The journal's
// writer finishes the few frames left itself, between two commits, so that the WAL is reused from its start
// (journal-worker.ts); a writer on the main thread (alerts.db) must not, so there the checkpointer chases:
// it goes again at once while a pass left only a few frames behind, until one catches up and the writer's
// next commit starts the WAL over; past a hard cap it waits for the writer between two commits (RESTART).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointerConfig {
  path: string;
  fsync: boolean;
  everyMs: number;
  /** Go again at once while a pass left at most this many frames uncopied (at most CHASE_PASSES times). */
  chaseFrames?: number;
  /** From this many frames in the WAL, checkpoint in RESTART mode (blocks the writer for the copy). */
  restartFrames?: number;
}
/** Frames in the WAL and frames of it now copied into the database file. */
export interface CheckpointReport { log: number; checkpointed: number }

const CHASE_PASSES = 20;

const cfg = workerData as CheckpointerConfig;
const port = parentPort!;
const db = new Database(cfg.path);
db.pragma(`synchronous = ${cfg.fsync ? 'FULL' : 'NORMAL'}`);

let log = 0;
let chases = 0;
let chase: NodeJS.Immediate | null = null;
function pass(): void {
  chase = null;
  try {
    const mode = cfg.restartFrames !== undefined && log >= cfg.restartFrames ? 'RESTART' : 'PASSIVE';
    const [r] = db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
    if (!r) return;
    log = r.log;
    if (r.log > 0) port.postMessage({ log: r.log, checkpointed: r.checkpointed } satisfies CheckpointReport);
    const behind = r.log - r.checkpointed;
    if (cfg.chaseFrames !== undefined && behind > 0 && behind <= cfg.chaseFrames && chases < CHASE_PASSES) {
      chases++;
      chase = setImmediate(pass);
      return;
    }
    chases = 0;
  } catch {
    // SQLITE_BUSY: the writer is finishing a checkpoint itself; the next round continues.
  }
}
const timer = setInterval(() => { if (!chase) pass(); }, cfg.everyMs);

port.on('message', (m: 'close') => {
  if (m !== 'close') return;
  clearInterval(timer);
  if (chase) clearImmediate(chase);
  db.close();
  port.close();
});
