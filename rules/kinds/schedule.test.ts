// The electricity-compliance rules of domain.md §2.4.1 ("What to detect" table) on 15-min metering, against a
// real holiday calendar (config/holidays.yaml) and plain-data baselines. Level strings: one character per
// sample, '.' none, B blue, Y yellow, O orange, R red, ' ' no sample in that interval.
import { describe, it, expect } from 'vitest';
import { Level } from '../../core/level.ts';
import type { EnterpriseState, SensorInfo, SiteDef } from '../../core/registry.ts';
import { SENSOR_TYPES } from '../../core/sensor-types.ts';
import { beijingMinuteOfDay } from '../calendar/beijing.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import { loadHolidayCalendar } from '../calendar/holidays.ts';
import type { BaselineView, RuleEnv } from './kind.ts';
import { fmtDuration, schedule, seasonGate, type ScheduleState } from './schedule.ts';

const calendar = loadHolidayCalendar();
const MIN = 60_000;
const STEP = 15 * MIN;
const CH = ['.', 'B', 'Y', 'O', 'R'];
const bj = (local: string): number => Date.parse(`${local}+08:00`);
const rep = (v: number, n: number): number[] => Array.from({ length: n }, () => v);

/** A flat baseline: every slot at `production`. */
const flat = (production: number, p95 = NaN): BaselineView => ({ at: () => production, p95, production });
/** A day-shift baseline (domain.md §2.4.1 simulator): 400 kW 08:00–18:00 Beijing, idle 40 kW otherwise. */
const dayShift: BaselineView = {
  at: (ts) => {
    const m = beijingMinuteOfDay(ts);
    return m >= 480 && m < 1080 ? 400 : 40;
  },
  p95: 420,
  production: 400,
};
const NO_BASELINE: BaselineView = { at: () => NaN, p95: NaN, production: NaN };

interface Setup {
  params: Record<string, unknown>;
  state?: EnterpriseState;
  baseline?: BaselineView;
  sensorParams?: Record<string, number | string | boolean>;
  siteParams?: Record<string, number | string | boolean>;
}

function harness(setup: Setup) {
  const ent = { current: setup.state ?? ({ state: 'normal' } as EnterpriseState) };
  const env: RuleEnv = {
    calendar,
    enterprise: (id) => ({ id, county: '530927', sector: 'dust', state: ent.current }),
    baseline: () => setup.baseline ?? flat(200),
  };
  const sensor: SensorInfo = {
    id: 'pm-01', type: 'power_meter', name: '用电计量表', area: null, item: null, commissioned: '2024-01-01',
    params: setup.sensorParams ?? {}, relations: [], enterpriseId: 'e1', siteId: 's1', deviceIds: [], commissionedMs: 0,
  };
  const site: SiteDef = {
    id: 's1', name: '厂区', kind: 'factory', location: { lat: 23, lon: 99 }, tailings: null, areas: [], items: [],
    params: setup.siteParams ?? {}, sensors: [],
  };
  const params = schedule.paramsSchema.parse(setup.params);
  const st: ScheduleState = schedule.init(params, { sensor, site, metric: 'p', metricDef: SENSOR_TYPES.power_meter.metrics.p, env });
  return {
    ent,
    st,
    feed: (ts: number, value: number): Level => schedule.evaluate(st, { ts, value, quality: 'ok', receivedAt: ts }),
    tick: (now: number): Level => schedule.tick!(st, now),
    text: (): string => schedule.describe(st).text,
  };
}

interface Row extends Setup {
  why: string;
  start: string;
  values: (number | null)[];
  levels: string;
  stepMin?: number;
  text?: RegExp;
}

function play(row: Row) {
  const h = harness(row);
  const t0 = bj(row.start);
  const step = (row.stepMin ?? 15) * MIN;
  const out = row.values.map((v, i) => (v === null ? ' ' : CH[h.feed(t0 + i * step, v)])).join('');
  return { h, out };
}

