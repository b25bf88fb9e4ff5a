import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../core/reading.ts';
import { benchRegistry } from '../../bench/rules/engine.ts';
import { BaselineStore } from '../baseline/store.ts';
import { composite } from '../kinds/composite.ts';
import { kindRegistry, RULE_KINDS } from '../kinds/registry.ts';
import { compilePlan } from './compile.ts';
import { RuleEngine } from './engine.ts';
import type { ResolvedRuleLike } from './plan.ts';
import type { LevelSignal } from './signal.ts';

// The standard mix of performance.md on a few gas detectors: threshold, rate, EWMA, health.
const MIX: ResolvedRuleLike[] = [
  { id: 'th', kind: 'threshold', scope: 'sensor' as const, params: { direction: 'rising', levels: { blue: { enter: 10, clear: 8 }, yellow: { enter: 25, clear: 23, enterS: 30 } } } },
  { id: 'rate', kind: 'rate', scope: 'sensor' as const, params: { windowS: 300, perS: 300, points: 30, filter: 'median3', direction: 'rising', levels: { blue: { enter: 5, clear: 4 } } } },
  { id: 'ewma', kind: 'statistic', scope: 'sensor' as const, params: { mode: 'ewma', halfLifeS: 600, warmupSamples: 5, direction: 'rising', levels: { blue: { enter: 4, clear: 3 } } } },
  { id: 'health', kind: 'health', scope: 'sensor' as const, params: { silentAfterS: 60 } },
].map((r) => ({ version: 1, thresholdSource: 'default' as const, source: 'test', clause: null, confidence: 'PROPOSAL', ...r }));

const T0 = Date.UTC(2026, 10, 23);

function setup(rules: ResolvedRuleLike[] = MIX) {
  const calendar = { dayKind: () => null };
  const baselines = new BaselineStore({ history: { series: async () => [] }, calendar });
  const plan = compilePlan({ enterprises: benchRegistry(3), resolver: { forSensor: () => rules, forSite: () => [] }, kinds: RULE_KINDS, env: { calendar, enterprise: () => undefined, baseline: (e, s, m) => baselines.view(e, s, m) } });
  const signals: LevelSignal[] = [];
  const clock = { t: T0 };
  const engine = new RuleEngine(plan, { now: () => clock.t, onSignal: (s) => signals.push(s) });
  return { plan, engine, signals, clock };
}

let pos = 0;
const reading = (sensor: number, ts: number, lel: number): JournalEntry => ({
  enterpriseId: 'b0', siteId: 's', sensorId: `g${sensor}`, ts, values: { lel }, quality: 'ok', seq: null, boot: null, pos: ++pos, receivedAt: ts, deviceId: null, source: 'mqtt',
});
/** A leak on g1 from minute 20, noise elsewhere: every rule of the mix has state and some have levels. */
const at = (minute: number) => [0, 1, 2].map((s) => reading(s, T0 + minute * 60_000, s === 1 && minute >= 20 ? 2 + (minute - 20) * 1.5 : 2 + ((minute * 7 + s * 3) % 5) / 10));
const strip = (s: LevelSignal) => ({ key: s.key, level: s.level, rule: s.rule, text: s.text, value: s.value, ts: s.ts });

describe('rule engine checkpoints (columns, format 3)', () => {
  it('a restored engine continues exactly as the one that wrote the checkpoint, windows and timers included', () => {
    const a = setup();
    for (let m = 0; m < 30; m++) { a.clock.t = T0 + m * 60_000; a.engine.evaluate(at(m)); }
    const b = setup();
    b.engine.restore(a.engine.snapshot());
    expect(b.engine.pos).toBe(a.engine.pos);
    a.signals.length = 0;
    for (let m = 30; m < 45; m++) {
      const batch = at(m);
      a.clock.t = b.clock.t = T0 + m * 60_000;
      a.engine.evaluate(batch);
      b.engine.evaluate(batch);
      if (m === 40) { a.engine.tick(T0 + 42 * 60_000); b.engine.tick(T0 + 42 * 60_000); }
    }
    expect(a.signals.length).toBeGreaterThan(0); // why: the comparison must cover level changes, not silence
    expect(b.signals.map(strip)).toEqual(a.signals.map(strip));
    for (const id of ['th', 'rate', 'ewma', 'health']) expect(b.engine.ruleLevel('b0', 'g1', id)).toBe(a.engine.ruleLevel('b0', 'g1', id));
  });

  it('a hot reload keeps the state of unchanged rules and starts a rule whose params changed afresh', () => {
    const a = setup();
    for (let m = 0; m < 40; m++) { a.clock.t = T0 + m * 60_000; a.engine.evaluate(at(m)); }
    expect(a.engine.ruleLevel('b0', 'g1', 'th')).toBe(2); // yellow: 2 + 16 × 1.5 = 26 ≥ 25 from minute 36, held ≥ 30 s
    const changed = MIX.map((r) => (r.id === 'th' ? { ...r, params: { direction: 'rising', levels: { blue: { enter: 11, clear: 9 } } } } : r));
    a.engine.replacePlan(setup(changed).plan);
    expect(a.engine.ruleLevel('b0', 'g1', 'th')).toBe(0); // why: new params, fresh state
    expect(a.engine.ruleLevel('b0', 'g1', 'rate')).toBe(1); // why: same params, the rising window carried over
  });

  it('a checkpoint of an older format restores the journal position and what the slots announced, not rule state', () => {
    const a = setup();
    const key = 'b0/s/g1/process';
    a.engine.restore(v8.serialize({ v: 2, pos: 77, fps: [], rules: {}, sensors: {}, slots: { [key]: [2, 2, false] } }));
    expect(a.engine.pos).toBe(77);
    expect(a.plan.slots.get(key)!.announced).toBe(2);
    expect(a.engine.ruleLevel('b0', 'g1', 'th')).toBe(0);
    // The condition is not in force in the fresh state: the clock finds the announcement lagging and recovers it.
    a.engine.tick(T0);
    expect(a.signals.map((s) => [s.key, s.level])).toEqual([[key, 0]]);
  });
});

