// Issue 5 (InfluxDB writer), the platform end to end with a real influxd 1.6.7: simulators publish over MQTT
// (history through the import path, then live readings) for a while; afterwards InfluxDB holds exactly the
// readings ingest accepted, the writer counted exactly those, and every alert event is an alert_event point.
// And the backpressure path: with InfluxDB down the `influx` cursor holds the journal back, the spool grows
// and the kind: system spool alert is raised; with InfluxDB back the backlog drains and the alert recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import type { RegistryDef } from '../core/registry.ts';
import { sensorType } from '../core/sensor-types.ts';
import { createSimulation } from '../simulators/simulation.ts';
import { startPublisher, type Publisher } from '../simulators/publisher.ts';
import { syntheticRegistry } from '../simulators/synthetic.ts';
import { importThrough } from '../app/simulator.ts';
import { influxQuery } from '../storage/influx/transport.ts';
import { splitTimeNs } from '../storage/influx/schema.ts';
import { startTestInfluxd, type TestInfluxd } from './support/influx.ts';
import { startTestPlatform, until, type TestPlatform } from './support/platform.ts';
import { metricValue, scrapeMetrics } from './support/metrics.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const READING = { measurement: 'reading' };

describe('InfluxDB writer: platform with simulators → InfluxDB', () => {
  let influx: TestInfluxd;
  let p: TestPlatform;
  let publisher: Publisher | null = null;
  const registry: RegistryDef = syntheticRegistry({ sensors: 120, devices: 12, gatewayBatch: true });

  beforeAll(async () => {
    influx = await startTestInfluxd('rw_it');
    p = await startTestPlatform(registry, {
      platform: { influx: { url: influx.conn.url, db: 'rw_it', pollMs: 20 } },
      simulator: async (pl) => {
        const simulation = createSimulation({ registry, scenario: 'normal', seed: 7, clock: systemClock, startMs: Date.now(), backfillMs: 20 * 60_000, intervalS: 1 });
        publisher = await startPublisher({ url: pl.urls.mqtt, demoSecret: pl.demoSecret, simulation, qos: 1, importReadings: importThrough(pl.ingest) });
        return { stop: () => publisher!.stop() };
      },
    });
  }, 60_000);

  afterAll(async () => {
    await p?.cleanup();
    await influx?.cleanup();
  });

  it('writes exactly the accepted readings: InfluxDB == writer count == riskwatch_readings_accepted_total', async () => {
    await sleep(12_000);
    await publisher!.stop();
    const accepted = () => p.counters.ingest.accepted;
    await until(() => p.journal.stats().lastPos > 0, 5000, 'readings in the journal');
    await until(() => { const r = p.storage.metrics().rows[0]!; return r.backlog === 0 && r.written === accepted(); }, 30_000, 'writer caught up');
    const ms = await scrapeMetrics(p.urls.metrics);
    const n = accepted();
    expect(n).toBeGreaterThan(1500);
    expect(metricValue(ms, 'riskwatch_readings_accepted_total')).toBe(n);
    expect(metricValue(ms, 'riskwatch_storage_points_written_total', READING)).toBe(n);
    expect(metricValue(ms, 'riskwatch_storage_points_rejected_total', READING)).toBe(0);
    expect(metricValue(ms, 'riskwatch_storage_backlog_entries', READING)).toBe(0);
    expect(metricValue(ms, 'riskwatch_storage_up', READING)).toBe(1);
    expect(metricValue(ms, 'riskwatch_storage_enabled')).toBe(1);
    expect(await influx.count('reading', 'lag_ms')).toBe(n);
    // Every journal row is there, by (sensor, ts, seq).
    const stored = p.journal.read(0, 1_000_000).map((e) => `${e.enterpriseId}/${e.sensorId}/${e.ts}/${e.seq}`).sort();
    const [res] = await influxQuery(influx.conn, 'SELECT seq, lag_ms FROM reading GROUP BY enterprise, sensor', { epoch: 'u' });
    const points = res!.series.flatMap((s) => s.values.map((v) => `${s.tags!.enterprise}/${s.tags!.sensor}/${Math.floor((v[0] as number) / 1000)}/${v[1] ?? null}`)).sort();
    expect(points).toEqual(stored);
  }, 90_000);

  it('tags points with the sensor type and county, fields as the schema says', async () => {
    const e = registry.enterprises[0]!;
    const s = e.sites[0]!.sensors.find((x) => sensorType(x.type)!.metrics && Object.values(sensorType(x.type)!.metrics)[0]!.kind === 'number')!;
    const [res] = await influxQuery(influx.conn, `SELECT * FROM reading WHERE sensor = $s AND enterprise = $e LIMIT 1`, { params: { s: s.id, e: e.id }, epoch: 'ns' });
    const row = res!.series[0]!;
    const get = (c: string) => row.values[0]![row.columns.indexOf(c)];
    expect(get('type')).toBe(s.type);
    expect(get('county')).toBe(e.county);
    expect(get('site')).toBe(e.sites[0]!.id);
    expect(get('interval_s')).toBe(sensorType(s.type)!.intervalS);
    expect(typeof get('lag_ms')).toBe('number');
    expect(get('quality')).toBe('ok');
    const [types] = await influxQuery(influx.conn, 'SHOW FIELD KEYS FROM reading');
    const fieldTypes = Object.fromEntries(types!.series[0]!.values.map((v) => [v[0], v[1]]));
    for (const m of Object.keys(sensorType(s.type)!.metrics)) expect(fieldTypes[m]).toBe('float');
    expect(fieldTypes).toMatchObject({ lag_ms: 'float', interval_s: 'float', quality: 'string', seq: 'integer' });
    expect(splitTimeNs(BigInt(Math.round((get('time') as number) / 1e6)) * 1_000_000n).ms).toBeGreaterThan(0);
  });

  it('writes every alert event of the store as an alert_event point', async () => {
    const feed = p.rules.store.lastFeedSeq();
    await until(() => p.storage.metrics().rows[1]!.backlog === 0, 15_000, 'alert events written');
    const written = p.storage.metrics().rows[1]!.written;
    expect(written).toBe(feed);
    if (feed > 0) expect(await influx.count('alert_event', 'version')).toBe(feed);
  });
});