function table(rows: Row[]): void {
  it.each(rows)('$why', (row) => {
    const { h, out } = play(row);
    expect(out).toBe(row.levels);
    if (row.text) expect(h.text()).toMatch(row.text);
  });
}

const suspended = (from: string | null = null, to: string | null = null, acceptedAt: string | null = null): EnterpriseState => ({ state: 'suspended', from, to, acceptedAt });

describe('shutdown_production: load > 30 % of production during 停产整顿 for ≥ 2 h → orange (domain.md §2.4.1, R35)', () => {
  const params = { rule: 'shutdown_production' };
  table([
    { why: '8 intervals above 30 % is 2 h: orange on the 8th', params, state: suspended(), start: '2026-11-10T08:00:00', values: rep(86, 8), levels: '.......O', text: /^停产整顿期间用电负荷 86 kW，达正常生产负荷 200 kW 的 43%，持续 2 小时$/ },
    { why: '7 intervals is 1 h 45 min: just short of 2 h', params, state: suspended(), start: '2026-11-10T08:00:00', values: rep(86, 7), levels: '.......', text: /持续 1 小时 45 分钟/ },
    { why: 'load exactly at 30 % is not above it', params, state: suspended(), start: '2026-11-10T08:00:00', values: rep(0.3 * 200, 9), levels: '.........' },
    { why: 'one interval back at idle restarts the 2 h', params, state: suspended(), start: '2026-11-10T08:00:00', values: [...rep(86, 7), 20, ...rep(86, 7)], levels: '...............' },
    { why: 'a meter gap > 2 intervals restarts a run not yet raised', params, state: suspended(), start: '2026-11-10T08:00:00', values: [...rep(86, 4), null, null, null, ...rep(86, 4)], levels: '....   ....' },
    { why: 'a gap of 2 intervals does not break the run (meter-silent is > 2)', params, state: suspended(), start: '2026-11-10T08:00:00', values: [...rep(86, 4), null, ...rep(86, 3)], levels: '.... ..O' },
    {
      why: 'only within the order window: from 08:00, to 10:30 (exclusive)',
      params,
      state: suspended('2026-11-10T08:00:00+08:00', '2026-11-10T10:30:00+08:00'),
      start: '2026-11-10T07:30:00',
      values: rep(100, 14),
      levels: '.........OOO..',
    },
    { why: 'a bare `to` date includes that whole Beijing day', params, state: suspended(null, '2026-11-10'), start: '2026-11-10T22:00:00', values: rep(100, 10), levels: '.......O..' },
    { why: 'no order in force (state normal): nothing to police', params, start: '2026-11-10T08:00:00', values: rep(150, 9), levels: '.........', text: /未处于停产整顿期内/ },
    { why: 'raised, a dip to 58 kW (> 0.9 × 60) holds orange; 50 kW clears it (hysteresis)', params, state: suspended(), start: '2026-11-10T08:00:00', values: [...rep(86, 8), 58, 50], levels: '.......OO.' },
    { why: 'no baseline yet: 20 % of ratedKw (1000 kW → 200 kW) is the threshold', params, baseline: NO_BASELINE, sensorParams: { ratedKw: 1000 }, state: suspended(), start: '2026-11-10T08:00:00', values: rep(210, 8), levels: '.......O', text: /达额定功率 1000 kW 的 21%，持续 2 小时\(尚无正常生产负荷基线，按额定功率判定\)$/ },
    { why: 'no baseline and no ratedKw: cannot decide, and says so', params, baseline: NO_BASELINE, state: suspended(), start: '2026-11-10T08:00:00', values: rep(999, 9), levels: '.........', text: /未配置额定功率/ },
    { why: 'the level is a param (a pack may choose red)', params: { ...params, level: 'red', forS: 3600 }, state: suspended(), start: '2026-11-10T08:00:00', values: rep(86, 4), levels: '...R' },
  ]);
});

