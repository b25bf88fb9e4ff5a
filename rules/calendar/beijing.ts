// Beijing local time on epoch milliseconds (domain.md §4 item 12: store UTC, run night windows, shifts and
// holidays in local time; UTC+8 all year, China has no DST). Pure arithmetic: no Date.now(), no time zone
// database, so the same answer on every machine whatever its TZ.
import { z } from 'zod';

export const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05 was a Monday: epoch day 4 is the first Monday, the origin of time-of-week slots. */
const FIRST_MONDAY_MS = 4 * DAY_MS;
export const SLOT_MS = 15 * 60_000;
/** Slots per week at the default 15-min slot (domain.md §2.4.1: 96 slots × 7 weekdays). */
export const SLOTS_PER_WEEK = WEEK_MS / SLOT_MS;

/** 'HH:MM', 00:00–23:59 (a window's `to` may also be '24:00', meaning the end of the day). */
export const HhMm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, "a time of day 'HH:MM' (00:00–24:00)");
/** 'MM-DD' month-day (e.g. sugar 榨季 '11-01'); 02-29 allowed. */
export const MmDd = z
  .string()
  .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "a month-day 'MM-DD'")
  .refine((s) => {
    const m = Number(s.slice(0, 2));
    const d = Number(s.slice(3));
    return d <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  }, 'no such day in that month');

export interface TimeWindow {
  from: string;
  to: string;
}
/** A window compiled to minutes of the Beijing day; `from === to` is the whole day. */
export interface MinuteWindow {
  fromMin: number;
  toMin: number;
}

function localMs(ts: number): number {
  return ts + BEIJING_OFFSET_MS;
}
function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}
function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** The Beijing calendar day number (days since 1970-01-01 Beijing). */
export function beijingDayNumber(ts: number): number {
  return floorDiv(localMs(ts), DAY_MS);
}

/** 'YYYY-MM-DD' of the Beijing date containing `ts`. */
export function beijingDate(ts: number): string {
  return new Date(beijingDayNumber(ts) * DAY_MS).toISOString().slice(0, 10);
}

/** Minutes since Beijing midnight, 0–1439. */
export function beijingMinuteOfDay(ts: number): number {
  return floorDiv(mod(localMs(ts), DAY_MS), 60_000);
}

/** ISO weekday of the Beijing date: 1 = Monday … 7 = Sunday. */
export function beijingWeekday(ts: number): number {
  return mod(beijingDayNumber(ts) + 3, 7) + 1;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a date 'YYYY-MM-DD' (no time zone involved). */
export function weekdayOfDate(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return mod(floorDiv(ms, DAY_MS) + 3, 7) + 1;
}

/** Month-day of the Beijing date as a number MMDD (e.g. 1101 for 11-01). */
export function beijingMonthDay(ts: number): number {
  const d = new Date(beijingDayNumber(ts) * DAY_MS);
  return (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Time-of-week slot (architecture.md "History for rules"; kind.ts BaselineView): 0 = Monday 00:00 Beijing,
 * 672 slots of 15 min by default. `slotMs` must divide a week. */
export function timeOfWeekSlot(ts: number, slotMs: number = SLOT_MS): number {
  return floorDiv(mod(localMs(ts) - FIRST_MONDAY_MS, WEEK_MS), slotMs);
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Compiles a window 'HH:MM'–'HH:MM' once (call at init). Throws on malformed times. */
export function compileWindow(w: TimeWindow): MinuteWindow {
  const from = HhMm.parse(w.from);
  const to = HhMm.parse(w.to);
  if (from === '24:00') throw new Error(`window from '${from}': use 00:00`);
  return { fromMin: minutes(from), toMin: minutes(to) % 1440 };
}

/** Half-open [from, to) in Beijing time; from > to crosses midnight (22:00–06:00 is 22:00…05:59);
 * from === to is the whole day. */
export function inMinuteWindow(ts: number, w: MinuteWindow): boolean {
  const m = beijingMinuteOfDay(ts);
  if (w.fromMin === w.toMin) return true;
  return w.fromMin < w.toMin ? m >= w.fromMin && m < w.toMin : m >= w.fromMin || m < w.toMin;
}

/** `inMinuteWindow` on an uncompiled window (cold paths and tests). */
export function inWindow(ts: number, w: TimeWindow): boolean {
  return inMinuteWindow(ts, compileWindow(w));
}

/** Compiles a season 'MM-DD'..'MM-DD' (both days included; from > to wraps the year, e.g. sugar 榨季
 * 11-01..04-30, domain.md §2.3) into a predicate on epoch ms. */
export function compileSeason(from: string, to: string): (ts: number) => boolean {
  const f = Number(MmDd.parse(from).replace('-', ''));
  const t = Number(MmDd.parse(to).replace('-', ''));
  return f <= t
    ? (ts) => {
        const md = beijingMonthDay(ts);
        return md >= f && md <= t;
      }
    : (ts) => {
        const md = beijingMonthDay(ts);
        return md >= f || md <= t;
      };
}

/** True when the Beijing date of `ts` lies in the season from..to (inclusive, may wrap the year). */
export function inSeason(ts: number, from: string, to: string): boolean {
  return compileSeason(from, to)(ts);
}
