// Electricity packs, domain.md §2.4: enterprise consumption analytics (§2.4.1, compliance warnings for the
// enforcement queue, all [PROPOSAL]), electrical-fire monitoring (§2.4.2, GB 50116-2013 §9.2.3 residual
// current [STD-verified S14]; cable conductor limits PVC 70 / XLPE 90 °C [STD-published]) and the §2.4.3
// cross-check "production on, safety sensors off".
import type { z } from 'zod';
import type { ScheduleParamsSchema } from '../kinds/schedule.ts';
import { num, ordered, step, str } from './build.ts';
import { productionWithMonitoringOff, residualWithHotCable } from './composites.ts';
import type { PackEnterprise, PackRule, RateSpec, StatisticSpec, StepsSpec, ThresholdSpec } from './types.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { sensorType } from '../../core/sensor-types.ts';

type ScheduleSpec = z.input<typeof ScheduleParamsSchema>;

// ---- power_meter (15-min utility metering) ----

const SRC_241 = 'domain.md §2.4.1 (rules table; baselines by weekday and time of day, statutory calendar with 调休)';

function profile(s: SensorInfo, site: SiteDef): string | undefined {
  return str(s.params, 'profile') ?? str(site.params, 'profile');
}

/**
 * The forbidden night window of domain.md §2.4.1 ("22:00–06:00 … configurable windows per enterprise") for a
 * plant's working pattern (site or meter param `profile`, the §2.4.1 simulator's profiles), or null when the
 * plant legitimately runs at night and the rule does not apply [PROPOSAL]:
 * - day_shift (and unknown): 22:00–06:00, the §2.4.1 default;
 * - two_shift: 00:00–06:00 — the second shift runs until midnight (§2.4.1 "two-shift profile"); a 22:00 start
 *   would call every normal second shift night work;
 * - continuous: none — "continuous-process plants stay flat at 70–95 % all day" (§2.4.1);
 * - seasonal: none — a seasonal plant (sugar 榨季, §2.3) runs around the clock in season and idles out of it.
 */
export function nightWindow(p: string | undefined): { from: string; to: string } | null {
  if (p === 'continuous' || p === 'seasonal') return null;
  if (p === 'two_shift') return { from: '00:00', to: '06:00' };
  return { from: '22:00', to: '06:00' };
}

function scheduleRule(id: string, build: (s: SensorInfo, site: SiteDef, e: PackEnterprise) => ScheduleSpec | null, source: string): PackRule {
  return {
    id,
    kind: 'schedule',
    params: (s, site, e) => {
      const p = build(s, site, e);
      return p ? { params: p, design: false } : null;
    },
    source,
    clause: null,
    confidence: 'PROPOSAL',
  };
}

export const powerMeter: PackRule[] = [
  // "production during 停产整顿: load > 30 % of baseline for ≥ 2 consecutive hours" → orange.
  scheduleRule('shutdown_production', () => ({ rule: 'shutdown_production', ratio: 0.3, forS: 7200, level: 'orange' }), `${SRC_241}: production during a 停产整顿 order`),
  // "unauthorised night/holiday work: load in a forbidden window (22:00–06:00, statutory holidays) > 40 % of
  // the daytime baseline" → yellow, with "configurable windows per enterprise": the window follows the
  // plant's working pattern (nightWindow()).
  scheduleRule(
    'off_hours_work',
    (s, site) => {
      const window = nightWindow(profile(s, site));
      return window === null ? null : { rule: 'off_hours_work', windows: [window], holidays: true, ratio: 0.4, level: 'yellow' };
    },
    `${SRC_241}: unauthorised night/holiday work (window by working pattern)`,
  ),
  // "over-capacity: load > 120 % of the 90-day P95, or > contracted capacity, ≥ 3 intervals" → yellow,
  // orange if ≥ 1 day.
  scheduleRule('overload', () => ({ rule: 'overload', ratio: 1.2, forS: 2700, level: 'yellow', sustainedS: 86_400, sustainedLevel: 'orange' }), `${SRC_241}: over-capacity (超能力/超负荷)`),
  // "sudden loss: < 10 % of baseline within 1 interval during a production window" → blue, or red for coal
  // mines (main fan or drainage power: loss of mine ventilation is a life-safety signal).
  scheduleRule(
    'sudden_loss',
    (_s, _site, e) => ({ rule: 'sudden_loss', ratio: 0.1, level: e.sector === 'coal' ? 'red' : 'blue' }),
    `${SRC_241}: sudden loss (red for coal mines: main fan / drainage power)`,
  ),
  // "resumed without acceptance: a suspended enterprise's load returns to normal before 复产验收" → orange.
  scheduleRule('resumed_before_acceptance', () => ({ rule: 'resumed_before_acceptance', level: 'orange' }), `${SRC_241}: resumed production before 复产验收`),
  {
    id: 'baseline',
    kind: 'statistic',
    params: (s) => {
      // Load above its own time-of-week slot baseline: the early (blue) form of the over-capacity signal, at
      // the same 120 % (§2.4.1) but against the slot rather than the P95 [PROPOSAL]. Slots below 5 % of the
      // rated power are idle periods where a ratio says nothing (minBaseline, kW; the idle base load is
      // 5–15 % of peak, §2.4.1 simulator).
      const rated = num(s.params, 'ratedKw');
      const params: StatisticSpec = { mode: 'baseline', direction: 'rising', measure: 'ratio', levels: { blue: { enter: 1.2, clear: 1.1 } } };
      if (rated !== undefined) params.minBaseline = rated * 0.05;
      return { params, design: false };
    },
    source: `${SRC_241}: load vs its weekday/time-of-day baseline (early form of over-capacity)`,
    clause: null,
    confidence: 'PROPOSAL',
  },
  {
    id: 'monitoring_off',
    kind: 'composite',
    params: (s, site) => {
      // Only where there is monitoring to switch off: gas, coal-mine or dust sensors on the site.
      const watched = site.sensors.some((o) => ['gas', 'coal', 'dust'].includes(sensorType(o.type)?.family ?? ''));
      if (!watched || num(s.params, 'ratedKw') === undefined) return null;
      return { params: productionWithMonitoringOff(), design: false };
    },
    source: 'domain.md §2.4.3: production on, safety sensors off (suspected disabling of monitoring)',
    clause: null,
    confidence: 'PROPOSAL',
    target: { group: 'monitoring_off' },
  },
];

