// The composition root (architecture.md rule 10): the only place that constructs the long-lived parts.
// Start in order, stop in reverse.
import type { Server } from 'node:http';
import { basename } from 'node:path';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.ts';
import { levelName, levelNo } from '../core/level.ts';
import type { RegistryDef } from '../core/registry.ts';
import { IngestCounters } from '../ingest/counters.ts';
import { Ingest } from '../ingest/ingest.ts';
import { LatestReadings } from '../ingest/latest.ts';
import { BrokerCounters } from '../broker/counters.ts';
import { EmbeddedBroker, type ListenerConfig } from '../broker/embedded.ts';
import { ExternalBrokerSource } from '../broker/external.ts';
import { SqliteJournal } from '../storage/journal/sqlite-journal.ts';
import { SqliteRegistry } from '../storage/registry/sqlite-registry.ts';
import { createHttpServer, registerRoutes } from '../api/server.ts';
import { healthRoutes } from '../api/routes/health.ts';
import { sessionRoutes } from '../api/routes/session.ts';
import { InfluxHistory } from '../storage/influx/history.ts';
import { InfluxSender } from '../storage/influx/sender.ts';
import { enterpriseHealthFrom, siteLevelsFrom, StateSeriesSampler } from '../storage/influx/state-series.ts';
import { startRules, type RulesPart } from './rules.ts';
import { prepareStorage, type StoragePart } from './storage.ts';
import { buildMetrics, startMetricsServer } from '../api/metrics.ts';
import type { ApiDeps } from '../api/deps.ts';
import type { PlatformConfig } from './config.ts';
import { demoSecret, paths } from './data-dir.ts';

export interface Platform {
  config: PlatformConfig;
  registry: SqliteRegistry;
  journal: SqliteJournal;
  ingest: Ingest;
  /** The embedded broker; null in external-broker mode (`mqtt.url`). */
  broker: EmbeddedBroker | null;
  counters: { ingest: IngestCounters; broker: BrokerCounters };
  rules: RulesPart;
  /** InfluxDB (configured, managed or off) and its writers. */
  storage: StoragePart;
  demoSecret: string;
  urls: { mqtt: string; ws: string | null; http: string; metrics: string };
  log: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: PlatformConfig;
  registry: RegistryDef;
  clock?: Clock;
  log?: Logger;
  /** Starts the built-in simulators once the platform is up (app/main wires it; tests may pass their own). */
  simulator?: (p: Platform) => Promise<{ stop(): Promise<void> | void }>;
}

