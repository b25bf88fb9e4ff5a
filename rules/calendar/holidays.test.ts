import { describe, it, expect } from 'vitest';
import { RwError } from '../../core/errors.ts';
import { weekdayOfDate } from './beijing.ts';
import { loadHolidayCalendar, parseHolidayCalendar } from './holidays.ts';

const calendar = loadHolidayCalendar();

describe('config/holidays.yaml (国办发明电〔2024〕12号, 〔2025〕7号; domain.md §2.4.1 调休)', () => {
  const rows = [
    { why: '2025 元旦 is one day, no 调休', date: '2025-01-01', kind: 'holiday', working: false },
    { why: '2025-01-02 is an ordinary Thursday', date: '2025-01-02', kind: null, working: true },
    { why: '2025 春节 starts on 除夕 1-28', date: '2025-01-28', kind: 'holiday', working: false },
    { why: '2025 春节 ends 2-04', date: '2025-02-04', kind: 'holiday', working: false },
    { why: 'Sunday 2025-01-26 is a 调休 working day for 春节', date: '2025-01-26', kind: 'workday', working: true },
    { why: 'Saturday 2025-02-08 is a 调休 working day for 春节', date: '2025-02-08', kind: 'workday', working: true },
    { why: 'Sunday 2025-04-27 is worked for 劳动节', date: '2025-04-27', kind: 'workday', working: true },
    { why: '2025 端午 crosses into June', date: '2025-06-02', kind: 'holiday', working: false },
    { why: '2025 国庆+中秋 runs to 10-08', date: '2025-10-08', kind: 'holiday', working: false },
    { why: 'Saturday 2025-10-11 is worked', date: '2025-10-11', kind: 'workday', working: true },
    { why: 'an ordinary Saturday rests', date: '2025-10-18', kind: null, working: false },
    { why: '2026 元旦 runs 1-01..1-03', date: '2026-01-03', kind: 'holiday', working: false },
    { why: 'Sunday 2026-01-04 is worked for 元旦', date: '2026-01-04', kind: 'workday', working: true },
    { why: '2026 春节 is 9 days, 2-15..2-23 (a Monday)', date: '2026-02-23', kind: 'holiday', working: false },
    { why: 'Saturday 2026-02-14 is worked', date: '2026-02-14', kind: 'workday', working: true },
    { why: 'Saturday 2026-02-28 is worked', date: '2026-02-28', kind: 'workday', working: true },
    { why: '2026 清明 Monday 4-06 is a holiday', date: '2026-04-06', kind: 'holiday', working: false },
    { why: 'Saturday 2026-05-09 is worked for 劳动节', date: '2026-05-09', kind: 'workday', working: true },
    { why: '2026 端午 Friday 6-19', date: '2026-06-19', kind: 'holiday', working: false },
    { why: '2026 中秋 Friday 9-25', date: '2026-09-25', kind: 'holiday', working: false },
    { why: 'Sunday 2026-09-20 is worked for 国庆', date: '2026-09-20', kind: 'workday', working: true },
    { why: '2026 国庆 ends Wednesday 10-07', date: '2026-10-07', kind: 'holiday', working: false },
    { why: '2026-10-08 is an ordinary Thursday', date: '2026-10-08', kind: null, working: true },
    { why: 'Saturday 2026-10-10 is worked', date: '2026-10-10', kind: 'workday', working: true },
  ] as const;
  it.each(rows)('$why', ({ date, kind, working }) => {
    expect(calendar.dayKind(date)).toBe(kind);
    expect(calendar.isWorkingDay(date)).toBe(working);
  });

  it('covers 2025 and 2026, every entry sourced and checked', () => {
    expect(calendar.coveredYears).toEqual([2025, 2026]);
    for (const e of calendar.entries) {
      expect(e.source).toMatch(/国办发明电/);
      expect(e.verify).toBe(false);
    }
    expect(calendar.holidayName('2026-02-14')).toBe('春节');
    expect(calendar.sourceOf('2026-10-01')).toMatch(/〔2025〕7号/);
    expect(calendar.entries.every((e) => e.workdays.every((w) => weekdayOfDate(w) >= 6))).toBe(true);
  });

  it('says plainly when asked about a year it does not cover, once per year', () => {
    const warnings: string[] = [];
    const cal = loadHolidayCalendar(undefined, { onUncoveredYear: (_y, m) => warnings.push(m) });
    expect(cal.dayKind('2027-10-01')).toBe(null);
    expect(cal.isWorkingDay('2027-10-01')).toBe(true); // an ordinary Friday: nothing is guessed
    expect(cal.dayKind('2027-10-02')).toBe(null);
    expect(cal.dayKind('2026-11-20')).toBe(null);
    expect(cal.uncoveredYearsAsked).toEqual([2027]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no data for 2027.*covers 2025, 2026/);
    expect(cal.coverageWarning('2026-03-01')).toBe(null);
    expect(cal.covers(2027)).toBe(false);
  });
});

