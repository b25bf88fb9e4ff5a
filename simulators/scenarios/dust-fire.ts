// dust-fire (domain.md §2.3): sparks from +1 min, smouldering in the hopper from +4 min at 2 °C/min
// (≥ 70 °C, the AQ 4273 isolation value, after ~20–25 min); the fire burns through bags at +30 min
// (ΔP steps down 45 %), the operators trip the fan at +34 min (ΔP → 0 in < 10 s), the fire is out at
// +45 min. Dust sensors of the site report every 10 s while live. Prefers a collector that is running
// at the start (a sugar mill out of season is idle, which is normal).
import { MINUTE_MS } from '../time.ts';
import { paramsOf } from '../model.ts';
import { loadShape, productionOn } from '../models/load-profile.ts';
import type { SimEvent } from '../events.ts';
import { DEFAULT_BACKFILL_MS, need, ofType, sameSite } from './select.ts';
import type { Scenario } from './types.ts';

export const dustFire: Scenario = {
  name: 'dust-fire',
  description: 'Sparks, then a smouldering hopper fire: temperature climbs past 70 °C, bags burst, the fan is tripped.',
  build(ctx) {
    const temps = ofType(ctx.sensors, 'dust_hopper_temp');
    need(temps, 'dust-fire', 'a dust_hopper_temp sensor');
    const runningAtStart = (s: (typeof temps)[number]) =>
      productionOn(loadShape({ profile: 'continuous', ...paramsOf({ sensor: s.info, site: s.site }) }, ctx.seed, s.siteKey), ctx.startMs);
    const hopper = temps.find(runningAtStart) ?? (temps[0] as (typeof temps)[number]);
    const site = sameSite(ctx.sensors, hopper);
    const dp = site.find((s) => s.info.type === 'dust_dp');
    const valve = site.filter((s) => s.info.type === 'dust_valve');
    const sparks = site.filter((s) => s.info.type === 'dust_spark');
    const t = (min: number) => ctx.startMs + min * MINUTE_MS;
    const events: SimEvent[] = [
      { kind: 'smoulder', at: t(4), until: t(45), ratePerMin: 2, temps: [hopper.key], sparks: sparks.map((s) => s.key), sparkLeadS: 180, sparksPerMin: 3 },
    ];
    if (dp) {
      events.push({ kind: 'bag_burst', at: t(30), sensor: dp.key, drop: 0.45 });
      events.push({ kind: 'fan_trip', at: t(34), sensors: [dp.key, ...valve.map((v) => v.key)] });
    }
    const liveIntervalS: Record<string, number> = {};
    for (const s of [hopper, ...site]) if (s.info.type.startsWith('dust_')) liveIntervalS[s.key] = 10;
    return {
      name: 'dust-fire',
      description: dustFire.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events,
      liveIntervalS,
      facts: {
        hopper: hopper.key,
        sparksFromMs: t(1),
        smoulderAtMs: t(4),
        ...(dp ? { dp: dp.key, burstAtMs: t(30), tripAtMs: t(34) } : {}),
      },
    };
  },
};
