import { describe, it, expect } from 'vitest';
import { Level } from '../../core/level.ts';
import type { Quality } from '../../core/reading.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import type { DeviceState, MemberRef, MemberView, SiteRuleContext } from './kind.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import { COMPOSITE_EXAMPLES, composite, compositeParams, type CompositeParams, type CompositeState } from './composite.ts';

// --- fixtures: one site with the sensors the three pack examples need ---

function sensor(id: string, type: SensorInfo['type'], area: string | null, extra: Partial<SensorInfo> = {}): SensorInfo {
  return {
    id, type, name: id.toUpperCase(), area, item: null, commissioned: '2024-01-10', params: {}, relations: [],
    enterpriseId: 'e1', siteId: 's1', deviceIds: [], commissionedMs: 0, ...extra,
  };
}
const sensors: SensorInfo[] = [
  sensor('lel-a1', 'gas_combustible', 'a', { relations: [{ kind: 'neighbour', sensor: 'lel-a2' }] }),
  sensor('lel-a2', 'gas_combustible', 'a'),
  sensor('lel-a3', 'gas_combustible', 'a'),
  sensor('h2s-a1', 'gas_h2s', 'a'),
  sensor('lel-b1', 'gas_combustible', 'b'),
  sensor('lel-c1', 'gas_combustible', 'c'),
  sensor('ch4-t1', 'mine_ch4', 'face', { relations: [{ kind: 'feed', sensor: 'feed-1' }] }),
  sensor('ch4-nofeed', 'mine_ch4', 'face'),
  sensor('feed-1', 'mine_feed', 'face'),
  sensor('dc1-dp', 'dust_dp', 'drying', { relations: [{ kind: 'meter', sensor: 'pm-01' }] }),
  sensor('pm-01', 'power_meter', 'power-room', { params: { ratedKw: 3000 } }),
];
const site: SiteDef = {
  id: 's1', name: '测试厂', kind: 'factory', location: { lat: 25, lon: 102 }, tailings: null,
  areas: [], items: [], params: {}, sensors: [],
};
const byId = (id: string): SensorInfo => sensors.find((s) => s.id === id)!;
const ctx = (anchor: string | null, list: SensorInfo[] = sensors): SiteRuleContext => ({
  enterpriseId: 'e1', site, sensors: list, env: undefined as never, ...(anchor ? { anchor: byId(anchor) } : {}),
});

interface Live {
  level?: Level;
  deviceLevel?: Level;
  value?: number;
  valueTs?: number;
  quality?: Quality;
  state?: DeviceState;
  since?: number;
}
/** The engine's MemberView over a table of live member facts by sensor id (absent = quiet, ok, no value). */
function view(refs: readonly MemberRef[], live: Record<string, Live>): MemberView {
  const at = (i: number): Live => live[refs[i]!.sensorId] ?? {};
  return {
    level: (i) => at(i).level ?? Level.none,
    deviceLevel: (i) => at(i).deviceLevel ?? Level.none,
    value: (i) => at(i).value ?? Number.NaN,
    valueTs: (i) => at(i).valueTs ?? Number.NaN,
    quality: (i) => at(i).quality ?? 'ok',
    deviceState: (i) => at(i).state ?? 'ok',
    deviceSince: (i) => at(i).since ?? 0,
  };
}
function setup(p: CompositeParams, anchor: string | null, list?: SensorInfo[]): { state: CompositeState; refs: MemberRef[] } {
  const { state, members } = composite.init(compositeParams.parse(p), ctx(anchor, list));
  return { state, refs: members };
}

const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);
const { none: N, yellow: Y, orange: O, red: R } = Level;

