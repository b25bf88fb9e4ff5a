import { describe, it, expect } from 'vitest';
import { ch4Profile, cuttingFactor } from './methane.ts';
import { testWorld, run, mean, keyOfTest, type TestSensor } from '../testkit.ts';
import { MINUTE_MS, beijingAt } from '../time.ts';
import { seedOf } from '../rng.ts';
import { flattenRegistry } from '../world.ts';

const T0 = beijingAt(2026, 11, 22, 3); // 03:00, no cutting
const mine: TestSensor[] = [
  { id: 'ch4', type: 'mine_ch4', params: { location: 'heading' } },
  { id: 'wind', type: 'mine_wind', params: { minVelocity: 0.25, maxVelocity: 4 } },
  { id: 'fan', type: 'mine_fan' },
  { id: 'feed', type: 'mine_feed' },
];
const fanStop = { kind: 'fan_stop' as const, at: T0 + 2 * MINUTE_MS, until: T0 + 12 * MINUTE_MS, fan: keyOfTest('fan'), methane: [{ sensor: keyOfTest('ch4'), ratePerMin: 0.2 }], wind: [keyOfTest('wind')] };

describe('coal-mine atmosphere (domain.md §2.2)', () => {
  it.each([
    ['a face sensor sits at 0.1–0.6 %vol', 'T1', 0.1, 0.6],
    ['a heading sensor sits at 0.1–0.6 %vol', 'heading', 0.1, 0.6],
    ['a return sensor sits at 0.2–0.8 %vol', 'return', 0.2, 0.8],
    ['a T2 (face return) sensor sits at 0.2–0.8 %vol', 'T2', 0.2, 0.8],
    ['an intake (T3) sensor sits below 0.1 %vol', 'T3', 0.02, 0.1],
  ])('%s', (_why, location, lo, hi) => {
    for (let s = 1; s < 30; s++) {
      const info = flattenRegistry(testWorld({ sensors: [{ id: 'c', type: 'mine_ch4', params: { location } }] }).registry).sensors[0]!.info;
      const p = ch4Profile(info, seedOf(s, 'x'));
      expect(p.baseline).toBeGreaterThanOrEqual(lo);
      expect(p.baseline).toBeLessThanOrEqual(hi);
      expect(p.sd).toBeGreaterThanOrEqual(0.02);
      expect(p.sd).toBeLessThanOrEqual(0.05);
    }
  });

  it('cuts coal in two shifts (Beijing time): methane goes up while cutting', () => {
    expect(cuttingFactor(beijingAt(2026, 11, 22, 10))).toBe(1);
    expect(cuttingFactor(beijingAt(2026, 11, 22, 3))).toBe(0);
    expect(cuttingFactor(beijingAt(2026, 11, 22, 15))).toBe(0);
  });

  it('raises heading CH₄ linearly at the given rate once the fan stops, and clears after it restarts', () => {
    const w = testWorld({ sensors: mine, events: [fanStop], seed: 4 });
    const rs = run(w.model('ch4'), T0, T0 + 30 * MINUTE_MS, 10_000);
    const at = (min: number) => mean(rs.filter((r) => Math.abs(r.t - (T0 + min * MINUTE_MS)) <= 30_000).map((r) => r.values.ch4 as number));
    expect(at(10) - at(6)).toBeCloseTo(0.8, 1); // 4 min × 0.2 %/min
    expect(at(29)).toBeLessThan(at(1) + 0.15);
  });

  it('stops the fan and the air, keeps the feed on when nothing cuts it', () => {
    const w = testWorld({ sensors: mine, events: [fanStop], seed: 4 });
    const t = T0 + 5 * MINUTE_MS;
    expect(w.model('fan').sample(t).values.running).toBe(false);
    expect(w.model('fan').sample(T0).values.running).toBe(true);
    expect(w.model('wind').sample(t).values.velocity as number).toBeLessThan(0.5);
    expect(w.model('feed').sample(t).values.feed).toBe(true);
  });

  it.each([
    ['a working cut removes the power (feed false)', false, false],
    ['a failed cut leaves the power on (断电失败)', true, true],
  ])('%s', (_why, fails, expected) => {
    const w = testWorld({ sensors: mine, events: [{ kind: 'feed_cut', at: T0, feed: keyOfTest('feed'), fails }] });
    expect(w.model('feed').sample(T0 + MINUTE_MS).values.feed).toBe(expected);
  });

  it('saturates a low-range sensor in an outburst: 4 %vol with quality overrange, the air reverses', () => {
    const w = testWorld({ sensors: mine, events: [{ kind: 'outburst', at: T0, path: [{ sensor: keyOfTest('ch4'), delayS: 0, peak: 12 }], wind: [keyOfTest('wind')], co: [] }] });
    const r = w.model('ch4').sample(T0 + 20_000);
    expect(r.quality).toBe('overrange');
    expect(r.values.ch4).toBe(4);
    expect(w.model('wind').sample(T0 + 20_000).values.velocity as number).toBeLessThan(0);
  });
});
