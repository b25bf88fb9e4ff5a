// The statistic kind: EWMA z-score drift (performance.md standard mix) and deviation from the time-of-week
// baseline (domain.md §2.4.1). Level strings: one character per sample, '.' none, B blue, Y yellow,
// O orange, R red.
import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { SENSOR_TYPES, type MetricDef } from '../../core/sensor-types.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import type { BaselineView, RuleEnv } from './kind.ts';
import { statistic, type StatisticState } from './statistic.ts';

const CH = ['.', 'B', 'Y', 'O', 'R'];
const T0 = Date.parse('2024-11-25T08:00:00+08:00');
const MIN = 60_000;
const rep = (v: number, n: number): number[] => Array.from({ length: n }, () => v);
/** 10, 12, 10, 12 …: mean 11, population sd 1. */
const wobble = (n: number): number[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 10 : 12));

const LEL = SENSOR_TYPES.gas_combustible.metrics.lel; // range 0–100 %LEL: default minSd 1 %LEL
const KW = SENSOR_TYPES.power_meter.metrics.p;
const flat = (v: number): BaselineView => ({ at: () => v, p95: NaN, production: v });

function harness(params: Record<string, unknown>, opts: { metricDef?: MetricDef; baseline?: BaselineView } = {}) {
  const env: RuleEnv = {
    calendar: { dayKind: () => null },
    enterprise: () => undefined,
    baseline: () => opts.baseline ?? flat(NaN),
  };
  const sensor: SensorInfo = {
    id: 'x-01', type: 'gas_combustible', name: '探测器', area: null, item: null, commissioned: '2024-01-01',
    params: {}, relations: [], enterpriseId: 'e1', siteId: 's1', deviceIds: [], commissionedMs: 0,
  };
  const site: SiteDef = { id: 's1', name: '厂区', kind: 'factory', location: { lat: 30, lon: 120 }, tailings: null, areas: [], items: [], params: {}, sensors: [] };
  const metricDef = opts.metricDef ?? LEL;
  const st: StatisticState = statistic.init(statistic.paramsSchema.parse(params), { sensor, site, metric: 'v', metricDef, env });
  return {
    st,
    feed: (ts: number, value: number): Level => statistic.evaluate(st, { ts, value, quality: 'ok', receivedAt: ts }),
    /** One sample a minute from `t0`; returns the level string. */
    play(values: number[], t0 = T0): string {
      return values.map((v, i) => CH[this.feed(t0 + i * MIN, v)]).join('');
    },
  };
}

/** A half-life so long that α = 1/(n+1): plain running mean and population variance, exact to check. */
const LONG = 1e9;
const ewma = (extra: Record<string, unknown> = {}) => ({
  mode: 'ewma', halfLifeS: LONG, warmupSamples: 8, direction: 'rising', minSd: 0.1,
  levels: { yellow: { enter: 3, clear: 2 }, red: { enter: 6 } }, ...extra,
});