export async function startPlatform(o: StartOptions): Promise<Platform> {
  const cfg = o.config;
  const clock = o.clock ?? systemClock;
  const now = () => clock.now();
  const log = o.log ?? pino({ level: process.env.RISKWATCH_LOG_LEVEL ?? 'info' });
  const stops: (() => Promise<void> | void)[] = [];
  const ready = { broker: 'starting', ingest: 'starting', rules: 'starting' };

  try {
    const secret = demoSecret(cfg.dataDir);
    const p = paths(cfg.dataDir);
    const registry = new SqliteRegistry(p.registry, secret, now);
    stops.push(() => registry.close());
    const seeded = registry.seed(o.registry, basename(cfg.configFile));
    log.info({ file: cfg.configFile, changed: seeded.changed, enterprises: registry.compiled.enterprises.size, sensors: registry.compiled.sensors.size }, 'registry loaded');

    const journal = new SqliteJournal({ path: p.journal, fsync: cfg.journal.fsync, limitBytes: cfg.journal.limitBytes, dedupeWindowMs: cfg.journal.dedupeWindowMs, now,
      onFatal: (m) => log.error({ err: m }, 'journal writer failed') });
    await journal.start();
    stops.push(() => journal.stop());

    // Which InfluxDB, before ingest accepts anything: the `influx` journal consumer holds readings for it
    // from the first start (docs/storage.md).
    const storage = await prepareStorage({ cfg, journal, journalPath: p.journal, liveTap: () => journal.tap(), registry: () => registry.compiled, clock, log });
    stops.push(() => storage.stopInfluxd());

    const counters = { ingest: new IngestCounters(), broker: new BrokerCounters() };
    const deviceStates = new Map<string, { online: boolean; at: number }>();
    let broker: EmbeddedBroker | null = null;
    // In external mode the source publishes rejects itself, through the external broker.
    const ingest = new Ingest({ registry, journal, counters: counters.ingest, rules: cfg.ingest, now, onReject: (input, r) => broker?.publishReject(input, r) });
    ready.ingest = 'ok';

    // The rules start before the broker so that no reading waits for them; their events queue in the
    // outbox until a broker is there to take them (the publisher retries).
    let publishVia: ((topic: string, payload: string, opts: { qos: 1; retain: boolean }) => Promise<void>) | null = null;
    const rules: RulesPart = startRules({
      cfg, journal, registry, clock, log, dataDir: cfg.dataDir,
      publish: (t, pl, opts) => (publishVia ? publishVia(t, pl, opts) : Promise.reject(new Error('no broker yet'))),
      onAlertEvents: () => storage.alertsCommitted(),
    });
    stops.push(() => rules.stop());
    ready.rules = 'ok';
    // The writers stop before the rules (they read the alert store's feed) and before the journal.
    await storage.startWriters(rules.store);
    stops.push(() => storage.stopWriters());

    if (cfg.mqtt.url) {
      // External-broker mode: tenant isolation is the external broker's ACL (riskwatch mosquitto-files).
      if (!cfg.mqtt.password) throw new Error('external-broker mode needs the platform password (RISKWATCH_MQTT_PASSWORD)');
      const source = new ExternalBrokerSource({ url: cfg.mqtt.url, username: cfg.mqtt.username, password: cfg.mqtt.password, ingest, registry, now, log,
        onDeviceStatus: (username, online, at) => deviceStates.set(username, { online, at }) });
      await source.start();
      stops.push(() => source.stop());
      publishVia = (t, pl, opts) => source.publish(t, pl, opts);
    }
    const listeners: ListenerConfig[] = cfg.mqtt.url ? [] : [{ host: cfg.bindHost, port: cfg.mqtt.port }];
    if (!cfg.mqtt.url && cfg.mqtt.wsPort !== null) listeners.push({ host: cfg.bindHost, port: cfg.mqtt.wsPort, ws: true });
    if (!cfg.mqtt.url && cfg.mqtt.tls) listeners.push({ host: cfg.bindHost, port: cfg.mqtt.tls.port, tls: cfg.mqtt.tls });
    if (listeners.length > 0) broker = new EmbeddedBroker({
      listeners, ingest, counters: counters.broker, maxPacketBytes: cfg.mqtt.maxPacketBytes, connectRate: cfg.mqtt.connectRate,
      allowPlaintextAuth: cfg.allowPlaintextAuth, now, log,
      auth: {
        device: (u, pw) => registry.checkDevice(u, pw),
        token: (id, token) => {
          const t = registry.checkToken(token);
          return t && t.tokenId === id ? { kind: 'token', username: `token.${id}`, tokenId: id, role: t.role, scope: t.scope } : null;
        },
        enterprise: (id) => registry.compiled.enterprises.get(id),
      },
      onDeviceStatus: (username, online, at) => deviceStates.set(username, { online, at }),
    });
    if (broker) {
      await broker.start();
      stops.push(() => broker!.stop());
      const bk = broker;
      publishVia = (t, pl, opts) => bk.publish(t, pl, opts);
    }
    rules.publisher.kick();
    ready.broker = 'ok';
    const b = broker;
    registry.onChange((view) => {
      for (const u of b?.connectedUsernames() ?? []) {
        const d = view.devices.get(u);
        if (!d || d.revoked) { log.info({ device: u }, 'credential revoked: disconnecting'); b!.disconnect(u); }
      }
    });
    // Registry changes (sensors added, design values, enterprise states) recompile the rules; a plan that does
    // not compile is refused and the rules in force keep running.
    registry.onChange(() => storage.seriesChanged());
    registry.onChange(() => {
      try { rules.reload(); } catch (err) { log.error({ err: (err as Error).message }, 'rules: registry change refused by the rule compiler; previous rules keep running'); }
    });
    const poll = setInterval(() => registry.refreshIfChanged(), 2000);
    poll.unref();
    stops.push(() => clearInterval(poll));

    const latest = new LatestReadings(journal);
    latest.start();
    stops.push(() => latest.stop());

    // The dashboards' state series (site levels for the risk map, online counts per enterprise): only with an
    // InfluxDB, after the rules (docs/grafana.md).
    if (storage.conn) {
      const sender = new InfluxSender(storage.conn, { maxInFlight: 1, maxBatchLines: 5000 });
      const sampler = new StateSeriesSampler({
        clock,
        write: async (lines) => { const r = await sender.send(lines); if (r.kind === 'retry') throw new Error(r.message); },
        siteLevels: () => siteLevelsFrom(registry.compiled.enterprises.values(), rules.manager.liveAlerts()),
        enterpriseHealth: () => enterpriseHealthFrom(registry.compiled.enterprises.values(), (e, s) => latest.get(e, s), clock.now()),
        onError: (err, what) => log.warn({ err: (err as Error).message, what }, 'storage: state series write failed; retried at the next check'),
      });
      sampler.start();
      stops.push(async () => { await sampler.stop(); sender.close(); });
    }

    const deps: ApiDeps = {
      auth: {
        allowPlaintext: cfg.allowPlaintextAuth,
        session: (id) => registry.sessionUser(id),
        token: (t) => registry.checkToken(t),
        device: (u, pw) => { const d = registry.checkDevice(u, pw); return d ? { enterpriseId: d.enterpriseId, deviceId: d.deviceId, demo: d.demo } : null; },
      },
      registry, latest, ingest, now, sessionTtlMs: 12 * 3600_000,
      ...(storage.conn ? { history: new InfluxHistory(storage.conn) } : {}),
      deviceState: (e, d) => deviceStates.get(`${e}.${d}`),
      health: () => ({ ok: Object.values(ready).every((s) => s === 'ok'), parts: { ...ready, journal: 'ok' } }),
      alerts: rules.manager,
      sensorLevel: (e, s) => {
        const st = rules.engine.sensorState(e, s);
        return st ? { level: levelName(st.level), levelNo: levelNo(st.level), deviceLevel: levelName(st.deviceLevel), deviceState: st.deviceState } : undefined;
      },
    };
    const http = createHttpServer({ bodyLimit: 16 * 1024 * 1024 });
    healthRoutes(http, deps);
    sessionRoutes(http, deps);
    registerRoutes(http, deps);
    await http.listen({ host: cfg.bindHost, port: cfg.http.port });
    stops.push(() => http.close());

    const metricsReg = buildMetrics({
      ingest: counters.ingest,
      broker: counters.broker, connections: () => b?.aedes.connectedClients ?? 0,
      journal: () => journal.stats(), alertEvents: () => rules.eventCounts(), storage: () => storage.metrics(),
      rules: () => rules.engine.counters,
    });
    const metricsServer: Server = await startMetricsServer(metricsReg, cfg.metrics.host, cfg.metrics.port);
    stops.push(() => new Promise<void>((r) => metricsServer.close(() => r())));

    const port = (a: { port: number } | undefined) => a?.port ?? 0;
    const mqttAddr = broker?.addresses.find((a) => a.kind === 'tcp');
    const wsAddr = broker?.addresses.find((a) => a.kind === 'ws');
    const httpAddr = http.server.address();
    const mAddr = metricsServer.address();
    const platform: Platform = {
      config: cfg, registry, journal, ingest, broker, counters, rules, storage, demoSecret: secret, log,
      urls: {
        mqtt: cfg.mqtt.url ?? `mqtt://${cfg.bindHost}:${port(mqttAddr)}`,
        ws: wsAddr ? `ws://${cfg.bindHost}:${wsAddr.port}/mqtt` : null,
        http: `http://${cfg.bindHost}:${typeof httpAddr === 'object' && httpAddr ? httpAddr.port : cfg.http.port}`,
        metrics: `http://${cfg.metrics.host}:${typeof mAddr === 'object' && mAddr ? mAddr.port : cfg.metrics.port}/metrics`,
      },
      stop: async () => { for (const s of stops.reverse()) await s(); },
    };
    if (o.simulator) {
      const sim = await o.simulator(platform);
      stops.push(() => sim.stop());
    }
    return platform;
  } catch (err) {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => {});
    throw err;
  }
}
