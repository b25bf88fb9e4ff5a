// Combustible and toxic gas detectors (domain.md §2.1 "Normal behaviour" and "Incident dynamics").
//  - baseline 0–2 %LEL, σ 0.3–0.5 %LEL, quantised to 0.1; zero drift ±1–3 %LEL/month (reset monthly);
//    toxic baselines in ppm (H₂S 0–1, CO 0–3, NH₃ 0–5, Cl₂ 0–0.1); O₂ 20.9 %vol;
//  - leak: C(t) = Cp·(1 − e^(−t/τ)), isolation → exponential decay; × lognormal turbulence
//    (σ_ln 0.3, 5–30 s correlation, mean-corrected so E[C] follows the curve);
//    neighbours see attenuation·C(t − delay);
//  - above the span (100 %LEL) the catalytic bead latches over-range: quality `overrange`, reading at full
//    scale, until the gas is back under 10 % of span.
import { OU, Rng, seedOf } from '../rng.ts';
import { DAY_MS } from '../time.ts';
import { eventsOfKind, type LeakEvent } from '../events.ts';
import { clamp, keyOf, numOr, paramsOf, quantise, type ModelContext, type SensorModel } from '../model.ts';
import { sensorType } from '../../core/sensor-types.ts';

interface GasSpec { metric: string; base: [number, number]; sd: [number, number]; step: number; fixed?: number }

const SPECS: Record<string, GasSpec> = {
  gas_combustible: { metric: 'lel', base: [0, 2], sd: [0.3, 0.5], step: 0.1 },
  gas_h2s: { metric: 'h2s', base: [0, 1], sd: [0.05, 0.15], step: 0.1 },
  gas_co: { metric: 'co', base: [0, 3], sd: [0.2, 0.4], step: 0.1 },
  gas_nh3: { metric: 'nh3', base: [0, 5], sd: [0.2, 0.4], step: 0.1 },
  gas_cl2: { metric: 'cl2', base: [0, 0.1], sd: [0.01, 0.02], step: 0.01 },
  gas_o2: { metric: 'o2', base: [20.9, 20.9], sd: [0.03, 0.05], step: 0.1, fixed: 20.9 },
};

export const TURBULENCE_SIGMA_LN = 0.3;

/** Expected concentration at the source of a leak (plant units of the detector), before turbulence. */
export function plumeExpected(leak: Pick<LeakEvent, 'at' | 'plateau' | 'tauS' | 'isolateAt' | 'isolTauS'>, tMs: number): number {
  if (tMs <= leak.at) return 0;
  const rise = (t: number) => leak.plateau * (1 - Math.exp(-(t - leak.at) / (leak.tauS * 1000)));
  if (leak.isolateAt === undefined || tMs <= leak.isolateAt) return rise(tMs);
  const c0 = leak.isolateAt > leak.at ? rise(leak.isolateAt) : 0;
  return c0 * Math.exp(-(tMs - leak.isolateAt) / ((leak.isolTauS ?? 180) * 1000));
}

/** What this sensor sees of a leak: the source's curve, or an attenuated, delayed copy; null if none. */
export function leakShare(leak: LeakEvent, key: string): { attenuation: number; delayMs: number } | null {
  if (leak.source === key) return { attenuation: 1, delayMs: 0 };
  const n = leak.neighbours.find((x) => x.sensor === key);
  return n ? { attenuation: n.attenuation, delayMs: n.delayS * 1000 } : null;
}

export function createGasModel(ctx: ModelContext): SensorModel {
  const spec = SPECS[ctx.sensor.type];
  if (!spec) throw new Error(`gas model: unsupported sensor type ${ctx.sensor.type}`);
  const key = keyOf(ctx.sensor);
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const span = sensorType(ctx.sensor.type)?.metrics[spec.metric]?.range?.[1] ?? 100;
  const base = spec.fixed ?? numOr(p, 'baseline', () => shape.uniform(spec.base[0], spec.base[1]));
  const sd = shape.uniform(spec.sd[0], spec.sd[1]);
  // Zero drift: combustible beads only, ±1–3 %LEL per month, a saw-tooth reset by the monthly calibration.
  const driftPerDay = spec.metric === 'lel' ? (shape.chance(0.5) ? 1 : -1) * shape.uniform(1, 3) / 30 : 0;
  const driftPhase = shape.uniform(0, 30 * DAY_MS);
  const leaks = eventsOfKind(ctx.world.events, 'leak')
    .map((e) => ({ e, share: leakShare(e, key) }))
    .filter((x): x is { e: LeakEvent; share: { attenuation: number; delayMs: number } } => x.share !== null);
  const turbulence = new OU(rng.fork('turbulence'), shape.uniform(5, 30) * 1000, 1);
  let latched = false;

  return {
    sample(t) {
      const drift = driftPerDay * (((t + driftPhase) % (30 * DAY_MS)) / DAY_MS);
      let leak = 0;
      for (const { e, share } of leaks) leak += share.attenuation * plumeExpected(e, t - share.delayMs);
      const z = turbulence.at(t);
      const m = Math.exp(TURBULENCE_SIGMA_LN * z - (TURBULENCE_SIGMA_LN * TURBULENCE_SIGMA_LN) / 2);
      let value = base + drift + leak * m + rng.gaussian(0, sd);
      if (spec.fixed !== undefined) value = clamp(value, 0, span);
      else value = Math.max(0, value);
      if (value > span) latched = true;
      else if (latched && value < 0.1 * span) latched = false;
      if (latched) return { values: { [spec.metric]: quantise(Math.min(value, span), spec.step) }, quality: 'overrange' };
      return { values: { [spec.metric]: quantise(value, spec.step) }, quality: 'ok' };
    },
  };
}
