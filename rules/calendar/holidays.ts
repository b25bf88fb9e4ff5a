// The Chinese statutory-holiday calendar with its 调休 working days, as data (config/holidays.yaml), behind
// the HolidayCalendar interface the rule kinds read (rules/kinds/kind.ts). domain.md §2.4.1 ("use the
// Chinese statutory-holiday calendar including the working weekends swapped in (调休)") and §4 item 7.
//
// Contract: dates are Beijing dates 'YYYY-MM-DD'. A year not in the file is not guessed: `dayKind` answers
// null (an ordinary day: weekends rest, weekdays work) and the calendar records the year as uncovered
// (`uncoveredYearsAsked`, and `onUncoveredYear` once per year) so the engine can log it loudly.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import type { HolidayCalendar } from '../kinds/kind.ts';
import { weekdayOfDate } from './beijing.ts';

export const HOLIDAY_NAMES = ['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节'] as const;

/** The calendar shipped with the platform. */
export const DEFAULT_HOLIDAYS_PATH = fileURLToPath(new URL('../../config/holidays.yaml', import.meta.url));

/** The longest statutory break so far is 9 days (2026 春节); anything longer is a typo in the data. */
const MAX_SPAN_DAYS = 10;
const DAY_MS = 86_400_000;

const IsoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date 'YYYY-MM-DD' (quote it in YAML)")
  .refine((s) => {
    const ms = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(s);
  }, 'no such date');

const HolidayName = z
  .string()
  .refine((s) => s.split('、').every((n) => (HOLIDAY_NAMES as readonly string[]).includes(n)), {
    message: `a statutory holiday (${HOLIDAY_NAMES.join(' | ')}; combined ones joined by 、)`,
  });

export const HolidayEntrySchema = z.strictObject({
  name: HolidayName,
  from: IsoDay,
  to: IsoDay,
  /** 调休: weekend days that are working days because of this holiday. */
  workdays: z.array(IsoDay).default([]),
  /** Defaults to the year's notice. */
  source: z.string().min(1).optional(),
  /** true = not yet checked against the notice (keep it visible until someone has). */
  verify: z.boolean().default(false),
});

export const HolidayYearSchema = z.strictObject({
  /** The 国务院办公厅 notice for the year (title, 文号, date). */
  source: z.string().min(1),
  /** Where the text was checked. */
  checked: z.string().min(1).optional(),
  holidays: z.array(HolidayEntrySchema).min(1),
});

export const HolidaysFileSchema = z.strictObject({
  years: z.record(z.string().regex(/^\d{4}$/, 'a four-digit year'), HolidayYearSchema),
});

export type HolidaysFile = z.infer<typeof HolidaysFileSchema>;

/** One holiday as loaded, its source resolved. */
export interface HolidayEntry {
  year: number;
  name: string;
  from: string;
  to: string;
  workdays: readonly string[];
  source: string;
  verify: boolean;
}

export interface HolidayCalendarOptions {
  /** Called once per uncovered year the first time a date in it is asked about (log it). */
  onUncoveredYear?: (year: number, message: string) => void;
}

