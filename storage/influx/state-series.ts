// Platform state as InfluxDB series, for the Grafana dashboards only (dashboards/grafana, docs/grafana.md):
//
//   site_level         tags enterprise, site, county
//                      fields level (int: 0 none, 1 blue, 2 yellow, 3 orange, 4 red — core/level.ts order),
//                      lat, lon (float, WGS-84 from the registry), name (string, the site's 中文 name),
//                      open_red, open_orange, open_yellow, open_blue (int: open process alerts of the site
//                      per level — alert_event's alert_id is a field, so InfluxQL cannot count open alerts
//                      from the events themselves)
//                      written when a site's highest open level changes, and for every site as a heartbeat
//                      every 5 min, so a Geomap `last()` finds every site in any time range of 5 min or more.
//   enterprise_health  tags enterprise, county
//                      fields sensors (registered), online (reported within 3× the type's nominal interval),
//                      offline (int), state (string: normal | suspended | pending_acceptance | closed, the
//                      enterprise state — 停产整顿 windows for the electricity dashboard, domain.md §2.4.1)
//                      every 60 s.
//
// Pure line builders and pure samplers (from the registry, the live alerts and the latest readings), plus
// StateSeriesSampler, which runs them on the injected Clock and hands lines to an injected write(). Lines carry
// nanosecond timestamps (ms · 10⁶): write them with precision `n`, like the readings.
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { Level, type LevelName } from '../../core/level.ts';
import type { EnterpriseDef } from '../../core/registry.ts';
import { sensorType } from '../../core/sensor-types.ts';

export const SITE_LEVEL_MEASUREMENT = 'site_level';
export const ENTERPRISE_HEALTH_MEASUREMENT = 'enterprise_health';
/** Heartbeat of site_level (every site, changed or not). */
export const SITE_HEARTBEAT_MS = 5 * 60_000;
/** How often levels are compared with the last written ones (besides `changed()`). */
export const SITE_CHECK_MS = 10_000;
export const HEALTH_EVERY_MS = 60_000;
/** online = the latest reading arrived within this many nominal intervals. */
export const ONLINE_INTERVALS = 3;

export interface SiteLevelSample {
  enterpriseId: string;
  siteId: string;
  county: string;
  name: string;
  lat: number;
  lon: number;
  level: Level;
  open: Record<LevelName, number>;
}

export interface EnterpriseHealthSample {
  enterpriseId: string;
  county: string;
  sensors: number;
  online: number;
  state: string;
}

// ---- line protocol ----------------------------------------------------------------------------------------

/** Measurement names: commas and spaces escaped. */
const escMeasurement = (s: string): string => s.replace(/[, ]/g, '\\$&');
/** Tag keys and values: commas, equals signs and spaces escaped; newlines cannot be written and are replaced. */
const escTag = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/[,= ]/g, '\\$&');
/** String field values: double quotes and backslashes escaped (enterprise-supplied names are untrusted text). */
const escString = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&').replace(/[\r\n]+/g, ' ')}"`;
const int = (n: number): string => `${Math.trunc(n)}i`;
const float = (n: number): string => {
  if (!Number.isFinite(n)) throw new Error(`line protocol: ${n} is not a finite number`);
  return String(n);
};
/** Epoch ms → nanoseconds as text (ms · 10⁶ exceeds 2⁵³, so no Number arithmetic). */
export const nsOf = (ms: number): string => `${Math.trunc(ms)}000000`;

export function siteLevelLine(s: SiteLevelSample, tsMs: number): string {
  const tags = `enterprise=${escTag(s.enterpriseId)},site=${escTag(s.siteId)},county=${escTag(s.county)}`;
  const fields = [
    `level=${int(s.level)}`, `lat=${float(s.lat)}`, `lon=${float(s.lon)}`, `name=${escString(s.name)}`,
    `open_red=${int(s.open.red)}`, `open_orange=${int(s.open.orange)}`, `open_yellow=${int(s.open.yellow)}`, `open_blue=${int(s.open.blue)}`,
  ].join(',');
  return `${escMeasurement(SITE_LEVEL_MEASUREMENT)},${tags} ${fields} ${nsOf(tsMs)}`;
}

export function enterpriseHealthLine(s: EnterpriseHealthSample, tsMs: number): string {
  const tags = `enterprise=${escTag(s.enterpriseId)},county=${escTag(s.county)}`;
  const fields = `sensors=${int(s.sensors)},online=${int(s.online)},offline=${int(s.sensors - s.online)},state=${escString(s.state)}`;
  return `${escMeasurement(ENTERPRISE_HEALTH_MEASUREMENT)},${tags} ${fields} ${nsOf(tsMs)}`;
}

// ---- samples from the platform's state -----------------------------------------------------------------------

/** What site levels need of an alert (rules/alerts StoredAlert satisfies it). */
export interface AlertRef {
  kind: string;
  enterpriseId: string | null;
  siteId: string | null;
  level: LevelName;
  handling: string;
}

/** Open = not yet cleared or archived (contract.md "Actions by handling state"). */
const isOpen = (a: AlertRef): boolean => a.handling !== 'cleared' && a.handling !== 'archived';

/**
 * Every site of the registry with its highest open process-alert level and open counts per level. Device
 * alerts (instrument faults, offline) are data quality, not risk: they stay off the four-colour map (domain.md
 * R19) and show on the data-quality dashboard.
 */
