import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { runScenario } from '../testkit.ts';
import { syntheticRegistry } from '../synthetic.ts';
import { HOUR_MS, MINUTE_MS } from '../time.ts';
import type { Reading } from '../../core/reading.ts';

const REGISTRY = syntheticRegistry({ sensors: 60, devices: 6 });

/** Weighted least-squares line through (t, s): slope b, weighted means, and the slope's standard error. */
function fitLine(xs: readonly { t: number; s: number; w?: number }[]): { b: number; mt: number; ms: number; se: number } {
  let sw = 0;
  let mt = 0;
  let ms = 0;
  for (const p of xs) {
    const w = p.w ?? 1;
    sw += w;
    mt += w * p.t;
    ms += w * p.s;
  }
  mt /= sw;
  ms /= sw;
  let num = 0;
  let den = 0;
  for (const p of xs) {
    num += (p.w ?? 1) * (p.t - mt) * (p.s - ms);
    den += (p.w ?? 1) * (p.t - mt) ** 2;
  }
  const b = num / den;
  const rss = xs.reduce((a, p) => a + (p.s - ms - b * (p.t - mt)) ** 2, 0);
  return { b, mt, ms, se: Math.sqrt(rss / Math.max(1, xs.length - 2) / den) };
}

/** Fukuzono's inverse-velocity method: project the horizontal displacement on its overall direction,
 * median of 3 (multipath), smooth the velocity by local least squares (window a third of the time left
 * to the last epoch, at most ±6 h), then fit a line through 1/v over the last `spanMs`, each point weighted
 * by its inverse variance (σ(1/v) = σ(v)/v²); returns where the line crosses zero. */
function inverseVelocityZero(rs: readonly Reading[], spanMs: number): number {
  const p = rs.filter((r) => r.quality === 'ok').map((r) => ({ t: r.ts, x: r.values.dx as number, y: r.values.dy as number }));
  const first = p[0]!;
  const last = p[p.length - 1]!;
  const n = Math.hypot(last.x - first.x, last.y - first.y);
  const s = p.map((q) => ({ t: q.t, s: ((q.x - first.x) * (last.x - first.x) + (q.y - first.y) * (last.y - first.y)) / n }));
  const med = s.map((q, i) => (i === 0 || i === s.length - 1 ? q : { t: q.t, s: [s[i - 1]!.s, q.s, s[i + 1]!.s].sort((a, b) => a - b)[1]! }));
  const end = med[med.length - 1]!.t;
  const inv: { t: number; s: number; w: number }[] = [];
  for (let tc = end - spanMs; tc <= end - HOUR_MS / 2; tc += HOUR_MS / 4) {
    const h = Math.min(6 * HOUR_MS, (end - tc) / 3);
    const { b: v, se } = fitLine(med.filter((q) => q.t >= tc - h && q.t <= tc + h));
    if (v > 0) inv.push({ t: tc, s: 1 / v, w: v ** 4 / se ** 2 });
  }
  const line = fitLine(inv);
  return line.mt - line.ms / line.b;
}

describe('dam-failure scenario (domain.md §2.5)', () => {
  it('brings the failing section’s inverse velocity (fit over the last day) to zero within 3 % of a day of t_f, for any seed', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
      const run = runScenario({ registry: REGISTRY, scenario: 'dam-failure', seed, liveMs: (plan, start) => plan.facts.failureTimeMs! - start - 5 * MINUTE_MS });
      const tf = run.plan.facts.failureTimeMs!;
      const zero = inverseVelocityZero(run.of(run.plan.facts.gnss![0]!), 24 * HOUR_MS);
      expect(Math.abs(zero - tf)).toBeLessThan(0.03 * 24 * HOUR_MS);
    }), { numRuns: 5 });
  });

  it('fails 3 h after the start by default, and at the offset asked for', () => {
    const a = runScenario({ registry: REGISTRY, scenario: 'dam-failure', liveMs: 0 });
    expect(a.plan.facts.failureTimeMs).toBe(a.startMs + 3 * HOUR_MS);
    const b = runScenario({ registry: REGISTRY, scenario: 'dam-failure', liveMs: 0, scenarioOptions: { failureInMs: HOUR_MS } });
    expect(b.plan.facts.failureTimeMs).toBe(b.startMs + HOUR_MS);
  });

  it('tells the whole chain in the history: the pond rises, the beach shortens, the phreatic line rises', () => {
    const run = runScenario({ registry: REGISTRY, scenario: 'dam-failure', liveMs: 0 });
    const site = run.plan.facts.site!;
    const series = (type: string, metric: string) => {
      const sensor = REGISTRY.enterprises.find((e) => `${e.id}/site-1` === site)!.sites[0]!.sensors.find((s) => s.type === type)!;
      return run.of(`${site.split('/')[0]}/${sensor.id}`).map((r) => r.values[metric] as number);
    };
    const level = series('tailings_pond_level', 'level');
    const beach = series('tailings_beach', 'length');
    const depth = series('tailings_phreatic', 'depth');
    expect(Math.max(...level) - level[0]!).toBeGreaterThan(0.4);
    expect(beach[0]! - Math.min(...beach)).toBeGreaterThan(40);
    expect(depth[0]! - depth[depth.length - 1]!).toBeGreaterThan(2);
  });
});
