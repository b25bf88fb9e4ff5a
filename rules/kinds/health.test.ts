import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import type { Quality } from '../../core/reading.ts';
import type { SensorTypeId } from '../../core/sensor-types.ts';
import { ctxFor } from './testkit.ts';
import type { DeviceState, Sample, SensorRuleContext } from './kind.ts';
import { DEFAULT_HEALTH_LEVELS, deviceSinceOf, deviceStateOf, health, healthParams, healthState, type HealthParams } from './health.ts';

const { none: N, blue: B, yellow: Y, orange: O, red: R } = Level;


const T0 = Date.UTC(2025, 5, 1);
/** One step: a sample (t = receive time in s after T0; device ts = t + skewS) or a clock tick at t. */
type Step = { t: number; v?: number; q?: Quality; skewS?: number; imported?: true } | { tick: number };

function run(steps: readonly Step[], params: HealthParams = {}, type: SensorTypeId = 'gas_combustible') {
  const st = health.init(healthParams.parse(params), ctxFor(type));
  const s: Sample = { ts: 0, value: 0, quality: 'ok', receivedAt: 0 };
  const out: { level: Level; state: DeviceState; since: number }[] = [];
  for (const step of steps) {
    let level: Level;
    if ('tick' in step) level = health.tick!(st, T0 + step.tick * 1000);
    else {
      s.receivedAt = T0 + step.t * 1000;
      s.ts = s.receivedAt + (step.skewS ?? 0) * 1000;
      s.value = step.v ?? 1;
      s.quality = step.q ?? 'ok';
      // As the engine feeds a history import: received = device time.
      s.imported = step.imported === true;
      level = health.evaluate(st, s);
    }
    out.push({ level, ...healthState(st) });
  }
  return { out, st, last: out[out.length - 1]! };
}
const at = (s: number) => T0 + s * 1000;

describe('health: the sample\'s own quality (device self-diagnosis, domain.md §2)', () => {
  const rows: { why: string; q: Quality; state: DeviceState; level: Level }[] = [
    { why: 'fault: the monitoring is blind → yellow', q: 'fault', state: 'fault', level: Y },
    { why: 'comm_lost → yellow', q: 'comm_lost', state: 'comm_lost', level: Y },
    { why: 'overrange: a saturated catalytic bead (domain.md §2.1 "keep the alarm latched") → orange', q: 'overrange', state: 'overrange', level: O },
    { why: 'maintenance: announced work, no alarm', q: 'maintenance', state: 'maintenance', level: N },
    { why: 'calibrating: test gas must not alarm (domain.md §2.1), no alarm', q: 'calibrating', state: 'calibrating', level: N },
    { why: 'ok: nothing to say', q: 'ok', state: 'ok', level: N },
  ];
  it.each(rows)('$why', ({ q, state, level }) => {
    expect(run([{ t: 0, q }]).last).toEqual({ level, state, since: at(0) });
  });
  it('recovers to ok on the next good sample, since that sample', () => {
    const { out } = run([{ t: 0, q: 'fault' }, { t: 60, q: 'fault' }, { t: 120 }]);
    expect(out).toEqual([
      { level: Y, state: 'fault', since: at(0) },
      { level: Y, state: 'fault', since: at(0) },
      { level: N, state: 'ok', since: at(120) },
    ]);
  });
});

describe('health: out_of_range (the metric\'s physical range, core/sensor-types.ts)', () => {
  // gas_combustible lel: [0, 100] %LEL.
  const rows: { why: string; v: number; state: DeviceState }[] = [
    { why: 'exactly the top of the range is in range', v: 100, state: 'ok' },
    { why: 'just above the top is inside the 5 % tolerance (noise at a range end is normal)', v: 104.9, state: 'ok' },
    { why: 'past the top by more than 5 % of the span', v: 105.1, state: 'out_of_range' },
    { why: 'zero drift to −0.85 %LEL is normal (domain.md §2.1 ±1–3 %LEL drift)', v: -0.85, state: 'ok' },
    { why: 'exactly the bottom is in range', v: 0, state: 'ok' },
    { why: 'negative drift below zero (domain.md §2.1 "< −5 %LEL means a sensor fault")', v: -5.1, state: 'out_of_range' },
    { why: 'a NaN value (metric absent from the reading) is not out of range', v: NaN, state: 'ok' },
  ];
  it.each(rows)('$why', ({ v, state }) => {
    expect(run([{ t: 0, v }]).last.state).toBe(state);
  });
  it('is blue by default, and describe names the range', () => {
    const { last, st } = run([{ t: 0, v: 120 }]);
    expect(last.level).toBe(B);
    expect(health.describe(st)).toEqual({ value: 120, threshold: 105, nativeAlarm: null, text: '数值超出物理量程: 120.0 不在 [-5, 105] 内' });
  });
});

