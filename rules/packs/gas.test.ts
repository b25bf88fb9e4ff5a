// The combustible-gas pack through the real engine (rules/engine/compile.ts, engine.ts and the kinds): the
// colours of domain.md §2.1 as they come out for a detector's readings, where the pack's choices matter:
// "orange persisting > 5 min" timed on the orange level (also while a detector is latched over range), the
// off-delay that rides through plume turbulence, and "orange on ≥ 2 detectors in the same area".
import { describe, expect, it } from 'vitest';
import { levelName } from '../../core/level.ts';
import type { JournalEntry, Quality } from '../../core/reading.ts';
import { EnterpriseSchema } from '../../core/registry.ts';
import { compilePlan } from '../engine/compile.ts';
import { RuleEngine } from '../engine/engine.ts';
import type { LevelSignal } from '../engine/signal.ts';
import { RULE_KINDS } from '../kinds/registry.ts';
import { createResolver } from './resolve.ts';

const T0 = Date.parse('2026-11-23T02:00:00Z');
const S = 1000;

const enterprise = EnterpriseSchema.parse({
  id: 'e1', name: 'e1', county: '530402', sector: 'hazchem',
  sites: [{
    id: 's1', name: 's1', kind: 'chemical_plant', location: { lat: 24, lon: 102 }, areas: [{ id: 'a1', name: 'a1' }, { id: 'a2', name: 'a2' }],
    sensors: [
      { id: 'g1', type: 'gas_combustible', name: 'g1', area: 'a1', commissioned: '2024-01-01' },
      { id: 'g2', type: 'gas_combustible', name: 'g2', area: 'a1', commissioned: '2024-01-01' },
      { id: 'g3', type: 'gas_combustible', name: 'g3', area: 'a2', commissioned: '2024-01-01' },
    ],
  }],
});

/** One reading per sensor per step: [seconds from T0, sensor, %LEL, quality]. */
type Row = [number, string, number, Quality?];

/** Feeds the readings (and a clock tick at each reading's time, as the runtime's 5 s tick would) and returns
 * the engine's level signals for each sensor's process alert (one per change of the alert's level, the max over
 * its rules), as "t:level" with t in seconds from T0. */
function drive(rows: readonly Row[]): Record<string, string[]> {
  const plan = compilePlan({
    enterprises: [enterprise], resolver: createResolver(null), kinds: RULE_KINDS,
    env: { calendar: { dayKind: () => null }, enterprise: () => undefined, baseline: () => ({ at: () => Number.NaN, p95: Number.NaN, production: Number.NaN }) },
  });
  let now = T0;
  const out: Record<string, string[]> = {};
  const engine = new RuleEngine(plan, {
    now: () => now,
    onSignal: (s: LevelSignal) => { if (s.kind === 'process' && s.sensorId) (out[s.sensorId] ??= []).push(`${(s.ts - T0) / S}:${levelName(s.level) ?? 'none'}`); },
  });
  let pos = 0;
  for (const [t, sensorId, lel, quality] of rows) {
    now = T0 + t * S;
    const e: JournalEntry = { enterpriseId: 'e1', siteId: 's1', sensorId, ts: now, values: { lel }, quality: quality ?? 'ok', seq: null, boot: null, pos: ++pos, receivedAt: now, deviceId: null, source: 'mqtt' };
    engine.evaluate([e]);
    engine.tick(now);
  }
  return out;
}

/** `value(t)` every 10 s from `from` to `to` (seconds) at one sensor. */
function series(sensorId: string, from: number, to: number, value: (t: number) => number, quality?: Quality): Row[] {
  const rows: Row[] = [];
  for (let t = from; t <= to; t += 10) rows.push([t, sensorId, value(t), quality]);
  return rows;
}

describe('gas_combustible pack through the engine (domain.md §2.1)', () => {
  // 60 %LEL from nothing: orange's 10 s on-delay completes first and implies yellow and blue (step.ts).
  const cases: { why: string; rows: Row[]; expect: Record<string, string[]> }[] = [
    {
      why: 'a leak held at 60 %LEL: orange (二级, ≥ 50) after its 10 s on-delay, red once orange has persisted 5 min',
      rows: series('g1', 0, 400, () => 60),
      expect: { g1: ['10:orange', '310:red'] },
    },
    {
      why: 'one reading at 49 %LEL (below 50, above orange\'s clear value 48) neither drops orange nor restarts the 5 min',
      rows: series('g1', 0, 400, (t) => (t === 150 ? 49 : 60)),
      expect: { g1: ['10:orange', '310:red'] },
    },
    {
      why: 'a turbulence dip to 35 %LEL for 20 s, shorter than the 60 s off-delay, keeps orange and its 5 min (σ_ln 0.3, 5–30 s correlation)',
      rows: series('g1', 0, 400, (t) => (t >= 150 && t < 170 ? 35 : 60)),
      expect: { g1: ['10:orange', '310:red'] },
    },
    {
      why: 'a real fall to 20 %LEL leaves orange and yellow 60 s after it (blue holds: 20 ≥ 10), before orange had persisted 5 min',
      rows: series('g1', 0, 200, (t) => (t < 100 ? 60 : 20)),
      expect: { g1: ['10:orange', '160:blue'] },
    },
    {
      why: 'over range after orange (the bead latches, domain.md §2.1 "keep the alarm latched"): no quality-ok reading, yet orange persisting 5 min turns red',
      rows: [...series('g1', 0, 40, () => 60), ...series('g1', 50, 400, () => 100, 'overrange')],
      expect: { g1: ['10:orange', '310:red'] },
    },
    {
      why: 'two detectors of one area at orange: both red after the 10 s confirmation ("orange on ≥ 2 detectors in the same area")',
      rows: [...series('g1', 0, 100, () => 60), ...series('g2', 5, 105, () => 60)].sort((a, b) => a[0] - b[0]),
      expect: { g1: ['10:orange', '25:red'], g2: ['15:orange', '25:red'] },
    },
    {
      why: 'a detector of another area at orange does not make the first red',
      rows: [...series('g1', 0, 100, () => 60), ...series('g3', 5, 105, () => 60)].sort((a, b) => a[0] - b[0]),
      expect: { g1: ['10:orange'], g3: ['15:orange'] },
    },
  ];

  for (const c of cases) it(c.why, () => expect(drive(c.rows)).toEqual(c.expect));
});
