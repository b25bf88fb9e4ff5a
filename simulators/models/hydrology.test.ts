import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { beachGeometry, beachLength, pondParams } from './hydrology.ts';
import { testWorld, run } from '../testkit.ts';
import { DAY_MS, HOUR_MS, beijingAt } from '../time.ts';
import type { SimEvent } from '../events.ts';

const T0 = beijingAt(2026, 12, 10); // dry season: the storm is the only rain that matters
const storm = (totalMm: number): SimEvent => ({ kind: 'storm', at: T0, durationMs: 8 * HOUR_MS, totalMm, site: 'e1/s1' });
const pond = (operatingLevel: number, events: SimEvent[]) =>
  testWorld({
    originMs: T0 - 2 * DAY_MS,
    events,
    sensors: [
      { id: 'wl', type: 'tailings_pond_level', params: { operatingLevel, beachSlope: 0.01 } },
      { id: 'gt', type: 'tailings_beach', params: { normalLength: 400, minLength: 70 } },
      { id: 'pz', type: 'tailings_phreatic', params: { normalDepth: 10, gain: 1 } },
    ],
  });

describe('pond hydrology (domain.md §2.5: rain → level → beach → phreatic)', () => {
  it('shortens the dry beach by ~10 m for a 0.1 m rise, for any start level (1 % beach slope)', () => {
    const g = beachGeometry({ normalLength: 500 }, pondParams({ operatingLevel: 1850, beachSlope: 0.01 }));
    fc.assert(fc.property(fc.double({ min: 1846, max: 1854.8, noNaN: true }), (level) => {
      expect(Math.abs(beachLength(level, g) - beachLength(level + 0.1, g) - 10)).toBeLessThanOrEqual(1);
    }));
  });

  it('couples the beach meter to the level gauge through the slope: −100 m of beach per metre of rise', () => {
    fc.assert(fc.property(fc.double({ min: 1500, max: 2500, noNaN: true }), fc.integer({ min: 40, max: 150 }), (level0, mm) => {
      const w = pond(level0, [storm(mm)]);
      const wl = run(w.model('wl'), T0, T0 + 3 * DAY_MS, HOUR_MS).map((r) => r.values.level as number);
      const gt = run(w.model('gt'), T0, T0 + 3 * DAY_MS, HOUR_MS).map((r) => r.values.length as number);
      const mx = wl.reduce((a, b) => a + b) / wl.length;
      const my = gt.reduce((a, b) => a + b) / gt.length;
      let num = 0;
      let den = 0;
      wl.forEach((x, i) => { num += (x - mx) * ((gt[i] as number) - my); den += (x - mx) ** 2; });
      expect(Math.abs(num / den + 100)).toBeLessThan(5);
    }), { numRuns: 12 });
  });

  it('raises the pond within hours of a storm and lets it fall over days', () => {
    const wl = pond(1850, [storm(100)]).model('wl');
    const series = run(wl, T0 - HOUR_MS, T0 + 8 * DAY_MS, HOUR_MS);
    const rise = (t: number) => (series.find((r) => r.t >= t)?.values.level as number) - 1850;
    const peak = series.reduce((a, r) => ((r.values.level as number) > (a.values.level as number) ? r : a));
    expect(peak.t - T0).toBeLessThan(DAY_MS);
    expect(rise(peak.t)).toBeGreaterThan(0.3);
    expect(rise(T0 + 2 * HOUR_MS)).toBeGreaterThan(0.05);
    expect(rise(T0 + 7 * DAY_MS)).toBeLessThan(0.4 * rise(peak.t));
  });

  it('lets the phreatic surface follow with a lag of days: burial depth falls little in 12 h, much in 5 days', () => {
    const pz = pond(1850, [storm(100)]).model('pz');
    const depth = (t: number) => pz.sample(t).values.depth as number;
    const before = depth(T0);
    const halfDay = before - depth(T0 + 12 * HOUR_MS);
    const fiveDays = before - depth(T0 + 5 * DAY_MS);
    expect(fiveDays).toBeGreaterThan(0.3);
    expect(halfDay).toBeLessThan(0.25 * fiveDays);
  });

  it('raises the phreatic surface when the drainage is blocked, even without rain', () => {
    const w = pond(1850, [{ kind: 'drain_blocked', at: T0, site: 'e1/s1', riseM: 3 }]);
    const pz = w.model('pz');
    const d0 = pz.sample(T0).values.depth as number;
    const d10 = pz.sample(T0 + 10 * DAY_MS).values.depth as number;
    expect(d0 - d10).toBeGreaterThan(2);
  });
});