describe('statistic ewma', () => {
  const cases: { why: string; params: Record<string, unknown>; values: number[]; levels: string; metricDef?: MetricDef }[] = [
    { why: 'warm-up: no level before 8 samples are learned, even for a spike', params: ewma(), values: [10, 12, 10, 12, 10, 12, 10, 90], levels: '........' },
    { why: 'z 2.9 after warm-up (mean 11, sd 1): below yellow', params: ewma(), values: [...wobble(8), 13.9], levels: '.........' },
    { why: 'z 3.1: yellow', params: ewma(), values: [...wobble(8), 14.1], levels: '........Y' },
    { why: 'z 5.9 / 6.1: yellow / red, each judged against the same frozen past', params: ewma(), values: [...wobble(8), 16.9, 17.1], levels: '........YR' },
    { why: 'a spike is judged against the past and not learned: the next normal sample is none', params: ewma(), values: [...wobble(8), 40, 12, 10], levels: '........R..' },
    {
      why: 'frozen learning: a sustained step to z 4 stays yellow (a slow leak does not become the new normal)',
      params: ewma(), values: [...wobble(8), ...rep(15, 30)], levels: `........${'Y'.repeat(30)}`,
    },
    {
      why: "freezeAt 'never': the step is learned, the mean climbs and the level clears once z < clear 2 (z 4, 2.26, 1.75)",
      params: ewma({ freezeAt: 'never' }), values: [...wobble(8), ...rep(15, 6)], levels: '........YY....',
    },
    {
      why: 'hysteresis: back to z 2.5 (≥ clear 2) holds yellow; z 1.9 clears',
      params: ewma(), values: [...wobble(8), 14.5, 13.5, 12.9], levels: '........YY.',
    },
    { why: "falling: a drop to z −4 is yellow (levels ≤ −3)", params: ewma({ direction: 'falling', levels: { yellow: { enter: -3, clear: -2 } } }), values: [...wobble(8), 7, 15], levels: '........Y.' },
    { why: "abs: both sides count on |z|", params: ewma({ direction: 'abs' }), values: [...wobble(8), 7, 15, 11], levels: '........YY.' },
    {
      why: 'flat series: sd 0 is floored at minSd (default 1 % of 0–100 %LEL = 1), so +2 is z 2 and +3.5 is z 3.5',
      params: ewma({ minSd: undefined }), values: [...rep(10, 8), 12, 13.5], levels: '.........Y',
    },
    {
      why: 'flat series with a tiny minSd: any step is an outlier (pack authors choose the floor)',
      params: ewma({ minSd: 0.001 }), values: [...rep(10, 8), 10.01], levels: '........R',
    },
    {
      why: 'a metric without a declared range falls back to a 1e-9 floor: no division by zero, no NaN',
      params: ewma({ minSd: undefined }), values: [...rep(10, 8), 10, 10.5], levels: '.........R', metricDef: { unit: 'x', kind: 'number', zh: '值' },
    },
    { why: 'NaN values (metric missing) are ignored: no warm-up credit, level unchanged', params: ewma(), values: [...wobble(7), NaN, 40], levels: '.........' },
  ];
  it.each(cases)('$why', ({ params, values, levels, metricDef }) => {
    const h = harness(params, metricDef ? { metricDef } : {});
    expect(h.play(values)).toBe(levels);
  });

  it('blue still learns (freezeAt yellow): a sustained blue deviation fades as the mean follows', () => {
    const params = ewma({ levels: { blue: { enter: 2 }, yellow: { enter: 5 } } });
    expect(harness(params).play([...wobble(8), ...rep(13.5, 6)])).toBe('........B.....'); // z 2.5, then 1.81
    expect(harness({ ...params, freezeAt: 'blue' }).play([...wobble(8), ...rep(13.5, 6)])).toBe('........BBBBBB');
  });

  it('time-aware decay: a sample one half-life after the last weighs 1/2; one a tenth of it weighs 1 − 2^−0.1', () => {
    // A sample is learned when the next one arrives: `mean` is what the latest sample was judged against.
    const h = harness({ mode: 'ewma', halfLifeS: 600, warmupSamples: 2, direction: 'rising', minSd: 0.1, levels: { red: { enter: 1000 } } });
    for (let i = 0; i < 50; i++) h.feed(T0 + i * 6_000, 10); // 6 s apart: learned down to α(6 s) ≈ 0.0069 < 1/51
    const t = T0 + 49 * 6_000;
    h.feed(t + 600_000, 20);
    expect(h.st.mean).toBe(10);
    h.feed(t + 660_000, 15);
    expect(h.st.mean).toBeCloseTo(15, 12); // 20 learned with α = 1/2
    h.feed(t + 720_000, 25);
    expect(h.st.mean).toBeCloseTo(15, 12); // 15 learned: no change
    h.feed(t + 780_000, 0);
    expect(h.st.mean).toBeCloseTo(15 + 10 * (1 - 2 ** -0.1), 12); // 25 learned 60 s = 0.1 half-life later
  });

  it('a gap of more than 10 half-lives restarts learning: warm-up again, no level judged on a stale past', () => {
    const h = harness(ewma({ halfLifeS: 60 }));
    expect(h.play([...wobble(8), 40])).toBe('........R');
    const later = T0 + 9 * MIN + 11 * MIN; // 11 half-lives after the last sample
    expect(h.play([...rep(40, 7), 90], later)).toBe('........');
  });

  it('a sample older than the last one is ignored', () => {
    const h = harness(ewma());
    h.play(wobble(8));
    expect(h.feed(T0 + 20 * MIN, 14.1)).toBe(Level.yellow);
    expect(h.feed(T0 + 19 * MIN, 11)).toBe(Level.yellow);
    expect(h.st.lastTs).toBe(T0 + 20 * MIN);
  });

  it('describe: warm-up, normal, raised with the threshold in the metric unit, held by hysteresis', () => {
    const h = harness(ewma());
    h.play(wobble(4));
    expect(statistic.describe(h.st).text).toBe('可燃气体浓度 12.0 %LEL，正在学习近期水平 (4/8 个样本)，暂不判定');
    h.play(wobble(4), T0 + 4 * MIN);
    h.feed(T0 + 8 * MIN, 12);
    expect(statistic.describe(h.st)).toEqual({ value: 12, threshold: null, nativeAlarm: null, text: '可燃气体浓度 12.0 %LEL，近期均值 11.0 %LEL，偏离 1.00σ (正常)' });
    const g = harness(ewma());
    g.play([...wobble(8), 14.5]);
    const d = statistic.describe(g.st);
    expect(d.text).toBe('可燃气体浓度 14.5 %LEL，近期均值 11.0 %LEL，偏离 3.50σ，z ≥ 3.00σ (黄色阈值)');
    expect(d.value).toBe(14.5);
    expect(d.threshold).toBeCloseTo(14, 9); // mean 11 + 3 sd
    g.feed(T0 + 9 * MIN, 13.5);
    expect(statistic.describe(g.st).text).toBe('可燃气体浓度 13.5 %LEL，近期均值 11.0 %LEL，偏离 2.50σ，未回到清除值 z < 2.00σ (黄色阈值 z ≥ 3.00σ 保持)');
  });

  it('state survives an engine checkpoint (snapshot → fresh init → restore) and goes on identically', () => {
    const a = harness(ewma());
    a.play([...wobble(8), 14.5]);
    const b = harness(ewma());
    restoreInto(b.st as unknown as Record<string, unknown>, snapshotOf(a.st));
    const next = [13.5, 12.9, 16, 11];
    expect(b.play(next, T0 + 9 * MIN)).toBe(a.play(next, T0 + 9 * MIN));
    expect(b.st.mean).toBe(a.st.mean);
  });
});

