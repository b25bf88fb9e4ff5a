// Record banks (bank.ts RecordBank) keep the standard mix's states as records in shared chunks instead of the
// kinds' state objects. These cases pin that such a bank decides, describes, ticks and checkpoints exactly as
// the kind does on its own state objects (an ObjectBank of the same kind), across chunk boundaries, and that
// a checkpoint of either restores into the other.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { QUALITIES, type Quality } from '../../core/reading.ts';
import type { SensorTypeId } from '../../core/sensor-types.ts';
import { ctxFor } from './testkit.ts';
import type { RuleBank, Sample, SensorRuleContext, SensorRuleKind } from './kind.ts';
import { ObjectBank, RecordArena, RecordBank, rowOf, type PackedStates, type RawRecords } from './bank.ts';
import { threshold } from './threshold.ts';
import { rate } from './rate.ts';
import { statistic } from './statistic.ts';
import { health } from './health.ts';
import { Rng } from '../../simulators/rng.ts';

const T0 = Date.UTC(2026, 0, 5);

/** A context whose baselines are a flat 200 (statistic 'baseline' mode). */
function withBaseline(type: SensorTypeId): SensorRuleContext {
  const c = ctxFor(type);
  return { ...c, env: { ...c.env, baseline: () => ({ at: () => 200, p95: NaN, production: 200 }) } };
}

interface Case {
  why: string;
  kind: SensorRuleKind<unknown, unknown>;
  /** Instances cycle through these (params as the schema gives them, and the context). */
  rules: { params: unknown; ctx: SensorRuleContext }[];
  /** The value of instance i at step k, around which the case's levels lie. */
  value: (i: number, k: number, rnd: () => number) => number;
  /** Also vary quality and clock skew, and tick (health). */
  device?: boolean;
}

const p = (kind: SensorRuleKind<unknown, unknown>, params: unknown) => kind.paramsSchema.parse(params);

const cases: Case[] = [
  {
    why: 'threshold: rising with holds, band with a low side and lowActiveFrom',
    kind: threshold as SensorRuleKind<unknown, unknown>,
    rules: [
      { params: p(threshold as never, { direction: 'rising', levels: { blue: { enter: 10, clear: 8, enterS: 20 }, yellow: { enter: 25, clear: 23, exitS: 30 }, red: { enter: 50, enterS: 60 } } }), ctx: ctxFor('gas_combustible') },
      { params: p(threshold as never, { direction: 'band', levels: { yellow: { enter: 23.5, enterS: 10 } }, low: { yellow: { enter: 19.5, clear: 19.7, exitS: 20 }, red: { enter: 16 } }, lowActiveFrom: 5 }), ctx: ctxFor('gas_o2') },
    ],
    value: (i, k, rnd) => (i % 2 === 0 ? 30 * rnd() + (k % 40 > 20 ? 25 : 0) : 3 + 22 * rnd()),
  },
  {
    why: 'rate: rising, abs with median3, a coarse window (several records per chunk, many chunks)',
    kind: rate as SensorRuleKind<unknown, unknown>,
    rules: [
      { params: p(rate as never, { windowS: 60, perS: 60, direction: 'rising', levels: { blue: { enter: 5, clear: 4 }, yellow: { enter: 20, enterS: 10 } } }), ctx: ctxFor('gas_combustible') },
      { params: p(rate as never, { windowS: 120, perS: 60, points: 30, filter: 'median3', direction: 'abs', levels: { yellow: { enter: 10, clear: 5, exitS: 20 } } }), ctx: ctxFor('gas_combustible') },
      { params: p(rate as never, { windowS: 600, perS: 60, points: 7, minSamples: 2, direction: 'falling', levels: { red: { enter: -3 } } }), ctx: ctxFor('gas_combustible') },
    ],
    value: (i, k, rnd) => (k % 50 < 25 ? k * (i % 5) : 100 - k) + 3 * rnd(),
  },
  {
    why: 'statistic: EWMA records next to baseline and sum states (objects) in one bank',
    kind: statistic as SensorRuleKind<unknown, unknown>,
    rules: [
      { params: p(statistic as never, { mode: 'ewma', halfLifeS: 600, warmupSamples: 5, direction: 'abs', levels: { blue: { enter: 2, clear: 1.5 }, yellow: { enter: 3, enterS: 20 } } }), ctx: ctxFor('gas_combustible') },
      { params: p(statistic as never, { mode: 'ewma', halfLifeS: 60, warmupSamples: 3, freezeAt: 'never', direction: 'rising', levels: { red: { enter: 2.5 } } }), ctx: ctxFor('gas_combustible') },
      { params: p(statistic as never, { mode: 'baseline', direction: 'rising', measure: 'ratio', levels: { yellow: { enter: 1.2, clear: 1.1 } } }), ctx: withBaseline('power_meter') },
      { params: p(statistic as never, { mode: 'sum', windowS: 600, direction: 'rising', levels: { blue: { enter: 30, clear: 25 } } }), ctx: ctxFor('rain_gauge') },
    ],
    value: (i, k, rnd) => (i % 4 === 2 ? 180 + 80 * rnd() : 10 + 2 * rnd() + (k % 30 === 29 ? 15 : 0)),
  },
  {
    why: 'health: qualities, out of range, clock skew, stuck runs and silence on the clock',
    kind: health as SensorRuleKind<unknown, unknown>,
    rules: [
      { params: p(health as never, {}), ctx: ctxFor('gas_combustible') },
      { params: p(health as never, { stuckSamples: 3, stuckMinS: 20, silentAfterS: 30, skewMs: 5_000 }), ctx: ctxFor('gas_combustible') },
    ],
    value: (_i, k, rnd) => (k % 20 < 8 ? 7 : rnd() < 0.05 ? 130 : Math.round(10 * rnd())),
    device: true,
  },
];