describe('off_hours_work: load > 40 % of the daytime baseline in a forbidden window or holiday for ≥ 45 min → yellow (domain.md §2.4.1, §4 item 7)', () => {
  const params = { rule: 'off_hours_work' };
  table([
    { why: '3 intervals across Beijing midnight (23:30, 23:45, 00:00) reach 45 min', params, start: '2026-11-10T23:30:00', values: rep(100, 3), levels: '..Y', text: /^禁止作业时段\(22:00–06:00\)用电负荷 100 kW，达日间生产负荷 200 kW 的 50%，持续 45 分钟$/ },
    { why: '2 intervals is 30 min: just short', params, start: '2026-11-10T23:30:00', values: rep(100, 2), levels: '..' },
    { why: 'samples before 22:00 are allowed time and do not count', params, start: '2026-11-10T21:30:00', values: rep(100, 5), levels: '....Y' },
    { why: 'the window ends at 06:00 Beijing: the level clears', params, start: '2026-11-11T05:00:00', values: rep(100, 5), levels: '..YY.' },
    { why: 'load exactly at 40 % is not above it', params, start: '2026-11-10T23:00:00', values: rep(0.4 * 200, 4), levels: '....' },
    { why: 'sub-interval samples are credited their own spacing (5-min: Y at 22:40, not 22:10)', params, start: '2026-11-10T21:55:00', stepMin: 5, values: rep(100, 10), levels: '.........Y' },
    { why: 'a statutory holiday (2026-10-01 国庆节) is forbidden all day', params, start: '2026-10-01T10:00:00', values: rep(100, 3), levels: '..Y', text: /^法定节假日\(国庆节\)用电负荷 100 kW/ },
    { why: 'the first working day after 国庆 (Thursday 10-08) is ordinary', params, start: '2026-10-08T10:00:00', values: rep(100, 3), levels: '...' },
    { why: 'holidays: false leaves holiday daytime allowed', params: { ...params, holidays: false }, start: '2026-10-01T10:00:00', values: rep(100, 3), levels: '...' },
    { why: 'weekends forbidden: an ordinary Sunday daytime raises', params: { ...params, weekends: true }, start: '2026-09-13T10:00:00', values: rep(100, 3), levels: '..Y', text: /^休息日\(周日\)/ },
    { why: 'weekends forbidden: the 调休 working Sunday 2026-09-20 is a working day, no alarm', params: { ...params, weekends: true }, start: '2026-09-20T10:00:00', values: rep(100, 4), levels: '....' },
    { why: 'the 调休 working Saturday 2026-02-28 still has its night window', params: { ...params, weekends: true }, start: '2026-02-28T22:00:00', values: rep(100, 3), levels: '..Y' },
    { why: 'configurable windows per enterprise: 12:00–13:30 lunch closure', params: { ...params, windows: [{ from: '12:00', to: '13:30' }] }, start: '2026-11-10T11:45:00', values: rep(100, 8), levels: '...YYYY.' },
    { why: 'day-shift plant idling at night (base load 10 %) is fine', params, start: '2026-11-10T22:00:00', values: rep(20, 8), levels: '........' },
  ]);

  it('refuses a continuous-process plant (site or meter profile: continuous), naming it', () => {
    expect(() => harness({ params, siteParams: { profile: 'continuous' } })).toThrow(/continuous-process plant .*site s1/);
    expect(() => harness({ params, sensorParams: { profile: 'continuous', ratedKw: 800 } })).toThrow(/sensor pm-01/);
    expect(() => harness({ params: { rule: 'overload' }, siteParams: { profile: 'continuous' } })).not.toThrow();
  });
});

