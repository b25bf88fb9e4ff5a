import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { plumeExpected } from './gas.ts';
import { testWorld, mean, keyOfTest } from '../testkit.ts';
import type { LeakEvent } from '../events.ts';
import { MINUTE_MS, beijingAt } from '../time.ts';

const T0 = beijingAt(2026, 11, 22, 10);
const sensors = [
  { id: 'src', type: 'gas_combustible', params: { baseline: 0 } },
  { id: 'nb', type: 'gas_combustible', params: { baseline: 0 } },
];
const leak = (plateau: number, tauS: number, extra: Partial<LeakEvent> = {}): LeakEvent => ({
  kind: 'leak', at: T0, source: keyOfTest('src'), plateau, tauS, neighbours: [{ sensor: keyOfTest('nb'), attenuation: 0.5, delayS: 60 }], ...extra,
});
/** Mean reading of a sensor at each time over many seeds: the expectation the physics promises. */
function ensemble(ev: LeakEvent, id: string, times: number[], seeds = 120): number[] {
  const sums = times.map(() => 0);
  for (let s = 1; s <= seeds; s++) {
    const m = testWorld({ sensors, events: [ev], seed: s }).model(id);
    times.forEach((t, i) => { sums[i] = (sums[i] as number) + (m.sample(t).values.lel as number); });
  }
  return sums.map((x) => x / seeds);
}

describe('gas detectors (domain.md §2.1)', () => {
  it('idles at a 0–2 %LEL baseline quantised to 0.1, quality ok', () => {
    const m = testWorld({ sensors: [{ id: 'g', type: 'gas_combustible' }], seed: 3 }).model('g');
    const xs = Array.from({ length: 500 }, (_, i) => m.sample(T0 + i * MINUTE_MS));
    for (const r of xs) {
      expect(r.quality).toBe('ok');
      expect(Math.abs((r.values.lel as number) * 10 - Math.round((r.values.lel as number) * 10))).toBeLessThan(1e-9);
    }
    expect(mean(xs.map((r) => r.values.lel as number))).toBeLessThan(3.5);
  });

  it('rises in expectation monotonically towards the plateau with time constant τ, for any leak', () => {
    fc.assert(fc.property(fc.integer({ min: 20, max: 80 }), fc.integer({ min: 30, max: 300 }), (cp, tau) => {
      const times = [0.25, 0.5, 1, 2, 3, 5].map((k) => T0 + k * tau * 1000);
      const m = ensemble(leak(cp, tau), 'src', times);
      for (let i = 1; i < m.length; i++) expect(m[i] as number).toBeGreaterThan((m[i - 1] as number) - 0.04 * cp);
      expect(Math.abs((m[2] as number) - cp * (1 - Math.exp(-1)))).toBeLessThan(0.12 * cp); // C(τ) = 63 % of Cp
      expect(Math.abs((m[5] as number) - cp * (1 - Math.exp(-5)))).toBeLessThan(0.12 * cp);
    }), { numRuns: 6 });
  });

  it('shows the neighbour a later and lower copy of the plume', () => {
    fc.assert(fc.property(fc.integer({ min: 30, max: 90 }), fc.integer({ min: 30, max: 200 }), (cp, tau) => {
      const times = Array.from({ length: 40 }, (_, i) => T0 + i * (tau * 150));
      const src = ensemble(leak(cp, tau), 'src', times, 40);
      const nb = ensemble(leak(cp, tau), 'nb', times, 40);
      const firstAbove = (xs: number[], level: number) => times[xs.findIndex((x) => x > level)] ?? Infinity;
      expect(firstAbove(nb, 0.2 * cp)).toBeGreaterThan(firstAbove(src, 0.2 * cp));
      expect(mean(nb.slice(-10))).toBeLessThan(0.7 * mean(src.slice(-10)));
    }), { numRuns: 5 });
  });

  it('decays exponentially after isolation', () => {
    const ev = leak(60, 60, { isolateAt: T0 + 10 * MINUTE_MS, isolTauS: 120 });
    expect(plumeExpected(ev, T0 + 10 * MINUTE_MS + 120_000)).toBeCloseTo(plumeExpected(ev, T0 + 10 * MINUTE_MS) * Math.exp(-1), 6);
  });

  it('latches over-range above the span and reports full scale with quality overrange', () => {
    const m = testWorld({ sensors, events: [leak(180, 30, { isolateAt: T0 + 10 * MINUTE_MS, isolTauS: 60 })], seed: 2 }).model('src');
    const during = m.sample(T0 + 5 * MINUTE_MS);
    expect(during.quality).toBe('overrange');
    expect(during.values.lel).toBeLessThanOrEqual(100);
    expect(m.sample(T0 + 11 * MINUTE_MS).quality).toBe('overrange'); // still latched while above 10 %LEL
    expect(m.sample(T0 + 40 * MINUTE_MS).quality).toBe('ok');
  });
});