interface DayInfo {
  kind: 'holiday' | 'workday';
  entry: HolidayEntry;
}

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}
function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export class StatutoryHolidayCalendar implements HolidayCalendar {
  /** The years the data covers, ascending. */
  readonly coveredYears: readonly number[];
  readonly entries: readonly HolidayEntry[];
  private readonly days = new Map<string, DayInfo>();
  private readonly covered: ReadonlySet<number>;
  private readonly missed = new Set<number>();
  private readonly onUncoveredYear: ((year: number, message: string) => void) | undefined;

  /** `entries` must already be validated (parseHolidayCalendar); duplicates throw. */
  constructor(entries: readonly HolidayEntry[], years: readonly number[], options: HolidayCalendarOptions = {}) {
    this.entries = entries;
    this.coveredYears = [...years].sort((a, b) => a - b);
    this.covered = new Set(years);
    this.onUncoveredYear = options.onUncoveredYear;
    for (const entry of entries) {
      for (let d = dayNumber(entry.from); d <= dayNumber(entry.to); d++) this.put(dateOf(d), { kind: 'holiday', entry });
      for (const w of entry.workdays) this.put(w, { kind: 'workday', entry });
    }
  }

  private put(date: string, info: DayInfo): void {
    const had = this.days.get(date);
    if (had) throw new Error(`${date} is listed twice (${had.entry.name} ${had.kind}, ${info.entry.name} ${info.kind})`);
    this.days.set(date, info);
  }

  /** 'holiday' (statutory rest day), 'workday' (a 调休 working weekend day) or null (an ordinary day). */
  dayKind(beijingDate: string): 'holiday' | 'workday' | null {
    const info = this.days.get(beijingDate);
    if (info) return info.kind;
    this.noteYear(beijingDate);
    return null;
  }

  /** A working day: Monday–Friday and not a holiday, or a 调休 working weekend day. */
  isWorkingDay(beijingDate: string): boolean {
    const kind = this.dayKind(beijingDate);
    if (kind !== null) return kind === 'workday';
    return weekdayOfDate(beijingDate) <= 5;
  }

  /** The holiday's name (e.g. 春节) for a holiday or a 调休 workday, else null (alert text). */
  holidayName(beijingDate: string): string | null {
    return this.days.get(beijingDate)?.entry.name ?? null;
  }

  /** The notice the answer for this date rests on, or null when the date is ordinary or uncovered. */
  sourceOf(beijingDate: string): string | null {
    return this.days.get(beijingDate)?.entry.source ?? null;
  }

  covers(year: number): boolean {
    return this.covered.has(year);
  }

  /** null when the year of `beijingDate` is in the data; otherwise the warning to log. */
  coverageWarning(beijingDate: string): string | null {
    const year = Number(beijingDate.slice(0, 4));
    if (this.covered.has(year)) return null;
    return (
      `holiday calendar has no data for ${year} (covers ${this.coveredYears.join(', ') || 'no year'}): ` +
      `statutory holidays and 调休 working days of ${year} are unknown; add that year's 国务院办公厅 notice to config/holidays.yaml`
    );
  }

  /** Years asked about that the data does not cover (the engine logs these). */
  get uncoveredYearsAsked(): readonly number[] {
    return [...this.missed].sort((a, b) => a - b);
  }

  private noteYear(beijingDate: string): void {
    const year = Number(beijingDate.slice(0, 4));
    if (this.covered.has(year) || this.missed.has(year)) return;
    this.missed.add(year);
    this.onUncoveredYear?.(year, this.coverageWarning(beijingDate)!);
  }
}

function fail(file: string, where: string, message: string): never {
  throw new RwError('RW_ERR_CONFIG', `${file}: ${where}: ${message}`, { file, where });
}

function issuePath(path: readonly PropertyKey[], raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const name = node && typeof node === 'object' ? (node as Record<string, unknown>).name : undefined;
    if (typeof key === 'number' && typeof name === 'string') out += ` (${name})`;
  }
  return out || '(root)';
}

/** Validates the YAML text of a holidays file (pure). Errors are RW_ERR_CONFIG naming the file and entry. */
export function parseHolidayCalendar(text: string, file: string, options: HolidayCalendarOptions = {}): StatutoryHolidayCalendar {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    fail(file, '(yaml)', (err as Error).message);
  }
  const parsed = HolidaysFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(file, issuePath(issue.path, raw), issue.message);
  }
  const entries: HolidayEntry[] = [];
  const years: number[] = [];
  for (const [yearKey, block] of Object.entries(parsed.data.years)) {
    const year = Number(yearKey);
    years.push(year);
    // A year's notice may start 元旦 (or a 调休 day) in the December before it, e.g. 2024 元旦 2023-12-30..2024-01-01.
    const lo = `${year - 1}-12-01`;
    const hi = `${year}-12-31`;
    block.holidays.forEach((h, i) => {
      const where = `years.${year}.holidays[${i}] (${h.name})`;
      for (const d of [h.from, h.to, ...h.workdays]) {
        if (d < lo || d > hi) fail(file, where, `${d} is outside the ${year} notice (${lo}..${hi})`);
      }
      if (h.from > h.to) fail(file, where, `from ${h.from} is after to ${h.to}`);
      const span = dayNumber(h.to) - dayNumber(h.from) + 1;
      if (span > MAX_SPAN_DAYS) fail(file, where, `${span} days is longer than any statutory break (${MAX_SPAN_DAYS})`);
      for (const w of h.workdays) {
        const wd = weekdayOfDate(w);
        if (wd <= 5) fail(file, where, `调休 workday ${w} is a weekday (${wd}), not a Saturday or Sunday`);
        if (w >= h.from && w <= h.to) fail(file, where, `调休 workday ${w} lies inside the holiday ${h.from}..${h.to}`);
      }
      entries.push({ year, name: h.name, from: h.from, to: h.to, workdays: h.workdays, source: h.source ?? block.source, verify: h.verify });
    });
  }
  try {
    return new StatutoryHolidayCalendar(entries, years, options);
  } catch (err) {
    return fail(file, 'years', (err as Error).message);
  }
}

/** Reads and validates a holidays file (default: config/holidays.yaml). */
export function loadHolidayCalendar(path: string = DEFAULT_HOLIDAYS_PATH, options: HolidayCalendarOptions = {}): StatutoryHolidayCalendar {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(path, '(file)', (err as Error).message);
  }
  return parseHolidayCalendar(text, path, options);
}
