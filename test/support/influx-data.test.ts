// The demo fixture writes the writer's schema: its lines carry the same measurement, tags, fields (types
// included) and millisecond time as storage/influx/schema.ts builds for the same reading or event. If the
// writer's schema moves, this fails before the history and dashboard tests silently test another schema.
import { describe, expect, it } from 'vitest';
import type { Transition } from '../../core/alert.ts';
import { alertEventLine as writerAlertLine, readingLine as writerReadingLine } from '../../storage/influx/schema.ts';
import { alertEventLine, readingLine } from './influx-data.ts';

/** A minimal line-protocol reader for unescaped test lines: field values keep their type marker. */
function parseLine(line: string) {
  const [head, fieldText, ns] = line.match(/^(\S+) (.+) (\d+)$/)!.slice(1) as [string, string, string];
  const [measurement, ...tagParts] = head.split(',');
  const tags = Object.fromEntries(tagParts.map((t) => t.split('=') as [string, string]));
  const fields: Record<string, { type: 'int' | 'float' | 'string'; value: string | number }> = {};
  for (const m of fieldText.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|[^,]+)/g)) {
    const raw = m[2]!;
    fields[m[1]!] = raw.startsWith('"') ? { type: 'string', value: raw.slice(1, -1) } : raw.endsWith('i') ? { type: 'int', value: Number(raw.slice(0, -1)) } : { type: 'float', value: Number(raw) };
  }
  return { measurement, tags, fields, ms: Number(BigInt(ns) / 1_000_000n) };
}

describe('the fixture writes the writer schema (storage/influx/schema.ts)', () => {
  it('reading: same tags, fields and field types (booleans 1/0 floats, seq integer), same time', () => {
    const ts = Date.UTC(2026, 10, 22, 0, 0, 5);
    const mine = readingLine({ enterprise: 'qilin-coal', site: 'mine-1', sensor: 'feed-1', type: 'mine_feed', county: '530302' },
      { ts, seq: 1234567, values: { feed: true, x: 0.42, y: 3 }, quality: 'ok', lagMs: 850 }, 10);
    const theirs = writerReadingLine(
      { enterpriseId: 'qilin-coal', siteId: 'mine-1', sensorId: 'feed-1', ts, seq: 1234567, quality: 'ok', values: { feed: true, x: 0.42, y: 3 }, receivedAt: ts + 850 },
      { type: 'mine_feed', county: '530302', intervalS: 10 },
    );
    expect(parseLine(mine)).toEqual(parseLine(theirs));
    expect(mine.split(' ').at(-1)).toBe(theirs.split(' ').at(-1)); // ns with the seq offset
  });

  it('alert_event: same tags and fields, _platform and _ for a system alert', () => {
    const at = Date.UTC(2026, 10, 22, 0, 1, 0);
    for (const [enterpriseId, siteId, sensorId] of [['yuxi-chem', 'plant-1', 'lel-fn-03'], [null, null, null]] as const) {
      const mine = alertEventLine({ ts: at, enterpriseId, siteId, sensorId, level: 'orange', kind: enterpriseId ? 'process' : 'system', event: 'raised', alertId: 'a1', version: 1, title: '可燃气体 "高"', state: 'open' });
      const t = { id: 'a1', version: 1, kind: enterpriseId ? 'process' : 'system', level: 'orange', event: 'raised', enterpriseId, siteId, sensorId, message: '可燃气体 "高"', handling: 'open', at: new Date(at).toISOString() } as unknown as Transition;
      expect(parseLine(mine)).toEqual(parseLine(writerAlertLine(t, 0)));
    }
  });
});
