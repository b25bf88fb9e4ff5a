import { describe, expect, it } from 'vitest';
import { CLEAR_REASONS, type ClearReason, type HandlingState, type Transition } from '../../core/alert.ts';
import { Level } from '../../core/level.ts';
import type { LevelSignal } from '../engine/signal.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { allowedActions, reduce, type ActionType, type ReduceResult } from './reducer.ts';
import type { Actor, AlertInput, LifecyclePolicy, StoredAlert } from './types.ts';

const MIN = 60_000;
const T0 = Date.parse('2024-05-01T02:00:00.000Z');
const ENT: Actor = { username: 'zhang', name: '张工', party: 'enterprise' };
const CTR: Actor = { username: 'li', name: '李值班', party: 'centre' };
const KEY = 'e1/s1/gt101/process';

/** A run of one alert key: applies inputs in order with a deterministic id counter and a moving clock. */
class Run {
  alert: StoredAlert | null = null;
  now = T0;
  events: Transition[] = [];
  private ids = 0;
  private pos = 0;
  constructor(readonly policy: LifecyclePolicy = DEFAULT_POLICY) {}

  apply(input: AlertInput, at: number = this.now): ReduceResult {
    this.now = at;
    const r = reduce(this.alert, input, { now: at, policy: this.policy, newId: () => `id${++this.ids}`, describe: () => NAMES });
    if (r.ok) {
      this.alert = r.alert;
      this.events.push(...r.transitions);
    }
    return r;
  }
  /** Applies and insists it worked; returns the event names. */
  ok(input: AlertInput, at?: number): string[] {
    const r = this.apply(input, at);
    if (!r.ok) throw new Error(`${input.type}: ${r.code} ${r.message}`);
    return r.transitions.map((t) => t.event);
  }
  signal(level: Level, o: Partial<LevelSignal> = {}, at?: number): string[] {
    return this.ok({ type: 'signal', signal: sig(level, { ts: at ?? this.now, pos: ++this.pos, ...o }) }, at);
  }
  tick(at: number): string[] {
    return this.ok({ type: 'tick' }, at);
  }
  get a(): StoredAlert {
    if (!this.alert) throw new Error('no alert');
    return this.alert;
  }
}

const NAMES = { enterpriseName: '示例化工', siteName: '储罐区', sensorName: '可燃气体探测器GT-101', metricZh: '可燃气体浓度', county: '530102', sector: 'hazchem' };

function sig(level: Level, o: Partial<LevelSignal> = {}): LevelSignal {
  return {
    key: KEY, kind: 'process', enterpriseId: 'e1', siteId: 's1', sensorId: 'gt101', metric: 'lel', level,
    rule: 'gas_combustible.threshold', ruleVersion: 3, thresholdSource: 'design',
    nativeAlarm: level >= Level.orange ? '二级报警' : level > Level.none ? '一级报警' : null,
    value: level === Level.none ? 3 : 52, threshold: level === Level.none ? null : 50, unit: '%LEL', text: '',
    ts: T0, pos: 0, retrospective: false, parentKey: null, evidence: null, ...o,
  };
}

const ack = (actor: Actor): AlertInput => ({ type: 'ack', actor });
const assess = (actor: Actor, verdict: 'real' | 'false_alarm' = 'real'): AlertInput => ({ type: 'assess', actor, verdict });
const handle = (actor: Actor): AlertInput => ({ type: 'handle', actor, note: '关闭阀门，强制通风' });
const feedback = (actor: Actor): AlertInput => ({ type: 'feedback', actor, note: '浓度已降至 5 %LEL 以下' });
const clear = (actor: Actor, reason: ClearReason = 'handled', note?: string): AlertInput => ({ type: 'clear', actor, reason, ...(note !== undefined ? { note } : {}) });
const ACTIONS: Record<ActionType, (a: Actor) => AlertInput> = { ack, assess, handle, feedback, clear };

/** A red alert whose condition has recovered, walked by the enterprise to `state` through the reducer itself. */
function inState(state: HandlingState): Run {
  const r = new Run();
  r.signal(Level.red);
  r.signal(Level.none, {}, T0 + MIN);
  const path: [HandlingState, AlertInput][] = [
    ['acknowledged', ack(ENT)], ['assessed', assess(ENT)], ['handling', handle(ENT)], ['feedback', feedback(ENT)], ['cleared', clear(ENT)],
  ];
  for (const [s, input] of path) {
    if (r.a.handling === state) break;
    r.ok(input, r.now + MIN);
    expect(r.a.handling).toBe(s);
  }
  if (state === 'archived') r.tick(r.now + DEFAULT_POLICY.levels.red.suppressMs);
  expect(r.a.handling).toBe(state);
  return r;
}