describe('composite params', () => {
  it.each(Object.entries(COMPOSITE_EXAMPLES))('accepts the documented pack example %s', (_name, p) => {
    expect(compositeParams.safeParse(p).success).toBe(true);
  });

  const bad: { why: string; p: unknown }[] = [
    { why: 'kofn without k cannot be evaluated', p: { op: 'kofn', level: 'red', text: 'x', terms: [{ of: { self: true }, test: { minLevel: 'orange' } }] } },
    { why: 'k larger than the number of terms can never hold', p: { op: 'kofn', k: 2, level: 'red', text: 'x', terms: [{ of: { self: true }, test: { minLevel: 'orange' } }] } },
    { why: 'a value test needs exactly one of than/thanParam', p: { level: 'red', text: 'x', terms: [{ of: { self: true }, test: { value: 'ge', than: 1, thanParam: { param: 'ratedKw' } } }] } },
    { why: 'an unknown sensor type is a typo, refused at load', p: { level: 'red', text: 'x', terms: [{ of: { type: ['gas_methan'] }, test: { minLevel: 'orange' } }] } },
    { why: 'an unknown device state is a typo, refused at load', p: { level: 'red', text: 'x', terms: [{ of: { self: true }, test: { deviceIn: ['offline'] } }] } },
  ];
  it.each(bad)('refuses: $why', ({ p }) => {
    expect(compositeParams.safeParse(p).success).toBe(false);
  });
});

describe('composite: two detectors of one area at orange → red (domain.md §2.1 red row)', () => {
  const p = COMPOSITE_EXAMPLES.twoDetectorsOrange;

  it('takes the anchor and the same-type detectors of its area as members', () => {
    expect(setup(p, 'lel-a1').refs.map((r) => r.sensorId)).toEqual(['lel-a1', 'lel-a2', 'lel-a3']);
  });

  const rows: { why: string; live: Record<string, Live>; want: Level }[] = [
    { why: 'one detector at orange is an orange point alarm, not a red', live: { 'lel-a1': { level: O } }, want: N },
    { why: 'two detectors of the area at orange → red', live: { 'lel-a2': { level: O }, 'lel-a3': { level: O } }, want: R },
    { why: 'orange and red count alike (≥ orange)', live: { 'lel-a1': { level: R }, 'lel-a3': { level: O } }, want: R },
    { why: 'two at yellow are below the test level', live: { 'lel-a1': { level: Y }, 'lel-a2': { level: Y } }, want: N },
    { why: 'an orange in another area does not count', live: { 'lel-a1': { level: O }, 'lel-b1': { level: O } }, want: N },
    { why: 'an orange H2S detector is another type: not the same plume measurement', live: { 'lel-a1': { level: O }, 'h2s-a1': { level: O } }, want: N },
  ];
  it.each(rows)('$why', ({ live, want }) => {
    const { state, refs } = setup(p, 'lel-a1');
    expect(composite.evaluate(state, view(refs, live), T0)).toBe(want);
  });

  it('keeps a lone detector inert instead of refusing the pack (ifUnresolved: inert)', () => {
    const { state, refs } = setup(p, 'lel-c1');
    expect(refs).toEqual([]);
    expect(composite.evaluate(state, view(refs, { 'lel-c1': { level: R } }), T0)).toBe(N);
  });

  it('says which detectors satisfied it, in Chinese', () => {
    const { state, refs } = setup(p, 'lel-a1');
    composite.evaluate(state, view(refs, { 'lel-a1': { level: O, value: 55 }, 'lel-a3': { level: O } }), T0);
    const d = composite.describe(state);
    expect(d.text).toBe('同一区域2个探测器达到橙色（LEL-A1、LEL-A3 达到橙色(二级)及以上）');
    expect(d.value).toBe(55);
  });

  it('also works on the anchor and its neighbour relations', () => {
    const q: CompositeParams = { ...p, terms: [{ of: { self: true, relation: 'neighbour' }, test: { minLevel: 'orange' }, need: 2 }] };
    const { state, refs } = setup(q, 'lel-a1');
    expect(refs.map((r) => r.sensorId)).toEqual(['lel-a1', 'lel-a2']);
    expect(composite.evaluate(state, view(refs, { 'lel-a1': { level: O }, 'lel-a2': { level: O } }), T0)).toBe(R);
  });
});

