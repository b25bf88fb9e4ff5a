// The ingest journal on SQLite (WAL): a writer worker does the group commits; this side reads with its
// own connection and feeds named consumers, backlog first, then live entries as commits land.
import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, Quality } from '../../core/reading.ts';
import type { AppendResult, Journal, JournalConsumer, JournalStats, PendingEntry } from '../../ingest/journal.ts';
import { startTsWorker } from '../ts-worker.ts';
import { JOURNAL_DDL } from './schema.ts';
import { DUPLICATE, FULL, type FromWorker, type ToWorker, type WireStats, type WorkerConfig } from './protocol.ts';

export interface SqliteJournalOptions {
  path: string;
  fsync: boolean;
  limitBytes: number;
  dedupeWindowMs: number;
  now: () => number;
  /** How often cursors are persisted and the journal trimmed. */
  housekeepingMs?: number;
  onFatal?: (message: string) => void;
}

/** Stored rows are selected under the names of PendingEntry, so one function builds every entry. */
const COLUMNS = `r.pos, r.enterprise AS enterpriseId, r.site AS siteId, r.sensor AS sensorId, r.ts, r.seq, r.boot, r.quality, r.vals,
  r.received AS receivedAt, r.device AS deviceId, r.source`;
type Row = PendingEntry & { pos: number };

const toEntry = ({ vals, ...e }: PendingEntry, pos: number): JournalEntry => ({ ...e, pos, quality: e.quality as Quality, values: JSON.parse(vals) });

class Consumer implements JournalConsumer {
  pos: number;
  delivered: number;
  constructor(readonly name: string, pos: number, private readonly persist: (name: string, pos: number) => void,
              readonly handler: (entries: JournalEntry[], c: JournalConsumer) => void) {
    this.pos = pos;
    this.delivered = pos;
  }
  ack(pos: number): void {
    if (pos > this.pos) { this.pos = pos; this.persist(this.name, pos); }
  }
}

export class SqliteJournal implements Journal {
  private worker!: Worker;
  private reader!: Database.Database;
  private readStmt!: Database.Statement;
  private nextId = 1;
  private waiting = new Map<number, { entries: PendingEntry[]; resolve: (r: AppendResult[]) => void; reject: (e: Error) => void }>();
  private flushWaiters = new Map<number, () => void>();
  private consumers = new Map<string, Consumer>();
  private observers = new Set<(entries: JournalEntry[]) => void>();
  private savedCursors: Record<string, number> = {};
  private wire: WireStats = { lastPos: 0, unconsumedBytes: 0 };
  private timer: NodeJS.Timeout | null = null;
  private failed: Error | null = null;

  constructor(private readonly opts: SqliteJournalOptions) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.opts.path), { recursive: true });
    const init = new Database(this.opts.path);
    init.pragma('journal_mode = WAL');
    init.exec(JOURNAL_DDL);
    init.close();
    const cfg: WorkerConfig = { path: this.opts.path, fsync: this.opts.fsync, limitBytes: this.opts.limitBytes, dedupeWindowMs: this.opts.dedupeWindowMs };
    this.worker = startTsWorker(new URL('./journal-worker.ts', import.meta.url), { workerData: cfg });
    await new Promise<void>((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (m: FromWorker) => {
        if (m.t === 'ready') { this.savedCursors = m.cursors; this.wire = m.stats; resolve(); }
        else this.onMessage(m);
      });
    });
    this.worker.on('error', (err) => this.fail(err));
    this.reader = new Database(this.opts.path, { readonly: true });
    this.readStmt = this.reader.prepare(`SELECT ${COLUMNS} FROM readings r WHERE r.pos > ? ORDER BY r.pos LIMIT ?`);
    this.timer = setInterval(() => this.post({ t: 'trim', now: this.opts.now() }), this.opts.housekeepingMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.worker) return;
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.post({ t: 'close' });
    await exited;
    this.reader?.close();
  }

  append(entries: PendingEntry[]): Promise<AppendResult[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { entries, resolve, reject });
      this.post({ t: 'append', id, entries, now: this.opts.now() });
    });
  }

  read(afterPos: number, limit: number): JournalEntry[] {
    return (this.readStmt.all(afterPos, limit) as Row[]).map((r) => toEntry(r, r.pos));
  }

  observe(handler: (entries: JournalEntry[]) => void): () => void {
    this.observers.add(handler);
    return () => this.observers.delete(handler);
  }

  latestPerSensor(): JournalEntry[] {
    return (this.reader.prepare(`SELECT ${COLUMNS}
      FROM readings r JOIN (SELECT enterprise, sensor, max(ts) AS ts FROM readings GROUP BY enterprise, sensor) m
      ON r.enterprise = m.enterprise AND r.sensor = m.sensor AND r.ts = m.ts`).all() as Row[]).map((r) => toEntry(r, r.pos));
  }

  declareConsumer(name: string): void {
    if (!(name in this.savedCursors)) { this.savedCursors[name] = 0; this.post({ t: 'declare', name }); }
  }

  subscribe(name: string, handler: (entries: JournalEntry[], c: JournalConsumer) => void): JournalConsumer {
    this.declareConsumer(name);
    const c = new Consumer(name, this.savedCursors[name] ?? 0, (n, pos) => this.post({ t: 'cursor', name: n, pos }), handler);
    this.consumers.set(name, c);
    setImmediate(() => this.catchUp(c));
    return c;
  }

  stats(): JournalStats {
    return { lastPos: this.wire.lastPos, unconsumedBytes: this.wire.unconsumedBytes, limitBytes: this.opts.limitBytes };
  }

  flushCursors(): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => { this.flushWaiters.set(id, resolve); this.post({ t: 'flush', id }); });
  }

  /** Delivers the stored backlog after what the consumer has been given, in pages. */
  private catchUp(c: Consumer): void {
    for (;;) {
      const page = this.read(c.delivered, 5000);
      if (page.length === 0) return;
      c.delivered = page[page.length - 1]!.pos;
      c.handler(page, c);
    }
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'appended': {
        this.wire = m.stats;
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        const committed: JournalEntry[] = [];
        const results = m.results.map((r, i): AppendResult => {
          if (r === DUPLICATE) return { status: 'duplicate' };
          if (r === FULL) return { status: 'full' };
          committed.push(toEntry(w.entries[i]!, r));
          return { status: 'accepted', pos: r };
        });
        w.resolve(results);
        if (committed.length > 0) this.deliver(committed, m.before);
        return;
      }
      case 'flushed':
        this.flushWaiters.get(m.id)?.();
        this.flushWaiters.delete(m.id);
        return;
      case 'trimmed':
        this.wire = m.stats;
        return;
      case 'fatal':
        this.fail(new Error(m.message));
        return;
      case 'ready':
        return;
    }
  }

  /** Live delivery: a consumer that had everything up to `before` (the journal's last position before
   * this commit) gets the committed entries directly; one further behind reads the store first.
   * Positions increase but are not consecutive (an ignored duplicate uses up a number). */
  private deliver(committed: JournalEntry[], before: number): void {
    for (const o of this.observers) o(committed);
    const last = committed[committed.length - 1]!.pos;
    for (const c of this.consumers.values()) {
      if (c.delivered >= last) continue;
      if (c.delivered < before) { this.catchUp(c); continue; }
      const fresh = c.delivered >= committed[0]!.pos ? committed.filter((e) => e.pos > c.delivered) : committed;
      c.delivered = last;
      c.handler(fresh, c);
    }
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private fail(err: Error): void {
    this.failed = err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.opts.onFatal?.(err.message);
  }
}
