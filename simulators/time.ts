// Time helpers for the simulators. Plant schedules (shifts, seasons, rain seasons) run in Beijing time,
// UTC+8 with no daylight saving (architecture.md "Time"); all inputs and outputs are epoch ms UTC.

export const SECOND_MS = 1000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const BEIJING_OFFSET_MS = 8 * HOUR_MS;

export interface BeijingTime {
  /** Hour of day as a fraction, 0 ≤ hour < 24 (07:30 → 7.5). */
  hour: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  year: number;
  /** "MM-DD", for season windows. */
  mmdd: string;
  /** Days since the epoch counted in Beijing time (the local calendar day). */
  dayIndex: number;
}

/** The local calendar day (days since the epoch, Beijing), without building a Date (hot paths). */
export const beijingDay = (tMs: number): number => Math.floor((tMs + BEIJING_OFFSET_MS) / DAY_MS);
/** Hour of the Beijing day as a fraction, 0 ≤ h < 24. */
export const beijingHour = (tMs: number): number => (tMs + BEIJING_OFFSET_MS - beijingDay(tMs) * DAY_MS) / HOUR_MS;
/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export const beijingWeekday = (tMs: number): number => (((beijingDay(tMs) + 4) % 7) + 7) % 7;

export function beijing(tMs: number): BeijingTime {
  const local = tMs + BEIJING_OFFSET_MS;
  const d = new Date(local);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const dayIndex = Math.floor(local / DAY_MS);
  return {
    hour: (local - dayIndex * DAY_MS) / HOUR_MS,
    weekday: d.getUTCDay(),
    month,
    day,
    year: d.getUTCFullYear(),
    mmdd: `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    dayIndex,
  };
}

/** Epoch ms of Beijing midnight starting local day `dayIndex`. */
export function beijingMidnight(dayIndex: number): number {
  return dayIndex * DAY_MS - BEIJING_OFFSET_MS;
}

/** Epoch ms of a Beijing wall-clock time ("2026-11-22T08:00" read as +08:00). */
export function beijingAt(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute) - BEIJING_OFFSET_MS;
}

/** Whether "MM-DD" lies in the window [from, to], both inclusive; a window may wrap the new year (11-01…04-30). */
export function inSeason(mmdd: string, from: string, to: string): boolean {
  return from <= to ? mmdd >= from && mmdd <= to : mmdd >= from || mmdd <= to;
}

/** ISO 8601 with the +08:00 offset, the form operators read (contract.md "Readings": ts). */
export function isoBeijing(tMs: number): string {
  return new Date(tMs + BEIJING_OFFSET_MS).toISOString().replace('Z', '+08:00');
}
