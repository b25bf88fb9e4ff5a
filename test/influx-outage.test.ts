// Issue 5 "Done when" (InfluxDB writer, no loss): under steady load, influxd is down for more than 180 s
// with a backlog of more than 32,000 lines, and the platform is killed with SIGKILL while that backlog is
// held, then started again; once influxd is back, InfluxDB holds exactly the accepted readings (the journal's
// rows): no gap, no duplicate, compared by (enterprise, sensor, ts, seq).
// The platform runs as its own process (`riskwatch serve`) so that kill -9 is real; the load comes from the
// simulators in this process (300 sensors at 1 reading/s over 30 gateways, QoS 1), across the restart.
// About 4 minutes: the outage alone is 190 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { systemClock } from '../core/clock.ts';
import { demoSecret } from '../app/data-dir.ts';
import { createSimulation } from '../simulators/simulation.ts';
import { startPublisher, type Publisher } from '../simulators/publisher.ts';
import { syntheticRegistry } from '../simulators/synthetic.ts';
import { influxQuery } from '../storage/influx/transport.ts';
import { startTestInfluxd, type TestInfluxd } from './support/influx.ts';
import { freePort } from './support/ports.ts';
import { startServe, type ServeChild } from './support/serve.ts';
import { metricValue, scrapeMetrics } from './support/metrics.ts';

const OUTAGE_MS = 190_000;
const dir = mkdtempSync(join(tmpdir(), 'rw-influx-outage-'));
const dataDir = join(dir, 'data');
const configFile = join(dir, 'riskwatch.yaml');
const registry = syntheticRegistry({ sensors: 300, devices: 30, gatewayBatch: true });
let ports: { mqtt: number; http: number; metrics: number };
let influx: TestInfluxd;

type Server = ServeChild;

const startServer = (): Promise<Server> => startServe({ configFile, dataDir, ports, env: { RISKWATCH_INFLUX_URL: influx.conn.url, RISKWATCH_INFLUX_DB: influx.conn.db } });

/** One scrape of /metrics, read by name (and labels). */
async function metrics(): Promise<(name: string, labels?: Record<string, string>) => number> {
  const samples = await scrapeMetrics(`http://127.0.0.1:${ports.metrics}/metrics`);
  return (name, labels) => metricValue(samples, name, labels);
}
const READING = { measurement: 'reading' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => Promise<boolean>, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond().catch(() => false)) return; await sleep(250); }
  throw new Error(`timed out: ${what}`);
};

describe('InfluxDB outage > 180 s with a kill -9 of the platform in it: no gap, no duplicate', () => {
  let server: Server | null = null;
  let publisher: Publisher | null = null;
  const seen: Record<string, number> = {};

  beforeAll(async () => {
    ports = { mqtt: await freePort(), http: await freePort(), metrics: await freePort() };
    writeFileSync(configFile, stringify(registry));
    influx = await startTestInfluxd('riskwatch');
    server = await startServer();
    const simulation = createSimulation({ registry, scenario: 'normal', seed: 11, clock: systemClock, startMs: Date.now(), backfillMs: 0, intervalS: 1 });
    publisher = await startPublisher({ url: `mqtt://127.0.0.1:${ports.mqtt}`, demoSecret: demoSecret(dataDir), simulation, qos: 1 });
    await until(async () => (await metrics())('riskwatch_storage_points_written_total', READING) > 1000, 30_000, 'first points written');

    const outageStart = Date.now();
    await influx.stop();
    // Half-way through the outage: the platform holds a backlog, and is killed.
    await sleep(OUTAGE_MS / 2);
    const m1 = await metrics();
    seen.backlogAtKill = m1('riskwatch_storage_backlog_entries', READING);
    seen.upAtKill = m1('riskwatch_storage_up', READING);
    seen.spoolAtKill = m1('riskwatch_spool_bytes');
    seen.failuresAtKill = m1('riskwatch_storage_write_failures_total', READING);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServer();
    await sleep(Math.max(0, outageStart + OUTAGE_MS - Date.now()));
    const m2 = await metrics();
    seen.backlogBeforeReturn = m2('riskwatch_storage_backlog_entries', READING);
    seen.lagBeforeReturn = m2('riskwatch_storage_lag_seconds', READING);
    seen.upBeforeReturn = m2('riskwatch_storage_up', READING);
    seen.outageS = (Date.now() - outageStart) / 1000;

    await influx.restart();
    const back = Date.now();
    await until(async () => (await metrics())('riskwatch_storage_backlog_entries', READING) < 2000, 90_000, 'backlog written after the outage');
    seen.drainS = (Date.now() - back) / 1000;
    await sleep(10_000); // steady load after the return
    await publisher.stop();
    publisher = null;
    let last = -1;
    await until(async () => {
      const m = await metrics();
      const pos = m('riskwatch_journal_last_position');
      const done = m('riskwatch_storage_backlog_entries', READING) === 0 && pos === last;
      last = pos;
      return done;
    }, 60_000, 'writer caught up after the load stopped');
  }, 420_000);

  afterAll(async () => {
    await publisher?.stop();
    server?.child.kill('SIGKILL');
    await server?.exited;
    await influx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('held the backlog through the outage and the kill (> 32,000 lines, > 180 s), counted the failures, and wrote it afterwards', () => {
    console.info(`influx outage figures: ${JSON.stringify(seen)}`);
    expect(seen.upAtKill).toBe(0);
    expect(seen.backlogAtKill).toBeGreaterThan(15_000);
    expect(seen.spoolAtKill).toBeGreaterThan(0);
    expect(seen.failuresAtKill).toBeGreaterThan(0);
    expect(seen.outageS).toBeGreaterThan(180);
    expect(seen.upBeforeReturn).toBe(0);
    expect(seen.backlogBeforeReturn).toBeGreaterThan(32_000);
    expect(seen.lagBeforeReturn).toBeGreaterThan(180);
    expect(seen.drainS).toBeLessThan(60);
  });

  it('InfluxDB holds exactly the accepted readings: every journal row once, by (enterprise, sensor, ts, seq)', async () => {
    const db = new Database(join(dataDir, 'journal.db'), { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT enterprise, sensor, ts, seq FROM readings').raw(true).all() as [string, string, number, number | null][];
    db.close();
    const stored = rows.map(([e, s, ts, seq]) => `${e}/${s}/${ts}/${seq}`).sort();
    expect(stored.length).toBeGreaterThan(60_000);
    expect(new Set(stored).size).toBe(stored.length);
    const [res] = await influxQuery(influx.conn, 'SELECT seq, lag_ms FROM reading GROUP BY enterprise, sensor', { epoch: 'u', timeoutMs: 120_000 });
    const points = res!.series.flatMap((s) => s.values.map((v) => `${s.tags!.enterprise}/${s.tags!.sensor}/${Math.floor((v[0] as number) / 1000)}/${v[1] ?? null}`)).sort();
    const inInflux = new Set(points);
    const missing = stored.filter((k) => !inInflux.has(k));
    const storedSet = new Set(stored);
    const extra = points.filter((k) => !storedSet.has(k));
    expect({ missing: missing.slice(0, 5), missingN: missing.length, extra: extra.slice(0, 5), extraN: extra.length }).toEqual({ missing: [], missingN: 0, extra: [], extraN: 0 });
    expect(points.length).toBe(stored.length);
    const m = await metrics();
    expect(m('riskwatch_storage_points_rejected_total', READING)).toBe(0);
    expect(m('riskwatch_storage_up', READING)).toBe(1);
  }, 120_000);
});