describe('InfluxDB outage: the cursor holds the journal back, the spool alert fires, the backlog drains', () => {
  let influx: TestInfluxd;
  let p: TestPlatform;
  const registry: RegistryDef = syntheticRegistry({ sensors: 40, devices: 4, gatewayBatch: true });

  beforeAll(async () => {
    influx = await startTestInfluxd('rw_spool');
    p = await startTestPlatform(registry, {
      platform: { influx: { url: influx.conn.url, db: 'rw_spool', pollMs: 20, retryMaxMs: 500 }, journal: { fsync: false, limitBytes: 120_000 }, rules: { tickMs: 1000, checkpointMs: 1000 } },
    });
  }, 60_000);

  afterAll(async () => {
    await p?.cleanup();
    await influx?.cleanup();
  });

  it('rides out the outage and replays in order', async () => {
    const e = registry.enterprises[0]!;
    const site = e.sites[0]!;
    const gw = e.devices.find((d) => d.kind === 'gateway')!;
    const sensors = site.sensors.filter((s) => gw.sensors.includes(s.id) && Object.values(sensorType(s.type)!.metrics).every((m) => m.kind === 'number'));
    let seq = 0;
    const base = Date.now() - 3600_000;
    const batch = () => sensors.map((s) => ({ site: site.id, sensor: s.id, ts: base + seq * 1000, seq: seq++, values: Object.fromEntries(Object.keys(sensorType(s.type)!.metrics).map((m) => [m, 1])) }));
    const post = async () => p.ingest.handle({ source: 'import', topic: `import/${e.id}`, payload: Buffer.from(JSON.stringify(batch())), enterpriseId: e.id, deviceId: null });
    for (let i = 0; i < 10; i++) await post();
    await until(() => p.storage.metrics().rows[0]!.backlog === 0 && p.counters.ingest.accepted > 0, 10_000, 'first readings written');

    await influx.kill();
    // Readings keep coming; the writer's cursor holds them in the journal until the spool nears its limit.
    await until(async () => { await post(); return p.journal.stats().unconsumedBytes >= 0.82 * p.journal.stats().limitBytes; }, 30_000, 'spool at 82 %');
    expect(p.storage.metrics().rows[0]).toMatchObject({ up: false });
    expect(p.storage.metrics().rows[0]!.backlog).toBeGreaterThan(0);
    // The rule path does not wait for InfluxDB: the engine has applied every committed reading.
    await until(() => p.rules.engine.pos === p.journal.stats().lastPos, 2000, 'rules caught up while InfluxDB is down');
    // (Other system alerts may be open too: the holiday calendar's runs on the real date.)
    const spoolOpen = () => p.rules.manager.list({ state: 'open', limit: 10, kind: 'system' }).alerts.find((a) => a.rule === 'system.journal_spool');
    await until(() => spoolOpen() !== undefined, 15_000, 'spool alert raised');
    const spoolAlert = spoolOpen()!;

    await influx.restart();
    await until(() => p.storage.metrics().rows[0]!.backlog === 0, 30_000, 'backlog drained');
    // (the journal's byte count is refreshed by its next commit; the rules cursor moves at its checkpoints)
    await until(async () => { await post(); return p.journal.stats().unconsumedBytes < 0.5 * p.journal.stats().limitBytes; }, 10_000, 'spool below 50 %');
    await until(() => p.storage.metrics().rows[0]!.backlog === 0, 10_000, 'last readings written');
    await until(() => p.rules.manager.get(spoolAlert.id)!.condition === 'recovered', 15_000, 'spool alert recovered');
    const n = p.counters.ingest.accepted;
    expect(await influx.count('reading', 'lag_ms')).toBe(n);
    expect(p.storage.metrics().rows[0]).toMatchObject({ up: true, written: n, rejected: 0 });
  }, 120_000);
});
