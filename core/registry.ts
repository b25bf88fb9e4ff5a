// The registry's vocabulary: enterprises, sites, areas, tailings items, sensors, devices, users and
// API tokens. One zod schema per entity; types are derived from it. The YAML seed (app/config) and the
// live store (storage/registry) both speak this shape.
import { z } from 'zod';
import { ID_RE, RESERVED_ENTERPRISE_IDS } from './ids.ts';
import { SENSOR_TYPE_IDS } from './sensor-types.ts';

export const Id = z.string().regex(ID_RE, 'ids are 1–64 characters of a-z 0-9 _ -, starting with a letter or digit');
export const RegionCode = z.string().regex(/^\d{6}$/, 'a GB/T 2260 code of six digits');

export const SECTORS = ['hazchem', 'coal', 'non_coal_mine', 'tailings', 'dust', 'metallurgy', 'lifeline', 'other'] as const;
export const ENTERPRISE_STATES = ['normal', 'suspended', 'pending_acceptance', 'closed'] as const;
export const SITE_KINDS = ['tailings_pond', 'coal_mine', 'chemical_plant', 'dust_workshop', 'factory', 'other'] as const;

const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date or date-time');

export const EnterpriseStateSchema = z.strictObject({
  state: z.enum(ENTERPRISE_STATES),
  from: IsoDate.nullish(),
  to: IsoDate.nullish(),
  acceptedAt: IsoDate.nullish(),
  note: z.string().max(2000).nullish(),
});

export const SensorRelation = z.strictObject({
  /** feed: the feed-status (馈电) sensor of the switchgear this sensor cuts; fan: the local fan it depends on;
   * neighbour: a detector nearby (gas plume); meter: the electricity meter of the production it guards. */
  kind: z.enum(['feed', 'fan', 'neighbour', 'meter']),
  sensor: Id,
});

export const SensorSchema = z.strictObject({
  id: Id,
  type: z.enum(SENSOR_TYPE_IDS as [string, ...string[]]),
  name: z.string().min(1).max(200),
  area: Id.nullish(),
  item: Id.nullish(),
  commissioned: IsoDate,
  /** Design values and instrument facts (location code, baseline, design thresholds …), free-form. */
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  relations: z.array(SensorRelation).default([]),
});

export const SiteSchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  kind: z.enum(SITE_KINDS),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
  tailings: z
    .strictObject({
      grade: z.number().int().min(1).max(5),
      wet: z.boolean(),
      /** 头顶库: residents or important facilities within 1 km downstream (seed 001). */
      headTop: z.boolean(),
      evacuationLeadMinutes: z.number().positive(),
    })
    .nullish(),
  areas: z.array(z.strictObject({ id: Id, name: z.string().min(1) })).default([]),
  items: z.array(z.strictObject({ id: Id, name: z.string().min(1), kind: z.string().min(1) })).default([]),
  /** Site facts used by rules and simulators (production profile, season, design levels …), free-form. */
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  sensors: z.array(SensorSchema).default([]),
});

export const DeviceSchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  kind: z.enum(['sensor', 'gateway']),
  /** The sensors (by id, within the enterprise) this device may report for. */
  sensors: z.array(Id).min(1),
  /** `$6$salt$hash` (mosquitto form) of the device token; or `demo` for a demo credential derived
   * from the data dir's demo secret (loopback only). */
  credential: z.union([z.literal('demo'), z.string().regex(/^\$6\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)]),
});

export const EnterpriseSchema = z.strictObject({
  id: Id.refine((s) => !RESERVED_ENTERPRISE_IDS.has(s), '`token` is reserved'),
  name: z.string().min(1).max(200),
  county: RegionCode,
  sector: z.enum(SECTORS),
  state: EnterpriseStateSchema.default({ state: 'normal' }),
  sites: z.array(SiteSchema).default([]),
  devices: z.array(DeviceSchema).default([]),
});

export const ScopeSchema = z.union([
  z.strictObject({ kind: z.literal('platform') }),
  z.strictObject({ kind: z.literal('enterprise'), enterpriseId: Id }),
  z.strictObject({ kind: z.literal('jurisdiction'), codes: z.array(RegionCode).min(1), sectors: z.array(z.enum(SECTORS)).optional() }),
]);

export const UserSchema = z.strictObject({
  username: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/),
  name: z.string().min(1).max(200),
  role: z.enum(['admin', 'operator', 'regulator', 'enterprise']),
  scope: ScopeSchema,
  /** `scrypt$…` hash, or `{demo: "plain"}` for a demo login refused on non-loopback listeners. */
  password: z.union([z.string().startsWith('scrypt$'), z.strictObject({ demo: z.string().min(8) })]),
});

export const RegistrySchema = z.strictObject({
  enterprises: z.array(EnterpriseSchema).default([]),
  users: z.array(UserSchema).default([]),
});

export type EnterpriseState = z.infer<typeof EnterpriseStateSchema>;
export type SensorDef = z.infer<typeof SensorSchema>;
export type SiteDef = z.infer<typeof SiteSchema>;
export type DeviceDef = z.infer<typeof DeviceSchema>;
export type EnterpriseDef = z.infer<typeof EnterpriseSchema>;
export type UserDef = z.infer<typeof UserSchema>;
export type RegistryDef = z.infer<typeof RegistrySchema>;
export type ScopeDef = z.infer<typeof ScopeSchema>;

/** A sensor as the hot path sees it: flattened, with its enterprise and site. */
export interface SensorInfo extends SensorDef {
  enterpriseId: string;
  siteId: string;
  deviceIds: string[];
  commissionedMs: number;
}

export interface DeviceInfo extends DeviceDef {
  enterpriseId: string;
  username: string;
  revoked: boolean;
}
