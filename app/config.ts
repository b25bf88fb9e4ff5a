// Platform settings: embedded defaults, then the config file's optional `platform:` section, then the
// RISKWATCH_* environment (contract.md "Running it"). The registry part of the file is core/registry.ts.
import { z } from 'zod';
import { resolve } from 'node:path';

const Tls = z.strictObject({ keyFile: z.string(), certFile: z.string(), caFile: z.string().optional(), requestCert: z.boolean().optional() });

export const PlatformSchema = z.strictObject({
  bindHost: z.string().default('127.0.0.1'),
  dataDir: z.string().default('data'),
  mqtt: z.strictObject({
    port: z.number().int().min(0).max(65535).default(1883),
    wsPort: z.number().int().min(0).max(65535).nullable().default(8083),
    tls: Tls.extend({ port: z.number().int().min(0).max(65535).default(8883) }).nullable().default(null),
    /** External-broker mode: the platform is a client of this broker instead of embedding aedes. */
    url: z.string().nullable().default(null),
    username: z.string().default('_riskwatch'),
    password: z.string().nullable().default(null),
    maxPacketBytes: z.number().int().positive().default(256 * 1024),
    connectRate: z.strictObject({ perSecond: z.number().positive().default(200), burst: z.number().positive().default(5000) }).prefault({}),
  }).prefault({}),
  http: z.strictObject({ port: z.number().int().min(0).max(65535).default(8080) }).prefault({}),
  metrics: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) }).prefault({}),
  allowPlaintextAuth: z.boolean().default(false),
  journal: z.strictObject({
    fsync: z.boolean().default(true),
    limitBytes: z.number().int().positive().default(2 * 1024 ** 3),
    dedupeWindowMs: z.number().int().positive().default(24 * 3600_000),
  }).prefault({}),
  ingest: z.strictObject({
    maxFutureMs: z.number().int().positive().default(5 * 60_000),
    latenessMs: z.number().int().positive().default(7 * 24 * 3600_000),
  }).prefault({}),
  rules: z.strictObject({
    /** Design-institute values and other overrides of the default rule packs (rules/packs/overrides.ts); hot-reloaded. */
    overridesFile: z.string().nullable().default(null),
    /** Statutory holidays and 调休 working days (rules/calendar). */
    holidaysFile: z.string().nullable().default(null),
    tickMs: z.number().int().positive().default(5000),
    checkpointMs: z.number().int().positive().default(60_000),
    /** A reading evaluated this long after its device time raises a retrospective (补报) alert. */
    retrospectiveMs: z.number().int().positive().default(5 * 60_000),
    /** Per-level handling policy overrides, per sector (rules/alerts/policy.ts). */
    lifecycle: z.unknown().optional(),
    alertsFsync: z.boolean().default(false),
  }).prefault({}),
  /** InfluxDB for readings history and Grafana (docs/storage.md). Without `url`, a managed local influxd when one is
   * on PATH (`managed`), else history is off. */
  influx: z.strictObject({
    /** Base URL of InfluxDB 1.x, 2.x or 3.x (its v1-compatible /write and /query are used). */
    url: z.url({ protocol: /^https?$/ }).nullable().default(null),
    /** 2.x/3.x API token (sent as `Authorization: Token …`). */
    token: z.string().nullable().default(null),
    /** Database (1.x, 3.x), or the database a 2.x DBRP mapping points at the bucket. */
    db: z.string().min(1).default('riskwatch'),
    /** Retention policy; null = the database's default. */
    rp: z.string().min(1).nullable().default(null),
    /** 2.x organisation (only carried along; the v1-compatible endpoints do not need it). */
    org: z.string().nullable().default(null),
    /** Without `url`: start `influxd` from PATH on loopback under {dataDir}/influxdb (Debian's 1.6.7 is for local use). */
    managed: z.boolean().default(true),
    /** HTTP port of the managed influxd (its RPC port is the next one); a busy port is logged and a free one used. */
    port: z.number().int().min(0).max(65535).default(8086),
    batchLines: z.number().int().min(100).max(50_000).default(5000),
    maxInFlight: z.number().int().min(1).max(16).default(2),
    /** How often the writer looks for new readings once caught up (reading → queryable lag). */
    pollMs: z.number().int().min(5).max(10_000).default(100),
    retryMaxMs: z.number().int().min(100).default(10_000),
  }).prefault({}),
  simulate: z.strictObject({
    enabled: z.boolean().default(true),
    scenario: z.string().default('normal'),
    seed: z.number().int().default(20261122),
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
  }).prefault({}),
});
export type PlatformConfig = z.infer<typeof PlatformSchema> & { configFile: string };

