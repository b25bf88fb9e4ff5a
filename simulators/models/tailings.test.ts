import { describe, it, expect } from 'vitest';
import { testWorld, run, mean, keyOfTest } from '../testkit.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, beijingAt } from '../time.ts';

const T0 = beijingAt(2026, 11, 1);
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

describe('tailings sensors (domain.md §2.5)', () => {
  it('gives GNSS σ 2–3 mm horizontal and 4–6 mm vertical around a creep of at most 0.2 mm/d', () => {
    const w = testWorld({ originMs: T0, sensors: [{ id: 'gp', type: 'tailings_gnss' }] });
    const rs = run(w.model('gp'), T0, T0 + 2 * DAY_MS, 10 * MINUTE_MS);
    // differences of consecutive epochs remove the slow part: sd(diff) = √2·σ; median-robust to multipath
    const diffs = (m: string) => rs.slice(1).map((r, i) => (r.values[m] as number) - (rs[i]?.values[m] as number)).filter((d) => Math.abs(d) < 25);
    expect(sd(diffs('dx')) / Math.SQRT2).toBeGreaterThan(1.7);
    expect(sd(diffs('dx')) / Math.SQRT2).toBeLessThan(3.3);
    expect(sd(diffs('dh')) / Math.SQRT2).toBeGreaterThan(3.5);
    expect(sd(diffs('dh')) / Math.SQRT2).toBeLessThan(6.6);
  });

  it('shows single-epoch multipath outliers of 10–30 mm (filtered by a median of 3)', () => {
    const w = testWorld({ originMs: T0, sensors: [{ id: 'gp', type: 'tailings_gnss', params: { normalCreepMmPerDay: 0 } }] });
    const rs = run(w.model('gp'), T0, T0 + 20 * DAY_MS, 10 * MINUTE_MS).map((r) => r.values.dx as number);
    const m = mean(rs);
    const outliers = rs.filter((x) => Math.abs(x - m) > 12).length;
    expect(outliers).toBeGreaterThan(5);
    expect(outliers / rs.length).toBeLessThan(0.03);
  });

  it('loses the station at the failure time: quality fault from then on', () => {
    const tf = T0 + DAY_MS;
    const w = testWorld({ originMs: T0, sensors: [{ id: 'gp', type: 'tailings_gnss' }], events: [{ kind: 'creep_failure', at: T0, failureMs: tf, sensors: [{ sensor: keyOfTest('gp'), amplitudeMm: 20 }] }] });
    const gp = w.model('gp');
    expect(gp.sample(tf - MINUTE_MS).quality).toBe('ok');
    expect(gp.sample(tf).quality).toBe('fault');
  });

  it('tips the rain gauge in 0.2 mm steps that add up to the storm', () => {
    const w = testWorld({ originMs: T0, sensors: [{ id: 'rg', type: 'rain_gauge' }], events: [{ kind: 'storm', at: T0 + HOUR_MS, durationMs: 5 * HOUR_MS, totalMm: 47.3, site: 'e1/s1' }] });
    const rs = run(w.model('rg'), T0, T0 + 8 * HOUR_MS, 10 * MINUTE_MS).map((r) => r.values.rain as number);
    for (const x of rs) expect(Math.abs(x / 0.2 - Math.round(x / 0.2))).toBeLessThan(1e-9);
    const natural = w.world.weather('e1/s1').rainMm(T0 - 10 * MINUTE_MS, T0 + 8 * HOUR_MS - 10 * MINUTE_MS) - 47.3;
    expect(Math.abs(rs.reduce((a, b) => a + b, 0) - 47.3 - natural)).toBeLessThanOrEqual(0.2);
  });
});
