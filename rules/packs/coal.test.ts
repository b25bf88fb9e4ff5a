// The coal-mine pack's composites through the real engine (rules/engine/compile.ts, engine.ts and the kinds):
// domain.md §2.2 red for "cut-power value and the feed still shows power (断电失败/馈电异常)" and for "an
// outburst signature" (CH₄ saturating a low-range sensor while the air reverses).
import { describe, expect, it } from 'vitest';
import { levelName } from '../../core/level.ts';
import type { JournalEntry, MetricValue, Quality } from '../../core/reading.ts';
import { EnterpriseSchema } from '../../core/registry.ts';
import { compilePlan } from '../engine/compile.ts';
import { RuleEngine } from '../engine/engine.ts';
import type { LevelSignal } from '../engine/signal.ts';
import { RULE_KINDS } from '../kinds/registry.ts';
import { createResolver } from './resolve.ts';

const T0 = Date.parse('2026-11-23T02:00:00Z');
const S = 1000;

const enterprise = EnterpriseSchema.parse({
  id: 'm', name: 'm', county: '530302', sector: 'coal',
  sites: [{
    id: 'mine', name: 'mine', kind: 'coal_mine', location: { lat: 25, lon: 104 }, areas: [{ id: 'h1', name: 'h1' }, { id: 'h2', name: 'h2' }],
    sensors: [
      { id: 'ch4', type: 'mine_ch4', name: 'ch4', area: 'h1', commissioned: '2024-01-01', params: { location: 'heading', alarm: 1.0, cutPower: 1.5, restore: 1.0 }, relations: [{ kind: 'feed', sensor: 'feed' }] },
      { id: 'feed', type: 'mine_feed', name: 'feed', area: 'h1', commissioned: '2024-01-01' },
      { id: 'wind', type: 'mine_wind', name: 'wind', area: 'h1', commissioned: '2024-01-01', params: { minVelocity: 0.25, maxVelocity: 4.0 } },
      { id: 'wind2', type: 'mine_wind', name: 'wind2', area: 'h2', commissioned: '2024-01-01', params: { minVelocity: 0.25, maxVelocity: 4.0 } },
    ],
  }],
});

/** [seconds from T0, sensor, values, quality]. */
type Row = [number, string, Record<string, MetricValue>, Quality?];

/** Level signals of the methane sensor's process alert and of the site's outburst alert, as "t:level". */
function drive(rows: readonly Row[]): { ch4: string[]; outburst: string[] } {
  const plan = compilePlan({
    enterprises: [enterprise], resolver: createResolver(null), kinds: RULE_KINDS,
    env: { calendar: { dayKind: () => null }, enterprise: () => undefined, baseline: () => ({ at: () => Number.NaN, p95: Number.NaN, production: Number.NaN }) },
  });
  let now = T0;
  const out = { ch4: [] as string[], outburst: [] as string[] };
  const engine = new RuleEngine(plan, {
    now: () => now,
    onSignal: (s: LevelSignal) => {
      const v = `${(s.ts - T0) / S}:${levelName(s.level) ?? 'none'}`;
      if (s.key === 'm/mine/ch4/process') out.ch4.push(v);
      if (s.key === 'm/mine/_site/outburst') out.outburst.push(v);
    },
  });
  let pos = 0;
  for (const [t, sensorId, values, quality] of [...rows].sort((a, b) => a[0] - b[0])) {
    now = T0 + t * S;
    engine.evaluate([{ enterpriseId: 'm', siteId: 'mine', sensorId, ts: now, values, quality: quality ?? 'ok', seq: null, boot: null, pos: ++pos, receivedAt: now, deviceId: null, source: 'mqtt' } satisfies JournalEntry]);
    engine.tick(now);
  }
  return out;
}

/** Readings every 10 s from `from` to `to` (seconds). */
function every(sensorId: string, from: number, to: number, values: (t: number) => Record<string, MetricValue>, quality?: (t: number) => Quality): Row[] {
  const rows: Row[] = [];
  for (let t = from; t <= to; t += 10) rows.push([t, sensorId, values(t), quality?.(t)]);
  return rows;
}

const ch4 = (v: (t: number) => number, q?: (t: number) => Quality) => every('ch4', 0, 300, (t) => ({ ch4: v(t) }), q);
const feedOn = (until = 300) => every('feed', 3, until, () => ({ feed: true }));
const wind = (v: (t: number) => number, id = 'wind') => every(id, 6, 300, (t) => ({ velocity: v(t) }));

describe('mine_ch4 composites through the engine (domain.md §2.2)', () => {
  const cases: { why: string; rows: Row[]; expect: { ch4: string[]; outburst: string[] } }[] = [
    {
      why: 'cut-power 1.5 % with the feed still on: orange 断电, red 馈电异常 10 s after the feed first shows power (t 3), held while it keeps reporting power',
      rows: [...ch4(() => 1.6), ...feedOn(), ...wind(() => 2)],
      expect: { ch4: ['0:orange', '13:red'], outburst: [] },
    },
    {
      why: 'one missing feed reading (a 20 s gap, within the 40 s hot-standby switch-over of AQ 1029) does not drop red to orange',
      rows: [...ch4(() => 1.6), ...feedOn().filter(([t]) => t !== 103), ...wind(() => 2)],
      expect: { ch4: ['0:orange', '13:red'], outburst: [] },
    },
    {
      why: 'a feed silent for more than 40 s is no proof of power: red falls back to orange at the first evaluation past 93 + 40 s (silence is the device track\'s alarm)',
      rows: [...ch4(() => 1.6), ...feedOn(100), ...wind(() => 2)],
      expect: { ch4: ['0:orange', '13:red', '136:orange'], outburst: [] },
    },
    {
      why: 'outburst: CH₄ saturates (overrange from t 100) while the air in its area reverses (126–196) → a red site alert while both hold; the methane alert stays where it was (quality ≠ ok feeds no process rule)',
      rows: [...ch4(() => 4, (t) => (t >= 100 ? 'overrange' : 'ok')).map((r): Row => (r[0] < 100 ? [r[0], r[1], { ch4: 0.3 }] : r)), ...feedOn(), ...wind((t) => (t >= 120 && t < 200 ? -0.8 : 2))],
      expect: { ch4: [], outburst: ['126:red', '206:none'] },
    },
    {
      why: 'saturated CH₄ while the air only drops (a stopped fan, not reversed): no outburst red',
      rows: [...ch4(() => 4, (t) => (t >= 100 ? 'overrange' : 'ok')).map((r): Row => (r[0] < 100 ? [r[0], r[1], { ch4: 0.3 }] : r)), ...feedOn(), ...wind((t) => (t >= 120 ? 0.1 : 2))],
      expect: { ch4: [], outburst: [] },
    },
    {
      why: 'reversed air in another area does not make a saturated sensor an outburst here',
      rows: [...ch4(() => 4, (t) => (t >= 100 ? 'overrange' : 'ok')).map((r): Row => (r[0] < 100 ? [r[0], r[1], { ch4: 0.3 }] : r)), ...feedOn(), ...wind(() => 2), ...wind((t) => (t >= 120 ? -0.8 : 2), 'wind2')],
      expect: { ch4: [], outburst: [] },
    },
  ];

  for (const c of cases) it(c.why, () => expect(drive(c.rows)).toEqual(c.expect));
});
