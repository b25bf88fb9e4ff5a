import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { OU, Rng, seedOf } from './rng.ts';
import { mean } from './testkit.ts';

const draws = (n: number, f: () => number) => Array.from({ length: n }, f);
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

describe('rng', () => {
  it('repeats the same stream for the same seed, so simulations are reproducible', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < 20; i++) expect(a.normal()).toBe(b.normal());
    }));
  });

  it('separates label parts, so ("ab","c") and ("a","bc") seed different streams', () => {
    expect(seedOf('ab', 'c')).not.toBe(seedOf('a', 'bc'));
    expect(seedOf(1, 'x')).not.toBe(seedOf(2, 'x'));
  });

  it('forks without consuming the parent, so adding a consumer does not shift other streams', () => {
    const a = new Rng(7);
    a.fork('x').next();
    expect(a.next()).toBe(new Rng(7).next());
  });

  it.each([
    ['uniform in [0,1) has mean ½', (r: Rng) => r.next(), 0.5, 0.01],
    ['normal has mean 0', (r: Rng) => r.normal(), 0, 0.03],
    ['exponential(8) has mean 8 (daily rain totals)', (r: Rng) => r.exponential(8), 8, 0.3],
    ['poisson(3) has mean 3 (spark counts)', (r: Rng) => r.poisson(3), 3, 0.08],
    ['poisson(50) has mean 50 (normal approximation)', (r: Rng) => r.poisson(50), 50, 0.5],
    ['lognormal(−σ²/2, σ) has mean 1 (mean-corrected turbulence)', (r: Rng) => r.lognormal(-0.045, 0.3), 1, 0.02],
  ])('%s', (_why, f, expected, tol) => {
    const r = new Rng(123);
    expect(Math.abs(mean(draws(20_000, () => f(r))) - expected)).toBeLessThan(tol);
  });

  it('truncates instrument noise at 3σ, so no absurd tails reach a reading', () => {
    const r = new Rng(5);
    const xs = draws(20_000, () => r.truncNormal(20));
    expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(60);
    expect(sd(xs)).toBeGreaterThan(18);
  });

  it('gives OU noise its stationary sd whatever the sampling step, so intervals do not change the physics', () => {
    for (const step of [1_000, 60_000, 900_000]) {
      const ou = new OU(new Rng(9), 30_000, 2);
      const xs = draws(10_000, (() => { let t = 0; return () => ou.at((t += step)); })());
      expect(Math.abs(sd(xs) - 2)).toBeLessThan(0.15);
    }
  });
});