describe('counters (on /metrics as riskwatch_rules_readings_*_total)', () => {
  it('count evaluated, late (older than the sensor\'s newest evaluated) and unknown readings', () => {
    const a = setup();
    a.engine.evaluate([reading(0, T0 + 60_000, 2), reading(1, T0, 2)]);
    a.engine.evaluate([reading(0, T0, 2)]); // why: older than g0's newest evaluated reading: late
    a.engine.evaluate([{ ...reading(2, T0, 2), sensorId: 'nope' }]); // why: not in the plan
    expect(a.engine.counters).toMatchObject({ evaluated: 2, late: 1, unknown: 1 });
  });
});

describe('history imports', () => {
  it('warm the rules but prove nothing about the devices now: a tick during a first start\'s import raises no silence', () => {
    const a = setup();
    const old = T0 - 2 * 3600_000;
    a.engine.evaluate([0, 1, 2].map((s) => ({ ...reading(s, old, 2), source: 'import' as const, receivedAt: T0 })));
    a.engine.tick(T0); // why: the import is two hours old; silentAfterS is 60 s
    expect(a.signals).toEqual([]);
    a.engine.tick(T0 + 61_000); // no live reading since the first tick: now they are silent
    expect(a.signals.filter((x) => x.kind === 'device').length).toBeGreaterThan(0);
  });

  const imported = (e: JournalEntry): JournalEntry => ({ ...e, source: 'import', receivedAt: T0 });

  it('move levels that no tick announces; the sensor\'s next live reading announces the level then in force', () => {
    const a = setup();
    const old = T0 - 3600_000;
    // g1 at 30 % LEL for two minutes of history: yellow (≥ 25 held 30 s) in the import.
    for (let k = 0; k <= 4; k++) a.engine.evaluate([imported(reading(1, old + k * 30_000, 30))]);
    expect(a.engine.ruleLevel('b0', 'g1', 'th')).toBe(2);
    a.engine.tick(T0); // why: before the fix this tick raised the imported yellow (CI: a demo's blue never came)
    a.engine.tick(T0 + 5_000);
    expect(a.signals.filter((x) => x.kind === 'process')).toEqual([]);
    const b = setup(); // why: a restart keeps knowing that g1 was heard only through the import
    b.engine.restore(a.engine.snapshot());
    b.engine.tick(T0 + 5_000);
    expect(b.signals.filter((x) => x.kind === 'process')).toEqual([]);
    // A live reading that moves no level still announces what is in force.
    a.engine.evaluate([{ ...reading(1, T0 + 6_000, 30), receivedAt: T0 + 6_000 }]);
    expect(a.signals.filter((x) => x.kind === 'process').map((x) => [x.key, x.level])).toEqual([['b0/s/g1/process', 2]]);
  });

  it('a device state an import reported (comm_lost) is announced by the sensor\'s next live reading, not by a tick', () => {
    const a = setup();
    const old = T0 - 3600_000;
    a.engine.evaluate([{ ...imported(reading(1, old, 2)), quality: 'comm_lost' }]);
    a.engine.tick(T0); // why: a tick used to announce the imported comm_lost (the offline grouping settles every device slot)
    expect(a.signals).toEqual([]);
    a.engine.evaluate([{ ...reading(1, T0 + 1000, 2), quality: 'comm_lost', receivedAt: T0 + 1000 }]);
    expect(a.signals.map((x) => [x.key, x.level])).toEqual([['b0/s/g1/device', 2]]);
  });

  it('a site rule over sensors heard only through an import announces at the first live reading of a member', () => {
    const rules: ResolvedRuleLike[] = [{ id: 'two_yellow', kind: 'composite', scope: 'site' as const, target: { group: 'gas' }, params: { op: 'and', level: 'red', text: '两个探测器黄色', terms: [{ of: { type: ['gas_combustible'] }, test: { minLevel: 'yellow' }, need: 2 } ] } }]
      .map((r) => ({ version: 1, thresholdSource: 'default' as const, source: 'test', clause: null, confidence: 'PROPOSAL', ...r }));
    const calendar = { dayKind: () => null };
    const baselines = new BaselineStore({ history: { series: async () => [] }, calendar });
    const plan = compilePlan({ enterprises: benchRegistry(3), resolver: { forSensor: () => [MIX[0]!, MIX[3]!], forSite: () => rules }, kinds: RULE_KINDS, env: { calendar, enterprise: () => undefined, baseline: (e, s, m) => baselines.view(e, s, m) } });
    const signals: LevelSignal[] = [];
    const engine = new RuleEngine(plan, { now: () => T0, onSignal: (s) => signals.push(s) });
    const old = T0 - 3600_000;
    for (let k = 0; k <= 4; k++) engine.evaluate([0, 1].map((s) => imported(reading(s, old + k * 30_000, 30))));
    engine.tick(T0);
    expect(signals.filter((x) => x.key === 'b0/s/_site/gas')).toEqual([]);
    engine.evaluate([{ ...reading(2, T0 + 1000, 2), receivedAt: T0 + 1000 }]); // why: g2 is no member at yellow, but a member heard live
    engine.tick(T0 + 2000); // the composite is idle (it holds), yet its lagging slot is evaluated and announced
    expect(signals.filter((x) => x.key === 'b0/s/_site/gas').map((x) => x.level)).toEqual([4]);
  });
});