describe('health: clock_skew (ts − receivedAt beyond skewMs, default 5 min; behind only when it lasts)', () => {
  const rows: { why: string; skewS: number; state: DeviceState }[] = [
    { why: 'exactly 300 s ahead is tolerated', skewS: 300, state: 'ok' },
    { why: '301 s ahead is skew at once (a backlog is never ahead)', skewS: 301, state: 'clock_skew' },
    { why: 'exactly 300 s behind is tolerated', skewS: -300, state: 'ok' },
    { why: '301 s behind on one sample may be a backlog (contract.md "Time"): not skew yet', skewS: -301, state: 'ok' },
  ];
  it.each(rows)('$why', ({ skewS, state }) => {
    expect(run([{ t: 0, skewS }]).last.state).toBe(state);
  });
  it('skewMs is configurable', () => {
    expect(run([{ t: 0, skewS: 2 }], { skewMs: 1000 }).last).toEqual({ level: B, state: 'clock_skew', since: at(0) });
  });
  it('a clock 10 min slow on every sample is skew once that has lasted 120 s of receive time, since its first sample', () => {
    // why: a slow clock stays behind; default hold max(120 s, 2 × the type's interval).
    const { out } = run([0, 60, 119, 120, 180].map((t) => ({ t, skewS: -600 })));
    expect(out.map((x) => x.state)).toEqual(['ok', 'ok', 'ok', 'clock_skew', 'clock_skew']);
    expect(out[3]).toEqual({ level: B, state: 'clock_skew', since: at(0) });
  });
  it('a backlog after an outage (an hour of 10 s readings uploaded within 5 s, then live) raises nothing', () => {
    // why: the gateway's buffer arrives in a burst and catches up; a false 设备时钟偏差 after every outage is noise.
    const backlog: Step[] = Array.from({ length: 360 }, (_, i) => ({ t: 1000 + i / 72, skewS: -(3600 - i * 10) }));
    const { out } = run([...backlog, { t: 1006 }, { t: 1016 }]);
    expect(new Set(out.map((x) => x.state))).toEqual(new Set(['ok']));
    expect(out.every((x) => x.level === N)).toBe(true);
  });
  it('back within the limit ends the wait: the next slow sample starts it again', () => {
    const { out } = run([{ t: 0, skewS: -600 }, { t: 100, skewS: -600 }, { t: 110 }, { t: 200, skewS: -600 }, { t: 300, skewS: -600 }, { t: 320, skewS: -600 }]);
    expect(out.map((x) => x.state)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'clock_skew']);
    expect(out[5]!.since).toBe(at(200));
  });
  it('after a silence the wait starts anew: a backlog on return is not taken for the slow samples before it', () => {
    // why: one sample behind at t 0, then silence (tick at 400 s), then the device's backlog at 500 s.
    const { out } = run([{ t: 0, skewS: -600 }, { tick: 400 }, { t: 500, skewS: -480 }, { t: 501, skewS: -10 }]);
    expect(out.map((x) => x.state)).toEqual(['ok', 'silent', 'ok', 'ok']);
  });
  it('skewHoldS 0 judges every sample alone: one sample behind is skew', () => {
    expect(run([{ t: 0, skewS: -301 }], { skewHoldS: 0 }).last).toEqual({ level: B, state: 'clock_skew', since: at(0) });
  });
  it('once skewed, behind by more than half the limit stays skew (hysteresis), within it recovers', () => {
    const slow = [0, 60, 120].map((t): Step => ({ t, skewS: -600 }));
    expect(run([...slow, { t: 180, skewS: -151 }]).last.state).toBe('clock_skew');
    expect(run([...slow, { t: 180, skewS: -150 }]).last.state).toBe('ok');
  });
});

