// Rule kind `schedule`: the electricity-compliance rules of domain.md §2.4.1 on a power_meter's active power
// `p` (kW, 15-min utility metering), read against the enterprise's live state (停产整顿 etc., R35; contract.md
// `PUT /api/enterprises/{id}/state`), its time-of-week baseline (kind.ts BaselineView) and the statutory
// calendar with 调休 (rules/calendar). One descriptor; params are a union on `rule`:
//
//   shutdown_production        load > 30 % of production during a 停产整顿 order for ≥ 2 h      → orange
//   off_hours_work             load > 40 % of production in a forbidden window / holiday ≥ 45 min → yellow
//   overload                   load > 120 % of P95 (or > contracted/rated capacity) ≥ 3 intervals → yellow,
//                              sustained ≥ 1 day → orange
//   sudden_loss                load < 10 % of the slot baseline within one interval, in production → blue
//                              (coal packs: red, main fan / drainage power)
//   resumed_before_acceptance  load ≥ 70 % of production before 复产验收 is recorded, for ≥ 2 h  → orange
//
// All defaults are [PROPOSAL] (domain.md §2.4.1) and configurable. Contracts:
// - A sample stands for the metering interval ending at its ts (`intervalS`, default 900 s), so a condition
//   seen on n consecutive samples has held n intervals (3 samples = 45 min). The first sample of a run is
//   credited min(interval, gap to the sample before it).
// - A run not yet raised restarts after a gap > 2 intervals (the meter-silent rule of §2.4.1 owns gaps); a
//   raised level holds through gaps while its condition holds.
// - Raise above `ratio × reference`; clear below `clearFactor × that` (hysteresis, architecture.md rule 4).
// - The enterprise state is read live at every evaluate and tick; `tick` clears a level whose order, awaiting
//   period, forbidden window or production window has ended, without waiting for a sample. Tick never raises
//   (raising needs load data).
// - When the production baseline is not known yet (NaN), the reference falls back to `fallbackRatio ×
//   ratedKw` (sensor param) as the threshold itself; with neither, the rule stays at none and says why.
// - off_hours_work is refused at init for a continuous-process plant (site or meter `profile: continuous`).
// - Order dates: ISO date-times as given; a bare date is a Beijing date, and a bare `to` includes its day.
// Not built on step.ts's Ladder: these thresholds move with the baseline and the calendar, §2.4.1 says
// "> 30 %" where the ladder enters at ≥, durations count metering intervals (3 samples = 45 min) where the
// ladder counts sample-time age (4 samples), and overload escalates by duration, not by value.
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import { Level, levelFromName } from '../../core/level.ts';
import type { EnterpriseState } from '../../core/registry.ts';
import {
  beijingDate,
  beijingDayNumber,
  beijingWeekday,
  compileSeason,
  compileWindow,
  HhMm,
  inMinuteWindow,
  MmDd,
  type MinuteWindow,
} from '../calendar/beijing.ts';
import { type BaselineView, type HolidayCalendar, ruleDetail, type RuleDetail, type RuleEnv, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';

const LevelNameSchema = z.enum(['blue', 'yellow', 'orange', 'red']);
const Ratio = z.number().positive().max(100);
const Seconds = z.number().nonnegative();

/** Shared by the rules that raise above a threshold. */
const above = {
  /** Metering interval a sample stands for (domain.md §2.4.1: 15-min intervals). */
  intervalS: z.number().positive().default(900),
  /** The level clears once the load falls below clearFactor × the raise threshold (hysteresis). */
  clearFactor: z.number().gt(0).max(1).default(0.9),
};

export const ShutdownProductionParams = z.strictObject({
  rule: z.literal('shutdown_production'),
  ratio: Ratio.default(0.3),
  /** Threshold as a share of ratedKw when no baseline yet: 0.3 × production ≈ 0.3 × 0.7 rated. */
  fallbackRatio: Ratio.default(0.2),
  forS: Seconds.default(7200),
  level: LevelNameSchema.default('orange'),
  ...above,
});

export const OffHoursWorkParams = z.strictObject({
  rule: z.literal('off_hours_work'),
  /** Forbidden windows in Beijing time (may cross midnight); per enterprise in its pack. */
  windows: z.array(z.strictObject({ from: HhMm, to: HhMm })).default([{ from: '22:00', to: '06:00' }]),
  /** Statutory holidays (法定节假日) are forbidden all day. */
  holidays: z.boolean().default(true),
  /** Saturdays and Sundays are forbidden all day, except 调休 working days. */
  weekends: z.boolean().default(false),
  ratio: Ratio.default(0.4),
  /** 0.4 × production ≈ 0.3 × rated. */
  fallbackRatio: Ratio.default(0.3),
  forS: Seconds.default(2700),
  level: LevelNameSchema.default('yellow'),
  ...above,
});

export const OverloadParams = z.strictObject({
  rule: z.literal('overload'),
  /** × the baseline P95 (domain.md §2.4.1: "the 90-day P95"). */
  ratio: Ratio.default(1.2),
  /** Also raise above the contracted capacity (sensor param contractKw) when present. Not above ratedKw: a
   * nameplate rating is no compliance limit, a plant may run at it (domain.md §2.4.1 "> contracted capacity"). */
  useCapacity: z.boolean().default(true),
  forS: Seconds.default(2700),
  level: LevelNameSchema.default('yellow'),
  /** Continuous overload for this long escalates (domain.md §2.4.1 "yellow → orange if ≥ 1 day"). */
  sustainedS: Seconds.default(86_400),
  sustainedLevel: LevelNameSchema.default('orange'),
  ...above,
});

export const SuddenLossParams = z.strictObject({
  rule: z.literal('sudden_loss'),
  /** Raise when the load is below ratio × the slot baseline … */
  ratio: Ratio.default(0.1),
  /** … having been ≥ priorRatio × its slot baseline one interval before. */
  priorRatio: Ratio.default(0.5),
  /** A production window: the slot baseline is ≥ productionFraction × the production level. */
  productionFraction: Ratio.default(0.5),
  /** Clears when the load is back ≥ recoverRatio × the slot baseline, or the production window ends. */
  recoverRatio: Ratio.default(0.5),
  level: LevelNameSchema.default('blue'),
  /** Enterprise states in which a loss is unexpected (a suspended plant is supposed to stop). */
  states: z.array(z.enum(['normal', 'suspended', 'pending_acceptance', 'closed'])).min(1).default(['normal']),
  intervalS: z.number().positive().default(900),
});

export const ResumedBeforeAcceptanceParams = z.strictObject({
  rule: z.literal('resumed_before_acceptance'),
  ratio: Ratio.default(0.7),
  /** 0.7 × production ≈ 0.5 × rated. */
  fallbackRatio: Ratio.default(0.5),
  forS: Seconds.default(7200),
  level: LevelNameSchema.default('orange'),
  ...above,
});

export const ScheduleParamsSchema = z.discriminatedUnion('rule', [
  ShutdownProductionParams,
  OffHoursWorkParams,
  OverloadParams,
  SuddenLossParams,
  ResumedBeforeAcceptanceParams,
]);
export type ScheduleParams = z.infer<typeof ScheduleParamsSchema>;
export type ScheduleRule = ScheduleParams['rule'];

type Why =
  | 'init'
  | 'no_order'
  | 'not_awaiting'
  | 'accepted'
  | 'allowed_time'
  | 'no_reference'
  | 'below'
  | 'held_short'
  | 'raised'
  | 'sustained'
  | 'state_exempt'
  | 'outside_production'
  | 'no_drop'
  | 'recovered';
type Forbidden = 'window' | 'holiday' | 'weekend' | null;

/** What init compiles and the live caches: a class instance, so engine checkpoints (rules/engine/snapshot.ts,
 * plain data only) leave it behind and a restored state keeps its references. */
export class ScheduleCompiled {
  // The live enterprise state, re-parsed whenever the registry hands out a new state object.
  entRef: EnterpriseState | null = null;
  entState: EnterpriseState['state'] | null = null;
  fromMs = -Infinity;
  toMs = Infinity;
  acceptedMs = NaN;
  constructor(
    readonly p: ScheduleParams,
    readonly enterpriseId: string,
    readonly env: RuleEnv,
    readonly calendar: HolidayCalendar,
    readonly baseline: BaselineView,
    readonly ratedKw: number,
    readonly capacityKw: number,
    readonly capacityName: string,
    readonly windows: readonly MinuteWindow[],
    readonly windowTexts: readonly string[],
    readonly intervalMs: number,
    readonly forMs: number,
    readonly raiseLevel: Level,
  ) {}
}

export interface ScheduleState {
  readonly rule: ScheduleRule;
  readonly c: ScheduleCompiled;
  // the run
  since: number;
  credit: number;
  lastTs: number;
  level: Level;
  why: Why;
  // what describe() reports
  value: number;
  prevValue: number;
  prevExpected: number;
  reference: number;
  referenceIsRated: boolean;
  threshold: number;
  heldMs: number;
  forbidden: Forbidden;
  windowIdx: number;
  // day cache (Beijing date of the last ts asked)
  dayNo: number;
  date: string;
  dayKind: 'holiday' | 'workday' | null;
  weekday: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : NaN);
const isProfileContinuous = (v: unknown): boolean => v === 'continuous';

/** ISO date-times as given; a bare date is a Beijing date (domain.md §4 item 12), and a bare `to` date
 * includes that whole day. */
function parseInstant(s: string | null | undefined, endOfDay: boolean, absent: number): number {
  if (!s) return absent;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00+08:00`) + (endOfDay ? 86_400_000 : 0);
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? absent : ms;
}

function readEnterprise(s: ScheduleState): void {
  const st = s.c.env.enterprise(s.c.enterpriseId)?.state ?? null;
  if (st === s.c.entRef) return;
  s.c.entRef = st;
  s.c.entState = st?.state ?? null;
  s.c.fromMs = parseInstant(st?.from, false, -Infinity);
  s.c.toMs = parseInstant(st?.to, true, Infinity);
  s.c.acceptedMs = parseInstant(st?.acceptedAt, false, NaN);
}

/** Under a 停产整顿 order at `ts` (R35): state suspended, within from..to when given. */
function ordered(s: ScheduleState, ts: number): boolean {
  return s.c.entState === 'suspended' && ts >= s.c.fromMs && ts < s.c.toMs;
}

/** Awaiting 复产验收 at `ts`: pending_acceptance, or suspended past its `to`, with no acceptance recorded by ts. */
function awaiting(s: ScheduleState, ts: number): boolean {
  if (s.c.acceptedMs <= ts) return false;
  return s.c.entState === 'pending_acceptance' || (s.c.entState === 'suspended' && Number.isFinite(s.c.toMs) && ts >= s.c.toMs);
}

function day(s: ScheduleState, ts: number): void {
  const d = beijingDayNumber(ts);
  if (d === s.dayNo) return;
  s.dayNo = d;
  s.date = beijingDate(ts);
  s.dayKind = s.c.calendar.dayKind(s.date);
  s.weekday = beijingWeekday(ts);
}

/** Why `ts` is forbidden for off_hours_work, or null when work is allowed. Holidays by the Beijing date;
 * a 调休 working weekend day is a working day (domain.md §2.4.1). */
function forbiddenAt(s: ScheduleState, ts: number): Forbidden {
  const p = s.c.p as z.infer<typeof OffHoursWorkParams>;
  for (let i = 0; i < s.c.windows.length; i++) {
    if (inMinuteWindow(ts, s.c.windows[i]!)) {
      s.windowIdx = i;
      return 'window';
    }
  }
  if (!p.holidays && !p.weekends) return null;
  day(s, ts);
  if (p.holidays && s.dayKind === 'holiday') return 'holiday';
  if (p.weekends && s.weekday >= 6 && s.dayKind !== 'workday') return 'weekend';
  return null;
}

/** The production reference (baseline.production) or, when unknown, ratedKw with the fallback ratio. Sets
 * s.reference and s.threshold (raise threshold); returns false when neither is known. */
function productionThreshold(s: ScheduleState, ratio: number, fallbackRatio: number): boolean {
  const prod = s.c.baseline.production;
  if (Number.isFinite(prod) && prod > 0) {
    s.reference = prod;
    s.referenceIsRated = false;
    s.threshold = ratio * prod;
    return true;
  }
  if (Number.isFinite(s.c.ratedKw)) {
    s.reference = s.c.ratedKw;
    s.referenceIsRated = true;
    s.threshold = fallbackRatio * s.c.ratedKw;
    return true;
  }
  s.reference = NaN;
  s.threshold = NaN;
  return false;
}

/** The overload threshold: min of ratio × P95 and the capacity (either exceeded raises). */
function overloadThreshold(s: ScheduleState): boolean {
  const p = s.c.p as z.infer<typeof OverloadParams>;
  const byP95 = Number.isFinite(s.c.baseline.p95) && s.c.baseline.p95 > 0 ? p.ratio * s.c.baseline.p95 : NaN;
  const cap = p.useCapacity ? s.c.capacityKw : NaN;
  s.referenceIsRated = Number.isFinite(cap) && !(byP95 <= cap);
  s.reference = s.referenceIsRated ? cap : s.c.baseline.p95;
  s.threshold = s.referenceIsRated ? cap : byP95;
  return Number.isFinite(s.threshold);
}

function resetRun(s: ScheduleState): void {
  s.since = NaN;
  s.heldMs = 0;
}

/** A run of samples on which `cond` holds (raise test before the level is raised, hold test after). */
function run(s: ScheduleState, ts: number, gapMs: number, cond: boolean): number {
  if (!cond) {
    resetRun(s);
    return 0;
  }
  if (Number.isNaN(s.since) || (s.level === Level.none && gapMs > 2 * s.c.intervalMs)) {
    s.since = ts;
    s.credit = Number.isFinite(gapMs) ? Math.min(s.c.intervalMs, gapMs) : s.c.intervalMs;
  }
  s.heldMs = ts - s.since + s.credit;
  return s.heldMs;
}

/** Above-threshold rules: raise when v > threshold for ≥ forS, hold while v > clearFactor × threshold. */
function aboveStep(s: ScheduleState, ts: number, gapMs: number, v: number, inclusive: boolean): Level {
  const p = s.c.p as { clearFactor: number };
  const limit = s.level > Level.none ? p.clearFactor * s.threshold : s.threshold;
  const over = inclusive ? v >= limit : v > limit;
  const held = run(s, ts, gapMs, over);
  if (!over) {
    s.why = 'below';
    return Level.none;
  }
  if (s.level > Level.none || held >= s.c.forMs) {
    s.why = 'raised';
    return s.c.raiseLevel;
  }
  s.why = 'held_short';
  return Level.none;
}

function evaluateAt(s: ScheduleState, ts: number, v: number, gapMs: number): Level {
  readEnterprise(s);
  switch (s.rule) {
    case 'shutdown_production': {
      const p = s.c.p as z.infer<typeof ShutdownProductionParams>;
      if (!ordered(s, ts)) return none(s, 'no_order');
      if (!productionThreshold(s, p.ratio, p.fallbackRatio)) return none(s, 'no_reference');
      return aboveStep(s, ts, gapMs, v, false);
    }
    case 'off_hours_work': {
      const p = s.c.p as z.infer<typeof OffHoursWorkParams>;
      s.forbidden = forbiddenAt(s, ts);
      if (!s.forbidden) return none(s, 'allowed_time');
      if (!productionThreshold(s, p.ratio, p.fallbackRatio)) return none(s, 'no_reference');
      return aboveStep(s, ts, gapMs, v, false);
    }
    case 'overload': {
      const p = s.c.p as z.infer<typeof OverloadParams>;
      if (!overloadThreshold(s)) return none(s, 'no_reference');
      const l = aboveStep(s, ts, gapMs, v, false);
      if (l > Level.none && s.heldMs >= p.sustainedS * 1000) {
        s.why = 'sustained';
        return levelFromName(p.sustainedLevel);
      }
      return l;
    }
    case 'sudden_loss': {
      const p = s.c.p as z.infer<typeof SuddenLossParams>;
      const prevValue = s.value;
      const prevExpected = s.prevExpected;
      const expected = s.c.baseline.at(ts);
      s.prevExpected = expected;
      if (s.c.entState === null || !p.states.includes(s.c.entState)) return none(s, 'state_exempt');
      const prod = s.c.baseline.production;
      s.reference = expected;
      s.threshold = p.ratio * expected;
      if (!(expected > 0 && prod > 0 && expected >= p.productionFraction * prod)) return none(s, 'outside_production');
      if (s.level > Level.none) {
        if (v >= p.recoverRatio * expected) return none(s, 'recovered');
        s.why = 'raised';
        return s.c.raiseLevel;
      }
      // "drops to < 10 % of baseline within 1 interval" (domain.md §2.4.1): the previous sample, at most
      // 1.5 intervals earlier, was still at ≥ priorRatio of its own slot baseline.
      const drop = v < s.threshold && gapMs <= 1.5 * s.c.intervalMs && prevValue >= p.priorRatio * prevExpected;
      if (!drop) return none(s, 'no_drop');
      s.prevValue = prevValue;
      s.why = 'raised';
      return s.c.raiseLevel;
    }
    case 'resumed_before_acceptance': {
      const p = s.c.p as z.infer<typeof ResumedBeforeAcceptanceParams>;
      if (s.c.acceptedMs <= ts) return none(s, 'accepted');
      if (!awaiting(s, ts)) return none(s, 'not_awaiting');
      if (!productionThreshold(s, p.ratio, p.fallbackRatio)) return none(s, 'no_reference');
      // "returns to normal" (domain.md §2.4.1): at or above the ratio.
      return aboveStep(s, ts, gapMs, v, true);
    }
  }
}

function none(s: ScheduleState, why: Why): Level {
  s.why = why;
  resetRun(s);
  return Level.none;
}

/** The site's season gate (domain.md §2.3: "a sugar mill out of season raises no collector alarm"): site
 * params `season` (true or a name, e.g. sugar) with `seasonFrom` / `seasonTo` ('MM-DD', may wrap the year).
 * null when the site has no season. Throws RW_ERR_CONFIG when `season` is set without a valid from/to. */
export function seasonGate(params: Readonly<Record<string, number | string | boolean>>): ((ts: number) => boolean) | null {
  const season = params.season;
  if (season === undefined || season === false || season === '' || season === 0) return null;
  const from = params.seasonFrom;
  const to = params.seasonTo;
  const f = MmDd.safeParse(from);
  const t = MmDd.safeParse(to);
  if (!f.success || !t.success) {
    throw new RwError(
      'RW_ERR_CONFIG',
      `site params: season ${JSON.stringify(season)} needs seasonFrom and seasonTo as 'MM-DD' (got ${JSON.stringify(from)}, ${JSON.stringify(to)})`,
    );
  }
  return compileSeason(f.data, t.data);
}

function fmtKw(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return Math.abs(v) >= 10 ? String(Math.round(v)) : v.toFixed(1);
}
function pct(v: number, of: number): string {
  return `${Math.round((v / of) * 100)}%`;
}
/** Chinese duration: 45 分钟, 2 小时, 2 小时 15 分钟, 1 天 3 小时. */
export function fmtDuration(ms: number): string {
  const min = Math.round(ms / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return h > 0 ? `${d} 天 ${h} 小时` : `${d} 天`;
  if (h > 0) return m > 0 ? `${h} 小时 ${m} 分钟` : `${h} 小时`;
  return `${m} 分钟`;
}
const WEEKDAY_ZH = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/** "正常生产负荷 200 kW 的 43%", or against ratedKw when no baseline is known yet (said at the end). */
function share(s: ScheduleState, what: string): string {
  const ref = s.referenceIsRated ? `额定功率 ${fmtKw(s.reference)} kW` : `${what} ${fmtKw(s.reference)} kW`;
  return `${ref} 的 ${pct(s.value, s.reference)}`;
}
function shareNote(s: ScheduleState, what: string): string {
  return s.referenceIsRated ? `(尚无${what}基线，按额定功率判定)` : '';
}

function forbiddenText(s: ScheduleState): string {
  if (s.forbidden === 'window') return `禁止作业时段(${s.c.windowTexts[s.windowIdx]})`;
  const name = (s.c.calendar as { holidayName?: (d: string) => string | null }).holidayName?.(s.date) ?? null;
  if (s.forbidden === 'holiday') return name ? `法定节假日(${name})` : '法定节假日';
  return `休息日(${WEEKDAY_ZH[s.weekday]})`;
}

function describeText(s: ScheduleState): string {
  const v = `${fmtKw(s.value)} kW`;
  const held = s.heldMs > 0 ? `，持续 ${fmtDuration(s.heldMs)}` : '';
  switch (s.why) {
    case 'init':
      return '尚无用电负荷数据';
    case 'no_order':
      return `未处于停产整顿期内，用电负荷 ${v}`;
    case 'accepted':
      return `已记录复产验收，用电负荷 ${v}`;
    case 'not_awaiting':
      return `不处于待复产验收状态，用电负荷 ${v}`;
    case 'allowed_time':
      return `非禁止作业时段，用电负荷 ${v}`;
    case 'no_reference':
      return s.rule === 'overload'
        ? '尚无负荷P95基线且未配置合同容量(contractKw)，无法判定超负荷'
        : '尚无正常生产负荷基线且未配置额定功率(ratedKw)，无法判定';
    case 'state_exempt':
      return `企业处于${s.c.entState === null ? '未知' : STATE_ZH[s.c.entState]}状态，不判定负荷骤降`;
    case 'outside_production':
      return `非生产时段，用电负荷 ${v}`;
    case 'no_drop':
    case 'recovered':
      return `用电负荷 ${v}，基线负荷 ${fmtKw(s.reference)} kW`;
    case 'below':
    case 'held_short':
    case 'raised':
    case 'sustained':
      break;
  }
  switch (s.rule) {
    case 'shutdown_production':
      return `停产整顿期间用电负荷 ${v}，达${share(s, '正常生产负荷')}${held}${shareNote(s, '正常生产负荷')}`;
    case 'off_hours_work':
      return `${forbiddenText(s)}用电负荷 ${v}，达${share(s, '日间生产负荷')}${held}${shareNote(s, '日间生产负荷')}`;
    case 'overload': {
      const over = s.referenceIsRated
        ? `超过${s.c.capacityName} ${fmtKw(s.reference)} kW`
        : `达近期P95负荷 ${fmtKw(s.reference)} kW 的 ${pct(s.value, s.reference)}`;
      return `用电负荷 ${v}，${over}${held}${s.why === 'sustained' ? '，超负荷已持续 1 天以上' : ''}`;
    }
    case 'sudden_loss':
      return `生产时段用电负荷由 ${fmtKw(s.prevValue)} kW 骤降至 ${v}，不足基线负荷 ${fmtKw(s.reference)} kW 的 ${pct(s.threshold, s.reference)}`;
    case 'resumed_before_acceptance': {
      const who =
        s.c.entState === 'suspended' && Number.isFinite(s.c.toMs)
          ? `停产整顿期限(至 ${beijingDate(s.c.toMs - 1)})已过、未记录复产验收`
          : '待复产验收期间';
      return `${who}，用电负荷 ${v}，恢复至${share(s, '正常生产负荷')}${held}${s.why === 'held_short' ? '(未达持续时间)' : ''}${shareNote(s, '正常生产负荷')}`;
    }
  }
}

const STATE_ZH: Record<EnterpriseState['state'], string> = {
  normal: '正常',
  suspended: '停产整顿',
  pending_acceptance: '待复产验收',
  closed: '关闭',
};

export const schedule: SensorRuleKind<ScheduleParams, ScheduleState> = {
  kind: 'schedule',
  scope: 'sensor',
  track: 'process',
  paramsSchema: ScheduleParamsSchema,

  init(p, ctx: SensorRuleContext): ScheduleState {
    const sp = ctx.sensor.params;
    if (p.rule === 'off_hours_work' && (isProfileContinuous(ctx.site.params.profile) || isProfileContinuous(sp.profile))) {
      // domain.md §2.4.1 simulator: continuous-process plants run flat 70–95 % around the clock.
      throw new RwError(
        'RW_ERR_CONFIG',
        `schedule off_hours_work does not apply to a continuous-process plant (profile: continuous on ${isProfileContinuous(sp.profile) ? `sensor ${ctx.sensor.id}` : `site ${ctx.site.id}`}); leave it out of the pack`,
      );
    }
    const ratedKw = num(sp.ratedKw);
    const contractKw = num(sp.contractKw);
    const windows = p.rule === 'off_hours_work' ? p.windows : [];
    const c = new ScheduleCompiled(
      p,
      ctx.sensor.enterpriseId,
      ctx.env,
      ctx.env.calendar,
      ctx.env.baseline(ctx.sensor.enterpriseId, ctx.sensor.id, ctx.metric),
      ratedKw,
      contractKw,
      '合同容量',
      windows.map(compileWindow),
      windows.map((w) => `${w.from}–${w.to}`),
      p.intervalS * 1000,
      'forS' in p ? p.forS * 1000 : 0,
      levelFromName(p.level),
    );
    return {
      rule: p.rule,
      c,
      since: NaN,
      credit: 0,
      lastTs: NaN,
      level: Level.none,
      why: 'init',
      value: NaN,
      prevValue: NaN,
      prevExpected: NaN,
      reference: NaN,
      referenceIsRated: false,
      threshold: NaN,
      heldMs: 0,
      forbidden: null,
      windowIdx: 0,
      dayNo: NaN,
      date: '',
      dayKind: null,
      weekday: 0,
    };
  },

  evaluate(s, sample: Sample): Level {
    if (!Number.isFinite(sample.value)) return s.level;
    const gapMs = sample.ts - s.lastTs; // NaN on the first sample
    const level = evaluateAt(s, sample.ts, sample.value, Number.isNaN(gapMs) ? Infinity : gapMs);
    s.value = sample.value;
    s.lastTs = sample.ts;
    s.level = level;
    return level;
  },

  describe(s): RuleDetail {
    return ruleDetail(Number.isFinite(s.value) ? s.value : null, Number.isFinite(s.threshold) ? s.threshold : null, null, describeText(s));
  },

  tick(s, now): Level {
    if (s.level === Level.none) return Level.none;
    readEnterprise(s);
    let ended: Why | null = null;
    switch (s.rule) {
      case 'shutdown_production':
        if (!ordered(s, now)) ended = 'no_order';
        break;
      case 'resumed_before_acceptance':
        if (s.c.acceptedMs <= now) ended = 'accepted';
        else if (!awaiting(s, now)) ended = 'not_awaiting';
        break;
      case 'off_hours_work':
        if (now >= s.lastTs && !forbiddenAt(s, now)) ended = 'allowed_time';
        break;
      case 'sudden_loss': {
        const p = s.c.p as z.infer<typeof SuddenLossParams>;
        if (s.c.entState === null || !p.states.includes(s.c.entState)) ended = 'state_exempt';
        else if (now >= s.lastTs) {
          const expected = s.c.baseline.at(now);
          if (!(expected >= p.productionFraction * s.c.baseline.production)) ended = 'outside_production';
        }
        break;
      }
      case 'overload':
        break;
    }
    if (ended) {
      none(s, ended);
      s.level = Level.none;
    }
    return s.level;
  },
};
