// shutdown-violation (domain.md §2.4.1): an enterprise under a 停产整顿 order. Its meter shows the
// normal profile until the order (the registry's state.from when it lies in the history window, else
// 10 days before the start), then the idle base; from 3 days before the start it drifts back up in
// steps (22 %, then 32 % of rated), with night work 22:00–04:00 on the last two nights (60 %); live, it
// climbs to 45 % (+2 min), 65 % (+6 min) and 85 % (+10 min). The meter reports every 60 s while live.
// Prefers an enterprise whose registry state is suspended or pending acceptance, else a shift-working one
// (so the night work shows against its daily rhythm).
import { DAY_MS, HOUR_MS, MINUTE_MS, beijing, beijingMidnight } from '../time.ts';
import { paramsOf } from '../model.ts';
import { loadShape } from '../models/load-profile.ts';
import type { SimEvent } from '../events.ts';
import { DEFAULT_BACKFILL_MS, need, ofType } from './select.ts';
import type { Scenario } from './types.ts';

export const shutdownViolation: Scenario = {
  name: 'shutdown-violation',
  description: 'An enterprise under a shutdown order drifts back into production in steps, with night work.',
  build(ctx) {
    const meters = ofType(ctx.sensors, 'power_meter');
    need(meters, 'shutdown-violation', 'a power_meter sensor');
    const stateOf = (e: string) => ctx.enterprises.find((x) => x.id === e)?.state;
    const shift = (m: (typeof meters)[number]) => ['day_shift', 'two_shift'].includes(String(m.info.params.profile ?? m.site.params.profile ?? 'day_shift'));
    const meter =
      meters.find((m) => ['suspended', 'pending_acceptance'].includes(stateOf(m.info.enterpriseId)?.state ?? '')) ??
      meters.find(shift) ??
      (meters[0] as (typeof meters)[number]);
    const from = Date.parse(stateOf(meter.info.enterpriseId)?.from ?? '');
    const orderFrom = Number.isFinite(from) && from > ctx.startMs - 27 * DAY_MS && from < ctx.startMs - DAY_MS ? from : ctx.startMs - 10 * DAY_MS;
    const idle = loadShape(paramsOf({ sensor: meter.info, site: meter.site }), ctx.seed, meter.key).idle;
    const load = (at: number, fraction: number, until?: number): SimEvent =>
      until === undefined ? { kind: 'load', at, sensor: meter.key, fraction } : { kind: 'load', at, until, sensor: meter.key, fraction };
    const steps = [ctx.startMs - 3 * DAY_MS, ctx.startMs - 2 * DAY_MS, ctx.startMs + 2 * MINUTE_MS, ctx.startMs + 6 * MINUTE_MS, ctx.startMs + 10 * MINUTE_MS];
    const levels = [0.22, 0.32, 0.45, 0.65, 0.85];
    const events: SimEvent[] = [load(orderFrom, idle), ...steps.map((at, i) => load(at, levels[i] as number))];
    const today = beijing(ctx.startMs).dayIndex;
    for (const d of [today - 2, today - 1]) {
      const night = beijingMidnight(d) + 22 * HOUR_MS;
      if (night + 6 * HOUR_MS <= ctx.startMs) events.push(load(night, 0.6, night + 6 * HOUR_MS));
    }
    return {
      name: 'shutdown-violation',
      description: shutdownViolation.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events,
      liveIntervalS: { [meter.key]: 60 },
      facts: { enterpriseId: meter.info.enterpriseId, meter: meter.key, orderFromMs: orderFrom, stepsAtMs: steps },
    };
  },
};