describe('health: stuck (same value for stuckSamples AND ≥ stuckMinS; defaults 30 samples, 6 × interval)', () => {
  const flat = (n: number, everyS: number, v = 7): Step[] => Array.from({ length: n }, (_, i) => ({ t: i * everyS, v }));
  it('gas every 60 s: the 29th equal sample is ok, the 30th is stuck, since the first of the run', () => {
    const { out } = run([{ t: -60, v: 6 }, ...flat(30, 60)]);
    expect(out[29]!.state).toBe('ok');
    expect(out[30]).toEqual({ level: B, state: 'stuck', since: at(0) });
  });
  it('30 samples in 29 s are not yet stuck: the run must also span stuckMinS (360 s for gas)', () => {
    const { out } = run([...flat(30, 1), { t: 359, v: 7 }, { t: 360, v: 7 }]);
    expect(out.slice(-3).map((o) => o.state)).toEqual(['ok', 'ok', 'stuck']);
  });
  it('one different value ends the run: ok again, and the count restarts', () => {
    const { out } = run([...flat(30, 60), { t: 1800, v: 7.1 }, { t: 1860, v: 7.1 }]);
    expect(out.slice(-3).map((o) => o.state)).toEqual(['stuck', 'ok', 'ok']);
  });
  it('non-ok samples neither extend nor break the run', () => {
    const steps: Step[] = [...flat(15, 60), { t: 900, v: 99, q: 'maintenance' }, ...flat(15, 60).map((s) => ({ ...(s as { t: number; v: number }), t: (s as { t: number }).t + 960 }))];
    expect(run(steps).last.state).toBe('stuck');
  });
  it('never for a boolean metric: a fan that runs all day is not stuck', () => {
    expect(run(flat(200, 10, 1), {}, 'mine_fan').last.state).toBe('ok');
  });
  it('stuckSamples and stuckMinS are configurable', () => {
    expect(run(flat(3, 10), { stuckSamples: 3, stuckMinS: 20 }).last.state).toBe('stuck');
    expect(run(flat(3, 10), { stuckSamples: 3, stuckMinS: 21 }).last.state).toBe('ok');
  });
});

describe('health: silent, judged by tick on the platform clock', () => {
  // gas_combustible: nominal interval 60 s → silent after 180 s without a sample.
  it('exactly 180 s after the last sample is not yet silent; after that it is, since the last sample', () => {
    const { out } = run([{ t: 0 }, { tick: 180 }, { tick: 180.001 }, { tick: 600 }]);
    expect(out.slice(1)).toEqual([
      { level: N, state: 'ok', since: at(0) },
      { level: Y, state: 'silent', since: at(0) },
      { level: Y, state: 'silent', since: at(0) },
    ]);
  });
  it('a sample ends silence at once (recovery to ok, since that sample)', () => {
    const { out } = run([{ t: 0, q: 'fault' }, { tick: 500 }, { t: 510 }]);
    expect(out.map((o) => [o.state, o.since])).toEqual([['fault', at(0)], ['silent', at(0)], ['ok', at(510)]]);
  });
  it('a sensor that never reported goes silent silentAfterS after the first tick (kapacitor#1951)', () => {
    const { out } = run([{ tick: 0 }, { tick: 100 }, { tick: 181 }]);
    expect(out.map((o) => o.state)).toEqual(['ok', 'ok', 'silent']);
    expect(out[2]!.since).toBe(at(0));
  });
  it('the default follows the sensor type: coal-mine methane reports every 10 s, silent after 30 s', () => {
    expect(run([{ t: 0 }, { tick: 30 }, { tick: 31 }], {}, 'mine_ch4').out.slice(1).map((o) => o.state)).toEqual(['ok', 'silent']);
  });
  it('silentAfterS is configurable', () => {
    expect(run([{ t: 0 }, { tick: 61 }], { silentAfterS: 60 }).last.state).toBe('silent');
  });
  it('ticks with fresh data change nothing', () => {
    expect(run([{ t: 0, q: 'fault' }, { tick: 10 }]).last).toEqual({ level: Y, state: 'fault', since: at(0) });
  });
  it('an imported history is not a receipt: the ticks during a first start\'s import find no silence until silentAfterS after the first tick', () => {
    // why: hours-old imported readings would otherwise make the first tick call every device silent since then
    const { out } = run([{ t: -7200, imported: true }, { t: -7140, imported: true }, { tick: 0 }, { tick: 180 }, { tick: 181 }]);
    expect(out.slice(2).map((o) => o.state)).toEqual(['ok', 'ok', 'silent']);
    expect(out[4]!.since).toBe(at(0));
  });
  it('an import during a real outage does not end it; a live sample does, and the device is ok since that sample', () => {
    const { out } = run([{ t: 0 }, { tick: 200 }, { t: 150, imported: true }, { tick: 210 }, { t: 220 }]);
    expect(out.slice(1).map((o) => [o.state, o.since])).toEqual([['silent', at(0)], ['silent', at(0)], ['silent', at(0)], ['ok', at(220)]]);
  });
});

