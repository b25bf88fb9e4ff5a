import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import type { SensorTypeId } from '../../core/sensor-types.ts';
import { ctxFor } from './testkit.ts';
import type { Sample, SensorRuleContext } from './kind.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import { threshold, thresholdParams, type ThresholdParams } from './threshold.ts';

const { none: N, blue: B, yellow: Y, orange: O, red: R } = Level;


const T0 = Date.UTC(2025, 5, 1);
/** Runs [seconds after T0, value] samples through a fresh state; returns the level after each. */
function run(params: ThresholdParams, samples: readonly (readonly [number, number])[], type: SensorTypeId = 'gas_combustible') {
  const p = thresholdParams.parse(params);
  const st = threshold.init(p, ctxFor(type));
  const s: Sample = { ts: 0, value: 0, quality: 'ok', receivedAt: 0 };
  const levels = samples.map(([t, v]) => {
    s.ts = T0 + t * 1000;
    s.receivedAt = s.ts;
    s.value = v;
    return threshold.evaluate(st, s);
  });
  return { levels, st };
}

// GB/T 50493-2019 §5.5.2 with the domain.md §2.1 colour mapping (blue trend 10 %LEL is the platform's).
const GAS: ThresholdParams = {
  direction: 'rising',
  levels: {
    blue: { enter: 10, clear: 8 },
    yellow: { enter: 25, clear: 22, native: '一级报警' },
    orange: { enter: 50, clear: 45, native: '二级报警' },
  },
};

describe('threshold: rising levels, boundaries and hysteresis', () => {
  const rows: { why: string; params: ThresholdParams; samples: [number, number][]; want: Level[] }[] = [
    { why: 'just below the yellow enter value: blue only', params: GAS, samples: [[0, 24.9]], want: [B] },
    { why: 'exactly at the enter value enters (GB/T 50493 "≥ 25 %LEL")', params: GAS, samples: [[0, 25]], want: [Y] },
    { why: 'exactly at the orange enter value: orange at once, no stop at yellow', params: GAS, samples: [[0, 0], [1, 50]], want: [N, O] },
    { why: 'exactly at the clear value holds (clears only below it)', params: GAS, samples: [[0, 26], [1, 22]], want: [Y, Y] },
    { why: 'just below the clear value clears yellow; blue holds by its own deadband', params: GAS, samples: [[0, 26], [1, 21.9]], want: [Y, B] },
    { why: 'inside the deadband after a rise: hysteresis holds yellow at 23 < 25', params: GAS, samples: [[0, 26], [1, 23], [2, 24.9]], want: [Y, Y, Y] },
    { why: 'from orange straight down to 23: orange clears, yellow still held by its clear value 22', params: GAS, samples: [[0, 55], [1, 23]], want: [O, Y] },
    { why: 'from orange straight down to 9: lands on blue (9 ≥ blue clear 8)', params: GAS, samples: [[0, 55], [1, 9]], want: [O, B] },
    { why: 'from orange straight down to 0: everything clears at once (no exitS)', params: GAS, samples: [[0, 55], [1, 0]], want: [O, N] },
    { why: 'orange inside its deadband (45 ≤ v < 50) holds orange', params: GAS, samples: [[0, 50], [1, 45], [2, 44.9]], want: [O, O, Y] },
    {
      why: 'no clear given: clear = enter, no deadband',
      params: { direction: 'rising', levels: { yellow: { enter: 25 } } },
      samples: [[0, 25], [1, 24.999], [2, 25]],
      want: [Y, N, Y],
    },
    {
      why: 'alarm = cut-power (AQ 1029 T2 return airway, 1.0 %): equal enter values raise the higher colour, orange',
      params: { direction: 'rising', levels: { blue: { enter: 0.8 }, yellow: { enter: 1.0, native: '报警' }, orange: { enter: 1.0, native: '断电' }, red: { enter: 2.0 } } },
      samples: [[0, 0.79], [10, 0.8], [20, 1.0], [30, 0.99], [40, 2.0]],
      want: [N, B, O, B, R],
    },
  ];
  it.each(rows)('$why', ({ params, samples, want }) => {
    expect(run(params, samples).levels).toEqual(want);
  });
});