describe('composite: methane at cut-power while the feed still shows power → red (domain.md §2.2 断电失败/馈电异常)', () => {
  const p = COMPOSITE_EXAMPLES.cutPowerFeedStillOn;
  const s = (ms: number): number => T0 + ms * 1000;

  it('takes the methane sensor and its feed sensor (metric feed) as members', () => {
    expect(setup(p, 'ch4-t1').refs).toEqual([{ sensorId: 'ch4-t1', metric: 'ch4' }, { sensorId: 'feed-1', metric: 'feed' }]);
  });

  // Each row is a sequence of evaluations (seconds after T0) with the live facts at that moment.
  const rows: { why: string; steps: { at: number; ch4: Level; feed: Live }[]; want: Level[] }[] = [
    {
      why: 'cut-power reached, feed still on and reporting: red once it held 10 s (the cut must happen at once)',
      steps: [
        { at: 0, ch4: O, feed: { value: 1, valueTs: s(-2) } },
        { at: 9, ch4: O, feed: { value: 1, valueTs: s(8) } },
        { at: 10, ch4: O, feed: { value: 1, valueTs: s(8) } },
      ],
      want: [N, N, R],
    },
    {
      why: 'the power was cut within 10 s: never red',
      steps: [
        { at: 0, ch4: O, feed: { value: 1, valueTs: s(-2) } },
        { at: 5, ch4: O, feed: { value: 0, valueTs: s(5) } },
        { at: 12, ch4: O, feed: { value: 0, valueTs: s(5) } },
      ],
      want: [N, N, N],
    },
    {
      why: 'the last "power on" is older than the condition start minus 10 s (feed sensor silent): no proof of failure',
      steps: [
        { at: 0, ch4: O, feed: { value: 1, valueTs: s(-15) } },
        { at: 10, ch4: O, feed: { value: 1, valueTs: s(-15) } },
      ],
      want: [N, N],
    },
    {
      why: 'methane only at the alarm value (yellow): power may stay on',
      steps: [
        { at: 0, ch4: Y, feed: { value: 1, valueTs: s(0) } },
        { at: 20, ch4: Y, feed: { value: 1, valueTs: s(20) } },
      ],
      want: [N, N],
    },
    {
      why: 'a feed reading of quality fault proves nothing',
      steps: [
        { at: 0, ch4: O, feed: { value: 1, valueTs: s(0), quality: 'fault' } },
        { at: 10, ch4: O, feed: { value: 1, valueTs: s(10), quality: 'fault' } },
      ],
      want: [N, N],
    },
    {
      why: 'methane back below cut-power resets the hold: it must hold 10 s again',
      steps: [
        { at: 0, ch4: O, feed: { value: 1, valueTs: s(0) } },
        { at: 6, ch4: Y, feed: { value: 1, valueTs: s(6) } },
        { at: 8, ch4: O, feed: { value: 1, valueTs: s(8) } },
        { at: 12, ch4: O, feed: { value: 1, valueTs: s(12) } },
        { at: 18, ch4: O, feed: { value: 1, valueTs: s(18) } },
      ],
      want: [N, N, N, N, R],
    },
  ];
  it.each(rows)('$why', ({ steps, want }) => {
    const { state, refs } = setup(p, 'ch4-t1');
    const got = steps.map((st) => composite.evaluate(state, view(refs, { 'ch4-t1': { level: st.ch4, value: 1.6 }, 'feed-1': st.feed }), s(st.at)));
    expect(got).toEqual(want);
  });

  it('describes the failure with the feed value and the native alarm', () => {
    const { state, refs } = setup(p, 'ch4-t1');
    const live = { 'ch4-t1': { level: O, value: 1.62 }, 'feed-1': { value: 1, valueTs: s(9) } };
    composite.evaluate(state, view(refs, live), s(0));
    composite.evaluate(state, view(refs, live), s(10));
    const d = composite.describe(state);
    expect(d).toEqual({
      value: 1.62,
      threshold: null,
      nativeAlarm: '馈电异常',
      text: '甲烷已达断电值但馈电仍显示有电（CH4-T1 达到橙色(二级)及以上；FEED-1 馈电状态(有电)：是，持续 10 s）',
    });
  });

  it('refuses a methane sensor without a feed relation, naming the rule and the sensor', () => {
    expect(() => setup(p, 'ch4-nofeed')).toThrow(/甲烷已达断电值但馈电仍显示有电.*anchor ch4-nofeed.*resolves to 0 sensor/);
  });
});

