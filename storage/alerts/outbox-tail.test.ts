import { describe, expect, it } from 'vitest';
import { OutboxTail, type TailRow } from './outbox-tail.ts';

const rows = (...seqs: number[]): TailRow[] => seqs.map((seq) => ({ seq, transition: `t${seq}`, state: null }));
const seqs = (r: readonly TailRow[]) => r.map((x) => x.seq);

describe('OutboxTail', () => {
  // Each case: a tail created at lastSeq, steps applied in order, then what covers/after answer.
  const cases: { why: string; last: number; max?: number; steps: (t: OutboxTail) => void; after: number; limit?: number; covers: boolean; want?: number[] }[] = [
    { why: 'rows committed after the start are served, oldest first', last: 10, steps: (t) => t.append(rows(11, 12, 13)), after: 10, covers: true, want: [11, 12, 13] },
    { why: 'after a seq, only the rows past it', last: 10, steps: (t) => t.append(rows(11, 12, 13)), after: 12, covers: true, want: [13] },
    { why: 'up to the limit', last: 10, steps: (t) => t.append(rows(11, 12, 13)), after: 10, limit: 2, covers: true, want: [11, 12] },
    { why: 'nothing past the last row: an empty answer without the table', last: 10, steps: (t) => t.append(rows(11)), after: 11, covers: true, want: [] },
    { why: 'rows from before the start (a restart) are the table\'s', last: 10, steps: (t) => t.append(rows(11)), after: 5, covers: false },
    { why: 'a gap (another writer\'s rows) starts the tail over after it', last: 10, steps: (t) => { t.append(rows(11)); t.append(rows(14, 15)); }, after: 11, covers: false },
    { why: '… and what follows the gap is still served', last: 10, steps: (t) => { t.append(rows(11)); t.append(rows(14, 15)); }, after: 13, covers: true, want: [14, 15] },
    { why: 'marked rows are gone', last: 10, steps: (t) => { t.append(rows(11, 12, 13)); t.marked(12); }, after: 12, covers: true, want: [13] },
    { why: 'a mark past the last row takes everything, and later rows still come', last: 10, steps: (t) => { t.append(rows(11)); t.marked(99); t.append(rows(12)); }, after: 11, covers: true, want: [12] },
    { why: 'past the cap the oldest rows go back to the table', last: 0, max: 3, steps: (t) => t.append(rows(1, 2, 3, 4, 5)), after: 1, covers: false },
    { why: '… and the newest stay served', last: 0, max: 3, steps: (t) => t.append(rows(1, 2, 3, 4, 5)), after: 2, covers: true, want: [3, 4, 5] },
    { why: 'a restart hands everything up to its seq to the table', last: 10, steps: (t) => { t.append(rows(11, 12)); t.restart(20); }, after: 12, covers: false },
    { why: 'a restart at Infinity (a nested commit) serves nothing until the next commit', last: 10, steps: (t) => t.restart(Infinity), after: 10, covers: false },
    { why: '… whose rows are served again after it', last: 10, steps: (t) => { t.restart(Infinity); t.append(rows(12)); }, after: 11, covers: true, want: [12] },
  ];
  it.each(cases)('$why', (c) => {
    const t = new OutboxTail(c.last, c.max);
    c.steps(t);
    expect(t.covers(c.after)).toBe(c.covers);
    if (c.want) expect(seqs(t.after(c.after, c.limit ?? 100))).toEqual(c.want);
  });

  it('keeps no more than its cap through many commits and marks (memory stays bounded)', () => {
    const t = new OutboxTail(0, 100);
    for (let s = 1; s <= 10_000; s++) {
      t.append(rows(s));
      if (s % 7 === 0) t.marked(s - 3);
    }
    expect(t.size).toBeLessThanOrEqual(100);
    expect(seqs(t.after(9_997, 10))).toEqual([9_998, 9_999, 10_000]);
  });
});