describe('parseHolidayCalendar validation names the file and the entry', () => {
  const file = 'test/holidays-bad.yaml';
  const year = (holidays: string): string => `years:\n  2026:\n    source: 国办发明电〔2025〕7号\n    holidays:\n${holidays}`;
  const rows = [
    { why: 'a 调休 workday must fall on a weekend', text: year("      - { name: 春节, from: '2026-02-15', to: '2026-02-23', workdays: ['2026-02-13'] }\n"), msg: /holidays\[0\] \(春节\): 调休 workday 2026-02-13 is a weekday/ },
    { why: 'from after to', text: year("      - { name: 清明节, from: '2026-04-06', to: '2026-04-04' }\n"), msg: /holidays\[0\] \(清明节\): from 2026-04-06 is after to/ },
    { why: 'an unknown holiday name', text: year("      - { name: 圣诞节, from: '2026-12-25', to: '2026-12-25' }\n"), msg: /holidays\[0\] \(圣诞节\)\.name: a statutory holiday/ },
    { why: 'a date outside its year', text: year("      - { name: 国庆节, from: '2027-10-01', to: '2027-10-07' }\n"), msg: /outside the 2026 notice/ },
    { why: 'an impossible date', text: year("      - { name: 元旦, from: '2026-02-30', to: '2026-03-01' }\n"), msg: /holidays\[0\] \(元旦\)\.from: no such date/ },
    { why: 'a span longer than any statutory break', text: year("      - { name: 春节, from: '2026-02-01', to: '2026-02-23' }\n"), msg: /23 days/ },
    {
      why: 'a day listed twice (holiday and workday)',
      text: year("      - { name: 元旦, from: '2026-01-01', to: '2026-01-03' }\n      - { name: 春节, from: '2026-02-15', to: '2026-02-23', workdays: ['2026-01-03'] }\n"),
      msg: /2026-01-03 is listed twice/,
    },
    { why: 'an unknown field is refused (strict)', text: year("      - { name: 元旦, from: '2026-01-01', to: '2026-01-01', day: 1 }\n"), msg: /holidays\[0\] \(元旦\)/ },
    { why: 'a year without a source', text: "years:\n  2026:\n    holidays:\n      - { name: 元旦, from: '2026-01-01', to: '2026-01-01' }\n", msg: /years\.2026\.source/ },
  ];
  it.each(rows)('$why', ({ text, msg }) => {
    let caught: unknown;
    try {
      parseHolidayCalendar(text, file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RwError);
    expect((caught as RwError).code).toBe('RW_ERR_CONFIG');
    expect((caught as RwError).message).toContain(file);
    expect((caught as RwError).message).toMatch(msg);
  });

  it('keeps an entry’s own source and verify flag', () => {
    const cal = parseHolidayCalendar(year("      - { name: 元旦, from: '2026-01-01', to: '2026-01-01', source: 另文, verify: true }\n"), file);
    expect(cal.entries[0]).toMatchObject({ source: '另文', verify: true, year: 2026 });
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadHolidayCalendar('/nonexistent/holidays.yaml')).toThrow(/\/nonexistent\/holidays\.yaml: \(file\)/);
  });
});
