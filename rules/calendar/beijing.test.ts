import { describe, it, expect } from 'vitest';
import {
  beijingDate,
  beijingMinuteOfDay,
  beijingWeekday,
  compileWindow,
  inSeason,
  inWindow,
  SLOTS_PER_WEEK,
  timeOfWeekSlot,
  weekdayOfDate,
} from './beijing.ts';

const at = (iso: string): number => Date.parse(iso);

describe('Beijing calendar fields (UTC+8, no DST; domain.md §4 item 12)', () => {
  const rows = [
    { why: '15:59:59Z is still the same Beijing day (23:59:59)', ts: at('2026-11-09T15:59:59Z'), date: '2026-11-09', min: 1439, wd: 1 },
    { why: '16:00Z is Beijing midnight: the date and weekday roll over', ts: at('2026-11-09T16:00:00Z'), date: '2026-11-10', min: 0, wd: 2 },
    { why: 'UTC midnight is 08:00 Beijing, same date', ts: at('2026-11-10T00:00:00Z'), date: '2026-11-10', min: 480, wd: 2 },
    { why: 'late Saturday UTC is already Sunday in Beijing', ts: at('2026-11-14T20:30:00Z'), date: '2026-11-15', min: 270, wd: 7 },
    { why: 'UTC New Year’s Eve 16:00 is Beijing New Year', ts: at('2025-12-31T16:00:00Z'), date: '2026-01-01', min: 0, wd: 4 },
    { why: 'before 1970 still floors correctly (negative epoch)', ts: at('1969-12-31T15:00:00Z'), date: '1969-12-31', min: 1380, wd: 3 },
  ];
  it.each(rows)('$why', ({ ts, date, min, wd }) => {
    expect(beijingDate(ts)).toBe(date);
    expect(beijingMinuteOfDay(ts)).toBe(min);
    expect(beijingWeekday(ts)).toBe(wd);
    expect(weekdayOfDate(date)).toBe(wd);
  });
});

describe('timeOfWeekSlot (0 = Monday 00:00 Beijing, 672 slots of 15 min)', () => {
  const rows = [
    { why: 'Monday 00:00 Beijing is Sunday 16:00Z: slot 0', ts: at('2026-11-08T16:00:00Z'), slot: 0 },
    { why: 'one ms earlier is the last slot of the previous week', ts: at('2026-11-08T15:59:59.999Z'), slot: 671 },
    { why: 'Monday 08:00 Beijing (UTC midnight) is slot 32', ts: at('2026-11-09T00:00:00Z'), slot: 32 },
    { why: 'Tuesday 00:14 Beijing is in the first slot of Tuesday (96)', ts: at('2026-11-09T16:14:00Z'), slot: 96 },
  ];
  it.each(rows)('$why', ({ ts, slot }) => {
    expect(timeOfWeekSlot(ts)).toBe(slot);
  });
  it('has 672 slots a week and accepts another slot size', () => {
    expect(SLOTS_PER_WEEK).toBe(672);
    expect(timeOfWeekSlot(at('2026-11-09T00:00:00Z'), 3_600_000)).toBe(8);
  });
});

describe('inWindow (Beijing local time, half-open, may cross midnight)', () => {
  const night = { from: '22:00', to: '06:00' };
  const day = { from: '08:00', to: '17:30' };
  const rows = [
    { why: '22:00 Beijing opens the night window', ts: at('2026-11-10T14:00:00Z'), w: night, inside: true },
    { why: '21:59 Beijing is before it', ts: at('2026-11-10T13:59:00Z'), w: night, inside: false },
    { why: 'Beijing midnight (16:00Z) is inside a window crossing midnight', ts: at('2026-11-10T16:00:00Z'), w: night, inside: true },
    { why: '05:59 Beijing is still inside', ts: at('2026-11-10T21:59:00Z'), w: night, inside: true },
    { why: '06:00 Beijing closes it (half-open)', ts: at('2026-11-10T22:00:00Z'), w: night, inside: false },
    { why: 'UTC 23:00 is Beijing 07:00: outside, though it is night in UTC', ts: at('2026-11-10T23:00:00Z'), w: night, inside: false },
    { why: 'a day window: 08:00 Beijing is inside', ts: at('2026-11-10T00:00:00Z'), w: day, inside: true },
    { why: 'a day window: 17:30 Beijing is outside', ts: at('2026-11-10T09:30:00Z'), w: day, inside: false },
    { why: 'from === to is the whole day', ts: at('2026-11-10T03:17:00Z'), w: { from: '00:00', to: '00:00' }, inside: true },
    { why: "to '24:00' is the end of the day", ts: at('2026-11-10T15:59:00Z'), w: { from: '18:00', to: '24:00' }, inside: true },
  ];
  it.each(rows)('$why', ({ ts, w, inside }) => {
    expect(inWindow(ts, w)).toBe(inside);
  });
  it('refuses malformed times', () => {
    expect(() => compileWindow({ from: '25:00', to: '06:00' })).toThrow(/HH:MM/);
    expect(() => compileWindow({ from: '24:00', to: '06:00' })).toThrow(/00:00/);
  });
});

describe('inSeason (Beijing date, both ends included, may wrap the year; sugar 榨季, domain.md §2.3)', () => {
  const rows = [
    { why: '榨季 opens on 11-01 Beijing (10-31 16:00Z)', ts: at('2026-10-31T16:00:00Z'), from: '11-01', to: '04-30', inside: true },
    { why: '10-31 23:59 Beijing is out of season', ts: at('2026-10-31T15:59:00Z'), from: '11-01', to: '04-30', inside: false },
    { why: 'mid-winter is inside a season wrapping the year', ts: at('2027-01-15T04:00:00Z'), from: '11-01', to: '04-30', inside: true },
    { why: '04-30 is the last day of the season', ts: at('2027-04-30T15:59:00Z'), from: '11-01', to: '04-30', inside: true },
    { why: '05-01 Beijing (04-30 16:00Z) is out of season', ts: at('2027-04-30T16:00:00Z'), from: '11-01', to: '04-30', inside: false },
    { why: 'summer is out of a wrapping season', ts: at('2026-07-01T04:00:00Z'), from: '11-01', to: '04-30', inside: false },
    { why: 'a season inside one year (tea, spring)', ts: at('2026-04-10T04:00:00Z'), from: '03-01', to: '05-31', inside: true },
    { why: 'after a season inside one year', ts: at('2026-06-01T04:00:00Z'), from: '03-01', to: '05-31', inside: false },
    { why: '02-29 exists in a leap year and sits in a wrapping season', ts: at('2028-02-29T04:00:00Z'), from: '11-01', to: '04-30', inside: true },
  ];
  it.each(rows)('$why', ({ ts, from, to, inside }) => {
    expect(inSeason(ts, from, to)).toBe(inside);
  });
  it('refuses impossible month-days', () => {
    expect(() => inSeason(0, '02-30', '04-30')).toThrow(/no such day/);
    expect(() => inSeason(0, '13-01', '04-30')).toThrow(/MM-DD/);
  });
});
