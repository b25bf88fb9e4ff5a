import { describe, it, expect } from 'vitest';
import { Level } from '../../core/level.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import type { SensorRuleContext } from './kind.ts';
import {
  beijing,
  inverseVelocity,
  prediction,
  timeToFailure,
  timeToFailureParams,
  type Prediction,
  type TimeToFailureParams,
  type TtfState,
} from './time-to-failure.ts';

const MIN = 60_000;
const H = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 10);
const LEAD_H = 2; // the fixture site's evacuationLeadMinutes = 120

// --- fixtures: one GNSS point of a tailings pond (domain.md §2.5) ---

const sensor: SensorInfo = {
  id: 'gp-01', type: 'tailings_gnss', name: 'GNSS 监测点 GP-01', area: 'section-1', item: 'surface-displacement',
  commissioned: '2023-06-15', params: { normalCreepMmPerDay: 0.1 }, relations: [],
  enterpriseId: 'e1', siteId: 'pond', deviceIds: [], commissionedMs: 0,
};
const site: SiteDef = {
  id: 'pond', name: '尾矿库', kind: 'tailings_pond', location: { lat: 25, lon: 102 },
  tailings: { grade: 3, wet: true, headTop: true, evacuationLeadMinutes: 120 },
  areas: [], items: [], params: {}, sensors: [],
};
const ctx = (over: Partial<SensorRuleContext> = {}): SensorRuleContext => ({
  sensor, site, metric: 'dxy', metricDef: { unit: 'mm', kind: 'number', zh: '水平位移' }, env: undefined as never, ...over,
});
const make = (p: TimeToFailureParams = {}, c: SensorRuleContext = ctx()): TtfState => timeToFailure.init(timeToFailureParams.parse(p), c);

/** Seeded PRNG (mulberry32) and Box–Muller normals: reproducible noise, no Math.random. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

interface Step {
  ts: number;
  level: Level;
  pred: Prediction | null;
}
/** Feeds x(t) + N(0, σ²) (+ extra(t)) every `everyMin` minutes from `from` to `to` (exclusive). */
function run(state: TtfState, x: (t: number) => number, o: { seed: number; from: number; to: number; sigma?: number; everyMin?: number; extra?: (t: number) => number }): Step[] {
  const noise = normals(o.seed);
  const out: Step[] = [];
  for (let ts = o.from; ts < o.to; ts += (o.everyMin ?? 10) * MIN) {
    const value = x(ts) + (o.sigma ?? 2.5) * noise() + (o.extra?.(ts) ?? 0);
    const level = timeToFailure.evaluate(state, { ts, value, quality: 'ok', receivedAt: ts });
    out.push({ ts, level, pred: prediction(state) });
  }
  return out;
}

// Fukuzono (1985) hyperbolic creep: v = 1/(A·(tf − t)) mm/d (t in days), so x = (1/A)·ln((tf − t0)/(tf − t)),
// on top of the normal creep of 0.1 mm/d (domain.md §2.5). A = 0.02 /mm: 10 mm/d five days before failure,
// 100 mm/d one day before, 600 mm/d four hours before.
const A = 0.02;
const TF = T0 + 12 * DAY;
const fukuzono = (t: number): number => (0.1 * (t - T0)) / DAY + (1 / A) * Math.log((TF - T0) / (TF - t));

