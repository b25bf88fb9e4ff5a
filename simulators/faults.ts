// Instrument faults applicable to any sensor (domain.md §2.1 "Faults", §2 "General conventions").
// Wraps a physical model: the physics is always sampled (so a fault never changes what the plant does),
// then the instrument lies about it:
//   stuck        the value frozen at fault start, quality still `ok` (the tampering signature, §2.2);
//   drift        numeric values drift by `perHour` per hour (negative drift < −5 %LEL = sensor fault);
//   span         numeric values × factor (catalytic poisoning: span drops 30–70 %);
//   spikes       single-sample outliers of ±magnitude with the given probability;
//   dropout      no reading at all;
//   calibration  test gas: the sensor's first numeric metric at the calibration value, quality `calibrating`
//                (50 %LEL for combustible detectors; 1–3 min);
//   comm_lost    the gateway reports the sensor with quality `comm_lost`;
//   clock_drift  the device's timestamps run ahead: offset + msPerMin per minute since onset.
// Reboots are a device matter (seq restarts under a new boot) and live in the simulation driver.
import { Rng } from './rng.ts';
import { MINUTE_MS, HOUR_MS } from './time.ts';
import { active, eventsOfKind, type FaultEvent, type SimEvent } from './events.ts';
import type { Sample, SensorModel } from './model.ts';
import { sensorType } from '../core/sensor-types.ts';
import type { MetricValue } from '../core/reading.ts';

export interface InstrumentOutput {
  /** null: the instrument produced no reading (dropout). */
  sample: Sample | null;
  /** Device clock minus true time, ms. */
  tsOffsetMs: number;
}

export interface Instrument {
  sample(tMs: number): InstrumentOutput;
}

/** Test-gas values by sensor type (first numeric metric); types not listed keep their reading. */
export const CALIBRATION_VALUES: Readonly<Record<string, number>> = {
  gas_combustible: 50,
  gas_h2s: 25,
  gas_co: 100,
  gas_nh3: 50,
  gas_cl2: 5,
  gas_o2: 20.9,
  mine_ch4: 2,
  mine_co: 100,
};

function mapNumbers(values: Record<string, MetricValue>, f: (v: number) => number): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const [k, v] of Object.entries(values)) out[k] = typeof v === 'number' ? Number(f(v).toFixed(3)) : v;
  return out;
}

export function withFaults(inner: SensorModel, sensorType_: string, faults: readonly FaultEvent[], rng: Rng): Instrument {
  const def = sensorType(sensorType_);
  const firstNumeric = def ? Object.entries(def.metrics).find(([, m]) => m.kind === 'number')?.[0] : undefined;
  const frozen = new Map<FaultEvent, Record<string, MetricValue>>();
  if (faults.length === 0) return { sample: (t) => ({ sample: inner.sample(t), tsOffsetMs: 0 }) };

  return {
    sample(t) {
      const real = inner.sample(t);
      let values = real.values;
      let quality = real.quality;
      let tsOffsetMs = 0;
      let dropped = false;
      for (const f of faults) {
        if (!active(f, t)) continue;
        switch (f.fault) {
          case 'stuck': {
            const held = frozen.get(f) ?? values;
            frozen.set(f, held);
            values = { ...held };
            quality = 'ok';
            break;
          }
          case 'drift':
            values = mapNumbers(values, (v) => v + (f.perHour * (t - f.at)) / HOUR_MS);
            break;
          case 'span':
            values = mapNumbers(values, (v) => v * f.factor);
            break;
          case 'spikes':
            if (firstNumeric && rng.chance(f.probability)) {
              const v = values[firstNumeric];
              const down = rng.chance(0.5);
              if (typeof v === 'number') {
                const sign = down && v >= f.magnitude ? -1 : 1;
                values = { ...values, [firstNumeric]: Number((v + sign * f.magnitude).toFixed(3)) };
              }
            }
            break;
          case 'calibration': {
            const value = f.value ?? CALIBRATION_VALUES[sensorType_];
            if (firstNumeric && value !== undefined) values = { ...values, [firstNumeric]: value };
            quality = 'calibrating';
            break;
          }
          case 'comm_lost':
            quality = 'comm_lost';
            break;
          case 'clock_drift':
            tsOffsetMs += (f.offsetMs ?? 0) + Math.round((f.msPerMin * (t - f.at)) / MINUTE_MS);
            break;
          case 'dropout':
            dropped = true;
            break;
        }
      }
      return { sample: dropped ? null : { values, quality }, tsOffsetMs };
    },
  };
}

export function faultsFor(events: readonly SimEvent[], key: string): FaultEvent[] {
  return eventsOfKind(events, 'fault').filter((f) => f.sensor === key);
}