describe('statistic baseline', () => {
  const ratio = { mode: 'baseline', direction: 'rising', measure: 'ratio', levels: { yellow: { enter: 1.2, clear: 1.1 }, orange: { enter: 1.5 } } };
  const cases: { why: string; params: Record<string, unknown>; baseline: BaselineView; values: number[]; levels: string }[] = [
    { why: 'ratio boundaries against 200 kW: 1.1995 none, 1.2 yellow (≥), 1.5 orange', params: ratio, baseline: flat(200), values: [239.9, 240, 300], levels: '.YO' },
    { why: 'ratio hysteresis: 1.125 holds yellow (≥ clear 1.1), 1.095 clears', params: ratio, baseline: flat(200), values: [240, 225, 219], levels: 'YY.' },
    { why: 'NaN baseline (not computed yet): no level whatever the load', params: ratio, baseline: flat(NaN), values: [240, 1e5], levels: '..' },
    {
      why: 'a baseline turning NaN drops a held level (the ladder forgets), and judging resumes when it returns',
      params: ratio, baseline: { at: (ts) => (ts === T0 + MIN ? NaN : 200), p95: NaN, production: 200 }, values: [300, 300, 300], levels: 'O.O',
    },
    { why: 'ratio against a zero baseline (idle night): no level, no division by zero', params: ratio, baseline: flat(0), values: [5], levels: '.' },
    { why: 'minBaseline 50: a 10 kW night baseline is too small to judge a ratio', params: { ...ratio, minBaseline: 50 }, baseline: flat(10), values: [100], levels: '.' },
    { why: 'minBaseline met: judged', params: { ...ratio, minBaseline: 50 }, baseline: flat(50), values: [100], levels: 'O' },
    {
      why: 'falling ratio (sudden loss, domain.md §2.4.1 "< 10 % of baseline"): 0.1 enters, 0.105 does not',
      params: { mode: 'baseline', direction: 'falling', measure: 'ratio', levels: { blue: { enter: 0.1 } } }, baseline: flat(200), values: [21, 20, 19, 150], levels: '.BB.',
    },
    {
      why: 'abs ratio: ±35 % both raise, ±25 % does not',
      params: { mode: 'baseline', direction: 'abs', measure: 'ratio', levels: { yellow: { enter: 0.3 } } }, baseline: flat(200), values: [270, 130, 250, 150], levels: 'YY..',
    },
    {
      why: 'diff rising: 50 kW over baseline enters, 49 does not',
      params: { mode: 'baseline', direction: 'rising', measure: 'diff', levels: { yellow: { enter: 50 } } }, baseline: flat(200), values: [249, 250], levels: '.Y',
    },
    {
      why: 'diff falling: 50 kW under baseline (levels ≤ −50)',
      params: { mode: 'baseline', direction: 'falling', measure: 'diff', levels: { yellow: { enter: -50 } } }, baseline: flat(200), values: [151, 150], levels: '.Y',
    },
    {
      why: 'the slot baseline follows the time of day (read per sample)',
      params: ratio, baseline: { at: (ts) => (ts < T0 + 2 * MIN ? 400 : 40), p95: NaN, production: 400 }, values: [300, 300, 300], levels: '..O',
    },
  ];
  it.each(cases)('$why', ({ params, baseline, values, levels }) => {
    expect(harness(params, { metricDef: KW, baseline }).play(values)).toBe(levels);
  });

  it('asks RuleEnv.baseline once, at init, for its own enterprise, sensor and metric', () => {
    const asked: string[] = [];
    const env: RuleEnv = { calendar: { dayKind: () => null }, enterprise: () => undefined, baseline: (e, s, m) => { asked.push(`${e}/${s}/${m}`); return flat(1); } };
    const sensor = { id: 'pm-01', enterpriseId: 'e9' } as SensorInfo;
    const st = statistic.init(statistic.paramsSchema.parse(ratio), { sensor, site: {} as SiteDef, metric: 'p', metricDef: KW, env });
    statistic.evaluate(st, { ts: T0, value: 1, quality: 'ok', receivedAt: T0 });
    expect(asked).toEqual(['e9/pm-01/p']);
  });

  it('describe: ratio raised, diff below, unknown baseline', () => {
    const r = harness(ratio, { metricDef: KW, baseline: flat(200) });
    r.play([300]);
    expect(statistic.describe(r.st)).toEqual({ value: 300, threshold: 300, nativeAlarm: null, text: '有功功率 300.0 kW，为同期基线 200.0 kW 的 150.0%，≥ 150.0% (橙色阈值)' });
    const d = harness({ mode: 'baseline', direction: 'falling', measure: 'diff', levels: { yellow: { enter: -50, native: '负荷骤降' } } }, { metricDef: KW, baseline: flat(200) });
    d.play([120]);
    expect(statistic.describe(d.st)).toEqual({ value: 120, threshold: 150, nativeAlarm: '负荷骤降', text: '有功功率 120.0 kW，低于同期基线 200.0 kW 80.0 kW，差值 ≤ -50.0 kW (黄色阈值)' });
    const u = harness(ratio, { metricDef: KW, baseline: flat(NaN) });
    u.play([300]);
    expect(statistic.describe(u.st).text).toBe('有功功率 300.0 kW，同期基线未知 (历史不足)，暂不判定');
  });
});