// ---- residual current (mA) ----

/** GB 50116-2013 §9.2.3: set the alarm in 300–500 mA (natural leakage 100–200 mA; ≥ 300 mA can start fires). */
const IR_ALARM = 300;
/** Deadband [PROPOSAL] 20 mA. Electrical-fire detectors must alarm within 30 s (GB 14287, domain.md §2):
 * no on-delay on 60 s data. */
const IR_DEADBAND = 20;

export const residualCurrent: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const alarm = num(s.params, 'alarm');
      const a = alarm ?? IR_ALARM;
      const levels: StepsSpec = {
        blue: step(Math.min(200, (a * 2) / 3), IR_DEADBAND, 'rising'),
        yellow: step(a, IR_DEADBAND, 'rising', { native: '剩余电流报警' }),
        orange: step(Math.max(500, a), IR_DEADBAND, 'rising'),
        red: step(1000, IR_DEADBAND, 'rising'),
      };
      const params: ThresholdSpec = { direction: 'rising', levels: ordered(levels, 'rising') };
      return { params, design: alarm !== undefined };
    },
    source: 'GB 50116-2013 §9.2.3 (alarm set in 300–500 mA; sensor alarm when set); blue 200, orange 500, red 1000 mA: domain.md §2.4.2 [PROPOSAL]',
    clause: 'GB 50116-2013 §9.2.3',
    confidence: 'STD-verified',
  },
  {
    id: 'hot_cable',
    kind: 'composite',
    params: (s, site) => {
      if (!s.area || !site.sensors.some((o) => o.type === 'cable_temp' && o.area === s.area)) return null;
      return { params: residualWithHotCable(), design: false };
    },
    source: 'domain.md §2.4.2 red: ≥ 500 mA and temperature orange',
    clause: null,
    confidence: 'PROPOSAL',
    target: 'self',
  },
];

// ---- cable / terminal temperature (°C) ----

/** domain.md §2.4.2 (PVC): blue 55, yellow 60, orange 70 (= the PVC conductor limit), red 80; XLPE (limit
 * 90 °C) shifted by the 20 °C between the two limits [PROPOSAL]. */
const CABLE: Readonly<Record<'PVC' | 'XLPE', { blue: number; yellow: number; orange: number; red: number }>> = {
  PVC: { blue: 55, yellow: 60, orange: 70, red: 80 },
  XLPE: { blue: 75, yellow: 80, orange: 90, red: 100 },
};

function insulation(s: SensorInfo): { ins: 'PVC' | 'XLPE'; design: boolean } {
  const v = str(s.params, 'insulation')?.toUpperCase();
  // Unknown insulation: PVC, the lower limit (the safe side).
  return v === 'XLPE' ? { ins: 'XLPE', design: true } : { ins: 'PVC', design: v === 'PVC' };
}

export const cableTemp: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const { ins, design } = insulation(s);
      const c = CABLE[ins];
      // Deadband 2 °C; two 60 s samples for the lower levels ("slow quantities", domain.md §2) [PROPOSAL].
      const levels: StepsSpec = {
        blue: step(c.blue, 2, 'rising', { enterS: 60 }),
        yellow: step(c.yellow, 2, 'rising', { enterS: 60 }),
        orange: step(c.orange, 2, 'rising', { native: '超温报警' }),
        red: step(c.red, 2, 'rising'),
      };
      const params: ThresholdSpec = { direction: 'rising', levels };
      return { params, design };
    },
    source: 'Cable conductor limits PVC 70 °C, XLPE 90 °C continuous (domain.md §2.4.2, STD-published; sensor insulation); PVC colours 55/60/70/80 and XLPE +20 °C: domain.md §2.4.2 [PROPOSAL]',
    clause: null,
    confidence: 'PROPOSAL',
  },
  {
    id: 'rise',
    kind: 'rate',
    params: () => {
      // domain.md §2.4.2 red: "+5 °C/min" (a loose terminal's hot-spot ramp; normal heating has a 10–30 min
      // time constant).
      const params: RateSpec = { windowS: 300, perS: 60, minSamples: 3, minSpanS: 120, filter: 'none', direction: 'rising', levels: { red: { enter: 5, clear: 2 } } };
      return { params, design: false };
    },
    source: 'domain.md §2.4.2 cable temperature red: +5 °C/min',
    clause: null,
    confidence: 'PROPOSAL',
  },
];