describe('site rules on the clock', () => {
  // A site-level composite over the three detectors (target: a site group slot) and a duration.
  const SITE: ResolvedRuleLike[] = [{ id: 'two_yellow', kind: 'composite', scope: 'site' as const, target: { group: 'gas' }, params: { op: 'and', level: 'red', forS: 120, text: '两个探测器黄色', terms: [{ of: { type: ['gas_combustible'] }, test: { minLevel: 'yellow' }, need: 2 }] } }]
    .map((r) => ({ version: 1, thresholdSource: 'default' as const, source: 'test', clause: null, confidence: 'PROPOSAL', ...r }));
  function siteSetup(site: ResolvedRuleLike[] = SITE) {
    const calendar = { dayKind: () => null };
    const baselines = new BaselineStore({ history: { series: async () => [] }, calendar });
    // The registry's composite, counting its evaluations (the engine skips the ones that cannot matter).
    const counted = { evaluations: 0 };
    const kinds = kindRegistry([...[...RULE_KINDS.values()].filter((k) => k.kind !== 'composite'), { ...composite, evaluate: (st, m, now) => { counted.evaluations++; return composite.evaluate(st, m, now); } }]);
    const plan = compilePlan({ enterprises: benchRegistry(3), resolver: { forSensor: () => [MIX[0]!], forSite: () => site }, kinds, env: { calendar, enterprise: () => undefined, baseline: (e, s, m) => baselines.view(e, s, m) } });
    const signals: LevelSignal[] = [];
    const engine = new RuleEngine(plan, { now: () => T0, onSignal: (s) => signals.push(s) });
    return { plan, engine, signals, counted };
  }
  const key = 'b0/s/_site/gas';
  const feed = (engine: RuleEngine, minute: number, lel: number[]) => engine.evaluate(lel.map((v, s) => reading(s, T0 + minute * 60_000, v)));

  it('a running duration is finished by the clock; once it holds, the tick leaves the rule alone until a member moves', () => {
    const { engine, signals } = siteSetup();
    feed(engine, 0, [30, 30, 2]);
    feed(engine, 1, [30, 30, 2]); // both yellow (held 60 s ≥ 30 s): the site combination holds from minute 1
    expect(signals.filter((s) => s.key === key)).toEqual([]);
    engine.tick(T0 + 2 * 60_000); // why: 1 min of 2 held: the clock keeps evaluating a rule whose duration runs
    expect(signals.filter((s) => s.key === key)).toEqual([]);
    engine.tick(T0 + 3 * 60_000 + 1000); // why: the duration elapses on the clock alone, no reading needed
    expect(signals.filter((s) => s.key === key).map((s) => s.level)).toEqual([4]);
    feed(engine, 4, [2, 2, 2]);
    engine.tick(T0 + 6 * 60_000); // below clear and held 60 s: the members fall, the site rule with them
    expect(signals.filter((s) => s.key === key).map((s) => s.level)).toEqual([4, 0]);
  });

  it('an archived site alert whose condition still holds is announced again at the next tick, though the rule is idle', () => {
    const { engine, signals } = siteSetup();
    feed(engine, 0, [30, 30, 2]);
    feed(engine, 1, [30, 30, 2]);
    engine.tick(T0 + 3 * 60_000 + 1000);
    expect(signals.filter((s) => s.key === key).map((s) => s.level)).toEqual([4]);
    engine.forget(key);
    engine.tick(T0 + 3 * 60_000 + 6000);
    expect(signals.filter((s) => s.key === key).map((s) => s.level)).toEqual([4, 4]);
  });

  it('a running duration also completes at a member\'s reading, on the reading\'s device time', () => {
    const { engine, signals } = siteSetup();
    feed(engine, 0, [30, 30, 2]);
    feed(engine, 1, [30, 30, 2]); // the combination holds from minute 1
    feed(engine, 3.5, [30, 30, 2]); // why: 150 s ≥ forS 120 s: red at this reading, no tick needed
    expect(signals.filter((s) => s.key === key).map((s) => [s.level, s.ts])).toEqual([[4, T0 + 3.5 * 60_000]]);
  });

  it('a site rule that reads only levels is not evaluated at readings that move no level; one that reads values is', () => {
    const levels = siteSetup();
    feed(levels.engine, 0, [2, 2, 2]); // first readings: every site rule is evaluated once, then idle
    const before = levels.counted.evaluations;
    for (let m = 1; m <= 10; m++) feed(levels.engine, m, [2 + m / 10, 2, 2]); // why: values move, no level does
    expect(levels.counted.evaluations).toBe(before);
    feed(levels.engine, 11, [12, 2, 2]); // why: g0 goes blue: a level moved, its site rule is evaluated
    expect(levels.counted.evaluations).toBeGreaterThan(before);

    const VALUES: ResolvedRuleLike[] = [{ ...SITE[0]!, id: 'two_high', params: { op: 'and', level: 'red', text: '两个探测器数值高', terms: [{ of: { type: ['gas_combustible'] }, test: { value: 'ge', than: 20 }, need: 2 }] } }];
    const values = siteSetup(VALUES);
    feed(values.engine, 0, [2, 2, 2]);
    const v0 = values.counted.evaluations;
    for (let m = 1; m <= 10; m++) feed(values.engine, m, [2 + m / 10, 2, 2]);
    expect(values.counted.evaluations - v0).toBeGreaterThanOrEqual(10); // why: every reading of a member may change a value test
  });
});

