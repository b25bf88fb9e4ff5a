// Platform-health alerts (`kind: system`, contract.md "Alerts": topic alerts/_platform/{component}, visible
// to platform operators only). The journal nearing its limit (contract.md "Backpressure"): orange from 80 %
// of the limit, red at 95 % (ingest refuses at 100 % with RW_ERR_BACKLOG_FULL), recovered below 70 %
// (hysteresis). The holiday calendar not covering this year or, within a month, the next. Pure: the shell
// samples on the injected clock.
import { Level } from '../../core/level.ts';
import { beijingDate } from '../calendar/beijing.ts';
import type { LevelSignal } from '../engine/signal.ts';

export interface SpoolStats { unconsumedBytes: number; limitBytes: number }

export function spoolLevel(prev: Level, s: SpoolStats): Level {
  const f = s.limitBytes > 0 ? s.unconsumedBytes / s.limitBytes : 0;
  if (f >= 0.95) return Level.red;
  if (f >= 0.8 || (prev !== Level.none && f >= 0.7)) return Level.orange;
  return Level.none;
}

export function spoolSignal(level: Level, s: SpoolStats, now: number): LevelSignal {
  const pct = s.limitBytes > 0 ? Math.round((s.unconsumedBytes / s.limitBytes) * 1000) / 10 : 0;
  return systemSignal({
    key: '_platform/journal/spool', rule: 'system.journal_spool', level, ts: now, metric: 'spool_bytes', value: s.unconsumedBytes,
    threshold: level === Level.red ? Math.round(s.limitBytes * 0.95) : level === Level.orange ? Math.round(s.limitBytes * 0.8) : null, unit: 'B',
    text: level === Level.none ? `数据缓冲已回落至 ${pct}%` : `数据缓冲（日志）已用 ${pct}%，达上限后将拒收数据（RW_ERR_BACKLOG_FULL）`,
  });
}

/** A platform-health signal: no enterprise, site or sensor, platform default, no evidence. */
function systemSignal(s: Pick<LevelSignal, 'key' | 'rule' | 'level' | 'text' | 'ts'> & Partial<Pick<LevelSignal, 'metric' | 'value' | 'threshold' | 'unit'>>): LevelSignal {
  return {
    kind: 'system', enterpriseId: null, siteId: null, sensorId: null, metric: null, ruleVersion: 1, thresholdSource: 'default',
    nativeAlarm: null, value: null, threshold: null, unit: null, pos: 0, retrospective: false, parentKey: null, evidence: null, ...s,
  };
}

/** What the holiday-calendar check needs of the calendar (rules/calendar/holidays.ts). */
export interface CalendarCoverage {
  covers(year: number): boolean;
}

/** Days before 1 January from which a missing next year is announced (blue): the 国务院办公厅 notice for a
 * year usually comes out in November or December before it. */
export const CALENDAR_LEAD_DAYS = 31;

/** The holiday calendar's coverage (domain.md §2.4.1: holiday and night work rules read the statutory calendar
 * with its 调休 days). Yellow while the current Beijing year is not in the data (its holidays are judged as
 * ordinary days); blue from CALENDAR_LEAD_DAYS before a year that is not; none otherwise. */
export function calendarLevel(cal: CalendarCoverage, now: number): Level {
  const date = beijingDate(now);
  const year = yearOf(date);
  if (!cal.covers(year)) return Level.yellow;
  const daysLeft = daysToNewYear(date);
  return daysLeft <= CALENDAR_LEAD_DAYS && !cal.covers(year + 1) ? Level.blue : Level.none;
}

export function calendarSignal(level: Level, now: number): LevelSignal {
  const date = beijingDate(now);
  const year = yearOf(date);
  const text = level === Level.none
    ? '节假日日历已覆盖当年及次年'
    : level === Level.yellow
      ? `节假日日历未包含 ${year} 年：法定节假日与调休工作日均按普通日判断，请将国务院办公厅 ${year} 年放假安排通知补入 config/holidays.yaml`
      : `节假日日历尚未包含 ${year + 1} 年（${daysToNewYear(date)} 天后开始）：通知发布后请补入 config/holidays.yaml`;
  return systemSignal({ key: '_platform/calendar/holidays', rule: 'system.holiday_calendar', level, text, ts: now });
}

/** Whole days from a Beijing date to 1 January of the next year (1 on 31 December). */
function daysToNewYear(date: string): number {
  return Math.round((Date.UTC(yearOf(date) + 1, 0, 1) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
}

/** The year of a YYYY-MM-DD date. */
function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}
