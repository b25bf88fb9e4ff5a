import { describe, expect, it } from 'vitest';
import type { Transition } from '../../core/alert.ts';
import fc from 'fast-check';
import {
  SeriesTable, alertEventLine, alertEventTimeNs, escapeKey, escapeMeasurement, fieldsFromVals, floatField, nsString, readingLine,
  readingTimeNs, splitTimeNs, stringField, type ReadingInput,
} from './schema.ts';

const TS = Date.parse('2026-11-22T00:00:00.123Z');
const reading = (over: Partial<ReadingInput> = {}): ReadingInput => ({
  enterpriseId: 'e1', siteId: 's1', sensorId: 'g1', ts: TS, seq: 1234, quality: 'ok', values: { lel: 0.42 }, receivedAt: TS + 812, ...over,
});
const series = { type: 'gas_combustible', county: '530402', intervalS: 60 };

describe('escaping', () => {
  it.each([
    ['plain ids pass untouched', 'gas-01_a', 'gas-01_a'],
    ['comma, equals and space are escaped in keys and tag values', 'a,b=c d', 'a\\,b\\=c\\ d'],
    ['a backslash is escaped', 'a\\b', 'a\\\\b'],
    ['a newline becomes an escaped space (line protocol has no newline escape outside strings)', 'a\nb', 'a\\ b'],
  ])('escapeKey: %s', (_why, input, out) => expect(escapeKey(input)).toBe(out));

  it('escapes comma and space in measurement names, not the equals sign', () => {
    expect(escapeMeasurement('a b,c=d')).toBe('a\\ b\\,c=d');
  });

  it.each([
    ['plain text is quoted', '一级报警', '"一级报警"'],
    ['double quotes and backslashes are escaped', 'say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
    ['newlines are kept inside the quotes', 'a\nb', '"a\nb"'],
  ])('stringField: %s', (_why, input, out) => expect(stringField(input)).toBe(out));

  it.each([
    ['an integer value stays a float (no i suffix)', 3, '3'],
    ['a fraction', 0.42, '0.42'],
    ['large values in exponent form are floats to InfluxDB', 1e25, '1e+25'],
    ['small ones too', 1e-7, '1e-7'],
    ['true is 1', true, '1'],
    ['false is 0', false, '0'],
    ['a non-finite number is not writable', Number.NaN, null],
  ])('floatField: %s', (_why, v, out) => expect(floatField(v)).toBe(out));
});

describe('timestamps', () => {
  it('puts seq mod 10⁶ below the millisecond, as a string with no float rounding', () => {
    expect(readingTimeNs(TS, 1234)).toBe(`${TS}001234`);
    expect(readingTimeNs(TS, 7_000_001)).toBe(`${TS}000001`);
    expect(BigInt(readingTimeNs(TS, 999_999))).toBe(BigInt(TS) * 1_000_000n + 999_999n);
  });

  it('writes a reading without seq at the millisecond', () => {
    expect(readingTimeNs(TS, null)).toBe(`${TS}000000`);
  });

  it('is reversible: ts_ms and seq mod 10⁶ come back', () => {
    for (const [ts, seq] of [[TS, 0], [TS, 1], [TS, 123_456_789], [1, 5], [Date.parse('2262-01-01T00:00:00Z'), 42]] as const) {
      expect(splitTimeNs(readingTimeNs(ts, seq))).toEqual({ ms: ts, offset: seq % 1_000_000 });
    }
  });

  it('handles epoch 0 and times before 1970 exactly (BigInt path)', () => {
    expect(nsString(0, 5)).toBe('5');
    expect(nsString(-1, 0)).toBe('-1000000');
    expect(splitTimeNs(nsString(-1, 7))).toEqual({ ms: -1, offset: 7 });
  });

  it('keeps two readings of one sensor with the same ts but different seq apart', () => {
    const a = readingLine(reading({ seq: 10 }), series);
    const b = readingLine(reading({ seq: 11 }), series);
    expect(a.split(' ')[0]).toBe(b.split(' ')[0]); // same series
    expect(a.split(' ').pop()).not.toBe(b.split(' ').pop()); // different timestamps
  });

  it('gives alert events distinct timestamps by feed seq within one millisecond', () => {
    const at = Date.parse('2026-11-22T08:00:00.000+08:00');
    const ns = new Set(Array.from({ length: 1000 }, (_, i) => alertEventTimeNs(at, 5000 + i)));
    expect(ns.size).toBe(1000);
    expect(splitTimeNs(alertEventTimeNs(at, 5000)).ms).toBe(at);
  });
});

describe('reading lines', () => {
  it('writes tags in sorted key order, metrics as floats, then interval_s, lag_ms, quality and seq', () => {
    expect(readingLine(reading(), series)).toBe(
      `reading,county=530402,enterprise=e1,sensor=g1,site=s1,type=gas_combustible lel=0.42,interval_s=60,lag_ms=812,quality="ok",seq=1234i ${TS}001234`);
  });

  it('writes booleans as 1.0/0.0 floats', () => {
    const line = readingLine(reading({ values: { running: true, fault: false } }), { type: 'dust_valve', county: '530402', intervalS: 60 });
    expect(line).toContain(' running=1,fault=0,interval_s=60,');
  });

  it('leaves seq out when the reading has none, and keeps the quality', () => {
    const line = readingLine(reading({ seq: null, quality: 'calibrating' }), series);
    expect(line).not.toContain('seq=');
    expect(line).toMatch(/quality="calibrating" \d+000000$/);
  });

  it('writes a sensor the registry no longer knows with placeholder tags and no interval', () => {
    expect(readingLine(reading(), undefined)).toMatch(/^reading,county=_,enterprise=e1,sensor=g1,site=s1,type=_ lel=0\.42,lag_ms=812,/);
  });

  it('builds the same line through the cached series table, and follows a reading to another site', () => {
    const table = new SeriesTable([{ enterpriseId: 'e1', siteId: 's1', sensorId: 'g1', ...series }]);
    expect(table.line(reading())).toBe(readingLine(reading(), series));
    expect(table.line(reading({ siteId: 's2' }))).toContain(',site=s2,');
    expect(table.line(reading())).toBe(readingLine(reading(), series));
  });
});

describe('lines from journal rows (the writer\'s path)', () => {
  it.each([
    ['one metric', '{"lel":0.42}', 'lel=0.42'],
    ['several, booleans as 1/0', '{"running":true,"fault":false,"sparks":3}', 'running=1,fault=0,sparks=3'],
    ['exponents are floats as written', '{"p":1e+25,"q":-1e-7}', 'p=1e+25,q=-1e-7'],
    ['no metric', '{}', ''],
    ['an escaped key falls back', '{"a\\"b":1}', null],
    ['a key that needs line-protocol escaping falls back', '{"a b":1}', null],
    ['null falls back', '{"lel":null}', null],
    ['a nested value falls back', '{"lel":[1]}', null],
    ['not an object falls back', '[1]', null],
  ])('fieldsFromVals: %s', (_why, vals, out) => expect(fieldsFromVals(vals)).toBe(out));

  it('builds exactly the line of the parsed reading, for any values and ids', () => {
    const id = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/);
    const value = fc.oneof(fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    fc.assert(fc.property(id, id, id, fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), value, { minKeys: 1, maxKeys: 4 }),
      fc.option(fc.nat(), { nil: null }), fc.integer({ min: 1, max: 4e12 }), fc.constantFrom('ok', 'fault', 'x"y'),
      (e, s, site, values, seq, ts, quality) => {
        const table = new SeriesTable([{ enterpriseId: e, siteId: 'other', sensorId: s, ...series }]);
        const r: ReadingInput = { enterpriseId: e, siteId: site, sensorId: s, ts, seq, quality, values, receivedAt: ts + 5 };
        expect(table.lineOf(`${e}/${s}/${site}`, ts, seq, quality, JSON.stringify(values), ts + 5)).toBe(readingLine(r, series));
      }));
  });
});

