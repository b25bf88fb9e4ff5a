import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import type { SensorTypeId } from '../../core/sensor-types.ts';
import { ctxFor } from './testkit.ts';
import type { Sample, SensorRuleContext } from './kind.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import { rate, rateOf, rateParams, type RateParams } from './rate.ts';
import { Rng } from '../../simulators/rng.ts';

const { none: N, blue: B, yellow: Y, orange: O, red: R } = Level;


const T0 = Date.UTC(2025, 5, 1);
function start(params: RateParams, type: SensorTypeId = 'gas_combustible') {
  const st = rate.init(rateParams.parse(params), ctxFor(type));
  const s: Sample = { ts: 0, value: 0, quality: 'ok', receivedAt: 0 };
  const feed = (t: number, v: number): Level => {
    s.ts = T0 + t * 1000;
    s.receivedAt = s.ts;
    s.value = v;
    return rate.evaluate(st, s);
  };
  return { st, feed };
}
function run(params: RateParams, samples: readonly (readonly [number, number])[], type?: SensorTypeId) {
  const { st, feed } = start(params, type);
  return { levels: samples.map(([t, v]) => feed(t, v)), st };
}

// A 60 s window of 1 s buckets, rate per minute: samples 10 s apart rising 10 give exactly 60 /min.
const PER_MIN = (levels: RateParams['levels'], extra: Partial<RateParams> = {}): RateParams => ({ windowS: 60, perS: 60, direction: 'rising', levels, ...extra });
const RAMP = (n: number, step: number, from = 0): [number, number][] => Array.from({ length: n }, (_, i) => [from + i * 10, i * step]);

