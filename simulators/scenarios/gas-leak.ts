// gas-leak (domain.md §2.1): a combustible leak at the detector with the most neighbours, 2 min into the
// live phase: first-order rise to ~75 %LEL (τ 120 s) with turbulence; neighbours (relations `neighbour`,
// either direction, or the same area) see copies 0.4–0.7 as strong, 20–90 s later; isolated at +14 min
// (exponential decay, τ 3 min). Gas sensors of the site report every 10 s while live.
import { MINUTE_MS } from '../time.ts';
import { DEFAULT_BACKFILL_MS, need, ofType, related, sameArea, unique } from './select.ts';
import type { Scenario } from './types.ts';

export const gasLeak: Scenario = {
  name: 'gas-leak',
  description: 'A combustible-gas leak rises to its plateau, neighbours follow later and lower, then it is isolated.',
  build(ctx) {
    const gas = ofType(ctx.sensors, 'gas_combustible');
    const neighboursOf = (s: (typeof gas)[number]) =>
      unique([...related(ctx.sensors, s, 'neighbour'), ...sameArea(ctx.sensors, s)]).filter((x) => x.info.type === 'gas_combustible');
    let source = need(gas, 'gas-leak', 'a gas_combustible sensor');
    let best = neighboursOf(source);
    for (const g of gas.slice(1, 500)) {
      const n = neighboursOf(g);
      if (n.length > best.length) [source, best] = [g, n];
    }
    const leakAt = ctx.startMs + 2 * MINUTE_MS;
    const isolateAt = ctx.startMs + 14 * MINUTE_MS;
    const plateau = ctx.options.plateau ?? 75;
    const neighbours = best.map((s) => ({ sensor: s.key, attenuation: ctx.rng.uniform(0.4, 0.7), delayS: Math.round(ctx.rng.uniform(20, 90)) }));
    const liveIntervalS: Record<string, number> = {};
    for (const s of ctx.sensors) if (s.siteKey === source.siteKey && s.info.type.startsWith('gas_')) liveIntervalS[s.key] = 10;
    return {
      name: 'gas-leak',
      description: gasLeak.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events: [{ kind: 'leak', at: leakAt, source: source.key, plateau, tauS: 120, isolateAt, isolTauS: 180, neighbours }],
      liveIntervalS,
      facts: { leakSource: source.key, leakNeighbours: neighbours.map((n) => n.sensor), leakAtMs: leakAt, isolateAtMs: isolateAt, plateau, tauS: 120 },
    };
  },
};
