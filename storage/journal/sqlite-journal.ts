// The ingest journal on SQLite (WAL): a writer worker does the group commits; this side reads with its
// own connection and feeds named consumers, backlog first, then live entries as commits land.
// Appends of one event-loop turn go to the writer as one message and come back as one reply (each
// caller's promise resolved from its slice); consumer acks ride along with the next append, or go on a
// short timer when nothing is appended.
import Database from 'better-sqlite3';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, Quality } from '../../core/reading.ts';
import type { AppendResult, Journal, JournalConsumer, JournalStats, PendingEntry } from '../../ingest/journal.ts';
import { startTsWorker } from '../ts-worker.ts';
import { JOURNAL_DDL } from './schema.ts';
import { DUPLICATE, FULL, packEntry, packable, type FromWorker, type ToWorker, type WireStats, type WorkerConfig } from './protocol.ts';

export interface SqliteJournalOptions {
  path: string;
  fsync: boolean;
  limitBytes: number;
  dedupeWindowMs: number;
  now: () => number;
  /** How often the journal is trimmed and its in-memory state persisted. */
  housekeepingMs?: number;
  /** How long a consumer's ack may wait for an append to carry it before it is sent alone. */
  cursorMs?: number;
  onFatal?: (message: string) => void;
}

/** Stored rows are selected under the names of PendingEntry, so one function builds every entry. */
const COLUMNS = `r.pos, r.enterprise AS enterpriseId, r.site AS siteId, r.sensor AS sensorId, r.ts, r.seq, r.boot, r.quality, r.vals,
  r.received AS receivedAt, r.device AS deviceId, r.source`;
type Row = PendingEntry & { pos: number };

/** A committed entry; the values object validation already parsed is reused when the caller gave it. */
const toEntry = (e: PendingEntry, pos: number): JournalEntry => ({
  enterpriseId: e.enterpriseId, siteId: e.siteId, sensorId: e.sensorId, ts: e.ts, values: e.values ?? JSON.parse(e.vals),
  quality: e.quality as Quality, seq: e.seq, boot: e.boot, pos, receivedAt: e.receivedAt, deviceId: e.deviceId, source: e.source,
});
const fromRow = ({ vals, ...e }: Row): JournalEntry => ({ ...e, quality: e.quality as Quality, values: JSON.parse(vals) });

