// Building blocks for the simulators' own tests: a one-enterprise, one-site world around hand-made
// sensors, and the model of one of them. Not used by the running simulators.
import type { RegistryDef, SensorDef } from '../core/registry.ts';
import type { SimEvent } from './events.ts';
import { seedOf } from './rng.ts';
import type { SensorModel, World } from './model.ts';
import { createWorld, flattenRegistry } from './world.ts';
import { createModel } from './models/index.ts';
import { createSimulation } from './simulation.ts';
import type { ScenarioOptions, ScenarioPlan } from './scenarios.ts';
import { ManualClock } from '../core/clock.ts';
import type { Reading } from '../core/reading.ts';

export interface TestSensor {
  id: string;
  type: string;
  params?: SensorDef['params'];
  relations?: SensorDef['relations'];
  area?: string;
  commissioned?: string;
}

export interface TestWorld {
  world: World;
  registry: RegistryDef;
  model(id: string, seed?: number): SensorModel;
}

export const TEST_ENTERPRISE = 'e1';
export const TEST_SITE = 's1';

export function testRegistry(sensors: readonly TestSensor[], siteParams: SensorDef['params'] = {}): RegistryDef {
  return {
    users: [],
    enterprises: [
      {
        id: TEST_ENTERPRISE,
        name: 'test',
        county: '530102',
        sector: 'other',
        state: { state: 'normal' },
        sites: [
          {
            id: TEST_SITE,
            name: 'site',
            kind: 'other',
            location: { lat: 25, lon: 102.7 },
            areas: [],
            items: [],
            params: siteParams,
            sensors: sensors.map((s) => ({
              id: s.id,
              type: s.type as SensorDef['type'],
              name: s.id,
              area: s.area ?? null,
              commissioned: s.commissioned ?? '2024-01-01',
              params: s.params ?? {},
              relations: s.relations ?? [],
            })),
          },
        ],
        devices: [{ id: 'd1', name: 'device', kind: 'gateway', sensors: sensors.map((s) => s.id), credential: 'demo' }],
      },
    ],
  };
}

/** A world of these sensors; `model(id)` builds that sensor's model with a seed derived from `seed`. */
export function testWorld(o: { sensors: readonly TestSensor[]; siteParams?: SensorDef['params']; events?: SimEvent[]; seed?: number; originMs?: number }): TestWorld {
  const registry = testRegistry(o.sensors, o.siteParams);
  const flat = flattenRegistry(registry);
  const world = createWorld({ seed: o.seed ?? 1, originMs: o.originMs ?? Date.UTC(2026, 0, 1), events: o.events ?? [], sensors: flat.sensors });
  return {
    world,
    registry,
    model(id, seed = o.seed ?? 1) {
      const s = flat.sensors.find((x) => x.info.id === id);
      if (!s) throw new Error(`no test sensor ${id}`);
      return createModel({ sensor: s.info, site: s.site, seed: seedOf(seed, s.key), world });
    },
  };
}

export const keyOfTest = (id: string): string => `${TEST_ENTERPRISE}/${id}`;

/** Samples a model every `stepMs` over [fromMs, toMs). */
export function run(model: SensorModel, fromMs: number, toMs: number, stepMs: number): { t: number; values: Record<string, number | boolean>; quality: string }[] {
  const out: { t: number; values: Record<string, number | boolean>; quality: string }[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) out.push({ t, ...model.sample(t) });
  return out;
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Runs a scenario: its history, then `liveMs` of live readings on a ManualClock; readings by sensor key. */
export function runScenario(o: { registry: RegistryDef; scenario: string; liveMs: number | ((plan: ScenarioPlan, startMs: number) => number); seed?: number; startMs?: number; scenarioOptions?: ScenarioOptions }) {
  const startMs = o.startMs ?? Date.parse('2026-11-22T02:00:00Z');
  const clock = new ManualClock(startMs);
  const sim = createSimulation({ registry: o.registry, scenario: o.scenario, seed: o.seed ?? 1, clock, startMs, ...(o.scenarioOptions ? { scenarioOptions: o.scenarioOptions } : {}) });
  const all: Reading[] = sim.backfill();
  sim.start((_d, rs) => all.push(...rs));
  clock.advance(typeof o.liveMs === 'number' ? o.liveMs : o.liveMs(sim.plan, startMs));
  sim.stop();
  const byKey = new Map<string, Reading[]>();
  for (const r of all) {
    const k = `${r.enterpriseId}/${r.sensorId}`;
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  return { sim, plan: sim.plan, startMs, all, of: (k: string): Reading[] => byKey.get(k) ?? [] };
}
