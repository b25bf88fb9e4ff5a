// The dashboard state series: line builders and samplers (pure, table-driven), the sampler on a manual clock,
// and one round trip through a real influxd for the untrusted site name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { Level } from '../../core/level.ts';
import type { EnterpriseDef } from '../../core/registry.ts';
import { writeLines } from '../../test/support/influx-data.ts';
import { startTestInfluxd, type TestInfluxd } from '../../test/support/influx.ts';
import { influxQuery } from './transport.ts';
import {
  enterpriseHealthFrom, enterpriseHealthLine, siteLevelLine, siteLevelsFrom, StateSeriesSampler,
  type AlertRef, type EnterpriseHealthSample, type SiteLevelSample,
} from './state-series.ts';

const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);
const none = { red: 0, orange: 0, yellow: 0, blue: 0 };

const ENTERPRISES = [
  {
    id: 'e1', name: '示例煤业', county: '530302', sector: 'coal', state: { state: 'normal' }, devices: [],
    sites: [
      { id: 's1', name: '一号井', kind: 'coal_mine', location: { lat: 25.5, lon: 103.8 }, areas: [], items: [], params: {},
        sensors: [{ id: 'ch4-1', type: 'mine_ch4' }, { id: 'pm-1', type: 'power_meter' }] },
      { id: 's2', name: '二号井', kind: 'coal_mine', location: { lat: 25.6, lon: 103.9 }, areas: [], items: [], params: {}, sensors: [] },
    ],
  },
  {
    id: 'e2', name: '示例化工', county: '530402', sector: 'hazchem', state: { state: 'suspended' }, devices: [],
    sites: [{ id: 's1', name: '厂区 "A"\\区', kind: 'chemical_plant', location: { lat: 24.3, lon: 102.5 }, areas: [], items: [], params: {},
      sensors: [{ id: 'lel-1', type: 'gas_combustible' }] }],
  },
] as unknown as EnterpriseDef[];

describe('line builders', () => {
  it.each<[string, SiteLevelSample, string]>([
    ['a quiet site: level 0, every count 0, integers with i, ns timestamp',
      { enterpriseId: 'e1', siteId: 's1', county: '530302', name: '一号井', lat: 25.5, lon: 103.8, level: Level.none, open: none },
      'site_level,enterprise=e1,site=s1,county=530302 level=0i,lat=25.5,lon=103.8,name="一号井",open_red=0i,open_orange=0i,open_yellow=0i,open_blue=0i 1795305600000000000'],
    ['red is 4 (core/level.ts order), counts per level',
      { enterpriseId: 'e1', siteId: 's1', county: '530302', name: 'x', lat: 25, lon: 103, level: Level.red, open: { red: 1, orange: 2, yellow: 0, blue: 3 } },
      'site_level,enterprise=e1,site=s1,county=530302 level=4i,lat=25,lon=103,name="x",open_red=1i,open_orange=2i,open_yellow=0i,open_blue=3i 1795305600000000000'],
    ['an untrusted name cannot break out of its string field; tags escaped',
      { enterpriseId: 'e 1', siteId: 's,1', county: '53=02', name: 'a"b\\c\nd', lat: 1, lon: 2, level: Level.blue, open: { ...none, blue: 1 } },
      'site_level,enterprise=e\\ 1,site=s\\,1,county=53\\=02 level=1i,lat=1,lon=2,name="a\\"b\\\\c d",open_red=0i,open_orange=0i,open_yellow=0i,open_blue=1i 1795305600000000000'],
  ])('siteLevelLine: %s', (_why, sample, line) => expect(siteLevelLine(sample, T0)).toBe(line));

  it('enterpriseHealthLine: sensors, online, offline = sensors − online, the enterprise state', () => {
    const h: EnterpriseHealthSample = { enterpriseId: 'e2', county: '530402', sensors: 10, online: 7, state: 'suspended' };
    expect(enterpriseHealthLine(h, T0)).toBe('enterprise_health,enterprise=e2,county=530402 sensors=10i,online=7i,offline=3i,state="suspended" 1795305600000000000');
  });

  it('refuses a non-finite coordinate rather than writing a bad line', () => {
    expect(() => siteLevelLine({ enterpriseId: 'e', siteId: 's', county: '1', name: 'n', lat: Number.NaN, lon: 0, level: Level.none, open: none }, T0)).toThrow();
  });
});

