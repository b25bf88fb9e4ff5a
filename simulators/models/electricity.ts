// Electricity (domain.md §2.4): the enterprise meter, residual current and cable temperature.
//  - power_meter (params `ratedKw`, `profile`): p = ratedKw × mean load fraction over the interval ×
//    (1 + ε), ε correlated ±5–10 %; `energy` = p × interval (kWh), so the two always agree;
//    `load` events force the fraction (shutdown order, creeping restart, night work);
//  - residual_current: 20–150 mA baseline, +20–50 % when wet (rainy season), slow insulation ageing;
//  - cable_temp: ambient + k·I² (I ∝ load) with a 10–30 min thermal time constant.
// Residual-current and cable sensors follow the meter named by a `meter` relation, else the site's first
// power meter, else their own params' profile.
import { OU, Rng, seedOf } from '../rng.ts';
import { DAY_MS, MINUTE_MS } from '../time.ts';
import { active, eventsOfKind, type LoadEvent } from '../events.ts';
import { clamp, keyOf, num, numOr, paramsOf, quantise, siteKeyOf, type ModelContext, type SensorModel, type World } from '../model.ts';
import { loadFraction, loadShape, type LoadShape } from './load-profile.ts';
import { sensorType } from '../../core/sensor-types.ts';

export interface LoadSource {
  shape: LoadShape;
  /** Expected fraction of rated power at t, forced `load` events included. */
  fraction(tMs: number): number;
}

/** The load a meter (by key) follows; `own` params when the sensor has no meter. */
export function loadSource(world: World, meterKey: string | null, own: { params: Record<string, number | string | boolean>; key: string }): LoadSource {
  const meter = meterKey ? world.sensor(meterKey) : undefined;
  const shape = meter
    ? loadShape(paramsOf({ sensor: meter.info, site: meter.site }), world.seed, meter.key)
    : loadShape(own.params, world.seed, own.key);
  const forced: LoadEvent[] = meter ? eventsOfKind(world.events, 'load').filter((e) => e.sensor === meter.key).sort((a, b) => a.at - b.at) : [];
  return {
    shape,
    fraction(t) {
      for (let i = forced.length - 1; i >= 0; i--) {
        const e = forced[i] as LoadEvent;
        if (active(e, t)) return e.fraction;
      }
      return loadFraction(shape, t);
    },
  };
}

/** The meter a residual-current or cable sensor follows. */
function meterOf(ctx: ModelContext): string | null {
  const rel = ctx.sensor.relations.find((r) => r.kind === 'meter');
  if (rel) return `${ctx.sensor.enterpriseId}/${rel.sensor}`;
  const site = ctx.world.sensorsOfSite(siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
  return site.find((s) => s.info.type === 'power_meter')?.key ?? null;
}

function powerMeter(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const p = paramsOf(ctx);
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const rated = numOr(p, 'ratedKw', () => Math.round(shape.uniform(200, 2000)));
  const source = loadSource(ctx.world, key, { params: p, key });
  const nominalMs = (sensorType(ctx.sensor.type)?.intervalS ?? 900) * 1000;
  const wander = new OU(rng.fork('wander'), 30 * MINUTE_MS, 0.05);
  let last: number | null = null;
  return {
    sample(t) {
      const dt = last === null ? nominalMs : Math.max(1000, t - last);
      last = t;
      const n = Math.min(15, Math.max(1, Math.round(dt / MINUTE_MS)));
      let f = 0;
      for (let i = 0; i < n; i++) f += source.fraction(t - dt + ((i + 0.5) * dt) / n);
      f /= n;
      const eps = clamp(wander.at(t) + rng.gaussian(0, 0.02), -0.1, 0.1);
      const kw = quantise(Math.max(0, rated * f * (1 + eps)), 0.1);
      return { values: { p: kw, energy: quantise((kw * dt) / 3_600_000, 0.01) }, quality: 'ok' };
    },
  };
}

function residualCurrent(ctx: ModelContext): SensorModel {
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const base = numOr(p, 'baseMa', () => shape.uniform(20, 150));
  const wetGain = shape.uniform(0.2, 0.5);
  const ageingPerYear = num(p, 'ageingPerYear', shape.uniform(0.02, 0.08));
  const weather = ctx.world.weather(siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
  const source = loadSource(ctx.world, meterOf(ctx), { params: paramsOf(ctx), key: keyOf(ctx.sensor) });
  return {
    sample(t) {
      const years = Math.max(0, t - ctx.sensor.commissionedMs) / (365 * DAY_MS);
      const load = 0.7 + 0.3 * Math.min(1, source.fraction(t));
      const ir = base * (1 + ageingPerYear * years) * (1 + wetGain * weather.wetness(t)) * load * (1 + rng.truncNormal(0.03));
      return { values: { ir: quantise(ir, 1) }, quality: 'ok' };
    },
  };
}

function cableTemp(ctx: ModelContext): SensorModel {
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const riseAtRated = numOr(p, 'riseAtRatedC', () => shape.uniform(20, 35));
  const tauMs = shape.uniform(10, 30) * MINUTE_MS;
  const weather = ctx.world.weather(siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
  const source = loadSource(ctx.world, meterOf(ctx), { params: paramsOf(ctx), key: keyOf(ctx.sensor) });
  let temp: number | null = null;
  let last = 0;
  return {
    sample(t) {
      const i = source.fraction(t);
      const target = weather.ambientC(t) + riseAtRated * i * i;
      temp = temp === null ? target : target + (temp - target) * Math.exp(-Math.max(0, t - last) / tauMs);
      last = t;
      return { values: { temp: quantise(temp + rng.truncNormal(0.2), 0.1) }, quality: 'ok' };
    },
  };
}

export function createElectricityModel(ctx: ModelContext): SensorModel {
  switch (ctx.sensor.type) {
    case 'power_meter': return powerMeter(ctx);
    case 'residual_current': return residualCurrent(ctx);
    case 'cable_temp': return cableTemp(ctx);
    default: throw new Error(`electricity model: unsupported sensor type ${ctx.sensor.type}`);
  }
}
