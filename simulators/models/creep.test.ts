import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { creepDisplacementMm, creepVelocityMmPerDay } from './creep.ts';
import { DAY_MS, HOUR_MS } from '../time.ts';

describe('accelerating creep (domain.md §2.5: inverse velocity falls linearly to zero at failure)', () => {
  it('has an inverse velocity that is a straight line reaching zero at t_f, for any amplitude and failure time', () => {
    fc.assert(fc.property(fc.double({ min: 1, max: 100, noNaN: true }), fc.integer({ min: 1, max: 30 }), (a, days) => {
      const tf = 1_800_000_000_000 + days * DAY_MS;
      // numerical velocity of the displacement curve at two times, then the line through 1/v
      const v = (t: number) => ((creepDisplacementMm(t + 60_000, tf - 40 * DAY_MS, tf, a) - creepDisplacementMm(t - 60_000, tf - 40 * DAY_MS, tf, a)) / 120_000) * DAY_MS;
      const t1 = tf - days * DAY_MS;
      const t2 = tf - 6 * HOUR_MS;
      const slope = (1 / v(t2) - 1 / v(t1)) / (t2 - t1);
      const zero = t2 - 1 / v(t2) / slope;
      expect(Math.abs(zero - tf)).toBeLessThan(60_000);
      expect(Math.abs(v(t2) / creepVelocityMmPerDay(t2, tf, a) - 1)).toBeLessThan(1e-4);
    }));
  });

  it('adds nothing before the onset and stays finite at the failure instant', () => {
    const tf = 1_800_000_000_000;
    expect(creepDisplacementMm(tf - 10 * DAY_MS, tf - 5 * DAY_MS, tf, 20)).toBe(0);
    expect(Number.isFinite(creepDisplacementMm(tf, tf - 5 * DAY_MS, tf, 20))).toBe(true);
  });
});
