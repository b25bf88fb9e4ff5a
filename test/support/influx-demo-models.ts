// Value models of the demo data fixture (test/support/influx-data.ts): one plausible reading per sensor type
// at a time t, after domain.md §2 ("Normal behaviour", "Simulator dynamics"), with a handful of incidents
// relative to `now` so every dashboard panel has something to show. Deterministic: an Rng per sensor.
// This is a fixture, not the simulator (simulators/ models physics over real MQTT); the lead may replace the
// data source of the dashboard test by a real demo run through the writer.
import type { Quality } from '../../core/reading.ts';
import type { EnterpriseDef, SensorDef, SiteDef } from '../../core/registry.ts';
import { beijingMinuteOfDay, beijingWeekday } from '../../rules/calendar/beijing.ts';
import type { Rng } from '../../simulators/rng.ts';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export type Values = Record<string, number | boolean>;
export interface Sample { values: Values; quality: Quality }
export type Model = (t: number) => Sample;

export interface ModelCtx {
  e: EnterpriseDef;
  site: SiteDef;
  s: SensorDef;
  now: number;
  rng: Rng;
}

/** How far back each sensor's readings go: enough for the longest default range of the dashboard showing it. */
export function spanMs(type: string): number {
  if (type === 'power_meter') return 36 * DAY; // electricity: 7 d, last week (7 d shift), 28-d median
  if (type.startsWith('tailings_') || type === 'rain_gauge') return 32 * DAY; // tailings: 30 d
  return 26 * HOUR; // gas 6 h, methane 6 h, dust 24 h, data quality 24 h
}

/** The enterprise states of the fixture: puer-wood was ordered to suspend (停产整顿) 5 days ago, and is
 * waiting for acceptance (待复产验收) since 2 days ago. */
export function enterpriseStateAt(enterpriseId: string, t: number, now: number): string {
  if (enterpriseId !== 'puer-wood') return 'normal';
  if (t < now - 5 * DAY) return 'normal';
  return t < now - 2 * DAY ? 'suspended' : 'pending_acceptance';
}

/** Share of rated production at t for a working pattern (domain.md §2.4.1 simulator profiles). */
export function production(profile: string | undefined, t: number): number {
  const min = beijingMinuteOfDay(t);
  const h = min / 60;
  const weekend = beijingWeekday(t) >= 6;
  const ramp = (from: number, to: number) => Math.min(1, Math.max(0, (h - from) / (to - from)));
  switch (profile) {
    case 'continuous':
    case 'seasonal':
      return 0.85;
    case 'two_shift':
      return (h >= 6 ? 0.85 : 0.1) * (weekend ? 0.5 : 1);
    default: {
      // day shift: ramp 07:30–08:30, lunch dip, ramp down 17:30–19:00, idle base 10 %.
      const on = ramp(7.5, 8.5) - ramp(17.5, 19);
      const lunch = h >= 12 && h < 13 ? 0.35 : 0;
      return 0.1 + Math.max(0, on - lunch) * 0.8 * (weekend ? 0.4 : 1);
    }
  }
}

const num = (p: Record<string, unknown>, k: string, d: number): number => (typeof p[k] === 'number' ? (p[k] as number) : d);
/** Quantised to `step` (0.1, 0.01 …) without binary noise in the written text. */
const round = (v: number, step: number): number => Number((Math.round(v / step) * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))));
/** A bump 0 → 1 → 0 between `from` and `to` (first-order rise and decay, domain.md §2.1 leak dynamics). */
function episode(t: number, from: number, to: number, tauMs: number): number {
  if (t < from) return 0;
  const rise = 1 - Math.exp(-(Math.min(t, to) - from) / tauMs);
  return t <= to ? rise : rise * Math.exp(-(t - to) / tauMs);
}

