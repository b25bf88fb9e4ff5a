import { describe, it, expect } from 'vitest';
import { runScenario } from '../testkit.ts';
import { syntheticRegistry } from '../synthetic.ts';
import { MINUTE_MS } from '../time.ts';

const REGISTRY = syntheticRegistry({ sensors: 60, devices: 6 });
const valueAt = (rs: { ts: number; values: Record<string, number | boolean> }[], t: number, m: string) => rs.filter((r) => r.ts <= t).at(-1)?.values[m];

describe('methane-ventilation-loss scenario (domain.md §2.2)', () => {
  it('stops the heading’s fan and times the cut to a heading sensor reaching its own cut-power value', () => {
    const run = runScenario({ registry: REGISTRY, scenario: 'methane-ventilation-loss', liveMs: 20 * MINUTE_MS });
    const f = run.plan.facts;
    expect(valueAt(run.of(f.fan!), f.fanStopAtMs! + MINUTE_MS, 'running')).toBe(false);
    const cutPower = (k: string) => Number(REGISTRY.enterprises.flatMap((e) => e.sites.flatMap((s) => s.sensors)).find((s) => k.endsWith(`/${s.id}`))!.params.cutPower);
    const margin = (t: number) => Math.max(...f.heading!.map((k) => (valueAt(run.of(k), t, 'ch4') as number) - cutPower(k)));
    expect(margin(f.fanStopAtMs!)).toBeLessThan(-0.3);
    expect(margin(f.feedCutAtMs! + 10_000)).toBeGreaterThan(-0.15);
  });

  it.each([
    ['a failed cut leaves the feed on (断电失败 → red)', true, true],
    ['a working cut takes the feed off', false, false],
  ])('%s', (_why, cutFails, feedAfterCut) => {
    const run = runScenario({ registry: REGISTRY, scenario: 'methane-ventilation-loss', liveMs: 20 * MINUTE_MS, scenarioOptions: { cutFails } });
    const f = run.plan.facts;
    expect(f.feedCutFails).toBe(cutFails);
    expect(valueAt(run.of(f.feed!), f.feedCutAtMs! - 10_000, 'feed')).toBe(true);
    expect(valueAt(run.of(f.feed!), f.feedCutAtMs! + 20_000, 'feed')).toBe(feedAfterCut);
  });
});

describe('methane-outburst scenario (domain.md §2.2)', () => {
  it('saturates the low-range sensors along the path in sequence', () => {
    const run = runScenario({ registry: REGISTRY, scenario: 'methane-outburst', liveMs: 8 * MINUTE_MS });
    const f = run.plan.facts;
    const firstOver = (k: string) => run.of(k).find((r) => r.quality === 'overrange')?.ts ?? Infinity;
    const [a, b] = f.heading!;
    expect(firstOver(a!)).toBeGreaterThanOrEqual(f.outburstAtMs!);
    expect(firstOver(b!)).toBeGreaterThan(firstOver(a!));
    expect(firstOver(b!)).toBeLessThan(Infinity);
  });
});
