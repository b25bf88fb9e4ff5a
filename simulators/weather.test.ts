import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createWeather } from './weather.ts';
import { beijingAt, DAY_MS, HOUR_MS } from './time.ts';

describe('weather (domain.md §2.5 rainfall)', () => {
  it('puts ~85 % of a Yunnan year’s rain in May–October, with a plausible annual total', () => {
    const w = createWeather(3, 'e/s');
    let wet = 0;
    let total = 0;
    for (let m = 1; m <= 12; m++) {
      const mm = w.rainMm(beijingAt(2026, m, 1), m === 12 ? beijingAt(2027, 1, 1) : beijingAt(2026, m + 1, 1));
      total += mm;
      if (m >= 5 && m <= 10) wet += mm;
    }
    expect(total).toBeGreaterThan(500);
    expect(total).toBeLessThan(1600);
    expect(wet / total).toBeGreaterThan(0.75);
  });

  it('adds up over adjacent periods, so gauges with any interval agree with the weather', () => {
    const w = createWeather(4, 'e/s');
    const t0 = beijingAt(2026, 7, 1);
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 * 24 }), fc.integer({ min: 1, max: 72 }), fc.integer({ min: 1, max: 72 }), (h, a, b) => {
      const s = t0 + h * HOUR_MS;
      expect(w.rainMm(s, s + (a + b) * HOUR_MS)).toBeCloseTo(w.rainMm(s, s + a * HOUR_MS) + w.rainMm(s + a * HOUR_MS, s + (a + b) * HOUR_MS), 6);
    }));
  });

  it('adds a scenario storm exactly on top of the seeded rain', () => {
    const at = beijingAt(2026, 12, 10);
    const base = createWeather(5, 'e/s');
    const stormy = createWeather(5, 'e/s', [{ kind: 'storm', at, durationMs: 10 * HOUR_MS, totalMm: 110, site: 'e/s' }]);
    expect(stormy.rainMm(at - DAY_MS, at + 2 * DAY_MS) - base.rainMm(at - DAY_MS, at + 2 * DAY_MS)).toBeCloseTo(110, 6);
    expect(stormy.wetness(at + 10 * HOUR_MS)).toBeGreaterThan(0.9);
    expect(stormy.wetness(at + 10 * HOUR_MS)).toBeGreaterThan(stormy.wetness(at + 6 * DAY_MS));
  });

  it('keeps ambient air in Yunnan’s 0–35 °C with a warm afternoon and a cool dawn', () => {
    const w = createWeather(6, 'e/s');
    const day = beijingAt(2026, 11, 22);
    expect(w.ambientC(day + 15 * HOUR_MS)).toBeGreaterThan(w.ambientC(day + 4 * HOUR_MS));
    for (let t = beijingAt(2026, 1, 1); t < beijingAt(2027, 1, 1); t += 7 * HOUR_MS) {
      expect(w.ambientC(t)).toBeGreaterThan(0);
      expect(w.ambientC(t)).toBeLessThan(35);
    }
  });
});