export function modelFor(c: ModelCtx): Model {
  const { e, site, s, now, rng } = c;
  const p = s.params;
  const key = `${e.id}/${s.id}`;
  const profile = (s.params.profile ?? site.params.profile) as string | undefined;
  const ok = (values: Values): Sample => ({ values, quality: 'ok' });
  const plant = (t: number) => (enterpriseStateAt(e.id, t, now) === 'normal' ? production(profile, t) : 0.1);

  switch (s.type) {
    case 'gas_combustible': {
      // The furnace wash tower leaks 2 h ago (orange); LEL-BL-02 is calibrated with 50 %LEL gas 5 h ago.
      const base = rng.uniform(0.2, 1.5);
      return (t) => {
        if (key === 'yuxi-chem/lel-bl-02' && t >= now - 5 * HOUR && t < now - 5 * HOUR + 3 * MIN) return { values: { lel: 50 }, quality: 'calibrating' };
        const leak = key === 'yuxi-chem/lel-fn-03' ? 34 * episode(t, now - 2 * HOUR, now - 2 * HOUR + 20 * MIN, 2 * MIN) : 0;
        return ok({ lel: Math.max(0, round(base + leak + rng.gaussian(0, 0.4), 0.1)) });
      };
    }
    case 'gas_h2s': return () => ok({ h2s: Math.max(0, round(0.3 + rng.gaussian(0, 0.15), 0.1)) });
    case 'gas_co': {
      const base = e.sector === 'metallurgy' ? 4 : 2;
      return () => ok({ co: Math.max(0, round(base + rng.gaussian(0, 1), 1)) });
    }
    case 'gas_nh3': return () => ok({ nh3: Math.max(0, round(2 + rng.gaussian(0, 0.8), 0.1)) });
    case 'gas_cl2': return () => ok({ cl2: Math.max(0, round(0.03 + rng.gaussian(0, 0.02), 0.01)) });
    case 'gas_o2': return () => ok({ o2: round(20.9 + rng.gaussian(0, 0.05), 0.1) });

    case 'mine_ch4': {
      const loc = String(p.location ?? 'T1');
      const base = { T0: 0.45, T1: 0.35, T2: 0.5, T3: 0.1, heading: 0.35, return: 0.45 }[loc] ?? 0.3;
      // ch4-1101-t0 (upper corner) reaches 1.62 %vol 3 h ago: the power-cut value (orange, 断电).
      return (t) => {
        const cutting = beijingMinuteOfDay(t) >= 8 * 60 ? 0.15 : 0.05;
        const spike = key === 'qilin-coal/ch4-1101-t0' ? 1.15 * episode(t, now - 3 * HOUR, now - 3 * HOUR + 8 * MIN, MIN) : 0;
        if (key === 'qilin-coal/ch4-1107-face' && t >= now - 9 * HOUR && t < now - 9 * HOUR + 30 * MIN) return { values: { ch4: 0 }, quality: 'maintenance' };
        return ok({ ch4: Math.max(0, round(base + cutting + spike + rng.gaussian(0, 0.03), 0.01)) });
      };
    }
    case 'mine_co': return () => ok({ co: Math.max(0, round(3 + rng.gaussian(0, 1), 1)) });
    case 'mine_wind': {
      const v = String(s.area).startsWith('return') ? 2.6 : 1.6;
      return () => ok({ velocity: round(v + rng.gaussian(0, 0.08), 0.01) });
    }
    case 'mine_feed':
      // The face switchgear cuts power while ch4-1101-t0 is above 1.5 %vol.
      return (t) => ok({ feed: !(key === 'qilin-coal/feed-1101-face' && t >= now - 3 * HOUR + 2 * MIN && t < now - 3 * HOUR + 14 * MIN) });
    case 'mine_fan':
      return (t) => ok({ running: !(key === 'qilin-coal/fan-1107' && t >= now - 6 * HOUR && t < now - 6 * HOUR + 12 * MIN) });

    case 'dust_dp': {
      const baseline = num(p, 'baselinePa', 1000);
      return (t) => {
        const on = plant(t) > 0.3;
        const saw = ((t / MIN) % 6) / 6; // pulse-jet cleaning every 6 min
        return ok({ dp: on ? round(baseline * 0.85 + 250 * saw + rng.gaussian(0, 20), 1) : round(Math.abs(rng.gaussian(0, 5)), 1) });
      };
    }
    case 'dust_hopper_temp': {
      // The sugar mill's collector 1 smoulders 4 h ago: up to about 70 °C (AQ 4273 alarm, orange), then cools.
      return (t) => {
        const fire = key === 'cangyuan-sugar/dc1-temp' ? 48 * episode(t, now - 4 * HOUR, now - 4 * HOUR + 30 * MIN, 10 * MIN) : 0;
        return ok({ temp: round(20 + 6 * plant(t) + fire + rng.gaussian(0, 0.3), 0.1) });
      };
    }
    case 'dust_valve':
      return (t) => {
        const fault = key === 'puer-tea/dc2-valve' && t >= now - 7 * HOUR && t < now - 7 * HOUR + 15 * MIN;
        if (key === 'puer-wood/dc2-valve' && t >= now - 11 * HOUR && t < now - 11 * HOUR + 20 * MIN) return { values: { running: false, fault: true }, quality: 'fault' };
        return ok({ running: plant(t) > 0.3 && !fault, fault });
      };
    case 'dust_spark':
      return (t) => ok({ sparks: (key === 'cangyuan-sugar/dc1-spark' && t >= now - 4 * HOUR - 10 * MIN && t < now - 4 * HOUR + 5 * MIN ? 2 : 0) + (rng.chance(0.01) ? 1 : 0) });

    case 'power_meter': {
      const rated = num(p, 'ratedKw', 1000);
      // puer-wood, suspended: idles by day, but runs secret night shifts (domain.md §2.4.1 "shutdown order").
      return (t) => {
        let share = plant(t);
        const night = beijingMinuteOfDay(t) < 4 * 60 || beijingMinuteOfDay(t) >= 22 * 60;
        if (e.id === 'puer-wood' && enterpriseStateAt(e.id, t, now) !== 'normal' && night) share = 0.7;
        const kw = Math.max(0, rated * share * (1 + rng.gaussian(0, 0.05)));
        return ok({ p: round(kw, 0.1), energy: round(kw * 0.25, 0.1) });
      };
    }
    case 'residual_current':
      // yuxi-mining's pump station IR-02 creeps up over the last 10 h (insulation wetting, rainy season).
      return (t) => {
        const creep = key === 'yuxi-mining/ir-02' && t > now - 10 * HOUR ? 250 * ((t - (now - 10 * HOUR)) / (10 * HOUR)) : 0;
        return ok({ ir: Math.max(0, round(80 + creep + rng.gaussian(0, 12), 1)) });
      };
    case 'cable_temp': return (t) => ok({ temp: round(24 + 18 * plant(t) + rng.gaussian(0, 0.4), 0.1) });

    case 'tank_level': {
      const h = num(p, 'height', 10);
      return (t) => ok({ level: round(h * (0.55 + 0.1 * Math.sin(t / (9 * HOUR))) + rng.gaussian(0, 0.01), 0.01) });
    }
    case 'process_temp': {
      const hi = num(p, 'high', 100);
      return () => ok({ temp: round(hi * 0.8 + rng.gaussian(0, hi * 0.005), 0.1) });
    }
    case 'process_pressure': {
      const d = num(p, 'design', 1);
      return () => ok({ pressure: round(d * 0.7 + rng.gaussian(0, d * 0.01), 0.001) });
    }

    case 'tailings_gnss': {
      // Normal creep ~0.1 mm/d, GNSS noise σ 2.5 mm (h) / 5 mm (v). GP-05 on the highest section accelerates
      // hyperbolically over the last 10 days (inverse velocity falls linearly towards zero, domain.md §2.5).
      const creep = num(p, 'normalCreepMmPerDay', 0.1);
      const tf = now + 2 * DAY;
      const A = 6; // mm: v = A / (tf − t) per day
      return (t) => {
        const days = (t - (now - 40 * DAY)) / DAY;
        const acc = key === 'yuxi-mining/gp-05' && t > now - 10 * DAY ? A * Math.log((tf - (now - 10 * DAY)) / (tf - t)) : 0;
        const spike = rng.chance(0.002) ? rng.uniform(10, 25) : 0; // multipath outlier
        return ok({ dx: round(creep * days + acc + spike + rng.gaussian(0, 2.5), 0.1), dy: round(0.5 * creep * days + 0.3 * acc + rng.gaussian(0, 2.5), 0.1), dh: round(-0.3 * creep * days - 0.2 * acc + rng.gaussian(0, 5), 0.1) });
      };
    }
    case 'rain_gauge': return (t) => ok({ rain: rainAt(t, now, rng) });
    case 'tailings_pond_level': {
      const base = num(p, 'operatingLevel', 1850) - 0.4;
      return (t) => ok({ level: round(base + pondRise(t, now) + rng.gaussian(0, 0.005), 0.001) });
    }
    case 'tailings_beach': {
      const normal = num(p, 'normalLength', 280);
      // 1 % beach slope: 0.1 m of water shortens the beach by 10 m (domain.md §2.5).
      return (t) => ok({ length: round(normal - pondRise(t, now) / 0.01 + rng.gaussian(0, 0.5), 0.1) });
    }
    case 'tailings_phreatic': {
      const normal = num(p, 'normalDepth', 10);
      return (t) => ok({ depth: round(normal - phreaticRise(t, now) + rng.gaussian(0, 0.03), 0.01) });
    }
    default:
      throw new Error(`no demo model for sensor type ${s.type}`);
  }
}

