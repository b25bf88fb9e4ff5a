// The ladder's level policy is exercised row by row through the threshold kind (threshold.test.ts); these
// cases pin the helper's own API, which other kinds (rate, statistic) build on.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Level } from '../../core/level.ts';
import { checkSteps, compileLadder, fmtValue, internCompiled, ladderLevel, newLadderState, StepsSchema, type Steps } from './step.ts';

const { none: N, blue: B, yellow: Y, orange: O, red: R } = Level;

describe('Ladder', () => {
  const steps: Steps = { blue: { enter: 1 }, yellow: { enter: 2, exitS: 10 }, orange: { enter: 3 }, red: { enter: 4, enterS: 5 } };
  it('applies values with the elapsed time and keeps its state in five small integers', () => {
    const l = compileLadder(steps, 'rising');
    const st = newLadderState();
    const rows: { why: string; v: number; dt: number; want: Level }[] = [
      { why: 'orange at once (blue and yellow implied)', v: 3, dt: 0, want: O },
      { why: 'red needs 5 s: its timer starts', v: 4, dt: 1000, want: O },
      { why: 'red after 5 s of sample time (dt in ms)', v: 4, dt: 5000, want: R },
      { why: 'down to 0: red and orange leave at once, yellow holds its 10 s off-delay', v: 0, dt: 1000, want: Y },
      { why: '9.999 s below clear: yellow still held', v: 0, dt: 9999, want: Y },
      { why: 'off-delay done: nothing left (blue had no off-delay and left at once)', v: 0, dt: 1, want: N },
    ];
    for (const r of rows) expect(l.apply(st, r.v, r.dt), r.why).toBe(r.want);
    expect(Object.values(st).every((x) => Number.isInteger(x))).toBe(true);
    expect(ladderLevel(st)).toBe(N);
  });
  it('reset forgets levels and timers', () => {
    const l = compileLadder(steps, 'rising');
    const st = newLadderState();
    l.apply(st, 4, 0);
    l.apply(st, 4, 1000); // red timer running
    l.reset(st);
    expect(st).toEqual(newLadderState());
  });
  it('below every enter value with nothing active, running on-delays stop (the hot path\'s shortcut), in both directions', () => {
    for (const [dir, sign] of [['rising', 1], ['falling', -1]] as const) {
      const l = compileLadder({ blue: { enter: sign * 10, enterS: 30 }, yellow: { enter: sign * 25, enterS: 30 } }, dir);
      const st = newLadderState();
      const rows: { why: string; v: number; dt: number; want: Level }[] = [
        { why: 'past yellow: both on-delays start', v: 26, dt: 0, want: N },
        { why: '20 s in: still counting', v: 26, dt: 20_000, want: N },
        { why: 'one sample below blue: both timers stop', v: 5, dt: 5_000, want: N },
        { why: 'back past yellow: the on-delays start over, 25 s is not enough', v: 26, dt: 5_000, want: N },
        { why: '25 s after the restart', v: 26, dt: 25_000, want: N },
        { why: '30 s after the restart: yellow (blue implied)', v: 26, dt: 5_000, want: Y },
      ];
      for (const r of rows) expect(l.apply(st, sign * r.v, r.dt), `${dir}: ${r.why}`).toBe(r.want);
      l.apply(st, sign * 5, 1_000); // yellow and blue leave at once (no off-delay) …
      expect(st, `${dir}: nothing active, no timer`).toEqual(newLadderState());
    }
  });
  it('a falling ladder mirrors the comparisons; step() and meetsEnter() serve describe', () => {
    const l = compileLadder({ yellow: { enter: 19.5, clear: 19.7, native: '欠氧' } }, 'falling');
    const st = newLadderState();
    expect(l.apply(st, 19.6, 0)).toBe(N);
    expect(l.apply(st, 19.5, 1000)).toBe(Y);
    expect(l.apply(st, 19.7, 1000)).toBe(Y);
    expect(l.step(Y)?.native).toBe('欠氧');
    expect(l.meetsEnter(Y, 19.7)).toBe(false);
    expect(l.meetsEnter(Y, 19.0)).toBe(true);
    expect(l.step(N)).toBeUndefined();
    expect(l.apply(st, 19.71, 1000)).toBe(N);
  });
  it('equal steps compile once (sensors share the ladder)', () => {
    expect(compileLadder({ red: { enter: 9 } }, 'rising')).toBe(compileLadder({ red: { enter: 9 } }, 'rising'));
    expect(compileLadder({ red: { enter: 9 } }, 'rising')).not.toBe(compileLadder({ red: { enter: 9 } }, 'falling'));
    expect(internCompiled('step.test|x', () => ({ a: 1 }))).toBe(internCompiled('step.test|x', () => ({ a: 2 })));
  });
});

describe('checkSteps', () => {
  const schema = (dir: 'rising' | 'falling') => StepsSchema.superRefine((s, ctx: z.RefinementCtx) => checkSteps(s, dir, ['levels'], ctx));
  it('reports the offending path', () => {
    const r = schema('rising').safeParse({ blue: { enter: 5 }, yellow: { enter: 4, clear: 6 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['levels.yellow.clear', 'levels.yellow.enter']);
  });
  it('accepts a falling ladder in falling order', () => {
    expect(schema('falling').safeParse({ blue: { enter: 6.5, clear: 6.6 }, red: { enter: 5 } }).success).toBe(true);
  });
});

describe('fmtValue', () => {
  const rows: { v: number; want: string }[] = [
    { v: 26, want: '26.0' },
    { v: 1.02, want: '1.02' },
    { v: 0.125, want: '0.125' },
    { v: 12500, want: '12500' },
    { v: 1850.579, want: '1850.58' }, // why: an elevation against 1850.6 (pre-flood, yellow) must not read 1851
    { v: 23456.78, want: '23456.8' },
    { v: 123456.7, want: '123457' },
    { v: -60, want: '-60.0' },
    { v: 0, want: '0' },
  ];
  it.each(rows)('$v → $want', ({ v, want }) => expect(fmtValue(v)).toBe(want));

  it('formats |v| ≥ 1 exactly as toFixed does (its own fast path), ties and binary near-ties included', () => {
    const ref = (v: number) => { const a = Math.abs(v); return v.toFixed(a >= 1000 ? (Number.isInteger(v) || a >= 1e5 ? 0 : a >= 1e4 ? 1 : 2) : a >= 10 ? 1 : 2); };
    const vs: number[] = [1.005, 2.675, 1.45, 9.995, 99.95, 999.5, 1000.5, 2.5e9, 4.35, 1.255, 10.05, 10.25, 1, 10, 1000, 999.999, 9.9999, -1.005, -26.25, -1000.5];
    let x = 12345;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    for (let k = 0; k < 200_000; k++) {
      const mag = 10 ** (rnd() * 7); // 1 … 1e7
      vs.push((rnd() < 0.5 ? -1 : 1) * mag);
      // Decimal ties and values one ulp either side of them: where a fast rounding would differ.
      const d = mag >= 1e5 ? 0 : mag >= 1e4 ? 1 : mag >= 10 && mag < 1000 ? 1 : 2;
      const tie = (Math.floor(mag * 10 ** d) + 0.5) / 10 ** d;
      vs.push(tie, tie + Number.EPSILON * tie, tie - Number.EPSILON * tie);
    }
    const bad = vs.filter((v) => fmtValue(v) !== ref(v));
    expect(bad.map((v) => [v, fmtValue(v), ref(v)])).toEqual([]);
  });
});