describe('generated evaluators (program.ts)', () => {
  it('a sensor run by its shape\'s generated program decides exactly what the generic loop decides', () => {
    // why: the generic loop still runs sensors past MAX_PROGRAMS shapes; both must be the same engine.
    const gen = setup();
    const loop = setup();
    loop.plan.s.program.fill(-1);
    expect(gen.plan.shapes.length).toBe(1); // three detectors, one shape
    for (let m = 0; m < 45; m++) {
      const batch = at(m);
      // A fault reading far above the thresholds now and then: process rules must skip it, the health rule
      // must see it.
      if (m % 11 === 5) batch[0] = { ...batch[0]!, quality: 'fault', values: { lel: 60 } };
      gen.clock.t = loop.clock.t = T0 + m * 60_000;
      gen.engine.evaluate(batch);
      loop.engine.evaluate(batch);
    }
    expect(gen.signals.length).toBeGreaterThan(2);
    expect(gen.signals.map(strip)).toEqual(loop.signals.map(strip));
    for (const s of ['g0', 'g1', 'g2']) expect(gen.engine.sensorState('b0', s)).toEqual(loop.engine.sensorState('b0', s));
  });
});

describe('design values expected, platform defaults in force (domain.md §2.5)', () => {
  it('a signal from a rule whose resolution carries the defaults note says so; others and recoveries do not', () => {
    // why: the alert message must "clearly label" such alerts; the flag travels with the deciding rule.
    const noted = MIX.map((r) => (r.id === 'th' ? { ...r, note: '未录入设计预警值，使用平台缺省值' } : r));
    const a = setup(noted);
    a.engine.evaluate([reading(0, T0, 30)]);
    a.engine.evaluate([reading(0, T0 + 60_000, 2)]);
    const b = setup();
    b.engine.evaluate([reading(0, T0, 30)]);
    expect(a.signals.map((s) => [s.rule, s.level, s.defaultValues])).toEqual([['th', 1, true], ['th', 0, false]]);
    expect(b.signals.map((s) => [s.rule, s.defaultValues])).toEqual([['th', false]]);
  });
});
