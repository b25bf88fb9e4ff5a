// The alert store on SQLite (architecture.md "Platform state"; contract: rules/alerts/store.ts, proven by
// rules/alerts/store.contract.ts). One connection, owned by the alert manager's thread: commits are small
// (one alert, a few events), so they run inline; `fsync: true` makes each commit durable against power loss
// (`synchronous = FULL`), the default survives a process crash (`NORMAL` in WAL mode). With `checkpointer`,
// WAL checkpoints (page copies and their fsyncs) run on a thread of their own instead of inside the commit
// that crosses SQLite's auto-checkpoint mark, which stalled the manager's thread for ~10 ms every second or
// so at a few hundred events/s (bench:rules e2e).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../ts-worker.ts';
import type { CheckpointerConfig } from '../journal/checkpointer.ts';
import { OutboxTail, type TailRow } from './outbox-tail.ts';
import type { Transition } from '../../core/alert.ts';
import type { Evidence } from '../../rules/engine/signal.ts';
import type { AlertFilter, AlertStore, AuditEntry, FeedEvent, OutboxRow } from '../../rules/alerts/store.ts';
import type { StoredAlert } from '../../rules/alerts/types.ts';
import {
  ALERTS_DDL, FEED_BACKFILL, CLOSED_HANDLING, OUTBOX_KEEP_PUBLISHED, checkCommit, checkLimit, decodeCursor, duplicateEvent,
  encodeCursor, eventMs, lastEventMs, outboxStates, raisedMs, type CursorKey,
} from './schema.ts';

export interface SqliteAlertStoreOptions {
  /** fsync every commit (`synchronous = FULL`); default NORMAL. */
  fsync?: boolean;
  /** Published outbox rows kept (by seq) before deletion; default OUTBOX_KEEP_PUBLISHED. */
  keepPublished?: number;
  /** Checkpoint the WAL on a thread of its own (a file database only). */
  checkpointer?: boolean;
}

/** The optional filters of AlertFilter as (column predicate, value); `state: 'open'` has no parameter. */
const FILTERS = [
  ['level', 'level = ?'],
  ['kind', 'kind = ?'],
  ['enterpriseId', 'enterprise = ?'],
  ['siteId', 'site = ?'],
  ['handling', 'handling = ?'],
  ['sinceMs', 'updated >= ?'],
] as const;

interface ListRow { doc: string; updated: number; id: string }