// contract.md "Actions by handling state". The fixture's enterprise has acked from `acknowledged` on (the first
// ack), so the centre is "the party that has not acked yet". Condition recovered: `handled` may clear.
const MATRIX: { state: HandlingState; action: ActionType; party: 'enterprise' | 'centre'; expect: HandlingState | 'illegal'; why: string }[] = [
  { state: 'open', action: 'ack', party: 'enterprise', expect: 'acknowledged', why: 'open: the enterprise signs' },
  { state: 'open', action: 'ack', party: 'centre', expect: 'acknowledged', why: 'open: the centre may sign first' },
  { state: 'open', action: 'assess', party: 'enterprise', expect: 'illegal', why: 'no judgement before anyone signed' },
  { state: 'open', action: 'assess', party: 'centre', expect: 'illegal', why: 'no judgement before anyone signed (centre)' },
  { state: 'open', action: 'handle', party: 'enterprise', expect: 'illegal', why: 'handling needs a judgement first' },
  { state: 'open', action: 'handle', party: 'centre', expect: 'illegal', why: 'handling needs a judgement first (centre)' },
  { state: 'open', action: 'feedback', party: 'enterprise', expect: 'illegal', why: 'feedback needs handling first' },
  { state: 'open', action: 'feedback', party: 'centre', expect: 'illegal', why: 'feedback needs handling first (centre)' },
  { state: 'open', action: 'clear', party: 'enterprise', expect: 'illegal', why: 'an unsigned alert cannot be cleared' },
  { state: 'open', action: 'clear', party: 'centre', expect: 'illegal', why: 'an unsigned alert cannot be cleared (centre)' },

  { state: 'acknowledged', action: 'ack', party: 'enterprise', expect: 'illegal', why: 'the enterprise already signed' },
  { state: 'acknowledged', action: 'ack', party: 'centre', expect: 'acknowledged', why: 'the second party signs; state kept' },
  { state: 'acknowledged', action: 'assess', party: 'enterprise', expect: 'assessed', why: 'signed → judged' },
  { state: 'acknowledged', action: 'assess', party: 'centre', expect: 'assessed', why: 'the centre may judge' },
  { state: 'acknowledged', action: 'handle', party: 'enterprise', expect: 'illegal', why: 'handling needs a judgement first' },
  { state: 'acknowledged', action: 'handle', party: 'centre', expect: 'illegal', why: 'handling needs a judgement first (centre)' },
  { state: 'acknowledged', action: 'feedback', party: 'enterprise', expect: 'illegal', why: 'feedback needs handling first' },
  { state: 'acknowledged', action: 'feedback', party: 'centre', expect: 'illegal', why: 'feedback needs handling first (centre)' },
  { state: 'acknowledged', action: 'clear', party: 'enterprise', expect: 'illegal', why: 'clearing needs a judgement first' },
  { state: 'acknowledged', action: 'clear', party: 'centre', expect: 'illegal', why: 'clearing needs a judgement first (centre)' },

  { state: 'assessed', action: 'ack', party: 'enterprise', expect: 'illegal', why: 'the enterprise already signed' },
  { state: 'assessed', action: 'ack', party: 'centre', expect: 'assessed', why: 'the centre signs later; state kept' },
  { state: 'assessed', action: 'assess', party: 'enterprise', expect: 'assessed', why: 'a later judgement replaces the verdict' },
  { state: 'assessed', action: 'assess', party: 'centre', expect: 'assessed', why: 'the centre may re-judge' },
  { state: 'assessed', action: 'handle', party: 'enterprise', expect: 'handling', why: 'judged → handling' },
  { state: 'assessed', action: 'handle', party: 'centre', expect: 'handling', why: 'the centre may record handling' },
  { state: 'assessed', action: 'feedback', party: 'enterprise', expect: 'illegal', why: 'feedback needs handling first' },
  { state: 'assessed', action: 'feedback', party: 'centre', expect: 'illegal', why: 'feedback needs handling first (centre)' },
  { state: 'assessed', action: 'clear', party: 'enterprise', expect: 'cleared', why: 'judged and recovered: may clear' },
  { state: 'assessed', action: 'clear', party: 'centre', expect: 'cleared', why: 'the centre may clear' },

  { state: 'handling', action: 'ack', party: 'enterprise', expect: 'illegal', why: 'the enterprise already signed' },
  { state: 'handling', action: 'ack', party: 'centre', expect: 'handling', why: 'the centre signs later; state kept' },
  { state: 'handling', action: 'assess', party: 'enterprise', expect: 'illegal', why: 'no re-judgement once handling started' },
  { state: 'handling', action: 'assess', party: 'centre', expect: 'illegal', why: 'no re-judgement once handling started (centre)' },
  { state: 'handling', action: 'handle', party: 'enterprise', expect: 'handling', why: 'more handling notes' },
  { state: 'handling', action: 'handle', party: 'centre', expect: 'handling', why: 'more handling notes (centre)' },
  { state: 'handling', action: 'feedback', party: 'enterprise', expect: 'feedback', why: 'handling → feedback' },
  { state: 'handling', action: 'feedback', party: 'centre', expect: 'feedback', why: 'the centre may record feedback' },
  { state: 'handling', action: 'clear', party: 'enterprise', expect: 'cleared', why: 'handled and recovered: may clear' },
  { state: 'handling', action: 'clear', party: 'centre', expect: 'cleared', why: 'the centre may clear' },

  { state: 'feedback', action: 'ack', party: 'enterprise', expect: 'illegal', why: 'the enterprise already signed' },
  { state: 'feedback', action: 'ack', party: 'centre', expect: 'feedback', why: 'the centre signs later; state kept' },
  { state: 'feedback', action: 'assess', party: 'enterprise', expect: 'illegal', why: 'no re-judgement after feedback' },
  { state: 'feedback', action: 'assess', party: 'centre', expect: 'illegal', why: 'no re-judgement after feedback (centre)' },
  { state: 'feedback', action: 'handle', party: 'enterprise', expect: 'illegal', why: 'no going back from feedback to handling' },
  { state: 'feedback', action: 'handle', party: 'centre', expect: 'illegal', why: 'no going back from feedback to handling (centre)' },
  { state: 'feedback', action: 'feedback', party: 'enterprise', expect: 'feedback', why: 'repeated feedback (red: every 30 min)' },
  { state: 'feedback', action: 'feedback', party: 'centre', expect: 'feedback', why: 'repeated feedback (centre)' },
  { state: 'feedback', action: 'clear', party: 'enterprise', expect: 'cleared', why: 'fed back and recovered: may clear' },
  { state: 'feedback', action: 'clear', party: 'centre', expect: 'cleared', why: 'the centre may clear' },

  ...(['cleared', 'archived'] as const).flatMap((state) =>
    (['ack', 'assess', 'handle', 'feedback', 'clear'] as const).flatMap((action) =>
      (['enterprise', 'centre'] as const).map((party) => ({ state, action, party, expect: 'illegal' as const, why: `${state} alerts take no action (${action} by ${party})` })),
    ),
  ),
];

