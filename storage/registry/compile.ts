// Compiles registry documents into the lookup maps the hot paths use (ingest, broker ACL, API).
import { sensorType } from '../../core/sensor-types.ts';
import { deviceUsername, sensorKey } from '../../core/ids.ts';
import type { EnterpriseDef, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { IngestSensor } from '../../ingest/registry-view.ts';

export interface CompiledSensor extends IngestSensor {
  info: SensorInfo;
  intervalS: number;
}

export interface CompiledDevice {
  enterpriseId: string;
  deviceId: string;
  username: string;
  kind: 'sensor' | 'gateway';
  name: string;
  /** `sensors/{e}/{site}/{sensor}` topics this device may publish to. */
  topics: ReadonlySet<string>;
  sensorIds: readonly string[];
  /** `$6$` hash, or null when the credential is the demo one. */
  hash: string | null;
  demo: boolean;
  revoked: boolean;
}

export interface CompiledRegistry {
  enterprises: Map<string, EnterpriseDef>;
  sites: Map<string, SiteDef & { enterpriseId: string }>;
  sensors: Map<string, CompiledSensor>;
  devices: Map<string, CompiledDevice>;
}

export interface CredentialRow { enterprise: string; device: string; hash: string; revoked: number }

export function compileRegistry(enterprises: EnterpriseDef[], credentials: CredentialRow[]): CompiledRegistry {
  const out: CompiledRegistry = { enterprises: new Map(), sites: new Map(), sensors: new Map(), devices: new Map() };
  const creds = new Map(credentials.map((c) => [deviceUsername(c.enterprise, c.device), c]));
  for (const e of enterprises) {
    out.enterprises.set(e.id, e);
    const devicesOf = new Map<string, string[]>();
    for (const d of e.devices) for (const s of d.sensors) devicesOf.set(s, [...(devicesOf.get(s) ?? []), d.id]);
    const siteOf = new Map<string, string>();
    for (const site of e.sites) {
      out.sites.set(`${e.id}/${site.id}`, { ...site, enterpriseId: e.id });
      for (const s of site.sensors) {
        const type = sensorType(s.type)!;
        const deviceIds = devicesOf.get(s.id) ?? [];
        const info: SensorInfo = { ...s, enterpriseId: e.id, siteId: site.id, deviceIds, commissionedMs: Date.parse(s.commissioned) };
        siteOf.set(s.id, site.id);
        out.sensors.set(sensorKey(e.id, s.id), {
          enterpriseId: e.id, siteId: site.id, sensorId: s.id, commissionedMs: info.commissionedMs,
          metrics: new Map(Object.entries(type.metrics).map(([k, m]) => [k, m.kind])), devices: new Set(deviceIds),
          info, intervalS: type.intervalS,
        });
      }
    }
    for (const d of e.devices) {
      const username = deviceUsername(e.id, d.id);
      const cred = creds.get(username);
      const topics = d.sensors.filter((s) => siteOf.has(s)).map((s) => `sensors/${e.id}/${siteOf.get(s)}/${s}`);
      out.devices.set(username, {
        enterpriseId: e.id, deviceId: d.id, username, kind: d.kind, name: d.name, topics: new Set(topics), sensorIds: d.sensors,
        hash: cred ? cred.hash : d.credential === 'demo' ? null : d.credential,
        demo: !cred && d.credential === 'demo',
        revoked: cred ? cred.revoked === 1 : false,
      });
    }
  }
  return out;
}
