import { describe, it, expect } from 'vitest';
import { runScenario } from '../testkit.ts';
import { syntheticRegistry } from '../synthetic.ts';
import { MINUTE_MS } from '../time.ts';

describe('sensor-faults scenario (domain.md §2.1 Faults)', () => {
  const run = runScenario({ registry: syntheticRegistry({ sensors: 60, devices: 6 }), scenario: 'sensor-faults', liveMs: 15 * MINUTE_MS });
  const faults = run.plan.facts.faults!;
  const of = (fault: string) => faults.find((x) => x.fault === fault)!;

  it('schedules every instrument fault on a distinct sensor', () => {
    expect(new Set(faults.filter((x) => x.fault !== 'clock_drift').map((x) => x.fault))).toEqual(new Set(['calibration', 'stuck', 'drift', 'span', 'dropout', 'spikes']));
    expect(new Set(faults.map((x) => x.sensor)).size).toBe(faults.length);
    expect(run.plan.facts.reboot).toBeDefined();
  });

  it.each([
    ['calibration readings say calibrating', 'calibration', (rs: ReturnType<typeof run.of>, at: number) => expect(rs.some((r) => r.ts >= at && r.quality === 'calibrating')).toBe(true)],
    ['a stuck sensor repeats one value while claiming ok', 'stuck', (rs: ReturnType<typeof run.of>, at: number) => {
      const after = rs.filter((r) => r.ts > at);
      expect(new Set(after.map((r) => JSON.stringify(r.values))).size).toBe(1);
      expect(after.every((r) => r.quality === 'ok')).toBe(true);
    }],
    ['a drifting detector goes below −5 %LEL (a fault signature)', 'drift', (rs: ReturnType<typeof run.of>) => expect(Math.min(...rs.map((r) => r.values.lel as number))).toBeLessThan(-5)],
    ['a dropout leaves a gap', 'dropout', (rs: ReturnType<typeof run.of>, at: number) => expect(rs.some((r) => r.ts > at && r.ts < at + 10 * MINUTE_MS)).toBe(false)],
  ])('%s', (_why, fault, check) => {
    const x = of(fault);
    check(run.of(x.sensor), x.atMs);
  });

  it('runs a drifting device clock ahead of true time', () => {
    const drift = faults.filter((x) => x.fault === 'clock_drift');
    expect(drift.length).toBeGreaterThan(0);
    const rs = run.of(drift[0]!.sensor).filter((r) => r.ts >= run.startMs);
    const steps = rs.slice(1).map((r, i) => r.ts - rs[i]!.ts);
    expect(Math.max(...steps)).toBeGreaterThan(Math.min(...steps));
  });
});