describe('overload: load > 120 % of P95 or > contracted capacity for ≥ 3 intervals → yellow; ≥ 1 day → orange (domain.md §2.4.1)', () => {
  const params = { rule: 'overload' };
  const p95 = flat(400, 500); // 1.2 × 500 = 600 kW
  table([
    { why: '3 intervals above 120 % of P95: yellow', params, baseline: p95, start: '2026-11-10T09:00:00', values: rep(601, 3), levels: '..Y', text: /^用电负荷 601 kW，达近期P95负荷 500 kW 的 120%，持续 45 分钟$/ },
    { why: '2 intervals: just short', params, baseline: p95, start: '2026-11-10T09:00:00', values: rep(700, 2), levels: '..' },
    { why: 'exactly 120 % of P95 is not above it', params, baseline: p95, start: '2026-11-10T09:00:00', values: rep(1.2 * 500, 4), levels: '....' },
    { why: 'a contracted capacity below 1.2 × P95 decides (either exceeded raises)', params, baseline: p95, sensorParams: { contractKw: 550, ratedKw: 2000 }, start: '2026-11-10T09:00:00', values: rep(560, 3), levels: '..Y', text: /超过合同容量 550 kW/ },
    { why: 'ratedKw above 1.2 × P95: the P95 threshold decides', params, baseline: p95, sensorParams: { ratedKw: 700 }, start: '2026-11-10T09:00:00', values: [...rep(590, 3), ...rep(650, 3)], levels: '.....Y' },
    { why: 'no P95 yet: the contracted capacity alone decides', params, baseline: NO_BASELINE, sensorParams: { contractKw: 700 }, start: '2026-11-10T09:00:00', values: rep(710, 3), levels: '..Y', text: /超过合同容量 700 kW/ },
    { why: 'no P95 and only a nameplate rating: a plant may run at its rating (§2.4.1 says "> contracted capacity"), so no level', params, baseline: NO_BASELINE, sensorParams: { ratedKw: 700 }, start: '2026-11-10T09:00:00', values: rep(710, 3), levels: '...', text: /无法判定超负荷/ },
    { why: 'useCapacity: false ignores the capacity', params: { ...params, useCapacity: false }, baseline: p95, sensorParams: { contractKw: 550 }, start: '2026-11-10T09:00:00', values: rep(560, 3), levels: '...' },
    { why: 'raised, 545 kW (> 0.9 × 600) holds yellow; 530 kW clears', params, baseline: p95, start: '2026-11-10T09:00:00', values: [...rep(650, 3), 545, 530], levels: '..YY.' },
    { why: 'no P95 and no capacity: cannot decide', params, baseline: NO_BASELINE, start: '2026-11-10T09:00:00', values: rep(9999, 4), levels: '....', text: /无法判定超负荷/ },
  ]);

  it('escalates to orange when the overload has held for 1 day (96 intervals), not one interval earlier', () => {
    const { out, h } = play({ why: '', params, baseline: p95, start: '2026-11-10T09:00:00', values: rep(700, 97), levels: '' });
    expect(out.slice(0, 3)).toBe('..Y');
    expect(out[94]).toBe('Y');
    expect(out[95]).toBe('O');
    expect(out[96]).toBe('O');
    expect(h.text()).toMatch(/持续 1 天，超负荷已持续 1 天以上$/);
  });
});

