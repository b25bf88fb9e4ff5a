import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { createSimulation, type SimDevice, type SimulationOptions } from './simulation.ts';
import { syntheticRegistry } from './synthetic.ts';
import { SCENARIO_NAMES } from './scenarios.ts';
import { ManualClock } from '../core/clock.ts';
import { QUALITIES, type Reading } from '../core/reading.ts';
import { RegistrySchema, type RegistryDef } from '../core/registry.ts';
import { sensorType } from '../core/sensor-types.ts';
import { MINUTE_MS } from './time.ts';

const START = Date.parse('2026-11-22T02:00:00Z');
const SYNTH = RegistrySchema.parse(syntheticRegistry({ sensors: 60, devices: 6 }));
const DEMO = RegistrySchema.parse(parse(readFileSync(new URL('../config/demo.yaml', import.meta.url), 'utf8')));
const key = (r: Reading) => `${r.enterpriseId}/${r.sensorId}`;

function simulate(o: Partial<SimulationOptions> & { registry: RegistryDef }, liveMs: number, withHistory = true) {
  const clock = new ManualClock(o.startMs ?? START);
  const sim = createSimulation({ scenario: 'normal', seed: 1, clock, startMs: START, ...o });
  const history = withHistory ? sim.backfill() : [];
  const live: Reading[] = [];
  const batches: { device: SimDevice; readings: Reading[] }[] = [];
  sim.start((device, readings) => {
    live.push(...readings);
    batches.push({ device, readings });
  });
  clock.advance(liveMs);
  sim.stop();
  return { sim, history, live, batches };
}