describe('threshold: enterS (on-delay) and exitS (off-delay), judged on sample time', () => {
  const HOLD: ThresholdParams = { direction: 'rising', levels: { yellow: { enter: 25, clear: 22, enterS: 30, exitS: 60 } } };
  const rows: { why: string; params: ThresholdParams; samples: [number, number][]; want: Level[] }[] = [
    { why: 'the condition has held 0 s and 10 s: not yet', params: HOLD, samples: [[0, 26], [10, 27]], want: [N, N] },
    { why: 'held exactly enterS (30 s by sample ts): enters', params: HOLD, samples: [[0, 26], [10, 27], [30, 26]], want: [N, N, Y] },
    { why: 'a dip below enter resets the on-delay', params: HOLD, samples: [[0, 26], [20, 24], [25, 26], [50, 26], [55, 26]], want: [N, N, N, N, Y] },
    { why: 'a sparse series: two samples 60 s apart both above enter complete a 30 s hold (domain.md §2 "2 consecutive samples")', params: HOLD, samples: [[0, 26], [60, 26]], want: [N, Y] },
    {
      why: 'below clear for 50 s: exitS 60 still holds yellow; at 60 s it clears',
      params: HOLD,
      samples: [[0, 26], [30, 26], [40, 20], [90, 20], [100, 20]],
      want: [N, Y, Y, Y, N],
    },
    {
      why: 'back inside the deadband resets the off-delay',
      params: HOLD,
      samples: [[0, 26], [30, 26], [40, 20], [80, 23], [90, 20], [140, 20], [150, 20]],
      want: [N, Y, Y, Y, Y, Y, N],
    },
    {
      why: 'red without on-delay escalates at once past blue whose own on-delay has not run; blue is implied',
      params: { direction: 'rising', levels: { blue: { enter: 10, enterS: 60 }, red: { enter: 50 } } },
      samples: [[0, 60], [5, 20], [10, 5]],
      want: [R, B, N],
    },
    {
      why: 'each colour keeps its own off-delay: orange leaves after 0 s, yellow after 60 s',
      params: { direction: 'rising', levels: { yellow: { enter: 25, exitS: 60 }, orange: { enter: 50 } } },
      samples: [[0, 55], [10, 5], [60, 5], [70, 5]],
      want: [O, Y, Y, N],
    },
    {
      why: 'a higher colour still on its on-delay does not stop a lower one from entering',
      params: { direction: 'rising', levels: { yellow: { enter: 25 }, orange: { enter: 50, enterS: 20 } } },
      samples: [[0, 55], [10, 55], [20, 55]],
      want: [Y, Y, O],
    },
  ];
  it.each(rows)('$why', ({ params, samples, want }) => {
    expect(run(params, samples).levels).toEqual(want);
  });
});

