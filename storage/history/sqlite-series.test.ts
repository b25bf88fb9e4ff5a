import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BaselineStore } from '../../rules/baseline/store.ts';
import { BUCKET_MS, SqliteSeriesHistory } from './sqlite-series.ts';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2024-11-25T00:00:00Z');

describe('SqliteSeriesHistory (real SQLite in a temp dir)', () => {
  let dir: string;
  let now: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rw-series-'));
    now = T0 + DAY_MS;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = (retentionDays?: number) => new SqliteSeriesHistory({ path: join(dir, 'sub', 'series.db'), now: () => now, ...(retentionDays ? { retentionDays } : {}) });
  const q = (fromMs: number, toMs: number, everyMs: number, metric = 'p') => ({ enterpriseId: 'e1', sensorId: 'm1', metric, fromMs, toMs, everyMs });

  it('round trip: 15-min means survive a reopen and aggregate to coarser buckets', async () => {
    const h = open();
    // Two readings in the first bucket, one in each of the next three.
    h.record('e1', 'm1', 'p', T0 + 1_000, 10);
    h.record('e1', 'm1', 'p', T0 + 60_000, 20);
    h.record('e1', 'm1', 'p', T0 + BUCKET_MS, 30);
    h.record('e1', 'm1', 'p', T0 + 2 * BUCKET_MS, 40);
    h.record('e1', 'm1', 'p', T0 + 3 * BUCKET_MS + 5, 50);
    h.record('e1', 'm1', 'q', T0, 999); // another metric of the same sensor stays apart
    h.record('e1', 'm1', 'p', T0, Number.NaN); // ignored
    expect(await h.series(q(T0, T0 + DAY_MS, BUCKET_MS))).toEqual([]); // nothing flushed yet
    h.flush();
    h.close();

    const r = open();
    const cases = [
      { why: '15-min buckets: the first holds the mean of two readings', query: q(T0, T0 + DAY_MS, BUCKET_MS), want: [{ ts: T0, value: 15 }, { ts: T0 + BUCKET_MS, value: 30 }, { ts: T0 + 2 * BUCKET_MS, value: 40 }, { ts: T0 + 3 * BUCKET_MS, value: 50 }] },
      { why: 'hourly: the mean of the five readings (weighted by count, as InfluxQL mean())', query: q(T0, T0 + DAY_MS, 3_600_000), want: [{ ts: T0, value: 30 }] },
      { why: 'half-hourly', query: q(T0, T0 + DAY_MS, 2 * BUCKET_MS), want: [{ ts: T0, value: 20 }, { ts: T0 + 2 * BUCKET_MS, value: 45 }] },
      { why: 'fromMs inclusive, toMs exclusive on bucket starts', query: q(T0 + BUCKET_MS, T0 + 3 * BUCKET_MS, BUCKET_MS), want: [{ ts: T0 + BUCKET_MS, value: 30 }, { ts: T0 + 2 * BUCKET_MS, value: 40 }] },
      { why: 'finer than 15 min returns the 15-min buckets', query: q(T0, T0 + BUCKET_MS, 60_000), want: [{ ts: T0, value: 15 }] },
      { why: 'another metric is another series', query: q(T0, T0 + DAY_MS, BUCKET_MS, 'q'), want: [{ ts: T0, value: 999 }] },
      { why: 'an unknown series is empty', query: q(T0, T0 + DAY_MS, BUCKET_MS, 'nope'), want: [] },
    ];
    for (const c of cases) expect(await r.series(c.query), c.why).toEqual(c.want);

    // Late readings merge into the stored bucket's mean.
    r.record('e1', 'm1', 'p', T0 + 2, 45);
    r.flush();
    expect((await r.series(q(T0, T0 + BUCKET_MS, BUCKET_MS)))[0]).toEqual({ ts: T0, value: 25 });
    r.close();
  });

  it('flush drops buckets older than the retention, and does not write values already past it', async () => {
    const h = open(63);
    h.record('e1', 'm1', 'p', T0, 1);
    h.record('e1', 'm1', 'p', T0 + 10 * DAY_MS, 2);
    h.flush();
    expect(await h.series(q(0, T0 + 100 * DAY_MS, BUCKET_MS))).toHaveLength(2);

    now = T0 + 64 * DAY_MS; // T0 is now beyond 63 days
    h.record('e1', 'm1', 'p', T0 - DAY_MS, 3); // late and already too old
    h.flush();
    expect(await h.series(q(0, T0 + 100 * DAY_MS, BUCKET_MS))).toEqual([{ ts: T0 + 10 * DAY_MS, value: 2 }]);
    expect(h.pendingBuckets).toBe(0);
    h.close();
  });

  it('feeds a BaselineStore: eight weeks of one reading per 15 min become the time-of-week profile', async () => {
    const h = open();
    now = T0; // 2024-11-25 08:00 Beijing, a Monday
    const start = T0 - 56 * DAY_MS;
    // 100 from 08:00 to 17:00 Beijing on weekdays, 10 otherwise.
    const load = (ts: number): number => {
      const local = new Date(ts + 8 * 3_600_000);
      const wd = local.getUTCDay();
      const hour = local.getUTCHours();
      return wd >= 1 && wd <= 5 && hour >= 8 && hour < 17 ? 100 : 10;
    };
    for (let ts = start; ts < T0; ts += BUCKET_MS) h.record('e1', 'm1', 'p', ts, load(ts));
    h.flush();
    expect(await h.series(q(start, T0, BUCKET_MS))).toHaveLength(56 * 96);
    const store = new BaselineStore({ history: h, calendar: { dayKind: () => null }, weeks: 8 });
    const view = store.view('e1', 'm1', 'p');
    expect(await store.refresh(T0)).toEqual({ refreshed: 1, failed: [] });
    expect(view.at(Date.parse('2024-11-26T10:00:00+08:00'))).toBe(100);
    expect(view.at(Date.parse('2024-11-30T10:00:00+08:00'))).toBe(10);
    expect(view.production).toBe(100);
    h.close();
  });
});
