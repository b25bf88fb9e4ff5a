// Composition of the rules part (engine, alerts, outbox, baselines, hot reload); called by the
// composition root (app/platform.ts), which owns start order and stop order.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { Level } from '../core/level.ts';
import type { EnterpriseDef } from '../core/registry.ts';
import { sensorType } from '../core/sensor-types.ts';
import type { Journal } from '../ingest/journal.ts';
import type { SqliteRegistry } from '../storage/registry/sqlite-registry.ts';
import type { CompiledRegistry } from '../storage/registry/compile.ts';
import { SqliteAlertStore } from '../storage/alerts/sqlite-alert-store.ts';
import { SqliteSeriesHistory } from '../storage/history/sqlite-series.ts';
import { AlertManager } from '../rules/alerts/manager.ts';
import { policyFor, PolicyOverridesSchema } from '../rules/alerts/policy.ts';
import { OutboxPublisher } from '../rules/alerts/publisher.ts';
import { calendarLevel, calendarSignal, spoolLevel, spoolSignal } from '../rules/alerts/system.ts';
import { BaselineStore } from '../rules/baseline/store.ts';
import { loadHolidayCalendar } from '../rules/calendar/holidays.ts';
import { compilePlan } from '../rules/engine/compile.ts';
import { RuleEngine } from '../rules/engine/engine.ts';
import type { LevelSignal } from '../rules/engine/signal.ts';
import type { RuleEnv } from '../rules/kinds/kind.ts';
import { RULE_KINDS } from '../rules/kinds/registry.ts';
import { loadOverrides, type Overrides } from '../rules/packs/overrides.ts';
import { createResolver } from '../rules/packs/resolve.ts';
import { RulesRuntime } from '../rules/runtime.ts';
import type { PlatformConfig } from './config.ts';

export interface RulesPart {
  engine: RuleEngine;
  manager: AlertManager;
  store: SqliteAlertStore;
  publisher: OutboxPublisher;
  runtime: RulesRuntime;
  /** Events per (kind, level, event) since start, for /metrics. */
  eventCounts(): { kind: string; level: string; event: string; n: number }[];
  /** Recompiles from the registry and the overrides file; throws (RW_ERR_CONFIG) and keeps the old rules on a bad config. */
  reload(): void;
  overridesFile: string | null;
  stop(): Promise<void>;
}

export interface RulesDeps {
  cfg: PlatformConfig;
  journal: Journal;
  registry: SqliteRegistry;
  clock: Clock;
  log: Logger;
  dataDir: string;
  publish: (topic: string, payload: string, opts: { qos: 1; retain: boolean }) => Promise<void>;
  /** Alert events were committed (the InfluxDB writer's kick). */
  onAlertEvents?: () => void;
}

/** Sensor types whose rules read a time-of-week baseline: their readings are kept as 15-min means. */
const BASELINE_TYPES = new Set(['power_meter']);

/** Per compiled registry: enterprise → sensor → the metrics whose 15-min means the baselines read, for the
 * sensors of a baseline type only. Built once per registry version, so a reading of any other sensor costs
 * one map lookup on its enterprise rather than a key built per reading. */
const baselineIndexes = new WeakMap<CompiledRegistry, Map<string, Map<string, string[]>>>();
function baselineIndex(compiled: CompiledRegistry): Map<string, Map<string, string[]>> {
  let index = baselineIndexes.get(compiled);
  if (index) return index;
  index = new Map();
  for (const c of compiled.sensors.values()) {
    if (!BASELINE_TYPES.has(c.info.type)) continue;
    let bySensor = index.get(c.info.enterpriseId);
    if (!bySensor) index.set(c.info.enterpriseId, (bySensor = new Map()));
    bySensor.set(c.info.id, Object.keys(sensorType(c.info.type)!.metrics));
  }
  baselineIndexes.set(compiled, index);
  return index;
}

export function overridesPath(cfg: PlatformConfig): string | null {
  if (cfg.rules.overridesFile) return cfg.rules.overridesFile;
  const beside = join(dirname(cfg.configFile), 'rules.yaml');
  return existsSync(beside) ? beside : null;
}