describe('statistic sum (domain.md §2.5 rainfall: levels on the 24 h amount of a 10-min gauge)', () => {
  const RAIN = SENSOR_TYPES.rain_gauge.metrics.rain;
  const TEN = 10 * MIN;
  /** domain.md §2.5 rainfall row: ≥ 25 blue, ≥ 50 yellow (暴雨), ≥ 100 orange, ≥ 250 red; clear at 90 %. */
  const rain = (windowS = 86_400) => ({
    mode: 'sum', windowS, direction: 'rising',
    levels: { blue: { enter: 25, clear: 22.5 }, yellow: { enter: 50, clear: 45, native: '暴雨' }, orange: { enter: 100, clear: 90 }, red: { enter: 250, clear: 225 } },
  });
  const play = (h: ReturnType<typeof harness>, values: number[], stepMs = TEN, t0 = T0): string =>
    values.map((v, i) => CH[h.feed(t0 + i * stepMs, v)]).join('');

  const cases: { why: string; params: Record<string, unknown>; values: number[]; levels: string; stepMs?: number }[] = [
    { why: 'the 24 h total decides, not the period amount: five 5 mm periods reach 25 mm (≥) on the fifth', params: rain(), values: rep(5, 5), levels: '....B' },
    { why: '24.9 mm is not blue; 0.1 mm more is', params: rain(), values: [24.9, 0.1], levels: '.B' },
    { why: '50 mm in 24 h is 暴雨: yellow', params: rain(), values: [25, 25], levels: 'BY' },
    { why: 'escalation at once: 100 mm orange, 250 mm red', params: rain(), values: [100, 150], levels: 'OR' },
    {
      why: 'rain leaves the window after 24 h: 30 mm, then dry periods; at 24 h (the sample exactly 24 h old is out) the total is 0 and blue clears',
      params: rain(), values: [30, ...rep(0, 144)], levels: `${'B'.repeat(144)}.`,
    },
    {
      why: 'hysteresis on the total: 26 → 23 mm (≥ clear 22.5) holds blue, 3 mm clears (30-min window)',
      params: rain(1800), values: [3, 20, 3, 0, 0], levels: '..BB.',
    },
    {
      why: 'a faster live interval than the type\'s nominal one grows the ring: 10 s samples of 1 mm over 10 min = 60 mm, exactly',
      params: rain(600), values: rep(1, 70), stepMs: 10_000, levels: `${'.'.repeat(24)}${'B'.repeat(25)}${'Y'.repeat(21)}`,
    },
  ];
  it.each(cases)('$why', ({ params, values, levels, stepMs }) => {
    const h = harness(params, { metricDef: RAIN });
    expect(play(h, values, stepMs)).toBe(levels);
  });

  it('a sample older than the last one is ignored (not summed)', () => {
    const h = harness(rain(), { metricDef: RAIN });
    play(h, [20, 4]);
    expect(h.feed(T0 + 5 * MIN, 30)).toBe(Level.none);
    expect(h.st.ring!.total).toBe(24);
  });

  it('describe: the window total with the crossed threshold and the native name; held by hysteresis', () => {
    const h = harness(rain(), { metricDef: RAIN });
    play(h, [30, 25]);
    expect(statistic.describe(h.st)).toEqual({ value: 55, threshold: 50, nativeAlarm: '暴雨', text: '时段降雨量近24小时累计 55.0 mm，≥ 50.0 mm (黄色阈值)' });
    const g = harness(rain(1800), { metricDef: RAIN });
    play(g, [3, 20, 3, 0]);
    expect(statistic.describe(g.st).text).toBe('时段降雨量近30分钟累计 23.0 mm，未回到清除值 < 22.5 mm (蓝色阈值 ≥ 25.0 mm 保持)');
    const n = harness(rain(), { metricDef: RAIN });
    play(n, [2]);
    expect(statistic.describe(n.st)).toEqual({ value: 2, threshold: null, nativeAlarm: null, text: '时段降雨量近24小时累计 2.00 mm (正常)' });
  });

  it('state survives an engine checkpoint (snapshot → fresh init → restore), the ring included, and goes on identically', () => {
    const a = harness(rain(), { metricDef: RAIN });
    play(a, [20, 10, 5]);
    const b = harness(rain(), { metricDef: RAIN });
    restoreInto(b.st as unknown as Record<string, unknown>, snapshotOf(a.st));
    const next = [30, 0, 200];
    expect(play(b, next, TEN, T0 + 3 * TEN)).toBe(play(a, next, TEN, T0 + 3 * TEN));
    expect(b.st.ring!.total).toBe(a.st.ring!.total);
  });
});

