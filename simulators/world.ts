// The simulated world: the registry flattened into sensors and devices, plus the shared physics
// (weather and pond hydrology per site) built lazily and memoised, so every model of a site reads the
// same rain and the same pond.
import type { DeviceDef, RegistryDef, SensorInfo } from '../core/registry.ts';
import { eventsOfKind, type SensorKey, type SimEvent, type SiteKey } from './events.ts';
import { keyOf, type SimSensor, type World } from './model.ts';
import { createWeather, type Weather } from './weather.ts';
import { createHydrology, pondParams, type Hydrology } from './models/hydrology.ts';

export interface SimDeviceDef {
  enterpriseId: string;
  deviceId: string;
  kind: DeviceDef['kind'];
  /** Sensor keys this device publishes for (each sensor is published by the first device that lists it). */
  sensors: SensorKey[];
}

export interface FlatRegistry {
  sensors: SimSensor[];
  devices: SimDeviceDef[];
}

export function flattenRegistry(registry: RegistryDef): FlatRegistry {
  const sensors: SimSensor[] = [];
  const devices: SimDeviceDef[] = [];
  for (const ent of registry.enterprises) {
    const owner = new Map<string, string[]>();
    for (const d of ent.devices) for (const s of d.sensors) {
      const list = owner.get(s);
      if (list) list.push(d.id);
      else owner.set(s, [d.id]);
    }
    const claimed = new Set<string>();
    const known = new Set(ent.sites.flatMap((site) => site.sensors.map((x) => x.id)));
    for (const site of ent.sites) {
      for (const s of site.sensors) {
        const info: SensorInfo = {
          ...s,
          enterpriseId: ent.id,
          siteId: site.id,
          deviceIds: owner.get(s.id) ?? [],
          commissionedMs: Date.parse(s.commissioned),
        };
        sensors.push({ key: keyOf(info), siteKey: `${ent.id}/${site.id}`, info, site });
      }
    }
    for (const d of ent.devices) {
      const mine = d.sensors.filter((s) => !claimed.has(s) && known.has(s));
      for (const s of mine) claimed.add(s);
      if (mine.length > 0) devices.push({ enterpriseId: ent.id, deviceId: d.id, kind: d.kind, sensors: mine.map((s) => `${ent.id}/${s}`) });
    }
  }
  return { sensors, devices };
}

export function createWorld(opts: { seed: number; originMs: number; events: readonly SimEvent[]; sensors: readonly SimSensor[] }): World {
  const byKey = new Map(opts.sensors.map((s) => [s.key, s]));
  const bySite = new Map<SiteKey, SimSensor[]>();
  for (const s of opts.sensors) {
    const list = bySite.get(s.siteKey);
    if (list) list.push(s);
    else bySite.set(s.siteKey, [s]);
  }
  const storms = eventsOfKind(opts.events, 'storm');
  const weathers = new Map<SiteKey, Weather>();
  const ponds = new Map<SiteKey, Hydrology>();

  const world: World = {
    seed: opts.seed,
    originMs: opts.originMs,
    events: opts.events,
    sensor: (key) => byKey.get(key),
    sensorsOfSite: (site) => bySite.get(site) ?? [],
    weather(site) {
      let w = weathers.get(site);
      if (!w) weathers.set(site, (w = createWeather(opts.seed, site, storms)));
      return w;
    },
    hydrology(site) {
      let h = ponds.get(site);
      if (!h) {
        const members = bySite.get(site) ?? [];
        const gauge = members.find((s) => s.info.type === 'tailings_pond_level');
        const siteParams = members[0]?.site.params ?? {};
        const blocked = eventsOfKind(opts.events, 'drain_blocked').filter((e) => e.site === site);
        h = createHydrology(world.weather(site), pondParams({ ...siteParams, ...(gauge?.info.params ?? {}) }), opts.originMs, blocked);
        ponds.set(site, h);
      }
      return h;
    },
  };
  return world;
}
