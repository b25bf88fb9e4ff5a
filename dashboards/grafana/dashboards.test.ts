// The Grafana dashboards and provisioning (docs/grafana.md):
// - the committed JSON is what the builders generate, and nothing else lies in dashboards/;
// - every dashboard parses, is in Beijing time, and every panel, target, variable and annotation names only the
//   provisioned data source uid;
// - after a demo run, every query of every dashboard, with `$timeFilter`, `$__interval` … and the variables
//   expanded as Grafana would (expand.ts, check.ts), runs against that influxd and returns data (issue 5 "Done
//   when").
// The demo run (`demoRun()` below) is `riskwatch serve` as `npm start` runs it, a child process on config/demo.yaml
// with a fresh data dir, simulators on, scenario `showcase`, writing to an influxd the test starts: the first
// start imports the history through the import path, the live readings come over MQTT, and everything reaches
// InfluxDB through the platform's own writer (readings from the journal, alert events from the alert store's
// feed, site_level / enterprise_health from the StateSeriesSampler). Nothing is written into influxd by the
// test. Two things a demo does not do by itself within a minute are done as an operator would: the duty
// operator handles the lost sensor's device alert through the API (签收 → 研判 → 消警: the `cleared` event),
// and the red acknowledgement deadline is 20 s through the real policy knob `platform.rules.lifecycle` (the
// `overdue` event; 5 min by default). The run lasts until the writer has caught up with ingest and every
// enterprise has a second enterprise_health sample (60 s cadence); then the platform is stopped (SIGTERM) and
// the queries run with `now` = the end of the run. The same run checks issue 5's first "Done when" line on the
// demo: points in InfluxDB == what the writer delivered == what ingest accepted.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfigFile } from '../../app/config-file.ts';
import { influxQuery } from '../../storage/influx/transport.ts';
import { systemClock } from '../../core/clock.ts';
import { createSimulation } from '../../simulators/simulation.ts';
import { startTestInfluxd } from '../../test/support/influx.ts';
import { metricValue, scrapeMetrics, type MetricSample } from '../../test/support/metrics.ts';
import { freePort } from '../../test/support/ports.ts';
import { startServe, type ServeChild } from '../../test/support/serve.ts';
import { DASHBOARDS, render } from './build/index.ts';
import { DS_UID } from './build/grafana.ts';
import { allPanels, dashboardQueries, datasourceRefs, runDashboard, type Run } from './check.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIR = join(HERE, 'dashboards');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const parsed = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>;

describe('dashboard files', () => {
  it('are exactly what the builders generate (node --import tsx dashboards/grafana/build/main.ts)', () => {
    expect(FILES).toEqual(Object.keys(DASHBOARDS).sort());
    for (const [file, d] of Object.entries(DASHBOARDS)) expect(readFileSync(join(DIR, file), 'utf8'), file).toBe(render(d));
  });

  it.each(FILES)('%s: parses, has a unique uid and a Chinese title, shows Beijing time', (file) => {
    const d = parsed(file);
    expect(d.uid).toMatch(/^riskwatch-[a-z-]+$/);
    expect(String(d.title)).toMatch(/\p{Script=Han}/u);
    expect(d.timezone).toBe('Asia/Shanghai');
    expect(FILES.filter((f) => parsed(f).uid === d.uid)).toEqual([file]);
  });

  it.each(FILES)('%s: every panel, target, variable and annotation uses only the data source %s', (file) => {
    const d = parsed(file);
    const refs = datasourceRefs(d);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r.ref, r.path).toEqual({ type: 'influxdb', uid: DS_UID });
    for (const p of allPanels(d).filter((x) => x.type !== 'row')) {
      expect(p.datasource, `panel ${String(p.title)}`).toEqual({ type: 'influxdb', uid: DS_UID });
      const targets = p.targets as Record<string, unknown>[];
      expect(targets.length, `panel ${String(p.title)}`).toBeGreaterThan(0);
      for (const t of targets) expect(t.datasource, `panel ${String(p.title)} ${String(t.refId)}`).toEqual({ type: 'influxdb', uid: DS_UID });
    }
    const templating = (d.templating as { list: Record<string, unknown>[] }).list;
    for (const v of templating.filter((x) => x.type === 'query')) expect(v.datasource, `variable ${String(v.name)}`).toEqual({ type: 'influxdb', uid: DS_UID });
    for (const a of (d.annotations as { list: Record<string, unknown>[] }).list) expect(a.datasource, `annotation ${String(a.name)}`).toEqual({ type: 'influxdb', uid: DS_UID });
    // scope variables come from SHOW TAG VALUES
    for (const v of templating.filter((x) => ['county', 'enterprise', 'site', 'sensor'].includes(String(x.name)))) expect(String(v.query)).toMatch(/^SHOW TAG VALUES FROM "reading" WITH KEY = "(county|enterprise|site|sensor)"/);
  });
});

