import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { syntheticRegistry } from './synthetic.ts';
import { RegistrySchema } from '../core/registry.ts';

describe('synthetic registry (load tests)', () => {
  it('spreads exactly N sensors over exactly D devices, and passes the registry schema', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 400 }), (n, d) => {
      const reg = RegistrySchema.parse(syntheticRegistry({ sensors: n, devices: d }));
      const sensors = reg.enterprises.flatMap((e) => e.sites.flatMap((s) => s.sensors));
      const devices = reg.enterprises.flatMap((e) => e.devices);
      expect(sensors.length).toBe(n);
      expect(devices.length).toBe(Math.min(n, d));
      expect(devices.reduce((a, dv) => a + dv.sensors.length, 0)).toBe(n);
    }), { numRuns: 30 });
  });

  it('names enterprises load-001…, uses the demo credential, and resolves every relation', () => {
    const reg = syntheticRegistry({ sensors: 10_000, devices: 1_000, gatewayBatch: true });
    expect(reg.enterprises[0]?.id).toBe('load-001');
    expect(reg.enterprises.length).toBe(100);
    for (const e of reg.enterprises) {
      const ids = new Set(e.sites.flatMap((s) => s.sensors.map((x) => x.id)));
      for (const d of e.devices) {
        expect(d.credential).toBe('demo');
        expect(d.kind).toBe('gateway');
      }
      for (const s of e.sites.flatMap((x) => x.sensors)) for (const r of s.relations) expect(ids.has(r.sensor)).toBe(true);
    }
  });

  it('has every site kind once there are five devices, so every scenario finds its targets', () => {
    const kinds = new Set(syntheticRegistry({ sensors: 40, devices: 5 }).enterprises.map((e) => e.sites[0]?.kind));
    expect(kinds).toEqual(new Set(['chemical_plant', 'coal_mine', 'dust_workshop', 'tailings_pond', 'factory']));
  });
});
