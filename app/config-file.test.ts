import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile } from './config-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'rw-config-'));
function problems(yaml: string): string[] {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try { loadConfigFile(file); return []; } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.line}|${p.path}|${p.message}`);
  }
}
const enterprise = (extra = '') => `enterprises:
  - id: e1
    name: 示例
    county: "530302"
    sector: coal
    sites:
      - id: s1
        name: 井
        kind: coal_mine
        location: { lat: 25.5, lon: 103.8 }
        areas: [{ id: a1, name: 采区 }]
        sensors:
          - { id: ch4-1, type: mine_ch4, name: 甲烷, commissioned: "2024-01-01", area: a1 }
    devices:
      - { id: d1, name: 分站, kind: gateway, sensors: [ch4-1], credential: demo }
${extra}`;

describe('loadConfigFile (riskwatch check-config)', () => {
  it('accepts the shipped demo registry', () => {
    expect(loadConfigFile('config/demo.yaml').registry.enterprises.length).toBeGreaterThan(4);
  });
  it('accepts a minimal valid file', () => { expect(problems(enterprise())).toEqual([]); });
  it.each([
    ['a bad id names the line and path', enterprise().replace('id: e1', 'id: E1'), '2|enterprises.0.id|'],
    ['an unknown sensor type', enterprise().replace('type: mine_ch4', 'type: methane'), '13|enterprises.0.sites.0.sensors.0.type|'],
    ['an unknown field (typo) is refused, not ignored', enterprise().replace('sector: coal', 'sector: coal\n    secotr: x'), '|enterprises.0|'],
    ['a device listing an unregistered sensor', enterprise().replace('sensors: [ch4-1]', 'sensors: [ch4-1, ch4-9]'), '15|enterprises.0.devices.0.sensors.1|device d1 lists sensor ch4-9'],
    ['a sensor in an undefined area', enterprise().replace('area: a1 }', 'area: a2 }'), '13|enterprises.0.sites.0.sensors.0.area|area a2 is not defined'],
    ['YAML syntax', 'enterprises: [\n', '||'],
  ])('%s', (_why, yaml, expected) => {
    const got = problems(yaml);
    expect(got.length).toBeGreaterThan(0);
    expect(got.some((p) => p.includes(expected.split('|')[1]!) && p.startsWith(expected.split('|')[0]!) && p.includes(expected.split('|')[2]!))).toBe(true);
  });
});
