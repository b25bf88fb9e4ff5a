// The shape every sensor model shares, and the World models read shared physics from.
// Contract: a model is pure apart from its own seeded state: `sample(t)` is called with non-decreasing
// times and returns every metric of the sensor's type (finite numbers, booleans for boolean metrics).
import type { Quality, MetricValue } from '../core/reading.ts';
import type { SensorInfo, SiteDef } from '../core/registry.ts';
import type { SensorKey, SiteKey, SimEvent } from './events.ts';
import type { Weather } from './weather.ts';
import type { Hydrology } from './models/hydrology.ts';

export interface Sample {
  values: Record<string, MetricValue>;
  quality: Quality;
}

export interface SensorModel {
  sample(tMs: number): Sample;
}

export interface SimSensor {
  key: SensorKey;
  siteKey: SiteKey;
  info: SensorInfo;
  site: SiteDef;
}

/** Shared, deterministic physics of the simulated world (weather and ponds per site). */
export interface World {
  readonly seed: number;
  /** The earliest time any model is sampled; spin-ups (pond hydrology) start before it. */
  readonly originMs: number;
  readonly events: readonly SimEvent[];
  weather(site: SiteKey): Weather;
  hydrology(site: SiteKey): Hydrology;
  sensor(key: SensorKey): SimSensor | undefined;
  sensorsOfSite(site: SiteKey): readonly SimSensor[];
}

export interface ModelContext {
  sensor: SensorInfo;
  site: SiteDef;
  /** The sensor's own seed (simulation seed × sensor key). */
  seed: number;
  world: World;
}

export type ModelFactory = (ctx: ModelContext) => SensorModel;

export const keyOf = (s: { enterpriseId: string; id: string }): SensorKey => `${s.enterpriseId}/${s.id}`;
export const siteKeyOf = (s: { enterpriseId: string; siteId: string }): SiteKey => `${s.enterpriseId}/${s.siteId}`;

export const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** Rounds to the instrument's resolution (0.1 %LEL, 1 Pa …) without binary tails (0.30000000000000004). */
export function quantise(x: number, step: number): number {
  const p = 10 ** Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return Math.round(Math.round(x / step) * step * p) / p;
}

type Params = Readonly<Record<string, number | string | boolean>>;

/** Site params overlaid with the sensor's own (the sensor wins). */
export function paramsOf(ctx: { sensor: { params: Params }; site: { params: Params } }): Params {
  return { ...ctx.site.params, ...ctx.sensor.params };
}

export function num(p: Params, key: string, fallback: number): number {
  const v = p[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}

export function str(p: Params, key: string, fallback: string): string {
  const v = p[key];
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/** The value of `key` if given (number or numeric string), else a seeded draw (per-instrument spread). */
export function numOr(p: Params, key: string, draw: () => number): number {
  const v = num(p, key, Number.NaN);
  return Number.isNaN(v) ? draw() : v;
}