/** Every statement but the list queries, prepared once per connection. */
function prepare(db: Database.Database) {
  return {
    upsert: db.prepare(`INSERT INTO alerts (id, key, doc, handling, level, kind, enterprise, site, county, sector, updated, raised, archived)
      VALUES (@id, @key, @doc, @handling, @level, @kind, @enterprise, @site, @county, @sector, coalesce(@updated, @raised), @raised, @archived)
      ON CONFLICT (id) DO UPDATE SET key = excluded.key, doc = excluded.doc, handling = excluded.handling, level = excluded.level,
        kind = excluded.kind, enterprise = excluded.enterprise, site = excluded.site, county = excluded.county, sector = excluded.sector,
        updated = coalesce(@updated, alerts.updated), raised = excluded.raised, archived = excluded.archived`),
    insEvent: db.prepare('INSERT INTO events (alert, version, at, doc) VALUES (?, ?, ?, ?)'),
    insFeed: db.prepare('INSERT INTO feed (alert, version) VALUES (?, ?)'),
    feed: db.prepare('SELECT f.seq AS seq, e.doc AS doc FROM feed f JOIN events e ON e.alert = f.alert AND e.version = f.version WHERE f.seq > ? ORDER BY f.seq LIMIT ?'),
    lastFeed: db.prepare('SELECT coalesce(max(seq), 0) FROM feed').pluck(),
    getFeedCursor: db.prepare('SELECT seq FROM feed_cursors WHERE name = ?').pluck(),
    putFeedCursor: db.prepare('INSERT INTO feed_cursors (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = max(seq, excluded.seq)'),
    insAudit: db.prepare('INSERT INTO audit (alert, version, doc) VALUES (?, ?, ?)'),
    insOutbox: db.prepare('INSERT INTO outbox (transition, state) VALUES (?, ?)'),
    insEvidence: db.prepare('INSERT OR IGNORE INTO evidence (alert, doc) VALUES (?, ?)'),
    get: db.prepare('SELECT doc FROM alerts WHERE id = ?').pluck(),
    live: db.prepare("SELECT doc FROM alerts WHERE handling <> 'archived'").pluck(),
    events: db.prepare('SELECT doc FROM events WHERE alert = ? ORDER BY version').pluck(),
    audit: db.prepare('SELECT doc FROM audit WHERE alert = ? ORDER BY seq').pluck(),
    evidence: db.prepare('SELECT doc FROM evidence WHERE alert = ?').pluck(),
    pending: db.prepare('SELECT seq, transition, state FROM outbox WHERE seq > max(?, (SELECT published FROM outbox_cursor WHERE id = 1)) ORDER BY seq LIMIT ?'),
    // Never beyond the last seq issued, so a stray mark cannot swallow rows committed later.
    mark: db.prepare(`UPDATE outbox_cursor SET published = max(published,
      min(?, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0))) WHERE id = 1`),
    purge: db.prepare('DELETE FROM outbox WHERE seq <= (SELECT published FROM outbox_cursor WHERE id = 1) - ?'),
    lastOutbox: db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)").pluck(),
    published: db.prepare('SELECT published FROM outbox_cursor WHERE id = 1').pluck(),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    saveCp: db.prepare('INSERT INTO checkpoint (id, pos, state) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET pos = excluded.pos, state = excluded.state'),
    loadCp: db.prepare('SELECT pos, state FROM checkpoint WHERE id = 1'),
  };
}

export class SqliteAlertStore implements AlertStore {
  private readonly db: Database.Database;
  private readonly keepPublished: number;
  private readonly listStmts = new Map<string, Database.Statement>();
  private readonly s: ReturnType<typeof prepare>;
  private readonly commitTx: (a: StoredAlert, ts: readonly Transition[], audits: readonly AuditEntry[], ev: Evidence | null, staged: TailRow[]) => void;
  private readonly markTx: (seq: number) => void;
  /** The pending outbox rows this connection committed (outbox-tail.ts), with the outbox cursor and the
   * database's data_version as this connection last saw them. */
  private readonly tail: OutboxTail;
  private published: number;
  private dataVersion: number;
  private checkpointer: Worker | null = null;
  /** Settles when the checkpointer thread has exited (at once if it never started or already died). */
  private checkpointerExit: Promise<void> = Promise.resolve();

