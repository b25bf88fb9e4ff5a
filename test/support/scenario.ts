// Runs a simulator scenario end to end on the injected clock: the real platform (embedded broker,
// journal, engine, alert manager, outbox), the scenario's history through the import path, then its
// live phase published over real MQTT connections while the ManualClock advances in steps; an MQTT
// subscriber with a platform token records every alert event. Hours of plant time take seconds.
import { expect } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Transition } from '../../core/alert.ts';
import { ManualClock } from '../../core/clock.ts';
import type { RegistryDef } from '../../core/registry.ts';
import { importThrough } from '../../app/simulator.ts';
import { loadConfigFile } from '../../app/config-file.ts';
import { createSimulation, type Simulation } from '../../simulators/simulation.ts';
import { startPublisher, type Publisher } from '../../simulators/publisher.ts';
import type { ScenarioFacts, ScenarioOptions } from '../../simulators/scenarios.ts';
import { connect } from './mqtt.ts';
import { startTestPlatform, type TestPlatform } from './platform.ts';

export interface ScenarioRun {
  p: TestPlatform;
  clock: ManualClock;
  simulation: Simulation;
  facts: ScenarioFacts;
  /** Every alert event received over MQTT, in arrival order. */
  events: Transition[];
  /** Advances plant time to `untilMs` in steps, waiting for the platform to settle after each. */
  runUntil(untilMs: number, stepMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const demoRegistry = (): RegistryDef => loadConfigFile('config/demo.yaml').registry;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startScenario(name: string, o: { startIso: string; seed?: number; options?: ScenarioOptions; registry?: RegistryDef; dataDir?: string; platform?: Record<string, unknown> } ): Promise<ScenarioRun> {
  const clock = new ManualClock(o.startIso);
  const registry = o.registry ?? demoRegistry();
  // The demo's registry comes with its rule overrides (config/rules.yaml), as `npm start` loads them.
  const platform = { ...(o.registry ? {} : { rules: { overridesFile: 'config/rules.yaml' } }), ...(o.platform ?? {}) };
  const p = await startTestPlatform(registry, { clock, platform, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
  const t = p.registry.createToken('scenario-observer', 'operator', { kind: 'platform' }, 'test');
  const sub: MqttClient = await connect(p.mqttPort, { username: `token.${t.id}`, password: t.token, clientId: `token.${t.id}` });
  const events: Transition[] = [];
  sub.on('message', (topic, payload) => { if (topic.startsWith('alerts/')) events.push(JSON.parse(payload.toString()) as Transition); });
  await sub.subscribeAsync('alerts/#', { qos: 1 });
  const simulation = createSimulation({ registry, scenario: name, seed: o.seed ?? 20261122, clock, startMs: clock.now(), ...(o.options ? { scenarioOptions: o.options } : {}) });
  const publisher: Publisher = await startPublisher({ url: p.urls.mqtt, demoSecret: p.demoSecret, simulation, qos: 1, importReadings: importThrough(p.ingest), clock });
  await settle(p, publisher);

  const run: ScenarioRun = {
    p, clock, simulation, facts: simulation.plan.facts, events,
    async runUntil(untilMs, stepMs = 10_000) {
      while (clock.now() < untilMs) {
        clock.advance(Math.min(stepMs, untilMs - clock.now()));
        await settle(p, publisher);
      }
    },
    async stop() {
      await publisher.stop();
      sub.end(true);
      await p.cleanup();
    },
  };
  return run;
}

/** Waits until every published reading is journaled and evaluated and the outbox is drained. A reading whose
 * PUBACK is still due (`pending`) is not journaled yet: on a loaded machine that can last
 * longer than two polls, and the clock must not move on past it (a CI run once saw a healthy substation go
 * "silent" for 30 s of plant time that way). */
async function settle(p: TestPlatform, publisher: Publisher): Promise<void> {
  let last = -1;
  let stable = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await sleep(15);
    const sig = publisher.stats.sent + publisher.stats.errors * 1e9 + p.journal.stats().lastPos * 1e3;
    const caughtUp = publisher.stats.pending === 0 && p.rules.engine.pos >= p.journal.stats().lastPos;
    const pending = p.rules.store.pendingOutbox(1).length;
    if (sig === last && caughtUp && pending === 0) { if (++stable >= 2) return; } else stable = 0;
    last = sig;
  }
  throw new Error('scenario did not settle within 30 s');
}

/** The events of one alert (by id) in version order, deduplicated by (id, version). */
export function eventsOf(events: readonly Transition[], pred: (t: Transition) => boolean): Transition[] {
  const seen = new Set<string>();
  return events.filter((t) => pred(t)).filter((t) => { const k = `${t.id}#${t.version}`; if (seen.has(k)) return false; seen.add(k); return true; })
    .sort((a, b) => (a.id === b.id ? a.version - b.version : 0));
}

export const sensorOf = (key: string): { enterpriseId: string; sensorId: string } => {
  const [enterpriseId, sensorId] = key.split('/') as [string, string];
  return { enterpriseId, sensorId };
};

/** Every event well formed: versions +1 per alert in arrival order (no repeats in a clean run), levelNo
 * matching the level (red = 1, contract.md "Levels"), and (by default) nothing retrospective (all live). */
export function expectWellFormed(events: readonly Transition[], o: { retrospective?: boolean } = {}): void {
  const byId = new Map<string, number>();
  for (const t of events) {
    expect(t.levelNo).toBe({ red: 1, orange: 2, yellow: 3, blue: 4 }[t.level]);
    expect(t.version).toBe((byId.get(t.id) ?? 0) + 1);
    byId.set(t.id, t.version);
    if (o.retrospective === false) expect(t.retrospective, `${t.sensorId} ${t.rule} retrospective`).toBe(false);
  }
}

/** Every alert's events in version order, by alert id (deduplicated by (id, version), contract.md "Delivery"). */
export function alertsBy(events: readonly Transition[], pred: (t: Transition) => boolean): Transition[][] {
  const by = new Map<string, Map<number, Transition>>();
  for (const t of events) if (pred(t)) (by.get(t.id) ?? by.set(t.id, new Map()).get(t.id)!).set(t.version, t);
  return [...by.values()].map((m) => [...m.values()].sort((a, b) => a.version - b.version));
}
/** The alerts of one track of sensor `{enterprise}/{sensor}`, each as its transitions in version order. */
export function sensorAlerts(events: readonly Transition[], kind: Transition['kind'], key: string): Transition[][] {
  const { enterpriseId, sensorId } = sensorOf(key);
  return alertsBy(events, (t) => t.kind === kind && t.enterpriseId === enterpriseId && t.sensorId === sensorId);
}
export const atMs = (t: Transition): number => Date.parse(t.at);
/** The colours an alert went up through (raised and level_up), in order. */
export const ups = (a: readonly Transition[]): Transition[] => a.filter((t) => t.event === 'raised' || t.event === 'level_up');