describe('sudden_loss: load < 10 % of baseline within one interval in a production window → blue; red for coal (domain.md §2.4.1)', () => {
  const params = { rule: 'sudden_loss' };
  table([
    { why: '400 → 30 kW in one interval during production: blue', params, baseline: dayShift, start: '2026-11-10T10:00:00', values: [400, 30], levels: '.B', text: /^生产时段用电负荷由 400 kW 骤降至 30 kW，不足基线负荷 400 kW 的 10%$/ },
    { why: 'to exactly 10 % of baseline is not below it', params, baseline: dayShift, start: '2026-11-10T10:00:00', values: [400, 0.1 * 400], levels: '..' },
    { why: 'a gradual ramp-down (400 → 150 → 30) is not sudden', params, baseline: dayShift, start: '2026-11-10T10:00:00', values: [400, 150, 30], levels: '...' },
    { why: 'a drop across a 45-min gap is not "within one interval"', params, baseline: dayShift, start: '2026-11-10T10:00:00', values: [400, null, null, 30], levels: '.  .' },
    { why: 'outside the production window (night, slot baseline idle) nothing is expected', params, baseline: dayShift, start: '2026-11-10T20:00:00', values: [40, 2], levels: '..' },
    { why: 'coal pack: main fan / drainage power loss is red', params: { ...params, level: 'red' }, baseline: flat(900), start: '2026-11-10T03:00:00', values: [880, 5], levels: '.R' },
    { why: 'holds while below 50 % of baseline; clears once back to ≥ 50 %', params, baseline: dayShift, start: '2026-11-10T10:00:00', values: [400, 30, 100, 250], levels: '.BB.' },
    { why: 'a suspended plant is supposed to stop: no loss alarm by default', params, baseline: dayShift, state: suspended(), start: '2026-11-10T10:00:00', values: [400, 30], levels: '..', text: /停产整顿状态/ },
    { why: 'a pack may police suspended sites too (coal: fans run during 停产整顿)', params: { ...params, states: ['normal', 'suspended'] }, baseline: dayShift, state: suspended(), start: '2026-11-10T10:00:00', values: [400, 30], levels: '.B' },
    { why: 'no baseline yet: nothing is expected', params, baseline: NO_BASELINE, start: '2026-11-10T10:00:00', values: [400, 0], levels: '..' },
  ]);
});

describe('resumed_before_acceptance: load back to ≥ 70 % of production before 复产验收 for ≥ 2 h → orange (domain.md §2.4.1)', () => {
  const params = { rule: 'resumed_before_acceptance' };
  const pending: EnterpriseState = { state: 'pending_acceptance', from: null, to: null, acceptedAt: null };
  table([
    { why: 'pending acceptance, exactly 70 % for 2 h: orange ("returns to normal" is ≥)', params, state: pending, start: '2026-11-10T08:00:00', values: rep(0.7 * 200, 8), levels: '.......O', text: /^待复产验收期间，用电负荷 140 kW，恢复至正常生产负荷 200 kW 的 70%，持续 2 小时$/ },
    { why: '1 h 45 min: just short', params, state: pending, start: '2026-11-10T08:00:00', values: rep(180, 7), levels: '.......', text: /\(未达持续时间\)$/ },
    { why: 'just below 70 % does not count', params, state: pending, start: '2026-11-10T08:00:00', values: rep(139, 9), levels: '.........' },
    { why: 'suspended past its `to` with no acceptance recorded', params, state: suspended('2026-10-01T00:00:00+08:00', '2026-11-01T00:00:00+08:00'), start: '2026-11-10T08:00:00', values: rep(180, 8), levels: '.......O', text: /^停产整顿期限\(至 2026-10-31\)已过、未记录复产验收/ },
    { why: 'suspended and still within the order: the shutdown rule owns it', params, state: suspended('2026-10-01T00:00:00+08:00', '2026-12-01T00:00:00+08:00'), start: '2026-11-10T08:00:00', values: rep(180, 9), levels: '.........' },
    { why: 'acceptance recorded before the load returned: lawful resumption', params, state: { ...pending, acceptedAt: '2026-11-09T10:00:00+08:00' }, start: '2026-11-10T08:00:00', values: rep(180, 9), levels: '.........', text: /已记录复产验收/ },
    { why: 'a normal enterprise: nothing awaited', params, start: '2026-11-10T08:00:00', values: rep(180, 9), levels: '.........' },
  ]);
});

