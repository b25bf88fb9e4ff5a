// Dust-collector sensors (domain.md §2.3 "Simulator dynamics"; AQ 4273-2016 §5.1.4).
//  - ΔP of a pulse-jet baghouse: saw-tooth between a low point of 880–1100 Pa and +100–300 Pa, one cleaning
//    pulse every 1–10 min, noise σ 20 Pa truncated at 3σ, so a healthy running collector stays in 800–1500;
//    clogging raises it 5–20 %/day, a bag burst steps it down 30–60 %, a fan trip takes it to ≈ 0 in < 10 s;
//  - the collector runs while production runs and, for seasonal plants (params `season`, `seasonFrom`,
//    `seasonTo`; sugar 榨季 11-01…04-30), only in season: out of season ΔP ≈ 0 is normal;
//  - hopper temperature = ambient (10–30 °C) + 0–10 °C while running (15 min lag); smouldering adds
//    0.5–3 °C/min, preceded by sparks; the lock-air valve runs with the collector unless faulted.
import { Rng, seedOf } from '../rng.ts';
import { DAY_MS, MINUTE_MS } from '../time.ts';
import { active, eventsOfKind } from '../events.ts';
import { keyOf, numOr, paramsOf, quantise, siteKeyOf, type ModelContext, type SensorModel } from '../model.ts';
import { loadShape, productionOn, type LoadShape } from './load-profile.ts';
import { sensorType } from '../../core/sensor-types.ts';

/** Collector state shared by a site's dust sensors: the plant's shape (params `profile`, default continuous). */
function collectorShape(ctx: ModelContext): LoadShape {
  const p = paramsOf(ctx);
  const withDefault = { profile: 'continuous', ...p };
  return loadShape(withDefault, ctx.world.seed, siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
}

function running(ctx: ModelContext, shape: LoadShape, t: number): boolean {
  const key = keyOf(ctx.sensor);
  if (eventsOfKind(ctx.world.events, 'fan_trip').some((e) => e.sensors.includes(key) && active(e, t))) return false;
  return productionOn(shape, t);
}

/** Saw-tooth ΔP of a healthy collector at t (Pa), before clogging, bursts and noise. */
export function sawTooth(t: number, low: number, pulseDrop: number, periodMs: number, phaseMs: number): number {
  const x = (((t + phaseMs) % periodMs) + periodMs) % periodMs;
  return low + (pulseDrop * x) / periodMs;
}

function differentialPressure(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  // params `baselinePa` = the commissioned mean ΔP (docs/registry.md); the tooth is kept under ~1440 Pa.
  let drop = shape.uniform(100, 300);
  const mean = numOr(p, 'baselinePa', () => shape.uniform(880, 1100) + drop / 2);
  drop = Math.max(60, Math.min(drop, 2 * (1440 - mean)));
  const low = mean - drop / 2;
  const period = shape.uniform(1, 10) * MINUTE_MS;
  const phase = shape.uniform(0, period);
  const plant = collectorShape(ctx);
  const bursts = eventsOfKind(ctx.world.events, 'bag_burst').filter((e) => e.sensor === key);
  const clogs = eventsOfKind(ctx.world.events, 'clogging').filter((e) => e.sensor === key);
  let on = 0; // 0 = stopped … 1 = running: spin-up τ 30 s, run-down τ 2 s (ΔP → 0 in < 10 s)
  let last: number | null = null;
  return {
    sample(t) {
      const target = running(ctx, plant, t) ? 1 : 0;
      if (last === null) on = target;
      else on = target + (on - target) * Math.exp(-(t - last) / (target > on ? 30_000 : 2_000));
      last = t;
      let dp = sawTooth(t, low, drop, period, phase);
      for (const c of clogs) if (t > c.at) dp *= 1 + (c.ratePerDay * (Math.min(t, c.until ?? t) - c.at)) / DAY_MS;
      for (const b of bursts) if (t >= b.at) dp *= 1 - b.drop;
      const value = on * (dp + rng.truncNormal(20)) + (1 - on) * Math.abs(rng.gaussian(2, 2));
      return { values: { dp: quantise(Math.max(0, value), 1) }, quality: 'ok' };
    },
  };
}

function hopperTemp(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const runRise = shape.uniform(3, 10);
  const idleRise = shape.uniform(0, 0.5);
  const plant = collectorShape(ctx);
  const weather = ctx.world.weather(siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
  const fires = eventsOfKind(ctx.world.events, 'smoulder').filter((e) => e.temps.includes(key));
  let rise: number | null = null;
  let last = 0;
  return {
    sample(t) {
      const target = running(ctx, plant, t) ? runRise : idleRise;
      rise = rise === null ? target : target + (rise - target) * Math.exp(-(t - last) / (15 * MINUTE_MS));
      last = t;
      let fire = 0;
      for (const e of fires) {
        if (t <= e.at) continue;
        const end = e.until === undefined ? t : Math.min(t, e.until);
        const peak = (e.ratePerMin * (end - e.at)) / MINUTE_MS;
        fire += e.until !== undefined && t > e.until ? peak * Math.exp(-(t - e.until) / (20 * MINUTE_MS)) : peak;
      }
      return { values: { temp: quantise(weather.ambientC(t) + rise + fire + rng.truncNormal(0.2), 0.1) }, quality: 'ok' };
    },
  };
}

function sparks(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const rng = new Rng(ctx.seed);
  const fires = eventsOfKind(ctx.world.events, 'smoulder').filter((e) => e.sparks.includes(key));
  const nominalMs = (sensorType(ctx.sensor.type)?.intervalS ?? 60) * 1000;
  const backgroundPerMin = 0.2 / 1440; // a stray spark every few days
  let last: number | null = null;
  return {
    sample(t) {
      const from = last ?? t - nominalMs;
      last = t;
      let expected = (backgroundPerMin * (t - from)) / MINUTE_MS;
      for (const e of fires) {
        const a = Math.max(from, e.at - e.sparkLeadS * 1000);
        const b = Math.min(t, e.until ?? t);
        if (b > a) expected += (e.sparksPerMin * (b - a)) / MINUTE_MS;
      }
      return { values: { sparks: rng.poisson(expected) }, quality: 'ok' };
    },
  };
}

function valve(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const plant = collectorShape(ctx);
  const faults = eventsOfKind(ctx.world.events, 'valve_fault').filter((e) => e.sensor === key);
  return {
    sample(t) {
      const fault = faults.some((e) => active(e, t));
      return { values: { running: !fault && running(ctx, plant, t), fault }, quality: 'ok' };
    },
  };
}

export function createDustModel(ctx: ModelContext): SensorModel {
  switch (ctx.sensor.type) {
    case 'dust_dp': return differentialPressure(ctx);
    case 'dust_hopper_temp': return hopperTemp(ctx);
    case 'dust_spark': return sparks(ctx);
    case 'dust_valve': return valve(ctx);
    default: throw new Error(`dust model: unsupported sensor type ${ctx.sensor.type}`);
  }
}