  constructor(path: string, opts: SqliteAlertStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.keepPublished = opts.keepPublished ?? OUTBOX_KEEP_PUBLISHED;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.fsync ? 'FULL' : 'NORMAL'}`);
    this.db.exec(ALERTS_DDL);
    this.db.transaction(() => this.db.exec(FEED_BACKFILL))();
    if (opts.checkpointer && path !== ':memory:') this.startCheckpointer(path, !!opts.fsync);
    const db = this.db;
    this.s = prepare(db);
    this.commitTx = db.transaction((a: StoredAlert, ts: readonly Transition[], audits: readonly AuditEntry[], ev: Evidence | null, staged: TailRow[]) => {
      const doc = JSON.stringify(a);
      const docs = ts.map((t) => JSON.stringify(t));
      this.s.upsert.run({
        id: a.id, key: a.key, doc, handling: a.handling, level: a.level, kind: a.kind,
        enterprise: a.enterpriseId, site: a.siteId, county: a.county, sector: a.sector,
        updated: lastEventMs(ts), raised: raisedMs(a), archived: a.archivedAtMs,
      });
      ts.forEach((t, i) => {
        try {
          this.s.insEvent.run(a.id, t.version, eventMs(t), docs[i]);
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw duplicateEvent(a.id, t.version);
          throw err;
        }
        this.s.insFeed.run(a.id, t.version);
      });
      for (const e of audits) this.s.insAudit.run(e.alertId, e.version, JSON.stringify(e));
      outboxStates(a, ts).forEach((st, i) => {
        const state = st === a ? doc : st ? JSON.stringify(st) : null;
        const r = this.s.insOutbox.run(docs[i], state);
        staged.push({ seq: Number(r.lastInsertRowid), transition: docs[i]!, state });
      });
      if (ev) this.s.insEvidence.run(a.id, JSON.stringify(ev));
    });
    this.markTx = db.transaction((seq: number) => {
      this.s.mark.run(seq);
      this.s.purge.run(this.keepPublished);
    });
    this.tail = new OutboxTail(this.s.lastOutbox.get() as number);
    this.published = this.s.published.get() as number;
    this.dataVersion = this.s.dataVersion.get() as number;
  }

  loadLive(): StoredAlert[] {
    return (this.s.live.all() as string[]).map((d) => JSON.parse(d) as StoredAlert);
  }

  get(id: string): StoredAlert | undefined {
    const d = this.s.get.get(id) as string | undefined;
    return d === undefined ? undefined : (JSON.parse(d) as StoredAlert);
  }

  list(f: AlertFilter): { alerts: StoredAlert[]; nextCursor: string | null } {
    checkLimit(f.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    let shape = f.state;
    if (f.state === 'open') where.push(`handling NOT IN (${CLOSED_HANDLING.map((h) => `'${h}'`).join(', ')})`);
    for (const [field, sql] of FILTERS) {
      const v = f[field];
      if (v === undefined) continue;
      where.push(sql);
      params.push(v);
      shape += `|${field}`;
    }
    const pageStmt = this.listStmt(shape, where, false);
    const afterStmt = this.listStmt(shape, where, true);
    // One row past the limit tells whether there is a next page; with `visible`, rows are fetched in pages
    // until limit + 1 visible ones are found or the rows run out.
    const want = f.limit + 1;
    const page = f.visible ? Math.max(want, 200) : want;
    let after: CursorKey | null = f.cursor !== undefined ? decodeCursor(f.cursor) : null;
    const out: ListRow[] = [];
    const alerts: StoredAlert[] = [];
    for (;;) {
      const rows = (after ? afterStmt.all(...params, after.updated, after.id, page) : pageStmt.all(...params, page)) as ListRow[];
      for (const r of rows) {
        const a = JSON.parse(r.doc) as StoredAlert;
        if (f.visible && !f.visible(a)) continue;
        out.push(r);
        alerts.push(a);
        if (out.length === want) break;
      }
      const tail = rows[rows.length - 1];
      if (out.length === want || rows.length < page || !tail) break;
      after = { updated: tail.updated, id: tail.id };
    }
    const more = alerts.length > f.limit;
    const lastShown = out[f.limit - 1];
    return { alerts: alerts.slice(0, f.limit), nextCursor: more && lastShown ? encodeCursor(lastShown) : null };
  }

  private listStmt(shape: string, where: readonly string[], withCursor: boolean): Database.Statement {
    const key = `${shape}|${withCursor}`;
    let st = this.listStmts.get(key);
    if (!st) {
      const conds = withCursor ? [...where, '(updated, id) < (?, ?)'] : [...where];
      st = this.db.prepare(`SELECT doc, updated, id FROM alerts ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
        ORDER BY updated DESC, id DESC LIMIT ?`);
      this.listStmts.set(key, st);
    }
    return st;
  }

  events(id: string): Transition[] {
    return (this.s.events.all(id) as string[]).map((d) => JSON.parse(d) as Transition);
  }

  audit(id: string): AuditEntry[] {
    return (this.s.audit.all(id) as string[]).map((d) => JSON.parse(d) as AuditEntry);
  }

  evidence(id: string): Evidence | null {
    const d = this.s.evidence.get(id) as string | undefined;
    return d === undefined ? null : (JSON.parse(d) as Evidence);
  }

  commit(alert: StoredAlert, transitions: readonly Transition[], audits: readonly AuditEntry[], evidence?: Evidence | null): void {
    checkCommit(alert, transitions, audits);
    const staged: TailRow[] = [];
    // Inside a caller's transaction this commit is a savepoint that may still be rolled back: the table decides.
    const nested = this.db.inTransaction;
    this.commitTx(alert, transitions, audits, evidence ?? null, staged);
    if (nested) this.tail.restart(Infinity);
    else this.tail.append(staged);
  }

  pendingOutbox(limit: number, afterSeq = 0): OutboxRow[] {
    checkLimit(limit);
    this.checkOtherWriters();
    const from = Math.max(afterSeq, this.published);
    const rows = this.tail.covers(from) ? this.tail.after(from, limit) : this.s.pending.all(afterSeq, limit) as TailRow[];
    return rows.map((r) => ({
      seq: r.seq,
      transition: JSON.parse(r.transition) as Transition,
      state: r.state === null ? null : (JSON.parse(r.state) as StoredAlert),
    }));
  }

  markPublished(seq: number): void {
    this.markTx(seq);
    this.published = this.s.published.get() as number;
    this.tail.marked(this.published);
  }

  /** Another connection's commit (data_version moved) may have added outbox rows or moved the cursor: the tail
   * starts over from the table. */
  private checkOtherWriters(): void {
    const v = this.s.dataVersion.get() as number;
    if (v === this.dataVersion) return;
    this.dataVersion = v;
    this.published = this.s.published.get() as number;
    this.tail.restart(this.s.lastOutbox.get() as number);
  }

  eventFeed(afterSeq: number, limit: number): FeedEvent[] {
    checkLimit(limit);
    return (this.s.feed.all(afterSeq, limit) as { seq: number; doc: string }[]).map((r) => ({ seq: r.seq, transition: JSON.parse(r.doc) as Transition }));
  }

  lastFeedSeq(): number {
    return this.s.lastFeed.get() as number;
  }

  feedCursor(name: string): number {
    return (this.s.getFeedCursor.get(name) as number | undefined) ?? 0;
  }

  saveFeedCursor(name: string, seq: number): void {
    this.s.putFeedCursor.run(name, seq);
  }

  saveCheckpoint(pos: number, state: Uint8Array): void {
    this.s.saveCp.run(pos, Buffer.from(state.buffer, state.byteOffset, state.byteLength));
  }

  loadCheckpoint(): { pos: number; state: Uint8Array } | null {
    const r = this.s.loadCp.get() as { pos: number; state: Buffer } | undefined;
    return r ? { pos: r.pos, state: new Uint8Array(r.state) } : null;
  }

  private startCheckpointer(path: string, fsync: boolean): void {
    this.db.pragma('wal_autocheckpoint = 0');
    const w = startTsWorker(new URL('../journal/checkpointer.ts', import.meta.url), {
      workerData: { path, fsync, everyMs: 200, chaseFrames: 256, restartFrames: 65_536 } satisfies CheckpointerConfig,
    });
    w.unref();
    this.checkpointerExit = new Promise((resolve) => w.once('exit', () => resolve()));
    // Without the thread, checkpoints go back into the commits (SQLite's default mark).
    w.on('error', () => { if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000'); });
    this.checkpointer = w;
  }

  /** Closes the store. With a checkpointer thread, resolves once that thread has closed its connection and exited,
   * and closes this connection last (its close checkpoints and removes the WAL): after it nothing touches the
   * database's files, so a data dir can be removed or reopened at once. Without one, closes synchronously. */
  close(): Promise<void> {
    const w = this.checkpointer;
    this.checkpointer = null;
    const closeDb = () => { if (this.db.open) this.db.close(); };
    if (!w) {
      closeDb();
      return Promise.resolve();
    }
    w.postMessage('close');
    return this.checkpointerExit.then(closeDb);
  }
}
