// The Grafana dashboards and provisioning (docs/grafana.md):
// - the committed JSON is what the builders generate, and nothing else lies in dashboards/;
// - every dashboard parses, is in Beijing time, and every panel, target, variable and annotation names only the
//   provisioned data source uid;
// - every query of every dashboard, with `$timeFilter`, `$__interval` … and the variables expanded as Grafana
//   would (expand.ts, check.ts), runs against a real influxd and returns data.
// The data source of the last part is `source()` below: today the demo fixture (test/support/influx-data.ts);
// a real demo run through the writer can replace it without touching the runner.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../../app/config-file.ts';
import { influxQuery } from '../../storage/influx/transport.ts';
import { demoData, writeDemoData } from '../../test/support/influx-data.ts';
import { startTestInfluxd } from '../../test/support/influx.ts';
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

describe('every query against a real influxd', () => {
  let stop: () => Promise<void> = async () => {};
  let run: Run;
  let now = 0;

  /** Where the data comes from: the demo fixture written into a fresh influxd. */
  async function source(): Promise<{ run: Run; now: number; stop: () => Promise<void> }> {
    const ix = await startTestInfluxd('riskwatch');
    const data = demoData({ registry: loadConfigFile(join(HERE, '../../config/demo.yaml')).registry, now: Date.now() });
    await writeDemoData({ url: ix.conn.url, db: 'riskwatch' }, data);
    // As the provisioned data source does: InfluxQL over /query with an Authorization: Token header.
    const conn = { ...ix.conn, token: 'grafana' };
    return { run: async (q) => (await influxQuery(conn, q))[0]?.series ?? [], now: data.now, stop: ix.cleanup };
  }

  beforeAll(async () => {
    const s = await source();
    ({ run, now, stop } = s);
  }, 120_000);
  afterAll(async () => { await stop(); });

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
