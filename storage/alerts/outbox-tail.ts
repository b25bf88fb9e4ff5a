// The outbox rows this connection committed and the publisher has not yet marked, kept in memory so that the
// publisher's `pendingOutbox` reads after each commit need no query (bench:rules e2e: a drain read the row it had
// just written back and then asked twice more for rows that were not there, ≈ 80 µs of the serving thread's time
// per alert event). The table stays the truth: the tail answers only for positions it is known to hold completely
// (`from`), and the store (sqlite-alert-store.ts) goes back to the table for anything older, after a restart, after
// a commit by another connection, or once the tail overflowed (a broker outage: nothing is marked).
// Rows are kept as the JSON the commit wrote, and parsed per read like the table's, so a reader gets objects of
// its own exactly as from the table.

/** An outbox row as committed: its seq and its two documents. */
export interface TailRow {
  seq: number;
  transition: string;
  state: string | null;
}

/** Rows kept at most; past it the oldest are dropped and served from the table again. */
export const OUTBOX_TAIL_MAX = 4096;

export class OutboxTail {
  private rows: TailRow[] = [];
  /** Index of the first row still kept in `rows` (dropped rows are sliced off lazily). */
  private head = 0;
  /** Every outbox row with seq > `from` is in the tail. */
  private from: number;
  /** The highest seq committed (by this connection, as far as the tail knows). */
  private last: number;

  constructor(lastSeq: number, private readonly max = OUTBOX_TAIL_MAX) {
    this.from = lastSeq;
    this.last = lastSeq;
  }

  /** Rows committed in one transaction, in seq order. Rows that do not follow the last seq known (another
   * writer's rows in between) make the tail start over after them. */
  append(rows: readonly TailRow[]): void {
    if (rows.length === 0) return;
    if (rows[0]!.seq !== this.last + 1) this.restart(rows[0]!.seq - 1);
    for (const r of rows) this.rows.push(r);
    this.last = rows[rows.length - 1]!.seq;
    const over = this.rows.length - this.head - this.max;
    if (over > 0) {
      this.head += over;
      this.from = this.rows[this.head - 1]!.seq;
      this.compact();
    }
  }

  /** Whether the rows after `after` are all known here. */
  covers(after: number): boolean {
    return after >= this.from;
  }

  /** Up to `limit` rows with seq > `after` (only when `covers(after)`). */
  after(after: number, limit: number): TailRow[] {
    const out: TailRow[] = [];
    let i = this.head;
    // Rows are in seq order: skip by binary search, then take.
    let hi = this.rows.length;
    while (i < hi) {
      const mid = (i + hi) >>> 1;
      if (this.rows[mid]!.seq <= after) i = mid + 1; else hi = mid;
    }
    for (; i < this.rows.length && out.length < limit; i++) out.push(this.rows[i]!);
    return out;
  }

  /** The publisher marked up to `seq`: rows up to it are no longer pending. */
  marked(seq: number): void {
    while (this.head < this.rows.length && this.rows[this.head]!.seq <= seq) this.head++;
    if (seq > this.from) this.from = Math.min(seq, this.last);
    this.compact();
  }

  /** Forgets every row: the table holds whatever is pending up to `lastSeq` (e.g. after another connection's
   * commit). */
  restart(lastSeq: number): void {
    this.rows = [];
    this.head = 0;
    this.from = lastSeq;
    this.last = lastSeq;
  }

  /** Rows kept (for tests and metrics). */
  get size(): number {
    return this.rows.length - this.head;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
  }
}
