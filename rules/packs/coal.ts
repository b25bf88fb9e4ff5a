// Coal-mine atmosphere packs, domain.md §2.2 (煤矿安全规程 / AQ 1029 methane alarm, cut-power and restore
// values per location, S8 [STD-verified]). Four colours [PROPOSAL]: blue = pre-alarm, yellow = the location's
// alarm value (报警), orange = its cut-power value (断电; where alarm = cut-power, orange), red = cut-power and
// the feed still shows power (断电失败/馈电异常) or ≥ 2.0 % (瓦斯积聚) or an outburst signature (突出).
import type { SensorInfo } from '../../core/registry.ts';
import { num, ordered, r, step, str } from './build.ts';
import { cutPowerFeedFailure, outburstSignature } from './composites.ts';
import type { PackRule, StepsSpec, ThresholdSpec } from './types.ts';

export interface MethaneLocation {
  zh: string;
  alarm: number;
  cutPower: number;
  restore: number;
}

/** domain.md §2.2 table (S8; S11 for the trolley roadway). `return` = 采区回风巷 (docs/registry.md: as T2). */
export const METHANE_LOCATIONS: Readonly<Record<string, MethaneLocation>> = {
  T0: { zh: '上隅角', alarm: 1.0, cutPower: 1.5, restore: 1.0 },
  T1: { zh: '采煤工作面', alarm: 1.0, cutPower: 1.5, restore: 1.0 },
  T2: { zh: '工作面回风巷', alarm: 1.0, cutPower: 1.0, restore: 1.0 },
  T3: { zh: '高瓦斯/突出工作面进风巷', alarm: 0.5, cutPower: 0.5, restore: 0.5 },
  shearer: { zh: '采煤机机载', alarm: 1.0, cutPower: 1.5, restore: 1.0 },
  heading: { zh: '掘进工作面', alarm: 1.0, cutPower: 1.5, restore: 1.0 },
  return: { zh: '采区回风巷', alarm: 1.0, cutPower: 1.0, restore: 1.0 },
  drainage: { zh: '专用排瓦斯巷', alarm: 2.5, cutPower: 2.5, restore: 2.5 },
  trolley: { zh: '架线电机车巷道', alarm: 0.5, cutPower: 0.5, restore: 0.5 },
};

/** Sensors with no (or an unknown) `location` get the face values T1, the most common point. */
const DEFAULT_LOCATION = 'T1';
/** domain.md §2.2: "A local gas pocket ≥ 2.0 % counts as 瓦斯积聚" → red [STD-published, medium]. */
const ACCUMULATION = 2.0;
/** domain.md §2.2 blue "≥ 0.8 % (pre-alarm)" at the 1.0 % alarm locations, i.e. 80 % of the alarm value;
 * kept as 80 % of the location's alarm value so a 0.5 % location pre-alarms at 0.4 % [PROPOSAL]. */
const PRE_ALARM_RATIO = 0.8;
/** Deadband below the pre-alarm and alarm values [PROPOSAL]: 0.05 %vol, about the sensor noise σ 0.02–0.05. */
const CH4_DEADBAND = 0.05;

export function methaneSettings(s: SensorInfo): MethaneLocation & { location: string; design: boolean } {
  const loc = str(s.params, 'location');
  const location = loc && METHANE_LOCATIONS[loc] ? loc : DEFAULT_LOCATION;
  const def = METHANE_LOCATIONS[location]!;
  const alarm = num(s.params, 'alarm');
  const cutPower = num(s.params, 'cutPower');
  const restore = num(s.params, 'restore');
  return {
    location,
    zh: def.zh,
    alarm: alarm ?? def.alarm,
    cutPower: cutPower ?? def.cutPower,
    restore: restore ?? def.restore,
    design: alarm !== undefined || cutPower !== undefined || restore !== undefined,
  };
}

export const mineCh4: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const m = methaneSettings(s);
      // Orange clears at the restore value (复电浓度): power may come back only below it (AQ 1029).
      const orangeClear = Math.min(m.restore, m.cutPower);
      const levels: StepsSpec = {
        blue: step(r(m.alarm * PRE_ALARM_RATIO), CH4_DEADBAND, 'rising', { enterS: 30 }),
        yellow: step(m.alarm, CH4_DEADBAND, 'rising', { native: '报警' }),
        orange: { enter: m.cutPower, clear: orangeClear, native: '断电' },
      };
      // ≥ 2.0 % is red only where it lies above the cut-power value (not in a 2.5 % drainage roadway).
      if (ACCUMULATION > m.cutPower) levels.red = { enter: ACCUMULATION, clear: Math.max(orangeClear, ACCUMULATION - CH4_DEADBAND), native: '断电' };
      const params: ThresholdSpec = { direction: 'rising', levels: ordered(levels, 'rising') };
      return { params, design: m.design };
    },
    source: '煤矿安全规程 / AQ 1029 甲烷传感器 报警/断电/复电浓度 per location (domain.md §2.2 table, S8; sensor alarm/cutPower/restore when set); red ≥ 2.0 % (瓦斯积聚, STD-published); colours and blue = 80 % of the alarm value: domain.md §2.2 [PROPOSAL]',
    clause: '煤矿安全规程 (甲烷传感器设置); AQ 1029',
    confidence: 'STD-verified',
  },
  {
    id: 'feed_failure',
    kind: 'composite',
    params: (s) => {
      if (!s.relations.some((x) => x.kind === 'feed')) return null;
      return { params: cutPowerFeedFailure(), design: methaneSettings(s).design };
    },
    source: 'domain.md §2.2 red: cut-power value and the feed status still shows power (断电失败/馈电异常); AQ 1029 revision (S9): 馈电异常 → 断电撤人',
    clause: null,
    confidence: 'PROPOSAL',
    target: 'self',
  },
  {
    // One site-level alert for the mine (every methane sensor contributes): an outburst is an event of the
    // airflow path, not of one point, and the saturated sensors themselves raise device alerts (超量程).
    id: 'outburst',
    kind: 'composite',
    params: () => ({ params: outburstSignature(), design: false }),
    source: 'domain.md §2.2 red: an outburst signature (CH₄ > 4 % within seconds, low-range sensors saturate → overrange; air velocity reverses)',
    clause: null,
    confidence: 'PROPOSAL',
    target: { group: 'outburst' },
  },
];

