// The rule engine's checkpoints (engine.ts `snapshot` / `restore`): the formats and their (de)serialization. What a
// restore does with one (matching rows to the current plan, `adopt`) stays in the engine, beside the state it fills.
//
// Format 5: what is fixed for the plan (names, definitions, places) serialized once per plan; the sensor, metric and
// rule columns as they are; the record banks' arena chunks as they are, with each bank's `pack` saying where its
// rows' records are (object banks: states as columns); site rules' states (a kind's `checkpoint`, or copied whole)
// where not as `init` makes them. It is written on the serving thread, so it is made of a few large arrays and no
// object per rule or sensor: at 10k gas detectors ≈ 6 ms (format 3, with whole composite copies and a state object
// per row: ≈ 135 ms).
import v8 from 'node:v8';
import { Level } from '../../core/level.ts';
import { snapshotOf } from '../kinds/snapshot.ts';
import type { MetricColumns, Plan, RuleSpec, SensorColumns } from './plan.ts';

/** What a checkpoint holds (format 5; see `writeCheckpoint`). */
export interface Checkpoint {
  v: 5;
  pos: number;
  /** The plan's fixed part (`PlanFacts`), serialized once per plan. */
  plan: Uint8Array;
  /** `heard` is absent from checkpoints written before it existed: a sensor with readings then counts as heard live. */
  s: Pick<SensorColumns, 'lastTs' | 'quality' | 'deviceState' | 'deviceSince' | 'evTs' | 'evVal' | 'evQ' | 'evN'> & { heard?: Uint8Array };
  m: Pick<MetricColumns, 'last' | 'lastTs'>;
  /** Per rule, its level. */
  level: Uint8Array;
  /** The record banks' chunks as int32 words, as they are (bank.ts RawRecords points into them). */
  arena: Int32Array[];
  /** Per bank, in `PlanFacts.bankKinds` order, its `pack` of its rows. */
  banks: unknown[];
  /** Site rules not as `init` makes them (a kind's `checkpoint`, or the state copied whole) and their levels. */
  site: Record<string, { s: unknown; l: number }>;
  slots: Record<string, [number, number, boolean]>;
}

/** What is fixed for a plan, to match a checkpoint's rows against another plan: sensor keys, metric names, rule
 * definitions (params fingerprints once in `fps`), each rule's place in its bank's pack, site rules' fingerprints. */
interface PlanFacts {
  fps: string[];
  keys: string[];
  metricFrom: SensorColumns['metricFrom'];
  ruleFrom: SensorColumns['ruleFrom'];
  metricName: MetricColumns['name'];
  specs: { id: string; kind: string; f: number }[];
  spec: Int32Array;
  packedAt: Int32Array;
  bankKinds: string[];
  siteF: Record<string, number>;
}

/** Format 3 (every bank's rows as columns, names in every checkpoint), and the form `adopt` reads any format in. */
export interface CheckpointV3 {
  v: 3;
  pos: number;
  fps: string[];
  keys: string[];
  s: Pick<SensorColumns, 'lastTs' | 'quality' | 'deviceState' | 'deviceSince' | 'evTs' | 'evVal' | 'evQ' | 'evN' | 'metricFrom' | 'ruleFrom'> & { heard?: Uint8Array };
  m: Pick<MetricColumns, 'name' | 'last' | 'lastTs'>;
  /** Per rule: its definition (an index into `specs`), level and place in its bank's pack. */
  r: { specs: { id: string; kind: string; f: number }[]; spec: Int32Array; level: Uint8Array; packedAt: Int32Array };
  banks: { kind: string; packed: unknown }[];
  site: Record<string, { f: number; s: unknown; l: number }>;
  slots: Record<string, [number, number, boolean]>;
}

/** The plan's fixed part of every checkpoint (serialized), and each bank's rows in pack order. */
export interface PlanPart {
  bytes: Uint8Array;
  rowsOf: number[][];
}

export function makePlanPart(plan: Plan): PlanPart {
  const { s: S, m: M, r: R, banks } = plan;
  const nr = R.level.length;
  const rowsOf: number[][] = banks.map(() => []);
  const packedAt = new Int32Array(nr);
  for (let j = 0; j < nr; j++) { const b = R.bank[j]!; packedAt[j] = rowsOf[b]!.length; rowsOf[b]!.push(R.row[j]!); }
  const fps: string[] = [];
  const fpIndex = new Map<string, number>();
  const fp = (fingerprint: string) => {
    let f = fpIndex.get(fingerprint);
    if (f === undefined) { f = fps.length; fps.push(fingerprint); fpIndex.set(fingerprint, f); }
    return f;
  };
  const siteF: PlanFacts['siteF'] = {};
  for (const r of plan.siteRules) siteF[r.uid] = fp(r.fingerprint);
  const facts: PlanFacts = {
    ...specTable(R.spec, fp), fps, keys: plan.sensors.map((c) => c.key), metricFrom: S.metricFrom, ruleFrom: S.ruleFrom,
    metricName: M.name, packedAt, bankKinds: banks.map((b) => b.kind.kind), siteF,
  };
  return { bytes: v8.serialize(facts), rowsOf };
}