describe('composite: production load while safety sensors are dark > 30 min (domain.md §2.4.3)', () => {
  const p = COMPOSITE_EXAMPLES.productionWithSafetyOff;
  const min = (m: number): number => T0 + m * 60_000;
  const safety = ['lel-a1', 'lel-a2', 'lel-a3', 'h2s-a1', 'lel-b1', 'lel-c1', 'ch4-t1', 'ch4-nofeed', 'feed-1', 'dc1-dp'];
  const dark = (state: DeviceState, since: number): Record<string, Live> => Object.fromEntries(safety.map((id) => [id, { state, since }]));

  it('takes the meter (power p) and every gas, coal-mine and dust sensor of the site', () => {
    const { refs } = setup(p, 'pm-01');
    expect(refs[0]).toEqual({ sensorId: 'pm-01', metric: 'p' });
    expect(refs.slice(1).map((r) => r.sensorId).sort()).toEqual([...safety].sort());
  });

  const rows: { why: string; live: Record<string, Live>; want: Level }[] = [
    { why: 'load 1200 kW ≥ 30 % of 3000 kW and all safety sensors silent for 31 min → orange', live: { ...dark('silent', min(-31)), 'pm-01': { value: 1200, valueTs: min(-5) } }, want: O },
    { why: 'a mix of silent, stuck, maintenance and comm_lost counts alike', live: { ...dark('maintenance', min(-40)), 'lel-a1': { state: 'stuck', since: min(-35) }, 'dc1-dp': { state: 'comm_lost', since: min(-31) }, 'pm-01': { value: 2000, valueTs: min(0) } }, want: O },
    { why: 'dark for only 29 min: not yet the 30 min of §2.4.3', live: { ...dark('silent', min(-29)), 'pm-01': { value: 1200, valueTs: min(0) } }, want: N },
    { why: 'one safety sensor still reporting: single failures are device alarms, not this pattern', live: { ...dark('silent', min(-60)), 'ch4-t1': { state: 'ok', since: min(-600) }, 'pm-01': { value: 1200, valueTs: min(0) } }, want: N },
    { why: 'load 800 kW < 900 kW (30 % of ratedKw): the plant is not producing', live: { ...dark('silent', min(-60)), 'pm-01': { value: 800, valueTs: min(0) } }, want: N },
    { why: 'a meter reading older than two 15-min intervals says nothing about production now', live: { ...dark('silent', min(-60)), 'pm-01': { value: 1200, valueTs: min(-31) } }, want: N },
    { why: 'a safety sensor out of range is not "dark": it still reports', live: { ...dark('silent', min(-60)), 'lel-b1': { state: 'out_of_range', since: min(-60) }, 'pm-01': { value: 1200, valueTs: min(0) } }, want: N },
  ];
  it.each(rows)('$why', ({ live, want }) => {
    const { state, refs } = setup(p, 'pm-01');
    expect(composite.evaluate(state, view(refs, live), min(0))).toBe(want);
  });

  it('anchored on a dust collector, resolves the meter through its meter relation', () => {
    const q: CompositeParams = { ...p, terms: [{ ...p.terms[0], of: { relation: 'meter', metric: 'p' } }, p.terms[1]] };
    const { state, refs } = setup(q, 'dc1-dp');
    expect(refs[0]).toEqual({ sensorId: 'pm-01', metric: 'p' });
    expect(composite.evaluate(state, view(refs, { ...dark('silent', min(-31)), 'pm-01': { value: 1200, valueTs: min(0) } }), min(0))).toBe(O);
  });

  it('describes the load and the dark sensors', () => {
    const { state, refs } = setup(p, 'pm-01');
    composite.evaluate(state, view(refs, { ...dark('silent', min(-31)), 'pm-01': { value: 1200, valueTs: min(0) } }), min(0));
    const d = composite.describe(state);
    expect(d.value).toBe(1200);
    expect(d.text).toContain('PM-01 有功功率 1200 kW ≥ 900 kW');
    expect(d.text).toContain('等10个 处于离线(无数据)/数值僵直/维护/通信中断超过30分钟');
  });
});