describe('reduce: actions by handling state (contract.md)', () => {
  it('covers every (state × action × party) once', () => {
    expect(new Set(MATRIX.map((m) => `${m.state}/${m.action}/${m.party}`)).size).toBe(7 * 5 * 2);
  });

  it.each(MATRIX)('$state · $action · $party → $expect: $why', ({ state, action, party, expect: want }) => {
    const r = inState(state);
    const before = r.a;
    const res = r.apply(ACTIONS[action](party === 'enterprise' ? ENT : CTR), r.now + MIN);
    if (want === 'illegal') {
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.code).toBe('RW_ERR_ILLEGAL_TRANSITION');
      expect(res.message).toContain(`(${state})`); // names the state …
      expect(res.message).toContain('allowed:'); // … and what is allowed
      expect(res.message).toMatch(/可执行/); // Chinese first
      expect(r.a).toBe(before);
      return;
    }
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.alert!.handling).toBe(want);
    expect(res.alert!.touched).toBe(true);
    expect(res.transitions).toHaveLength(1);
    expect(res.transitions[0]!.version).toBe(before.version + 1);
    expect(res.transitions[0]!.event).toBe(action === 'ack' ? 'acknowledged' : action === 'handle' ? 'handling' : action === 'clear' ? 'cleared' : action === 'assess' ? 'assessed' : 'feedback');
    expect(res.drafts[0]!.actor?.party).toBe(party);
  });
});

