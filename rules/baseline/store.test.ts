import { describe, expect, it } from 'vitest';
import type { HolidayCalendar } from '../kinds/kind.ts';
import type { HistoryQuery, HistorySource } from './history.ts';
import { DAY_MS, SLOT_MS, WEEK_MS } from './compute.ts';
import { BaselineStore } from './store.ts';

const bj = (iso: string): number => Date.parse(`${iso}+08:00`);
const NOW = bj('2024-11-25T00:00:00'); // a Monday
const calendar: HolidayCalendar = { dayKind: (d) => (d === '2024-12-04' ? 'holiday' : d === '2024-12-08' ? 'workday' : null) };

/** History as data: one series per key, a value per 15 min from a function of time; records the queries. */
class ArrayHistory implements HistorySource {
  queries: HistoryQuery[] = [];
  constructor(private readonly data: Record<string, (ts: number) => number>, private readonly failing = new Set<string>()) {}
  async series(q: HistoryQuery): Promise<{ ts: number; value: number }[]> {
    this.queries.push(q);
    const k = `${q.enterpriseId}/${q.sensorId}/${q.metric}`;
    if (this.failing.has(k)) throw new Error(`influx down for ${k}`);
    const f = this.data[k];
    if (!f) return [];
    const out: { ts: number; value: number }[] = [];
    for (let ts = Math.ceil(q.fromMs / SLOT_MS) * SLOT_MS; ts < q.toMs; ts += SLOT_MS) out.push({ ts, value: f(ts) });
    return out;
  }
}

/** 100 on weekdays 08:00–17:00 Beijing, 10 otherwise. */
const dayShift = (ts: number): number => {
  const local = new Date(ts + 8 * 3_600_000);
  const wd = local.getUTCDay();
  const h = local.getUTCHours();
  return wd >= 1 && wd <= 5 && h >= 8 && h < 17 ? 100 : 10;
};

describe('BaselineStore', () => {
  it('hands out one stable view per series, NaN until the first refresh, filled in place after it', async () => {
    const history = new ArrayHistory({ 'e1/m1/p': dayShift });
    const store = new BaselineStore({ history, calendar, weeks: 4 });
    const v = store.view('e1', 'm1', 'p');
    expect(store.view('e1', 'm1', 'p')).toBe(v);
    expect(store.view('e1', 'm1', 'q')).not.toBe(v);
    expect(v.at(bj('2024-11-25T10:00:00'))).toBeNaN();
    expect(v.p95).toBeNaN();
    expect(v.production).toBeNaN();

    const report = await store.refresh(NOW);
    expect(report).toEqual({ refreshed: 2, failed: [] });
    const cases = [
      { why: 'Monday production hours', iso: '2024-11-25T10:00:00', want: 100 },
      { why: 'Monday night', iso: '2024-11-25T02:00:00', want: 10 },
      { why: 'a holiday Wednesday reads the Sunday slots', iso: '2024-12-04T10:00:00', want: 10 },
      { why: 'the day after the holiday is an ordinary Thursday again (day cache moves on)', iso: '2024-12-05T10:00:00', want: 100 },
      { why: 'a 调休 working Sunday reads the Friday slots', iso: '2024-12-08T10:00:00', want: 100 },
      { why: 'back to an earlier day: the cache follows', iso: '2024-11-30T10:00:00', want: 10 },
    ];
    for (const c of cases) expect(v.at(bj(c.iso)), c.why).toBe(c.want);
    expect(v.p95).toBe(100);
    expect(v.production).toBe(100);
    expect(store.view('e1', 'm1', 'q').at(bj('2024-11-25T10:00:00'))).toBeNaN(); // no history: stays unknown
  });

  it('asks for 15-min means reaching back the longer of the weeks and the P95 period, up to now', async () => {
    const history = new ArrayHistory({});
    const store = new BaselineStore({ history, calendar, weeks: 8, p95Days: 90 });
    store.view('e1', 'm1', 'p');
    await store.refresh(NOW);
    expect(history.queries).toEqual([{ enterpriseId: 'e1', sensorId: 'm1', metric: 'p', fromMs: NOW - 90 * DAY_MS, toMs: NOW, everyMs: SLOT_MS }]);
    const short = new BaselineStore({ history, calendar, weeks: 8, p95Days: 7 });
    short.view('e1', 'm1', 'p');
    await short.refresh(NOW);
    expect(history.queries[1]!.fromMs).toBe(NOW - 8 * WEEK_MS);
  });

  it('a series whose history fails keeps its previous baseline and is reported; the others refresh', async () => {
    const failing = new Set<string>();
    const history = new ArrayHistory({ 'e1/a/p': () => 50, 'e1/b/p': () => 70 }, failing);
    const store = new BaselineStore({ history, calendar, weeks: 4 });
    const a = store.view('e1', 'a', 'p');
    const b = store.view('e1', 'b', 'p');
    await store.refresh(NOW);
    failing.add('e1/a/p');
    const report = await store.refresh(NOW + WEEK_MS);
    expect(report.refreshed).toBe(1);
    expect(report.failed).toEqual([{ enterpriseId: 'e1', sensorId: 'a', metric: 'p', error: 'influx down for e1/a/p' }]);
    expect(a.at(NOW + 3_600_000)).toBe(50);
    expect(b.at(NOW + 3_600_000)).toBe(70);
  });

  it('a refresh asked while one runs joins it rather than starting a second', async () => {
    const history = new ArrayHistory({ 'e1/a/p': () => 50 });
    const store = new BaselineStore({ history, calendar, weeks: 4 });
    store.view('e1', 'a', 'p');
    const first = store.refresh(NOW);
    const second = store.refresh(NOW);
    expect(second).toBe(first);
    await first;
    expect(history.queries).toHaveLength(1);
    await store.refresh(NOW);
    expect(history.queries).toHaveLength(2);
  });

  it('refuses weeks outside 4..8 (domain.md §2.4.1)', () => {
    expect(() => new BaselineStore({ history: new ArrayHistory({}), calendar, weeks: 9 })).toThrow(/4\.\.8/);
  });
});