describe('time-to-failure on accelerating creep (domain.md §2.5 failure precursor; Fukuzono 1985)', () => {
  const seeds = [1, 2, 3, 4, 5];
  const runs = new Map(seeds.map((seed) => [seed, run(make(), fukuzono, { seed, from: T0, to: TF - 10 * MIN })]));
  const tau = (s: Step): number => (TF - s.ts) / H;

  it.each(seeds)('seed %i: red comes before the failure minus the evacuation lead time, and not hours too early', (seed) => {
    // Escalate when tf − now is less than the lead time (peers.md (b) 1): red must be on by tf − lead at the
    // latest; the band's early end makes it come earlier, but not more than 4 leads early on this series.
    const steps = runs.get(seed)!;
    const firstRed = steps.find((s) => s.level === Level.red)!;
    expect(firstRed, 'red at some point').toBeDefined();
    expect(tau(firstRed)).toBeGreaterThanOrEqual(LEAD_H);
    expect(tau(firstRed)).toBeLessThanOrEqual(4 * LEAD_H);
  });

  it.each(seeds)('seed %i: once red, red holds to the failure (no flapping in the last hours)', (seed) => {
    const steps = runs.get(seed)!;
    const i = steps.findIndex((s) => s.level === Level.red);
    expect(steps.slice(i).every((s) => s.level === Level.red)).toBe(true);
  });

  it.each(seeds)('seed %i: at tf − lead the true failure time lies inside the predicted band', (seed) => {
    const at = runs.get(seed)!.find((s) => Math.abs(tau(s) - LEAD_H) < 1e-9)!;
    expect(at.pred).not.toBeNull();
    expect(at.pred!.tfLow).toBeLessThanOrEqual(TF);
    expect(at.pred!.tfHigh).toBeGreaterThanOrEqual(TF);
  });

  it.each(seeds)('seed %i: no orange or red while failure is more than 12 h away', (seed) => {
    // Orange is 3 leads (6 h) of the band's early end: more than 12 h out it would be a false alarm.
    const early = runs.get(seed)!.filter((s) => tau(s) > 12);
    expect(Math.max(...early.map((s) => s.level))).toBeLessThanOrEqual(Level.yellow);
  });

  it('rises through the ladder: yellow, then orange, then red', () => {
    const levels = runs.get(1)!.map((s) => s.level);
    const first = (l: Level): number => levels.indexOf(l);
    expect(first(Level.yellow)).toBeGreaterThan(-1);
    expect(first(Level.yellow)).toBeLessThan(first(Level.orange));
    expect(first(Level.orange)).toBeLessThan(first(Level.red));
  });
});

describe('time-to-failure gives no prediction without acceleration (issue 4 "Done when")', () => {
  const rows: { why: string; x: (t: number) => number }[] = [
    { why: 'normal creep 0.1 mm/d (below the floor of 1 mm/d)', x: (t) => (0.1 * (t - T0)) / DAY },
    { why: 'steady creep 5 mm/d: fast but not accelerating', x: (t) => (5 * (t - T0)) / DAY },
    { why: 'steady creep 20 mm/d', x: (t) => (20 * (t - T0)) / DAY },
    { why: 'decelerating creep from 30 mm/d (v = v0/(1 + t/2 d)): 1/v rises', x: (t) => 30 * 2 * Math.log(1 + (t - T0) / DAY / 2) },
    { why: 'decelerating creep from 100 mm/d', x: (t) => 100 * 2 * Math.log(1 + (t - T0) / DAY / 2) },
    { why: 'a 10 mm step after heavy rain, then normal creep (domain.md §2.5 seasonal step)', x: (t) => (0.1 * (t - T0)) / DAY + (t >= T0 + 5 * DAY ? 10 : 0) },
  ];
  it.each(rows.flatMap((r) => [1, 2, 3].map((seed) => ({ ...r, seed }))))('$why (seed $seed): never a level, never a prediction', ({ x, seed }) => {
    const steps = run(make(), x, { seed, from: T0, to: T0 + 10 * DAY });
    expect(steps.filter((s) => s.level !== Level.none)).toEqual([]);
    expect(steps.filter((s) => s.pred !== null)).toEqual([]);
  });
});

