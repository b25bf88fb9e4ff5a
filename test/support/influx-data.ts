// Demo data in InfluxDB for the history and dashboard tests: realistic readings of every sensor of a registry
// (config/demo.yaml), alert events, and the dashboard state series (site_level, enterprise_health), written
// as line protocol with plain fetch to `/write?db=…&precision=n` — the schema the writer
// (storage/influx/writer.ts) writes:
//   reading       tags enterprise, site, sensor, type, county; a float field per metric (booleans 1/0),
//                 quality (string), seq (integer), lag_ms, interval_s; ns = ts_ms · 10⁶ + seq mod 10⁶
//   alert_event   tags enterprise, site, level, kind, event; fields alert_id, version (int), sensor, title, state
// and storage/influx/state-series.ts builds the state series lines.
//
// The data is relative to `now`, deterministic (seeded per sensor), and can be regenerated per sensor
// (`readingsOf`) so tests can compute expected answers. The dashboard test keeps its runner apart from this
// fixture: a real demo run through the writer can replace it.
import type { Quality } from '../../core/reading.ts';
import type { EnterpriseDef, RegistryDef } from '../../core/registry.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { Rng, seedOf } from '../../simulators/rng.ts';
import { enterpriseHealthFrom, enterpriseHealthLine, siteLevelLine, siteLevelsFrom, type AlertRef } from '../../storage/influx/state-series.ts';
import { DAY, HOUR, MIN, enterpriseStateAt, modelFor, spanMs, type Values } from './influx-demo-models.ts';

export interface InfluxTarget {
  url: string;
  db: string;
  token?: string;
}

const authHeader = (t: InfluxTarget): Record<string, string> => (t.token ? { authorization: `Token ${t.token}` } : {});

/** CREATE DATABASE (POST /query; idempotent). */
export async function createDatabase(t: InfluxTarget): Promise<void> {
  const res = await fetch(`${t.url}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...authHeader(t) },
    body: new URLSearchParams({ q: `CREATE DATABASE "${t.db.replace(/["\\]/g, '\\$&')}"` }).toString(),
  });
  if (res.status !== 200) throw new Error(`CREATE DATABASE answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

/** Writes lines in batches (POST /write, precision n), a few batches in flight; throws unless InfluxDB answers 204. */
export async function writeLines(t: InfluxTarget, lines: Iterable<string>, o: { batchSize?: number; inFlight?: number } = {}): Promise<number> {
  const size = o.batchSize ?? 10_000;
  const inFlight = new Set<Promise<void>>();
  let total = 0;
  const post = async (batch: string[]) => {
    const res = await fetch(`${t.url}/write?${new URLSearchParams({ db: t.db, precision: 'n' })}`, { method: 'POST', headers: authHeader(t), body: batch.join('\n') });
    if (res.status !== 204) throw new Error(`/write answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    total += batch.length;
  };
  let failure: unknown = null;
  const send = async (batch: string[]) => {
    const p: Promise<void> = post(batch).catch((err: unknown) => { failure ??= err; }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= (o.inFlight ?? 3)) await Promise.race(inFlight);
    if (failure) throw failure;
  };
  let batch: string[] = [];
  for (const l of lines) {
    batch.push(l);
    if (batch.length >= size) { await send(batch); batch = []; }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  if (failure) throw failure;
  return total;
}

// ---- line protocol of the fixed schema -------------------------------------------------------------------

const tag = (s: string): string => s.replace(/[,= ]/g, '\\$&');
const strField = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

export interface ReadingTags { enterprise: string; site: string; sensor: string; type: string; county: string }
export interface DemoReading { ts: number; seq: number; values: Values; quality: Quality; lagMs: number }

