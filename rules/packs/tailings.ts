// Tailings-pond packs, domain.md §2.5. The design institute sets each monitored item's warning values (S1 §5.5.4,
// GB 39496-2020); until they are entered (config/rules.yaml overrides with thresholdSource: design) the platform
// defaults of the §2.5 table apply [PROPOSAL] and the UI says so (DEFAULT_VALUES_NOTE). Red values rest on the
// design minimums (GB 51108 §8.3 commentary [STD-verified S2]: red = GB 50863 minimum burial depth / minimum
// dry beach / minimum freeboard; orange phreatic = 1.1 × red). Every level needs two consecutive samples
// ("2 consecutive samples for slow quantities", domain.md §2 conventions).
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { num, ordered, r, step } from './build.ts';
import type { TimeToFailureParams } from '../kinds/time-to-failure.ts';
import { rainWithHighPond } from './composites.ts';
import type { PackRule, RateSpec, StatisticSpec, StepsSpec, ThresholdSpec } from './types.ts';

const GB51108 = 'GB 51108-2015 §8.3 (commentary)';

/** Two consecutive samples of the type (enterS = one reporting interval). */
function twoSamples(type: string): number {
  return sensorType(type)?.intervalS ?? 600;
}

// ---- design minimums when the sensor does not carry them (GB 50863, domain.md §2.5 [STD-published]) ----

/** Minimum phreatic burial depth by stacked-dam height (upper end of each range: the safe side) [low-medium]. */
export function minBurialDepthForDam(heightM: number): number {
  if (heightM >= 150) return 10;
  if (heightM >= 100) return 8;
  if (heightM >= 60) return 6;
  if (heightM >= 30) return 4;
  return 3;
}

/** Minimum dry-beach length (upstream dam) and freeboard by dam grade 1–5 (GB 50863 §4.2). */
export const GB50863_MIN: Readonly<Record<number, { beachM: number; freeboardM: number }>> = {
  1: { beachM: 150, freeboardM: 1.5 },
  2: { beachM: 100, freeboardM: 1.0 },
  3: { beachM: 70, freeboardM: 0.7 },
  4: { beachM: 50, freeboardM: 0.5 },
  5: { beachM: 40, freeboardM: 0.4 },
};

function controlDepth(s: SensorInfo, site: SiteDef): number | undefined {
  const d = num(s.params, 'controlDepth');
  if (d !== undefined) return d;
  const h = num(site.params, 'damHeight');
  return h === undefined ? undefined : minBurialDepthForDam(h);
}

function minBeach(s: SensorInfo, site: SiteDef): number | undefined {
  const l = num(s.params, 'minLength');
  if (l !== undefined) return l;
  const g = site.tailings?.grade;
  return g === undefined ? undefined : GB50863_MIN[g]?.beachM;
}

/** A falling ladder at multiples of a red value: blue k[0] × red, yellow k[1] ×, orange k[2] ×, red 1 ×. */
function fallingLadder(red: number, k: readonly [number, number, number], deadband: number, enterS: number, native: string): StepsSpec {
  return ordered({
    blue: step(r(red * k[0]), deadband, 'falling', { enterS }),
    yellow: step(r(red * k[1]), deadband, 'falling', { enterS }),
    orange: step(r(red * k[2]), deadband, 'falling', { enterS }),
    red: step(red, deadband, 'falling', { enterS, native }),
  }, 'falling');
}

export const tailingsPhreatic: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s, site) => {
      const d = controlDepth(s, site);
      if (d === undefined) return null;
      // d ≤ 1.3 D blue, ≤ 1.2 D yellow, ≤ 1.1 D orange (GB 51108), ≤ D red (S5: burial depth < control depth
      // is a listed major hidden danger). Deadband 5 % of D (noise σ 0.02–0.05 m).
      const params: ThresholdSpec = { direction: 'falling', levels: fallingLadder(d, [1.3, 1.2, 1.1], r(d * 0.05), twoSamples(s.type), '浸润线埋深小于控制埋深') };
      return { params, design: false };
    },
    source: `${GB51108}: red = minimum burial depth (sensor controlDepth, else GB 50863 by dam height), orange = 1.1 × red; blue 1.3 D, yellow 1.2 D: domain.md §2.5 defaults [PROPOSAL]`,
    clause: GB51108,
    confidence: 'STD-verified',
    designExpected: true,
  },
];

