// The demo registry seed (config/demo.yaml) must parse with the registry schema and be internally consistent:
// every reference inside it (device → sensor, sensor → area/item, relation → sensor, user → enterprise)
// resolves, so the platform, the simulators and the rules can rely on it without defensive checks.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RegistrySchema, type EnterpriseDef, type SensorDef, type SiteDef } from '../core/registry.ts';
import { sensorType } from '../core/sensor-types.ts';

const registry = RegistrySchema.parse(parse(readFileSync(new URL('./demo.yaml', import.meta.url), 'utf8')));

interface Placed {
  enterprise: EnterpriseDef;
  site: SiteDef;
  sensor: SensorDef;
}
const placed: Placed[] = registry.enterprises.flatMap((enterprise) =>
  enterprise.sites.flatMap((site) => site.sensors.map((sensor) => ({ enterprise, site, sensor }))),
);
const sensorsOf = (e: EnterpriseDef): SensorDef[] => e.sites.flatMap((s) => s.sensors);
const ofType = (type: string): Placed[] => placed.filter((p) => p.sensor.type === type);

describe('config/demo.yaml', () => {
  it('holds 100–200 sensors, enough to look like a province without slowing the demo', () => {
    expect(placed.length).toBeGreaterThanOrEqual(100);
    expect(placed.length).toBeLessThanOrEqual(200);
  });

  it('keeps sensor, site and device ids unique within an enterprise, because topics and keys are enterprise-scoped', () => {
    for (const e of registry.enterprises) {
      const sensorIds = sensorsOf(e).map((s) => s.id);
      expect(new Set(sensorIds).size, e.id).toBe(sensorIds.length);
      const siteIds = e.sites.map((s) => s.id);
      expect(new Set(siteIds).size, e.id).toBe(siteIds.length);
      const deviceIds = e.devices.map((d) => d.id);
      expect(new Set(deviceIds).size, e.id).toBe(deviceIds.length);
    }
    const enterpriseIds = registry.enterprises.map((e) => e.id);
    expect(new Set(enterpriseIds).size).toBe(enterpriseIds.length);
  });

  it('lists every sensor in exactly one device of its enterprise, so each one has exactly one publisher', () => {
    for (const e of registry.enterprises) {
      const count = new Map<string, number>();
      for (const d of e.devices) for (const id of d.sensors) count.set(id, (count.get(id) ?? 0) + 1);
      for (const s of sensorsOf(e)) expect(count.get(s.id), `${e.id}/${s.id}`).toBe(1);
    }
  });

  it('names only existing sensors in device lists, or the ACL would grant topics nobody defined', () => {
    for (const e of registry.enterprises) {
      const ids = new Set(sensorsOf(e).map((s) => s.id));
      for (const d of e.devices) for (const id of d.sensors) expect(ids.has(id), `${e.id}.${d.id} → ${id}`).toBe(true);
    }
  });

  it('uses the demo credential on every device, so the demo needs no secrets in the file', () => {
    for (const e of registry.enterprises) for (const d of e.devices) expect(d.credential, `${e.id}.${d.id}`).toBe('demo');
  });

  it('points relations at existing sensors of the same enterprise and of the right type, so cross-checks resolve', () => {
    const expectedType = { feed: 'mine_feed', fan: 'mine_fan', meter: 'power_meter' } as const;
    for (const e of registry.enterprises) {
      const byId = new Map(sensorsOf(e).map((s) => [s.id, s]));
      for (const s of sensorsOf(e)) {
        for (const r of s.relations) {
          const target = byId.get(r.sensor);
          expect(target, `${e.id}/${s.id} → ${r.kind}:${r.sensor}`).toBeDefined();
          expect(r.sensor, `${e.id}/${s.id} relates to itself`).not.toBe(s.id);
          if (r.kind === 'neighbour') expect(target?.type, `${e.id}/${s.id} neighbour`).toBe(s.type);
          else expect(target?.type, `${e.id}/${s.id} ${r.kind}`).toBe(expectedType[r.kind]);
        }
      }
    }
  });

  it('names only areas and monitored items that its site defines, so roll-ups by area and item find them', () => {
    for (const { enterprise, site, sensor } of placed) {
      const where = `${enterprise.id}/${sensor.id}`;
      if (sensor.area != null) expect(site.areas.map((a) => a.id), where).toContain(sensor.area);
      if (sensor.item != null) expect(site.items.map((i) => i.id), where).toContain(sensor.item);
    }
  });

  it('gives every enterprise a 15-min power meter, because the electricity rules (R1) cover all of them', () => {
    for (const e of registry.enterprises) {
      const meters = sensorsOf(e).filter((s) => s.type === 'power_meter');
      expect(meters.length, e.id).toBeGreaterThanOrEqual(1);
      for (const m of meters) {
        expect(m.params.ratedKw, `${e.id}/${m.id}`).toBeTypeOf('number');
        expect(['day_shift', 'two_shift', 'continuous', 'seasonal'], `${e.id}/${m.id}`).toContain(m.params.profile);
      }
    }
  });

  it('covers the tailings, coal, gas, dust, electricity and process families, so every rule pack has data', () => {
    const families = new Set(placed.map((p) => sensorType(p.sensor.type)?.family));
    for (const f of ['tailings', 'coal', 'gas', 'dust', 'electricity', 'process']) expect(families.has(f as never), f).toBe(true);
  });

  it('places enterprises in the five seed counties with sensible coordinates, so the map shows every jurisdiction', () => {
    const prefixes = new Set(registry.enterprises.map((e) => e.county.slice(0, 4)));
    for (const p of ['5303', '5304', '5308', '5309', '5334']) expect(prefixes.has(p), p).toBe(true);
    for (const e of registry.enterprises) {
      for (const s of e.sites) {
        // Yunnan lies within about 21–29.5 °N, 97.5–106.5 °E.
        expect(s.location.lat, e.id).toBeGreaterThan(21);
        expect(s.location.lat, e.id).toBeLessThan(29.5);
        expect(s.location.lon, e.id).toBeGreaterThan(97.5);
        expect(s.location.lon, e.id).toBeLessThan(106.5);
      }
    }
  });

  it('ties every mine methane sensor to the feed it cuts (and heading ones to their local fan), for 断电失败 and 局扇停风 rules', () => {
    const ch4 = ofType('mine_ch4');
    expect(ch4.length).toBeGreaterThanOrEqual(10);
    for (const { enterprise, sensor } of ch4) {
      const where = `${enterprise.id}/${sensor.id}`;
      const p = sensor.params;
      expect(['T0', 'T1', 'T2', 'T3', 'heading', 'return'], where).toContain(p.location);
      for (const k of ['alarm', 'cutPower', 'restore']) expect(p[k], `${where}.${k}`).toBeTypeOf('number');
      expect(Number(p.alarm) <= Number(p.cutPower), where).toBe(true);
      expect(sensor.relations.filter((r) => r.kind === 'feed'), where).toHaveLength(1);
      const inHeading = p.location === 'heading' || sensor.area?.startsWith('heading') === true;
      if (inHeading) expect(sensor.relations.filter((r) => r.kind === 'fan'), where).toHaveLength(1);
    }
    expect(ch4.some((p) => p.sensor.params.location === 'heading')).toBe(true);
  });

  it('puts at least two combustible detectors in one area with neighbour links, so the "two detectors orange → red" rule can fire', () => {
    const perArea = new Map<string, number>();
    for (const { enterprise, site, sensor } of ofType('gas_combustible')) {
      const key = `${enterprise.id}/${site.id}/${sensor.area ?? ''}`;
      perArea.set(key, (perArea.get(key) ?? 0) + 1);
      expect(sensor.params.gas, sensor.id).toBeTypeOf('string');
    }
    expect([...perArea.values()].some((n) => n >= 2)).toBe(true);
    expect(ofType('gas_combustible').some((p) => p.sensor.relations.some((r) => r.kind === 'neighbour'))).toBe(true);
  });

  it('carries the params the rules read for each type (design values, baselines), so no rule falls back silently', () => {
    const required: Record<string, string[]> = {
      gas_h2s: ['alarm1', 'alarm2'],
      gas_co: ['alarm1', 'alarm2'],
      gas_nh3: ['alarm1', 'alarm2'],
      gas_cl2: ['alarm1', 'alarm2'],
      dust_dp: ['baselinePa'],
      residual_current: ['alarm'],
      cable_temp: ['insulation'],
      tailings_phreatic: ['controlDepth', 'normalDepth'],
      tailings_beach: ['minLength'],
      tailings_pond_level: ['operatingLevel', 'preFloodLevel', 'designMaxFloodLevel', 'beachSlope'],
      tailings_gnss: ['section', 'normalCreepMmPerDay'],
      tank_level: ['height'],
      process_pressure: ['design'],
    };
    for (const { enterprise, sensor } of placed) {
      for (const k of required[sensor.type] ?? []) expect(sensor.params[k], `${enterprise.id}/${sensor.id}.${k}`).toBeDefined();
    }
    for (const { sensor } of ofType('dust_dp')) {
      expect(Number(sensor.params.baselinePa)).toBeGreaterThanOrEqual(800);
      expect(Number(sensor.params.baselinePa)).toBeLessThanOrEqual(1500);
    }
    for (const { sensor } of ofType('tailings_pond_level')) {
      const { operatingLevel: op, preFloodLevel: pre, designMaxFloodLevel: max } = sensor.params;
      expect(Number(op) < Number(pre) && Number(pre) < Number(max), sensor.id).toBe(true);
    }
  });

  it('describes the wet tailings pond fully (grade, 头顶库, all five monitored items), as seed 001 requires for wet ponds', () => {
    const ponds = registry.enterprises.flatMap((e) => e.sites).filter((s) => s.kind === 'tailings_pond');
    expect(ponds.length).toBeGreaterThanOrEqual(1);
    for (const pond of ponds) {
      expect(pond.tailings, pond.id).toBeTruthy();
      const types = new Set(pond.sensors.map((s) => s.type));
      for (const t of ['tailings_gnss', 'tailings_phreatic', 'tailings_pond_level', 'tailings_beach', 'rain_gauge']) expect(types.has(t), t).toBe(true);
      for (const s of pond.sensors.filter((x) => sensorType(x.type)?.family === 'tailings')) expect(s.item, s.id).toBeTruthy();
    }
  });

  it('gives each dust collector a full set of dp, hopper temperature, valve and spark sensors (AQ 4273 mandatory inputs)', () => {
    const collectors = new Map<string, Set<string>>();
    for (const { enterprise, sensor } of placed.filter((p) => sensorType(p.sensor.type)?.family === 'dust')) {
      const key = `${enterprise.id}/${String(sensor.params.collector)}`;
      collectors.set(key, (collectors.get(key) ?? new Set()).add(sensor.type));
    }
    expect(collectors.size).toBeGreaterThanOrEqual(3);
    for (const [key, types] of collectors) expect([...types].sort(), key).toEqual(['dust_dp', 'dust_hopper_temp', 'dust_spark', 'dust_valve']);
    const sugar = registry.enterprises.flatMap((e) => e.sites).find((s) => s.params.season === 'sugar');
    expect(sugar?.params).toMatchObject({ seasonFrom: '11-01', seasonTo: '04-30' });
  });

  it('has the demo users with demo passwords and scopes that resolve, so every role can log in to the demo', () => {
    const byName = new Map(registry.users.map((u) => [u.username, u]));
    expect(byName.get('admin')).toMatchObject({ role: 'admin', scope: { kind: 'platform' } });
    expect(byName.get('operator')).toMatchObject({ role: 'operator', scope: { kind: 'platform' } });
    expect(byName.get('qilin')).toMatchObject({ role: 'regulator', scope: { kind: 'jurisdiction', codes: ['530302'] } });
    const enterpriseIds = new Set(registry.enterprises.map((e) => e.id));
    const enterpriseUsers = registry.users.filter((u) => u.role === 'enterprise');
    expect(enterpriseUsers.length).toBeGreaterThanOrEqual(1);
    for (const u of registry.users) {
      expect(u.password, u.username).toEqual({ demo: 'riskwatch-demo' });
      if (u.scope.kind === 'enterprise') expect(enterpriseIds.has(u.scope.enterpriseId), u.username).toBe(true);
      if (u.role === 'enterprise') expect(u.scope.kind, u.username).toBe('enterprise');
    }
  });
});