interface Waiter { n: number; resolve: (r: AppendResult[]) => void; reject: (e: Error) => void }
interface Batch { entries: PendingEntry[]; waiters: Waiter[] }

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
  /** Appends of the current turn, not yet posted. */
  private open: Batch = { entries: [], waiters: [] };
  private openScheduled = false;
  private waiting = new Map<number, Batch>();
  /** Acks not yet sent to the writer, by consumer. */
  private acks = new Map<string, number>();
  private ackTimer: NodeJS.Timeout | null = null;
  private flushWaiters = new Map<number, () => void>();
  private consumers = new Map<string, Consumer>();
  /** Pull consumers (`consumer(name)`): one handle per name, nothing delivered to them. */
  private pullConsumers = new Map<string, Consumer>();
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
    this.postAppends();
    this.postAcks();
    this.post({ t: 'close' });
    await exited;
    this.reader?.close();
  }

  append(entries: PendingEntry[]): Promise<AppendResult[]> {
    if (this.failed) return Promise.reject(this.failed);
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const b = this.open;
      for (const e of entries) b.entries.push(e);
      b.waiters.push({ n: entries.length, resolve, reject });
      if (!this.openScheduled) { this.openScheduled = true; setImmediate(() => this.postAppends()); }
    });
  }

  read(afterPos: number, limit: number): JournalEntry[] {
    return (this.readStmt.all(afterPos, limit) as Row[]).map(fromRow);
  }

  observe(handler: (entries: JournalEntry[]) => void): () => void {
    this.observers.add(handler);
    return () => this.observers.delete(handler);
  }

  latestPerSensor(): JournalEntry[] {
    return (this.reader.prepare(`SELECT ${COLUMNS}
      FROM readings r JOIN (SELECT enterprise, sensor, max(ts) AS ts FROM readings GROUP BY enterprise, sensor) m
      ON r.enterprise = m.enterprise AND r.sensor = m.sensor AND r.ts = m.ts`).all() as Row[]).map(fromRow);
  }

  declareConsumer(name: string): void {
    if (!(name in this.savedCursors)) { this.savedCursors[name] = 0; this.post({ t: 'declare', name }); }
  }

  consumer(name: string): JournalConsumer {
    let c = this.pullConsumers.get(name);
    if (!c) {
      this.declareConsumer(name);
      c = new Consumer(name, this.savedCursors[name] ?? 0, (n, pos) => this.noteAck(n, pos), () => {});
      this.pullConsumers.set(name, c);
    }
    return c;
  }

  /**
   * A port on which the writer thread posts every commit from now on (TapCommit, protocol.ts): for a pull
   * consumer in another thread that wants live entries without reading them back from SQLite (the InfluxDB
   * writer). Transfer it to that thread; closing it ends the tap. Nothing passes through this thread.
   */
  tap(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ t: 'tap', port: port1 } satisfies ToWorker, [port1]);
    return port2;
  }

  releaseConsumer(name: string): void {
    if (!(name in this.savedCursors) && !this.consumers.has(name) && !this.pullConsumers.has(name)) return;
    delete this.savedCursors[name];
    this.consumers.delete(name);
    this.pullConsumers.delete(name);
    this.acks.delete(name);
    this.post({ t: 'release', name });
  }

  subscribe(name: string, handler: (entries: JournalEntry[], c: JournalConsumer) => void): JournalConsumer {
    this.declareConsumer(name);
    const c = new Consumer(name, this.savedCursors[name] ?? 0, (n, pos) => this.noteAck(n, pos), handler);
    this.consumers.set(name, c);
    setImmediate(() => this.catchUp(c));
    return c;
  }

  stats(): JournalStats {
    return { lastPos: this.wire.lastPos, unconsumedBytes: this.wire.unconsumedBytes, limitBytes: this.opts.limitBytes };
  }

  flushCursors(): Promise<void> {
    const id = this.nextId++;
    this.postAcks();
    return new Promise((resolve) => { this.flushWaiters.set(id, resolve); this.post({ t: 'flush', id }); });
  }

  /** Posts this turn's appends as one message, with the acks that came since the last message. */
  private postAppends(): void {
    this.openScheduled = false;
    const b = this.open;
    if (b.entries.length === 0) return;
    this.open = { entries: [], waiters: [] };
    const id = this.nextId++;
    this.waiting.set(id, b);
    let packed = '', ok = true;
    for (const e of b.entries) {
      if (!packable(e)) { ok = false; break; }
      packed += packEntry(e);
    }
    this.post({ t: 'append', id, now: this.opts.now(), packed: ok ? packed : null, entries: ok ? null : b.entries, cursors: this.takeAcks() });
  }

  private noteAck(name: string, pos: number): void {
    this.acks.set(name, pos);
    if (!this.ackTimer) {
      this.ackTimer = setTimeout(() => this.postAcks(), this.opts.cursorMs ?? 20);
      this.ackTimer.unref();
    }
  }
  private takeAcks(): [string, number][] | null {
    if (this.ackTimer) { clearTimeout(this.ackTimer); this.ackTimer = null; }
    if (this.acks.size === 0) return null;
    const list = [...this.acks];
    this.acks.clear();
    return list;
  }
  private postAcks(): void {
    const cursors = this.takeAcks();
    if (cursors) this.post({ t: 'cursors', cursors });
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
        const b = this.waiting.get(m.id);
        if (!b) return;
        this.waiting.delete(m.id);
        const committed: JournalEntry[] = [];
        let i = 0;
        for (const w of b.waiters) {
          const results: AppendResult[] = [];
          for (const end = i + w.n; i < end; i++) {
            const r = m.results[i]!;
            if (r === DUPLICATE) results.push({ status: 'duplicate' });
            else if (r === FULL) results.push({ status: 'full' });
            else { committed.push(toEntry(b.entries[i]!, r)); results.push({ status: 'accepted', pos: r }); }
          }
          w.resolve(results);
        }
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
    for (const b of [...this.waiting.values(), this.open]) for (const w of b.waiters) w.reject(err);
    this.waiting.clear();
    this.open = { entries: [], waiters: [] };
    this.opts.onFatal?.(err.message);
  }
}
