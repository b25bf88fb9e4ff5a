// What a scenario is: a backfill window (history with real timestamps, generated rather than waited for)
// plus a decisive live phase with events at offsets from the start, and the facts tests need.
import type { EnterpriseDef } from '../../core/registry.ts';
import type { SensorTypeDef } from '../../core/sensor-types.ts';
import type { Rng } from '../rng.ts';
import type { SensorKey, SimEvent, SiteKey } from '../events.ts';
import type { SimSensor } from '../model.ts';
import type { SimDeviceDef } from '../world.ts';

export type Family = SensorTypeDef['family'];

export interface ScenarioOptions {
  /** dam-failure: failure time after the start (default 3 h). */
  failureInMs?: number;
  /** methane-ventilation-loss: whether the methane monitor's power cut fails (断电失败; default true). */
  cutFails?: boolean;
  /** gas-leak: plateau at the source, %LEL (default 75; above 100 the detector latches over-range). */
  plateau?: number;
}

export interface ScenarioContext {
  sensors: readonly SimSensor[];
  devices: readonly SimDeviceDef[];
  enterprises: readonly EnterpriseDef[];
  startMs: number;
  seed: number;
  /** The seed the sensor's model is built with, so a scenario can time events to the curve it will read. */
  sensorSeed(key: SensorKey): number;
  rng: Rng;
  options: ScenarioOptions;
}

/** Facts a scenario fixes, for tests and for the lead's end-to-end checks. Absent = not applicable. */
export interface ScenarioFacts {
  leakSource?: SensorKey;
  leakNeighbours?: SensorKey[];
  leakAtMs?: number;
  isolateAtMs?: number;
  plateau?: number;
  tauS?: number;
  fan?: SensorKey;
  heading?: SensorKey[];
  fanStopAtMs?: number;
  fanRestartAtMs?: number;
  /** showcase: the second heading, whose face is held in the pre-alarm band (blue) at the start. */
  preAlarm?: { fan: SensorKey; face: SensorKey; stopAtMs: number; restartAtMs: number };
  feed?: SensorKey;
  feedCutAtMs?: number;
  feedCutFails?: boolean;
  outburstAtMs?: number;
  hopper?: SensorKey;
  dp?: SensorKey;
  sparksFromMs?: number;
  smoulderAtMs?: number;
  burstAtMs?: number;
  tripAtMs?: number;
  enterpriseId?: string;
  meter?: SensorKey;
  orderFromMs?: number;
  stepsAtMs?: number[];
  site?: SiteKey;
  failureTimeMs?: number;
  creepOnsetMs?: number;
  gnss?: SensorKey[];
  faults?: { sensor: SensorKey; fault: string; atMs: number }[];
  reboot?: { enterpriseId: string; deviceId: string; atMs: number };
}

export interface ScenarioPlan {
  name: string;
  description: string;
  /** History window before the start, per sensor type or family (type wins); 0 or absent = none. */
  backfillMs: Partial<Record<Family | string, number>>;
  events: SimEvent[];
  /** Live reporting intervals (s) replacing the type's nominal one, by sensor key. */
  liveIntervalS: Record<SensorKey, number>;
  facts: ScenarioFacts;
}

export interface Scenario {
  name: string;
  description: string;
  build(ctx: ScenarioContext): ScenarioPlan;
}
