// The dust pack through the real engine (rules/engine/compile.ts, engine.ts and the kinds), domain.md §2.3.
// Hopper temperature: blue ≥ 50 °C, yellow ≥ 60 °C (both held two 60 s samples), orange ≥ 70 °C (AQ 4273-2016
// §5.1.4: the isolation valve closes and the alarm sounds), red "≥ 70 °C and rising ≥ 2 °C/min". The hopper has no
// spark detector on its collector here, so red can only come from the rise (`rise_hot`), not from "spark + ≥ 60 °C".
// Spark detector: blue 1 spark/h, yellow ≥ 3/h, orange ≥ 1/min.
import { describe, expect, it } from 'vitest';
import { levelName } from '../../core/level.ts';
import type { JournalEntry } from '../../core/reading.ts';
import { EnterpriseSchema } from '../../core/registry.ts';
import { compilePlan } from '../engine/compile.ts';
import { RuleEngine } from '../engine/engine.ts';
import type { LevelSignal } from '../engine/signal.ts';
import { RULE_KINDS } from '../kinds/registry.ts';
import { createResolver } from './resolve.ts';

const T0 = Date.parse('2026-11-23T02:00:00Z');
const MIN = 60_000;

const enterprise = EnterpriseSchema.parse({
  id: 'e1', name: 'e1', county: '530402', sector: 'dust',
  sites: [{
    id: 's1', name: 's1', kind: 'dust_workshop', location: { lat: 24, lon: 102 },
    sensors: [
      { id: 'h1', type: 'dust_hopper_temp', name: 'h1', commissioned: '2024-01-01', params: { collector: 'dc1' } },
      { id: 'k2', type: 'dust_spark', name: 'k2', commissioned: '2024-01-01', params: { collector: 'dc2' } },
    ],
  }],
});

/** A sensor's process-alert levels as "minute:level" and the rule deciding each, for one reading a minute of
 * `value(minute)` from minute 0 to `minutes` (the hopper's temperature by default, or the spark detector's count). */
function drive(value: (minute: number) => number, minutes: number, sensor: 'h1' | 'k2' = 'h1'): { levels: string[]; rules: string[] } {
  const plan = compilePlan({
    enterprises: [enterprise], resolver: createResolver(null), kinds: RULE_KINDS,
    env: { calendar: { dayKind: () => null }, enterprise: () => undefined, baseline: () => ({ at: () => Number.NaN, p95: Number.NaN, production: Number.NaN }) },
  });
  let now = T0;
  const levels: string[] = [];
  const rules: string[] = [];
  const engine = new RuleEngine(plan, {
    now: () => now,
    onSignal: (s: LevelSignal) => {
      if (s.kind !== 'process' || s.sensorId !== sensor) return;
      levels.push(`${(s.ts - T0) / MIN}:${levelName(s.level) ?? 'none'}`);
      rules.push(s.rule);
    },
  });
  for (let m = 0; m <= minutes; m++) {
    now = T0 + m * MIN;
    const values: Record<string, number> = sensor === 'h1' ? { temp: value(m) } : { sparks: value(m) };
    const e: JournalEntry = { enterpriseId: 'e1', siteId: 's1', sensorId: sensor, ts: now, values, quality: 'ok', seq: null, boot: null, pos: m + 1, receivedAt: now, deviceId: null, source: 'mqtt' };
    engine.evaluate([e]);
    engine.tick(now);
  }
  return { levels, rules };
}

describe('dust hopper temperature (domain.md §2.3)', () => {
  it('a smoulder at 3 °C/min from 40 °C: blue, yellow, then red at the reading that reaches 70 °C still rising ≥ 2 °C/min', () => {
    // why: 52 °C at minute 4 starts blue's 60 s hold (blue at 5); 61 °C at 7 starts yellow's (yellow at 8); 70 °C at
    // minute 10 is the AQ 4273 alarm value and the 5-min rate is 3 °C/min ≥ 2: red at once, not orange first.
    const { levels, rules } = drive((m) => 40 + 3 * m, 12);
    expect(levels).toEqual(['5:blue', '8:yellow', '10:red']);
    expect(rules[2]).toBe('dust_hopper_temp.rise_hot');
  });

  it('a slow rise at 1 °C/min past 70 °C is the orange alarm, never red', () => {
    // why: at 60 °C from minute 0, yellow after its 60 s hold; 70 °C at minute 10 is orange (AQ 4273); 1 °C/min < 2.
    const { levels } = drive((m) => 60 + m, 20);
    expect(levels).toEqual(['1:yellow', '10:orange']);
  });

  it('the rise stops at 76 °C: red goes back to orange within the 5-min window, the alarm value still holds', () => {
    // why: red needs "rising ≥ 2 °C/min"; once the temperature is flat the window's rate falls under the clear
    // value (1.5) within 5 minutes, and ≥ 70 °C alone is orange.
    const { levels } = drive((m) => Math.min(40 + 3 * m, 76), 25);
    expect(levels.map((l) => l.split(':')[1])).toEqual(['blue', 'yellow', 'red', 'orange']);
    const back = Number(levels[3]!.split(':')[0]);
    expect(back).toBeGreaterThan(12);
    expect(back).toBeLessThanOrEqual(12 + 5);
  });

  it('a hopper already hot but steady at 72 °C is orange, not red', () => {
    // why: ≥ 70 °C without the rise is the AQ 4273 alarm (orange); the gate alone never makes red.
    const { levels } = drive(() => 72, 10);
    expect(levels).toEqual(['0:orange']);
  });
});

describe('dust spark detector (domain.md §2.3)', () => {
  const sparksAt = (minutes: readonly number[], n = 1) => (m: number) => (minutes.includes(m) ? n : 0);

  it('one spark every 20 min: blue at the first, yellow when the hour holds 3, blue again when the first leaves it', () => {
    // why: 1 spark/h is blue; the 3rd spark within an hour (minute 40) is yellow; at minute 60 the minute-0 spark is an
    // hour old and 2 remain (blue); an hour after the last spark nothing is left.
    const { levels, rules } = drive(sparksAt([0, 20, 40]), 105, 'k2');
    expect(levels.slice(0, 3)).toEqual(['0:blue', '40:yellow', '60:blue']);
    expect(rules[1]).toBe('dust_spark.hourly');
    expect(levels).toHaveLength(4);
    expect(levels[3]).toMatch(/^10[01]:none$/);
  });

  it('three sparks in one period are ≥ 3/h at once: yellow, held for the hour', () => {
    // why: "≥ 3/h" counts sparks, not periods; the hour after them they have left the window (blue, then none).
    const { levels } = drive(sparksAt([5], 3), 70, 'k2');
    expect(levels.slice(0, 2)).toEqual(['5:yellow', '65:blue']);
    expect(levels[2]).toMatch(/^6[56]:none$/);
  });

  it('a spark in each of three consecutive minutes is ≥ 1/min: orange at the third, yellow when they stop', () => {
    // why: domain.md §2.3 orange "≥ 1/min" (three consecutive 60 s periods); the same third spark makes the hour's 3,
    // so when the sparks stop at minute 13 "≥ 1/min" no longer holds but "≥ 3/h" does.
    const { levels } = drive(sparksAt([10, 11, 12]), 14, 'k2');
    expect(levels).toEqual(['10:blue', '12:orange', '13:yellow']);
  });
});