export const tailingsBeach: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s, site) => {
      const l = minBeach(s, site);
      if (l === undefined) return null;
      // L ≤ 1.5 Lmin blue, ≤ 1.3 yellow, ≤ 1.15 orange, < Lmin red (GB 50863 minimum). Deadband 2 % of Lmin.
      const params: ThresholdSpec = { direction: 'falling', levels: fallingLadder(l, [1.5, 1.3, 1.15], r(l * 0.02), twoSamples(s.type), '干滩长度小于设计最小值') };
      return { params, design: false };
    },
    source: `${GB51108}: red = GB 50863 minimum dry-beach length (sensor minLength, else by dam grade); blue 1.5, yellow 1.3, orange 1.15 × Lmin: domain.md §2.5 defaults [PROPOSAL]`,
    clause: GB51108,
    confidence: 'STD-verified',
    designExpected: true,
  },
];

/** Pond-level deadband [PROPOSAL]: 0.02 m (two video readings must agree within 10 mm, GB 51108 §6.4). */
const LEVEL_DEADBAND = 0.02;

export const tailingsPondLevel: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const op = num(s.params, 'operatingLevel');
      const pre = num(s.params, 'preFloodLevel');
      const max = num(s.params, 'designMaxFloodLevel');
      if (op === undefined || pre === undefined || max === undefined) return null;
      // GB 51108 §8.3: use the design's 生产运行控制水位 / 汛前控制水位 / 设计最高洪水位 directly. Colours
      // (domain.md §2.5): ≥ operating blue, ≥ pre-flood yellow, ≥ midpoint of pre-flood and design max orange,
      // ≥ design max red. The pre-flood level applies all year (it is the stricter reading).
      const enterS = twoSamples(s.type);
      const levels = ordered({
        blue: step(op, LEVEL_DEADBAND, 'rising', { enterS }),
        yellow: step(pre, LEVEL_DEADBAND, 'rising', { enterS }),
        orange: step(r((pre + max) / 2), LEVEL_DEADBAND, 'rising', { enterS }),
        red: step(max, LEVEL_DEADBAND, 'rising', { enterS, native: '超设计最高洪水位' }),
      }, 'rising');
      const params: ThresholdSpec = { direction: 'rising', levels };
      return { params, design: true };
    },
    source: `${GB51108}: water-level warnings = the design levels (sensor operatingLevel, preFloodLevel, designMaxFloodLevel); orange at the midpoint: domain.md §2.5 [PROPOSAL]`,
    clause: GB51108,
    confidence: 'STD-verified',
    designExpected: true,
  },
  {
    id: 'freeboard',
    kind: 'threshold',
    params: (s, site) => {
      const crest = num(site.params, 'crestElevation');
      const min = num(site.params, 'minFreeboard') ?? (site.tailings ? GB50863_MIN[site.tailings.grade]?.freeboardM : undefined);
      if (crest === undefined || min === undefined) return null;
      // Freeboard = crest − level: ≤ 1.5 × min blue, ≤ 1.3 × yellow, ≤ 1.15 × orange, < min red (GB 50863
      // minimum), read as levels: level ≥ crest − k × min.
      const enterS = twoSamples(s.type);
      const at = (k: number) => r(crest - k * min);
      const levels = ordered({
        blue: step(at(1.5), LEVEL_DEADBAND, 'rising', { enterS }),
        yellow: step(at(1.3), LEVEL_DEADBAND, 'rising', { enterS }),
        orange: step(at(1.15), LEVEL_DEADBAND, 'rising', { enterS }),
        red: step(at(1), LEVEL_DEADBAND, 'rising', { enterS, native: '安全超高不足' }),
      }, 'rising');
      const params: ThresholdSpec = { direction: 'rising', levels };
      return { params, design: false };
    },
    source: `${GB51108}: red = GB 50863 minimum freeboard (site crestElevation, minFreeboard, else by dam grade); 1.5 / 1.3 / 1.15 × min: domain.md §2.5 defaults [PROPOSAL]`,
    clause: GB51108,
    confidence: 'STD-verified',
    designExpected: true,
  },
];

/** rain_gauge: domain.md §2.5 rainfall levels are on the 24 h amount while the gauge reports the rain of each
 * 10-min period, so the statistic kind's `sum` mode totals a trailing 24 h window. */
const RAIN_WINDOW_S = 86_400;

