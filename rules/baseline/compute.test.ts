import { describe, expect, it } from 'vitest';
import type { HolidayCalendar } from '../kinds/kind.ts';
import { SLOT_MS, SUNDAY, WEEK_MS, WORKDAY_AS, comparableSlot, computeBaseline, robustMedian } from './compute.ts';

// Stub calendar data: the real 2024 Mid-Autumn and National Day arrangement (国务院办公厅 2023-10-25) as far as it
// falls in the four weeks before 2024-10-14. 09-29 (Sunday) and 10-12 (Saturday) are 调休 working days.
const HOLIDAYS = new Set(['2024-09-15', '2024-09-16', '2024-09-17', '2024-10-01', '2024-10-02', '2024-10-03', '2024-10-04', '2024-10-05', '2024-10-06', '2024-10-07']);
const WORKDAYS = new Set(['2024-09-14', '2024-09-29', '2024-10-12']);
const calendar: HolidayCalendar = { dayKind: (d) => (HOLIDAYS.has(d) ? 'holiday' : WORKDAYS.has(d) ? 'workday' : null) };
const noHolidays: HolidayCalendar = { dayKind: () => null };

/** Beijing wall time → epoch ms. */
const bj = (iso: string): number => Date.parse(`${iso}+08:00`);
const NOW = bj('2024-10-14T00:00:00'); // a Monday

/** Day-shift plant (domain.md §2.4.1 simulator): ramps 07:30–08:30 and 17:30–19:00, lunch dip, idle 10. */
function dayShift(minute: number): number {
  if (minute < 450 || minute >= 1140) return 10;
  if (minute < 510 || minute >= 1050) return 50;
  if (minute >= 720 && minute < 780) return 60;
  return 100;
}
const saturday = (minute: number): number => (minute >= 480 && minute < 1020 ? 40 : 10);
const sunday = (minute: number): number => (minute >= 480 && minute < 1020 ? 20 : 10);

/** What the plant really does on a Beijing date: works on workdays and 调休 days, idles on holidays. */
function load(ts: number): number {
  const local = new Date(ts + 8 * 3_600_000);
  const date = local.toISOString().slice(0, 10);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  if (HOLIDAYS.has(date)) return sunday(minute);
  if (WORKDAYS.has(date)) return dayShift(minute);
  const wd = local.getUTCDay(); // 0 = Sunday
  return wd === 0 ? sunday(minute) : wd === 6 ? saturday(minute) : dayShift(minute);
}

function series(fromMs: number, toMs: number, f: (ts: number) => number): { ts: number; value: number }[] {
  const out: { ts: number; value: number }[] = [];
  for (let ts = fromMs; ts < toMs; ts += SLOT_MS) out.push({ ts, value: f(ts) });
  return out;
}

describe('comparableSlot', () => {
  const cases = [
    { why: 'Monday 00:00 Beijing is slot 0', ts: bj('2024-10-14T00:00:00'), slot: 0 },
    { why: 'Sunday 23:45 Beijing is the last slot', ts: bj('2024-10-13T23:45:00'), slot: 671 },
    { why: 'UTC Sunday 16:00 is already Monday 00:00 in Beijing', ts: Date.parse('2024-10-13T16:00:00Z'), slot: 0 },
    { why: 'a holiday Tuesday (国庆) counts as a Sunday', ts: bj('2024-10-01T10:00:00'), slot: SUNDAY * 96 + 40 },
    { why: 'a 调休 working Sunday counts as a Friday', ts: bj('2024-09-29T10:00:00'), slot: WORKDAY_AS * 96 + 40 },
    { why: 'a 调休 working Saturday counts as a Friday', ts: bj('2024-10-12T10:14:59'), slot: WORKDAY_AS * 96 + 40 },
    { why: 'an ordinary Saturday is a Saturday', ts: bj('2024-09-21T10:00:00'), slot: 5 * 96 + 40 },
  ];
  it.each(cases)('$why', ({ ts, slot }) => expect(comparableSlot(ts, calendar)).toBe(slot));
});

describe('computeBaseline: four weeks of a day-shift plant across Mid-Autumn and National Day', () => {
  const points = series(NOW - 4 * WEEK_MS, NOW, load);
  // Only two ordinary Mondays and Tuesdays are left in these weeks: ask for two samples per slot.
  const b = computeBaseline(points, { calendar, nowMs: NOW, weeks: 4, minSamples: 2 });
  const at = (iso: string): number => b.slots[comparableSlot(bj(iso), calendar)]!;
  const cases = [
    { why: 'Monday production: the holiday Mondays 09-16 and 10-07 count as Sundays (unmapped, the median would be 60)', iso: '2024-10-21T10:00:00', want: 100 },
    { why: 'Tuesday production: the holiday Tuesdays 09-17 and 10-01 are left out the same way', iso: '2024-10-22T10:00:00', want: 100 },
    { why: 'Monday night idle', iso: '2024-10-21T03:00:00', want: 10 },
    { why: 'lunch dip', iso: '2024-10-23T12:30:00', want: 60 },
    { why: 'morning ramp', iso: '2024-10-24T07:45:00', want: 50 },
    { why: 'Friday: its own three and the two 调休 days, all production', iso: '2024-10-25T10:00:00', want: 100 },
    { why: 'Saturday keeps the Saturday pattern: 10-05 (holiday) and 10-12 (调休) went elsewhere', iso: '2024-10-19T10:00:00', want: 40 },
    { why: 'Sunday: the 调休 Sunday 09-29 went to Friday, nine holidays joined', iso: '2024-10-20T10:00:00', want: 20 },
    { why: 'a future holiday is looked up in the Sunday slots', iso: '2024-10-01T10:00:00', want: 20 },
  ];
  it.each(cases)('$why', ({ iso, want }) => expect(at(iso)).toBe(want));

  it('production is the plateau of the working day, p95 the peak load', () => {
    expect(b.production).toBe(100);
    expect(b.p95).toBe(100);
  });

  it('without the calendar the holiday Mondays drag the Monday median down', () => {
    const plain = computeBaseline(points, { calendar: noHolidays, nowMs: NOW, weeks: 4, minSamples: 2 });
    expect(plain.slots[40]).toBe(60); // Monday 10:00: [20, 100, 100, 20]
  });

  it('with the default three samples per slot, Mondays stay unknown (NaN): two comparable weeks are too few', () => {
    const strict = computeBaseline(points, { calendar, nowMs: NOW, weeks: 4 });
    expect(strict.slots[40]).toBeNaN();
    expect(strict.slots[2 * 96 + 40]).toBe(100); // Wednesday: three ordinary ones
  });
});

