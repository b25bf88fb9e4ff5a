// Dust-explosion collector packs, domain.md §2.3 (AQ 4273-2016 §5.1.4 [STD-verified S12]: ΔP alarm at a
// change > 20 % of the allowed value; > 70 °C isolation valve closes and the temperature alarm sounds).
// Colours [PROPOSAL] from the §2.3 table. Every rule is seasonal: at a site with a season (sugar 榨季) the
// collectors stand idle out of season and raise nothing (domain.md §2.3 "model the on/off seasons").
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { num, r, step, str } from './build.ts';
import { collectorOffWhileProducing, sparkWithHotHopper } from './composites.ts';
import type { PackRule, RateSpec, StatisticSpec, StepsSpec, ThresholdSpec } from './types.ts';

const AQ4273 = 'AQ 4273-2016 §5.1.4';

/** The other sensors of the same collector (params.collector, docs/registry.md) of a type. */
export function sameCollector(s: SensorInfo, site: SiteDef, type: string): string[] {
  const c = str(s.params, 'collector');
  if (!c) return [];
  return site.sensors.filter((o) => o.id !== s.id && o.type === type && str(o.params, 'collector') === c).map((o) => o.id);
}

// ---- hopper / inlet temperature ----
// Red (domain.md §2.3) is either "≥ 70 °C and rising ≥ 2 °C/min" (`rise_hot`: a rate rule gated on the value) or
// "spark detected + ≥ 60 °C" (`spark_hot`, a composite with the collector's spark detectors).

/** AQ 4273-2016 §5.1.4: > 70 °C closes the isolation valve and sounds the alarm. */
const HOPPER_ALARM_C = 70;
/** Deadband [PROPOSAL] 2 °C; blue and yellow need two 60 s samples ("2 consecutive samples for slow
 * quantities", domain.md §2 conventions); the standard's alarm acts at once. */
const HOPPER_DEADBAND = 2;
/** domain.md §2.3 red "rising ≥ 2 °C/min" (smouldering: +0.5 to 3 °C/min); clears at 1.5 °C/min [PROPOSAL]. */
const HOPPER_RISE_C_PER_MIN = 2;
const HOPPER_RISE_CLEAR = 1.5;

export const dustHopperTemp: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: () => {
      const levels: StepsSpec = {
        blue: step(50, HOPPER_DEADBAND, 'rising', { enterS: 60 }),
        yellow: step(60, HOPPER_DEADBAND, 'rising', { enterS: 60 }),
        orange: step(HOPPER_ALARM_C, HOPPER_DEADBAND, 'rising', { native: '温度报警(隔离阀关闭)' }),
      };
      const params: ThresholdSpec = { direction: 'rising', levels };
      return { params, design: false };
    },
    source: `${AQ4273} (> 70 °C: isolation valve closes, temperature alarm); blue 50 °C, yellow 60 °C: domain.md §2.3 [PROPOSAL]`,
    clause: AQ4273,
    confidence: 'STD-verified',
    seasonal: true,
  },
  {
    id: 'rise_hot',
    kind: 'rate',
    params: () => {
      // The least-squares rate over 5 min of 60 s readings (≥ 3 of them, spanning ≥ 2 min), counted only while the
      // reading is at or above the AQ 4273 alarm value.
      const params: RateSpec = {
        windowS: 300,
        perS: 60,
        minSamples: 3,
        minSpanS: 120,
        filter: 'none',
        direction: 'rising',
        gate: { op: 'ge', than: HOPPER_ALARM_C },
        levels: { red: { enter: HOPPER_RISE_C_PER_MIN, clear: HOPPER_RISE_CLEAR } },
      };
      return { params, design: false };
    },
    source: `domain.md §2.3 hopper temperature red: ≥ 70 °C (${AQ4273} alarm value) and rising ≥ 2 °C/min [PROPOSAL]`,
    clause: AQ4273,
    confidence: 'PROPOSAL',
    seasonal: true,
  },
  {
    id: 'spark_hot',
    kind: 'composite',
    params: (s, site) => {
      const sparks = sameCollector(s, site, 'dust_spark');
      if (sparks.length === 0) return null;
      return { params: sparkWithHotHopper(sparks), design: false };
    },
    source: 'domain.md §2.3 hopper temperature red: spark detected + ≥ 60 °C',
    clause: null,
    confidence: 'PROPOSAL',
    target: 'self',
    seasonal: true,
  },
];

// ---- bag-filter differential pressure vs the commissioned baseline ----

