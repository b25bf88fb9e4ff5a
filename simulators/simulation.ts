// The simulation driver: pure apart from the injected Clock (architecture.md "Time").
// Contract:
//  - `backfill()` / `backfillChunks()` return the history window (readings with real past timestamps, in
//    ts order), generated at each sensor's nominal interval and never before its commissioning date;
//  - `start(onReadings)` gives every sensor one reading at the start, then one per live interval (the
//    type's nominal `intervalS`, or the scenario's shorter live one); a device's due readings are delivered
//    together per tick (a gateway sends them as one batch); ts = the due time + the device clock's error;
//  - `seq` counts readings per sensor within a boot of its device (history and live continue one count);
//    a reboot restarts it under a new `boot`;
//  - reproducible: same (registry, scenario, seed, startMs, options) → the same readings. Live readings are
//    the continuation of the history, so `start()` first runs any history not yet consumed.
// Sensors that no device lists are not simulated (no connection could carry them).
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { RegistryDef } from '../core/registry.ts';
import type { Reading } from '../core/reading.ts';
import { sensorType } from '../core/sensor-types.ts';
import { Rng, seedOf } from './rng.ts';
import { eventsOfKind, type RebootEvent } from './events.ts';
import { createWorld, flattenRegistry } from './world.ts';
import { createModel } from './models/index.ts';
import { faultsFor, withFaults, type Instrument } from './faults.ts';
import { backfillWindowMs, scenarioByName, type Scenario, type ScenarioOptions, type ScenarioPlan } from './scenarios.ts';
import type { SimSensor } from './model.ts';
import { HOUR_MS } from './time.ts';

export interface SimDevice {
  enterpriseId: string;
  deviceId: string;
  kind: 'sensor' | 'gateway';
}

export interface SimulationOptions {
  registry: RegistryDef;
  scenario: string | Scenario;
  seed: number;
  clock: Clock;
  startMs: number;
  scenarioOptions?: ScenarioOptions;
  /** Replaces every history window (ms); 0 = no history (load tests). */
  backfillMs?: number;
  /** Live interval (s) for every sensor, over nominal and scenario intervals (load tests). */
  intervalS?: number;
  /** Spread each device's ticks over its interval after the start-up reading (default true). */
  stagger?: boolean;
}

export type OnReadings = (device: SimDevice, readings: Reading[]) => void;

export interface Simulation {
  readonly plan: ScenarioPlan;
  readonly devices: readonly SimDevice[];
  readonly sensorCount: number;
  backfill(): Reading[];
  /** The history in ts order, in chunks of at most `maxReadings`. */
  backfillChunks(maxReadings?: number): Generator<Reading[]>;
  start(onReadings: OnReadings): void;
  stop(): void;
}

interface DeviceState {
  dev: SimDevice;
  runners: Runner[];
  reboots: RebootEvent[];
  phase: number;
  timer: TimerHandle | null;
}

interface Runner {
  s: SimSensor;
  instrument: Instrument;
  device: DeviceState;
  nominalMs: number;
  liveMs: number;
  next: number;
  seq: number;
  bootIndex: number;
}

const SLICE_MS = HOUR_MS;

