import { describe, it, expect } from 'vitest';
import { flattenRegistry } from './world.ts';
import { testRegistry } from './testkit.ts';

describe('flattenRegistry', () => {
  it('gives each sensor its enterprise, site, devices and commissioning time', () => {
    const flat = flattenRegistry(testRegistry([{ id: 'a', type: 'gas_co', commissioned: '2025-03-01' }]));
    expect(flat.sensors[0]?.key).toBe('e1/a');
    expect(flat.sensors[0]?.siteKey).toBe('e1/s1');
    expect(flat.sensors[0]?.info.deviceIds).toEqual(['d1']);
    expect(flat.sensors[0]?.info.commissionedMs).toBe(Date.parse('2025-03-01'));
  });

  it('publishes a sensor listed by two devices through the first only, and skips unknown ids', () => {
    const reg = testRegistry([{ id: 'a', type: 'gas_co' }, { id: 'b', type: 'gas_co' }]);
    reg.enterprises[0]!.devices.push({ id: 'd2', name: 'x', kind: 'sensor', sensors: ['a', 'ghost'], credential: 'demo' });
    const flat = flattenRegistry(reg);
    expect(flat.devices.map((d) => [d.deviceId, d.sensors])).toEqual([['d1', ['e1/a', 'e1/b']]]);
  });
});