/** Feeds the same samples (and ticks) to every bank; returns what each decided, one string per bank. */
function drive(banks: { bank: RuleBank; rows: number[] }[], c: Case, seed: number, from: number, steps: number): string[] {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const out = banks.map(() => [] as (number | string)[]);
  const s: Sample = { ts: 0, value: 0, quality: 'ok', receivedAt: 0 };
  const n = banks[0]!.rows.length;
  for (let k = from; k < from + steps; k++) {
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (c.device && r < 0.1) {
        const now = T0 + k * 10_000 + 60_000 * Math.floor(rnd() * 3);
        banks.forEach(({ bank, rows }, b) => out[b]!.push(bank.tick(rows[i]!, now), bank.deviceState(rows[i]!), bank.deviceSince(rows[i]!)));
        continue;
      }
      s.receivedAt = T0 + k * 10_000 + Math.floor(rnd() * 5_000);
      // Now and then a late sample (ignored) or a sample without this metric (NaN).
      s.ts = r < 0.15 ? s.receivedAt - 30_000 : s.receivedAt + (c.device && rnd() < 0.1 ? 20_000 : 0);
      s.value = r > 0.95 ? NaN : c.value(i, k, rnd);
      s.quality = c.device && rnd() < 0.1 ? QUALITIES[1 + Math.floor(rnd() * (QUALITIES.length - 1))]! as Quality : 'ok';
      banks.forEach(({ bank, rows }, b) => {
        out[b]!.push(bank.evaluate(rows[i]!, s));
        if (c.device) out[b]!.push(bank.deviceState(rows[i]!), bank.deviceSince(rows[i]!));
      });
    }
  }
  return out.map((o) => o.join(','));
}

function fill(bank: RuleBank, c: Case, n: number): number[] {
  return Array.from({ length: n }, (_, i) => bank.add(c.rules[i % c.rules.length]!.params, c.rules[i % c.rules.length]!.ctx));
}

const N = 400; // enough records to fill several chunks

