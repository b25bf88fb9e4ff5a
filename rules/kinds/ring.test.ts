import { describe, expect, it } from 'vitest';
import { newRing, ringClear, ringPush, RingShape, ringSlopePerBucket, ringSpanBuckets, type RingState } from './ring.ts';

function ring(cap: number, bucketMs: number): { shape: RingShape; st: RingState } {
  const shape = new RingShape(cap, bucketMs);
  return { shape, st: newRing(shape) };
}

/** The definition, computed from scratch: bucket means of the last `cap` buckets, least-squares slope. */
function reference(points: readonly (readonly [number, number])[], cap: number, bucketMs: number) {
  if (points.length === 0) return { n: 0, slope: NaN, span: 0 };
  const head = Math.floor(points[points.length - 1]![0] / bucketMs);
  const buckets = new Map<number, { sum: number; count: number }>();
  for (const [ts, v] of points) {
    const b = Math.floor(ts / bucketMs);
    if (b <= head - cap) continue;
    const e = buckets.get(b) ?? { sum: 0, count: 0 };
    e.sum += v;
    e.count += 1;
    buckets.set(b, e);
  }
  const xs = [...buckets.keys()];
  const ys = xs.map((b) => buckets.get(b)!.sum / buckets.get(b)!.count);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return { n, slope: n < 2 ? NaN : sxy / sxx, span: n < 2 ? 0 : head - Math.min(...xs) };
}

describe('ring: running least-squares sums equal the definition', () => {
  const rows: { why: string; cap: number; bucketMs: number; seed: number; steps: number; base: number; maxGap: number; jumpAt?: number }[] = [
    { why: 'one sample per bucket, 60 buckets, many revolutions (periodic recompute and rebase)', cap: 60, bucketMs: 1000, seed: 1, steps: 2000, base: 0, maxGap: 1500 },
    { why: 'several samples per bucket are averaged', cap: 60, bucketMs: 10_000, seed: 2, steps: 2000, base: 0, maxGap: 4000 },
    { why: 'gaps of several buckets (cleared slots, tail moves)', cap: 20, bucketMs: 1000, seed: 3, steps: 1500, base: 0, maxGap: 9000 },
    { why: 'large values with small changes (pond level 2345.678 m): the float64 base keeps float32 offsets precise', cap: 60, bucketMs: 600_000, seed: 4, steps: 1500, base: 2345.678, maxGap: 900_000 },
    { why: 'gaps longer than the window empty it', cap: 8, bucketMs: 1000, seed: 5, steps: 800, base: 10, maxGap: 12_000 },
    { why: 'a step of 1e6, then small changes: once the step has left the window, the base has followed (float32 offsets small again)', cap: 30, bucketMs: 1000, seed: 6, steps: 800, base: 0, maxGap: 1500, jumpAt: 100 },
  ];
  it.each(rows)('$why', ({ cap, bucketMs, seed, steps, base, maxGap, jumpAt }) => {
    const { shape, st } = ring(cap, bucketMs);
    let x = seed;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const points: [number, number][] = [];
    let ts = Date.UTC(2025, 0, 1) + seed * 777;
    let v = base;
    for (let i = 0; i < steps; i++) {
      ts += Math.floor(rnd() * maxGap);
      v += (rnd() - 0.45) * 0.01 + (i === jumpAt ? 1e6 : 0);
      expect(ringPush(shape, st, ts, v)).toBe(true);
      points.push([ts, v]);
      const ref = reference(points, cap, bucketMs);
      expect(st.n).toBe(ref.n);
      expect(ringSpanBuckets(st)).toBe(ref.span);
      const got = ringSlopePerBucket(st);
      // While the step is in the window (or in points stored before the base moved), float32 offsets of
      // 1e6 carry ~0.06 of rounding: the precision is relative to the values' range, as documented.
      if (jumpAt !== undefined && i >= jumpAt && i < jumpAt + 4 * cap) continue;
      if (Number.isNaN(ref.slope)) expect(got).toBeNaN();
      else expect(Math.abs(got - ref.slope)).toBeLessThan(1e-5 * (1 + Math.abs(ref.slope)));
    }
  });
});

describe('ring: edges', () => {
  it('refuses a point older than the head bucket, accepts one in it', () => {
    const { shape, st } = ring(10, 1000);
    expect(ringPush(shape, st, 10_500, 1)).toBe(true);
    expect(ringPush(shape, st, 10_000, 2)).toBe(true); // same bucket 10: merged
    expect(ringPush(shape, st, 9_999, 3)).toBe(false);
    expect(st.n).toBe(1);
    expect(st.hc).toBe(2);
  });
  it('an exact straight line gives its slope exactly', () => {
    const { shape, st } = ring(60, 1000);
    for (let t = 0; t <= 50; t += 10) ringPush(shape, st, 1_000_000 + t * 1000, 3 * t);
    expect(ringSlopePerBucket(st)).toBe(3);
    expect(ringSpanBuckets(st)).toBe(50);
  });
  it('clear empties it', () => {
    const { shape, st } = ring(10, 1000);
    ringPush(shape, st, 0, 1);
    ringPush(shape, st, 1000, 2);
    ringClear(shape, st);
    expect(st.n).toBe(0);
    expect(ringSlopePerBucket(st)).toBeNaN();
    expect(ringPush(shape, st, 500, 1)).toBe(true);
  });
});