describe('statistic params', () => {
  const bad: { why: string; params: Record<string, unknown>; message: RegExp }[] = [
    { why: 'unknown mode', params: { mode: 'cusum', direction: 'rising', levels: { red: { enter: 1 } } }, message: /mode/ },
    { why: 'ewma needs a half-life', params: { mode: 'ewma', direction: 'rising', levels: { red: { enter: 3 } } }, message: /halfLifeS/ },
    { why: 'rising enter values must grow with severity', params: { mode: 'ewma', halfLifeS: 60, direction: 'rising', levels: { yellow: { enter: 4 }, red: { enter: 3 } } }, message: /must not decrease/ },
    { why: "'abs' levels are sizes: a negative enter is refused", params: { mode: 'baseline', direction: 'abs', measure: 'ratio', levels: { red: { enter: -0.3 } } }, message: /≥ 0/ },
    { why: 'baseline needs a measure', params: { mode: 'baseline', direction: 'rising', levels: { red: { enter: 1.3 } } }, message: /measure/ },
    { why: 'sum needs a window', params: { mode: 'sum', direction: 'rising', levels: { red: { enter: 250 } } }, message: /windowS/ },
    { why: 'a sum window is at most 31 days', params: { mode: 'sum', windowS: 32 * 86_400, direction: 'rising', levels: { red: { enter: 250 } } }, message: /windowS/ },
    { why: 'no stray keys (a typo is not silently ignored)', params: { mode: 'ewma', halfLifeS: 60, direction: 'rising', levels: { red: { enter: 3 } }, halflife: 5 }, message: /halflife/ },
  ];
  it.each(bad)('$why', ({ params, message }) => {
    const r = statistic.paramsSchema.safeParse(params);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(message);
  });

  it('defaults: 30 warm-up samples, freeze at yellow', () => {
    const p = statistic.paramsSchema.parse({ mode: 'ewma', halfLifeS: 600, direction: 'abs', levels: { yellow: { enter: 3 } } });
    expect(p).toMatchObject({ warmupSamples: 30, freezeAt: 'yellow' });
  });
});