describe('simulation driver', () => {
  it('reproduces the same readings for the same seed and differs for another seed', () => {
    const a = simulate({ registry: SYNTH, scenario: 'gas-leak', seed: 5 }, 10 * MINUTE_MS);
    const b = simulate({ registry: SYNTH, scenario: 'gas-leak', seed: 5 }, 10 * MINUTE_MS);
    const c = simulate({ registry: SYNTH, scenario: 'gas-leak', seed: 6 }, 10 * MINUTE_MS);
    const same = (x: Reading[], y: Reading[]) => x.length === y.length && JSON.stringify(x) === JSON.stringify(y);
    expect(a.history.length).toBeGreaterThan(1000);
    expect(same(b.history, a.history)).toBe(true);
    expect(same(b.live, a.live)).toBe(true);
    expect(same(c.history, a.history)).toBe(false);
    expect(same(c.live, a.live)).toBe(false);
  });

  it('continues live from the history whether or not the history was consumed', () => {
    const a = simulate({ registry: SYNTH, scenario: 'dam-failure' }, 10 * MINUTE_MS, true);
    const b = simulate({ registry: SYNTH, scenario: 'dam-failure' }, 10 * MINUTE_MS, false);
    expect(JSON.stringify(b.live)).toBe(JSON.stringify(a.live));
  });

  describe.each([
    ['the synthetic registry', SYNTH],
    ['config/demo.yaml', DEMO],
  ])('on %s', (_name, registry) => {
    it.each(SCENARIO_NAMES)('%s: every reading has exactly its type’s metrics, finite numbers or booleans, and a valid quality', (scenario) => {
      const { history, live } = simulate({ registry, scenario }, 15 * MINUTE_MS);
      const types = new Map<string, string>(registry.enterprises.flatMap((e) => e.sites.flatMap((s) => s.sensors.map((x): [string, string] => [`${e.id}/${x.id}`, x.type]))));
      const problems: string[] = [];
      for (const r of [...history, ...live]) {
        const def = sensorType(types.get(key(r)) ?? '');
        if (!def) {
          problems.push(`${key(r)}: unknown sensor`);
          continue;
        }
        if (Object.keys(r.values).sort().join() !== Object.keys(def.metrics).sort().join()) problems.push(`${key(r)}: metrics ${Object.keys(r.values).join()}`);
        for (const [m, v] of Object.entries(r.values)) {
          const ok = def.metrics[m]?.kind === 'boolean' ? typeof v === 'boolean' : typeof v === 'number' && Number.isFinite(v);
          if (!ok) problems.push(`${key(r)} ${m}=${String(v)}`);
        }
        if (!(QUALITIES as readonly string[]).includes(r.quality)) problems.push(`${key(r)}: quality ${r.quality}`);
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(history.length + live.length).toBeGreaterThan(1000);
    });
  });

  it('keeps history in ts order, before the start and after commissioning, at nominal intervals', () => {
    const { history } = simulate({ registry: SYNTH }, 0);
    expect(history.every((r, i) => i === 0 || r.ts >= history[i - 1]!.ts)).toBe(true);
    expect(history.every((r) => r.ts < START)).toBe(true);
    const meter = history.filter((r) => r.sensorId === 'pm-001' && r.enterpriseId === 'load-001');
    expect(meter[1]!.ts - meter[0]!.ts).toBe(900_000);
    expect(START - meter[0]!.ts).toBeLessThanOrEqual(28 * 86_400_000); // four comparable weeks for baselines
    const late = simulate({ registry: RegistrySchema.parse(syntheticRegistry({ sensors: 20, devices: 2, commissioned: '2026-11-21' })) }, 0);
    expect(late.history.length).toBeGreaterThan(0);
    expect(late.history.every((r) => r.ts >= Date.parse('2026-11-21'))).toBe(true);
  });

  it('gives every sensor one reading at the start, then one per interval, seq continuing the history', () => {
    const { sim, history, live } = simulate({ registry: SYNTH }, 5 * MINUTE_MS);
    expect(new Set(live.filter((r) => r.ts === START).map(key)).size).toBe(sim.sensorCount);
    const gas = live.filter((r) => r.enterpriseId === 'load-001' && r.sensorId === 'lel-a-001');
    expect(gas.length).toBeGreaterThanOrEqual(5);
    expect(gas[2]!.ts - gas[1]!.ts).toBe(60_000);
    const last = history.filter((r) => r.enterpriseId === 'load-001' && r.sensorId === 'lel-a-001').at(-1)!;
    expect(gas[0]!.seq).toBe(last.seq! + 1);
    expect(gas[0]!.boot).toBe(last.boot);
  });

  it('uses the scenario’s shorter live interval, or the intervalS option for load tests', () => {
    const leak = simulate({ registry: SYNTH, scenario: 'gas-leak' }, 3 * MINUTE_MS);
    const src = leak.live.filter((r) => key(r) === leak.sim.plan.facts.leakSource);
    expect(src[3]!.ts - src[2]!.ts).toBe(10_000);
    const fast = simulate({ registry: SYNTH, intervalS: 1, backfillMs: 0 }, MINUTE_MS, false);
    expect(fast.history).toEqual([]);
    expect(fast.live.length).toBeGreaterThan(50 * fast.sim.sensorCount);
  });

  it('delivers each device’s due readings together: a gateway sends one batch per tick', () => {
    const reg = RegistrySchema.parse(syntheticRegistry({ sensors: 60, devices: 6, gatewayBatch: true }));
    const { batches } = simulate({ registry: reg }, 0);
    expect(batches.length).toBe(6);
    expect(batches.reduce((a, b) => a + b.readings.length, 0)).toBe(60);
    for (const b of batches) for (const r of b.readings) expect(r.enterpriseId).toBe(b.device.enterpriseId);
  });

  it('restarts seq under a new boot after a device reboot, with no readings while it is down', () => {
    const { sim, live } = simulate({ registry: SYNTH, scenario: 'sensor-faults' }, 10 * MINUTE_MS);
    const rb = sim.plan.facts.reboot!;
    const mine = live.filter((r) => r.enterpriseId === rb.enterpriseId && SYNTH.enterprises.find((e) => e.id === rb.enterpriseId)!.devices.find((d) => d.id === rb.deviceId)!.sensors.includes(r.sensorId));
    const before = mine.filter((r) => r.ts < rb.atMs);
    const after = mine.filter((r) => r.ts >= rb.atMs);
    expect(after.every((r) => r.ts >= rb.atMs + 60_000)).toBe(true);
    expect(new Set(after.map((r) => r.boot)).size).toBe(1);
    expect(after[0]!.boot).not.toBe(before[0]!.boot);
    expect(after.filter((r) => r.sensorId === after[0]!.sensorId)[0]!.seq).toBe(1);
  });
});