describe('composite: combinators and refusals', () => {
  const orange = (id: string) => ({ of: { ids: [id] }, test: { minLevel: 'orange' as const } });
  const three = [orange('lel-a1'), orange('lel-b1'), orange('lel-c1')];
  const rows: { why: string; p: CompositeParams; live: Record<string, Live>; want: Level }[] = [
    { why: 'or: one term is enough', p: { op: 'or', level: 'red', text: 'x', terms: three }, live: { 'lel-b1': { level: O } }, want: R },
    { why: 'and: every term must hold', p: { op: 'and', level: 'red', text: 'x', terms: three }, live: { 'lel-a1': { level: O }, 'lel-b1': { level: O } }, want: N },
    { why: 'kofn: 2 of 3 terms hold', p: { op: 'kofn', k: 2, level: 'yellow', text: 'x', terms: three }, live: { 'lel-a1': { level: O }, 'lel-c1': { level: R } }, want: Y },
    { why: 'kofn: 1 of 3 is short of k = 2', p: { op: 'kofn', k: 2, level: 'yellow', text: 'x', terms: three }, live: { 'lel-c1': { level: R } }, want: N },
    { why: "need 'all' over an area: every member must pass", p: { level: 'orange', text: 'x', terms: [{ of: { area: 'a' }, test: { minDeviceLevel: 'yellow' }, need: 'all' }] }, live: { 'lel-a1': { deviceLevel: Y }, 'lel-a2': { deviceLevel: Y }, 'lel-a3': { deviceLevel: O }, 'h2s-a1': { deviceLevel: Y } }, want: O },
    { why: 'a value threshold from a site param', p: { level: 'blue', text: 'x', terms: [{ of: { ids: ['pm-01'] }, test: { value: 'gt', thanParam: { param: 'cap', of: 'site', factor: 2 } } }] }, live: { 'pm-01': { value: 101, valueTs: T0 } }, want: Level.blue },
  ];
  it.each(rows)('$why', ({ p, live, want }) => {
    const withCap = { ...ctx(null), site: { ...site, params: { cap: 50 } } };
    const { state, members } = composite.init(compositeParams.parse(p), withCap);
    expect(composite.evaluate(state, view(members, live), T0)).toBe(want);
  });

  const refusals: { why: string; p: CompositeParams; anchor: string | null; msg: RegExp }[] = [
    { why: 'self in a site pack: there is no anchor', p: { level: 'red', text: 'x', terms: [{ of: { self: true }, test: { minLevel: 'orange' } }] }, anchor: null, msg: /needs an anchor/ },
    { why: 'an id that is not on the site', p: { level: 'red', text: 'x', terms: [{ of: { ids: ['ghost'] }, test: { minLevel: 'orange' } }] }, anchor: null, msg: /"ghost" is not a sensor of site s1/ },
    { why: 'a metric the type does not have', p: { level: 'red', text: 'x', terms: [{ of: { ids: ['pm-01'], metric: 'kw' }, test: { value: 'gt', than: 1 } }] }, anchor: null, msg: /no metric "kw"/ },
    { why: 'a param the sensor does not carry', p: { level: 'red', text: 'x', terms: [{ of: { self: true }, test: { value: 'gt', thanParam: { param: 'ratedKw' } } }] }, anchor: 'dc1-dp', msg: /sensor "dc1-dp" has no numeric param "ratedKw"/ },
    { why: "need 3 of a 2-member set with ifUnresolved 'error'", p: { level: 'red', text: 'x', terms: [{ of: { self: true, relation: 'neighbour' }, test: { minLevel: 'orange' }, need: 3 }] }, anchor: 'lel-a1', msg: /resolves to 2 sensor\(s\) \(lel-a1, lel-a2\), fewer than the 3 needed/ },
  ];
  it.each(refusals)('refuses at init: $why', ({ p, anchor, msg }) => {
    expect(() => setup(p, anchor)).toThrow(msg);
  });

  it('keeps a relation target outside the site by id when no filter needs its registry entry', () => {
    const only = sensors.filter((s) => s.id !== 'feed-1');
    const { refs } = setup(COMPOSITE_EXAMPLES.cutPowerFeedStillOn, 'ch4-t1', only);
    expect(refs[1]).toEqual({ sensorId: 'feed-1' });
  });
});

