// Grafana's InfluxQL interpolation as expand.ts reproduces it: table-driven.
import { describe, expect, it } from 'vitest';
import { formatInterval, formatVariable, interpolate, parseTime, queryTime, roundInterval } from './expand.ts';

const NOW = Date.UTC(2026, 10, 22, 0, 0, 0);
const H = 3_600_000;

describe('time', () => {
  it.each([
    ['now', NOW], ['now-6h', NOW - 6 * H], ['now-30d', NOW - 720 * H], ['1700000000000', 1_700_000_000_000],
  ])('parseTime(%s)', (expr, ms) => expect(parseTime(expr, NOW)).toBe(ms));

  it.each([
    ['6 h / 1000 points = 21.6 s → 20 s', 21_600, 20_000],
    ['24 h / 1000 = 86.4 s → 1 m', 86_400, 60_000],
    ['7 d / 1000 = 10 min 4.8 s → 10 m', 604_800, 600_000],
    ['30 d / 1000 = 43.2 min → 30 m', 2_592_000, 1_800_000],
  ])('roundInterval: %s', (_why, ms, out) => expect(roundInterval(ms)).toBe(out));

  it.each([[60_000, '1m'], [900_000, '15m'], [86_400_000, '1d'], [20_000, '20s'], [500, '500ms']])('formatInterval(%d) = %s', (ms, s) => expect(formatInterval(ms)).toBe(s));

  it('applies the panel min interval and time shift', () => {
    expect(queryTime({ from: 'now-6h', to: 'now' }, {}, NOW)).toEqual({ fromMs: NOW - 6 * H, toMs: NOW, intervalMs: 20_000 });
    expect(queryTime({ from: 'now-6h', to: 'now' }, { minInterval: '1m' }, NOW).intervalMs).toBe(60_000);
    expect(queryTime({ from: 'now-7d', to: 'now' }, { timeShift: '7d' }, NOW)).toMatchObject({ fromMs: NOW - 14 * 24 * H, toMs: NOW - 7 * 24 * H });
  });
});

describe('variables', () => {
  it.each([
    ['All with a custom all value: sent as is', { values: ['a', 'b'], all: true, allValue: '.*' }, '.*'],
    ['All without one: every value as a group', { values: ['a', 'b'], all: true }, '(a|b)'],
    ['one value: escaped, no group', { values: ['qilin-coal'], all: false }, 'qilin-coal'],
    ['several: a regex group', { values: ['pm-01', 'ir-01'], all: false }, '(pm-01|ir-01)'],
    ['regex metacharacters and slashes are escaped', { values: ['a.b', 'c/d'], all: false }, '(a\\.b|c\\/d)'],
  ])('formatVariable: %s', (_why, v, out) => expect(formatVariable(v)).toBe(out));

  it('interpolates built-ins and variables in every Grafana syntax, and refuses unknown ones', () => {
    const t = { fromMs: 1000, toMs: 3_601_000, intervalMs: 60_000 };
    const q = 'SELECT mean("p") FROM "reading" WHERE "enterprise" =~ /^$enterprise$/ AND "site" =~ /^${site}$/ AND "sensor" =~ /^[[sensor]]$/ AND $timeFilter GROUP BY time($__interval) -- $__interval_ms $__range_s';
    expect(interpolate(q, t, { enterprise: '.*', site: '(a|b)', sensor: 'pm-01' })).toBe(
      'SELECT mean("p") FROM "reading" WHERE "enterprise" =~ /^.*$/ AND "site" =~ /^(a|b)$/ AND "sensor" =~ /^pm-01$/ AND time >= 1000ms and time <= 3601000ms GROUP BY time(1m) -- 60000 3600');
    expect(() => interpolate('WHERE "x" =~ /^$nope$/', t, {})).toThrow(/unknown variable/);
  });
});
