// The readings writer's window on live commits (docs/storage.md "Live"): the journal's writer thread posts
// every commit to the writer's thread (SqliteJournal.tap), so a writer that is caught up writes what was just
// committed without reading it back from SQLite (~2 µs per row saved, most of the cost of a point). The buffer
// only answers when it provably holds everything after the asked position — commits chain by `before` (the
// journal's last position before each commit) — and says "don't know" (null) otherwise: behind, after a gap,
// after an outage rewind, the writer reads the journal. Bounded: past `cap` rows the oldest are dropped.
// Pure; rows are anything with the position at index 0.

export class LiveBuffer<R extends readonly [number, ...unknown[]]> {
  private rows: R[] = [];
  /** The buffer holds every committed row with from < pos ≤ last; null until the first commit. */
  private from: number | null = null;
  private last = 0;

  constructor(private readonly cap: number) {}

  /** A commit: `before` is the journal's last position before it, `rows` its accepted rows in order. */
  push(before: number, rows: readonly R[]): void {
    if (this.from === null || before !== this.last) {
      this.rows = [];
      this.from = before;
      this.last = before;
    }
    for (const r of rows) this.rows.push(r);
    if (rows.length > 0) this.last = rows[rows.length - 1]![0];
    if (this.rows.length > this.cap) {
      const drop = this.rows.length - (this.cap >> 1);
      this.from = this.rows[drop - 1]![0];
      this.rows = this.rows.slice(drop);
    }
  }

  /** Rows after `after`, at most `limit`, when the buffer holds everything after it ([] when caught up);
   * null when it cannot tell. Rows up to the last one returned are forgotten (a rewind reads the journal). */
  read(after: number, limit: number): R[] | null {
    if (this.from === null || after < this.from || after > this.last) return null;
    let lo = 0, hi = this.rows.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.rows[mid]![0] <= after) lo = mid + 1; else hi = mid; }
    const out = this.rows.slice(lo, lo + limit);
    const consumed = lo + out.length;
    if (consumed > 0) {
      this.from = out.length > 0 ? out[out.length - 1]![0] : after;
      this.rows = this.rows.slice(consumed);
    }
    return out;
  }

  get size(): number { return this.rows.length; }
}