/** 煤矿安全规程 maximum allowed CO 0.0024 % = 24 ppm (domain.md §2.2, STD-published). */
const MINE_CO_LIMIT = 24;
/** 10 % of the CO IDLH (1700 mg/m³, GB/T 50493 annex, domain.md §2.1) = 148 ppm. */
const MINE_CO_RED = 148;

export const mineCo: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const alarm = num(s.params, 'alarm');
      const a = alarm ?? MINE_CO_LIMIT;
      // Colours by analogy with the toxic-gas mapping of domain.md §2.1 [PROPOSAL]: blue 50 % of the limit,
      // yellow the limit, orange 200 % of it, red 10 % IDLH. Deadband 2 ppm.
      const levels: StepsSpec = {
        blue: step(a / 2, 2, 'rising', { enterS: 30 }),
        yellow: step(a, 2, 'rising', { native: '报警' }),
        orange: step(a * 2, 2, 'rising'),
        red: step(MINE_CO_RED, 2, 'rising'),
      };
      const params: ThresholdSpec = { direction: 'rising', levels: ordered(levels, 'rising') };
      return { params, design: alarm !== undefined };
    },
    source: '煤矿安全规程: CO ≤ 0.0024 % (24 ppm) (domain.md §2.2, sensor alarm when set); blue 50 %, orange 200 % of the limit, red 10 % IDLH (148 ppm, GB/T 50493 annex): domain.md §2.1 analogy [PROPOSAL]',
    clause: '煤矿安全规程 (有害气体最高允许浓度)',
    confidence: 'STD-published',
  },
];

/** Deadband [PROPOSAL] 0.05 m/s. */
const WIND_DEADBAND = 0.05;

export const mineWind: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const min = num(s.params, 'minVelocity');
      const max = num(s.params, 'maxVelocity');
      if (min === undefined && max === undefined) return null;
      // The roadway's allowed range (煤矿安全规程 wind-speed table, entered per sensor): out of range is yellow;
      // less than half the minimum (ventilation largely lost, domain.md §2.2 "ventilation loss") is orange [PROPOSAL].
      const high: StepsSpec | null = max === undefined ? null : { yellow: step(max, WIND_DEADBAND, 'rising', { enterS: 60 }) };
      const low: StepsSpec | null = min === undefined ? null : ordered({
        yellow: step(min, WIND_DEADBAND, 'falling', { enterS: 60 }),
        orange: step(r(min / 2), WIND_DEADBAND / 2, 'falling', { enterS: 60 }),
      }, 'falling');
      const params: ThresholdSpec = high && low ? { direction: 'band', levels: high, low } : high ? { direction: 'rising', levels: high } : { direction: 'falling', levels: low! };
      return { params, design: true };
    },
    source: '煤矿安全规程 allowed wind speed per roadway (sensor minVelocity/maxVelocity, docs/registry.md); colours and on-delay [PROPOSAL]',
    clause: null,
    confidence: 'PROPOSAL',
  },
];

export const mineFan: PackRule[] = [
  {
    id: 'stopped',
    kind: 'threshold',
    params: () => {
      // A local fan must run continuously; a stop means the heading is losing ventilation and CH₄ rises
      // +0.05…0.3 %/min (domain.md §2.2 "ventilation loss"). Orange after 60 s (a restart blip is not a stop) [PROPOSAL].
      const params: ThresholdSpec = { direction: 'falling', levels: { orange: { enter: 0.5, clear: 0.5, enterS: 60 } } };
      return { params, design: false };
    },
    source: 'domain.md §2.2 (local fan stop = ventilation loss at the heading); colour and 60 s on-delay [PROPOSAL]',
    clause: null,
    confidence: 'PROPOSAL',
  },
];

/** mine_feed: the feed abnormality is the methane sensor's `feed_failure` composite (it needs the methane
 * value); the feed sensor alone carries only its health rule. */
export const mineFeed: PackRule[] = [];
