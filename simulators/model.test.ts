import { describe, it, expect } from 'vitest';
import { num, paramsOf, quantise } from './model.ts';

describe('model helpers', () => {
  it.each([
    ['0.1 %LEL resolution without binary tails', 0.30000000000000004, 0.1, 0.3],
    ['1 Pa resolution', 1234.6, 1, 1235],
    ['0.01 %vol resolution', 0.456, 0.01, 0.46],
    ['0.2 mm tipping bucket', 1.0000001, 0.2, 1],
  ])('quantises to %s', (_why, x, step, expected) => {
    expect(quantise(x, step)).toBe(expected);
  });

  it('lets a sensor’s params override its site’s, and reads numbers written as strings', () => {
    const p = paramsOf({ site: { params: { profile: 'continuous', ratedKw: 100 } }, sensor: { params: { ratedKw: '250' } } });
    expect(p.profile).toBe('continuous');
    expect(num(p, 'ratedKw', 0)).toBe(250);
    expect(num(p, 'missing', 7)).toBe(7);
  });
});
