// The journal's writer thread: owns the SQLite write connection, so group commits (and fsyncs) never
// block the broker's event loop. Append messages that arrive in the same turn share one transaction.
// Per commit it writes only the rows (and cursors, when some moved): the newest reading per sensor
// (`sensor_last`, for contract.md "Duplicates" beyond the key window) lives in memory and is persisted
// in the background, with a watermark from which a restart folds the rows after it back in.
import Database from 'better-sqlite3';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { PendingEntry } from '../../ingest/journal.ts';
import { startTsWorker } from '../ts-worker.ts';
import type { CheckpointReport, CheckpointerConfig } from './checkpointer.ts';
import { DUPLICATE, FULL, unpackEntries, type FromWorker, type TapCommit, type ToWorker, type WorkerConfig } from './protocol.ts';
import { JOURNAL_DDL, entryBytes } from './schema.ts';

const cfg = workerData as WorkerConfig;
const port = parentPort!;
const send = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

/** Rows deleted per trim transaction, and sensor_last rows written per background transaction: small
 * enough that a commit waiting behind one is delayed by well under a ms. A trim of 2,000 rows took 5–9 ms
 * with 10k sensors (a p99 alert-latency hiccup every 5 s in bench:rules e2e); 500 take ≈ 0.5 ms alone. Upserts
 * cost more per row, and every sensor is dirty in each 5-s round: in chunks of 500 the round was 20
 * stalls of the commit path in a row, 1.5–4 ms each, during bench:rules e2e; in chunks of 100, 0.3 ms
 * (p90 0.4 ms, max 3.8 ms). */
const TRIM_CHUNK = 500;
const LAST_CHUNK = 100;
/** WAL size (frames of 4 KiB) from which the writer finishes a checkpoint so the WAL starts over; at most
 * this many frames may still be uncopied for that, and beyond the hard cap it checkpoints regardless. */
const WAL_RESTART_FRAMES = 4096;
const WAL_FINISH_FRAMES = 512;
const WAL_HARD_CAP_FRAMES = 65536;

