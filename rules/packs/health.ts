// The device-track rule every sensor gets (domain.md §2 "readings with quality ≠ ok never raise process alarms.
// They raise device alarms (设备故障/离线) on a separate track"): silence, a stuck value, clock skew and the
// quality states, with timings derived from the type's nominal reporting interval (core/sensor-types.ts).
import { SENSOR_TYPES, type SensorTypeId } from '../../core/sensor-types.ts';
import type { HealthParams } from '../kinds/health.ts';
import type { PackRule } from './types.ts';

/** Silent after this many missed intervals: 2 for the 15-min meters (domain.md §2.4.1 "meter silent: no data
 * for > 2 intervals"), 3 elsewhere with a 60 s floor (10 s mine sensors tolerate a 40 s hot-standby switch-over,
 * AQ 1029 via domain.md §2.2) [PROPOSAL]. */
export function silentAfterS(type: SensorTypeId): number {
  const interval = SENSOR_TYPES[type].intervalS;
  return type === 'power_meter' ? 2 * interval : Math.max(60, 3 * interval);
}

/**
 * Flat-line ("stuck") detection only where a healthy signal always moves (domain.md §2 noise figures); a gas
 * detector at 0 %LEL or a boolean is legitimately flat for days. How long a flat line must last [PROPOSAL]:
 * - mine_ch4: σ 0.02–0.05 %; "a flat line at a safe value for hours while production runs" is a tampering
 *   pattern (§2.2) → 2 h;
 * - dust_dp: saw-tooth of 100–300 Pa every 1–10 min, σ 20 Pa (§2.3) → 1 h;
 * - power_meter: ±5–10 % multiplicative noise (§2.4.1) → 6 h;
 * - tailings_gnss: σ 2–3 mm horizontal (§2.5) → 24 h; tailings_phreatic: σ 0.02–0.05 m (§2.5) → 3 d.
 */
export const STUCK_MIN_S: Readonly<Partial<Record<SensorTypeId, number>>> = {
  mine_ch4: 2 * 3600,
  dust_dp: 3600,
  power_meter: 6 * 3600,
  tailings_gnss: 86_400,
  tailings_phreatic: 3 * 86_400,
};

/**
 * Clock skew worth a device alarm, ms (contract.md "Time": "a device whose clock drifts beyond a configured skew
 * gets a device alert"). Ingest refuses readings more than 5 min in the future (RW_ERR_TS_FUTURE, app config
 * `ingest.maxFutureMs`); with the health kind's default (also 5 min) a clock running ahead went straight from
 * "fine" to "rejected, then silent" and clock_skew was never seen. 2 min [PROPOSAL]: a device drifting a few
 * seconds per minute is flagged well before its readings start being refused, and delivery lag (network,
 * gateway batching) stays far below it.
 */
export const SKEW_MS = 120_000;

export function healthParams(type: SensorTypeId): HealthParams {
  const stuck = STUCK_MIN_S[type];
  if (stuck === undefined) {
    // Flat is normal here (clean air, no rain, no sparks, a steady process): the state is still recorded,
    // but raises no device alarm.
    return { silentAfterS: silentAfterS(type), skewMs: SKEW_MS, levels: { stuck: 'none' } };
  }
  // At least 6 identical samples, however long the interval.
  return { silentAfterS: silentAfterS(type), skewMs: SKEW_MS, stuckMinS: stuck, stuckSamples: Math.max(6, Math.ceil(stuck / SENSOR_TYPES[type].intervalS)) };
}

/** One health rule per type (the pack table appends it to every type's pack). */
export function healthRule(type: SensorTypeId): PackRule {
  return {
    id: 'health',
    kind: 'health',
    params: () => ({ params: healthParams(type), design: false }),
    source: `domain.md §2 conventions (device track), ${SENSOR_TYPES[type].source}: nominal interval ${SENSOR_TYPES[type].intervalS} s`,
    clause: null,
    confidence: 'PROPOSAL',
    // Out of season a dust collector stands idle with its sensors often powered down (domain.md §2.3).
    seasonal: SENSOR_TYPES[type].family === 'dust',
  };
}
