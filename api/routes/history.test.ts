// GET /api/sensors/{e}/{s}/readings over a real fastify (api/server.ts) and the real InfluxHistory against a real
// influxd holding demo readings (test/support/influx-data.ts). The auth seam (ApiAuth) returns principals
// defined here; it is not the system under test.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../app/config-file.ts';
import type { Principal } from '../../core/scope.ts';
import { InfluxHistory } from '../../storage/influx/history.ts';
import { compileRegistry } from '../../storage/registry/compile.ts';
import { demoData, writeDemoData, type DemoData } from '../../test/support/influx-data.ts';
import { startTestInfluxd, type TestInfluxd } from '../../test/support/influx.ts';
import { freePort } from '../../test/support/ports.ts';
import type { ApiAuth } from '../auth.ts';
import type { ReadingsHistory } from '../deps.ts';
import { createHttpServer } from '../server.ts';
import { historyRoutes, MAX_POINTS } from './history.ts';

const REGISTRY = loadConfigFile(new URL('../../config/demo.yaml', import.meta.url).pathname).registry;
const COMPILED = compileRegistry(REGISTRY.enterprises, []);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const PRINCIPALS: Record<string, Principal> = {
  operator: { id: 'user:operator', role: 'operator', scope: { kind: 'platform' } },
  // 曲靖 prefecture (530300) covers 麒麟区 530302 (qilin-coal), not 玉溪 (yuxi-chem 530402)
  qujing: { id: 'user:qujing', role: 'regulator', scope: { kind: 'jurisdiction', codes: ['530300'] } },
  coal: { id: 'user:coal', role: 'enterprise', scope: { kind: 'enterprise', enterpriseId: 'qilin-coal' } },
  chem: { id: 'user:chem', role: 'enterprise', scope: { kind: 'enterprise', enterpriseId: 'yuxi-chem' } },
};
const auth: ApiAuth = { allowPlaintext: true, session: () => null, token: (t) => PRINCIPALS[t] ?? null, device: () => null };

interface Res { status: number; body: any }