export function createSimulation(opts: SimulationOptions): Simulation {
  const { clock, startMs, seed } = opts;
  const flat = flattenRegistry(opts.registry);
  const scenario = typeof opts.scenario === 'string' ? scenarioByName(opts.scenario) : opts.scenario;
  const sensorSeed = (key: string) => seedOf(seed, 'sensor', key);
  const plan = scenario.build({
    sensors: flat.sensors,
    devices: flat.devices,
    enterprises: opts.registry.enterprises,
    startMs,
    seed,
    sensorSeed,
    rng: new Rng(seedOf(seed, 'scenario', scenario.name)),
    options: opts.scenarioOptions ?? {},
  });
  const byKey = new Map(flat.sensors.map((s) => [s.key, s]));
  const reboots = eventsOfKind(plan.events, 'reboot').sort((a, b) => a.at - b.at);

  // First history due time per sensor (aligned to its nominal interval), to fix the world's origin.
  const firstDue = new Map<string, number>();
  for (const d of flat.devices) {
    for (const key of d.sensors) {
      const s = byKey.get(key) as SimSensor;
      const nominalMs = (sensorType(s.info.type)?.intervalS ?? 60) * 1000;
      const window = opts.backfillMs ?? backfillWindowMs(plan, s.info.type);
      const commissioned = Number.isFinite(s.info.commissionedMs) ? s.info.commissionedMs : -Infinity;
      const from = Math.max(startMs - window, commissioned);
      firstDue.set(key, window > 0 && from < startMs ? Math.ceil(from / nominalMs) * nominalMs : Math.max(startMs, commissioned));
    }
  }
  let originMs = startMs;
  for (const t of firstDue.values()) originMs = Math.min(originMs, t);
  const world = createWorld({ seed, originMs, events: plan.events, sensors: flat.sensors });

  const devices: DeviceState[] = flat.devices.map((d) => {
    const state: DeviceState = {
      dev: { enterpriseId: d.enterpriseId, deviceId: d.deviceId, kind: d.kind },
      runners: [],
      reboots: reboots.filter((r) => r.enterpriseId === d.enterpriseId && r.deviceId === d.deviceId),
      phase: new Rng(seedOf(seed, 'phase', d.enterpriseId, d.deviceId)).next(),
      timer: null,
    };
    for (const key of d.sensors) {
      const s = byKey.get(key) as SimSensor;
      const nominalMs = (sensorType(s.info.type)?.intervalS ?? 60) * 1000;
      const model = createModel({ sensor: s.info, site: s.site, seed: sensorSeed(key), world });
      const instrument = withFaults(model, s.info.type, faultsFor(plan.events, key), new Rng(seedOf(sensorSeed(key), 'faults')));
      const liveMs = (opts.intervalS ?? plan.liveIntervalS[key] ?? nominalMs / 1000) * 1000;
      state.runners.push({ s, instrument, device: state, nominalMs, liveMs, next: firstDue.get(key) ?? startMs, seq: 0, bootIndex: 0 });
    }
    return state;
  });
  const runners = devices.flatMap((d) => d.runners);

  const boots = new Map<string, string>();
  const bootId = (dev: SimDevice, index: number) => {
    const k = `${dev.enterpriseId}.${dev.deviceId}#${index}`;
    let id = boots.get(k);
    if (id === undefined) boots.set(k, (id = `b${seedOf(seed, startMs, dev.enterpriseId, dev.deviceId, index).toString(16).padStart(8, '0')}`));
    return id;
  };

  function produce(r: Runner, t: number): Reading | null {
    const rb = r.device.reboots;
    let index = 0;
    while (index < rb.length && (rb[index] as RebootEvent).at <= t) index++;
    if (index !== r.bootIndex) {
      r.bootIndex = index;
      r.seq = 0;
    }
    const lastBoot = rb[index - 1];
    if (lastBoot && t < lastBoot.at + lastBoot.downS * 1000) return null;
    const out = r.instrument.sample(t);
    if (!out.sample) return null;
    r.seq++;
    return {
      enterpriseId: r.s.info.enterpriseId,
      siteId: r.s.info.siteId,
      sensorId: r.s.info.id,
      ts: t + out.tsOffsetMs,
      values: out.sample.values,
      quality: out.sample.quality,
      seq: r.seq,
      boot: bootId(r.device.dev, index),
    };
  }

  /** The due time after t: history steps at the nominal interval; live steps at the live one, staggered once. */
  function advance(r: Runner, t: number): number {
    if (t < startMs) {
      const n = t + r.nominalMs;
      return n < startMs ? n : startMs;
    }
    if (t === startMs && opts.stagger !== false) return startMs + Math.max(1000, Math.floor(r.device.phase * r.liveMs));
    return t + r.liveMs;
  }

  let historyDone = false;
  function* backfillChunks(maxReadings = 5000): Generator<Reading[]> {
    if (historyDone) return;
    historyDone = true;
    let buffer: Reading[] = [];
    for (let slice = Math.floor(originMs / SLICE_MS) * SLICE_MS; slice < startMs; slice += SLICE_MS) {
      const end = Math.min(slice + SLICE_MS, startMs);
      const batch: Reading[] = [];
      for (const r of runners) {
        while (r.next < end) {
          const reading = produce(r, r.next);
          if (reading) batch.push(reading);
          r.next = advance(r, r.next);
        }
      }
      batch.sort((a, b) => a.ts - b.ts);
      for (const reading of batch) {
        buffer.push(reading);
        if (buffer.length >= maxReadings) {
          yield buffer;
          buffer = [];
        }
      }
    }
    if (buffer.length > 0) yield buffer;
  }

  let stopped = false;
  let sink: OnReadings | null = null;

  function tick(d: DeviceState): void {
    d.timer = null;
    if (stopped || !sink) return;
    const now = clock.now();
    const out: Reading[] = [];
    for (const r of d.runners) {
      while (r.next <= now) {
        const reading = produce(r, r.next);
        if (reading) out.push(reading);
        r.next = advance(r, r.next);
      }
    }
    if (out.length > 0) {
      out.sort((a, b) => a.ts - b.ts);
      sink(d.dev, out);
    }
    if (stopped) return;
    let next = Infinity;
    for (const r of d.runners) next = Math.min(next, r.next);
    d.timer = clock.setTimeout(() => tick(d), Math.max(0, next - clock.now()));
  }

  return {
    plan,
    devices: devices.map((d) => d.dev),
    sensorCount: runners.length,
    backfillChunks,
    backfill: () => [...backfillChunks(Number.MAX_SAFE_INTEGER)].flat(),
    start(onReadings) {
      if (sink) throw new Error('simulation already started');
      // Live continues the history's state: run whatever history was not consumed (each sensor's model
      // depends only on its own past and the order-free shared world, so the order does not matter).
      historyDone = true;
      for (const r of runners) while (r.next < startMs) {
        produce(r, r.next);
        r.next = advance(r, r.next);
      }
      sink = onReadings;
      for (const d of devices) tick(d);
    },
    stop() {
      stopped = true;
      for (const d of devices) d.timer?.cancel();
    },
  };
}