describe('threshold: falling and band', () => {
  // GB 51108 commentary §8.3 via domain.md §2.5: phreatic burial depth d vs control D = 5 m:
  // blue ≤ 1.3 D, yellow ≤ 1.2 D, orange ≤ 1.1 D, red ≤ D.
  const PHREATIC: ThresholdParams = {
    direction: 'falling',
    levels: { blue: { enter: 6.5, clear: 6.6 }, yellow: { enter: 6.0, clear: 6.1 }, orange: { enter: 5.5, clear: 5.6 }, red: { enter: 5.0, clear: 5.1 } },
  };
  // GB/T 50493-2019: over-oxygen 23.5, under-oxygen 19.5 %vol; the colours of domain.md §2.1.
  const O2: ThresholdParams = {
    direction: 'band',
    levels: { yellow: { enter: 23.5, clear: 23.3 } },
    low: { blue: { enter: 20.0, clear: 20.2 }, yellow: { enter: 19.5, clear: 19.7 }, orange: { enter: 18.0 }, red: { enter: 16.0 } },
  };
  // AQ 4273-2016 §5.1.4 (alarm at ±20 % of the commissioned ΔP), a 1000 Pa baseline; idle below 10 %.
  const DP: ThresholdParams = {
    direction: 'band', lowActiveFrom: 100,
    levels: { yellow: { enter: 1200, clear: 1170 } },
    low: { yellow: { enter: 800, clear: 830 } },
  };
  const rows: { why: string; params: ThresholdParams; samples: [number, number][]; want: Level[] }[] = [
    { why: 'falling: just above the blue enter value is quiet', params: PHREATIC, samples: [[0, 6.51]], want: [N] },
    { why: 'falling: exactly at the enter value enters (value ≤ enter)', params: PHREATIC, samples: [[0, 6.5], [1, 6.0], [2, 5.5], [3, 5.0]], want: [B, Y, O, R] },
    { why: 'falling: exactly at the clear value holds (clears only above it)', params: PHREATIC, samples: [[0, 5.5], [1, 5.6]], want: [O, O] },
    { why: 'falling: just above the clear value clears orange, lands on yellow', params: PHREATIC, samples: [[0, 5.5], [1, 5.61]], want: [O, Y] },
    { why: 'band: 20.9 %vol is normal air', params: O2, samples: [[0, 20.9]], want: [N] },
    { why: 'band: over-oxygen 23.5 enters yellow on the high side', params: O2, samples: [[0, 23.5], [1, 23.4], [2, 23.29]], want: [Y, Y, N] },
    { why: 'band: under-oxygen ladder 20.0 / 19.5 / 18.0 / 16.0', params: O2, samples: [[0, 20.0], [1, 19.5], [2, 18.0], [3, 16.0]], want: [B, Y, O, R] },
    { why: 'band: recovering from 19.5 to 19.6 stays yellow (low-side deadband), 19.8 drops to blue', params: O2, samples: [[0, 19.5], [1, 19.6], [2, 19.8], [3, 20.3]], want: [Y, Y, B, N] },
    { why: 'band with lowActiveFrom: ΔP −25 % of a 1000 Pa baseline is the AQ 4273 alarm (yellow)', params: DP, samples: [[0, 750]], want: [Y] },
    { why: 'band with lowActiveFrom: ΔP ≈ 0 is an idle collector, not a bag leak: no low-side level (domain.md §2.3)', params: DP, samples: [[0, 750], [1, 40]], want: [Y, N] },
    { why: 'band with lowActiveFrom: the high side still judges (clogging +25 % → yellow)', params: DP, samples: [[0, 1250]], want: [Y] },
  ];
  it.each(rows)('$why', ({ params, samples, want }) => {
    expect(run(params, samples).levels).toEqual(want);
  });
});

describe('threshold: samples it ignores', () => {
  it('a NaN value (metric absent from the reading) changes nothing, not even the on-delay', () => {
    const params: ThresholdParams = { direction: 'rising', levels: { yellow: { enter: 25, enterS: 30 } } };
    // 0: 26 starts the timer; 10: NaN ignored (no reset); 30: 26 → held 30 s.
    expect(run(params, [[0, 26], [10, NaN], [30, 26]]).levels).toEqual([N, N, Y]);
    // The level in force is returned for the ignored sample.
    expect(run(GAS, [[0, 30], [1, NaN]]).levels).toEqual([Y, Y]);
  });
  it('a sample older than the last one is ignored (a late low value does not clear)', () => {
    expect(run(GAS, [[10, 30], [5, 0], [11, 30]]).levels).toEqual([Y, Y, Y]);
    const { st } = run(GAS, [[10, 30], [5, 0]]);
    expect(st.value).toBe(30);
  });
  it('a sample with the same ts as the last one is applied', () => {
    expect(run(GAS, [[10, 30], [10, 0]]).levels).toEqual([Y, N]);
  });
});

describe('threshold: describe()', () => {
  it('states value, threshold and the native grade of the level in force', () => {
    const { st } = run(GAS, [[0, 26]]);
    expect(threshold.describe(st)).toEqual({ value: 26, threshold: 25, nativeAlarm: '一级报警', text: '26.0 ≥ 25 (黄色阈值)' });
  });
  it('says when hysteresis, not the enter value, holds the level', () => {
    const { st } = run(GAS, [[0, 55], [1, 23]]);
    const d = threshold.describe(st);
    expect(d.threshold).toBe(25);
    expect(d.text).toBe('23.0，未越过清除值 22 (黄色阈值 25 保持)');
  });
  it('uses ≤ for a falling ladder and the low side of a band', () => {
    const { st } = run({ direction: 'band', levels: { yellow: { enter: 23.5 } }, low: { yellow: { enter: 19.5, native: '欠氧报警' } } }, [[0, 19.4]], 'gas_o2');
    expect(threshold.describe(st)).toEqual({ value: 19.4, threshold: 19.5, nativeAlarm: '欠氧报警', text: '19.4 ≤ 19.5 (黄色阈值)' });
  });
  it('at level none reports the value and no threshold; before any sample, no value', () => {
    expect(threshold.describe(run(GAS, [[0, 3]]).st)).toEqual({ value: 3, threshold: null, nativeAlarm: null, text: '3.00 (正常)' });
    expect(threshold.describe(run(GAS, []).st).value).toBeNull();
  });
});