// ---- tailings hydrology: one rainstorm 3 days ago, showers before (domain.md §2.5) ----------------------------

/** Rain in mm per 10 min at t: a 72 mm storm over 6 h three days ago, and 6 showers of ~10 mm before. */
export function rainAt(t: number, now: number, rng: Rng): number {
  const storm = now - 3 * DAY;
  if (t >= storm && t < storm + 6 * HOUR) return round(2 + rng.uniform(0, 0.1), 0.1);
  for (let k = 1; k <= 6; k++) {
    const shower = now - (3 + 4 * k) * DAY + 14 * HOUR;
    if (t >= shower && t < shower + HOUR) return round(1.5 + rng.uniform(0, 0.2), 0.1);
  }
  return 0;
}

/** Pond level above base: rises with the storm (0.01 m per mm), drains with τ = 3 d. */
function pondRise(t: number, now: number): number {
  const storm = now - 3 * DAY;
  if (t < storm) return 0.05;
  const mm = 72 * Math.min(1, (t - storm) / (6 * HOUR));
  return 0.05 + 0.01 * mm * Math.exp(-Math.max(0, t - storm - 6 * HOUR) / (3 * DAY));
}

/** Phreatic line rise (burial depth falls) following the pond with a lag: first order, τ = 4 d. */
function phreaticRise(t: number, now: number): number {
  const storm = now - 3 * DAY;
  return t < storm ? 0 : 1.2 * (1 - Math.exp(-(t - storm) / (4 * DAY)));
}