/** A packed row without its arrays' offsets (`o`, `od`): a chunk slice reads back at offset 0, with none. */
function data(row: Record<string, unknown>): Record<string, unknown> {
  const { o: _o, od: _od, ...rest } = row;
  return rest;
}

describe('record banks equal the kinds on their own state objects', () => {
  it.each(cases)('$why', (c) => {
    const objects = new ObjectBank(c.kind);
    const arena = new RecordArena(); // shared, as the banks of a plan share one
    const records = c.kind.createBank!(arena);
    expect(records).not.toBeInstanceOf(ObjectBank);
    const o = { bank: objects as RuleBank, rows: fill(objects, c, N) };
    const r = { bank: records, rows: fill(records, c, N) };
    const [a, b] = drive([o, r], c, 7, 0, 120);
    expect(b).toBe(a);
    expect(r.rows.map((row) => records.describe(row))).toEqual(o.rows.map((row) => objects.describe(row)));
    // What a recovery announces (value without the text) is describe's value.
    expect(r.rows.map((row) => records.value(row))).toEqual(o.rows.map((row) => objects.describe(row).value));

    // The states as columns are the same data either way (the kind's state shape), and restore into either.
    const po = objects.pack(o.rows) as PackedStates;
    const pr = (records as RecordBank<unknown, unknown, unknown>).packColumns(r.rows);
    for (let i = 0; i < N; i++) expect(data(rowOf(pr, i))).toEqual(data(rowOf(po, i)));
    const objects2 = new ObjectBank(c.kind);
    const records2 = c.kind.createBank!(arena);
    const o2 = { bank: objects2 as RuleBank, rows: fill(objects2, c, N) };
    const r2 = { bank: records2, rows: fill(records2, c, N) };
    o2.rows.forEach((row, i) => expect(objects2.unpack(pr, i, row, null)).toBe(true));
    r2.rows.forEach((row, i) => expect(records2.unpack(po, i, row, null)).toBe(true));
    // A record bank's checkpoint points into the arena's chunks, which the checkpoint holds as they are (RawRecords);
    // through v8 serialization as the engine's checkpoint goes, into a bank of another plan (another arena, so other
    // chunks, offsets and config indices).
    const cp = v8.deserialize(v8.serialize({ packed: records.pack(r.rows), arena: arena.i })) as { packed: unknown; arena: Int32Array[] };
    const records3 = c.kind.createBank!(new RecordArena());
    const pad = fill(records3, c, 3); // other offsets than in the checkpoint
    const r3 = { bank: records3, rows: fill(records3, c, N) };
    expect(pad).toHaveLength(3);
    r3.rows.forEach((row, i) => expect(records3.unpack(cp.packed, i, row, cp.arena)).toBe(true));
    const [a2, b2, c2, d2] = drive([o, o2, r2, r3], c, 11, 120, 80);
    expect(b2).toBe(a2);
    expect(c2).toBe(a2);
    expect(d2).toBe(a2);
  });

  // Why: a checkpoint outlives the code that wrote it; records of another layout must not be read as this one's.
  it.each(cases)('a raw record of another layout is not restored: $why', (c) => {
    const arena = new RecordArena();
    const records = c.kind.createBank!(arena);
    const raw = records.pack(fill(records, c, 4)) as RawRecords;
    const other = c.kind.createBank!(new RecordArena());
    // Records only (statistic keeps baselines and sums as objects, packed as columns).
    const rows = fill(other, c, 4).map((row, i) => [row, i] as const).filter(([row]) => row >= 0);
    expect(rows.map(([row, i]) => other.unpack({ ...raw, layout: `${raw.layout}-old` }, i, row, arena.i))).toEqual(rows.map(() => false));
    expect(rows.map(([row, i]) => other.unpack(raw, i, row, null))).toEqual(rows.map(() => false)); // no arena
    expect(rows.map(([row, i]) => other.unpack(raw, i, row, arena.i))).toEqual(rows.map(() => true));
  });
});