const db = new Database(cfg.path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${cfg.fsync ? 'FULL' : 'NORMAL'}`);
db.pragma('cache_size = -32768'); // 32 MiB: the index's hot tail and the cursor rows stay in memory
db.exec(JOURNAL_DDL);
// Checkpoints run on the checkpointer's connection (checkpointer.ts), not inside this thread's commits.
db.pragma('wal_autocheckpoint = 0');
const checkpointer = startTsWorker(new URL('./checkpointer.ts', import.meta.url), {
  workerData: { path: cfg.path, fsync: cfg.fsync, everyMs: 200 } satisfies CheckpointerConfig,
});
let finishCheckpoint = false;
checkpointer.on('message', (r: CheckpointReport) => {
  if ((r.log >= WAL_RESTART_FRAMES && r.log - r.checkpointed <= WAL_FINISH_FRAMES) || r.log >= WAL_HARD_CAP_FRAMES) {
    finishCheckpoint = true;
    scheduleBackground();
  }
});
checkpointer.on('error', (err) => send({ t: 'fatal', message: `journal checkpointer: ${err.message}` }));

const insert = db.prepare(
  `INSERT OR IGNORE INTO readings (enterprise, site, sensor, ts, seq, seq_key, boot, quality, vals, received, device, source, off)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const getLast = db.prepare('SELECT boot, ts, seq FROM sensor_last WHERE enterprise = ? AND sensor = ?');
const putLast = db.prepare(
  `INSERT INTO sensor_last (enterprise, sensor, boot, ts, seq) VALUES (?, ?, ?, ?, ?)
   ON CONFLICT (enterprise, sensor) DO UPDATE SET boot = excluded.boot, ts = excluded.ts, seq = excluded.seq`,
);
const putCursor = db.prepare('INSERT INTO cursors (name, pos) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET pos = excluded.pos');
const dropCursor = db.prepare('DELETE FROM cursors WHERE name = ?');
const offAt = db.prepare('SELECT off FROM readings WHERE pos <= ? ORDER BY pos DESC LIMIT 1').pluck();
const getMeta = db.prepare('SELECT v FROM meta WHERE k = ?').pluck();
const putMeta = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
const lastRow = db.prepare('SELECT pos, off FROM readings ORDER BY pos DESC LIMIT 1');
const sequence = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'readings'`).pluck();
const firstAtOrAfter = db.prepare('SELECT pos, received, off FROM readings WHERE pos >= ? ORDER BY pos LIMIT 1');
const lastAtOrBelow = db.prepare('SELECT pos, received, off FROM readings WHERE pos <= ? ORDER BY pos DESC LIMIT 1');
const nthAfter = db.prepare('SELECT pos, off FROM readings WHERE pos > ? AND pos <= ? ORDER BY pos LIMIT 1 OFFSET ?');
const trimStmt = db.prepare('DELETE FROM readings WHERE pos > ? AND pos <= ? AND received < ?');
const rowsAfter = db.prepare('SELECT enterprise, sensor, boot, ts, seq FROM readings WHERE pos > ? ORDER BY pos');

interface Last { boot: string | null; ts: number; seq: number | null }
interface SensorState { enterpriseId: string; sensorId: string; last: Last | null }
/** key `${enterprise}/${sensor}` → newest reading (by ts) of the sensor; `last` null when it has none. */
const sensors = new Map<string, SensorState>();
/** Sensors whose `last` changed since their last write to sensor_last. */
let dirtyLast = new Map<string, SensorState>();
const cursors = new Map<string, number>(
  (db.prepare('SELECT name, pos FROM cursors').all() as { name: string; pos: number }[]).map((r) => [r.name, r.pos]),
);
const dirtyCursors = new Set<string>();
/** Consumers in other threads that get every commit as it lands (SqliteJournal.tap). */
const taps = new Set<MessagePort>();

const tail = lastRow.get() as { pos: number; off: number } | undefined;
let lastPos = Math.max(tail?.pos ?? 0, (sequence.get() as number | undefined) ?? 0, (getMeta.get('last_pos') as number | undefined) ?? 0);
let curOff = tail?.off ?? (getMeta.get('base_off') as number | undefined) ?? 0;
let consumedOff = 0;

function sensorState(enterpriseId: string, sensorId: string): SensorState {
  const key = `${enterpriseId}/${sensorId}`;
  let s = sensors.get(key);
  if (!s) {
    s = { enterpriseId, sensorId, last: (getLast.get(enterpriseId, sensorId) as Last | undefined) ?? null };
    sensors.set(key, s);
  }
  return s;
}
/** The newest reading by ts wins; a later one with the same ts replaces it (journal order). */
function noteLast(s: SensorState, e: { boot: string | null; ts: number; seq: number | null }): void {
  if (s.last === null || e.ts >= s.last.ts) {
    s.last = { boot: e.boot, ts: e.ts, seq: e.seq };
    dirtyLast.set(`${s.enterpriseId}/${s.sensorId}`, s);
  }
}

// sensor_last holds every row up to the 'last_synced' watermark; fold in the rows a crash left after it.
// A journal without the watermark was written by the per-commit version, which kept sensor_last exact.
const synced = getMeta.get('last_synced') as number | undefined;
if (synced !== undefined && synced < lastPos) {
  for (const r of rowsAfter.iterate(synced) as Iterable<{ enterprise: string; sensor: string } & Last>) noteLast(sensorState(r.enterprise, r.sensor), r);
}
db.transaction(() => { writeLast(dirtyLast.values()); putMeta.run('last_synced', lastPos); })();
dirtyLast.clear();

function minCursor(): number {
  let min = Infinity;
  for (const p of cursors.values()) if (p < min) min = p;
  return min === Infinity ? 0 : min;
}
function recomputeConsumed(): void {
  const p = minCursor();
  consumedOff = p <= 0 ? 0 : ((offAt.get(p) as number | undefined) ?? (getMeta.get('base_off') as number | undefined) ?? 0);
}
recomputeConsumed();
const stats = () => ({ lastPos, unconsumedBytes: curOff - consumedOff });

/** contract.md "Duplicates": beyond the key window, an older reading whose seq is not above the last
 * seq seen for the same boot is a duplicate too (history imports are judged by their keys only). */
function isOldReplay(e: PendingEntry, s: SensorState, now: number): boolean {
  if (e.source === 'import' || e.seq === null || e.ts >= now - cfg.dedupeWindowMs) return false;
  const l = s.last;
  return l !== null && l.seq !== null && l.boot === e.boot && e.ts < l.ts && e.seq <= l.seq;
}

type AppendMsg = Extract<ToWorker, { t: 'append' }>;
let pending: AppendMsg[] = [];
let scheduled = false;

const commit = db.transaction((batch: { msg: AppendMsg; entries: PendingEntry[] }[]) => {
  // Cursor acks that arrived since the last commit free space: count them before checking the limit.
  writeCursors();
  const out: { results: Float64Array; before: number }[] = [];
  for (const { msg, entries } of batch) {
    const results = new Float64Array(entries.length);
    const before = lastPos;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const s = sensorState(e.enterpriseId, e.sensorId);
      if (isOldReplay(e, s, msg.now)) { results[i] = DUPLICATE; continue; }
      const b = entryBytes(e);
      if (curOff - consumedOff + b > cfg.limitBytes) { results[i] = FULL; continue; }
      const info = insert.run(e.enterpriseId, e.siteId, e.sensorId, e.ts, e.seq, e.seq ?? -1, e.boot, e.quality, e.vals, e.receivedAt, e.deviceId, e.source, curOff + b);
      if (info.changes === 0) { results[i] = DUPLICATE; continue; }
      curOff += b;
      lastPos = Number(info.lastInsertRowid);
      results[i] = lastPos;
      noteLast(s, e);
    }
    out.push({ results, before });
  }
  return out;
});

function applyCursors(list: [string, number][] | null): void {
  if (list) for (const [name, pos] of list) if ((cursors.get(name) ?? -1) < pos) { cursors.set(name, pos); dirtyCursors.add(name); }
}
function writeCursors(): void {
  for (const name of dirtyCursors) putCursor.run(name, cursors.get(name)!);
  if (dirtyCursors.size > 0) recomputeConsumed();
  dirtyCursors.clear();
}
function writeLast(states: Iterable<SensorState>): void {
  for (const s of states) if (s.last) putLast.run(s.enterpriseId, s.sensorId, s.last.boot, s.last.ts, s.last.seq);
}

function flush(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length === 0) return;
  for (const m of batch) applyCursors(m.cursors);
  const out = commit(batch.map((msg) => ({ msg, entries: msg.packed !== null ? unpackEntries(msg.packed) : msg.entries! })));
  // Taps first: the results buffers are transferred to the main thread below.
  if (taps.size > 0) {
    batch.forEach((m, i) => {
      const c: TapCommit = { packed: m.packed, entries: m.packed === null ? m.entries : null, results: out[i]!.results.slice(), before: out[i]!.before };
      for (const t of taps) t.postMessage(c);
    });
  }
  const s = stats();
  batch.forEach((req, i) => send({ t: 'appended', id: req.id, ...out[i]!, stats: s }, [out[i]!.results.buffer as ArrayBuffer]));
}

// ---- background work: sensor_last and trimming, in small transactions between group commits ---------

/** A sync round writes the states dirty at its start (as they were then), then moves the watermark to its `pos`:
 * every row up to it is then reflected in sensor_last. */
let round: { states: [string, SensorState][]; last: Last[]; i: number; pos: number } | null = null;
let trimTarget: { upTo: number; before: number; from: number; boundary: number | null } | null = null;
let deletedInRun = 0;
let backgroundScheduled = false;

function scheduleBackground(): void {
  if (!backgroundScheduled) { backgroundScheduled = true; setImmediate(background); }
}

function startSync(): void {
  if (round || dirtyLast.size === 0) return;
  const states = [...dirtyLast];
  round = { states, last: states.map(([, s]) => s.last!), i: 0, pos: lastPos };
  dirtyLast = new Map();
}

/** One small step of background work, then yield to pending appends. */
function background(): void {
  backgroundScheduled = false;
  try {
    if (finishCheckpoint) {
      finishCheckpoint = false;
      db.pragma('wal_checkpoint(PASSIVE)');
      scheduleBackground();
      return;
    }
    if (round) {
      const r = round;
      const end = Math.min(r.states.length, r.i + LAST_CHUNK);
      db.transaction(() => {
        for (; r.i < end; r.i++) {
          const s = r.states[r.i]![1], l = r.last[r.i]!;
          putLast.run(s.enterpriseId, s.sensorId, l.boot, l.ts, l.seq);
        }
        if (r.i === r.states.length) putMeta.run('last_synced', r.pos);
      })();
      if (r.i === r.states.length) round = null;
      scheduleBackground();
      return;
    }
    if (trimTarget) {
      const more = trimStep(trimTarget);
      if (more) { scheduleBackground(); return; }
      trimTarget = null;
      send({ t: 'trimmed', deleted: deletedInRun, stats: stats() });
    }
  } catch (err) {
    send({ t: 'fatal', message: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * Deletes up to TRIM_CHUNK rows after `t.from` that every consumer has acked (pos ≤ upTo) and that left
 * the dedupe key window (received < before); returns whether there is more. `received` rises with pos
 * (the ingest time; commits are in order), so the boundary is found by bisecting positions with
 * primary-key lookups instead of scanning; a row that breaks the order (a clock step) is kept by the
 * DELETE's own test, never deleted early.
 */
function trimStep(t: { upTo: number; before: number; from: number; boundary: number | null }): boolean {
  if (t.boundary === null) {
    const first = firstAtOrAfter.get(0) as { pos: number; received: number } | undefined;
    if (!first || first.pos > t.upTo || first.received >= t.before) return false;
    let lo = first.pos, hi = t.upTo;
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if ((lastAtOrBelow.get(mid) as { received: number }).received < t.before) lo = mid;
      else hi = mid - 1;
    }
    t.boundary = lo;
  }
  const end = (nthAfter.get(t.from, t.boundary, TRIM_CHUNK - 1) as { pos: number; off: number } | undefined)
    ?? (lastAtOrBelow.get(t.boundary) as { pos: number; off: number });
  if (end.pos <= t.from) return false;
  db.transaction(() => {
    const info = trimStmt.run(t.from, end.pos, t.before);
    if (info.changes > 0) putMeta.run('base_off', end.off);
    deletedInRun += info.changes;
  })();
  t.from = end.pos;
  return end.pos < t.boundary;
}

/** Everything in memory to disk, synchronously (close). */
function syncAll(): void {
  if (round) {
    for (const [key, st] of round.states.slice(round.i)) dirtyLast.set(key, st);
    round = null;
  }
  db.transaction(() => {
    writeCursors();
    writeLast(dirtyLast.values());
    putMeta.run('last_synced', lastPos);
  })();
  dirtyLast.clear();
}

port.on('message', (m: ToWorker) => {
  try {
    switch (m.t) {
      case 'append':
        pending.push(m);
        if (!scheduled) { scheduled = true; setImmediate(flush); }
        break;
      case 'cursors':
        applyCursors(m.cursors);
        break;
      case 'declare':
        if (!cursors.has(m.name)) { cursors.set(m.name, 0); dirtyCursors.add(m.name); }
        break;
      case 'tap':
        taps.add(m.port);
        m.port.once('close', () => taps.delete(m.port));
        break;
      case 'release':
        if (cursors.delete(m.name)) {
          dirtyCursors.delete(m.name);
          dropCursor.run(m.name);
          recomputeConsumed();
        }
        break;
      case 'flush':
        flush();
        db.transaction(writeCursors)();
        send({ t: 'flushed', id: m.id });
        break;
      case 'trim':
        flush();
        db.transaction(writeCursors)();
        startSync();
        if (!trimTarget) { trimTarget = { upTo: minCursor(), before: m.now - cfg.dedupeWindowMs, from: 0, boundary: null }; deletedInRun = 0; }
        scheduleBackground();
        break;
      case 'close':
        flush();
        syncAll();
        for (const t of taps) t.close();
        taps.clear();
        checkpointer.postMessage('close');
        checkpointer.once('exit', () => { db.close(); port.close(); });
        break;
    }
  } catch (err) {
    send({ t: 'fatal', message: err instanceof Error ? err.message : String(err) });
  }
});

send({ t: 'ready', stats: stats(), cursors: Object.fromEntries(cursors) });
