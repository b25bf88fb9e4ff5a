// Quoting of InfluxQL text: table-driven; the same strings go through a real influxd in history.test.ts.
import { describe, expect, it } from 'vitest';
import { ident, msDuration, msTime, regexValue, source, str, timeRange } from './influxql.ts';

describe('InfluxQL quoting', () => {
  it.each([
    ['plain identifier', 'reading', '"reading"'],
    ['double quote cannot end the identifier', 'a"b', '"a\\"b"'],
    ['backslash cannot escape the closing quote', 'a\\', '"a\\\\"'],
    ['Chinese is fine as is', '甲烷', '"甲烷"'],
  ])('ident: %s', (_why, input, out) => expect(ident(input)).toBe(out));

  it('refuses an empty identifier (InfluxQL has none)', () => expect(() => ident('')).toThrow());

  it.each([
    ['plain id', 'qilin-coal', "'qilin-coal'"],
    ['single quote cannot end the literal (injection)', "x' OR '1'='1", "'x\\' OR \\'1\\'=\\'1'"],
    ['backslash before the quote stays a backslash', "a\\'", "'a\\\\\\''"],
    ['newline escaped', 'a\nb', "'a\\nb'"],
  ])('str: %s', (_why, input, out) => expect(str(input)).toBe(out));

  it.each([
    ['id characters need nothing', 'pm-01', 'pm-01'],
    ['regex metacharacters are literal', 'a.b*(c)', 'a\\.b\\*\\(c\\)'],
    ['a slash cannot end the regex literal', 'a/b', 'a\\/b'],
  ])('regexValue: %s', (_why, input, out) => expect(regexValue(input)).toBe(out));

  it('writes times and durations as integer milliseconds, and refuses anything else', () => {
    expect(msTime(1_795_411_200_000)).toBe('1795411200000ms');
    expect(msDuration(900_000)).toBe('900000ms');
    expect(timeRange(1000, 2000)).toBe('time >= 1000ms AND time < 2000ms');
    expect(() => msTime(1.5)).toThrow();
    expect(() => msDuration(0)).toThrow();
    expect(() => msDuration(Number.NaN)).toThrow();
  });

  it('names the retention policy only when one is configured', () => {
    expect(source('reading', 'riskwatch')).toBe('"reading"');
    expect(source('reading', 'riskwatch', 'autogen')).toBe('"riskwatch"."autogen"."reading"');
  });
});
