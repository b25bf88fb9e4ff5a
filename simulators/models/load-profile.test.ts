import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadFraction, loadShape, productionOn } from './load-profile.ts';
import { beijingAt } from '../time.ts';

// 2026-11-23 is a Monday; 2026-11-28 a Saturday.
const weekday = (h: number, m = 0) => beijingAt(2026, 11, 23, h, m);
const saturday = (h: number) => beijingAt(2026, 11, 28, h);

describe('production load profiles (domain.md §2.4.1, Beijing time)', () => {
  it.each([
    ['day_shift is at idle (5–15 %) at 03:00', 'day_shift', weekday(3), 0.05, 0.15],
    ['day_shift is at peak at 10:00 on a weekday', 'day_shift', weekday(10), 0.99, 1],
    ['day_shift is half-way up the 07:30–08:30 ramp at 08:00', 'day_shift', weekday(8), 0.45, 0.6],
    ['day_shift dips at lunch', 'day_shift', weekday(12, 30), 0.5, 0.65],
    ['day_shift is back at idle at 20:00', 'day_shift', weekday(20), 0.05, 0.15],
    ['two_shift still runs at 21:00', 'two_shift', weekday(21), 0.99, 1],
    ['day_shift runs at 20–60 % on a Saturday morning', 'day_shift', saturday(10), 0.2, 0.6],
    ['continuous runs at 70–95 % at night', 'continuous', weekday(3), 0.7, 0.95],
    ['seasonal (sugar) runs in November', 'seasonal', weekday(3), 0.7, 0.95],
    ['seasonal (sugar) idles in July', 'seasonal', beijingAt(2026, 7, 15, 10), 0.05, 0.15],
  ])('%s', (_why, profile, t, lo, hi) => {
    for (let seed = 1; seed < 20; seed++) {
      const f = loadFraction(loadShape({ profile }, seed, 'm'), t);
      expect(f).toBeGreaterThanOrEqual(lo);
      expect(f).toBeLessThanOrEqual(hi);
    }
  });

  it('is low at night and at weekends and high on weekday mornings, for any shift plant', () => {
    fc.assert(fc.property(fc.constantFrom('day_shift', 'two_shift'), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 4 }), (profile, seed, day) => {
      const shape = loadShape({ profile }, seed, 'm');
      const morning = loadFraction(shape, beijingAt(2026, 11, 23 + day, 10));
      expect(loadFraction(shape, beijingAt(2026, 11, 23 + day, 3))).toBeLessThan(0.5 * morning);
      expect(loadFraction(shape, beijingAt(2026, 11, 29, 10))).toBeLessThan(0.7 * morning);
    }));
  });

  it('runs collectors while the line produces: day shift on at 10:00, off at 03:00', () => {
    const shape = loadShape({ profile: 'day_shift' }, 1, 'm');
    expect(productionOn(shape, weekday(10))).toBe(true);
    expect(productionOn(shape, weekday(3))).toBe(false);
  });
});
