// Coal-mine atmosphere and ventilation (domain.md §2.2 "Simulator dynamics").
//  - CH₄: face/heading 0.1–0.6 %vol, return 0.2–0.8, intake 0.02–0.1; σ 0.02–0.05; cutting shifts
//    (08:00–14:00, 16:00–22:00 Beijing time, 15-min ramps) add 0.1–0.3;
//  - ventilation loss (local fan stops): heading CH₄ rises linearly 0.05–0.3 %/min, air velocity drops;
//    after the fan restarts the gas clears with τ ≈ 3 min;
//  - outburst: CH₄ jumps above 4 % within seconds along the path (a low-range 0–4 % sensor reports
//    full scale with quality `overrange`), air velocity reverses, CO rises;
//  - feed (馈电) shows power unless a `feed_cut` event that does not fail; fan shows running unless stopped.
// `ch4Expected` is exported so scenarios can time the monitor's cut-off to the same curve the sensor reads.
import { OU, Rng, seedOf } from '../rng.ts';
import { MINUTE_MS, beijingHour } from '../time.ts';
import { active, eventsOfKind, type SimEvent } from '../events.ts';
import { keyOf, numOr, quantise, str, type ModelContext, type SensorModel } from '../model.ts';
import type { SensorInfo } from '../../core/registry.ts';

const CLEAR_TAU_MS = 3 * MINUTE_MS;
const OUTBURST_DECAY_MS = 15 * MINUTE_MS;

/** Which air the sensor sits in, from params `location` (docs/registry.md: T0|T1|T2|T3|heading|return). */
export function airway(info: SensorInfo): 'face' | 'return' | 'intake' {
  const loc = str(info.params, 'location', 'T1').toLowerCase();
  if (loc === 't3' || loc.includes('intake')) return 'intake';
  if (loc === 't2' || loc.includes('return')) return 'return';
  return 'face';
}

/** The sensor's own gas profile, a function of (sensor seed, params) only. */
export function ch4Profile(info: SensorInfo, sensorSeed: number): { baseline: number; cutting: number; sd: number } {
  const shape = new Rng(seedOf(sensorSeed, 'shape'));
  const air = airway(info);
  const range: [number, number] = air === 'return' ? [0.2, 0.8] : air === 'intake' ? [0.02, 0.1] : [0.1, 0.6];
  const baseline = numOr(info.params, 'baseline', () => shape.uniform(range[0], range[1]));
  const cutting = air === 'intake' ? 0 : shape.uniform(0.1, 0.3) * (air === 'return' ? 0.5 : 1);
  return { baseline, cutting, sd: shape.uniform(0.02, 0.05) };
}

/** 0…1: how far coal cutting is under way (two production shifts, 15-minute ramps). */
export function cuttingFactor(tMs: number): number {
  const h = beijingHour(tMs);
  const ramp = (x: number) => Math.max(0, Math.min(1, x / 0.25));
  const shift = (from: number, to: number) => Math.min(ramp(h - from), ramp(to - h));
  return Math.max(shift(8, 14), shift(16, 22));
}

/** Expected CH₄ (%vol) at a sensor, before noise and saturation. */
export function ch4Expected(info: SensorInfo, sensorSeed: number, events: readonly SimEvent[], tMs: number): number {
  const key = keyOf(info);
  const prof = ch4Profile(info, sensorSeed);
  let c = prof.baseline + prof.cutting * cuttingFactor(tMs);
  for (const e of eventsOfKind(events, 'fan_stop')) {
    const m = e.methane.find((x) => x.sensor === key);
    if (!m || tMs <= e.at) continue;
    const end = e.until === undefined ? tMs : Math.min(tMs, e.until);
    const rise = (m.ratePerMin * (end - e.at)) / MINUTE_MS;
    c += e.until !== undefined && tMs > e.until ? rise * Math.exp(-(tMs - e.until) / CLEAR_TAU_MS) : rise;
  }
  for (const e of eventsOfKind(events, 'outburst')) {
    const hop = e.path.find((x) => x.sensor === key);
    if (!hop) continue;
    const dt = tMs - e.at - hop.delayS * 1000;
    if (dt > 0) c += hop.peak * Math.min(1, dt / 5000) * Math.exp(-dt / OUTBURST_DECAY_MS);
  }
  return c;
}