export function startRules(d: RulesDeps): RulesPart {
  const { cfg, clock, log } = d;
  const now = () => clock.now();
  const calendar = loadHolidayCalendar(cfg.rules.holidaysFile ?? undefined, { onUncoveredYear: (_year, msg) => log.warn(msg) });
  const history = new SqliteSeriesHistory({ path: join(d.dataDir, 'history.db'), now });
  const baselines = new BaselineStore({ history, calendar });
  const enterprises = () => d.registry.compiled.enterprises;
  const env: RuleEnv = {
    calendar,
    enterprise: (id) => { const e = enterprises().get(id); return e ? { id: e.id, county: e.county, sector: e.sector, state: e.state } : undefined; },
    baseline: (e, s, m) => baselines.view(e, s, m),
  };
  const file = overridesPath(cfg);
  const overrides: Overrides | null = file ? loadOverrides(file) : null;
  let overridesMtime = file && existsSync(file) ? statSync(file).mtimeMs : 0;
  const compile = (o: Overrides | null) => compilePlan({ enterprises: enterprises().values() as Iterable<EnterpriseDef>, resolver: createResolver(o), kinds: RULE_KINDS, env });

  const store = new SqliteAlertStore(join(d.dataDir, 'alerts.db'), { fsync: cfg.rules.alertsFsync, checkpointer: true });
  const lifecycle = PolicyOverridesSchema.parse(cfg.rules.lifecycle ?? {});
  const counts = new Map<string, { kind: string; level: string; event: string; n: number }>();
  const publisher = new OutboxPublisher({ store, publish: d.publish, clock, log });
  let engine: RuleEngine | null = null;
  const manager = new AlertManager({
    store, clock, log,
    policyFor: (sector) => policyFor(sector as never, lifecycle),
    enterprise: (id) => { const e = enterprises().get(id); return e ? { county: e.county, sector: e.sector, name: e.name } : undefined; },
    names: (s) => namesOf(enterprises(), s),
    onCommitted: (ts) => {
      for (const t of ts) {
        const k = `${t.kind}|${t.level}|${t.event}`;
        const c = counts.get(k);
        if (c) c.n++; else counts.set(k, { kind: t.kind, level: t.level, event: t.event, n: 1 });
      }
      publisher.kick();
      d.onAlertEvents?.();
    },
    onArchived: (key) => engine?.forget(key),
    tickMs: Math.min(cfg.rules.tickMs, 5000),
  });
  engine = new RuleEngine(compile(overrides), {
    now,
    retrospectiveMs: cfg.rules.retrospectiveMs,
    onSignal: (s) => {
      try { manager.onSignal(s); } catch (err) { log.error({ err, key: s.key }, 'alert manager refused a signal'); }
    },
  });
  const runtime = new RulesRuntime({
    journal: d.journal, engine, store, clock, log, tickMs: cfg.rules.tickMs, checkpointMs: cfg.rules.checkpointMs,
    refreshBaselines: async (t) => { history.flush(); await baselines.refresh(t); },
    onEntries: (entries) => {
      const index = baselineIndex(d.registry.compiled);
      if (index.size === 0) return;
      for (const e of entries) {
        const metrics = index.get(e.enterpriseId)?.get(e.sensorId);
        if (!metrics || e.quality !== 'ok') continue;
        for (const m of metrics) { const v = e.values[m]; if (typeof v === 'number') history.record(e.enterpriseId, e.sensorId, m, e.ts, v); }
      }
    },
  });

  manager.start();
  publisher.start();
  runtime.start();

  // System alerts, each told its level once a second after start (so an alert left open by the previous run
  // recovers if its condition is gone; a none with no alert open is nothing; by then the broker the outbox
  // publishes to is up), then on every change.
  // The journal nearing its limit (contract.md "Backpressure"):
  let spool: Level | null = null;
  const timers: TimerHandle[] = [];
  const sampleSpool = () => {
    const st = d.journal.stats();
    const next = spoolLevel(spool ?? Level.none, st);
    if (next !== spool) { spool = next; manager.onSignal(spoolSignal(next, st, clock.now())); }
  };
  timers.push(clock.setInterval(sampleSpool, 5000));
  // The holiday calendar not covering this year, or next year within a month:
  let calendarState: Level | null = null;
  const checkCalendar = () => {
    const next = calendarLevel(calendar, clock.now());
    if (next !== calendarState) { calendarState = next; manager.onSignal(calendarSignal(next, clock.now())); }
  };
  timers.push(clock.setInterval(checkCalendar, 60_000));
  timers.push(clock.setTimeout(() => { sampleSpool(); checkCalendar(); }, 1000));
  timers.push(clock.setInterval(() => history.flush(), 60_000));

  const part: RulesPart = {
    engine, manager, store, publisher, runtime, overridesFile: file,
    eventCounts: () => [...counts.values()],
    reload: () => {
      const next = file ? loadOverrides(file) : null;
      const plan = compile(next);
      runtime.replacePlan(plan);
      log.info({ file, sensors: plan.sensors.length, siteRules: plan.siteRules.length }, 'rules reloaded');
    },
    stop: async () => {
      for (const t of timers) t.cancel();
      runtime.stop();
      manager.stop();
      await publisher.drain().catch(() => 0);
      publisher.stop();
      history.flush();
      history.close();
      await store.close();
    },
  };
  // Hot reload of the overrides file (polled: portable, no watcher limits). A bad file is refused, logged,
  // and the rules in force keep running.
  if (file) timers.push(clock.setInterval(() => {
    const m = existsSync(file) ? statSync(file).mtimeMs : 0;
    if (m === overridesMtime) return;
    overridesMtime = m;
    try { part.reload(); } catch (err) { log.error({ err: (err as Error).message, file }, 'rules: new configuration refused; the previous rules keep running'); }
  }, 2000));
  return part;
}

function namesOf(enterprises: Map<string, EnterpriseDef>, s: LevelSignal): { siteName?: string; sensorName?: string; metricZh?: string } {
  const e = s.enterpriseId ? enterprises.get(s.enterpriseId) : undefined;
  const site = e?.sites.find((x) => x.id === s.siteId);
  const sensor = s.sensorId ? site?.sensors.find((x) => x.id === s.sensorId) : undefined;
  const t = sensor ? sensorType(sensor.type) : undefined;
  const metricZh = s.metric && t ? (t.metrics as Record<string, { zh: string }>)[s.metric]?.zh ?? (s.metric === 'disp' ? '水平位移' : undefined) : undefined;
  return {
    ...(site ? { siteName: site.name } : {}),
    ...(sensor ? { sensorName: sensor.name } : {}),
    ...(metricZh ? { metricZh } : {}),
  };
}
