import { describe, it, expect } from 'vitest';
import { beijing, beijingAt, beijingDay, beijingHour, beijingMidnight, beijingWeekday, inSeason, isoBeijing } from './time.ts';

describe('time (Beijing, UTC+8)', () => {
  it('reads the wall clock in Beijing: 00:30 UTC is 08:30 local', () => {
    const bj = beijing(Date.parse('2026-11-23T00:30:00Z'));
    expect(bj.hour).toBeCloseTo(8.5);
    expect(bj.weekday).toBe(1); // Monday 23 Nov 2026
    expect(bj.mmdd).toBe('11-23');
  });

  it('starts the local day at 16:00 UTC of the previous day', () => {
    const t = Date.parse('2026-11-22T16:00:00Z');
    expect(beijingMidnight(beijing(t).dayIndex)).toBe(t);
    expect(beijingAt(2026, 11, 23)).toBe(t);
  });

  it.each([
    ['inside a plain window', '06-15', '05-01', '10-31', true],
    ['outside a plain window', '11-15', '05-01', '10-31', false],
    ['December inside a window wrapping the new year (sugar 榨季)', '12-20', '11-01', '04-30', true],
    ['March inside the wrapping window', '03-01', '11-01', '04-30', true],
    ['summer outside the wrapping window', '07-01', '11-01', '04-30', false],
    ['the last day, inclusive', '04-30', '11-01', '04-30', true],
  ])('%s', (_why, mmdd, from, to, expected) => {
    expect(inSeason(mmdd, from, to)).toBe(expected);
  });

  it('writes ISO 8601 with the +08:00 offset, which parses back to the same instant', () => {
    const t = Date.parse('2026-11-22T00:00:00.123Z');
    expect(isoBeijing(t)).toBe('2026-11-22T08:00:00.123+08:00');
    expect(Date.parse(isoBeijing(t))).toBe(t);
  });
});

describe('fast Beijing helpers', () => {
  it('agree with the full conversion at any instant', () => {
    for (let t = Date.UTC(2025, 11, 30); t < Date.UTC(2026, 0, 3); t += 3_599_999) {
      const bj = beijing(t);
      expect([beijingDay(t), beijingHour(t), beijingWeekday(t)]).toEqual([bj.dayIndex, bj.hour, bj.weekday]);
    }
  });
});