describe('samples from the platform state', () => {
  const alert = (o: Partial<AlertRef>): AlertRef => ({ kind: 'process', enterpriseId: 'e1', siteId: 's1', level: 'yellow', handling: 'open', ...o });

  it.each<[string, AlertRef[], Record<string, { level: Level; open: typeof none }>]>([
    ['no alerts: every site of the registry, level none', [], { 'e1/s1': { level: Level.none, open: none }, 'e1/s2': { level: Level.none, open: none }, 'e2/s1': { level: Level.none, open: none } }],
    ['the highest open level wins; counts per level', [alert({ level: 'blue' }), alert({ level: 'orange' }), alert({ level: 'orange', handling: 'handling' })],
      { 'e1/s1': { level: Level.orange, open: { ...none, orange: 2, blue: 1 } } }],
    ['cleared and archived alerts are not open', [alert({ level: 'red', handling: 'cleared' }), alert({ level: 'red', handling: 'archived' }), alert({ level: 'blue' })],
      { 'e1/s1': { level: Level.blue, open: { ...none, blue: 1 } } }],
    ['device and system alerts stay off the risk map', [alert({ kind: 'device', level: 'red' }), alert({ kind: 'system', enterpriseId: null, siteId: null, level: 'red' })],
      { 'e1/s1': { level: Level.none, open: none } }],
    ['an alert of an unknown site changes nothing', [alert({ siteId: 'gone', level: 'red' })], { 'e1/s1': { level: Level.none, open: none } }],
  ])('siteLevelsFrom: %s', (_why, alerts, want) => {
    const got = new Map(siteLevelsFrom(ENTERPRISES, alerts).map((s) => [`${s.enterpriseId}/${s.siteId}`, s]));
    expect(got.size).toBe(3);
    for (const [k, w] of Object.entries(want)) expect({ level: got.get(k)!.level, open: got.get(k)!.open }, k).toEqual(w);
    expect(got.get('e1/s1')).toMatchObject({ county: '530302', name: '一号井', lat: 25.5, lon: 103.8 });
  });

  it('enterpriseHealthFrom: online within 3 nominal intervals of receipt, comm_lost is offline, state from the registry', () => {
    const now = T0;
    const latest: Record<string, { receivedAt: number; quality: string }> = {
      'e1/ch4-1': { receivedAt: now - 30_000, quality: 'ok' }, // 10 s type: 30 s is exactly 3 intervals
      'e1/pm-1': { receivedAt: now - 46 * 60_000, quality: 'ok' }, // 15 min type: 46 min > 45 min
      'e2/lel-1': { receivedAt: now - 1000, quality: 'comm_lost' },
    };
    const got = enterpriseHealthFrom(ENTERPRISES, (e, s) => latest[`${e}/${s}`], now);
    expect(got).toEqual([
      { enterpriseId: 'e1', county: '530302', sensors: 2, online: 1, state: 'normal' },
      { enterpriseId: 'e2', county: '530402', sensors: 1, online: 0, state: 'suspended' },
    ]);
  });
});