describe('reduce: clear reasons', () => {
  const WHILE_ACTIVE: { reason: ClearReason; ok: boolean; why: string }[] = [
    { reason: 'handled', ok: false, why: 'cannot claim handled while the value is still in alarm' },
    { reason: 'false_alarm', ok: true, why: 'a false alarm may be cleared while the sensor still reads high' },
    { reason: 'device_fault', ok: true, why: 'a faulty sensor keeps reading high: clear it anyway' },
    { reason: 'maintenance', ok: false, why: 'maintenance does not end an active condition' },
    { reason: 'calibration', ok: false, why: 'calibration does not end an active condition' },
    { reason: 'process_transient', ok: false, why: 'a transient that has not passed is not over' },
    { reason: 'duplicate', ok: true, why: 'a duplicate of another alert may go while active' },
    { reason: 'other', ok: false, why: '"other" needs the condition over, even with a note' },
  ];
  it('lists all eight reasons', () => expect(WHILE_ACTIVE.map((c) => c.reason).sort()).toEqual([...CLEAR_REASONS].sort()));

  it.each(WHILE_ACTIVE)('while active, $reason → $ok: $why', ({ reason, ok }) => {
    const r = new Run();
    r.signal(Level.red);
    r.ok(ack(ENT));
    r.ok(assess(ENT));
    const res = r.apply(clear(CTR, reason, '说明'));
    expect(res.ok).toBe(ok);
    if (res.ok) {
      expect(res.alert!.handling).toBe('cleared');
      expect(res.alert!.clearReason).toBe(reason);
      expect(res.drafts[0]!.reason).toBe(reason);
    } else {
      expect(res.code).toBe('RW_ERR_ILLEGAL_TRANSITION');
      expect(res.message).toContain('false_alarm');
    }
  });

  it.each([
    { why: '"other" without a note is refused', note: undefined, code: 'RW_ERR_VALIDATION' },
    { why: '"other" with a blank note is refused', note: '   ', code: 'RW_ERR_VALIDATION' },
    { why: '"other" with a note clears a recovered alert', note: '上级检查确认', code: null },
  ])('$why', ({ note, code }) => {
    const r = inState('assessed');
    const res = r.apply(clear(ENT, 'other', note));
    if (code) expect(res).toMatchObject({ ok: false, code });
    else expect(res).toMatchObject({ ok: true, alert: { handling: 'cleared', clearReason: 'other' } });
  });

  it('sets suppression from the level policy and drops the deadline', () => {
    const r = inState('feedback');
    r.ok(clear(ENT), T0 + 10 * MIN);
    expect(r.a).toMatchObject({ clearedAtMs: T0 + 10 * MIN, suppressUntilMs: T0 + 10 * MIN + DEFAULT_POLICY.levels.red.suppressMs, deadline: null, deadlineMs: null });
  });

  it.each([
    { why: 'handle needs a note', input: { type: 'handle', actor: ENT, note: ' ' } as AlertInput },
    { why: 'feedback needs a note', input: { type: 'feedback', actor: ENT, note: '' } as AlertInput },
    { why: 'unknown verdict', input: { type: 'assess', actor: ENT, verdict: 'maybe' } as unknown as AlertInput },
    { why: 'unknown clear reason', input: { type: 'clear', actor: ENT, reason: 'bored' } as unknown as AlertInput },
  ])('validation: $why', ({ input }) => {
    const r = inState('handling');
    expect(r.apply(input)).toMatchObject({ ok: false, code: 'RW_ERR_VALIDATION' });
  });
});

describe('reduce: acknowledgement and assessment', () => {
  it('second-party ack records both and keeps the handling state', () => {
    const r = new Run();
    r.signal(Level.orange);
    expect(r.ok(ack(ENT), T0 + MIN)).toEqual(['acknowledged']);
    expect(r.a).toMatchObject({ handling: 'acknowledged', ackByEnterprise: '张工', ackByCentre: null });
    r.ok(assess(ENT), T0 + 2 * MIN);
    expect(r.ok(ack(CTR), T0 + 3 * MIN)).toEqual(['acknowledged']);
    expect(r.a).toMatchObject({ handling: 'assessed', ackByEnterprise: '张工', ackByCentre: '李值班' });
    expect(allowedActions(r.a)).not.toContain('ack');
    expect(r.apply(ack(CTR))).toMatchObject({ ok: false, code: 'RW_ERR_ILLEGAL_TRANSITION' });
  });

  it('a later assessment replaces the verdict; both verdicts are in the audit drafts', () => {
    const r = inState('acknowledged');
    const first = r.apply(assess(ENT, 'real'));
    const second = r.apply(assess(CTR, 'false_alarm'));
    expect(r.a.verdict).toBe('false_alarm');
    expect(first.ok && first.drafts[0]!.verdict).toBe('real');
    expect(second.ok && second.drafts[0]!.verdict).toBe('false_alarm');
  });
});