export const rainGauge: PackRule[] = [
  {
    id: 'rain24h',
    kind: 'statistic',
    params: () => {
      // ≥ 25 mm blue, ≥ 50 mm yellow (GB 51108 §8.3: yellow = the meteorological 暴雨 amount; CMA 24 h 50–99.9
      // mm), ≥ 100 mm orange (大暴雨), ≥ 250 mm red (特大暴雨). No on-delay: the total is already a 24 h
      // integral. Clear at 90 % of the enter value [PROPOSAL] (the total only falls as rain leaves the window).
      const at = (v: number, native?: string) => ({ enter: v, clear: r(v * 0.9), ...(native ? { native } : {}) });
      const params: StatisticSpec = {
        mode: 'sum',
        windowS: RAIN_WINDOW_S,
        direction: 'rising',
        levels: { blue: at(25), yellow: at(50, '暴雨'), orange: at(100, '大暴雨'), red: at(250, '特大暴雨') },
      };
      return { params, design: false };
    },
    source: `${GB51108}: rainfall yellow = the meteorological 暴雨 amount (24 h ≥ 50 mm, CMA); blue 25, orange 100, red 250 mm (24 h): domain.md §2.5 defaults [PROPOSAL]`,
    clause: GB51108,
    confidence: 'STD-verified',
    designExpected: true,
  },
  {
    id: 'with_pond',
    kind: 'composite',
    params: (_s, site) => {
      // domain.md §2.5 rainfall red: "≥ 100 mm with level orange" — only where the pond has a level gauge.
      if (!site.sensors.some((o) => o.type === 'tailings_pond_level')) return null;
      return { params: rainWithHighPond(), design: false };
    },
    source: 'domain.md §2.5 rainfall red: ≥ 100 mm (24 h) with the pond level orange [PROPOSAL]',
    clause: null,
    confidence: 'PROPOSAL',
    target: 'self',
  },
];

/** domain.md §2.5 simulator: normal creep 0–0.2 mm/d; without the point's own long-term rate, the upper end. */
const DEFAULT_CREEP = 0.2;
/** The 7-day rate of a GNSS point scatters by ±0.3 mm/d on a quiet dam (σ 2–3 mm per epoch with daily and
 * multipath-correlated errors; measured on the simulator's normal scenario), so blue never sits below
 * 0.5 mm/d, whatever 2 × the long-term rate says [PROPOSAL]. */
const BLUE_FLOOR = 0.5;

export const tailingsGnss: PackRule[] = [
  {
    id: 'velocity',
    kind: 'rate',
    metric: 'disp',
    params: (s) => {
      const creep = num(s.params, 'normalCreepMmPerDay');
      // domain.md §2.5 surface displacement rate (7-day mean): > 2 × the long-term rate blue, > 1 mm/d yellow,
      // > 3 mm/d orange, > 10 mm/d red. median3 removes single-epoch multipath jumps of 10–30 mm; a velocity
      // needs 3 days of data (noise σ 2–3 mm) [PROPOSAL]. Clear at 80 % of the enter value.
      const at = (v: number) => ({ enter: r(v), clear: r(v * 0.8) });
      const params: RateSpec = {
        windowS: 7 * 86_400,
        perS: 86_400,
        minSamples: 6,
        minSpanS: 3 * 86_400,
        filter: 'median3',
        direction: 'rising',
        levels: ordered({ blue: at(Math.max(BLUE_FLOOR, 2 * (creep ?? DEFAULT_CREEP))), yellow: at(1), orange: at(3), red: at(10) }, 'rising'),
      };
      return { params, design: creep !== undefined };
    },
    source: `${GB51108} (displacement: a method for the amount and the rate, no universal values); 7-day rate > 2 × normal creep (sensor normalCreepMmPerDay) / 1 / 3 / 10 mm/d: domain.md §2.5 defaults [PROPOSAL]`,
    clause: GB51108,
    confidence: 'PROPOSAL',
    designExpected: true,
  },
  {
    id: 'ttf',
    kind: 'time-to-failure',
    metric: 'disp',
    params: (_s, site) => {
      // domain.md §2.5 red "accelerating for 3 consecutive days"; failure precursor: inverse velocity falls
      // linearly to zero at failure. Warn with the pond's evacuation lead time (site tailings facts; the kind's
      // own default, 120 min, otherwise). The kind's fit and level settings are its defaults.
      const lead = site.tailings?.evacuationLeadMinutes;
      const params: TimeToFailureParams = lead === undefined ? {} : { leadMinutes: lead };
      return { params, design: false };
    },
    source: 'domain.md §2.5: accelerating creep, inverse-velocity time-to-failure; lead = the site\'s evacuationLeadMinutes',
    clause: null,
    confidence: 'PROPOSAL',
    designExpected: true,
  },
];
