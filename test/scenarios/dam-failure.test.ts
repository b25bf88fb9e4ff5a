// Scenario `dam-failure` end to end (issue 4 "Done when"; domain.md §2.5 tailings ponds), plus two focused
// runs on the real platform (HTTP ingest and history import, injected clock) for what the scenario cannot
// show: decelerating creep (the scenario only accelerates) and the 4-3-2 roll-up with its parentId links
// (the scenario's points are already red when the live phase starts, so no roll-up ever promotes).
//
// The demo pond (config/demo.yaml yuxi-mining/pond-1) has design-institute warning values in
// config/rules.yaml (S1 §5.5.4: "the design institute sets each monitored item's warning values"); the
// scenario harness loads that file with the demo registry, and the focused platforms here load it too. Expected rows, from domain.md (not from the engine's output):
//   §2.5 time-to-failure: the failing section's inverse velocity falls to zero at t_f; red (failure nearer
//        than the site's evacuation lead time, tailings.evacuationLeadMinutes 120) must be in force no later
//        than t_f − 120 min and held until t_f;
//   §2.5 displacement rate (7-day mean) levels, phreatic burial depth, dry beach, pond level, rainfall: every
//        level an alert announces is backed by its value against that level's enter value (design values
//        where config/rules.yaml gives them, the §2.5 defaults otherwise);
//   §2.5 phreatic red = burial depth ≤ the control depth, S5 a listed major hidden danger: native name said;
//   §2.5 rainfall (24 h): the live phase's storm brings ≤ 25 mm within any 24 h → no rain alert above blue;
//   §2.5 roll-up (S1 §5.5.4): item and pond alerts appear exactly when the 4-3-2 ladder promotes above the
//        highest input (the kind's contract: points already carry the highest level), checked by an oracle
//        written from the ladder; focused: 4 blue points → item yellow, 3 yellow → orange, 2 orange items →
//        pond red, with parentId point → item → pond;
//   decelerating creep (inverse velocity rising) → no time-to-failure prediction, while an accelerating
//        point fed the same way gets one;
//   the rest of the demo runs normally: no process alert above blue elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Transition } from '../../core/alert.ts';
import { ManualClock } from '../../core/clock.ts';
import { Level, levelFromName } from '../../core/level.ts';
import { demoToken } from '../../broker/credentials.ts';
import { connect } from '../support/mqtt.ts';
import { login, startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { demoRegistry, eventsOf, sensorOf, startScenario, type ScenarioRun, expectWellFormed } from '../support/scenario.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ENT = 'yuxi-mining';
const SITE = 'pond-1';
/** The focused platforms load the demo's rule overrides, as the scenario harness does. */
const OVERRIDES = { rules: { overridesFile: 'config/rules.yaml' } };
/** config/demo.yaml pond-1 tailings.evacuationLeadMinutes. */
const LEAD_MS = 120 * MIN;
const LEVEL_EVENTS = new Set(['raised', 'level_up', 'level_down', 'recovered']);
const ms = (t: Transition) => Date.parse(t.at);
const lv = (t: Transition): Level => (t.event === 'recovered' ? Level.none : levelFromName(t.level));
const show = (ts: readonly Transition[]) => ts.map((t) => `${t.at} ${t.sensorId ?? '_site'} ${t.event} ${t.level} ${t.rule} ${t.value} ${(t.parentId ?? '-').slice(0, 8)}`).join('\n');

/** Enter values per level as written in config/rules.yaml (design) or derived from domain.md §2.5 defaults. */
type Ladder = Partial<Record<'blue' | 'yellow' | 'orange' | 'red', number>>;
const PHREATIC_DESIGN: Ladder = { blue: 7.0, yellow: 6.5, orange: 5.5, red: 5.0 };
/** d ≤ 1.3 D blue, ≤ 1.2 D yellow, ≤ 1.1 D orange (GB 51108), ≤ D red. */
const phreaticDefault = (d: number): Ladder => ({ blue: 1.3 * d, yellow: 1.2 * d, orange: 1.1 * d, red: d });
const PHREATIC: Record<string, Ladder> = {
  'pz-01': phreaticDefault(5), 'pz-02': phreaticDefault(5), 'pz-03': PHREATIC_DESIGN, 'pz-04': PHREATIC_DESIGN, 'pz-05': phreaticDefault(4), 'pz-06': phreaticDefault(4),
};
const BEACH: Ladder = { blue: 180, yellow: 130, orange: 90, red: 70 };
/** Operating 1850.0, pre-flood 1850.6, midpoint to the design maximum 1851.2, design maximum 1851.8. */
const POND_LEVEL: Ladder = { blue: 1850.0, yellow: 1850.6, orange: 1851.2, red: 1851.8 };
/** 7-day mean displacement rate, mm/d (config/rules.yaml design values; blue stays the pack's 0.5 floor). */
const VELOCITY: Ladder = { blue: 0.5, yellow: 0.8, orange: 2.5, red: 8 };
const RAIN: Ladder = { blue: 25, yellow: 50, orange: 100, red: 250 };

/** GB 39496-2020 §5.5.4 (S1): 4 inputs at ≥ blue → yellow, 3 at ≥ yellow → orange, 2 at ≥ orange → red. */
function promotion(levels: readonly Level[]): Level {
  const atLeast = (l: Level) => levels.filter((x) => x >= l).length;
  if (atLeast(Level.orange) >= 2) return Level.red;
  if (atLeast(Level.yellow) >= 3) return Level.orange;
  if (atLeast(Level.blue) >= 4) return Level.yellow;
  return Level.none;
}
const itemLevel = (points: readonly Level[]): Level => Math.max(Level.none, ...points, promotion(points)) as Level;
/** What the roll-up alert should be in force at: the promotion when it is above every input, else none. */
/** The roll-up alert's contract (rules/kinds/rollup.ts): raised only by what the ladder adds above the
 * highest input, then held at max(highest input, ladder) until no input is left above none. */
function rollupOracle(): ((rule: string, inputs: readonly Level[]) => Level) & { prime(rule: string, on: boolean): void } {
  const active = new Map<string, boolean>();
  const f = (rule: string, inputs: readonly Level[]): Level => {
    const p = promotion(inputs);
    const hi = Math.max(Level.none, ...inputs) as Level;
    if (!active.get(rule)) {
      if (p <= hi) return Level.none;
      active.set(rule, true);
      return p;
    }
    const l = (p > hi ? p : hi) as Level;
    if (l === Level.none) active.set(rule, false);
    return l;
  };
  return Object.assign(f, { prime: (rule: string, on: boolean) => void active.set(rule, on) });
}

/** Replays level events: the process level in force per alert key (sensor id, or the roll-up rule for _site). */
function levelsInForce(events: readonly Transition[]): Map<string, Level> {
  const m = new Map<string, Level>();
  for (const t of events) if (t.kind === 'process' && LEVEL_EVENTS.has(t.event)) m.set(t.sensorId ?? t.rule, lv(t));
  return m;
}

/** A value backs the level it announced: rising ≥ enter, falling ≤ enter. */
function backs(t: Transition, ladder: Ladder, dir: 'rising' | 'falling'): boolean {
  const enter = ladder[t.level];
  if (enter === undefined || typeof t.value !== 'number') return false;
  return dir === 'rising' ? t.value >= enter - 1e-9 : t.value <= enter + 1e-9;
}

describe('scenario dam-failure (through the real broker, injected clock)', () => {
  let run: ScenarioRun;
  let tf: number;
  let proc: Transition[];

  beforeAll(async () => {
    run = await startScenario('dam-failure', { startIso: '2026-07-20T02:00:00Z' });
    tf = run.facts.failureTimeMs!;
    // 60 s steps (GNSS reports every 2 min live). Nothing here reads the device track: a step as long as the
    // 10-s mine sensors' 60 s silence can show them silent for a tick while the step's readings are in flight.
    await run.runUntil(tf, 60_000);
    proc = run.events.filter((t) => t.kind === 'process' && LEVEL_EVENTS.has(t.event));
  }, 240_000);
  afterAll(async () => { await run?.stop(); });

  it('runs on the demo pond, failing 3 h after the start', () => {
    expect(run.facts.site).toBe(`${ENT}/${SITE}`);
    expect(tf - run.clock.now()).toBeLessThanOrEqual(0);
    expect(run.facts.gnss![0]).toBe(`${ENT}/gp-01`);
  });

  it('§2.5 time-to-failure: the failing section is red (failure within the 120 min evacuation lead) by t_f − lead and stays red to t_f', () => {
    const { sensorId } = sensorOf(run.facts.gnss![0]!);
    const seq = eventsOf(proc, (t) => t.enterpriseId === ENT && t.sensorId === sensorId);
    const ttfRed = seq.find((t) => t.rule === 'tailings_gnss.ttf' && t.level === 'red');
    expect(ttfRed, show(seq)).toBeDefined();
    expect(ms(ttfRed!)).toBeLessThanOrEqual(tf - LEAD_MS);
    expect(ttfRed!.message).toContain('撤离提前量 120 分钟');
    // Held: nothing steps it down before the failure.
    const after = seq.filter((t) => ms(t) >= ms(ttfRed!) && t !== ttfRed);
    expect(after.filter((t) => t.event === 'level_down' || t.event === 'recovered'), show(seq)).toEqual([]);
  });

  it('§2.5 displacement rate (7-day mean): every velocity level is backed by its rate against the design values', () => {
    const v = proc.filter((t) => t.rule === 'tailings_gnss.velocity' && t.event !== 'recovered');
    for (const t of v.filter((x) => x.event !== 'level_down')) expect(backs(t, VELOCITY, 'rising'), show([t])).toBe(true);
    // Somewhere on the dam the rate alone has reached orange (> 2.5 mm/d) in the last hours before failure.
    expect(v.some((t) => levelFromName(t.level) >= Level.orange), show(v)).toBe(true);
  });

  it('§2.5 phreatic line: levels backed by burial depth vs control depth; red is the S5 major hidden danger', () => {
    const ph = proc.filter((t) => t.rule === 'tailings_phreatic.threshold' && (t.event === 'raised' || t.event === 'level_up'));
    expect(ph.length, 'the blocked drainage raises the phreatic line into warning').toBeGreaterThan(0);
    for (const t of ph) expect(backs(t, PHREATIC[t.sensorId!]!, 'falling'), show([t])).toBe(true);
    for (const t of ph.filter((x) => x.level === 'red')) expect(t.nativeAlarm).toBe('浸润线埋深小于控制埋深');
  });

  it('§2.5 pond level and dry beach: levels backed by the design levels', () => {
    const wl = proc.filter((t) => t.rule === 'tailings_pond_level.threshold' && (t.event === 'raised' || t.event === 'level_up'));
    expect(wl.length, 'the storms raise the pond past its operating level').toBeGreaterThan(0);
    for (const t of wl) expect(backs(t, POND_LEVEL, 'rising'), show([t])).toBe(true);
    for (const t of proc.filter((x) => x.rule === 'tailings_beach.threshold' && (x.event === 'raised' || x.event === 'level_up'))) {
      expect(backs(t, BEACH, 'falling'), show([t])).toBe(true);
    }
  });

  it('§2.5 rainfall (24 h): the live storm stays under 50 mm in 24 h, so nothing above blue; any level is backed by the 24 h total', () => {
    const rain = proc.filter((t) => t.sensorId === 'rg-01');
    expect(rain.filter((t) => levelFromName(t.level) > Level.blue), show(rain)).toEqual([]);
    for (const t of rain.filter((x) => x.rule === 'rain_gauge.rain24h' && (x.event === 'raised' || x.event === 'level_up'))) expect(backs(t, RAIN, 'rising')).toBe(true);
  });

  it('§2.5 roll-up (S1 4-3-2): item and pond alerts stand exactly where the ladder promotes above the highest input', () => {
    const pond = proc.filter((t) => t.enterpriseId === ENT && t.siteId === SITE);
    const items = ['surface-displacement', 'phreatic', 'pond-level', 'dry-beach', 'rainfall'];
    const registry = demoRegistry().enterprises.find((e) => e.id === ENT)!.sites.find((s) => s.id === SITE)!;
    const members = (item: string) => registry.sensors.filter((s) => s.item === item).map((s) => s.id);
    // At every roll-up event and at the end, the oracle over the point levels in force agrees.
    const rollupAlert = rollupOracle();
    const check = (upTo: number) => {
      const inForce = levelsInForce(pond.slice(0, upTo));
      const itemLevels = items.map((i) => itemLevel(members(i).map((s) => inForce.get(s) ?? Level.none)));
      const want = new Map<string, Level>(items.map((i) => [`tailings_pond.item.${i}`, rollupAlert(`tailings_pond.item.${i}`, members(i).map((s) => inForce.get(s) ?? Level.none))]));
      want.set('tailings_pond.pond', rollupAlert('tailings_pond.pond', itemLevels));
      for (const [rule, level] of want) expect(inForce.get(rule) ?? Level.none, `${rule} after ${upTo} events\n${show(pond.slice(0, upTo))}`).toBe(level);
    };
    // From the first tick of the live phase on: before it, a roll-up may be raised on point levels that the
    // history import put in force but that the points announce only at their first live reading or tick.
    const settledFrom = run.facts.failureTimeMs! - 3 * HOUR + 10 * MIN;
    const first = pond.findIndex((t) => ms(t) >= settledFrom);
    const before = levelsInForce(pond.slice(0, first < 0 ? pond.length : first));
    for (const rule of [...items.map((i) => `tailings_pond.item.${i}`), 'tailings_pond.pond']) rollupAlert.prime(rule, (before.get(rule) ?? Level.none) > Level.none);
    pond.forEach((t, i) => { if (t.sensorId === null && ms(t) >= settledFrom) check(i + 1); });
    check(pond.length);
  });

  it('the rest of the demo runs normally: no process alert above blue outside the pond', () => {
    const above = proc.filter((t) => !(t.enterpriseId === ENT && t.siteId === SITE) && t.level !== 'blue');
    expect(above.map((t) => `${t.enterpriseId}/${t.sensorId} ${t.rule} ${t.level} ${t.message}`)).toEqual([]);
  });

  it('every event is well formed: versions +1 per alert, levelNo matches the level (red = 1), none retrospective', () => {
    expectWellFormed(run.events, { retrospective: false });
  });
});

// ---- focused runs: the real platform, fed over HTTP ingest and the history import on the injected clock ----

interface Focused {
  p: TestPlatform;
  clock: ManualClock;
  events: Transition[];
  post(deviceId: string, readings: object[]): Promise<void>;
  importHistory(readings: object[]): Promise<void>;
  advanceTo(untilMs: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

async function focused(startIso: string): Promise<Focused> {
  const clock = new ManualClock(startIso);
  const p = await startTestPlatform(demoRegistry(), { clock, platform: OVERRIDES });
  const t = p.registry.createToken('focused-observer', 'operator', { kind: 'platform' }, 'test');
  const sub: MqttClient = await connect(p.mqttPort, { username: `token.${t.id}`, password: t.token, clientId: `token.${t.id}` });
  const events: Transition[] = [];
  sub.on('message', (topic, payload) => { if (topic.startsWith('alerts/')) events.push(JSON.parse(payload.toString()) as Transition); });
  await sub.subscribeAsync('alerts/#', { qos: 1 });
  const cookie = await login(p, 'admin');
  const settle = async () => {
    let stable = 0;
    const deadline = Date.now() + 30_000;
    let seen = events.length;
    while (Date.now() < deadline) {
      await sleep(15);
      const caughtUp = p.rules.engine.pos >= p.journal.stats().lastPos && p.rules.store.pendingOutbox(1).length === 0;
      if (caughtUp && events.length === seen) { if (++stable >= 3) return; } else stable = 0;
      seen = events.length;
    }
    throw new Error('focused platform did not settle within 30 s');
  };
  const send = async (url: string, headers: Record<string, string>, body: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 200 || JSON.parse(text).rejected > 0) throw new Error(`${url}: ${res.status} ${text}`);
  };
  return {
    p, clock, events,
    async post(deviceId, readings) {
      const user = `${ENT}.${deviceId}`;
      const basic = Buffer.from(`${user}:${demoToken(p.demoSecret, user)}`).toString('base64');
      await send(`${p.urls.http}/api/readings/${ENT}`, { authorization: `Basic ${basic}` }, readings);
      await settle();
    },
    async importHistory(readings) {
      for (let i = 0; i < readings.length; i += 20_000) await send(`${p.urls.http}/api/import/readings`, { cookie }, { enterpriseId: ENT, readings: readings.slice(i, i + 20_000) });
      await settle();
    },
    async advanceTo(untilMs) {
      // One advance: nothing else reports here, so the rules tick running ahead of delivery cannot matter.
      if (clock.now() < untilMs) { clock.advance(untilMs - clock.now()); await settle(); }
    },
    async stop() { sub.end(true); await p.cleanup(); },
  };
}

/** Deterministic standard normal deviates (LCG + Box–Muller), so the series are the same on every run. */
function gauss(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 1) / 4294967297; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('focused: decelerating creep gives no time-to-failure; accelerating creep fed the same way does (§2.5)', () => {
  // gp-01 creeps on a decelerating (primary) curve x = A ln(1 + t/τ): velocity A/(t + τ) falls, inverse
  // velocity rises linearly. gp-02 accelerates to failure, x = −A ln(1 − t/tf'): the control. A = 20 mm,
  // GNSS noise σ 2.5 mm (domain.md §2.5), 10-min epochs; 4 days of history through the import, 6 h live.
  const T0 = Date.parse('2026-07-10T00:00:00Z');
  const ONSET = T0 - 4 * DAY;
  const TF = T0 + 8 * HOUR;
  const EPOCH = 10 * MIN;
  const A = 20;
  let f: Focused;
  const ttfLevels = { decel: [] as Level[], accel: [] as Level[] };
  const ttfLevel = (sensorId: string) => f.p.rules.engine.ruleLevel(ENT, sensorId, 'tailings_gnss.ttf')!;
  const noise = gauss(4242);
  const reading = (sensor: string, ts: number, along: number) => {
    // Along a fixed downstream azimuth (30°), from a 50 mm offset so hypot() is never a noise magnitude.
    const s = 50 + along;
    return { site: SITE, sensor, ts, values: { dx: +(s * Math.cos(0.52) + 1.77 * noise()).toFixed(2), dy: +(s * Math.sin(0.52) + 1.77 * noise()).toFixed(2), dh: +(3 * noise()).toFixed(2) }, quality: 'ok' };
  };
  const decel = (ts: number) => A * Math.log(1 + (ts - ONSET) / DAY);
  const accel = (ts: number) => -A * Math.log(1 - (ts - ONSET) / (TF - ONSET));
  const at = (ts: number) => [reading('gp-01', ts, decel(ts)), reading('gp-02', ts, accel(ts))];

  beforeAll(async () => {
    f = await focused(new Date(T0).toISOString());
    const history: object[] = [];
    for (let ts = ONSET; ts < T0; ts += EPOCH) history.push(...at(ts));
    await f.importHistory(history);
    for (let ts = T0; ts <= TF - LEAD_MS; ts += EPOCH) {
      await f.advanceTo(ts);
      await f.post('gnss-gw', at(ts));
      ttfLevels.decel.push(ttfLevel('gp-01'));
      ttfLevels.accel.push(ttfLevel('gp-02'));
    }
  }, 240_000);
  afterAll(async () => { await f?.stop(); });

  it('decelerating creep: the time-to-failure rule stays at none throughout and announces nothing', () => {
    expect(ttfLevels.decel.filter((l) => l !== Level.none)).toEqual([]);
    expect(f.events.filter((t) => t.sensorId === 'gp-01' && t.rule === 'tailings_gnss.ttf').map((t) => `${t.at} ${t.level} ${t.message}`)).toEqual([]);
  });

  it('the decelerating point is still seen moving: its 7-day rate raises a displacement-rate level (the data did arrive)', () => {
    expect(f.events.some((t) => t.sensorId === 'gp-01' && t.rule === 'tailings_gnss.velocity' && t.kind === 'process')).toBe(true);
  });

  it('control: the accelerating point, fed the same way, is red (failure within the 120 min lead) by t_f − lead', () => {
    expect(ttfLevels.accel.at(-1), JSON.stringify(ttfLevels.accel)).toBe(Level.red);
    // Its alert is red (the top rule may be the displacement rate, red too: one alert per point).
    const last = eventsOf(f.events, (t) => t.kind === 'process' && t.sensorId === 'gp-02' && LEVEL_EVENTS.has(t.event)).at(-1);
    expect(last?.level, show(f.events.filter((t) => t.sensorId === 'gp-02'))).toBe('red');
  });
});

describe('focused: the 4-3-2 roll-up point → item → pond with parentId links (GB 39496-2020 §5.5.4)', () => {
  // Phreatic points go blue, then yellow; the pond level is orange throughout. Each depth is held for two
  // hourly samples (the pack's "2 consecutive samples for slow quantities", domain.md §2).
  const T0 = Date.parse('2026-07-12T00:00:00Z');
  const NORMAL: Record<string, number> = { 'pz-01': 9.5, 'pz-02': 12.0, 'pz-03': 8.5, 'pz-04': 11.5, 'pz-05': 7.5, 'pz-06': 10.0 };
  /** Blue depths: pz-01/02 (D 5) ≤ 6.5, pz-03 (design) ≤ 7.0, pz-05 (D 4) ≤ 5.2; none reaches yellow. */
  const BLUE = { ...NORMAL, 'pz-01': 6.3, 'pz-02': 6.3, 'pz-03': 6.8, 'pz-05': 5.0 };
  /** Yellow depths on three of them: ≤ 6.0, ≤ 6.5 (design), ≤ 4.8; pz-05 stays blue. */
  const YELLOW = { ...BLUE, 'pz-01': 5.8, 'pz-02': 5.8, 'pz-03': 6.2 };
  let f: Focused;
  const marks: Record<string, number> = {};
  const wells = (ts: number, depths: Record<string, number>) => Object.entries(depths).map(([sensor, depth]) => ({ site: SITE, sensor, ts, values: { depth }, quality: 'ok' }));
  const hydro = (ts: number, level: number) => [
    { site: SITE, sensor: 'wl-01', ts, values: { level }, quality: 'ok' },
    { site: SITE, sensor: 'gt-01', ts, values: { length: 280 }, quality: 'ok' },
    { site: SITE, sensor: 'rg-01', ts, values: { rain: 0 }, quality: 'ok' },
  ];
  const phase = async (name: string, depths: Record<string, number>) => {
    for (let k = 0; k < 2; k++) {
      await f.advanceTo(f.clock.now() + HOUR);
      await f.post('wells-gw', wells(f.clock.now(), depths));
      await f.post('hydro-rtu', hydro(f.clock.now(), 1851.3));
    }
    marks[name] = f.events.length;
  };
  const rollups = (rule: string) => eventsOf(f.events, (t) => t.kind === 'process' && t.rule === rule && LEVEL_EVENTS.has(t.event));

  beforeAll(async () => {
    f = await focused(new Date(T0).toISOString());
    // The pond at orange (≥ 1851.2, midway from the pre-flood level to the design maximum), all wells normal.
    await phase('start', NORMAL);
    await phase('blue', BLUE);
    await phase('yellow', YELLOW);
    await phase('normal', NORMAL);
  }, 240_000);
  afterAll(async () => { await f?.stop(); });

  it('the pond-level point is orange; one orange item alone promotes nothing', () => {
    const wl = f.events.slice(0, marks.start).filter((t) => t.sensorId === 'wl-01' && t.kind === 'process');
    expect(wl.map((t) => t.level)).toContain('orange');
    expect(f.events.slice(0, marks.start).filter((t) => t.kind === 'process' && t.sensorId === null), show(f.events.slice(0, marks.start))).toEqual([]);
  });

  it('4 blue points of the phreatic item → the item is yellow; then 3 yellow points → orange; back to normal → recovered', () => {
    const item = rollups('tailings_pond.item.phreatic');
    // Between the two promotions the item stays one alert at yellow (held, not recovered and raised again).
    expect(item.filter((t) => t.event === 'recovered').length, show(item)).toBe(1);
    const raised = item.find((t) => t.event === 'raised');
    const up = item.find((t) => t.level === 'orange' && (t.event === 'level_up' || t.event === 'raised'));
    const rec = item.at(-1);
    expect(raised?.level, show(item)).toBe('yellow');
    expect(up, show(item)).toBeDefined();
    expect(rec?.event, show(item)).toBe('recovered');
    expect(f.events.indexOf(raised!)).toBeLessThan(marks.blue!);
    expect(f.events.indexOf(raised!)).toBeGreaterThanOrEqual(marks.start!);
    expect(f.events.indexOf(up!)).toBeGreaterThanOrEqual(marks.blue!);
    expect(f.events.indexOf(up!)).toBeLessThan(marks.yellow!);
    expect(f.events.indexOf(rec!)).toBeGreaterThanOrEqual(marks.yellow!);
    expect(item.filter((t) => t.level === 'red')).toEqual([]);
  });

  it('2 orange items (phreatic, pond level) → the pond is red; with the phreatic item back to normal the pond alert holds at the pond-level item\'s orange', () => {
    const pond = rollups('tailings_pond.pond');
    expect(pond.map((t) => `${t.event} ${t.level}`), show(pond)).toEqual(['raised red', 'level_down orange']);
    expect(f.events.indexOf(pond[0]!)).toBeGreaterThanOrEqual(marks.blue!);
    expect(f.events.indexOf(pond[0]!)).toBeLessThan(marks.yellow!);
  });

  it('parentId: point alerts link to the item alert, the item alert to the pond alert (once each parent exists)', () => {
    const item = rollups('tailings_pond.item.phreatic');
    const pond = rollups('tailings_pond.pond');
    const itemId = item[0]!.id;
    const pondId = pond[0]!.id;
    // Point events of the phreatic item after the item alert was raised carry its id.
    const after = f.events.slice(f.events.indexOf(item[0]!) + 1).filter((t) => t.kind === 'process' && t.sensorId?.startsWith('pz-') && LEVEL_EVENTS.has(t.event));
    expect(after.length).toBeGreaterThan(0);
    for (const t of after) expect(t.parentId, show([t])).toBe(itemId);
    // The item's events after the pond alert was raised carry the pond's id.
    const itemAfter = item.filter((t) => f.events.indexOf(t) > f.events.indexOf(pond[0]!));
    expect(itemAfter.length).toBeGreaterThan(0);
    for (const t of itemAfter) expect(t.parentId).toBe(pondId);
  });

  it('parentId: the point whose level raised the item alert is linked to it (the parent is raised by that very change)', () => {
    const item = rollups('tailings_pond.item.phreatic');
    const trigger = [...f.events.slice(0, f.events.indexOf(item[0]!))].reverse().find((t) => t.kind === 'process' && t.sensorId?.startsWith('pz-'));
    expect(trigger, show(f.events)).toBeDefined();
    // Its alert must end up linked: either that event or a later one of the same alert carries the item id.
    const sameAlert = f.events.filter((t) => t.id === trigger!.id);
    expect(sameAlert.some((t) => t.parentId === item[0]!.id), show(sameAlert)).toBe(true);
  });
});