describe('reduce: signals', () => {
  it('raises a new alert from a signal: version 1, active, open, complete transition', () => {
    const r = new Run();
    expect(r.signal(Level.orange)).toEqual(['raised']);
    const t = r.events[0]!;
    expect(t).toMatchObject({
      event: 'raised', version: 1, id: r.a.id, level: 'orange', levelNo: 2, previousLevel: null, condition: 'active', handling: 'open',
      retrospective: false, enterpriseId: 'e1', siteId: 's1', sensorId: 'gt101', metric: 'lel', rule: 'gas_combustible.threshold', ruleVersion: 3,
      thresholdSource: 'design', value: 52, threshold: 50, unit: '%LEL', nativeAlarm: '二级报警', ackByEnterprise: null, ackByCentre: null, tier: 0,
      at: new Date(T0).toISOString(), raisedAt: new Date(T0).toISOString(), deadline: new Date(T0 + 10 * MIN).toISOString(),
      message: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL（二级报警）',
    });
    expect(t.eventId).not.toBe(t.id);
    // The contract's event, not the store's bookkeeping.
    for (const k of ['key', 'deadlineMs', 'lastPos', 'touched', 'flaps', 'suppressUntilMs']) expect(t).not.toHaveProperty(k);
    expect(r.a).toMatchObject({ county: '530102', sector: 'hazchem', deadlineKind: 'ack', lastPos: 1 });
  });

  it('a retrospective alert is raised at the sample time, its clocks start at the raise', () => {
    const r = new Run();
    r.ok({ type: 'signal', signal: sig(Level.red, { ts: T0 - 2 * 60 * MIN, pos: 5, retrospective: true }) }, T0);
    expect(r.a).toMatchObject({ raisedAt: new Date(T0 - 2 * 60 * MIN).toISOString(), retrospective: true, deadlineMs: T0 + 5 * MIN, nextTierAtMs: T0 + 5 * MIN });
    expect(r.a.message.startsWith('（补报）【红色预警(一级)】')).toBe(true);
  });

  it.each([
    { why: 'higher level: level_up from yellow', steps: [Level.yellow, Level.red], events: ['raised', 'level_up'], prev: 'yellow', level: 'red', condition: 'active' },
    { why: 'lower level above none: level_down from red', steps: [Level.red, Level.orange], events: ['raised', 'level_down'], prev: 'red', level: 'orange', condition: 'active' },
    { why: 'none: recovered, the level keeps the last level', steps: [Level.orange, Level.none], events: ['raised', 'recovered'], prev: 'orange', level: 'orange', condition: 'recovered' },
    { why: 're-activation from recovered: level_up with previousLevel null, same alert', steps: [Level.orange, Level.none, Level.yellow], events: ['raised', 'recovered', 'level_up'], prev: null, level: 'yellow', condition: 'active' },
    { why: 'same level again (another rule): no event', steps: [Level.orange, Level.orange], events: ['raised'], prev: null, level: 'orange', condition: 'active' },
    { why: 'none again while recovered: no event', steps: [Level.orange, Level.none, Level.none], events: ['raised', 'recovered'], prev: 'orange', level: 'orange', condition: 'recovered' },
    { why: 'none with no alert: nothing at all', steps: [Level.none], events: [], prev: null, level: null, condition: null },
  ])('$why', ({ steps, events, prev, level, condition }) => {
    const r = new Run();
    steps.forEach((l, i) => r.signal(l, {}, T0 + i * MIN));
    expect(r.events.map((e) => e.event)).toEqual(events);
    if (level === null) return expect(r.alert).toBeNull();
    expect(new Set(r.events.map((e) => e.id)).size).toBe(1);
    expect(r.events.at(-1)!.previousLevel).toBe(prev);
    expect(r.a).toMatchObject({ level, condition });
  });

  it('an alert from a rule on the platform defaults where design values are expected says so until it recovers', () => {
    // why: domain.md §2.5 "clearly label ... 未录入设计预警值，使用平台缺省值"; recovered messages carry no threshold.
    const r = new Run();
    r.signal(Level.orange, { defaultValues: true, thresholdSource: 'default' });
    expect(r.a.message.endsWith('（未录入设计预警值，使用平台缺省值）')).toBe(true);
    r.signal(Level.red, { defaultValues: true, thresholdSource: 'default' }, T0 + MIN);
    expect(r.a.message.endsWith('（未录入设计预警值，使用平台缺省值）')).toBe(true);
    r.signal(Level.none, {}, T0 + 2 * MIN);
    expect(r.a.message).not.toContain('缺省值');
  });

  it('the recovered message says 已恢复正常', () => {
    const r = new Run();
    r.signal(Level.orange);
    r.signal(Level.none, {}, T0 + MIN);
    expect(r.a.message).toBe('【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 3.0 %LEL 已恢复正常');
  });

  it.each([
    { why: 'three re-activations inside 30 min: flapping from the third', gaps: [2, 2, 2], flapping: [false, false, true] },
    { why: 'spread over more than the window: never flapping', gaps: [20, 20, 20], flapping: [false, false, false] },
  ])('flapping: $why', ({ gaps, flapping }) => {
    const r = new Run();
    r.signal(Level.orange);
    let t = T0;
    const seen: boolean[] = [];
    for (const g of gaps) {
      r.signal(Level.none, {}, (t += MIN));
      expect(r.signal(Level.orange, {}, (t += g * MIN))).toEqual(['level_up']);
      seen.push(r.a.flapping);
    }
    expect(seen).toEqual(flapping);
    expect(r.a.message.endsWith('（频繁波动）')).toBe(flapping.at(-1));
    expect(r.events.filter((e) => e.event === 'raised')).toHaveLength(1);
  });

  it.each([
    { why: 'the position the alert has seen: a replay after a crash, no event', pos: 7, events: 0 },
    { why: 'an older position: a replay, no event', pos: 3, events: 0 },
    { why: 'a newer position: applied', pos: 8, events: 1 },
    { why: 'pos 0 (clock ticks) is never a replay', pos: 0, events: 1 },
  ])('replay: $why', ({ pos, events }) => {
    const r = new Run();
    r.ok({ type: 'signal', signal: sig(Level.yellow, { pos: 7 }) });
    const before = r.a;
    const res = r.apply({ type: 'signal', signal: sig(Level.red, { pos }) });
    expect(res.ok && res.transitions.length).toBe(events);
    if (events === 0) expect(r.a).toBe(before);
    else expect(r.a.lastPos).toBe(Math.max(7, pos));
  });

  it('a signal of another key is refused', () => {
    const r = new Run();
    r.signal(Level.red);
    expect(r.apply({ type: 'signal', signal: sig(Level.red, { key: 'other', pos: 99 }) })).toMatchObject({ ok: false, code: 'RW_ERR_VALIDATION' });
  });

  it('suppression: no new alert inside the period, a new alert after it; the cleared one archives on tick', () => {
    const r = inState('cleared');
    const cleared = r.a;
    const until = cleared.suppressUntilMs!;
    expect(until).toBe(r.now + 30 * MIN);

    const inside = r.apply({ type: 'signal', signal: sig(Level.red, { pos: 100, ts: until - 1 }) }, until - 1);
    expect(inside).toMatchObject({ ok: true, transitions: [] });
    expect(r.a).toBe(cleared);
    expect(r.tick(until - 1)).toEqual([]);

    const after = reduce(cleared, { type: 'signal', signal: sig(Level.red, { pos: 101, ts: until }) }, { now: until, policy: DEFAULT_POLICY, newId: counter('n') });
    expect(after.ok).toBe(true);
    if (!after.ok) return;
    expect(after.alert!.id).not.toBe(cleared.id);
    expect(after.transitions.map((t) => [t.event, t.version])).toEqual([['raised', 1]]);

    expect(r.tick(until)).toEqual(['archived']);
    expect(r.a.handling).toBe('archived');
  });

  it('a signal on an archived alert raises a new one', () => {
    const r = inState('archived');
    const old = r.a.id;
    expect(r.signal(Level.yellow, {}, r.now + MIN)).toEqual(['raised']);
    expect(r.a.id).not.toBe(old);
    expect(r.a.version).toBe(1);
  });
});