describe('health: precedence silent > quality > out_of_range > clock_skew > stuck > ok', () => {
  const rows: { why: string; steps: Step[]; state: DeviceState }[] = [
    { why: 'silent wins over the last sample\'s fault', steps: [{ t: 0, q: 'fault' }, { tick: 200 }], state: 'silent' },
    { why: 'the device\'s own fault wins over an out-of-range value', steps: [{ t: 0, v: 150, q: 'fault' }], state: 'fault' },
    { why: 'overrange quality wins over the out-of-range value it explains', steps: [{ t: 0, v: 150, q: 'overrange' }], state: 'overrange' },
    { why: 'out_of_range wins over clock skew', steps: [{ t: 0, v: 150, skewS: 1000 }], state: 'out_of_range' },
    {
      why: 'clock skew wins over stuck',
      steps: [...Array.from({ length: 29 }, (_, i): Step => ({ t: i * 60, v: 5 })), { t: 29 * 60, v: 5, skewS: 1000 }],
      state: 'clock_skew',
    },
    { why: 'stuck wins over ok', steps: Array.from({ length: 30 }, (_, i): Step => ({ t: i * 60, v: 5 })), state: 'stuck' },
  ];
  it.each(rows)('$why', ({ steps, state }) => {
    expect(run(steps).last.state).toBe(state);
  });
});

describe('health: levels, late samples, describe', () => {
  it('levels are configurable per state, over the defaults', () => {
    const p: HealthParams = { levels: { silent: 'red', stuck: 'none' } };
    expect(run([{ t: 0 }, { tick: 200 }], p).last.level).toBe(R);
    expect(run(Array.from({ length: 30 }, (_, i): Step => ({ t: i * 60, v: 5 })), p).last).toMatchObject({ level: N, state: 'stuck' });
    expect(run([{ t: 0, q: 'fault' }], p).last.level).toBe(DEFAULT_HEALTH_LEVELS.fault === 'yellow' ? Y : N);
  });
  it('any sample ends silence, whatever it says: a fault report is a device talking', () => {
    const st = health.init(healthParams.parse({}), ctxFor('gas_combustible'));
    const s: Sample = { ts: at(100), value: 1, quality: 'ok', receivedAt: at(100) };
    health.evaluate(st, s);
    expect(health.tick!(st, at(400))).toBe(Y);
    expect([deviceStateOf(st), deviceSinceOf(st)]).toEqual(['silent', at(100)]);
    Object.assign(s, { ts: at(401), quality: 'fault', receivedAt: at(401) });
    expect(health.evaluate(st, s)).toBe(Y);
    expect([deviceStateOf(st), deviceSinceOf(st)]).toEqual(['fault', at(401)]);
    expect(health.tick!(st, at(500))).toBe(Y); // 99 s after that sample: not silent
    expect(deviceStateOf(st)).toBe('fault');
  });
  it('describe says what is wrong, in Chinese', () => {
    expect(health.describe(run([{ t: 0 }, { tick: 200 }]).st).text).toBe('无数据(离线): 超过 180 s 无数据');
    expect(health.describe(run(Array.from({ length: 30 }, (_, i): Step => ({ t: i * 60, v: 5 }))).st)).toEqual({ value: 5, threshold: null, nativeAlarm: null, text: '数值长时间不变(疑似卡死): 5.00 连续 30 个样本' });
    expect(health.describe(run([{ t: 0, q: 'comm_lost' }]).st).text).toBe('设备通信中断');
    expect(health.describe(run([{ t: 0 }]).st).text).toBe('设备正常');
  });
  it('before anything happened: ok, since unknown', () => {
    const st = health.init(healthParams.parse({}), ctxFor('gas_combustible'));
    expect(deviceStateOf(st)).toBe('ok');
    expect(deviceSinceOf(st)).toBeNaN();
  });
});

describe('health: params and state', () => {
  it('refuses unknown states and level names', () => {
    expect(healthParams.safeParse({ levels: { offline: 'red' } }).success).toBe(false);
    expect(healthParams.safeParse({ levels: { silent: 'amber' } }).success).toBe(false);
    expect(healthParams.safeParse({ silentAfterS: 0 }).success).toBe(false);
    expect(healthParams.safeParse({ stuckSamples: 1 }).success).toBe(false);
    expect(healthParams.safeParse({ silentS: 10 }).success).toBe(false);
  });
  it('state is plain data (numbers and a Float64Array of doubles) apart from the compiled config, shared by sensors of the same type', () => {
    const a = run([{ t: 0 }]).st;
    const b = run([]).st;
    expect(a.cfg).toBe(b.cfg);
    expect(a.cfg).not.toBe(run([], {}, 'mine_ch4').st.cfg);
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(a.d).toBeInstanceOf(Float64Array);
    const { cfg: _c, d: _d, ...data } = a;
    expect(Object.values(data).every((v) => typeof v === 'number')).toBe(true);
  });
});