describe('rate: levels on the least-squares rate', () => {
  const rows: { why: string; params: RateParams; samples: [number, number][]; want: Level[] }[] = [
    { why: 'two points are below minSamples (3): no level however steep', params: PER_MIN({ yellow: { enter: 60 } }), samples: [[0, 0], [10, 500]], want: [N, N] },
    {
      why: 'three points spanning 20 s < minSpanS (default windowS/2 = 30 s): no level; the fourth spans 30 s: exactly 60 /min enters',
      params: PER_MIN({ yellow: { enter: 60 } }),
      samples: RAMP(4, 10),
      want: [N, N, N, Y],
    },
    { why: 'just below the enter value: 59.4 /min stays quiet', params: PER_MIN({ yellow: { enter: 60 } }), samples: RAMP(5, 9.9), want: [N, N, N, N, N] },
    { why: 'minSamples 2 and minSpanS 0: the second point decides', params: PER_MIN({ yellow: { enter: 60 } }, { minSamples: 2, minSpanS: 0 }), samples: RAMP(2, 10), want: [N, Y] },
    { why: 'several colours on the rate: 120 /min is orange', params: PER_MIN({ yellow: { enter: 60 }, orange: { enter: 120 } }), samples: RAMP(4, 20), want: [N, N, N, O] },
    { why: 'falling: a drop of 60 /min meets enter −60', params: PER_MIN({ yellow: { enter: -60 } }, { direction: 'falling' }), samples: RAMP(4, -10), want: [N, N, N, Y] },
    { why: 'falling: a rise never meets a negative enter value', params: PER_MIN({ yellow: { enter: -60 } }, { direction: 'falling' }), samples: RAMP(4, 10), want: [N, N, N, N] },
    { why: 'abs: a drop of 60 /min counts like a rise', params: PER_MIN({ yellow: { enter: 60 } }, { direction: 'abs' }), samples: RAMP(4, -10), want: [N, N, N, Y] },
    {
      why: 'the rise stops: the slope over the window decays and clears (clear 30) once the flat part dominates',
      params: PER_MIN({ yellow: { enter: 60, clear: 30 } }),
      samples: [[0, 0], [10, 10], [20, 20], [30, 30], [40, 30], [50, 30], [60, 30], [70, 30], [80, 30], [90, 30]],
      want: [N, N, N, Y, Y, Y, N, N, N, N],
    },
    {
      why: 'enterS on the rate: 60 /min must hold 10 s of sample time',
      params: PER_MIN({ yellow: { enter: 60, enterS: 10 } }),
      samples: RAMP(5, 10),
      want: [N, N, N, N, Y],
    },
    {
      why: 'a gap longer than the window empties it: minSamples and minSpanS apply again',
      params: PER_MIN({ yellow: { enter: 60 } }),
      samples: [...RAMP(4, 10), [200, 0], [210, 10], [220, 20], [230, 30]],
      want: [N, N, N, Y, N, N, N, Y],
    },
    {
      why: 'gate ≥ 70 (domain.md §2.3 hopper red): 60 /min at 60 °C is below the gate, no level',
      params: PER_MIN({ yellow: { enter: 60 } }, { gate: { op: 'ge', than: 70 } }),
      samples: [[0, 30], [10, 40], [20, 50], [30, 60]],
      want: [N, N, N, N],
    },
    {
      why: 'gate ≥ 70: the deciding sample is exactly 70, which meets the gate',
      params: PER_MIN({ yellow: { enter: 60 } }, { gate: { op: 'ge', than: 70 } }),
      samples: [[0, 40], [10, 50], [20, 60], [30, 70]],
      want: [N, N, N, Y],
    },
    {
      why: 'gate ≥ 70: the value dips to 69 while the rate (46.8 /min) still meets enter 30: the level goes, gate first',
      params: PER_MIN({ yellow: { enter: 30 } }, { gate: { op: 'ge', than: 70 } }),
      samples: [[0, 40], [10, 50], [20, 60], [30, 70], [40, 69]],
      want: [N, N, N, Y, N],
    },
    {
      why: 'the same dip without a gate stays yellow: the gate, not the rate, ended it above',
      params: PER_MIN({ yellow: { enter: 30 } }),
      samples: [[0, 40], [10, 50], [20, 60], [30, 70], [40, 69]],
      want: [N, N, N, Y, Y],
    },
    {
      why: 'gate ≤ 75 on a falling rate: a drop of 60 /min at 70 (≤ 75) enters',
      params: PER_MIN({ yellow: { enter: -60 } }, { direction: 'falling', gate: { op: 'le', than: 75 } }),
      samples: [[0, 100], [10, 90], [20, 80], [30, 70]],
      want: [N, N, N, Y],
    },
    {
      why: 'gate ≤ 65: the same drop ends at 70, above the gate: no level',
      params: PER_MIN({ yellow: { enter: -60 } }, { direction: 'falling', gate: { op: 'le', than: 65 } }),
      samples: [[0, 100], [10, 90], [20, 80], [30, 70]],
      want: [N, N, N, N],
    },
  ];
  it.each(rows)('$why', ({ params, samples, want }) => {
    expect(run(params, samples).levels).toEqual(want);
  });

  it('names the gate in the alert text, and refuses a gate it does not know', () => {
    const { st, feed } = start(PER_MIN({ red: { enter: 60 } }, { gate: { op: 'ge', than: 70 } }), 'dust_hopper_temp');
    for (const [t, v] of [[0, 40], [10, 50], [20, 60], [30, 70]] as const) feed(t, v);
    expect(rate.describe(st).text).toBe('变化速率 60.0 °C/min ≥ 60 °C/min，数值 ≥ 70 °C (红色阈值)');
    expect(rateParams.safeParse(PER_MIN({ red: { enter: 60 } }, { gate: { op: 'gt', than: 70 } } as never)).success).toBe(false);
  });

  it('reports the rate itself: exactly 60 /min for the exact ramp, NaN below the guards', () => {
    const { st, feed } = start(PER_MIN({ yellow: { enter: 60 } }));
    feed(0, 0);
    feed(10, 10);
    expect(rateOf(st)).toBeNaN();
    feed(20, 20);
    feed(30, 30);
    expect(rateOf(st)).toBe(60);
  });
});

