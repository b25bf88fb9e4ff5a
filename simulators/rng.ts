// Seeded randomness for the simulators. Contract: no Math.random anywhere under simulators/; every
// random draw comes from an Rng seeded from (simulation seed, stable labels), so the same seed gives the
// same readings (architecture.md "Pure core"). mulberry32 is small, fast and good enough for noise.

/** 32-bit FNV-1a over the parts, finished with murmur3's fmix32 so nearby labels spread well. */
export function seedOf(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = typeof part === 'number' ? `#${part}` : part;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f; // separator, so ('ab','c') ≠ ('a','bc')
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A child stream that does not consume from this one: same (seed, label) → same child. */
  fork(label: string | number): Rng {
    return new Rng(seedOf(this.seed, label));
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  gaussian(mean: number, sd: number): number {
    return mean + sd * this.normal();
  }

  /** Normal noise truncated at ±k·sd (redrawn, then clamped): instrument noise without absurd tails. */
  truncNormal(sd: number, k = 3): number {
    for (let i = 0; i < 8; i++) {
      const z = this.normal();
      if (Math.abs(z) <= k) return z * sd;
    }
    return 0;
  }

  /** exp(N(mu, sigma²)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson count with mean `lambda` (Knuth below 30, rounded normal above). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda >= 30) return Math.max(0, Math.round(this.gaussian(lambda, Math.sqrt(lambda))));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/**
 * Ornstein–Uhlenbeck noise: zero mean, stationary sd `sigma`, correlation time `tauMs`. Exact update
 * for any step, so it behaves the same whether sampled every second or every 15 minutes.
 */
export class OU {
  private x: number | null = null;
  private t = 0;

  constructor(
    private readonly rng: Rng,
    private readonly tauMs: number,
    private readonly sigma: number,
  ) {}

  at(tMs: number): number {
    if (this.x === null) {
      this.x = this.sigma * this.rng.normal();
    } else {
      const dt = Math.max(0, tMs - this.t);
      const a = Math.exp(-dt / this.tauMs);
      this.x = a * this.x + this.sigma * Math.sqrt(1 - a * a) * this.rng.normal();
    }
    this.t = tMs;
    return this.x;
  }
}