describe('alert_event lines', () => {
  const t = (over: Partial<Transition> = {}): Transition => ({
    id: 'a-1', version: 3, kind: 'process', level: 'orange', nativeAlarm: null, condition: 'active', handling: 'open',
    retrospective: false, enterpriseId: 'e1', siteId: 's1', sensorId: 'g1', metric: 'lel', parentId: null, rule: 'r', ruleVersion: 1,
    thresholdSource: 'default', value: 30, threshold: 25, unit: '%LEL', ackByEnterprise: null, ackByCentre: null, deadline: null, tier: 0,
    message: '可燃气体浓度 30 %LEL，超过报警值 "25"', raisedAt: '2026-11-22T00:00:00.000Z', eventId: 'a-1#3', event: 'level_up', levelNo: 2,
    previousLevel: 'yellow', at: '2026-11-22T00:00:01.500Z', ...over,
  });

  it('writes tags enterprise, event, kind, level, site and the fields of the schema', () => {
    expect(alertEventLine(t(), 42)).toBe(
      'alert_event,enterprise=e1,event=level_up,kind=process,level=orange,site=s1 ' +
      'alert_id="a-1",version=3i,sensor="g1",title="可燃气体浓度 30 %LEL，超过报警值 \\"25\\"",state="open" ' +
      `${Date.parse('2026-11-22T00:00:01.500Z')}000042`);
  });

  it('tags a platform alert _platform and _, with an empty sensor', () => {
    const line = alertEventLine(t({ kind: 'system', enterpriseId: null, siteId: null, sensorId: null }), 7);
    expect(line).toMatch(/^alert_event,enterprise=_platform,event=level_up,kind=system,level=orange,site=_ /);
    expect(line).toContain(',sensor="",');
  });
});