describe('alert counts', () => {
  it('the alert dashboard\'s count stats show 0, not "No data", when nothing happened (an operator reads "No data" as broken)', () => {
    const stats = allPanels(parsed('alerts.json')).filter((p) => p.type === 'stat');
    expect(stats.map((p) => p.title)).toEqual(['报警', '升级', '逾期', '消警']);
    for (const p of stats) expect((p.fieldConfig as { defaults: { noValue?: string } }).defaults.noValue, String(p.title)).toBe('0');
  });
});

describe('provisioning', () => {
  const yaml = (p: string) => parseYaml(readFileSync(join(HERE, 'provisioning', p), 'utf8')) as Record<string, any>;

  it('provisions the InfluxQL data source with uid riskwatch-influxql from environment placeholders', () => {
    const ds = yaml('datasources/riskwatch.yaml').datasources;
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({
      uid: DS_UID, type: 'influxdb', access: 'proxy', url: '${RISKWATCH_INFLUX_URL}', database: '${RISKWATCH_INFLUX_DB}',
      jsonData: { version: 'InfluxQL', dbName: '${RISKWATCH_INFLUX_DB}', httpHeaderName1: 'Authorization' },
      secureJsonData: { httpHeaderValue1: 'Token ${RISKWATCH_INFLUX_TOKEN}' },
    });
  });

  it('provisions the dashboards from files', () => {
    const p = yaml('dashboards/riskwatch.yaml').providers;
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/^\//) } });
  });
});

// ---- the demo run ------------------------------------------------------------------------------------------

const ROOT = join(HERE, '../..');
/** Incidents in force at the start (simulators/scenarios/showcase.ts): a failing tailings dam (red, orange), a
 * heading without ventilation past the methane alarm value at the start and at cut-power a minute later (yellow,
 * then a level_up), a sensor reported comm_lost (a device alert), a calibration in the history (non-ok readings). */
const SCENARIO = 'showcase';
/** The red acknowledgement deadline of this run (default 5 min), so that unacknowledged red alerts go overdue. */
const RED_ACK_MS = 20_000;
/** From serve's start to a caught-up writer and the second enterprise_health sample (~70 s when the machine is quiet). */
const RUN_LIMIT_MS = 150_000;