describe('rate: domain cases', () => {
  it('combustible gas "rising ≥ 5 %LEL in 5 min" (domain.md §2.1 blue): 1-min readings, a leak rising 1.2 %LEL/min', () => {
    const params: RateParams = { windowS: 300, perS: 300, direction: 'rising', levels: { blue: { enter: 5 } } };
    const { levels, st } = run(params, [[0, 1], [60, 1], [120, 1], [180, 2.2], [240, 3.4], [300, 4.6], [360, 5.8], [420, 7.0]]);
    expect(levels).toEqual([N, N, N, N, N, N, B, B]);
    expect(rateOf(st)).toBeCloseTo(6, 5); // 1.2 %LEL/min over the last 5 min of a straight rise
    expect(rate.describe(st)).toEqual({ value: rateOf(st), threshold: 5, nativeAlarm: null, text: '变化速率 6.00 %LEL/5min ≥ 5 %LEL/5min (蓝色阈值)' });
  });

  // Tailings surface displacement, 7-day mean velocity (domain.md §2.5: yellow > 1, orange > 3, red > 10 mm/d),
  // GNSS every 10 min with σ≈3 mm noise (uniform ±5 mm from a fixed generator).
  const GNSS: RateParams = { windowS: 7 * 86400, perS: 86400, direction: 'rising', filter: 'median3', levels: { yellow: { enter: 1 }, orange: { enter: 3 }, red: { enter: 10 } } };
  const noise = (seed: number) => {
    const rng = new Rng(seed);
    return () => (rng.next() - 0.5) * 10;
  };
  it('7-day velocity: creep of 1.5 mm/d in ±5 mm noise is yellow, 0.2 mm/d is quiet (60 bucket means of ~17 readings)', () => {
    for (const [mmPerDay, want] of [[1.5, Y], [0.2, N]] as const) {
      const { st, feed } = start(GNSS, 'tailings_gnss');
      const rnd = noise(7);
      let level: Level = N;
      for (let t = 0; t <= 10 * 86400; t += 600) level = feed(t, 100 + (mmPerDay * t) / 86400 + rnd());
      expect(level).toBe(want);
      expect(rateOf(st)).toBeCloseTo(mmPerDay, 0);
    }
  });

  it('median3 kills a single-epoch 25 mm GNSS jump (domain.md §2.5), and lets a real step through one reading late', () => {
    // 1-day window, 48 half-hour buckets, one reading per bucket, a flat series.
    const base: RateParams = { windowS: 86400, perS: 86400, points: 48, direction: 'rising', levels: { yellow: { enter: 1 }, orange: { enter: 3 } } };
    const flat: [number, number][] = Array.from({ length: 48 }, (_, i) => [i * 1800, 0]);
    const jump: [number, number][] = [...flat, [48 * 1800, 25], [49 * 1800, 0]];
    const raw = run(base, jump, 'tailings_gnss').levels;
    const filtered = run({ ...base, filter: 'median3' }, jump, 'tailings_gnss').levels;
    expect(raw.slice(-2)).toEqual([O, Y]); // unfiltered: one epoch of 25 mm reads as > 3 mm/d, then > 1 mm/d
    expect(filtered.slice(-2)).toEqual([N, N]);
    const step: [number, number][] = [...flat, [48 * 1800, 25], [49 * 1800, 25], [50 * 1800, 25]];
    expect(run({ ...base, filter: 'median3' }, step, 'tailings_gnss').levels.slice(-3)).toEqual([N, O, O]);
  });
});

describe('rate: samples it ignores', () => {
  it('a NaN value changes nothing', () => {
    expect(run(PER_MIN({ yellow: { enter: 60 } }), [...RAMP(4, 10), [35, NaN]]).levels).toEqual([N, N, N, Y, Y]);
  });
  it('a sample older than the last one is ignored', () => {
    const { levels, st } = run(PER_MIN({ yellow: { enter: 60 } }), [...RAMP(4, 10), [25, 1000]]);
    expect(levels).toEqual([N, N, N, Y, Y]);
    expect(rateOf(st)).toBe(60);
  });
});

