import { describe, it, expect } from 'vitest';
import { testWorld, run, mean } from '../testkit.ts';
import { HOUR_MS, beijingAt } from '../time.ts';

const T0 = beijingAt(2026, 11, 22);

describe('process points (domain.md §2.6)', () => {
  it.each([
    ['a tank stays between L (10 %) and H (85 %) of its height', 'tank_level', { height: 12 }, 'level', 1.2, 10.2],
    ['a reactor temperature stays below its high alarm', 'process_temp', { high: 85 }, 'temp', 40, 85],
    ['a pressure stays below 90 % of design', 'process_pressure', { design: 2.16 }, 'pressure', 0.8, 1.95],
  ])('%s', (_why, type, params, metric, lo, hi) => {
    for (let seed = 1; seed <= 10; seed++) {
      const xs = run(testWorld({ sensors: [{ id: 'p', type, params }], seed }).model('p'), T0, T0 + 72 * HOUR_MS, HOUR_MS / 4).map((r) => r.values[metric] as number);
      expect(Math.min(...xs)).toBeGreaterThan(lo);
      expect(Math.max(...xs)).toBeLessThan(hi);
      expect(Number.isFinite(mean(xs))).toBe(true);
    }
  });
});
