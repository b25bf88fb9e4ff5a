// A HistorySource kept by the platform itself (architecture.md "History for rules"): 15-min means of the
// series that baselines need (power meters report one reading per 15 min, domain.md §2.4.1), because the
// ingest journal keeps about a day while baselines read 4–8 weeks. The rules engine feeds `record` for the
// sensors whose rules use baselines; `flush` writes the buffered buckets in one transaction and trims
// buckets older than the retention. InfluxDB (issue 5) serves the same interface when configured.
//
// Storage: one row per (series, 15-min bucket) holding (sum, count), so late and repeated readings merge
// into the mean; a series id table keeps the strings out of the ~6,000 rows per series that 63 days hold.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistoryQuery, HistorySource } from '../../rules/baseline/history.ts';

export const BUCKET_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

const DDL = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  enterprise TEXT NOT NULL, sensor TEXT NOT NULL, metric TEXT NOT NULL,
  UNIQUE (enterprise, sensor, metric)
);
CREATE TABLE IF NOT EXISTS buckets (
  series INTEGER NOT NULL, bucket INTEGER NOT NULL, sum REAL NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (series, bucket)
) WITHOUT ROWID;
`;

export interface SqliteSeriesOptions {
  path: string;
  /** Buckets older than this many days before `now()` are dropped by `flush`; default 63 (9 weeks: the 8
   * comparable weeks of a baseline and the week in progress). */
  retentionDays?: number;
  /** The injected clock (architecture.md "Time"); retention is judged against it. */
  now: () => number;
}

interface Pending { series: number; bucket: number; sum: number; n: number }

export class SqliteSeriesHistory implements HistorySource {
  private readonly db: Database.Database;
  private readonly ids = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private readonly retentionMs: number;
  /** The last retention cut applied, in buckets: trimming runs once per bucket boundary, not per flush. */
  private trimmedTo = -Infinity;
  private readonly insSeries: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly trim: Database.Statement;

  constructor(private readonly opts: SqliteSeriesOptions) {
    this.retentionMs = (opts.retentionDays ?? 63) * DAY_MS;
    mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(DDL);
    for (const r of this.db.prepare('SELECT id, enterprise, sensor, metric FROM series').all() as { id: number; enterprise: string; sensor: string; metric: string }[]) {
      this.ids.set(key(r.enterprise, r.sensor, r.metric), r.id);
    }
    this.insSeries = this.db.prepare('INSERT INTO series (enterprise, sensor, metric) VALUES (?, ?, ?)');
    this.upsert = this.db.prepare(`INSERT INTO buckets (series, bucket, sum, n) VALUES (?, ?, ?, ?)
      ON CONFLICT (series, bucket) DO UPDATE SET sum = sum + excluded.sum, n = n + excluded.n`);
    this.select = this.db.prepare('SELECT bucket, sum, n FROM buckets WHERE series = ? AND bucket >= ? AND bucket < ? ORDER BY bucket');
    this.trim = this.db.prepare('DELETE FROM buckets WHERE series = ? AND bucket < ?');
  }

  close(): void {
    this.db.close();
  }

  /** Buffers one value (epoch ms UTC) in memory; non-finite values are ignored. Durable after `flush`. */
  record(enterpriseId: string, sensorId: string, metric: string, ts: number, value: number): void {
    if (!Number.isFinite(value) || !Number.isFinite(ts)) return;
    const series = this.seriesId(enterpriseId, sensorId, metric);
    const bucket = Math.floor(ts / BUCKET_MS);
    const k = `${series}:${bucket}`;
    const p = this.pending.get(k);
    if (p) { p.sum += value; p.n++; }
    else this.pending.set(k, { series, bucket, sum: value, n: 1 });
  }

  /** Buffered buckets not yet written. */
  get pendingBuckets(): number {
    return this.pending.size;
  }

  /** Writes the buffer in one transaction and drops buckets older than the retention. Values older than the
   * retention are not written. */
  flush(): void {
    const cut = Math.floor((this.opts.now() - this.retentionMs) / BUCKET_MS);
    const tx = this.db.transaction(() => {
      for (const p of this.pending.values()) if (p.bucket >= cut) this.upsert.run(p.series, p.bucket, p.sum, p.n);
      if (cut > this.trimmedTo) {
        for (const id of this.ids.values()) this.trim.run(id, cut);
        this.trimmedTo = cut;
      }
    });
    tx();
    this.pending.clear();
  }

  /** Means per `everyMs` (aligned to the epoch) over the flushed 15-min buckets whose start lies in
   * [fromMs, toMs). An `everyMs` below 15 min returns the 15-min buckets themselves. */
  async series(q: HistoryQuery): Promise<{ ts: number; value: number }[]> {
    const id = this.ids.get(key(q.enterpriseId, q.sensorId, q.metric));
    if (id === undefined) return [];
    const rows = this.select.all(id, Math.ceil(q.fromMs / BUCKET_MS), Math.ceil(q.toMs / BUCKET_MS)) as { bucket: number; sum: number; n: number }[];
    const every = Math.max(q.everyMs, BUCKET_MS);
    const out: { ts: number; value: number }[] = [];
    let ts = NaN;
    let sum = 0;
    let n = 0;
    for (const r of rows) {
      const t = Math.floor((r.bucket * BUCKET_MS) / every) * every;
      if (t !== ts) {
        if (n > 0) out.push({ ts, value: sum / n });
        ts = t;
        sum = 0;
        n = 0;
      }
      sum += r.sum;
      n += r.n;
    }
    if (n > 0) out.push({ ts, value: sum / n });
    return out;
  }

  private seriesId(enterpriseId: string, sensorId: string, metric: string): number {
    const k = key(enterpriseId, sensorId, metric);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = Number(this.insSeries.run(enterpriseId, sensorId, metric).lastInsertRowid);
      this.ids.set(k, id);
    }
    return id;
  }
}

/** Ids match ID_RE (no '/'), metrics are identifiers: '/' cannot collide. */
const key = (enterpriseId: string, sensorId: string, metric: string): string => `${enterpriseId}/${sensorId}/${metric}`;
