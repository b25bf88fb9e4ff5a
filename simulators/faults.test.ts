import { describe, it, expect } from 'vitest';
import { withFaults, type InstrumentOutput } from './faults.ts';
import { Rng } from './rng.ts';
import type { FaultEvent, FaultSpec } from './events.ts';
import type { SensorModel } from './model.ts';
import { MINUTE_MS } from './time.ts';

const T0 = 1_800_000_000_000;
/** A gas detector whose true reading climbs 1 %LEL per minute. */
const ramp: SensorModel = { sample: (t) => ({ values: { lel: Math.round((t - T0) / MINUTE_MS) }, quality: 'ok' }) };
const fault = (spec: FaultSpec, until?: number): FaultEvent => ({ kind: 'fault', sensor: 'e/g', at: T0 + 2 * MINUTE_MS, ...(until ? { until } : {}), ...spec }) as FaultEvent;
const series = (spec: FaultSpec, until?: number): InstrumentOutput[] => {
  const inst = withFaults(ramp, 'gas_combustible', [fault(spec, until)], new Rng(1));
  return Array.from({ length: 10 }, (_, i) => inst.sample(T0 + i * MINUTE_MS));
};
const lel = (o: InstrumentOutput | undefined) => o?.sample?.values.lel;

describe('instrument faults (domain.md §2.1 Faults)', () => {
  it.each<[string, FaultSpec, (s: InstrumentOutput[]) => void]>([
    ['stuck: the value freezes at fault start and still claims ok (the tampering signature)', { fault: 'stuck' }, (s) => {
      expect(s.slice(2).map(lel)).toEqual(Array(8).fill(2));
      expect(s[9]?.sample?.quality).toBe('ok');
    }],
    ['drift: the reading walks off by the rate per hour', { fault: 'drift', perHour: -60 }, (s) => expect(lel(s[7])).toBe(7 - 5)],
    ['span: poisoning scales the response down', { fault: 'span', factor: 0.5 }, (s) => expect(lel(s[8])).toBe(4)],
    ['dropout: no reading at all', { fault: 'dropout' }, (s) => {
      expect(s[1]?.sample).not.toBeNull();
      expect(s[3]?.sample).toBeNull();
    }],
    ['calibration: 50 %LEL test gas with quality calibrating', { fault: 'calibration' }, (s) => {
      expect(lel(s[3])).toBe(50);
      expect(s[3]?.sample?.quality).toBe('calibrating');
    }],
    ['comm_lost: the gateway marks the sensor, values kept', { fault: 'comm_lost' }, (s) => expect(s[4]?.sample?.quality).toBe('comm_lost')],
    ['clock_drift: timestamps run ahead by the rate per minute', { fault: 'clock_drift', msPerMin: 2000 }, (s) => {
      expect(s[1]?.tsOffsetMs).toBe(0);
      expect(s[7]?.tsOffsetMs).toBe(10_000);
    }],
    ['spikes: single-sample outliers of the given size', { fault: 'spikes', probability: 1, magnitude: 40 }, (s) => {
      for (let i = 2; i < 10; i++) expect(Math.abs((lel(s[i]) as number) - i)).toBe(40);
    }],
  ])('%s', (_why, spec, check) => check(series(spec)));

  it('ends a fault at `until`: the instrument reads true again', () => {
    const s = series({ fault: 'stuck' }, T0 + 5 * MINUTE_MS);
    expect(lel(s[4])).toBe(2);
    expect(lel(s[6])).toBe(6);
  });

  it('never changes the physics underneath: the model is sampled even when the reading is dropped', () => {
    let calls = 0;
    const counting: SensorModel = { sample: (t) => (calls++, ramp.sample(t)) };
    const inst = withFaults(counting, 'gas_combustible', [fault({ fault: 'dropout' })], new Rng(1));
    for (let i = 0; i < 5; i++) inst.sample(T0 + i * MINUTE_MS);
    expect(calls).toBe(5);
  });
});