/** A metric's value, an absent one counting as 0 (no event of a kind yet). */
const sum = (ms: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number => metricValue(ms, name, labels) || 0;

interface DemoCounts {
  /** riskwatch_readings_accepted_total */
  accepted: number;
  /** riskwatch_storage_points_written_total{measurement="reading"}, and the rejected ones */
  written: number;
  rejected: number;
  /** count("lag_ms") over the whole `reading` measurement (every point has lag_ms) */
  inInflux: number;
  /** riskwatch_alert_events_total (all labels), riskwatch_storage_points_written_total{measurement="alert_event"}, count("version") of alert_event */
  alertEvents: number;
  alertWritten: number;
  alertsInInflux: number;
}

/** The lost sensor of the scenario (the scenario's picks depend on neither the start time, the seed nor the
 * order the registry is listed in). */
function lostSensor(): { enterpriseId: string; sensorId: string } {
  const registry = loadConfigFile(join(ROOT, 'config/demo.yaml')).registry;
  const sim = createSimulation({ registry, scenario: SCENARIO, seed: 1, clock: systemClock, startMs: Date.now() });
  const key = sim.plan.facts.faults!.find((f) => f.fault === 'comm_lost')!.sensor;
  const [enterpriseId, sensorId] = key.split('/') as [string, string];
  return { enterpriseId, sensorId };
}

/**
 * `riskwatch serve` on the demo, writing to a fresh influxd; returns once the platform has stopped, with the
 * counts taken while it ran. Every wait is bounded; a timeout names what was missing and shows serve's output.
 */
async function demoRun(): Promise<{ run: Run; now: number; counts: DemoCounts; cleanup: () => Promise<void> }> {
  const influx = await startTestInfluxd('riskwatch');
  const dir = mkdtempSync(join(tmpdir(), 'rw-dashboards-'));
  let serve: ServeChild | null = null;
  const cleanup = async () => {
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) { serve.child.kill('SIGKILL'); await serve.exited; }
    await influx.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The demo registry as it is, plus one policy knob (the registry's rules.yaml is passed explicitly: it is found
    // beside the config file, and this copy lives elsewhere).
    const configFile = join(dir, 'demo.yaml');
    const policy = { platform: { rules: { lifecycle: { all: { levels: { red: { enterpriseAckMs: RED_ACK_MS } } } } } } };
    writeFileSync(configFile, `${readFileSync(join(ROOT, 'config/demo.yaml'), 'utf8')}\n${stringifyYaml(policy)}`);
    const ports = { mqtt: await freePort(), http: await freePort(), metrics: await freePort() };
    const t0 = Date.now();
    serve = await startServe({
      configFile, dataDir: join(dir, 'data'), ports,
      env: { RISKWATCH_SIMULATE: '1', RISKWATCH_SCENARIO: SCENARIO, RISKWATCH_INFLUX_URL: influx.conn.url, RISKWATCH_INFLUX_DB: 'riskwatch', RISKWATCH_RULES: join(ROOT, 'config/rules.yaml') },
    });
    const s = serve;
    const http = `http://127.0.0.1:${ports.http}`;
    const metrics = () => scrapeMetrics(`http://127.0.0.1:${ports.metrics}/metrics`);
    /** Polls `missing` (what is not there yet, or null) until it is null or the run's time is up. */
    const until = async (what: string, missing: () => Promise<string | null>) => {
      for (;;) {
        const m = await missing();
        if (m === null) return;
        if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`serve exited while waiting for ${what}:\n${s.output()}`);
        if (Date.now() - t0 > RUN_LIMIT_MS) throw new Error(`demo run: no ${what} within ${RUN_LIMIT_MS / 1000} s (${m}); serve's output:\n${s.output()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const events = (ms: MetricSample[], labels: Record<string, string>) => sum(ms, 'riskwatch_alert_events_total', labels);

    // 1. The scenario's incidents, announced by the rules at the first live readings.
    await until('incidents', async () => {
      const ms = await metrics();
      const want: [string, number][] = [
        ['red raised', events(ms, { level: 'red', event: 'raised' })],
        ['orange raised', events(ms, { level: 'orange', event: 'raised' })],
        ['yellow raised', events(ms, { level: 'yellow', event: 'raised' }) + events(ms, { level: 'yellow', event: 'level_up' })],
        // The blue annotation's query needs one; without waiting for it a slow run could be caught up before any (CI once).
        ['blue raised', events(ms, { level: 'blue', event: 'raised' }) + events(ms, { level: 'blue', event: 'level_up' })],
        ['level_up', events(ms, { event: 'level_up' })],
        ['device alert raised', events(ms, { kind: 'device', event: 'raised' })],
      ];
      const none = want.filter(([, n]) => n === 0).map(([w]) => w);
      return none.length > 0 ? `alert events missing: ${none.join(', ')}` : null;
    });

    // 2. The duty operator handles the lost sensor's device alert: 签收, 研判 (device fault), 消警.
    const lost = lostSensor();
    const login = await fetch(`${http}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'riskwatch-demo' }) });
    expect(login.status, await login.clone().text()).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    let alertId = '';
    await until(`the device alert of ${lost.enterpriseId}/${lost.sensorId}`, async () => {
      const res = await fetch(`${http}/api/alerts?kind=device&state=open&enterprise=${lost.enterpriseId}&limit=1000`, { headers: { cookie } });
      const items = ((await res.json()) as { items: { id: string; sensorId: string | null; condition: string }[] }).items;
      alertId = items.find((a) => a.sensorId === lost.sensorId && a.condition === 'active')?.id ?? '';
      return alertId ? null : `open device alerts: ${items.map((a) => a.sensorId ?? '(site)').join(', ') || 'none'}`;
    });
    for (const [action, body] of [['ack', {}], ['assess', { verdict: 'device_fault' }], ['clear', { reason: 'device_fault', note: '网关报告通信中断，已通知企业检修' }]] as const) {
      const res = await fetch(`${http}/api/alerts/${alertId}/${action}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, `${action}: ${await res.clone().text()}`).toBe(200);
    }

    // 3. Time-based events and the state series: red alerts nobody acknowledged go overdue; every enterprise gets
    //    a second enterprise_health sample (the first is written at start-up, before any live reading).
    const enterprises = loadConfigFile(join(ROOT, 'config/demo.yaml')).registry.enterprises.map((e) => e.id);
    await until('overdue and cleared events, two enterprise_health samples per enterprise', async () => {
      const ms = await metrics();
      if (events(ms, { event: 'overdue' }) === 0) return 'no overdue event';
      if (events(ms, { event: 'cleared' }) === 0) return 'no cleared event';
      const [res] = await influxQuery(influx.conn, 'SELECT count("online") FROM "enterprise_health" GROUP BY "enterprise"');
      const n = new Map((res?.series ?? []).map((x) => [x.tags!.enterprise!, x.values[0]![1] as number]));
      const short = enterprises.filter((e) => (n.get(e) ?? 0) < 2);
      return short.length > 0 ? `enterprise_health samples: ${enterprises.map((e) => `${e} ${n.get(e) ?? 0}`).join(', ')}` : null;
    });

    // 4. The writer has caught up: nothing behind for either measurement, written == accepted (a writer that lost
    //    or refused readings never gets there: the timeout names the numbers), and the counters did not move while
    //    InfluxDB was counted (readings keep coming: a quiet moment between two device ticks is waited for).
    let counts: DemoCounts | null = null;
    await until('a caught-up writer', async () => {
      const a = await metrics();
      const backlog = sum(a, 'riskwatch_storage_backlog_entries');
      const inInflux = await influx.count('reading', 'lag_ms');
      const alertsInInflux = await influx.count('alert_event', 'version');
      const b = await metrics();
      const c = (ms: MetricSample[]): DemoCounts => ({
        accepted: sum(ms, 'riskwatch_readings_accepted_total'),
        written: sum(ms, 'riskwatch_storage_points_written_total', { measurement: 'reading' }),
        rejected: sum(ms, 'riskwatch_storage_points_rejected_total'),
        inInflux, alertEvents: sum(ms, 'riskwatch_alert_events_total'),
        alertWritten: sum(ms, 'riskwatch_storage_points_written_total', { measurement: 'alert_event' }), alertsInInflux,
      });
      const [ca, cb] = [c(a), c(b)];
      const moved = JSON.stringify(ca) !== JSON.stringify(cb);
      if (backlog > 0 || moved || ca.written !== ca.accepted || ca.alertWritten !== ca.alertEvents) return `backlog ${backlog}, ${JSON.stringify(ca)}${moved ? ' (moved while counting)' : ''}`;
      counts = ca;
      return null;
    });

    // 5. Stop the platform as an operator would, and wait for it.
    s.child.kill('SIGTERM');
    const exited = await Promise.race([s.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    if (!exited) throw new Error(`serve did not stop within 20 s of SIGTERM:\n${s.output()}`);
    // As the provisioned data source does: InfluxQL over /query with an Authorization: Token header.
    const conn = { ...influx.conn, token: 'grafana' };
    return { run: async (q) => (await influxQuery(conn, q))[0]?.series ?? [], now: Date.now(), counts: counts!, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

describe('every query against a real influxd, after a demo run', () => {
  let cleanup: () => Promise<void> = async () => {};
  let run: Run;
  let now = 0;
  let counts: DemoCounts;

  beforeAll(async () => {
    ({ run, now, counts, cleanup } = await demoRun());
  }, RUN_LIMIT_MS + 60_000);
  afterAll(async () => { await cleanup(); });

  it('InfluxDB holds what the writer delivered, and the writer delivered what ingest accepted (issue 5, on the demo)', () => {
    expect(counts.accepted).toBeGreaterThan(100_000); // the 28-day history and the live minute
    expect(counts.written).toBe(counts.accepted);
    expect(counts.inInflux).toBe(counts.written);
    expect(counts.rejected).toBe(0);
    expect(counts.alertEvents).toBeGreaterThan(0);
    expect(counts.alertWritten).toBe(counts.alertEvents);
    expect(counts.alertsInInflux).toBe(counts.alertWritten);
  });

  it('finds queries in every dashboard: variables, panels, annotations', () => {
    for (const f of FILES) {
      const kinds = new Set(dashboardQueries(parsed(f)).map((q) => q.kind));
      expect(kinds.has('panel') && kinds.has('variable'), f).toBe(true);
    }
  });

  it.each(FILES)('%s: every query returns data with every variable at "All"', async (file) => {
    const { outcomes, options } = await runDashboard(parsed(file), run, now, 'all');
    for (const [name, values] of Object.entries(options)) expect(values.length, `variable ${name} has options`).toBeGreaterThan(0);
    const failed = outcomes.filter((o) => o.error !== null || o.series === 0 || o.rows === 0);
    expect(failed.map((o) => `${o.origin}: ${o.error ?? 'no data'}\n  ${o.expanded}`)).toEqual([]);
  });

  it.each(FILES)('%s: every query is valid InfluxQL with two values picked per variable (regex groups, the chain)', async (file) => {
    const { outcomes } = await runDashboard(parsed(file), run, now, 'pick');
    const failed = outcomes.filter((o) => o.error !== null);
    expect(failed.map((o) => `${o.origin}: ${o.error}\n  ${o.expanded}`)).toEqual([]);
  });
});
