// dam-failure (domain.md §2.5), the coupled chain: storms (110 mm 6.5 d before the start, 60 mm at 4 d,
// 50 mm at 1.5 d, steady rain over the live phase) raise the pond within hours; the dry beach shortens
// through the 1 % slope; the phreatic surface follows with its days-long lag, pushed further by a
// blocked drainage (排渗失效, 5 days before the start: +5 m equilibrium rise); GNSS creep accelerates
// from 6 days before the start with v = A/(t_f − t) (A = 20 mm on the failing section: 3.3 mm/d six days out, 20 mm/d one day out; 5–20 mm elsewhere),
// failure at t_f = start + 3 h (option `failureInMs`). The history is backfilled (7 days); live, GNSS
// reports every 2 min (the last hours, when velocity reaches mm per minute), level and rain every 5 min.
import { DAY_MS, HOUR_MS } from '../time.ts';
import type { SimEvent } from '../events.ts';
import { DEFAULT_BACKFILL_MS, need, ofType } from './select.ts';
import type { Scenario } from './types.ts';

export const FAILING_SECTION_AMPLITUDE_MM = 20;

export const damFailure: Scenario = {
  name: 'dam-failure',
  description: 'Heavy rain raises the pond, the beach shortens, the phreatic line rises, and dam creep accelerates to failure.',
  build(ctx) {
    const gnss = ofType(ctx.sensors, 'tailings_gnss');
    need(gnss, 'dam-failure', 'a tailings_gnss sensor');
    const count = (site: string) => ctx.sensors.filter((s) => s.siteKey === site && s.info.type.startsWith('tailings_')).length;
    const site = [...new Set(gnss.map((g) => g.siteKey))].sort((a, b) => count(b) - count(a))[0] as string;
    const stations = gnss.filter((g) => g.siteKey === site);
    const failureMs = ctx.startMs + (ctx.options.failureInMs ?? 3 * HOUR_MS);
    const onset = ctx.startMs - 6 * DAY_MS;
    const storm = (offsetMs: number, hours: number, totalMm: number): SimEvent => ({ kind: 'storm', at: ctx.startMs + offsetMs, durationMs: hours * HOUR_MS, totalMm, site });
    const events: SimEvent[] = [
      storm(-6.5 * DAY_MS, 10, 110),
      storm(-4 * DAY_MS, 8, 60),
      storm(-1.5 * DAY_MS, 6, 50),
      storm(-2 * HOUR_MS, 5, 25),
      { kind: 'drain_blocked', at: ctx.startMs - 5 * DAY_MS, site, riseM: 5 },
      {
        kind: 'creep_failure',
        at: onset,
        failureMs,
        sensors: stations.map((s, i) => ({ sensor: s.key, amplitudeMm: i === 0 ? FAILING_SECTION_AMPLITUDE_MM : ctx.rng.uniform(5, 20) })),
      },
    ];
    const live: Record<string, number> = { tailings_gnss: 120, tailings_pond_level: 300, rain_gauge: 300, tailings_beach: 600, tailings_phreatic: 600 };
    const liveIntervalS: Record<string, number> = {};
    for (const s of ctx.sensors) {
      const iv = live[s.info.type];
      if (s.siteKey === site && iv !== undefined) liveIntervalS[s.key] = iv;
    }
    return {
      name: 'dam-failure',
      description: damFailure.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events,
      liveIntervalS,
      facts: { site, failureTimeMs: failureMs, creepOnsetMs: onset, gnss: stations.map((s) => s.key) },
    };
  },
};
