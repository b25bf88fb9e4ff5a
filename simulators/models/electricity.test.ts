import { describe, it, expect } from 'vitest';
import { testWorld, run, mean, keyOfTest } from '../testkit.ts';
import { HOUR_MS, MINUTE_MS, DAY_MS, beijingAt } from '../time.ts';

const T0 = beijingAt(2026, 11, 23); // Monday 00:00, Beijing
const plant = (events: Parameters<typeof testWorld>[0]['events'] = [], seed = 1) =>
  testWorld({ events, seed, originMs: T0 - DAY_MS, sensors: [
    { id: 'pm', type: 'power_meter', params: { ratedKw: 1000, profile: 'day_shift' } },
    { id: 'ir', type: 'residual_current', relations: [{ kind: 'meter', sensor: 'pm' }] },
    { id: 'tc', type: 'cable_temp', relations: [{ kind: 'meter', sensor: 'pm' }] },
  ] });

describe('electricity (domain.md §2.4)', () => {
  it('meters 15-minute energy consistent with power: kWh = kW × 0.25 h', () => {
    for (const r of run(plant().model('pm'), T0, T0 + DAY_MS, 15 * MINUTE_MS)) {
      expect(Math.abs((r.values.energy as number) - (r.values.p as number) * 0.25)).toBeLessThanOrEqual(0.01);
    }
  });

  it('shows the day-shift rhythm with ±5–10 % noise: idle at night, ~rated in the morning', () => {
    const rs = run(plant().model('pm'), T0, T0 + DAY_MS, 15 * MINUTE_MS);
    const at = (h: number) => rs.find((r) => r.t === T0 + h * HOUR_MS)!.values.p as number;
    expect(at(3)).toBeLessThan(170);
    expect(at(10)).toBeGreaterThan(880);
    expect(at(10)).toBeLessThan(1110);
  });

  it('forces the load during a shutdown order, with the noise kept', () => {
    const w = plant([{ kind: 'load', at: T0, sensor: keyOfTest('pm'), fraction: 0.08 }]);
    const ps = run(w.model('pm'), T0, T0 + DAY_MS, 15 * MINUTE_MS).map((r) => r.values.p as number);
    expect(Math.max(...ps)).toBeLessThan(90);
    expect(Math.min(...ps)).toBeGreaterThan(70);
  });

  it('reads residual current higher in wet weather (+20–50 %)', () => {
    const wet = plant([{ kind: 'storm', at: T0 + DAY_MS, durationMs: 12 * HOUR_MS, totalMm: 60, site: 'e1/s1' }], 3);
    const ir = run(wet.model('ir'), T0, T0 + 3 * DAY_MS, 10 * MINUTE_MS);
    // compare the same hours of the day, dry day vs the soaked evening
    const dry = mean(ir.filter((r) => r.t >= T0 + 12 * HOUR_MS && r.t < T0 + 24 * HOUR_MS).map((r) => r.values.ir as number));
    const soaked = mean(ir.filter((r) => r.t >= T0 + 36 * HOUR_MS && r.t < T0 + 48 * HOUR_MS).map((r) => r.values.ir as number));
    expect(soaked / dry).toBeGreaterThan(1.15);
    expect(soaked / dry).toBeLessThan(1.6);
    for (const r of ir) expect(r.values.ir as number).toBeLessThan(300); // natural leakage stays under the alarm
  });

  it('heats the cable with load (ambient + k·I²) behind a 10–30 min thermal lag', () => {
    const tc = run(plant().model('tc'), T0, T0 + DAY_MS, 5 * MINUTE_MS);
    const at = (h: number) => tc.find((r) => r.t >= T0 + h * HOUR_MS)!.values.temp as number;
    expect(at(11) - at(4)).toBeGreaterThan(15);
    expect(at(8.5) - at(7.5)).toBeLessThan(at(11) - at(7.5)); // still warming after the ramp ends
  });
});