type Env = Record<string, string | undefined>;
const int = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number.parseInt(v, 10));
const bool = (v: string | undefined): boolean | undefined => (v === undefined || v === '' ? undefined : !['0', 'false', 'no', 'off'].includes(v.toLowerCase()));

/** Overlays the RISKWATCH_* variables on the file's platform section. */
export function platformFromEnv(fileSection: unknown, env: Env, configFile: string): PlatformConfig {
  const base = PlatformSchema.parse(fileSection ?? {});
  const c = structuredClone(base);
  c.bindHost = env.RISKWATCH_BIND_HOST ?? c.bindHost;
  c.dataDir = resolve(env.RISKWATCH_DATA_DIR ?? c.dataDir);
  c.mqtt.port = int(env.RISKWATCH_MQTT_PORT) ?? c.mqtt.port;
  const ws = env.RISKWATCH_MQTT_WS_PORT;
  if (ws !== undefined) c.mqtt.wsPort = ws === '' || ws === 'off' ? null : Number.parseInt(ws, 10);
  c.mqtt.url = env.RISKWATCH_MQTT_URL ?? c.mqtt.url;
  c.mqtt.password = env.RISKWATCH_MQTT_PASSWORD ?? c.mqtt.password;
  c.http.port = int(env.RISKWATCH_HTTP_PORT) ?? c.http.port;
  c.metrics.port = int(env.RISKWATCH_METRICS_PORT) ?? c.metrics.port;
  c.allowPlaintextAuth = bool(env.RISKWATCH_ALLOW_PLAINTEXT_AUTH) ?? c.allowPlaintextAuth;
  c.rules.overridesFile = env.RISKWATCH_RULES ?? c.rules.overridesFile;
  c.simulate.enabled = bool(env.RISKWATCH_SIMULATE) ?? c.simulate.enabled;
  c.simulate.scenario = env.RISKWATCH_SCENARIO ?? c.simulate.scenario;
  c.journal.fsync = bool(env.RISKWATCH_JOURNAL_FSYNC) ?? c.journal.fsync;
  c.journal.limitBytes = int(env.RISKWATCH_JOURNAL_LIMIT_BYTES) ?? c.journal.limitBytes;
  // RISKWATCH_INFLUX_URL=off: no InfluxDB at all (not even a managed one).
  const influxUrl = env.RISKWATCH_INFLUX_URL;
  if (influxUrl === 'off') { c.influx.url = null; c.influx.managed = false; }
  else if (influxUrl !== undefined && influxUrl !== '') {
    if (!/^https?:\/\/[^/]/.test(influxUrl)) throw new Error(`RISKWATCH_INFLUX_URL must be an http(s) URL or "off", got ${JSON.stringify(influxUrl)}`);
    c.influx.url = influxUrl;
  }
  c.influx.token = env.RISKWATCH_INFLUX_TOKEN || c.influx.token;
  c.influx.db = env.RISKWATCH_INFLUX_DB || c.influx.db;
  c.influx.managed = bool(env.RISKWATCH_INFLUX_MANAGED) ?? c.influx.managed;
  c.influx.port = int(env.RISKWATCH_INFLUX_PORT) ?? c.influx.port;
  return { ...c, configFile };
}