/** One `reading` point: metric fields as floats (booleans 1.0/0.0), ns = ts·10⁶ + seq mod 10⁶. */
export function readingLine(tags: ReadingTags, r: DemoReading, intervalS: number): string {
  const fields = Object.entries(r.values).map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? '1.0' : '0.0') : Number.isInteger(v) ? `${v}.0` : String(v)}`);
  fields.push(`quality=${strField(r.quality)}`, `seq=${r.seq}i`, `lag_ms=${r.lagMs}`, `interval_s=${intervalS}`);
  const ns = `${r.ts}${String(r.seq % 1_000_000).padStart(6, '0')}`;
  return `reading,county=${tag(tags.county)},enterprise=${tag(tags.enterprise)},sensor=${tag(tags.sensor)},site=${tag(tags.site)},type=${tag(tags.type)} ${fields.join(',')} ${ns}`;
}

export interface AlertEventPoint {
  ts: number;
  enterpriseId: string | null;
  siteId: string | null;
  sensorId: string | null;
  level: 'red' | 'orange' | 'yellow' | 'blue';
  kind: 'process' | 'device' | 'system';
  event: string;
  alertId: string;
  version: number;
  title: string;
  /** The handling state after the event. */
  state: string;
}

/** One `alert_event` point as the writer writes it: an alert without enterprise (kind system) is tagged
 * `enterprise=_platform`, one without site `site=_`; `sensor` is an empty string when there is none. */
export function alertEventLine(a: AlertEventPoint): string {
  const tags = `enterprise=${a.enterpriseId ? tag(a.enterpriseId) : '_platform'},event=${tag(a.event)},kind=${tag(a.kind)},level=${tag(a.level)},site=${a.siteId ? tag(a.siteId) : '_'}`;
  const fields = `alert_id=${strField(a.alertId)},version=${a.version}i,sensor=${strField(a.sensorId ?? '')},title=${strField(a.title)},state=${strField(a.state)}`;
  return `alert_event,${tags} ${fields} ${a.ts}000000`;
}

// ---- the demo data ----------------------------------------------------------------------------------------

export interface DemoSensor extends ReadingTags { intervalS: number; fromMs: number; key: string }

export interface DemoData {
  now: number;
  sensors: DemoSensor[];
  /** The readings of one sensor, regenerated (same as written). */
  readingsOf(enterpriseId: string, sensorId: string): DemoReading[];
  alertEvents: AlertEventPoint[];
  /** Every line: readings, alert events, site_level, enterprise_health. */
  lines(): Generator<string>;
}

/** Outages in the fixture: no readings inside these windows (online rate, completeness). */
function gapsOf(key: string, now: number): [number, number][] {
  const gaps: [number, number][] = [];
  if (key === 'diqing-metal/co-03') gaps.push([now - 5 * HOUR - 10 * MIN, now - 4 * HOUR - 30 * MIN]);
  const h = seedOf('gap', key);
  if (h % 9 === 0) gaps.push([now - 10 * HOUR, now - 10 * HOUR + 70 * MIN]);
  if (h % 23 === 0) gaps.push([now - 40 * MIN, now + DAY]);
  return gaps;
}
const inGap = (gaps: [number, number][], t: number) => gaps.some(([a, b]) => t >= a && t < b);

/** `only`: keys `enterprise/sensor` of the sensors whose readings to include (default: all). */
export function demoData(o: { registry: RegistryDef; now: number; seed?: number; only?: readonly string[] }): DemoData {
  const now = Math.floor(o.now / 1000) * 1000;
  const seed = o.seed ?? 20261122;
  const enterprises = o.registry.enterprises;
  const sensors: DemoSensor[] = [];
  const defs = new Map<string, { e: EnterpriseDef; site: EnterpriseDef['sites'][number]; s: EnterpriseDef['sites'][number]['sensors'][number] }>();
  for (const e of enterprises) {
    for (const site of e.sites) {
      for (const s of site.sensors) {
        const intervalS = sensorType(s.type)!.intervalS;
        const fromMs = Math.ceil((now - spanMs(s.type)) / (intervalS * 1000)) * intervalS * 1000;
        const key = `${e.id}/${s.id}`;
        sensors.push({ enterprise: e.id, site: site.id, sensor: s.id, type: s.type, county: e.county, intervalS, fromMs, key });
        defs.set(key, { e, site, s });
      }
    }
  }

  function readingsOf(enterpriseId: string, sensorId: string): DemoReading[] {
    const key = `${enterpriseId}/${sensorId}`;
    const d = defs.get(key);
    const meta = sensors.find((x) => x.key === key);
    if (!d || !meta) return [];
    const rng = new Rng(seedOf(seed, key));
    const model = modelFor({ e: d.e, site: d.site, s: d.s, now, rng: rng.fork('values') });
    const timing = rng.fork('timing');
    const gaps = gapsOf(key, now);
    const out: DemoReading[] = [];
    const step = meta.intervalS * 1000;
    let seq = 0;
    for (let slot = meta.fromMs; slot < now; slot += step) {
      const ts = slot + timing.int(0, 400);
      const sample = model(ts);
      const lagMs = timing.chance(0.01) ? timing.int(30_000, 120_000) : 250 + Math.round(-600 * Math.log(1 - timing.next()));
      seq++;
      if (inGap(gaps, ts)) continue;
      out.push({ ts, seq, values: sample.values, quality: sample.quality, lagMs });
    }
    return out;
  }

  const alertEvents = demoAlerts(now);

  function* lines(): Generator<string> {
    for (const s of sensors) {
      if (o.only && !o.only.includes(s.key)) continue;
      for (const r of readingsOf(s.enterprise, s.sensor)) yield readingLine(s, r, s.intervalS);
    }
    for (const a of alertEvents) yield alertEventLine(a);
    // site_level: a heartbeat every 5 min over the last 26 h, and at every alert event (a level change).
    const times = new Set<number>();
    for (let t = Math.ceil((now - 26 * HOUR) / (5 * MIN)) * 5 * MIN; t <= now; t += 5 * MIN) times.add(t);
    for (const a of alertEvents) if (a.ts >= now - 26 * HOUR) times.add(a.ts);
    for (const t of [...times].sort((a, b) => a - b)) for (const s of siteLevelsFrom(enterprises, alertsAt(alertEvents, t))) yield siteLevelLine(s, t);
    // enterprise_health: every 60 s over the last 8 days, online from the outage windows, state from the
    // fixture's enterprise states.
    const gaps = new Map(sensors.map((s) => [s.key, gapsOf(s.key, now)]));
    for (let t = Math.ceil((now - 8 * DAY) / MIN) * MIN; t <= now; t += MIN) {
      const states = enterprises.map((e) => ({ ...e, state: { ...e.state, state: enterpriseStateAt(e.id, t, now) as EnterpriseDef['state']['state'] } }));
      const latest = (e: string, s: string) => (inGap(gaps.get(`${e}/${s}`) ?? [], t) ? undefined : { receivedAt: t - 1000, quality: 'ok' });
      for (const h of enterpriseHealthFrom(states, latest, t)) yield enterpriseHealthLine(h, t);
    }
  }

  return { now, sensors, readingsOf, alertEvents, lines };
}

/** Writes the demo data into `t.db` (created if missing). */
export async function writeDemoData(t: InfluxTarget, data: DemoData): Promise<number> {
  await createDatabase(t);
  return writeLines(t, data.lines());
}

// ---- alerts ------------------------------------------------------------------------------------------------

/** Each alert as of time t (its last event at or before t), for site levels. */
function alertsAt(events: AlertEventPoint[], t: number): AlertRef[] {
  const last = new Map<string, AlertEventPoint>();
  for (const ev of events) if (ev.ts <= t) last.set(ev.alertId, ev);
  return [...last.values()].map((ev) => ({ kind: ev.kind, enterpriseId: ev.enterpriseId, siteId: ev.siteId, level: ev.level, handling: ev.state }));
}

type Step = [offsetMs: number, event: string, level: AlertEventPoint['level'], state: string];

/** The fixture's alerts, matching the incidents of influx-demo-models.ts; every level occurs in the last 6 h. */
function demoAlerts(now: number): AlertEventPoint[] {
  const scripts: { id: string; kind: AlertEventPoint['kind']; e: string | null; site: string | null; sensor: string | null; title: string; steps: Step[] }[] = [
    { id: 'a-lel-fn-03', kind: 'process', e: 'yuxi-chem', site: 'plant-1', sensor: 'lel-fn-03', title: '黄磷尾气 洗涤塔 可燃气体浓度超标（≥25 %LEL，一级报警）', steps: [
      [-2 * HOUR + 4 * MIN, 'raised', 'yellow', 'open'], [-2 * HOUR + 6 * MIN, 'level_up', 'orange', 'open'], [-2 * HOUR + 9 * MIN, 'acknowledged', 'orange', 'acknowledged'],
      [-2 * HOUR + 15 * MIN, 'assessed', 'orange', 'assessed'], [-2 * HOUR + 18 * MIN, 'handling', 'orange', 'handling'], [-HOUR - 20 * MIN, 'recovered', 'orange', 'handling'],
      [-HOUR, 'cleared', 'orange', 'cleared']] },
    { id: 'a-ch4-1101-t0', kind: 'process', e: 'qilin-coal', site: 'mine-1', sensor: 'ch4-1101-t0', title: '11101 上隅角甲烷 1.62 %vol，达到断电浓度 1.5 %vol', steps: [
      [-3 * HOUR + MIN, 'raised', 'orange', 'open'], [-3 * HOUR + 4 * MIN, 'acknowledged', 'orange', 'acknowledged'], [-3 * HOUR + 12 * MIN, 'recovered', 'orange', 'acknowledged'],
      [-2 * HOUR - 50 * MIN, 'assessed', 'orange', 'assessed'], [-2 * HOUR - 40 * MIN, 'handling', 'orange', 'handling']] },
    { id: 'a-fan-1107', kind: 'process', e: 'qilin-coal', site: 'mine-1', sensor: 'fan-1107', title: '11107 掘进工作面 局部通风机停止运转（停风）', steps: [
      [-6 * HOUR + 2 * MIN, 'raised', 'red', 'open'], [-6 * HOUR + 4 * MIN, 'acknowledged', 'red', 'acknowledged'], [-6 * HOUR + 12 * MIN, 'recovered', 'red', 'acknowledged'],
      [-5 * HOUR - 40 * MIN, 'assessed', 'red', 'assessed'], [-5 * HOUR - 20 * MIN, 'handling', 'red', 'handling'], [-5 * HOUR, 'feedback', 'red', 'feedback'], [-4 * HOUR - 40 * MIN, 'cleared', 'red', 'cleared']] },
    { id: 'a-dc1-temp', kind: 'process', e: 'cangyuan-sugar', site: 'mill-1', sensor: 'dc1-temp', title: '1号袋式除尘器 灰斗温度升高', steps: [
      [-4 * HOUR + 10 * MIN, 'raised', 'blue', 'open'], [-4 * HOUR + 16 * MIN, 'level_up', 'yellow', 'open'], [-4 * HOUR + 24 * MIN, 'level_up', 'orange', 'open'],
      [-4 * HOUR + 27 * MIN, 'acknowledged', 'orange', 'acknowledged'], [-3 * HOUR - 30 * MIN, 'assessed', 'orange', 'assessed']] },
    { id: 'a-dc2-valve', kind: 'process', e: 'puer-tea', site: 'factory-1', sensor: 'dc2-valve', title: '2号袋式除尘器 锁气卸灰阀故障', steps: [
      [-7 * HOUR + 10 * MIN, 'raised', 'yellow', 'open'], [-7 * HOUR + 12 * MIN, 'acknowledged', 'yellow', 'acknowledged'], [-6 * HOUR - 45 * MIN, 'recovered', 'yellow', 'acknowledged'],
      [-6 * HOUR - 30 * MIN, 'assessed', 'yellow', 'assessed'], [-6 * HOUR, 'cleared', 'yellow', 'cleared']] },
    { id: 'a-ir-02', kind: 'process', e: 'yuxi-mining', site: 'pond-1', sensor: 'ir-02', title: '回水泵站 2号配电箱 剩余电流升高', steps: [
      [-4 * HOUR, 'raised', 'blue', 'open'], [-HOUR - 10 * MIN, 'level_up', 'yellow', 'open'], [-HOUR, 'acknowledged', 'yellow', 'acknowledged']] },
    { id: 'a-gp-05', kind: 'process', e: 'yuxi-mining', site: 'pond-1', sensor: 'gp-05', title: '2-2 断面 GP-05 表面位移速率加快', steps: [
      [-2 * DAY, 'raised', 'yellow', 'open'], [-2 * DAY + HOUR, 'acknowledged', 'yellow', 'acknowledged'], [-12 * HOUR, 'level_up', 'orange', 'acknowledged'], [-11 * HOUR, 'assessed', 'orange', 'assessed']] },
    { id: 'a-rg-01', kind: 'process', e: 'yuxi-mining', site: 'pond-1', sensor: 'rg-01', title: '24 小时降雨量达到暴雨（≥50 mm）', steps: [
      [-3 * DAY + 4 * HOUR, 'raised', 'yellow', 'open'], [-3 * DAY + 5 * HOUR, 'acknowledged', 'yellow', 'acknowledged'], [-2 * DAY + 5 * HOUR, 'recovered', 'yellow', 'acknowledged'],
      [-2 * DAY + 6 * HOUR, 'assessed', 'yellow', 'assessed'], [-2 * DAY + 8 * HOUR, 'cleared', 'yellow', 'cleared']] },
    { id: 'a-pm-puer-wood', kind: 'process', e: 'puer-wood', site: 'factory-1', sensor: 'pm-01', title: '停产整顿期间用电负荷超过基线 30%（疑似违法生产）', steps: [
      [-4 * DAY - 12 * HOUR, 'raised', 'orange', 'open'], [-4 * DAY - 11 * HOUR, 'acknowledged', 'orange', 'acknowledged'], [-4 * DAY - 9 * HOUR, 'assessed', 'orange', 'assessed'],
      [-4 * DAY, 'handling', 'orange', 'handling'], [-3 * DAY, 'overdue', 'orange', 'handling']] },
    { id: 'a-co-03', kind: 'device', e: 'diqing-metal', site: 'smelter-1', sensor: 'co-03', title: '煤气发生炉 CO-03 通信中断', steps: [
      [-5 * HOUR, 'raised', 'blue', 'open'], [-4 * HOUR - 28 * MIN, 'recovered', 'blue', 'open'], [-4 * HOUR - 20 * MIN, 'archived', 'blue', 'archived']] },
    { id: 'a-journal', kind: 'system', e: null, site: null, sensor: null, title: '日志积压接近上限', steps: [
      [-30 * MIN, 'raised', 'yellow', 'open'], [-20 * MIN, 'recovered', 'yellow', 'open']] },
  ];
  const out: AlertEventPoint[] = [];
  for (const a of scripts) {
    a.steps.forEach(([off, event, level, state], i) => out.push({
      ts: now + off, enterpriseId: a.e, siteId: a.site, sensorId: a.sensor, level, kind: a.kind, event, alertId: a.id, version: i + 1, title: a.title, state,
    }));
  }
  return out.sort((x, y) => x.ts - y.ts);
}