describe('composite: idle on the clock (the engine tick skips idle rules)', () => {
  const persisting: CompositeParams = { op: 'and', level: 'red', forS: 300, text: '橙色持续', terms: [{ of: { self: true }, test: { minLevel: 'orange' } }] };
  const rows: { why: string; p: CompositeParams; steps: [number, Live][]; want: boolean }[] = [
    { why: 'not holding: time alone cannot make it hold', p: persisting, steps: [[0, { level: Y }]], want: true },
    { why: 'holding, duration running: the clock decides when it turns red', p: persisting, steps: [[0, { level: O }], [60_000, { level: O }]], want: false },
    { why: 'holding for the full duration: red stays until a member changes', p: persisting, steps: [[0, { level: O }], [300_000, { level: O }]], want: true },
    { why: 'no duration: active at once, idle', p: { ...persisting, forS: 0 }, steps: [[0, { level: O }]], want: true },
    { why: 'a value test ages (maxAge): never idle', p: COMPOSITE_EXAMPLES.cutPowerFeedStillOn, steps: [[0, { value: 0.1 }]], want: false },
    { why: 'a device-state test ages (for): never idle', p: { level: 'red', text: 'x', terms: [{ of: { self: true }, test: { deviceIn: ['silent'], forS: 60 } }] }, steps: [[0, {}]], want: false },
  ];
  it.each(rows)('$why', ({ p, steps, want }) => {
    const anchor = p === COMPOSITE_EXAMPLES.cutPowerFeedStillOn ? 'ch4-t1' : 'lel-a1';
    const { state, refs } = setup(p, anchor);
    for (const [dt, live] of steps) composite.evaluate(state, view(refs, { [anchor]: live }), T0 + dt);
    expect(composite.idle!(state)).toBe(want);
  });
});

describe('composite: checkpoint (engine snapshot of site rules)', () => {
  const persisting: CompositeParams = { op: 'and', level: 'red', forS: 300, text: '橙色持续', terms: [{ of: { self: true }, test: { minLevel: 'orange' } }] };

  // Why: a restart in the middle of "orange for 5 min" must fire red at the original time, not 5 min after the restart.
  it('restored into a fresh state, a running duration completes at its original time', () => {
    const a = setup(persisting, 'lel-a1');
    composite.evaluate(a.state, view(a.refs, { 'lel-a1': { level: O } }), T0);
    const cp = JSON.parse(JSON.stringify(composite.checkpoint!(a.state))) as Record<string, unknown>;
    const b = setup(persisting, 'lel-a1');
    restoreInto(b.state as unknown as Record<string, unknown>, cp as never);
    expect(composite.evaluate(b.state, view(b.refs, { 'lel-a1': { level: O } }), T0 + 299_000)).toBe(N);
    expect(composite.evaluate(b.state, view(b.refs, { 'lel-a1': { level: O } }), T0 + 300_000)).toBe(R);
  });

  // Why: the compiled terms and member facts come from init; copying them into every checkpoint made a checkpoint of
  // 10k detectors' composites ≈ 40 ms of the serving thread and 4 MB.
  it('keeps the mutable part only, and nothing while the combination does not hold', () => {
    const a = setup(persisting, 'lel-a1');
    composite.evaluate(a.state, view(a.refs, { 'lel-a1': { level: Y } }), T0);
    expect(composite.checkpoint!(a.state)).toBeNull();
    composite.evaluate(a.state, view(a.refs, { 'lel-a1': { level: O } }), T0);
    expect(composite.checkpoint!(a.state)).toEqual({ since: T0, active: N });
  });

  // Why: checkpoints written before this hook copied the whole state; restoring one must still work.
  it('restores a whole-state checkpoint of an earlier version too', () => {
    const a = setup(persisting, 'lel-a1');
    composite.evaluate(a.state, view(a.refs, { 'lel-a1': { level: O } }), T0);
    const b = setup(persisting, 'lel-a1');
    restoreInto(b.state as unknown as Record<string, unknown>, snapshotOf(a.state) as never);
    expect(composite.evaluate(b.state, view(b.refs, { 'lel-a1': { level: O } }), T0 + 300_000)).toBe(R);
  });
});
