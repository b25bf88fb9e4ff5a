import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { testWorld, run, mean, keyOfTest } from '../testkit.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, beijingAt } from '../time.ts';

const T0 = beijingAt(2026, 11, 23, 9); // a Monday morning, sugar 榨季
const collector = (siteParams: Record<string, string | number> = {}, events = [] as Parameters<typeof testWorld>[0]['events'], seed = 1) =>
  testWorld({ siteParams, events, seed, sensors: [
    { id: 'dp', type: 'dust_dp' },
    { id: 'temp', type: 'dust_hopper_temp' },
    { id: 'valve', type: 'dust_valve' },
    { id: 'spark', type: 'dust_spark' },
  ] });

describe('dust collectors (domain.md §2.3; AQ 4273-2016 §5.1.4)', () => {
  it('keeps a running baghouse’s saw-tooth ΔP within 800–1500 Pa, for any instrument', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
      const rs = run(collector({}, [], seed).model('dp'), T0, T0 + 6 * HOUR_MS, 20_000).map((r) => r.values.dp as number);
      expect(Math.min(...rs)).toBeGreaterThanOrEqual(800);
      expect(Math.max(...rs)).toBeLessThanOrEqual(1500);
      expect(Math.max(...rs) - Math.min(...rs)).toBeGreaterThan(100); // the tooth is there
    }), { numRuns: 25 });
  });

  it('drops ΔP by 30–60 % on a bag burst, for any burst size in that range', () => {
    fc.assert(fc.property(fc.double({ min: 0.3, max: 0.6, noNaN: true }), fc.integer({ min: 1, max: 1000 }), (drop, seed) => {
      const w = collector({}, [{ kind: 'bag_burst', at: T0 + HOUR_MS, sensor: keyOfTest('dp'), drop }], seed);
      const rs = run(w.model('dp'), T0, T0 + 2 * HOUR_MS, 10_000);
      const before = mean(rs.filter((r) => r.t < T0 + HOUR_MS).map((r) => r.values.dp as number));
      const after = mean(rs.filter((r) => r.t >= T0 + HOUR_MS).map((r) => r.values.dp as number));
      expect(Math.abs(1 - after / before - drop)).toBeLessThan(0.05);
    }), { numRuns: 15 });
  });

  it('takes ΔP to ≈ 0 within 10 s of a fan trip and stops the valve', () => {
    const w = collector({}, [{ kind: 'fan_trip', at: T0 + HOUR_MS, sensors: [keyOfTest('dp'), keyOfTest('valve')] }]);
    const dp = w.model('dp');
    dp.sample(T0 + HOUR_MS - 1000);
    expect(dp.sample(T0 + HOUR_MS + 10_000).values.dp as number).toBeLessThan(20);
    expect(w.model('valve').sample(T0 + HOUR_MS + 10_000).values.running).toBe(false);
  });

  it('creeps ΔP up 5–20 %/day when the bags clog', () => {
    const w = collector({}, [{ kind: 'clogging', at: T0, sensor: keyOfTest('dp'), ratePerDay: 0.1 }]);
    const rs = run(w.model('dp'), T0, T0 + 2 * DAY_MS, 20_000);
    const day0 = mean(rs.filter((r) => r.t < T0 + 2 * HOUR_MS).map((r) => r.values.dp as number));
    const day2 = mean(rs.filter((r) => r.t > T0 + 2 * DAY_MS - 2 * HOUR_MS).map((r) => r.values.dp as number));
    expect(day2 / day0).toBeGreaterThan(1.15);
    expect(day2 / day0).toBeLessThan(1.25);
  });

  it.each([
    ['is off out of season: ΔP ≈ 0 is normal (sugar mill in July)', beijingAt(2026, 7, 15, 10), false],
    ['runs in the 榨季 (sugar mill in December)', beijingAt(2026, 12, 15, 10), true],
  ])('a seasonal collector %s', (_why, t, on) => {
    const w = collector({ profile: 'seasonal', season: 'sugar', seasonFrom: '11-01', seasonTo: '04-30' });
    const dp = w.model('dp').sample(t).values.dp as number;
    if (on) expect(dp).toBeGreaterThan(800);
    else expect(dp).toBeLessThan(15);
    expect(w.model('valve').sample(t).values.running).toBe(on);
  });

  it('keeps the hopper at ambient + 0–10 °C, and a smoulder adds its rate per minute after sparks', () => {
    const fire = { kind: 'smoulder' as const, at: T0 + HOUR_MS, ratePerMin: 2, temps: [keyOfTest('temp')], sparks: [keyOfTest('spark')], sparkLeadS: 300, sparksPerMin: 3 };
    const w = collector({}, [fire]);
    const temp = run(w.model('temp'), T0, T0 + HOUR_MS + 20 * MINUTE_MS, MINUTE_MS);
    const normal = temp.filter((r) => r.t < T0 + HOUR_MS).map((r) => r.values.temp as number);
    expect(Math.min(...normal)).toBeGreaterThan(5);
    expect(Math.max(...normal)).toBeLessThan(42);
    const last = temp[temp.length - 1]!.values.temp as number;
    const atFire = temp.find((r) => r.t >= T0 + HOUR_MS)!.values.temp as number;
    expect(last - atFire).toBeGreaterThan(35); // ~19 min × 2 °C/min
    const sparks = run(w.model('spark'), T0, T0 + HOUR_MS + 10 * MINUTE_MS, MINUTE_MS);
    const lead = sparks.filter((r) => r.t > T0 + HOUR_MS - 5 * MINUTE_MS && r.t <= T0 + HOUR_MS).reduce((a, r) => a + (r.values.sparks as number), 0);
    expect(lead).toBeGreaterThan(5); // sparks come before the temperature rise
  });
});
