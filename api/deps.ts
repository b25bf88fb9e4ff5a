// What the API needs from the other parts; app/ wires the implementations (stores satisfy these
// structurally, so api/ never imports storage/).
import type { EnterpriseDef, EnterpriseState } from '../core/registry.ts';
import type { Principal, Role, Scope } from '../core/scope.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { LatestReading } from '../ingest/latest.ts';
import type { AlertService } from '../rules/alerts/service.ts';
import type { ApiAuth } from './auth.ts';

export interface ApiSensor {
  enterpriseId: string; siteId: string; sensorId: string; intervalS: number;
  info: { name: string; type: string; area?: string | null; item?: string | null; deviceIds: string[]; params: Record<string, unknown>; relations: unknown[] };
}

export interface ApiRegistryView {
  enterprises: ReadonlyMap<string, EnterpriseDef>;
  sensors: ReadonlyMap<string, ApiSensor>;
}

export interface ApiRegistry {
  readonly compiled: ApiRegistryView;
  checkUser(username: string, password: string): (Principal & { demo: boolean; name: string; username: string }) | null;
  createSession(username: string, ttlMs: number): string;
  deleteSession(id: string): void;
  createToken(name: string, role: Role, scope: Scope, actor: string): { id: string; token: string };
  revokeToken(id: string, actor: string): boolean;
  setEnterpriseState(id: string, state: EnterpriseState, actor: string): EnterpriseDef;
}

/** What the readings-history route asks (contract.md `GET /api/sensors/{e}/{s}/readings`); InfluxDB serves it
 * (storage/influx/history.ts). Times are epoch ms UTC; ranges are [fromMs, toMs). */
export interface ReadingsQuery {
  enterpriseId: string;
  sensorId: string;
  /** The metric names of the sensor's type (core/sensor-types.ts); never caller-supplied text. */
  metrics: readonly string[];
  fromMs: number;
  toMs: number;
}

export interface ReadingsHistory {
  /** Per metric, the mean and count of the `quality = ok` readings per `everyMs` bucket aligned to the epoch;
   * buckets without such readings are left out. Booleans are stored as 1/0, so their mean is the share of "on". */
  means(q: ReadingsQuery & { everyMs: number }): Promise<Record<string, { ts: number; mean: number; n: number }[]>>;
  /** The readings themselves (any quality), oldest first, at most `limit`. */
  raw(q: ReadingsQuery & { limit: number }): Promise<{ ts: number; quality: string; seq: number | null; values: Record<string, number | null> }[]>;
}

export interface ApiDeps {
  auth: ApiAuth;
  registry: ApiRegistry;
  latest: { get(enterpriseId: string, sensorId: string): LatestReading | undefined };
  deviceState: (enterpriseId: string, deviceId: string) => { online: boolean; at: number } | undefined;
  ingest: Ingest;
  health: () => { ok: boolean; parts: Record<string, string> };
  now: () => number;
  sessionTtlMs: number;
  /** The level in force at a sensor (process track) and its device state (rules/engine), when rules run. */
  sensorLevel?: (enterpriseId: string, sensorId: string) => { level: string | null; levelNo: number | null; deviceLevel: string | null; deviceState: string } | undefined;
  /** The alert part (rules/alerts); the /api/alerts routes are off without it. */
  alerts?: AlertService;
  /** Readings history (InfluxDB); without it the readings route answers 503 RW_ERR_HISTORY_OFF. */
  history?: ReadingsHistory;
}