describe('tick: the enterprise state is read live, so the end of an order or window clears without a new sample', () => {
  it('order lifted by an operator (state → normal): shutdown_production clears on tick', () => {
    const h = harness({ params: { rule: 'shutdown_production' }, state: suspended() });
    const t0 = bj('2026-11-10T08:00:00');
    for (let i = 0; i < 8; i++) h.feed(t0 + i * STEP, 86);
    expect(h.tick(t0 + 8 * STEP)).toBe(Level.orange);
    h.ent.current = { state: 'normal' };
    expect(h.tick(t0 + 8 * STEP + MIN)).toBe(Level.none);
    expect(h.text()).toMatch(/未处于停产整顿期内/);
  });

  it('order reaches its `to`: clears on the first tick at or after it', () => {
    const h = harness({ params: { rule: 'shutdown_production' }, state: suspended(null, '2026-11-10T12:00:00+08:00') });
    const t0 = bj('2026-11-10T08:00:00');
    for (let i = 0; i < 8; i++) h.feed(t0 + i * STEP, 86);
    expect(h.tick(bj('2026-11-10T11:59:59'))).toBe(Level.orange);
    expect(h.tick(bj('2026-11-10T12:00:00'))).toBe(Level.none);
  });

  it('acceptance recorded: resumed_before_acceptance clears on tick', () => {
    const h = harness({ params: { rule: 'resumed_before_acceptance' }, state: { state: 'pending_acceptance' } });
    const t0 = bj('2026-11-10T08:00:00');
    for (let i = 0; i < 8; i++) h.feed(t0 + i * STEP, 180);
    expect(h.tick(t0 + 8 * STEP)).toBe(Level.orange);
    h.ent.current = { state: 'normal', acceptedAt: '2026-11-10T10:05:00+08:00' };
    expect(h.tick(bj('2026-11-10T10:10:00'))).toBe(Level.none);
  });

  it('the night window ends at 06:00: off_hours_work clears with no sample after 05:45', () => {
    const h = harness({ params: { rule: 'off_hours_work' } });
    const t0 = bj('2026-11-11T05:15:00');
    for (let i = 0; i < 3; i++) h.feed(t0 + i * STEP, 100);
    expect(h.tick(bj('2026-11-11T05:59:00'))).toBe(Level.yellow);
    expect(h.tick(bj('2026-11-11T06:00:00'))).toBe(Level.none);
  });

  it('the production window ends at 18:00: sudden_loss clears', () => {
    const h = harness({ params: { rule: 'sudden_loss' }, baseline: dayShift });
    h.feed(bj('2026-11-10T17:00:00'), 400);
    expect(h.feed(bj('2026-11-10T17:15:00'), 10)).toBe(Level.blue);
    expect(h.tick(bj('2026-11-10T17:59:00'))).toBe(Level.blue);
    expect(h.tick(bj('2026-11-10T18:00:00'))).toBe(Level.none);
  });

  it('a tick never raises (raising needs load data)', () => {
    const h = harness({ params: { rule: 'shutdown_production' }, state: suspended() });
    expect(h.tick(bj('2026-11-10T08:00:00'))).toBe(Level.none);
  });

  it('a sample without the metric (NaN) keeps the level in force', () => {
    const h = harness({ params: { rule: 'off_hours_work' } });
    const t0 = bj('2026-11-10T23:00:00');
    for (let i = 0; i < 3; i++) h.feed(t0 + i * STEP, 100);
    expect(h.feed(t0 + 3 * STEP, NaN)).toBe(Level.yellow);
  });
});

describe('checkpoints (rules/engine/snapshot.ts copies plain data only)', () => {
  it('a run carried across a restart still completes its 2 h; the compiled part is not copied', () => {
    const setup = { params: { rule: 'shutdown_production' }, state: suspended() };
    const a = harness(setup);
    const t0 = bj('2026-11-10T08:00:00');
    for (let i = 0; i < 7; i++) a.feed(t0 + i * STEP, 86);
    const snap = snapshotOf(a.st);
    expect((snap as Record<string, unknown>).c).toBeUndefined();
    const b = harness(setup);
    const compiled = b.st.c;
    restoreInto(b.st as unknown as Record<string, unknown>, snap);
    expect(b.st.c).toBe(compiled);
    expect(b.feed(t0 + 7 * STEP, 86)).toBe(Level.orange);
  });
});