describe('computeBaseline: outliers and edges', () => {
  const flat = (v: number) => () => v;
  const cases = [
    {
      why: 'one week of a month-long overload and one of a shutdown among eight: both removed per slot',
      points: [...series(NOW - 8 * WEEK_MS, NOW - 2 * WEEK_MS, flat(50)), ...series(NOW - 2 * WEEK_MS, NOW - WEEK_MS, flat(500)), ...series(NOW - WEEK_MS, NOW, flat(0))],
      weeks: 8, slot: 100, want: 50,
    },
    {
      why: 'week-to-week spread 100..103 within 3 robust sd is kept: the median of all eight',
      points: series(NOW - 8 * WEEK_MS, NOW, (ts) => 100 + (Math.floor((ts - NOW + 8 * WEEK_MS) / WEEK_MS) % 4)),
      weeks: 8, slot: 100, want: 101.5,
    },
    {
      why: 'points older than the weeks asked for do not feed the slots',
      points: [...series(NOW - 8 * WEEK_MS, NOW - 4 * WEEK_MS, flat(999)), ...series(NOW - 4 * WEEK_MS, NOW, flat(7))],
      weeks: 4, slot: 300, want: 7,
    },
    {
      why: 'points at or after now are ignored',
      points: [...series(NOW - 4 * WEEK_MS, NOW, flat(7)), ...series(NOW, NOW + WEEK_MS, flat(999))],
      weeks: 4, slot: 0, want: 7,
    },
    {
      why: 'non-finite values are skipped, leaving too few samples: NaN',
      points: series(NOW - 4 * WEEK_MS, NOW, (ts) => (ts < NOW - 2 * WEEK_MS ? NaN : 5)),
      weeks: 4, slot: 0, want: NaN,
    },
    { why: 'no history: every slot NaN', points: [], weeks: 4, slot: 0, want: NaN },
  ];
  it.each(cases)('$why', ({ points, weeks, slot, want }) => {
    const b = computeBaseline(points, { calendar: noHolidays, nowMs: NOW, weeks });
    if (Number.isNaN(want)) expect(b.slots[slot]).toBeNaN();
    else expect(b.slots[slot]).toBeCloseTo(want, 5);
  });

  it('p95 uses every point before now, also those older than the slot weeks (the 90-day P95)', () => {
    const points = [...series(NOW - 12 * WEEK_MS, NOW - 4 * WEEK_MS, () => 200), ...series(NOW - 4 * WEEK_MS, NOW, () => 100)];
    const b = computeBaseline(points, { calendar: noHolidays, nowMs: NOW, weeks: 4 });
    expect(b.p95).toBe(200);
    expect(b.production).toBe(100);
  });

  it('no history: p95 and production NaN', () => {
    const b = computeBaseline([], { calendar: noHolidays, nowMs: NOW, weeks: 4 });
    expect(b.slots.length).toBe(672);
    expect(b.p95).toBeNaN();
    expect(b.production).toBeNaN();
  });

  it('refuses weeks outside 4..8 and other slot widths', () => {
    expect(() => computeBaseline([], { calendar: noHolidays, nowMs: NOW, weeks: 3 })).toThrow(/4\.\.8/);
    expect(() => computeBaseline([], { calendar: noHolidays, nowMs: NOW, weeks: 4, slotMs: 60_000 })).toThrow(/672/);
  });
});

describe('robustMedian', () => {
  const cases = [
    { why: 'MAD 0: the odd one out is dropped', values: [100, 100, 10], want: 100 },
    { why: 'a far outlier beyond 3 robust sd is dropped', values: [100, 105, 10], want: 102.5 },
    { why: 'spread within 3 robust sd: plain median', values: [1, 2, 3, 4], want: 2.5 },
    { why: 'two camps of equal size: nothing is an outlier', values: [10, 10, 100, 100], want: 55 },
    { why: 'a single value is its own median', values: [42], want: 42 },
  ];
  it.each(cases)('$why', ({ values, want }) => expect(robustMedian(values, 3)).toBe(want));
});