export const dustDp: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      // The baseline is recorded within 8 h of installation or bag change (AQ 4273-2016 §5.1.4); without it
      // the ±% band has no reference and the rule does not apply.
      const b = num(s.params, 'baselinePa');
      if (b === undefined) return null;
      // Saw-tooth of 100–300 Pa at each cleaning pulse every 1–10 min (domain.md §2.3): a level needs 10 min
      // beyond its value (one full cleaning cycle) [PROPOSAL]; deadband 3 % of the baseline.
      const db = b * 0.03;
      const hold = { enterS: 600 };
      const high: StepsSpec = {
        blue: step(r(b * 1.1), db, 'rising', hold),
        yellow: step(r(b * 1.2), db, 'rising', { ...hold, native: '压差报警' }),
        orange: step(r(b * 1.35), db, 'rising', hold),
      };
      const low: StepsSpec = {
        blue: step(r(b * 0.9), db, 'falling', hold),
        yellow: step(r(b * 0.8), db, 'falling', { ...hold, native: '压差报警' }),
        orange: step(r(b * 0.65), db, 'falling', hold),
      };
      // Below 10 % of the baseline the collector is not running: no low-side level (an idle collector is no bag
      // leak; "collector off while the line draws power" is the collector_off rule, domain.md §2.3).
      const params: ThresholdSpec = { direction: 'band', levels: high, low, lowActiveFrom: r(b * 0.1) };
      return { params, design: true };
    },
    source: `${AQ4273} (alarm when ΔP changes by > 20 % of the commissioned value; sensor baselinePa); blue ±10 %, orange ±35 %: domain.md §2.3 [PROPOSAL]`,
    clause: AQ4273,
    confidence: 'STD-verified',
    seasonal: true,
  },
  {
    id: 'sudden_drop',
    kind: 'rate',
    params: (s) => {
      const b = num(s.params, 'baselinePa');
      if (b === undefined) return null;
      // domain.md §2.3 orange: "sudden drop > 40 %" (bag rupture: a step drop of 30–60 %). The rate kind's
      // least-squares slope of a step D inside its window peaks at 1.5 D per window (step mid-window), so a
      // drop of 40 % of the baseline shows as ≤ −0.6 × baseline per window. A 10-min window spans whole
      // cleaning cycles (saw-tooth drops of 100–300 Pa every 1–10 min) [PROPOSAL].
      const params: RateSpec = {
        windowS: 600,
        perS: 600,
        minSamples: 5,
        minSpanS: 300,
        filter: 'none',
        direction: 'falling',
        levels: { orange: { enter: r(-b * 0.6), clear: r(-b * 0.3) } },
      };
      return { params, design: true };
    },
    source: 'domain.md §2.3 ΔP orange: sudden drop > 40 % of the baseline (bag rupture)',
    clause: null,
    confidence: 'PROPOSAL',
    seasonal: true,
  },
  {
    id: 'collector_off',
    kind: 'composite',
    params: (s, site) => {
      const meter = s.relations.find((x) => x.kind === 'meter');
      if (!meter || num(s.params, 'baselinePa') === undefined) return null;
      const m = site.sensors.find((o) => o.id === meter.sensor);
      if (!m || num(m.params, 'ratedKw') === undefined) return null;
      return { params: collectorOffWhileProducing(), design: true };
    },
    source: 'domain.md §2.3 ΔP red: ΔP ≈ 0 while the production line draws power (collector off during production); §2.4.3',
    clause: null,
    confidence: 'PROPOSAL',
    target: 'self',
    seasonal: true,
  },
];

// ---- lock-air discharge valve ----

export const dustValve: PackRule[] = [
  {
    id: 'fault',
    kind: 'threshold',
    metric: 'fault',
    params: () => {
      // domain.md §2.3: yellow "fault < 10 min", orange "fault ≥ 10 min while running". The fault signal is
      // taken as is: a valve that faults and stops still does not discharge (the "while running" qualifier
      // is not tested; out of season the rule is silenced anyway).
      const params: ThresholdSpec = {
        direction: 'rising',
        levels: { yellow: { enter: 0.5, clear: 0.5, native: '卸灰阀故障' }, orange: { enter: 0.5, clear: 0.5, enterS: 600, native: '卸灰阀故障' } },
      };
      return { params, design: false };
    },
    source: 'domain.md §2.3 lock-air valve: fault < 10 min yellow, ≥ 10 min orange',
    clause: null,
    confidence: 'PROPOSAL',
    seasonal: true,
  },
];

// ---- spark detector (sparks counted per reporting period) ----

/** "1 spark/h", "≥ 3/h" (domain.md §2.3): the hour the counts are judged over. */
const SPARK_MEMORY_S = 3600;

export const dustSpark: PackRule[] = [
  {
    id: 'count',
    kind: 'threshold',
    params: () => {
      // domain.md §2.3 blue "1 spark/h". Exact with an off-delay: any spark enters it, and it clears only after a
      // whole spark-free hour (SPARK_MEMORY_S), i.e. blue ⇔ ≥ 1 spark in the last hour, whatever the reporting
      // period (60 s nominal, 10 s in the simulator's live phase).
      const params: ThresholdSpec = { direction: 'rising', levels: { blue: { enter: 1, clear: 1, exitS: SPARK_MEMORY_S } } };
      return { params, design: false };
    },
    source: 'domain.md §2.3 spark detector: 1/h blue (a spark within the last hour)',
    clause: null,
    confidence: 'PROPOSAL',
    seasonal: true,
  },
  {
    id: 'hourly',
    kind: 'statistic',
    params: () => {
      // domain.md §2.3 yellow "≥ 3/h": the sparks of the last hour's periods added up (the window is the hour up
      // to the latest period; clear when fewer than 3 remain in it).
      const params: StatisticSpec = { mode: 'sum', windowS: SPARK_MEMORY_S, direction: 'rising', levels: { yellow: { enter: 3, clear: 3 } } };
      return { params, design: false };
    },
    source: 'domain.md §2.3 spark detector: ≥ 3/h yellow (the sparks of the last hour)',
    clause: null,
    confidence: 'PROPOSAL',
    seasonal: true,
  },
  {
    id: 'sustained',
    kind: 'threshold',
    params: () => {
      // domain.md §2.3 orange "≥ 1/min": sparks in three consecutive 60 s periods.
      const params: ThresholdSpec = { direction: 'rising', levels: { orange: { enter: 1, clear: 1, enterS: 120 } } };
      return { params, design: false };
    },
    source: 'domain.md §2.3 spark detector: ≥ 1/min orange (sparks in 3 consecutive periods)',
    clause: null,
    confidence: 'PROPOSAL',
    seasonal: true,
  },
];
