import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import { calendarLevel, calendarSignal, spoolLevel } from './system.ts';

const L = 1000;
describe('journal spool system alert (contract.md Backpressure)', () => {
  it.each([
    { why: 'plenty of room: nothing', prev: Level.none, used: 500, want: Level.none },
    { why: '80 % of the limit: orange, ingest will refuse soon', prev: Level.none, used: 800, want: Level.orange },
    { why: 'just under 80 %: still nothing', prev: Level.none, used: 799, want: Level.none },
    { why: '95 %: red', prev: Level.orange, used: 950, want: Level.red },
    { why: 'falling from red to 85 %: orange', prev: Level.red, used: 850, want: Level.orange },
    { why: 'hysteresis: 75 % keeps orange until below 70 %', prev: Level.orange, used: 750, want: Level.orange },
    { why: 'below 70 %: recovered', prev: Level.orange, used: 690, want: Level.none },
  ])('$why', ({ prev, used, want }) => {
    expect(spoolLevel(prev, { unconsumedBytes: used, limitBytes: L })).toBe(want);
  });
});

describe('holiday calendar coverage system alert (domain.md §2.4.1: the statutory calendar with its 调休 days)', () => {
  const cal = (...years: number[]) => ({ covers: (y: number) => years.includes(y) });
  /** A Beijing wall-clock time as epoch ms. */
  const bj = (iso: string) => Date.parse(`${iso}+08:00`);
  it.each([
    { why: 'this year and next in the data: nothing', years: [2026, 2027], at: '2026-12-20T12:00:00', want: Level.none },
    { why: 'next year missing, 40 days ahead: not yet', years: [2026], at: '2026-11-22T12:00:00', want: Level.none },
    { why: 'next year missing, 31 days ahead (1 Dec, Beijing): blue, time to add the notice', years: [2026], at: '2026-12-01T00:00:00', want: Level.blue },
    { why: 'the evening of 30 Nov in UTC is already 1 Dec in Beijing: blue', years: [2026], at: '2026-12-01T07:30:00', want: Level.blue },
    { why: 'this year missing: yellow, holidays are judged as ordinary days', years: [2025, 2026], at: '2027-01-01T00:00:00', want: Level.yellow },
    { why: 'the last minute of 31 Dec (Beijing) is still the covered year: blue', years: [2026], at: '2026-12-31T23:59:00', want: Level.blue },
  ])('$why', ({ years, at, want }) => {
    expect(calendarLevel(cal(...years), bj(at))).toBe(want);
  });

  it('words the signal for the operators: which year, what it means, what to do', () => {
    expect(calendarSignal(Level.yellow, bj('2027-01-05T09:00:00'))).toMatchObject({ key: '_platform/calendar/holidays', kind: 'system', level: Level.yellow, rule: 'system.holiday_calendar' });
    expect(calendarSignal(Level.yellow, bj('2027-01-05T09:00:00')).text).toContain('未包含 2027 年');
    expect(calendarSignal(Level.blue, bj('2026-12-01T09:00:00')).text).toBe('节假日日历尚未包含 2027 年（31 天后开始）：通知发布后请补入 config/holidays.yaml');
  });
});
