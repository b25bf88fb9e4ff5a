// The contract every rule kind implements (architecture.md rules 2 and 3): one file per kind exporting a
// descriptor, listed in one registry table (rules/kinds/registry.ts). Params are validated and compiled
// once at load (`init`); the per-reading path (`evaluate`) never parses, and allocates nothing.
//
// State is owned by the engine and updated in place by `evaluate`: a kind's evaluate is a pure function
// of (state, sample) in every other respect — no clock reads, no I/O, no globals. Time comes from the
// sample (device time) or from `now` passed to `tick` (the injected Clock).
import type { z } from 'zod';
import type { Level } from '../../core/level.ts';
import type { Quality } from '../../core/reading.ts';
import type { EnterpriseState, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { MetricDef } from '../../core/sensor-types.ts';
import type { RecordArena } from './bank.ts';

/** Process rules see only quality-ok samples (domain.md §2 "quality ≠ ok never raises process alarms");
 * device rules see every sample. */
export type Track = 'process' | 'device';

/** One sample of one metric, in timestamp order per sensor. The engine reuses one object: do not keep it. */
export interface Sample {
  /** Device time, epoch ms UTC. */
  ts: number;
  /** The metric's value; booleans as 1/0; NaN when the reading did not carry this metric. */
  value: number;
  quality: Quality;
  /** When the platform received it (epoch ms), for clock-skew checks. */
  receivedAt: number;
  /** A history import (source `import`): it warms windows and baselines but says nothing about the device now
   * (no liveness; `receivedAt` is then its device time, so no clock-skew judgement either). */
  imported?: boolean;
}

/** What an alert says about the level a rule has decided (cold path: asked only when the level changes). */
export interface RuleDetail {
  /** The value that decided the level (after filtering), or null. */
  value: number | null;
  /** The threshold crossed (enter value of the level in force), or null. */
  threshold: number | null;
  /** The standard's own grade, e.g. "一级报警" (GB/T 50493) or "断电" (AQ 1029); null when none. */
  nativeAlarm: string | null;
  /** Chinese fragment for the alert message, e.g. "浓度 26.0 %LEL ≥ 25 %LEL 持续 30 s". */
  text: string;
}

/** A RuleDetail. Every kind's describe builds its detail here, not as an object literal of its own: literals of
 * these four fields in many functions share one hidden class, each literal generalizes the fields' representation
 * in turn (a small integer, a double, null), and the other literals' templates stay on the deprecated class. Every
 * alert's detail then missed the engine's inline caches (a map migration in `emit`), which reset V8's count
 * towards optimizing `emit`: it never left the baseline tier, ≈ 2 µs per alert (architecture.md). */
export function ruleDetail(value: number | null, threshold: number | null, nativeAlarm: string | null, text: string): RuleDetail {
  return new Detail(value, threshold, nativeAlarm, text);
}

class Detail implements RuleDetail {
  constructor(
    readonly value: number | null,
    readonly threshold: number | null,
    readonly nativeAlarm: string | null,
    readonly text: string,
  ) {}
}

/** The enterprise's live state (停产整顿 etc., set through PUT /api/enterprises/{id}/state). */
export interface EnterpriseView {
  readonly id: string;
  readonly county: string;
  readonly sector: string;
  readonly state: EnterpriseState;
}

/** Statutory holidays and 调休 working days (data, rules/calendar). */
export interface HolidayCalendar {
  /** 'holiday' | 'workday' (a 调休 working weekend day) | null (an ordinary day) for a Beijing date 'YYYY-MM-DD'. */
  dayKind(beijingDate: string): 'holiday' | 'workday' | null;
}

/** Time-of-week baselines (672 slots of 15 min, Monday 00:00 Beijing = slot 0), computed off the hot path
 * from a HistorySource; the hot path only reads them. */
export interface BaselineView {
  /** The baseline value for the slot containing `ts`, or NaN when none is known (yet). */
  at(ts: number): number;
  /** A high percentile (P95 over the baseline period) of the series, or NaN. */
  readonly p95: number;
  /** Median of production-time slots (the "normal production" level), or NaN. */
  readonly production: number;
}

export interface RuleEnv {
  calendar: HolidayCalendar;
  /** Live: read it at evaluate/tick time, it changes when an operator sets the state. */
  enterprise(id: string): EnterpriseView | undefined;
  /** The baseline of a sensor's metric (statistic and schedule kinds); created on first ask, filled later. */
  baseline(enterpriseId: string, sensorId: string, metric: string): BaselineView;
}

export interface SensorRuleContext {
  sensor: SensorInfo;
  site: SiteDef;
  metric: string;
  metricDef: MetricDef;
  env: RuleEnv;
}

export interface SensorRuleKind<P = unknown, S = unknown> {
  readonly kind: string;
  readonly scope: 'sensor';
  readonly track: Track;
  readonly paramsSchema: z.ZodType<P>;
  /** Compiles params for one sensor; allocate everything the hot path needs here. */
  init(params: P, ctx: SensorRuleContext): S;
  /** Hot path: one sample in ts order; returns the level now in force (Level.none … Level.red). */
  evaluate(state: S, sample: Sample): Level;
  /** Cold path: the details behind the level last returned. */
  describe(state: S): RuleDetail;
  /** Optional clock sweep (every few seconds of `now`, the injected Clock): time-based levels (no-data,
   * schedule windows, holding durations with no new sample). Returns the level now in force. */
  tick?(state: S, now: number): Level;
  /** Device-track kinds that judge the device itself (health): its state and since when (epoch ms). */
  deviceState?(state: S): DeviceState;
  deviceSince?(state: S): number;
  /** Optional: the engine's bank for this kind (rules/kinds/bank.ts), e.g. one with a direct call to the kind's
   * evaluate or with its states as records (bank.ts RecordBank); without it the engine keeps an `ObjectBank`. Either way the behaviour is the kind's. */
  createBank?(arena: RecordArena): RuleBank<P>;
}

/** The states of many instances of one kind, addressed by row (performance.md: the engine's hot path reads
 * rule state by index instead of chasing one object per rule). The engine keeps one bank per kind and plan. */
export interface RuleBank<P = unknown> {
  readonly kind: SensorRuleKind<P>;
  /** Compiles one instance (as `init`) and returns its row: the bank's handle for it (an int32, not
   * necessarily dense or positive; bank.ts RecordBank encodes where the record lives). */
  add(params: P, ctx: SensorRuleContext): number;
  evaluate(row: number, sample: Sample): Level;
  /** Whether the kind has a clock sweep (`tick`). */
  readonly ticks: boolean;
  tick(row: number, now: number): Level;
  describe(row: number): RuleDetail;
  /** `describe(row).value` without the text: all a recovery announces (rules/engine/engine.ts `emit`). */
  value(row: number): number | null;
  /** Many rows' checkpoint data at once, and row `i` of such a pack restored into a freshly added `row` with the
   * same params; false when it could not be (the rule starts fresh). Record banks' data points into the record
   * arena the checkpoint holds (`arena`: its chunks as int32 words). */
  pack(rows: readonly number[]): unknown;
  unpack(packed: unknown, i: number, row: number, arena: readonly Int32Array[] | null): boolean;
  deviceState(row: number): DeviceState;
  /** `deviceState` as its index in DEVICE_STATES (the engine's settle path: no string, no map lookup). */
  deviceStateIndex(row: number): number;
  deviceSince(row: number): number;
}

/** A site-level rule reads other sensors' state, not samples. */
export interface MemberView {
  /** Process level now in force at member i (max over its rules). */
  level(i: number): Level;
  /** Device-track level now in force at member i. */
  deviceLevel(i: number): Level;
  /** Latest value of member i's metric (NaN when none yet), its device ts, and its quality. */
  value(i: number): number;
  valueTs(i: number): number;
  quality(i: number): Quality;
  /** Device state of member i (rules/kinds/health.ts) and since when (epoch ms). */
  deviceState(i: number): DeviceState;
  deviceSince(i: number): number;
}

export const DEVICE_STATES = ['ok', 'silent', 'stuck', 'out_of_range', 'clock_skew', 'fault', 'maintenance', 'calibrating', 'overrange', 'comm_lost'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

export interface MemberRef {
  sensorId: string;
  /** The metric whose value `value(i)` returns; the type's first metric when absent. */
  metric?: string;
}

export interface SiteRuleContext {
  enterpriseId: string;
  site: SiteDef;
  /** All sensors of the site (and relations resolve within the enterprise). */
  sensors: readonly SensorInfo[];
  /** The sensor a pack entry was instantiated for (site rules declared in a sensor type's pack, e.g. "this
   * methane sensor at cut-power while its feed sensor still shows power"); absent for site packs. */
  anchor?: SensorInfo;
  env: RuleEnv;
}

export interface SiteRuleKind<P = unknown, S = unknown> {
  readonly kind: string;
  readonly scope: 'site';
  readonly track: Track;
  readonly paramsSchema: z.ZodType<P>;
  /** Resolves members (by id, area, item, type or relation) and compiles. */
  init(params: P, ctx: SiteRuleContext): { state: S; members: MemberRef[] };
  /** Re-evaluated whenever a member's level, device state or value changes, and on tick. */
  evaluate(state: S, members: MemberView, now: number): Level;
  /** True when evaluating again at a later time, with the members as they are, cannot give another level (no
   * duration running, no test on the age of a value or of a device state): the engine's tick then skips the
   * rule. A member's change still re-evaluates it at once. Kinds without it are evaluated on every tick. */
  idle?(state: S): boolean;
  /** True when the rule reads its members only through their levels (process and device track), never their
   * values, qualities or device states: the engine then re-evaluates it when a member's level moves, instead
   * of on every reading of every member. Kinds without it are re-evaluated on every reading of a member. */
  levelsOnly?(state: S): boolean;
  /** What a checkpoint keeps of the state: its mutable part as plain data, which `restoreInto` merges back into a
   * state `init` made from the same params, or null when the state is as `init` makes it (the checkpoint then
   * leaves the rule out unless its level is up). Kinds without it are copied whole (`snapshotOf`), compiled
   * configuration included: a plan's checkpoint is taken on the serving thread, and at 10k composites the
   * whole copies were ≈ 40 ms of a ≈ 130 ms checkpoint. */
  checkpoint?(state: S): unknown;
  describe(state: S): RuleDetail;
}

export type RuleKind = SensorRuleKind<any, any> | SiteRuleKind<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
