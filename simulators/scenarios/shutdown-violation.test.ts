import { describe, it, expect } from 'vitest';
import { runScenario, mean } from '../testkit.ts';
import { syntheticRegistry } from '../synthetic.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, beijingHour } from '../time.ts';

describe('shutdown-violation scenario (domain.md §2.4.1)', () => {
  const run = runScenario({ registry: syntheticRegistry({ sensors: 60, devices: 6 }), scenario: 'shutdown-violation', liveMs: 15 * MINUTE_MS });
  const f = run.plan.facts;
  const meter = run.of(f.meter!);
  const p = (from: number, to: number, pred: (t: number) => boolean = () => true) => mean(meter.filter((r) => r.ts >= from && r.ts < to && pred(r.ts)).map((r) => r.values.p as number));
  const weekdayMorning = (t: number) => beijingHour(t) >= 9 && beijingHour(t) < 11;

  it('has four weeks of normal history before the order, for the baselines', () => {
    expect(meter[0]!.ts).toBeLessThanOrEqual(run.startMs - 27 * DAY_MS);
    expect(f.orderFromMs).toBeLessThan(run.startMs - 3 * DAY_MS);
  });

  it('falls to the idle base under the order, then drifts back up in steps, with night work', () => {
    const normalMorning = p(meter[0]!.ts, f.orderFromMs!, weekdayMorning);
    const ordered = p(f.orderFromMs! + HOUR_MS, f.stepsAtMs![0]!);
    expect(ordered).toBeLessThan(0.2 * normalMorning);
    const night = p(run.startMs - 2 * DAY_MS, run.startMs, (t) => beijingHour(t) >= 22.5 || beijingHour(t) < 3.5);
    expect(night).toBeGreaterThan(2 * ordered);
    const live = meter.filter((r) => r.ts >= run.startMs).map((r) => r.values.p as number);
    expect(live.at(-1)!).toBeGreaterThan(2 * live[0]!);
  });
});
