// The journal's writer thread: owns the SQLite write connection, so group commits (and fsyncs) never
// block the broker's event loop. Appends that arrive in the same turn share one transaction.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { PendingEntry } from '../../ingest/journal.ts';
import { DUPLICATE, FULL, type FromWorker, type ToWorker, type WorkerConfig } from './protocol.ts';
import { JOURNAL_DDL, entryBytes } from './schema.ts';

const cfg = workerData as WorkerConfig;
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);

const db = new Database(cfg.path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${cfg.fsync ? 'FULL' : 'NORMAL'}`);
db.exec(JOURNAL_DDL);

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
const offAt = db.prepare('SELECT off FROM readings WHERE pos <= ? ORDER BY pos DESC LIMIT 1').pluck();
const getMeta = db.prepare('SELECT v FROM meta WHERE k = ?').pluck();
const putMeta = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
const lastRow = db.prepare('SELECT pos, off FROM readings ORDER BY pos DESC LIMIT 1');
const trimStmt = db.prepare('DELETE FROM readings WHERE pos IN (SELECT pos FROM readings WHERE pos <= ? AND received < ? ORDER BY pos LIMIT 20000)');
const maxOffBelow = db.prepare('SELECT max(off) FROM readings WHERE pos <= ? AND received < ?').pluck();

interface Last { boot: string | null; ts: number; seq: number | null }
const lastBySensor = new Map<string, Last>();
const dirtyLast = new Map<string, { e: PendingEntry; last: Last }>();
const cursors = new Map<string, number>(
  (db.prepare('SELECT name, pos FROM cursors').all() as { name: string; pos: number }[]).map((r) => [r.name, r.pos]),
);
const dirtyCursors = new Set<string>();

const tail = lastRow.get() as { pos: number; off: number } | undefined;
let lastPos = tail?.pos ?? (getMeta.get('last_pos') as number | undefined) ?? 0;
let curOff = tail?.off ?? (getMeta.get('base_off') as number | undefined) ?? 0;
let consumedOff = 0;

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

function lastOf(e: PendingEntry, key: string): Last | undefined {
  let l = lastBySensor.get(key);
  if (!l) {
    l = getLast.get(e.enterpriseId, e.sensorId) as Last | undefined;
    if (l) lastBySensor.set(key, l);
  }
  return l;
}

/** contract.md "Duplicates": beyond the key window, an older reading whose seq is not above the last
 * seq seen for the same boot is a duplicate too (history imports are judged by their keys only). */
function isOldReplay(e: PendingEntry, key: string, now: number): boolean {
  if (e.source === 'import' || e.seq === null || e.ts >= now - cfg.dedupeWindowMs) return false;
  const l = lastOf(e, key);
  return !!l && l.seq !== null && l.boot === e.boot && e.ts < l.ts && e.seq <= l.seq;
}

let pending: Extract<ToWorker, { t: 'append' }>[] = [];
let scheduled = false;

const commit = db.transaction((batch: Extract<ToWorker, { t: 'append' }>[]) => {
  // Cursor acks that arrived since the last commit free space: count them before checking the limit.
  writeCursors();
  const out: { results: number[]; before: number }[] = [];
  for (const req of batch) {
    const results: number[] = [];
    const before = lastPos;
    for (const e of req.entries) {
      const key = `${e.enterpriseId}/${e.sensorId}`;
      if (isOldReplay(e, key, req.now)) { results.push(DUPLICATE); continue; }
      const b = entryBytes(e);
      if (curOff - consumedOff + b > cfg.limitBytes) { results.push(FULL); continue; }
      const info = insert.run(e.enterpriseId, e.siteId, e.sensorId, e.ts, e.seq, e.seq ?? -1, e.boot, e.quality, e.vals, e.receivedAt, e.deviceId, e.source, curOff + b);
      if (info.changes === 0) { results.push(DUPLICATE); continue; }
      curOff += b;
      lastPos = Number(info.lastInsertRowid);
      results.push(lastPos);
      const l = lastOf(e, key);
      if (!l || e.ts >= l.ts) {
        const next = { boot: e.boot, ts: e.ts, seq: e.seq };
        lastBySensor.set(key, next);
        dirtyLast.set(key, { e, last: next });
      }
    }
    out.push({ results, before });
  }
  for (const { e, last } of dirtyLast.values()) putLast.run(e.enterpriseId, e.sensorId, last.boot, last.ts, last.seq);
  dirtyLast.clear();
  writeCursors();
  putMeta.run('last_pos', lastPos);
  return out;
});

function writeCursors(): void {
  for (const name of dirtyCursors) putCursor.run(name, cursors.get(name)!);
  if (dirtyCursors.size > 0) recomputeConsumed();
  dirtyCursors.clear();
}

function flush(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length === 0) return;
  const out = commit(batch);
  const s = stats();
  batch.forEach((req, i) => send({ t: 'appended', id: req.id, ...out[i]!, stats: s }));
}

function trim(now: number): void {
  const upTo = minCursor();
  const before = now - cfg.dedupeWindowMs;
  const base = maxOffBelow.get(upTo, before) as number | null;
  const info = trimStmt.run(upTo, before);
  if (base !== null && info.changes > 0) putMeta.run('base_off', base);
  send({ t: 'trimmed', deleted: info.changes, stats: stats() });
}

port.on('message', (m: ToWorker) => {
  try {
    switch (m.t) {
      case 'append':
        pending.push(m);
        if (!scheduled) { scheduled = true; setImmediate(flush); }
        break;
      case 'cursor':
        if ((cursors.get(m.name) ?? -1) < m.pos) { cursors.set(m.name, m.pos); dirtyCursors.add(m.name); }
        break;
      case 'declare':
        if (!cursors.has(m.name)) { cursors.set(m.name, 0); dirtyCursors.add(m.name); }
        break;
      case 'flush':
        flush();
        db.transaction(writeCursors)();
        send({ t: 'flushed', id: m.id });
        break;
      case 'trim':
        flush();
        db.transaction(writeCursors)();
        trim(m.now);
        break;
      case 'close':
        flush();
        db.transaction(writeCursors)();
        db.close();
        port.close();
        break;
    }
  } catch (err) {
    send({ t: 'fatal', message: err instanceof Error ? err.message : String(err) });
  }
});

send({ t: 'ready', stats: stats(), cursors: Object.fromEntries(cursors) });