describe('time-to-failure filters multipath (domain.md §2.5: single-epoch jumps of 10–30 mm, median of 3)', () => {
  const jumpAt = T0 + 3 * DAY;
  const jump = (t: number): number => (t === jumpAt ? 25 : 0);
  const rows: { why: string; rate: number }[] = [
    { why: 'a single 25 mm jump on normal creep does not create a prediction', rate: 0.1 },
    { why: 'a single 25 mm jump on steady 5 mm/d creep does not create a prediction', rate: 5 },
  ];
  it.each(rows)('$why', ({ rate }) => {
    const withJump = make();
    const without = make();
    const x = (t: number): number => (rate * (t - T0)) / DAY;
    const a = run(withJump, x, { seed: 7, from: T0, to: T0 + 6 * DAY, extra: jump });
    run(without, x, { seed: 7, from: T0, to: T0 + 6 * DAY });
    expect(a.filter((s) => s.level !== Level.none || s.pred !== null)).toEqual([]);
    // The median replaced the jump by a neighbour: the velocity barely notices it.
    expect(Math.abs(withJump.velocity - without.velocity)).toBeLessThan(0.05);
  });
});

describe('time-to-failure levels against the lead time [PROPOSAL]', () => {
  // A state holding a prediction: seed 1 of the accelerating series up to 30 h before failure.
  const withPrediction = (p: TimeToFailureParams = {}, c?: SensorRuleContext): TtfState => {
    const s = make(p, c);
    run(s, fukuzono, { seed: 1, from: T0, to: TF - 30 * H });
    expect(prediction(s)).not.toBeNull();
    return s;
  };
  const rows: { why: string; before: number; want: Level }[] = [
    { why: 'the band starts exactly one lead (120 min) away: red', before: 120, want: Level.red },
    { why: 'one minute more than the lead: orange (≤ 3 leads)', before: 121, want: Level.orange },
    { why: '3 leads (6 h) away: orange', before: 360, want: Level.orange },
    { why: 'just past 3 leads: yellow (≤ 12 leads)', before: 361, want: Level.yellow },
    { why: '12 leads (24 h): yellow', before: 1440, want: Level.yellow },
    { why: 'just past 12 leads: blue (≤ 36 leads)', before: 1441, want: Level.blue },
    { why: '36 leads (72 h): blue', before: 4320, want: Level.blue },
    { why: 'beyond 36 leads: none', before: 4321, want: Level.none },
    { why: 'the band start already passed: red', before: -30, want: Level.red },
  ];
  it.each(rows)('$why', ({ before, want }) => {
    const s = withPrediction();
    expect(timeToFailure.tick!(s, s.tfLow - before * MIN)).toBe(want);
  });

  it('rises on the clock alone while the GNSS is silent: a silent sensor never clears the warning', () => {
    const s = withPrediction();
    const p = prediction(s)!;
    expect(timeToFailure.tick!(s, p.tfLow - 5 * H)).toBe(Level.orange);
    expect(timeToFailure.tick!(s, p.tfLow - 1 * H)).toBe(Level.red);
    expect(prediction(s)).toEqual(p);
  });

  const leads: { why: string; p: TimeToFailureParams; c: SensorRuleContext; leadMin: number }[] = [
    { why: "the site's evacuation lead time by default", p: {}, c: ctx(), leadMin: 120 },
    { why: 'params.leadMinutes overrides the site', p: { leadMinutes: 45 }, c: ctx(), leadMin: 45 },
    { why: '120 min when the site has no tailings facts', p: {}, c: ctx({ site: { ...site, tailings: null } }), leadMin: 120 },
    { why: 'the multiples are params too (red within 2 leads)', p: { leadMinutes: 30, redWithin: 2 }, c: ctx(), leadMin: 60 },
  ];
  it.each(leads)('red within the lead: $why', ({ p, c, leadMin }) => {
    const s = withPrediction(p, c);
    expect(timeToFailure.tick!(s, s.tfLow - leadMin * MIN)).toBe(Level.red);
    expect(timeToFailure.tick!(s, s.tfLow - (leadMin + 1) * MIN)).toBe(Level.orange);
  });

  it('turns blue off with blueWithin: null', () => {
    const s = withPrediction({ blueWithin: null });
    expect(timeToFailure.tick!(s, s.tfLow - 3000 * MIN)).toBe(Level.none);
  });

  it('refuses multiples out of order', () => {
    expect(timeToFailureParams.safeParse({ redWithin: 4, orangeWithin: 3 }).success).toBe(false);
  });
});