describe('params', () => {
  it('is a union on `rule` with defaults from domain.md §2.4.1, refusing unknown rules and fields', () => {
    expect(schedule.paramsSchema.parse({ rule: 'shutdown_production' })).toMatchObject({ ratio: 0.3, forS: 7200, level: 'orange', intervalS: 900 });
    expect(schedule.paramsSchema.parse({ rule: 'off_hours_work' })).toMatchObject({ ratio: 0.4, forS: 2700, level: 'yellow', windows: [{ from: '22:00', to: '06:00' }] });
    expect(schedule.paramsSchema.parse({ rule: 'overload' })).toMatchObject({ ratio: 1.2, forS: 2700, sustainedS: 86_400, level: 'yellow', sustainedLevel: 'orange' });
    expect(schedule.paramsSchema.parse({ rule: 'sudden_loss' })).toMatchObject({ ratio: 0.1, level: 'blue' });
    expect(schedule.paramsSchema.parse({ rule: 'resumed_before_acceptance' })).toMatchObject({ ratio: 0.7, level: 'orange' });
    expect(schedule.paramsSchema.safeParse({ rule: 'night' }).success).toBe(false);
    expect(schedule.paramsSchema.safeParse({ rule: 'overload', windows: [] }).success).toBe(false);
    expect(schedule.paramsSchema.safeParse({ rule: 'off_hours_work', windows: [{ from: '22:00', to: '6:00' }] }).success).toBe(false);
  });

  it('formats durations in Chinese', () => {
    expect([45 * MIN, 2 * 60 * MIN, 135 * MIN, 27 * 60 * MIN, 24 * 60 * MIN].map(fmtDuration)).toEqual(['45 分钟', '2 小时', '2 小时 15 分钟', '1 天 3 小时', '1 天']);
  });
});

describe('seasonGate: out of season a seasonal rule is silent (domain.md §2.3 sugar 榨季, docs/registry.md site params)', () => {
  const sugar = { profile: 'seasonal', season: 'sugar', seasonFrom: '11-01', seasonTo: '04-30' };
  const rows = [
    { why: 'mid-榨季 (December) is in season', params: sugar, ts: bj('2026-12-15T10:00:00'), inSeason: true },
    { why: 'the season wraps the year: 04-30 Beijing is its last day', params: sugar, ts: bj('2027-04-30T23:59:00'), inSeason: true },
    { why: '05-01 Beijing is out of season', params: sugar, ts: bj('2027-05-01T00:00:00'), inSeason: false },
    { why: '11-01 00:00 Beijing (10-31 16:00Z) opens the season', params: sugar, ts: Date.parse('2026-10-31T16:00:00Z'), inSeason: true },
    { why: 'summer is out of season', params: sugar, ts: bj('2026-07-01T10:00:00'), inSeason: false },
    { why: '`season: true` works as well as a name', params: { season: true, seasonFrom: '03-01', seasonTo: '05-31' }, ts: bj('2026-04-01T10:00:00'), inSeason: true },
  ];
  it.each(rows)('$why', ({ params, ts, inSeason }) => {
    expect(seasonGate(params)!(ts)).toBe(inSeason);
  });

  it('has no gate for a site without a season, and refuses a season without valid dates', () => {
    expect(seasonGate({ profile: 'day_shift' })).toBeNull();
    expect(seasonGate({ season: false, seasonFrom: '11-01', seasonTo: '04-30' })).toBeNull();
    expect(() => seasonGate({ season: 'sugar', seasonFrom: '11-01' })).toThrow(/seasonFrom and seasonTo as 'MM-DD'/);
    expect(() => seasonGate({ season: true, seasonFrom: '11-31', seasonTo: '04-30' })).toThrow(/MM-DD/);
  });
});
