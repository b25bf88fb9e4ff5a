import { describe, expect, it } from 'vitest';
import { num, ordered, r, step } from './build.ts';
import { mgToPpm, TOXIC, tenPercentIdlhPpm } from './gas.ts';

describe('num', () => {
  const cases: { why: string; params: Record<string, unknown>; out: number | undefined }[] = [
    { why: 'a number is taken as is', params: { x: 1.5 }, out: 1.5 },
    { why: 'a numeric string from hand-written YAML counts', params: { x: '25' }, out: 25 },
    { why: 'an empty string is absent, not 0', params: { x: '' }, out: undefined },
    { why: 'a boolean is not a number', params: { x: true }, out: undefined },
    { why: 'a missing key is absent', params: {}, out: undefined },
  ];
  for (const c of cases) it(c.why, () => expect(num(c.params, 'x')).toBe(c.out));
});

describe('ordered', () => {
  const cases: { why: string; steps: Record<string, number>; dir: 'rising' | 'falling'; keep: string[] }[] = [
    { why: 'an ordered rising ladder is kept whole', steps: { blue: 1, yellow: 2, orange: 3, red: 4 }, dir: 'rising', keep: ['blue', 'yellow', 'orange', 'red'] },
    { why: 'equal values at two levels are allowed (T2: alarm = cut-power)', steps: { yellow: 1, orange: 1 }, dir: 'rising', keep: ['yellow', 'orange'] },
    { why: 'a lower level beyond a higher one is dropped (0.8 % pre-alarm at a 0.5 % location)', steps: { blue: 0.8, yellow: 0.5, orange: 0.5 }, dir: 'rising', keep: ['yellow', 'orange'] },
    { why: 'falling ladders mirror it: a blue below the yellow value could never be seen first', steps: { blue: 5, yellow: 6, orange: 4 }, dir: 'falling', keep: ['yellow', 'orange'] },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const steps = Object.fromEntries(Object.entries(c.steps).map(([k, v]) => [k, { enter: v }]));
      expect(Object.keys(ordered(steps, c.dir))).toEqual(c.keep);
    });
  }
});

describe('step and r', () => {
  it('puts the clear value inside the enter value by the deadband, rounded', () => {
    expect(step(5.5, 0.25, 'falling')).toEqual({ enter: 5.5, clear: 5.75 });
    expect(step(1.1 * 5, 0.1, 'rising')).toEqual({ enter: 5.5, clear: 5.4 });
    expect(r(1853 - 1.15 * 0.7)).toBe(1852.195);
  });
});

describe('toxic gas conversions (domain.md §2.1: ppm = mg/m³ × 24.45 / MW)', () => {
  const cases: { gas: keyof typeof TOXIC; alMg: number; alPpm: number; idlh10: number }[] = [
    { gas: 'gas_h2s', alMg: 10, alPpm: 7, idlh10: 30.8 },
    { gas: 'gas_co', alMg: 20, alPpm: 17, idlh10: 148 },
    { gas: 'gas_nh3', alMg: 20, alPpm: 29, idlh10: 51.7 },
    { gas: 'gas_cl2', alMg: 1, alPpm: 0.35, idlh10: 3.03 },
  ];
  for (const c of cases) {
    it(`${c.gas}: the table's AL ${c.alPpm} ppm is ${c.alMg} mg/m³ converted, and 10 % IDLH is ${c.idlh10} ppm`, () => {
      const g = TOXIC[c.gas];
      expect(Math.abs(mgToPpm(c.alMg, g.mw) - g.alPpm) / g.alPpm).toBeLessThan(0.03);
      expect(tenPercentIdlhPpm(g)).toBe(c.idlh10);
    });
  }
});
