// Time-of-week baselines (domain.md §2.4.1): "per enterprise, by weekday and time of day (96 slots), median
// of the last 4–8 comparable weeks, with outliers removed", on the Chinese statutory-holiday calendar
// including 调休. Pure: points and `nowMs` in, numbers out. Runs off the hot path (performance.md: a
// baseline per sensor ≤ 6 KB, computed off the hot path); the hot path reads the result through
// rules/baseline/store.ts.
//
// Slot layout: 7 comparable weekdays × 96 slots of 15 min = 672, slot 0 = Monday 00:00 Beijing time
// (UTC+8, no DST; architecture.md "Time": schedules run in local time).
// Comparable weekday of a Beijing date:
// - a statutory holiday (calendar.dayKind = 'holiday') counts as a Sunday, whatever its weekday;
// - a 调休 working weekend day (dayKind = 'workday' on a Saturday or Sunday) counts as a Friday
//   (WORKDAY_AS): an ordinary workday pattern, and like a Friday it sits next to rest days. One of the
//   672 slots, so the hot path needs no second table;
// - every other date counts as its own weekday.
// A point falls in the slot containing its ts, and the hot path looks a sample up the same way: a meter that
// stamps a 15-min reading at the interval's end is compared like for like, whichever end it stamps.
import { median, medianAbsoluteDeviation, quantile } from 'simple-statistics';
import { BEIJING_OFFSET_MS, SLOT_MS, SLOTS_PER_WEEK, beijingDate, beijingDayNumber, beijingWeekday } from '../calendar/beijing.ts';
import type { HolidayCalendar } from '../kinds/kind.ts';

export { BEIJING_OFFSET_MS, SLOT_MS };
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** 7 × 96 = 672 slots of 15 min. */
export const WEEK_SLOTS = SLOTS_PER_WEEK;
/** Monday = 0 … Sunday = 6. */
export const SUNDAY = 6;
/** The weekday a 调休 working weekend day counts as (Friday; see the header). */
export const WORKDAY_AS = 4;

/** The weekday (Monday = 0) whose pattern the Beijing day number `day` follows, holidays and 调休 applied. */
export function comparableWeekday(day: number, calendar: HolidayCalendar): number {
  const ts = day * DAY_MS; // 08:00 Beijing on that day
  const kind = calendar.dayKind(beijingDate(ts));
  if (kind === 'holiday') return SUNDAY;
  const weekday = beijingWeekday(ts) - 1;
  return kind === 'workday' && weekday >= 5 ? WORKDAY_AS : weekday;
}

/** Index into the 672 slots for `ts`, holidays and 调休 applied (cold paths and tests; the store's views
 * cache the day). */
export function comparableSlot(ts: number, calendar: HolidayCalendar): number {
  const day = beijingDayNumber(ts);
  return comparableWeekday(day, calendar) * (DAY_MS / SLOT_MS) + Math.floor((ts + BEIJING_OFFSET_MS - day * DAY_MS) / SLOT_MS);
}

export interface BaselineOptions {
  calendar: HolidayCalendar;
  /** The end of the baseline period (exclusive); points at or after it are ignored. */
  nowMs: number;
  /** Comparable weeks that feed the slots: 4–8 (domain.md §2.4.1). */
  weeks: number;
  /** Slot width; only 15 min is supported (the BaselineView contract: 672 slots). */
  slotMs?: number;
  /** A slot needs this many samples (before outlier removal) to be known; default 3: fewer weeks than that
   * cannot tell an outlier from the pattern, so the slot stays NaN and rules on it stay silent. */
  minSamples?: number;
  /** Outlier cut in robust standard deviations (1.4826 × MAD) from the slot's median; default 3. */
  outlierSd?: number;
}

export interface Baseline {
  /** Per time-of-week slot: the median of the comparable weeks with outliers removed; NaN where unknown. */
  slots: Float32Array;
  /** 95th percentile of every point before `nowMs` handed in (domain.md §2.4.1 over-capacity: "the 90-day
   * P95"; the caller decides how far back, and takes what history is there); NaN without points. */
  p95: number;
  /** The "normal production" load: the median of the known slots above the median slot, i.e. about the
   * 75th percentile of the week's profile. For a day-shift plant (production ≈ 30 % of the week's slots)
   * that lands inside the production plateau; for a continuous plant, on its flat level. NaN when no slot
   * is known. */
  production: number;
}

/** 1.4826 × MAD estimates the standard deviation of a normal sample. */
const MAD_TO_SD = 1.4826;

/** The median after dropping values more than `k` robust standard deviations from the median. With MAD = 0
 * (at least half the values identical) everything that differs is dropped. Never empty for non-empty input. */
export function robustMedian(values: readonly number[], k: number): number {
  const m = median(values);
  const limit = k * MAD_TO_SD * medianAbsoluteDeviation(values);
  const kept = values.filter((v) => Math.abs(v - m) <= limit);
  return kept.length === values.length ? m : median(kept);
}

/** `points`: ascending or not, any spacing (the store asks for 15-min means); non-finite values are skipped. */
export function computeBaseline(points: readonly { ts: number; value: number }[], opts: BaselineOptions): Baseline {
  const slotMs = opts.slotMs ?? SLOT_MS;
  if (slotMs !== SLOT_MS) throw new RangeError(`baseline slotMs must be ${SLOT_MS} (672 slots of 15 min), got ${slotMs}`);
  if (!Number.isInteger(opts.weeks) || opts.weeks < 4 || opts.weeks > 8) throw new RangeError(`baseline weeks must be 4..8 (domain.md §2.4.1), got ${opts.weeks}`);
  const minSamples = opts.minSamples ?? 3;
  const k = opts.outlierSd ?? 3;
  const slotsPerDay = DAY_MS / slotMs;
  const fromMs = opts.nowMs - opts.weeks * WEEK_MS;

  const perSlot: number[][] = Array.from({ length: WEEK_SLOTS }, () => []);
  const all: number[] = [];
  let cachedDay = NaN;
  let dayBase = 0;
  for (const p of points) {
    if (!(p.ts < opts.nowMs) || !Number.isFinite(p.value)) continue;
    all.push(p.value);
    if (p.ts < fromMs) continue;
    const day = beijingDayNumber(p.ts);
    if (day !== cachedDay) { cachedDay = day; dayBase = comparableWeekday(day, opts.calendar) * slotsPerDay; }
    perSlot[dayBase + Math.floor((p.ts + BEIJING_OFFSET_MS - day * DAY_MS) / slotMs)]!.push(p.value);
  }

  const slots = new Float32Array(WEEK_SLOTS);
  const known: number[] = [];
  for (let i = 0; i < WEEK_SLOTS; i++) {
    const values = perSlot[i]!;
    if (values.length < minSamples) { slots[i] = NaN; continue; }
    const v = robustMedian(values, k);
    slots[i] = v;
    known.push(v);
  }

  let production = NaN;
  if (known.length > 0) {
    const m = median(known);
    const above = known.filter((v) => v > m);
    production = above.length > 0 ? median(above) : m;
  }
  return { slots, p95: all.length > 0 ? quantile(all, 0.95) : NaN, production };
}