/** A format 5 checkpoint of the plan's state at journal position `pos` (`part`: makePlanPart of this plan). */
export function writeCheckpoint(plan: Plan, part: PlanPart, pos: number): Uint8Array {
  const { s: S, m: M, r: R, banks } = plan;
  const site: Checkpoint['site'] = {};
  for (const r of plan.siteRules) {
    const s = r.kind.checkpoint ? r.kind.checkpoint(r.state) : snapshotOf(r.state);
    // A rule as `init` makes it, with no level up, is what a restore starts from anyway.
    if (s !== null || r.level !== Level.none) site[r.uid] = { s, l: r.level };
  }
  const slots: Checkpoint['slots'] = {};
  for (const sl of plan.slots.values()) if (sl.announced !== Level.none || sl.level !== Level.none) slots[sl.key] = [sl.level, sl.announced, sl.covered];
  const cp: Checkpoint = {
    v: 5, pos, plan: part.bytes,
    s: { lastTs: S.lastTs, quality: S.quality, deviceState: S.deviceState, deviceSince: S.deviceSince, evTs: S.evTs, evVal: S.evVal, evQ: S.evQ, evN: S.evN, heard: S.heard },
    m: { last: M.last, lastTs: M.lastTs },
    level: R.level,
    arena: plan.arena.i,
    banks: banks.map((b, i) => b.pack(part.rowsOf[i]!)),
    site, slots,
  };
  return v8.serialize(cp);
}

/** A checkpoint read: its journal position, and either its state in the form `adopt` reads (formats 3 and 5; the
 * arena chunks of format 5) or, for an older or unknown format, only what its slots announced. */
export function readCheckpoint(bytes: Uint8Array): { pos: number; cp: CheckpointV3 | null; arena: readonly Int32Array[] | null; slots: Checkpoint['slots'] } {
  const cp = v8.deserialize(bytes) as Checkpoint | CheckpointV3 | { v: number; pos: number; slots?: Checkpoint['slots'] };
  if (cp.v === 5) return { pos: cp.pos, cp: fromFormat5(cp as Checkpoint), arena: (cp as Checkpoint).arena, slots: {} };
  if (cp.v === 3) return { pos: cp.pos, cp: cp as CheckpointV3, arena: null, slots: {} };
  return { pos: cp.pos, cp: null, arena: null, slots: cp.slots ?? {} };
}

/** A format 5 checkpoint in the form `adopt` reads (its plan part unpacked). */
function fromFormat5(cp: Checkpoint): CheckpointV3 {
  const p = v8.deserialize(cp.plan) as PlanFacts;
  const site: CheckpointV3['site'] = {};
  for (const [uid, e] of Object.entries(cp.site)) site[uid] = { f: p.siteF[uid] ?? -1, s: e.s, l: e.l };
  return {
    v: 3, pos: cp.pos, fps: p.fps, keys: p.keys,
    s: { ...cp.s, metricFrom: p.metricFrom, ruleFrom: p.ruleFrom },
    m: { name: p.metricName, last: cp.m.last, lastTs: cp.m.lastTs },
    r: { specs: p.specs, spec: p.spec, level: cp.level, packedAt: p.packedAt },
    banks: p.bankKinds.map((kind, b) => ({ kind, packed: cp.banks[b] })),
    site, slots: cp.slots,
  };
}

/** The distinct rule definitions of a plan, and each rule's index into them (a checkpoint names each once). */
function specTable(specs: readonly RuleSpec[], fp: (fingerprint: string) => number): { specs: { id: string; kind: string; f: number }[]; spec: Int32Array } {
  const index = new Map<RuleSpec, number>();
  const table: { id: string; kind: string; f: number }[] = [];
  const spec = new Int32Array(specs.length);
  specs.forEach((sp, j) => {
    let i = index.get(sp);
    if (i === undefined) { i = table.length; index.set(sp, i); table.push({ id: sp.id, kind: sp.kindName, f: fp(sp.fingerprint) }); }
    spec[j] = i;
  });
  return { specs: table, spec };
}