describe('threshold: params validation', () => {
  const bad: { why: string; params: unknown; message: RegExp }[] = [
    { why: 'rising clear above enter would never clear inside the alarm', params: { direction: 'rising', levels: { yellow: { enter: 25, clear: 26 } } }, message: /clear 26 must be ≤ enter 25/ },
    { why: 'falling clear below enter', params: { direction: 'falling', levels: { red: { enter: 5, clear: 4.9 } } }, message: /clear 4.9 must be ≥ enter 5/ },
    { why: 'rising enter values must rise with severity', params: { direction: 'rising', levels: { yellow: { enter: 50 }, orange: { enter: 25 } } }, message: /orange 25 < yellow 50/ },
    { why: 'falling enter values must fall with severity', params: { direction: 'falling', levels: { blue: { enter: 5 }, red: { enter: 6 } } }, message: /red 6 > blue 5/ },
    { why: 'no colour at all', params: { direction: 'rising', levels: {} }, message: /at least one of blue, yellow, orange, red/ },
    { why: 'a band needs its low side', params: { direction: 'band', levels: { yellow: { enter: 23.5 } } }, message: /needs `low`/ },
    { why: '`low` on a rising threshold is a mistake', params: { direction: 'rising', levels: { yellow: { enter: 1 } }, low: { yellow: { enter: 0 } } }, message: /for direction "band" only/ },
    { why: 'unknown keys are refused (strict)', params: { direction: 'rising', levels: { yellow: { enter: 1, delay: 5 } } }, message: /delay/ },
    { why: 'an unknown colour is refused', params: { direction: 'rising', levels: { amber: { enter: 1 } } }, message: /amber/ },
    { why: 'a negative on-delay', params: { direction: 'rising', levels: { yellow: { enter: 1, enterS: -1 } } }, message: /enterS/ },
    { why: 'a non-finite enter value', params: { direction: 'rising', levels: { yellow: { enter: Infinity } } }, message: /enter/ },
  ];
  it.each(bad)('refuses: $why', ({ params, message }) => {
    const r = thresholdParams.safeParse(params);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toMatch(message);
  });
  it('accepts equal enter values at two colours (alarm = cut-power)', () => {
    expect(thresholdParams.safeParse({ direction: 'rising', levels: { yellow: { enter: 1 }, orange: { enter: 1 } } }).success).toBe(true);
  });
});

describe('threshold: state', () => {
  it('is plain data apart from the shared compiled config, so checkpoints copy it', () => {
    const a = run(GAS, [[0, 26]]).st;
    const b = run(GAS, []).st;
    expect(a.cfg).toBe(b.cfg); // equal params share one compiled config
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    const { cfg: _cfg, ...data } = a;
    expect(JSON.parse(JSON.stringify(data))).toEqual({ lv: 3, a0: -1, a1: -1, a2: -1, a3: -1, lo: null, value: 26, lastTs: T0 });
  });
  it('survives an engine checkpoint (rules/engine/snapshot.ts), band side and running timers included', () => {
    const params: ThresholdParams = { direction: 'band', levels: { yellow: { enter: 23.5, enterS: 30 } }, low: { yellow: { enter: 19.5, clear: 19.7, exitS: 60 } } };
    const a = run(params, [[0, 19], [10, 20], [20, 24]], 'gas_o2').st;
    const b = run(params, [], 'gas_o2').st;
    restoreInto(b as unknown as Record<string, unknown>, snapshotOf(a));
    expect(b.lo).not.toBe(a.lo);
    const s: Sample = { ts: 0, value: 0, quality: 'ok', receivedAt: 0 };
    for (const [t, v] of [[30, 24], [50, 24], [60, 20], [75, 19.8]] as const) {
      s.ts = T0 + t * 1000;
      s.value = v;
      expect(threshold.evaluate(b, s)).toBe(threshold.evaluate(a, s));
    }
    expect(b).toEqual(a);
  });
});
