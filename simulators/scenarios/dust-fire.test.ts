import { describe, it, expect } from 'vitest';
import { runScenario } from '../testkit.ts';
import { syntheticRegistry } from '../synthetic.ts';
import { MINUTE_MS } from '../time.ts';

describe('dust-fire scenario (domain.md §2.3)', () => {
  const run = runScenario({ registry: syntheticRegistry({ sensors: 60, devices: 6 }), scenario: 'dust-fire', liveMs: 40 * MINUTE_MS });
  const f = run.plan.facts;
  const temp = run.of(f.hopper!);

  it('passes 70 °C (AQ 4273 isolation) within half an hour of the smoulder starting, rising ≥ 0.5 °C/min', () => {
    const hot = temp.find((r) => (r.values.temp as number) >= 70);
    expect(hot).toBeDefined();
    expect(hot!.ts - f.smoulderAtMs!).toBeLessThan(30 * MINUTE_MS);
  });

  it('drops ΔP on the bag burst and to ≈ 0 on the fan trip', () => {
    const dp = run.of(f.dp!);
    const before = dp.filter((r) => r.ts < f.burstAtMs! && r.ts > f.burstAtMs! - 3 * MINUTE_MS).map((r) => r.values.dp as number);
    const burst = dp.filter((r) => r.ts > f.burstAtMs! && r.ts < f.tripAtMs!).map((r) => r.values.dp as number);
    const tripped = dp.filter((r) => r.ts > f.tripAtMs! + 10_000).map((r) => r.values.dp as number);
    expect(Math.max(...burst)).toBeLessThan(0.75 * Math.min(...before));
    expect(Math.max(...tripped)).toBeLessThan(20);
  });
});