describe('StateSeriesSampler on a manual clock', () => {
  function rig(o: { failFirst?: number } = {}) {
    const clock = new ManualClock(T0);
    const writes: string[][] = [];
    let fail = o.failFirst ?? 0;
    let levels: AlertRef[] = [];
    const errors: string[] = [];
    const sampler = new StateSeriesSampler({
      clock,
      write: async (lines) => {
        if (fail > 0) { fail--; throw new Error('influx down'); }
        writes.push(lines);
      },
      siteLevels: () => siteLevelsFrom(ENTERPRISES, levels),
      enterpriseHealth: () => enterpriseHealthFrom(ENTERPRISES, () => undefined, clock.now()),
      onError: (_e, what) => errors.push(what),
    });
    const measurements = () => writes.map((w) => w.map((l) => l.slice(0, l.indexOf(','))));
    return { clock, sampler, writes, errors, measurements, setAlerts: (a: AlertRef[]) => { levels = a; } };
  }
  const red: AlertRef = { kind: 'process', enterpriseId: 'e1', siteId: 's2', level: 'red', handling: 'open' };

  it('writes every site and every enterprise at start, health every 60 s, every site again every 5 min', async () => {
    const r = rig();
    r.sampler.start();
    await r.sampler.idle();
    expect(r.measurements()).toEqual([['site_level', 'site_level', 'site_level'], ['enterprise_health', 'enterprise_health']]);
    r.writes.length = 0;
    for (let i = 0; i < 5; i++) { r.clock.advance(60_000); await r.sampler.idle(); }
    const flat = r.measurements().flat();
    expect(flat.filter((m) => m === 'enterprise_health')).toHaveLength(10);
    expect(flat.filter((m) => m === 'site_level')).toHaveLength(3); // the heartbeat at 5 min, nothing changed
    await r.sampler.stop();
  });

  it('writes a changed site within a check (10 s), and at once on changed(); unchanged sites are not rewritten', async () => {
    const r = rig();
    r.sampler.start();
    await r.sampler.idle();
    r.writes.length = 0;
    r.setAlerts([red]);
    r.clock.advance(10_000);
    await r.sampler.idle();
    expect(r.writes).toHaveLength(1);
    expect(r.writes[0]).toEqual([siteLevelLine(siteLevelsFrom(ENTERPRISES, [red]).find((s) => s.siteId === 's2')!, T0 + 10_000)]);
    r.setAlerts([{ ...red, handling: 'cleared' }]);
    r.sampler.changed();
    await r.sampler.idle();
    expect(r.writes).toHaveLength(2);
    expect(r.writes[1]![0]).toContain('level=0i');
    await r.sampler.stop();
  });

  it('a failed write is reported, and the sites it carried are written at the next check', async () => {
    const r = rig({ failFirst: 1 });
    r.sampler.start(); // the start heartbeat fails, the health write goes through
    await r.sampler.idle();
    expect(r.errors).toEqual(['site_level']);
    expect(r.sampler.stats.writesFailed).toBe(1);
    expect(r.measurements().flat()).toEqual(['enterprise_health', 'enterprise_health']);
    r.clock.advance(10_000);
    await r.sampler.idle();
    expect(r.measurements().flat().filter((m) => m === 'site_level')).toHaveLength(3);
    await r.sampler.stop();
  });

  it('writes one batch at a time; requests during a slow write merge into the next one; nothing after stop()', async () => {
    const clock = new ManualClock(T0);
    let release: () => void = () => {};
    let inFlight = 0;
    let maxInFlight = 0;
    const batches: string[][] = [];
    const sampler = new StateSeriesSampler({
      clock,
      write: (lines) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        batches.push(lines);
        return new Promise<void>((res) => { release = () => { inFlight--; res(); }; });
      },
      siteLevels: () => siteLevelsFrom(ENTERPRISES, []),
      enterpriseHealth: () => [],
    });
    sampler.start();
    await Promise.resolve();
    for (let i = 0; i < 5; i++) sampler.changed();
    clock.advance(5 * 60_000); // heartbeat and checks pile up while the first write hangs
    for (let i = 0; i < 10 && inFlight > 0; i++) { release(); await new Promise((r) => setImmediate(r)); }
    await sampler.stop();
    expect(maxInFlight).toBe(1);
    expect(batches.length).toBeLessThanOrEqual(3);
    const n = batches.length;
    clock.advance(10 * 60_000);
    await sampler.idle();
    expect(batches.length).toBe(n);
  });
});

describe('site_level through a real influxd', () => {
  let ix: TestInfluxd;
  beforeAll(async () => { ix = await startTestInfluxd('riskwatch'); });
  afterAll(async () => { await ix?.cleanup(); });

  it('stores an untrusted site name exactly, and last() per site finds the current level', async () => {
    const t = { url: ix.conn.url, db: 'riskwatch' };
    await influxQuery(ix.conn, 'CREATE DATABASE riskwatch');
    const samples = siteLevelsFrom(ENTERPRISES, [{ kind: 'process', enterpriseId: 'e2', siteId: 's1', level: 'orange', handling: 'open' }]);
    const now = Date.now();
    await writeLines(t, [...siteLevelsFrom(ENTERPRISES, []).map((s) => siteLevelLine(s, now - 60_000)), ...samples.map((s) => siteLevelLine(s, now))]);
    const [res] = await influxQuery(ix.conn, 'SELECT last("level") AS "level", last("name") AS "name" FROM "site_level" WHERE time > now() - 1h GROUP BY "enterprise", "site"');
    const rows = Object.fromEntries(res!.series.map((s) => [`${s.tags!.enterprise}/${s.tags!.site}`, s.values[0]!.slice(1)]));
    expect(rows).toEqual({ 'e1/s1': [0, '一号井'], 'e1/s2': [0, '二号井'], 'e2/s1': [3, '厂区 "A"\\区'] });
  });
});