describe('rate: describe()', () => {
  it('abs and falling directions say so', () => {
    const abs = run(PER_MIN({ red: { enter: 60, native: '突降' } }, { direction: 'abs' }), RAMP(4, -10)).st;
    expect(rate.describe(abs)).toEqual({ value: -60, threshold: 60, nativeAlarm: '突降', text: '变化速率(绝对值) 60.0 %LEL/min ≥ 60 %LEL/min (红色阈值)' });
    const falling = run(PER_MIN({ yellow: { enter: -60 } }, { direction: 'falling' }), RAMP(4, -10)).st;
    expect(rate.describe(falling).text).toBe('变化速率 -60.0 %LEL/min ≤ -60 %LEL/min (黄色阈值)');
  });
  it('held between the clear and the enter value: the text says the colour holds (and the same level reads the same text again)', () => {
    const { st, feed } = start(PER_MIN({ yellow: { enter: 60, clear: 30 } }));
    expect([feed(0, 0), feed(10, 10), feed(20, 20), feed(30, 30)]).toEqual([N, N, N, Y]);
    expect(feed(40, 35)).toBe(Y); // least squares over 0…40 s: 0.9 /s = 54 /min, under 60 but not under 30
    const held = { value: rateOf(st), threshold: 60, nativeAlarm: null, text: '变化速率 54.0 %LEL/min，未越过清除值 30 (黄色阈值 60 保持)' };
    expect(rate.describe(st)).toEqual(held);
    expect(rate.describe(st)).toEqual(held);
  });
  it('below the guards: no value', () => {
    expect(rate.describe(run(PER_MIN({ yellow: { enter: 60 } }), RAMP(2, 10)).st)).toEqual({ value: null, threshold: null, nativeAlarm: null, text: '变化速率: 样本不足' });
  });
});

describe('rate: params validation', () => {
  const bad: { why: string; params: unknown; message: RegExp }[] = [
    { why: 'minSpanS longer than the window can never be met', params: PER_MIN({ yellow: { enter: 1 } }, { minSpanS: 61 }), message: /minSpanS 61 exceeds windowS 60/ },
    { why: 'minSamples above the points the window keeps', params: PER_MIN({ yellow: { enter: 1 } }, { points: 10, minSamples: 11 }), message: /minSamples 11 exceeds/ },
    { why: 'an abs rate with a negative enter value', params: PER_MIN({ yellow: { enter: -1 } }, { direction: 'abs' }), message: /must be ≥ 0/ },
    { why: 'rising enter values out of order', params: PER_MIN({ yellow: { enter: 5 }, blue: { enter: 6 } }), message: /yellow 5 < blue 6/ },
    { why: 'a zero window', params: PER_MIN({ yellow: { enter: 1 } }, { windowS: 0 }), message: /windowS/ },
    { why: 'an unknown filter', params: PER_MIN({ yellow: { enter: 1 } }, { filter: 'mean' as never }), message: /filter/ },
    { why: 'unknown keys are refused (strict)', params: { ...PER_MIN({ yellow: { enter: 1 } }), window: 5 }, message: /window/ },
  ];
  it.each(bad)('refuses: $why', ({ params, message }) => {
    const r = rateParams.safeParse(params);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toMatch(message);
  });
});

describe('rate: state', () => {
  it('is plain data (a Float32Array window, a Float64Array of scalars, small integers) apart from the shared compiled config', () => {
    const a = run(PER_MIN({ yellow: { enter: 60 } }), RAMP(4, 10)).st;
    const b = run(PER_MIN({ yellow: { enter: 60 } }), []).st;
    expect(a.cfg).toBe(b.cfg);
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(a.f).toBeInstanceOf(Float32Array);
    expect(a.f.length).toBe(60);
    expect(a.d).toBeInstanceOf(Float64Array);
    expect(a.d.length).toBe(8);
    const { cfg: _c, f: _f, d: _d, ...ints } = a;
    expect(Object.values(ints).every((v) => Number.isInteger(v))).toBe(true);
  });
  it('survives an engine checkpoint (rules/engine/snapshot.ts): a restored state continues identically', () => {
    const params: RateParams = { windowS: 300, perS: 60, points: 30, direction: 'abs', filter: 'median3', levels: { yellow: { enter: 1, clear: 0.5, exitS: 60 } } };
    const a = start(params);
    for (let t = 0; t < 600; t += 20) a.feed(t, (t * t) / 20000);
    const b = start(params);
    restoreInto(b.st as unknown as Record<string, unknown>, snapshotOf(a.st));
    expect(b.st.f).not.toBe(a.st.f);
    for (let t = 600; t < 1500; t += 20) {
      const v = 18 - t / 100;
      expect(b.feed(t, v)).toBe(a.feed(t, v));
      expect(rateOf(b.st)).toBe(rateOf(a.st));
    }
  });
  it('a red level is reachable (all four colours compile)', () => {
    expect(run(PER_MIN({ blue: { enter: 10 }, yellow: { enter: 20 }, orange: { enter: 30 }, red: { enter: 40 } }), RAMP(4, 10)).levels.at(-1)).toBe(R);
  });
});