describe('reduce: the clock (tick)', () => {
  it('overdue once, then tiers at their times; stops at nothing while open', () => {
    const r = new Run();
    r.signal(Level.red);
    expect(r.tick(T0 + 4 * MIN)).toEqual([]);
    expect(r.tick(T0 + 5 * MIN)).toEqual(['overdue', 'tier_escalated']); // ack 5 min; tier 1 at 5 min (domain.md §3.3)
    expect(r.a.tier).toBe(1);
    expect(r.tick(T0 + 6 * MIN)).toEqual([]); // overdue once
    expect(r.tick(T0 + 15 * MIN)).toEqual(['tier_escalated']);
    expect(r.a.tier).toBe(2);
    expect(r.tick(T0 + 120 * MIN)).toEqual([]); // no tier 3 for red
  });

  it.each([
    { why: 'orange: overdue at 10 min, county bureau at 15 min', level: Level.orange, ticks: [[9, []], [10, ['overdue']], [15, ['tier_escalated']], [600, []]] },
    { why: 'yellow: overdue at 30 min, tier 1 at 1 h', level: Level.yellow, ticks: [[30, ['overdue']], [59, []], [60, ['tier_escalated']]] },
    { why: 'blue: overdue at 2 h, never escalates', level: Level.blue, ticks: [[119, []], [120, ['overdue']], [6000, []]] },
  ] as const)('$why', ({ level, ticks }) => {
    const r = new Run();
    r.signal(level);
    for (const [m, want] of ticks) expect(r.tick(T0 + m * MIN)).toEqual(want);
  });

  it('several tiers after a clock jump, in order, versions consecutive', () => {
    const r = new Run();
    r.signal(Level.red);
    expect(r.tick(T0 + 20 * MIN)).toEqual(['overdue', 'tier_escalated', 'tier_escalated']);
    expect(r.events.slice(-2).map((e) => e.tier)).toEqual([1, 2]);
    expect(r.events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('escalation stops at the first ack; the deadline becomes the feedback one', () => {
    const r = new Run();
    r.signal(Level.red);
    r.tick(T0 + 5 * MIN);
    r.ok(ack(CTR), T0 + 6 * MIN);
    expect(r.a).toMatchObject({ nextTierAtMs: null, deadlineKind: 'feedback', deadlineMs: T0 + 36 * MIN, overdueSent: false, tier: 1 });
    expect(r.tick(T0 + 20 * MIN)).toEqual([]);
    expect(r.tick(T0 + 36 * MIN)).toEqual(['overdue']); // feedback overdue (30 min after the ack)
  });

  it.each([
    { why: 'red repeats the feedback deadline every 30 min (domain.md §3.3)', level: Level.red, deadline: 30 * MIN },
    { why: 'orange has one feedback deadline: none after feedback', level: Level.orange, deadline: null },
  ])('feedback deadline: $why', ({ level, deadline }) => {
    const r = new Run();
    r.signal(level);
    r.ok(ack(ENT), T0 + MIN);
    r.ok(assess(ENT), T0 + 2 * MIN);
    r.ok(handle(ENT), T0 + 3 * MIN);
    r.ok(feedback(ENT), T0 + 4 * MIN);
    expect(r.a.deadlineMs).toBe(deadline === null ? null : T0 + 4 * MIN + deadline);
  });

  it.each([
    { why: 'blue, recovered, nobody acted: archives itself (contract.md "(automatic)")', level: Level.blue, touch: false, want: ['archived'] },
    { why: 'blue that someone acked: a person clears it', level: Level.blue, touch: true, want: [] },
    { why: 'red recovered stays open (contract.md "stays open after recovery")', level: Level.red, touch: false, want: [] },
    { why: 'yellow recovered stays open', level: Level.yellow, touch: false, want: [] },
  ])('$why', ({ level, touch, want }) => {
    const r = new Run();
    r.signal(level);
    if (touch) r.ok(ack(ENT), T0 + MIN);
    r.signal(Level.none, {}, T0 + 2 * MIN);
    expect(r.tick(T0 + 3 * MIN)).toEqual(want);
    if (want.length > 0) expect(r.a).toMatchObject({ handling: 'archived', deadline: null, archivedAtMs: T0 + 3 * MIN });
  });

  it('red stepping down to blue then recovering does not archive itself (it was red)', () => {
    const r = new Run();
    r.signal(Level.red);
    r.signal(Level.blue, {}, T0 + MIN);
    r.signal(Level.none, {}, T0 + 2 * MIN);
    expect(r.tick(T0 + 3 * MIN)).toEqual([]);
    expect(r.a.handling).toBe('open');
  });

  it('recovered red keeps escalating while nobody acts', () => {
    const r = new Run();
    r.signal(Level.red);
    r.signal(Level.none, {}, T0 + MIN);
    expect(r.tick(T0 + 5 * MIN)).toEqual(['overdue', 'tier_escalated']);
  });

  it('a tick with nothing due returns the same alert and no events', () => {
    const r = new Run();
    r.signal(Level.red);
    const before = r.a;
    expect(r.tick(T0 + MIN)).toEqual([]);
    expect(r.a).toBe(before);
  });
});

describe('reduce: level changes and clocks', () => {
  it('level up while open shortens the ack deadline and the next tier, never postpones them', () => {
    const r = new Run();
    r.signal(Level.yellow); // ack at 30 min, tier 1 at 60 min
    r.signal(Level.red, {}, T0 + 20 * MIN); // red: ack 5 min, tier 1 5 min after
    expect(r.a).toMatchObject({ deadlineMs: T0 + 25 * MIN, nextTierAtMs: T0 + 25 * MIN });
    expect(r.tick(T0 + 25 * MIN)).toEqual(['overdue', 'tier_escalated']);
    expect(r.a.nextTierAtMs).toBe(T0 + 35 * MIN); // red tier 2 ten minutes after tier 1
  });

  it('level up after ack to red asks the enterprise to sign again; its ack restores the feedback clock', () => {
    const r = new Run();
    r.signal(Level.yellow);
    r.ok(ack(ENT), T0 + MIN);
    r.ok(assess(ENT), T0 + 2 * MIN);
    expect(r.signal(Level.red, {}, T0 + 3 * MIN)).toEqual(['level_up']);
    expect(r.a).toMatchObject({ handling: 'assessed', ackByEnterprise: null, deadlineKind: 'ack', deadlineMs: T0 + 8 * MIN, nextTierAtMs: null });
    expect(r.events.at(-1)!.ackByEnterprise).toBeNull();
    expect(r.ok(ack(ENT), T0 + 4 * MIN)).toEqual(['acknowledged']);
    expect(r.a).toMatchObject({ handling: 'assessed', ackByEnterprise: '张工', deadlineKind: 'feedback', deadlineMs: T0 + 34 * MIN });
  });

  it('level up after ack to yellow only keeps the ack (blue → yellow is below orange)', () => {
    const r = new Run();
    r.signal(Level.blue);
    r.ok(ack(ENT), T0 + MIN);
    r.signal(Level.yellow, {}, T0 + 2 * MIN);
    expect(r.a).toMatchObject({ ackByEnterprise: '张工', deadlineKind: 'feedback' });
  });

  it('level down leaves the running clocks', () => {
    const r = new Run();
    r.signal(Level.red);
    r.signal(Level.yellow, {}, T0 + MIN);
    expect(r.a).toMatchObject({ deadlineMs: T0 + 5 * MIN, nextTierAtMs: T0 + 5 * MIN });
  });
});

describe('reduce: versions and event ids', () => {
  it('versions go up by one per event and event ids are unique over a whole life', () => {
    const r = new Run();
    r.signal(Level.yellow);
    r.signal(Level.red, {}, T0 + MIN);
    r.tick(T0 + 20 * MIN);
    r.ok(ack(ENT), T0 + 21 * MIN);
    r.ok(ack(CTR), T0 + 22 * MIN);
    r.ok(assess(CTR), T0 + 23 * MIN);
    r.signal(Level.orange, {}, T0 + 24 * MIN);
    r.signal(Level.none, {}, T0 + 25 * MIN);
    r.ok(handle(ENT), T0 + 26 * MIN);
    r.ok(feedback(ENT), T0 + 27 * MIN);
    r.ok(clear(ENT), T0 + 28 * MIN);
    r.tick(T0 + 80 * MIN);
    const names = r.events.map((e) => e.event);
    expect(names).toEqual([
      'raised', 'level_up', 'overdue', 'tier_escalated', 'tier_escalated', 'acknowledged', 'acknowledged', 'assessed',
      'level_down', 'recovered', 'handling', 'feedback', 'cleared', 'archived',
    ]);
    expect(r.events.map((e) => e.version)).toEqual(names.map((_, i) => i + 1));
    expect(new Set(r.events.map((e) => e.eventId)).size).toBe(names.length);
    expect(r.a.version).toBe(names.length);
  });
});

function counter(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}
