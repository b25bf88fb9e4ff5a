// A small registry used by tests across parts: two enterprises in different counties.
import type { RegistryDef } from '../../core/registry.ts';

export function smallRegistry(): RegistryDef {
  const sensor = (id: string, type: string, extra: Record<string, unknown> = {}) => ({ id, type, name: `传感器 ${id}`, commissioned: '2024-01-01', params: {}, relations: [], ...extra });
  return {
    enterprises: [
      {
        id: 'e1', name: '示例煤业', county: '530302', sector: 'coal', state: { state: 'normal' },
        sites: [{ id: 's1', name: '一号井', kind: 'coal_mine', location: { lat: 25.5, lon: 103.8 }, areas: [], items: [], params: {},
          sensors: [sensor('ch4-1', 'mine_ch4'), sensor('ch4-2', 'mine_ch4'), sensor('feed-1', 'mine_feed'), sensor('pm-1', 'power_meter')] }],
        devices: [
          { id: 'd1', name: '分站1', kind: 'gateway', sensors: ['ch4-1', 'feed-1'], credential: 'demo' },
          { id: 'd2', name: '分站2', kind: 'gateway', sensors: ['ch4-2', 'pm-1'], credential: 'demo' },
        ],
      },
      {
        id: 'e2', name: '示例化工', county: '530402', sector: 'hazchem', state: { state: 'normal' },
        sites: [{ id: 's1', name: '厂区', kind: 'chemical_plant', location: { lat: 24.3, lon: 102.5 }, areas: [], items: [], params: {},
          sensors: [sensor('ch4-1', 'gas_combustible'), sensor('lel-2', 'gas_combustible')] }],
        devices: [{ id: 'd1', name: '网关', kind: 'gateway', sensors: ['ch4-1', 'lel-2'], credential: 'demo' }],
      },
    ],
    users: [
      { username: 'admin', name: '管理员', role: 'admin', scope: { kind: 'platform' }, password: { demo: 'riskwatch-demo' } },
      { username: 'operator', name: '值班员', role: 'operator', scope: { kind: 'platform' }, password: { demo: 'riskwatch-demo' } },
      { username: 'e1user', name: '企业用户', role: 'enterprise', scope: { kind: 'enterprise', enterpriseId: 'e1' }, password: { demo: 'riskwatch-demo' } },
      { username: 'qujing', name: '曲靖监管', role: 'regulator', scope: { kind: 'jurisdiction', codes: ['530300'] }, password: { demo: 'riskwatch-demo' } },
    ],
  } as RegistryDef;
}
