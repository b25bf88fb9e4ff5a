// Helpers scenarios use to pick their targets from any registry (demo.yaml or a synthetic one).
import { sensorType } from '../../core/sensor-types.ts';
import { DAY_MS, HOUR_MS } from '../time.ts';
import type { SensorKey } from '../events.ts';
import type { SimSensor } from '../model.ts';
import type { Family, ScenarioPlan } from './types.ts';

/** Default history windows: 4 comparable weeks for meters (domain.md §2.4.1: baselines by weekday and
 * time of day), a week for tailings (slow quantities; rain → phreatic lags of days), a day for dust
 * (AQ 4273 records the ΔP baseline within 8 h) and electrical-fire sensors, hours for the fast ones. */
export const DEFAULT_BACKFILL_MS: ScenarioPlan['backfillMs'] = {
  power_meter: 28 * DAY_MS,
  tailings: 7 * DAY_MS,
  electricity: DAY_MS,
  dust: DAY_MS,
  gas: 6 * HOUR_MS,
  process: 6 * HOUR_MS,
  coal: 2 * HOUR_MS,
};

export function backfillWindowMs(plan: Pick<ScenarioPlan, 'backfillMs'>, type: string): number {
  const family: Family | undefined = sensorType(type)?.family;
  return plan.backfillMs[type] ?? (family ? plan.backfillMs[family] : undefined) ?? 0;
}

export function ofType(sensors: readonly SimSensor[], ...types: string[]): SimSensor[] {
  return sensors.filter((s) => types.includes(s.info.type));
}

export function need<T>(items: readonly T[], scenario: string, what: string): T {
  const first = items[0];
  if (first === undefined) throw new Error(`scenario ${scenario} needs ${what} in the registry`);
  return first;
}

/** Sensors related to `s` by `kind`, in either direction, within its enterprise. */
export function related(all: readonly SimSensor[], s: SimSensor, kind: string): SimSensor[] {
  const out = new Map<SensorKey, SimSensor>();
  for (const r of s.info.relations) {
    if (r.kind !== kind) continue;
    const t = all.find((x) => x.info.enterpriseId === s.info.enterpriseId && x.info.id === r.sensor);
    if (t) out.set(t.key, t);
  }
  for (const x of all) {
    if (x.info.enterpriseId === s.info.enterpriseId && x.info.relations.some((r) => r.kind === kind && r.sensor === s.info.id)) out.set(x.key, x);
  }
  out.delete(s.key);
  return [...out.values()];
}

/** Other sensors in the same site and (non-empty) area. */
export function sameArea(all: readonly SimSensor[], s: SimSensor): SimSensor[] {
  if (!s.info.area) return [];
  return all.filter((x) => x.key !== s.key && x.siteKey === s.siteKey && x.info.area === s.info.area);
}

export function sameSite(all: readonly SimSensor[], s: SimSensor, ...types: string[]): SimSensor[] {
  return all.filter((x) => x.key !== s.key && x.siteKey === s.siteKey && (types.length === 0 || types.includes(x.info.type)));
}

export function unique(list: readonly SimSensor[]): SimSensor[] {
  const seen = new Set<SensorKey>();
  return list.filter((s) => (seen.has(s.key) ? false : (seen.add(s.key), true)));
}