function methane(ctx: ModelContext): SensorModel {
  const prof = ch4Profile(ctx.sensor, ctx.seed);
  const rng = new Rng(ctx.seed);
  return {
    sample(t) {
      const c = Math.max(0, ch4Expected(ctx.sensor, ctx.seed, ctx.world.events, t) + rng.gaussian(0, prof.sd));
      if (c > 4) return { values: { ch4: 4 }, quality: 'overrange' };
      return { values: { ch4: quantise(c, 0.01) }, quality: 'ok' };
    },
  };
}

function wind(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  // Normal air speed: inside the roadway's allowed band (params minVelocity/maxVelocity), else 1.5–4 m/s.
  const lo = numOr(ctx.sensor.params, 'minVelocity', () => 1.2);
  const hi = numOr(ctx.sensor.params, 'maxVelocity', () => 5);
  const v0 = numOr(ctx.sensor.params, 'velocity', () => shape.uniform(Math.max(lo, 1.5), Math.max(Math.max(lo, 1.5) + 0.1, Math.min(hi * 0.8, 4))));
  const stops = eventsOfKind(ctx.world.events, 'fan_stop').filter((e) => e.wind.includes(key));
  const bursts = eventsOfKind(ctx.world.events, 'outburst').filter((e) => e.wind.includes(key)).map((e) => ({ e, reverse: shape.uniform(1, 3) }));
  const gust = new OU(rng.fork('gust'), 20_000, 0.05);
  return {
    sample(t) {
      let factor = 1;
      for (const e of stops) if (active(e, t)) factor = Math.min(factor, 0.1 + 0.9 * Math.exp(-(t - e.at) / 20_000));
      let v = v0 * factor;
      for (const { e, reverse } of bursts) {
        const dt = t - e.at;
        if (dt > 0) v -= (v0 + reverse) * Math.exp(-dt / (2 * MINUTE_MS));
      }
      return { values: { velocity: quantise(v + gust.at(t) + rng.gaussian(0, 0.03), 0.01) }, quality: 'ok' };
    },
  };
}

function co(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const base = numOr(ctx.sensor.params, 'baseline', () => shape.uniform(1, 8));
  const bursts = eventsOfKind(ctx.world.events, 'outburst').filter((e) => e.co.includes(key)).map((e) => ({ e, peak: shape.uniform(20, 100) }));
  return {
    sample(t) {
      let c = base + rng.gaussian(0, 0.5);
      for (const { e, peak } of bursts) {
        const dt = t - e.at;
        if (dt > 0) c += peak * Math.min(1, dt / 30_000) * Math.exp(-dt / OUTBURST_DECAY_MS);
      }
      return { values: { co: quantise(Math.max(0, c), 1) }, quality: 'ok' };
    },
  };
}

function fan(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const stops = eventsOfKind(ctx.world.events, 'fan_stop').filter((e) => e.fan === key);
  return { sample: (t) => ({ values: { running: !stops.some((e) => active(e, t)) }, quality: 'ok' }) };
}

function feed(ctx: ModelContext): SensorModel {
  const key = keyOf(ctx.sensor);
  const cuts = eventsOfKind(ctx.world.events, 'feed_cut').filter((e) => e.feed === key && !e.fails);
  return { sample: (t) => ({ values: { feed: !cuts.some((e) => active(e, t)) }, quality: 'ok' }) };
}

export function createMethaneModel(ctx: ModelContext): SensorModel {
  switch (ctx.sensor.type) {
    case 'mine_ch4': return methane(ctx);
    case 'mine_wind': return wind(ctx);
    case 'mine_co': return co(ctx);
    case 'mine_fan': return fan(ctx);
    case 'mine_feed': return feed(ctx);
    default: throw new Error(`methane model: unsupported sensor type ${ctx.sensor.type}`);
  }
}
