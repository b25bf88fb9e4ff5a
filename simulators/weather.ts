// Site weather: rainfall and ambient temperature (domain.md §2.5 "Rainfall", §2.3 ambient 10–30 °C).
// Rain is a set of pulses (constant intensity over 1–18 h) drawn per Beijing calendar day from a stream
// seeded by (seed, site, day): random access, so any model can ask any time in any order and get the
// same answer. Yunnan's rainy season (May–October, ~85 % of the annual rain) has Poisson events with
// exponential totals of mean ~8 mm and occasional 50–120 mm days; scenario storms add to it.
import { Rng, seedOf } from './rng.ts';
import { beijing, beijingDay, beijingMidnight, DAY_MS, HOUR_MS } from './time.ts';
import type { SiteKey, StormEvent } from './events.ts';

export interface RainPulse {
  start: number;
  end: number;
  /** mm per ms */
  rate: number;
}

export interface Weather {
  /** Rain in mm over [fromMs, toMs). */
  rainMm(fromMs: number, toMs: number): number;
  rainRateMmPerH(tMs: number): number;
  /** 0 (dry) … 1 (soaked): rain filtered with a 12 h time constant, saturating at ~10 mm. */
  wetness(tMs: number): number;
  ambientC(tMs: number): number;
}

export interface Climate {
  /** Mean rain events per day in and out of the rainy season. */
  eventsPerDayWet: number;
  eventsPerDayDry: number;
  meanEventMm: number;
  heavyProbability: number;
}

export const YUNNAN: Climate = { eventsPerDayWet: 0.45, eventsPerDayDry: 0.08, meanEventMm: 8, heavyProbability: 0.03 };

// Monthly mean air temperature (°C), a mid-altitude Yunnan profile; diurnal swing ±6 °C, peak at 15:00.
const MONTHLY_MEAN_C = [12, 14, 17, 20, 22, 23, 23, 23, 22, 19, 16, 12];
const WET_TAU_MS = 12 * HOUR_MS;
const MAX_PULSE_MS = 18 * HOUR_MS;

export function createWeather(seed: number, site: SiteKey, storms: readonly StormEvent[] = [], climate: Climate = YUNNAN): Weather {
  const forced: RainPulse[] = storms
    .filter((s) => s.site === site && s.durationMs > 0 && s.totalMm > 0)
    .map((s) => ({ start: s.at, end: s.at + s.durationMs, rate: s.totalMm / s.durationMs }));
  const cache = new Map<number, RainPulse[]>();

  function day(dayIndex: number): RainPulse[] {
    const hit = cache.get(dayIndex);
    if (hit) return hit;
    const rng = new Rng(seedOf(seed, 'rain', site, dayIndex));
    const t0 = beijingMidnight(dayIndex);
    const month = beijing(t0 + HOUR_MS).month;
    const wet = month >= 5 && month <= 10;
    const n = rng.poisson(wet ? climate.eventsPerDayWet : climate.eventsPerDayDry);
    const pulses: RainPulse[] = [];
    for (let i = 0; i < n; i++) {
      const heavy = rng.chance(wet ? climate.heavyProbability : climate.heavyProbability / 6);
      const total = heavy ? rng.uniform(50, 120) : rng.exponential(climate.meanEventMm);
      const duration = (heavy ? rng.uniform(6, 18) : rng.uniform(1, 8)) * HOUR_MS;
      const start = t0 + rng.uniform(0, DAY_MS);
      pulses.push({ start, end: start + duration, rate: total / duration });
    }
    if (cache.size > 2000) cache.clear();
    cache.set(dayIndex, pulses);
    return pulses;
  }

  /** Every pulse that may overlap [from, to). */
  function pulses(from: number, to: number): RainPulse[] {
    const out: RainPulse[] = [];
    const first = beijingDay(from - MAX_PULSE_MS);
    const last = beijingDay(to);
    for (let d = first; d <= last; d++) for (const p of day(d)) if (p.end > from && p.start < to) out.push(p);
    for (const p of forced) if (p.end > from && p.start < to) out.push(p);
    return out;
  }

  function wetness(t: number): number {
    // Exact first-order filter of piecewise-constant rain: ∫ r·e^(−(t−u)/τ) du over each pulse.
    let store = 0;
    for (const p of pulses(t - 6 * WET_TAU_MS, t)) {
      const e = Math.min(p.end, t);
      store += p.rate * WET_TAU_MS * (Math.exp(-(t - e) / WET_TAU_MS) - Math.exp(-(t - p.start) / WET_TAU_MS));
    }
    return 1 - Math.exp(-store / 10);
  }

  return {
    wetness,
    rainMm(from, to) {
      if (to <= from) return 0;
      let mm = 0;
      for (const p of pulses(from, to)) mm += p.rate * (Math.min(to, p.end) - Math.max(from, p.start));
      return mm;
    },
    rainRateMmPerH(t) {
      let r = 0;
      for (const p of pulses(t, t + 1)) r += p.rate;
      return r * HOUR_MS;
    },
    ambientC(t) {
      const bj = beijing(t);
      const mean = MONTHLY_MEAN_C[bj.month - 1] ?? 18;
      const swing = 6 * Math.cos((2 * Math.PI * (bj.hour - 15)) / 24);
      return mean + swing - 2 * wetness(t);
    },
  };
}