describe('time-to-failure details and state', () => {
  it('formats Beijing time (UTC+8)', () => {
    expect(beijing(Date.UTC(2026, 10, 22, 6, 30))).toBe('2026-11-22 14:30');
    expect(beijing(Date.UTC(2026, 10, 22, 20, 5))).toBe('2026-11-23 04:05');
  });

  it('describes the prediction in Chinese: velocity, failure time in Beijing time with its band, lead', () => {
    const s = make();
    run(s, fukuzono, { seed: 1, from: T0, to: TF - 4 * H });
    const p = prediction(s)!;
    const d = timeToFailure.describe(s);
    expect(d.value).toBeCloseTo(p.velocity, 2);
    expect(d.threshold).toBe(120);
    const half = (p.tfHigh - p.tfLow) / 2 / MIN;
    const band = half < 120 ? `±${Math.round(half)} 分钟` : `±${(half / 60).toFixed(1)} 小时`;
    expect(d.text).toContain(`预测失稳时间 ${beijing(p.tf)} (${band})，最早 ${beijing(p.tfLow)}`);
    expect(d.text).toContain('撤离提前量 120 分钟');
  });

  it('says plainly when there is no prediction', () => {
    const s = make();
    run(s, (t) => (0.1 * (t - T0)) / DAY, { seed: 1, from: T0, to: T0 + 2 * DAY });
    expect(timeToFailure.describe(s).text).toBe('位移未呈加速蠕变(反速度法)，无失稳时间预测');
  });

  it('exports the 1/v series for the evidence, falling toward zero under acceleration', () => {
    const s = make();
    run(s, fukuzono, { seed: 1, from: T0, to: TF - 12 * H });
    const inv = inverseVelocity(s);
    expect(inv.length).toBeGreaterThanOrEqual(6);
    expect(inv.at(-1)!.inv).toBeLessThan(inv[0]!.inv);
    expect(inv.every((p, i) => i === 0 || p.t > inv[i - 1]!.t)).toBe(true);
  });

  it('ignores NaN values and samples out of time order', () => {
    const s = make();
    run(s, fukuzono, { seed: 1, from: T0, to: TF - 6 * H });
    const before = { level: s.level, pred: prediction(s) };
    expect(timeToFailure.evaluate(s, { ts: TF - 5 * H, value: Number.NaN, quality: 'ok', receivedAt: 0 })).toBe(before.level);
    expect(timeToFailure.evaluate(s, { ts: T0, value: 0, quality: 'ok', receivedAt: 0 })).toBe(before.level);
    expect(prediction(s)).toEqual(before.pred);
  });

  it('keeps the prediction across a gap longer than the window until the window refills', () => {
    // A solar-powered station dark for a night (domain.md §2.5 faults): "can't tell", not "decelerating".
    // The first sample after the gap only releases the last one before it from the median; the rest find
    // too little data in the window and change nothing.
    const s = make();
    const twin = make();
    for (const st of [s, twin]) run(st, fukuzono, { seed: 1, from: T0, to: TF - 60 * H });
    run(s, fukuzono, { seed: 2, from: TF - 30 * H, to: TF - 29 * H });
    run(twin, fukuzono, { seed: 2, from: TF - 30 * H, to: TF - 30 * H + 1 });
    expect(prediction(s)).not.toBeNull();
    expect(prediction(s)).toEqual(prediction(twin));
  });

  it('keeps its state within about 1 KB of typed arrays', () => {
    const s = make();
    const bytes = Object.values(s).reduce((n: number, v) => n + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0);
    expect(bytes).toBeLessThanOrEqual(1100);
  });
});