async function serve(history: ReadingsHistory | undefined, now: () => number) {
  const app: FastifyInstance = createHttpServer({ bodyLimit: 1 << 20 });
  historyRoutes(app, { auth, registry: { compiled: COMPILED }, now, ...(history ? { history } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const get = async (who: string | null, path: string): Promise<Res> => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: who ? { authorization: `Bearer ${who}` } : {} });
    return { status: r.status, body: await r.json() };
  };
  return { app, get };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /api/sensors/{e}/{s}/readings (real influxd)', () => {
  let ix: TestInfluxd;
  let data: DemoData;
  let api: Awaited<ReturnType<typeof serve>>;
  const path = (e: string, s: string, q: Record<string, string | number> = {}) =>
    `/api/sensors/${e}/${s}/readings${Object.keys(q).length ? `?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}` : ''}`;

  beforeAll(async () => {
    ix = await startTestInfluxd('riskwatch');
    data = demoData({ registry: REGISTRY, now: Date.now(), only: ['qilin-coal/ch4-1101-t0', 'qilin-coal/feed-1101-face', 'yuxi-chem/lel-fn-03', 'puer-wood/pm-01'] });
    await writeDemoData({ url: ix.conn.url, db: 'riskwatch' }, data);
    api = await serve(new InfluxHistory(ix.conn), () => data.now);
  });
  afterAll(async () => {
    await api?.app.close();
    await ix?.cleanup();
  });

  it('every=15m: per metric the mean and count of ok readings per bucket, with unit and name', async () => {
    const from = data.now - 6 * HOUR;
    const r = await api.get('operator', path('qilin-coal', 'ch4-1101-t0', { from: iso(from), to: data.now, every: '15m' }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ enterpriseId: 'qilin-coal', siteId: 'mine-1', sensorId: 'ch4-1101-t0', type: 'mine_ch4', typeName: '甲烷传感器', mode: 'mean', every: '15m', everyMs: 900_000, from: iso(from), to: iso(data.now) });
    const ch4 = r.body.metrics.ch4;
    expect(ch4).toMatchObject({ unit: '%vol', name: '甲烷浓度', kind: 'number' });
    const rs = data.readingsOf('qilin-coal', 'ch4-1101-t0').filter((x) => x.ts >= from && x.ts < data.now && x.quality === 'ok');
    expect(ch4.points.reduce((n: number, p: { n: number }) => n + p.n, 0)).toBe(rs.length);
    expect(ch4.points.length).toBeLessThanOrEqual(25);
    expect(Date.parse(ch4.points[0].ts) % 900_000).toBe(0);
  });

  it('without every, a small range: the readings themselves, booleans as booleans, with quality and seq', async () => {
    const from = data.now - 3 * HOUR - 5 * MIN;
    const to = data.now - 3 * HOUR + 20 * MIN;
    const r = await api.get('coal', path('qilin-coal', 'feed-1101-face', { from, to }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ mode: 'raw', every: null, everyMs: null });
    const pts = r.body.metrics.feed.points as { ts: string; value: boolean; quality: string; seq: number }[];
    const want = data.readingsOf('qilin-coal', 'feed-1101-face').filter((x) => x.ts >= from && x.ts < to);
    expect(pts.map((p) => [Date.parse(p.ts), p.value, p.quality, p.seq])).toEqual(want.map((x) => [x.ts, x.values.feed, x.quality, x.seq]));
    expect(pts.some((p) => p.value === false)).toBe(true);
  });

  it('without every, a long range: means at an automatic width (≥ the nominal interval, ≤ 1000 buckets)', async () => {
    const r = await api.get('operator', path('qilin-coal', 'ch4-1101-t0', { from: data.now - 7 * DAY, to: data.now }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ mode: 'mean', every: '15m' }); // 7 d / 1000 = 605 s → the next nice width
    const meter = await api.get('operator', path('puer-wood', 'pm-01', { from: data.now - 30 * DAY, to: data.now }));
    expect(meter.body).toMatchObject({ mode: 'raw' }); // 2,880 readings at 15 min: small enough to send as they are
    expect(meter.body.metrics.p.points.length).toBeGreaterThan(2800);
  });

  it('takes ISO 8601 with an offset (Beijing time) as well as epoch ms; defaults to the last 24 h', async () => {
    const a = await api.get('operator', path('qilin-coal', 'ch4-1101-t0', { from: '2026-11-22T08:00:00+08:00', to: '2026-11-22T09:00:00+08:00', every: '1h' }));
    expect(a.status).toBe(200);
    expect(a.body.from).toBe('2026-11-22T00:00:00.000Z');
    const d = await api.get('operator', path('qilin-coal', 'ch4-1101-t0', { every: '1h' }));
    expect(d.body).toMatchObject({ from: iso(data.now - DAY), to: iso(data.now) });
    expect(d.body.metrics.ch4.points.length).toBeGreaterThanOrEqual(24);
  });

  it('scope: an enterprise user reads its own sensors; another enterprise\'s sensor is a 404 like a missing one', async () => {
    expect((await api.get('coal', path('qilin-coal', 'ch4-1101-t0', { every: '1h' }))).status).toBe(200);
    const foreign = await api.get('coal', path('yuxi-chem', 'lel-fn-03', { every: '1h' }));
    const missing = await api.get('coal', path('yuxi-chem', 'no-such-sensor', { every: '1h' }));
    const noEnterprise = await api.get('coal', path('no-such-enterprise', 'lel-fn-03', { every: '1h' }));
    expect(foreign).toEqual({ status: 404, body: { code: 'RW_ERR_NOT_FOUND', message: 'no such sensor in your scope' } });
    expect(missing).toEqual(foreign);
    expect(noEnterprise).toEqual(foreign);
    expect((await api.get('chem', path('qilin-coal', 'ch4-1101-t0', { every: '1h' }))).status).toBe(404);
    expect((await api.get('chem', path('yuxi-chem', 'lel-fn-03', { every: '1h' }))).status).toBe(200);
    // bad parameters on a foreign sensor still say nothing about it
    expect((await api.get('coal', path('yuxi-chem', 'lel-fn-03', { every: 'soon' }))).status).toBe(404);
  });

  it('scope: a jurisdiction sees the enterprises of its counties only (曲靖 530300 ⊃ 麒麟 530302, not 玉溪)', async () => {
    expect((await api.get('qujing', path('qilin-coal', 'ch4-1101-t0', { every: '1h' }))).status).toBe(200);
    expect((await api.get('qujing', path('yuxi-chem', 'lel-fn-03', { every: '1h' }))).status).toBe(404);
  });

  it('needs a principal: 401 RW_ERR_AUTH without one', async () => {
    expect(await api.get(null, path('qilin-coal', 'ch4-1101-t0'))).toMatchObject({ status: 401, body: { code: 'RW_ERR_AUTH' } });
  });

  it.each<[string, Record<string, string | number>, string]>([
    ['from is not a time', { from: 'yesterday' }, 'RW_ERR_VALIDATION'],
    ['a date-time without an offset is ambiguous', { from: '2026-11-22T08:00:00' }, 'RW_ERR_VALIDATION'],
    ['every is not a duration', { every: 'fast' }, 'RW_ERR_VALIDATION'],
    ['every below one second', { every: '500ms' }, 'RW_ERR_VALIDATION'],
    ['every of zero', { every: '0' }, 'RW_ERR_VALIDATION'],
    ['unknown parameter', { limit: 5 }, 'RW_ERR_VALIDATION'],
    ['from after to', { from: 2000, to: 1000 }, 'RW_ERR_VALIDATION'],
    [`more than ${MAX_POINTS} buckets (1 s over a day)`, { from: 0, to: DAY, every: '1s' }, 'RW_ERR_QUERY_TOO_LARGE'],
    ['a range over 400 days', { from: 0, to: 401 * DAY, every: '1d' }, 'RW_ERR_QUERY_TOO_LARGE'],
  ])('400 with a code: %s', async (_why, q, code) => {
    const r = await api.get('operator', path('qilin-coal', 'ch4-1101-t0', q));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(code);
  });

  it('history off (no InfluxDB configured): 503 RW_ERR_HISTORY_OFF, after scope and parameters are checked', async () => {
    const off = await serve(undefined, () => data.now);
    try {
      const r = await off.get('operator', path('qilin-coal', 'ch4-1101-t0', { every: '1h' }));
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('RW_ERR_HISTORY_OFF');
      expect(r.body.message).toMatch(/history is off/);
      expect((await off.get('chem', path('qilin-coal', 'ch4-1101-t0'))).status).toBe(404);
      expect((await off.get('operator', path('qilin-coal', 'ch4-1101-t0', { every: 'x' }))).status).toBe(400);
    } finally {
      await off.app.close();
    }
  });

  it('InfluxDB down: 503 RW_ERR_STORAGE_UNAVAILABLE', async () => {
    const down = await serve(new InfluxHistory({ ...ix.conn, url: `http://127.0.0.1:${await freePort()}` }, { timeoutMs: 2000 }), () => data.now);
    try {
      const r = await down.get('operator', path('qilin-coal', 'ch4-1101-t0', { every: '1h' }));
      expect(r).toEqual({ status: 503, body: { code: 'RW_ERR_STORAGE_UNAVAILABLE', message: 'the history store (InfluxDB) is unavailable; retry later' } });
    } finally {
      await down.app.close();
    }
  });
});