export function siteLevelsFrom(enterprises: Iterable<EnterpriseDef>, alerts: Iterable<AlertRef>): SiteLevelSample[] {
  const open = new Map<string, Record<LevelName, number>>();
  for (const a of alerts) {
    if (a.kind !== 'process' || a.enterpriseId === null || a.siteId === null || !isOpen(a)) continue;
    const k = `${a.enterpriseId}/${a.siteId}`;
    const c = open.get(k) ?? { red: 0, orange: 0, yellow: 0, blue: 0 };
    c[a.level]++;
    open.set(k, c);
  }
  const out: SiteLevelSample[] = [];
  for (const e of enterprises) {
    for (const s of e.sites) {
      const c = open.get(`${e.id}/${s.id}`) ?? { red: 0, orange: 0, yellow: 0, blue: 0 };
      const level = c.red ? Level.red : c.orange ? Level.orange : c.yellow ? Level.yellow : c.blue ? Level.blue : Level.none;
      out.push({ enterpriseId: e.id, siteId: s.id, county: e.county, name: s.name, lat: s.location.lat, lon: s.location.lon, level, open: c });
    }
  }
  return out;
}

/** The latest reading of a sensor, as ingest/latest.ts keeps it (a JournalEntry satisfies it). */
export interface LatestRef { receivedAt: number; quality: string }

/** Registered, online and state per enterprise. A sensor is online when its latest reading arrived within
 * ONLINE_INTERVALS nominal intervals and does not report `comm_lost` (the gateway lost the sensor). */
export function enterpriseHealthFrom(
  enterprises: Iterable<EnterpriseDef>,
  latest: (enterpriseId: string, sensorId: string) => LatestRef | undefined,
  now: number,
): EnterpriseHealthSample[] {
  const out: EnterpriseHealthSample[] = [];
  for (const e of enterprises) {
    let sensors = 0;
    let online = 0;
    for (const site of e.sites) {
      for (const s of site.sensors) {
        sensors++;
        const r = latest(e.id, s.id);
        const intervalMs = (sensorType(s.type)?.intervalS ?? 60) * 1000;
        if (r && r.quality !== 'comm_lost' && now - r.receivedAt <= ONLINE_INTERVALS * intervalMs) online++;
      }
    }
    out.push({ enterpriseId: e.id, county: e.county, sensors, online, state: e.state.state });
  }
  return out;
}

// ---- the sampler ---------------------------------------------------------------------------------------------

export interface StateSeriesOptions {
  clock: Clock;
  /** Writes line-protocol lines (nanosecond precision); rejects when they were not stored. */
  write: (lines: string[]) => Promise<void>;
  siteLevels: () => Iterable<SiteLevelSample>;
  enterpriseHealth: () => Iterable<EnterpriseHealthSample>;
  /** Told of every failed write (for the log); the sampler retries changes at the next check by itself. */
  onError?: (err: unknown, what: 'site_level' | 'enterprise_health') => void;
  heartbeatMs?: number;
  checkMs?: number;
  healthMs?: number;
}

/**
 * Writes site_level on every change of a site's level (checked every `checkMs` and on `changed()`) and for
 * every site every `heartbeatMs`, and enterprise_health every `healthMs`. One write at a time, in order;
 * requests that arrive meanwhile are merged into the next write. A change whose write failed is written again
 * at the next check (the last *written* level is what changes are judged against).
 */
export class StateSeriesSampler {
  private readonly written = new Map<string, Level>();
  private readonly timers: TimerHandle[] = [];
  private want = { check: false, heartbeat: false, health: false };
  private running: Promise<void> | null = null;
  private stopped = true;
  readonly stats = { linesWritten: 0, writesFailed: 0 };

  constructor(private readonly o: StateSeriesOptions) {}

  /** Writes every site and every enterprise at once, then keeps to the schedule. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const c = this.o.clock;
    this.timers.push(c.setInterval(() => this.request('check'), this.o.checkMs ?? SITE_CHECK_MS));
    this.timers.push(c.setInterval(() => this.request('heartbeat'), this.o.heartbeatMs ?? SITE_HEARTBEAT_MS));
    this.timers.push(c.setInterval(() => this.request('health'), this.o.healthMs ?? HEALTH_EVERY_MS));
    this.request('heartbeat');
    this.request('health');
  }

  /** Some alert moved (a Transition): compare levels now rather than at the next check. */
  changed(): void {
    this.request('check');
  }

  /** Resolves when no write is in flight or pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops the timers and waits for the write in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) t.cancel();
    this.want = { check: false, heartbeat: false, health: false };
    await this.idle();
  }

  private request(what: 'check' | 'heartbeat' | 'health'): void {
    if (this.stopped) return;
    this.want[what] = true;
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (!this.stopped && (this.want.check || this.want.heartbeat || this.want.health)) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.want.check || this.want.heartbeat || this.want.health) {
      const want = this.want;
      this.want = { check: false, heartbeat: false, health: false };
      if (want.check || want.heartbeat) await this.writeSites(want.heartbeat);
      if (want.health) await this.writeHealth();
    }
  }

  private async writeSites(all: boolean): Promise<void> {
    try {
      const now = this.o.clock.now();
      const samples = [...this.o.siteLevels()].filter((s) => all || this.written.get(`${s.enterpriseId}/${s.siteId}`) !== s.level);
      if (samples.length === 0) return;
      const lines = samples.map((s) => siteLevelLine(s, now));
      await this.o.write(lines);
      this.stats.linesWritten += lines.length;
      for (const s of samples) this.written.set(`${s.enterpriseId}/${s.siteId}`, s.level);
    } catch (err) {
      this.stats.writesFailed++;
      this.o.onError?.(err, 'site_level');
    }
  }

  private async writeHealth(): Promise<void> {
    try {
      const now = this.o.clock.now();
      const lines = [...this.o.enterpriseHealth()].map((s) => enterpriseHealthLine(s, now));
      if (lines.length === 0) return;
      await this.o.write(lines);
      this.stats.linesWritten += lines.length;
    } catch (err) {
      this.stats.writesFailed++;
      this.o.onError?.(err, 'enterprise_health');
    }
  }
}
