// Rule kind `statistic`: a four-colour level on how far a value departs from what is normal for this sensor.
// Three modes (params union on `mode`):
//
//   ewma      drift against the sensor's own recent past (performance.md "standard rule mix": EWMA z-score).
//             An exponentially weighted mean and variance with time-aware decay: a sample `dt` ms after the
//             previous one weighs α = 1 − 2^(−dt / halfLife), so irregular sampling decays by time, not by
//             count. z = (x − mean) / max(sd, minSd); the levels are on z.
//   baseline  deviation from the time-of-week baseline (domain.md §2.4.1: electricity load vs "the
//             enterprise's normal production baseline", 672 slots with holidays and 调休, rules/baseline):
//             measure 'ratio' = x / baseline (1.3 = 130 %), 'diff' = x − baseline (in the metric's unit).
//   sum       the total of the samples over a trailing window of sample time (domain.md §2.5 rainfall: the
//             levels are on the 24 h amount while a gauge reports the rain of each 10-min period). The window
//             is (t − windowS, t] for the latest sample time t: a sample exactly windowS old has left it.
//
// Directions and levels (the ladder of step.ts: escalate at once, de-escalate past `clear`, holds by sample
// time): 'rising' levels on the quantity q with value ≥ enter (z ≥ 3; ratio ≥ 1.3; diff ≥ 50);
// 'falling' mirrors it with value ≤ enter (z ≤ −3; ratio ≤ 0.1 "load below 10 % of baseline"; diff ≤ −50);
// 'abs' levels on the size of the departure, rising: |z| ≥ 3; ratio |x / baseline − 1| ≥ 0.3; |diff| ≥ 50.
//
// EWMA contracts (decisions where the brief left a choice):
// - Judge first, learn after: a sample is scored against the statistics of the samples before it (it is
//   learned when the next one arrives, so describe() reports exactly what the level was decided on).
// - No level before `warmupSamples` samples have been learned (default 30). The first samples are weighted
//   equally (α ≥ 1 / (n + 1)), so the warm-up ends with an unbiased mean and variance rather than ones still
//   pinned to the first sample.
// - Learning freezes while the level just decided is ≥ `freezeAt` (default yellow): a slow leak or a drifting
//   process must not become the new normal while it is alarmed. Blue (a notice) still learns. The price: a
//   genuine new operating point stays alarmed until the sample falls back below the clear value, i.e. until
//   someone looks at it; `freezeAt: 'never'` trades that for adaptation.
// - `minSd` floors the standard deviation so a flat series (stuck value, resolution steps) does not divide by
//   zero or turn one quantisation step into red. Default: 1 % of the metric's declared range (lel 0–100 →
//   1 %LEL, ch4 0–4 → 0.04 %vol), or 1e-9 when the metric declares no range (then set it in the pack).
// - A gap longer than 10 half-lives leaves the past with < 0.1 % weight: learning restarts (warm-up again)
//   and the level returns to none rather than judging against a one-sample variance. Silence itself is the
//   health kind's alarm (domain.md §2).
// - State: four doubles and small integers (the ladder's five, n, the pending gap); no arrays. The engine's
//   bank keeps them in a record of 64 B (bank.ts RecordBank; as an object with its boxed doubles ≈ 200 B).
//
// Baseline contracts: a NaN baseline (not computed yet, too few comparable weeks) or one below `minBaseline`
// means no level (and the ladder forgets its timers); for 'ratio' the baseline must also be > 0. The view
// is taken once at init (RuleEnv.baseline) and read per sample; refreshes swap its contents.
//
// Sum contracts: a sample stands for the period ending at its ts, so n samples of a 10-min gauge cover
// n × 10 min; before the window has filled, the sum is over what has been seen (the platform cannot know the
// rain it did not receive; a silent gauge is the health kind's alarm). The level is judged per sample only
// (no tick): the total falls as old samples leave the window, which needs a newer sample. The samples of the
// window are kept in a ring sized from the type's nominal interval (2 × windowS / intervalS, at least 16),
// doubled when a faster live interval fills it. The running total is recomputed from the ring once per
// ring-length of evictions, so rounding never accumulates.
//
// Track 'process': quality-ok samples only. A NaN value (the reading lacked this metric) and a sample older
// than the last one are ignored.
import { z } from 'zod';
import { Level, levelFromName, type LevelName } from '../../core/level.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { type BaselineView, ruleDetail, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';
import { chunkOf, RecordBank, wordOf } from './bank.ts';
import { checkSteps, colourZh, compileLadder, fmtValue, internCompiled, LADDER_INTS, ladderFromInts, ladderIn, ladderLevel, ladderLevelAt, ladderToInts, StepsSchema, type Ladder, type LadderState } from './step.ts';

const Direction = z.enum(['rising', 'falling', 'abs']);

export const ewmaParams = z.strictObject({
  mode: z.literal('ewma'),
  /** Half-life of a sample's weight, in seconds of sample time. */
  halfLifeS: z.number().positive(),
  /** Samples learned before any level (default 30). */
  warmupSamples: z.number().int().min(2).max(1_000_000).default(30),
  direction: Direction,
  /** Levels on z (falling: negative enter values, e.g. −3). */
  levels: StepsSchema,
  /** Floor of the standard deviation, in the metric's unit; default 1 % of its range (see the header). */
  minSd: z.number().positive().optional(),
  /** Learning pauses while the level is at least this (default yellow); 'never' always learns. */
  freezeAt: z.enum(['blue', 'yellow', 'orange', 'red', 'never']).default('yellow'),
});

export const baselineParams = z.strictObject({
  mode: z.literal('baseline'),
  direction: Direction,
  measure: z.enum(['ratio', 'diff']),
  /** Levels on x / baseline ('ratio') or x − baseline ('diff'); 'abs' on |x / baseline − 1| or |x − baseline|. */
  levels: StepsSchema,
  /** No level while the slot's baseline is below this (a ratio to a near-zero night load means nothing). */
  minBaseline: z.number().min(0).optional(),
});

export const sumParams = z.strictObject({
  mode: z.literal('sum'),
  /** The trailing window, s of sample time (rain gauge: 86 400 for the 24 h amount, domain.md §2.5). */
  windowS: z.number().positive().max(31 * 86_400),
  direction: Direction,
  /** Levels on the window's total ('abs': on its size), in the metric's unit. */
  levels: StepsSchema,
});

function evaluateStatistic(st: StatisticState, s: Sample): Level {
  const cfg = st.cfg;
  if (cfg.ewma) {
    toNumbers(st, scratchD, 0, scratchI, 0);
    const l = evaluateEwmaAt(cfg, scratchD, 0, scratchI, 0, s);
    fromNumbers(scratchD, 0, scratchI, 0, st);
    return l;
  }
  const x = s.value;
  const ts = s.ts;
  if (x !== x || ts < st.lastTs) return ladderLevel(st);
  return cfg.sum ? evaluateSum(st, x, ts) : evaluateBaseline(st, x, ts);
}

export const statisticParams = z.discriminatedUnion('mode', [ewmaParams, baselineParams, sumParams]).superRefine((p, ctx) => {
  checkSteps(p.levels, p.direction === 'falling' ? 'falling' : 'rising', ['levels'], ctx);
  if (p.direction === 'abs') {
    for (const name of ['blue', 'yellow', 'orange', 'red'] as const) {
      const s = p.levels[name];
      if (s && s.enter < 0) ctx.addIssue({ code: 'custom', path: ['levels', name, 'enter'], message: `'abs' levels are on the size of a departure: ${name} enter ${s.enter} must be ≥ 0` });
    }
  }
});
export type StatisticParams = z.infer<typeof statisticParams>;

/** Past this many half-lives without a sample, the EWMA restarts (the past weighs < 2^-10). */
const RESET_HALF_LIVES = 10;
const NEVER = 5;
const LN2 = Math.LN2;

/** Compiled per (params, metric text), shared between sensors with equal ones. */
class StatisticCfg {
  readonly ewma: boolean;
  readonly sum: boolean;
  /** Sum window, ms (Infinity for the other modes). */
  readonly windowMs: number;
  readonly abs: boolean;
  readonly ratio: boolean;
  /** ln 2 / half-life in ms (EWMA). */
  readonly decayPerMs: number;
  readonly resetMs: number;
  readonly warmup: number;
  readonly minSd: number;
  readonly freezeLevel: number;
  readonly minBaseline: number;
  /** Memo of α for the last gap seen (a pure function of dt; sensors of one cadence share it). */
  memoDt = -1;
  memoAlpha = 0;
  /** Per level, its step's conditions as alert text ("z ≥ 4σ", then the clear one "z < 3σ"), made at the level's
   * first alert: fixed by the config, so sensors sharing it share them (describe formatted them at every alert). */
  readonly conditionText: (readonly [enter: string, clear: string] | undefined)[] = [];
  constructor(p: StatisticParams, minSd: number, readonly ladder: Ladder, readonly zh: string, readonly unit: string) {
    this.ewma = p.mode === 'ewma';
    this.sum = p.mode === 'sum';
    this.windowMs = p.mode === 'sum' ? p.windowS * 1000 : Infinity;
    this.abs = p.direction === 'abs';
    this.ratio = p.mode === 'baseline' && p.measure === 'ratio';
    const halfLifeMs = p.mode === 'ewma' ? p.halfLifeS * 1000 : Infinity;
    this.decayPerMs = LN2 / halfLifeMs;
    this.resetMs = RESET_HALF_LIVES * halfLifeMs;
    this.warmup = p.mode === 'ewma' ? p.warmupSamples : 0;
    this.minSd = minSd;
    this.freezeLevel = p.mode === 'ewma' && p.freezeAt !== 'never' ? levelFromName(p.freezeAt as LevelName) : NEVER;
    // 'ratio' needs a positive baseline whatever minBaseline says; 'diff' only a known one.
    const min = p.mode === 'baseline' ? p.minBaseline : undefined;
    this.minBaseline = this.ratio ? Math.max(min ?? 0, Number.MIN_VALUE) : (min ?? -Infinity);
  }
}

/** Per-sensor state as the kind's API and checkpoints see it: plain numbers, the ladder inline, the shared
 * config and, in baseline mode, the sensor's baseline view. describe() recomputes what it reports instead of
 * keeping it. The engine's bank keeps an EWMA's numbers in a record instead (StatisticBank). */
export interface StatisticState extends LadderState {
  cfg: StatisticCfg;
  view: BaselineView | null;
  /** EWMA: the mean and variance the last sample was judged against (NaN before the first is learned), and
   * how many samples taught them. */
  mean: number;
  variance: number;
  n: number;
  /** EWMA: the last sample is still to be learned, `dt` ms after the one before it (−1: nothing pending).
   * Learning waits for the next sample, so describe() sees exactly the statistics the level was decided on. */
  dt: number;
  /** Device ts of the last sample applied (ms); NaN before the first. */
  lastTs: number;
  /** The last value applied. */
  value: number;
  /** Sum mode: the samples of the window; null for the other modes. */
  ring: SumRing | null;
}

// An EWMA's numbers, as the code below reads them: doubles at d[od …], small integers at a[ai …] (the bank's
// record, or a scratch copy of a state object).
const MEAN = 0;
const VARIANCE = 1;
const LAST_TS = 2;
const VALUE = 3;
const DOUBLES = 4;
const CFG = 0; // the bank's index of the compiled config (records only)
const LADDER = 1;
const N = LADDER + LADDER_INTS;
const DT = N + 1;
const INTS = DT + 1;

const scratchD = new Float64Array(DOUBLES);
const scratchI = new Int32Array(INTS);

function toNumbers(st: StatisticState, d: Float64Array, od: number, a: Int32Array, ai: number): void {
  d[od + MEAN] = st.mean;
  d[od + VARIANCE] = st.variance;
  d[od + LAST_TS] = st.lastTs;
  d[od + VALUE] = st.value;
  ladderToInts(st, a, ai + LADDER);
  a[ai + N] = st.n;
  a[ai + DT] = st.dt;
}

function fromNumbers(d: Float64Array, od: number, a: Int32Array, ai: number, st: StatisticState): void {
  st.mean = d[od + MEAN]!;
  st.variance = d[od + VARIANCE]!;
  st.lastTs = d[od + LAST_TS]!;
  st.value = d[od + VALUE]!;
  ladderFromInts(a, ai + LADDER, st);
  st.n = a[ai + N]!;
  st.dt = a[ai + DT]!;
}

/** The samples inside a sum window (a ring), and their total. Plain data: engine checkpoints copy it. */
export interface SumRing {
  ts: Float64Array;
  v: Float64Array;
  head: number;
  len: number;
  total: number;
  /** Evictions since the total was last recomputed from the ring. */
  evicted: number;
}

const SUM_MIN_CAPACITY = 16;
/** A ring never grows past this (a misconfigured window on a fast sensor must not eat the heap). */
const SUM_MAX_CAPACITY = 1 << 20;

function newRing(capacity: number): SumRing {
  return { ts: new Float64Array(capacity), v: new Float64Array(capacity), head: 0, len: 0, total: 0, evicted: 0 };
}

const N_CAP = 2 ** 30;
/** Pending gaps are small integers; longer ones (≈ 12 d) weigh the past at ≈ 0 anyway (or restarted). */
const DT_CAP = 2 ** 30;

/** Learns the last value (d[od + VALUE]; read here, not passed: a double passed to a call V8 does not inline
 * is boxed). */
function learnAt(cfg: StatisticCfg, d: Float64Array, od: number, a: Int32Array, ai: number, dt: number): void {
  const x = d[od + VALUE]!;
  let alpha: number;
  if (dt === cfg.memoDt) alpha = cfg.memoAlpha;
  else {
    alpha = -Math.expm1(-dt * cfg.decayPerMs);
    cfg.memoDt = dt;
    cfg.memoAlpha = alpha;
  }
  const n = a[ai + N]!;
  if (n === 0) {
    d[od + MEAN] = x;
    d[od + VARIANCE] = 0;
    a[ai + N] = 1;
    return;
  }
  const floor = 1 / (n + 1);
  if (alpha < floor) alpha = floor;
  const mean = d[od + MEAN]!;
  const diff = x - mean;
  const incr = alpha * diff;
  d[od + MEAN] = mean + incr;
  d[od + VARIANCE] = (1 - alpha) * (d[od + VARIANCE]! + diff * incr);
  if (n < N_CAP) a[ai + N] = n + 1;
}

function restartAt(cfg: StatisticCfg, d: Float64Array, od: number, a: Int32Array, ai: number): void {
  d[od + MEAN] = NaN;
  d[od + VARIANCE] = NaN;
  a[ai + N] = 0;
  a[ai + DT] = -1;
  cfg.ladder.resetAt(a, ai + LADDER);
}

/** z of the last value against the statistics it was judged on, stored at out[at] (not returned: a double
 * returned by a call V8 does not inline is boxed, a heap number per reading). */
function zTo(cfg: StatisticCfg, d: Float64Array, od: number, out: Float64Array, at: number): void {
  const sd = Math.sqrt(d[od + VARIANCE]!);
  out[at] = (d[od + VALUE]! - d[od + MEAN]!) / (sd > cfg.minSd ? sd : cfg.minSd);
}

/** z of a state's last value (NaN during warm-up). */
function zOf(st: StatisticState): number {
  if (st.n < st.cfg.warmup) return NaN;
  toNumbers(st, scratchD, 0, scratchI, 0);
  zTo(st.cfg, scratchD, 0, scratchD, VALUE);
  return scratchD[VALUE]!;
}

function evaluateEwmaAt(cfg: StatisticCfg, d: Float64Array, od: number, a: Int32Array, ai: number, s: Sample): Level {
  const x = s.value;
  const ts = s.ts;
  const lastTs = d[od + LAST_TS]!;
  if (x !== x || ts < lastTs) return ladderLevelAt(a, ai + LADDER);
  const pending = a[ai + DT]!;
  if (pending >= 0) {
    learnAt(cfg, d, od, a, ai, pending);
    a[ai + DT] = -1;
  }
  let dt = 0;
  if (lastTs === lastTs) {
    dt = ts - lastTs;
    if (dt > cfg.resetMs) { restartAt(cfg, d, od, a, ai); dt = 0; }
  }
  d[od + LAST_TS] = ts;
  d[od + VALUE] = x;
  // z is taken on every sample, warm-up included (unused there): a call V8 first sees rarely (while the
  // statistics warm up) is never inlined later.
  zTo(cfg, d, od, ladderIn, 0);
  let level: Level = Level.none;
  if (a[ai + N]! >= cfg.warmup) {
    if (cfg.abs) ladderIn[0] = Math.abs(ladderIn[0]!);
    level = cfg.ladder.applyIn(a, ai + LADDER, dt);
  }
  if (level < cfg.freezeLevel) a[ai + DT] = dt < DT_CAP ? dt : DT_CAP;
  return level;
}

/** The slot baseline of the last sample, NaN when it cannot be judged (unknown or below minBaseline). */
function baselineOf(st: StatisticState): number {
  const b = st.view!.at(st.lastTs);
  return b >= st.cfg.minBaseline ? b : NaN;
}

function evaluateBaseline(st: StatisticState, x: number, ts: number): Level {
  const cfg = st.cfg;
  const dt = st.lastTs === st.lastTs ? ts - st.lastTs : 0;
  st.lastTs = ts;
  st.value = x;
  const b = baselineOf(st);
  if (b !== b) {
    cfg.ladder.reset(st);
    return Level.none;
  }
  const q = cfg.ratio ? x / b : x - b;
  return cfg.ladder.apply(st, cfg.abs ? Math.abs(cfg.ratio ? q - 1 : q) : q, dt);
}

function pushSample(r: SumRing, ts: number, x: number): void {
  let cap = r.ts.length;
  if (r.len === cap) {
    if (cap >= SUM_MAX_CAPACITY) {
      // Full at the cap: the oldest sample leaves early (documented limit of the window).
      r.total -= r.v[r.head]!;
      r.head = (r.head + 1) % cap;
      r.len--;
      r.evicted++;
    } else {
      const ts2 = new Float64Array(cap * 2);
      const v2 = new Float64Array(cap * 2);
      for (let i = 0; i < r.len; i++) {
        ts2[i] = r.ts[(r.head + i) % cap]!;
        v2[i] = r.v[(r.head + i) % cap]!;
      }
      r.ts = ts2;
      r.v = v2;
      r.head = 0;
      cap *= 2;
    }
  }
  const at = (r.head + r.len) % cap;
  r.ts[at] = ts;
  r.v[at] = x;
  r.len++;
  r.total += x;
}

function evaluateSum(st: StatisticState, x: number, ts: number): Level {
  const cfg = st.cfg;
  const r = st.ring!;
  const dt = st.lastTs === st.lastTs ? ts - st.lastTs : 0;
  st.lastTs = ts;
  st.value = x;
  pushSample(r, ts, x);
  const from = ts - cfg.windowMs;
  const cap = r.ts.length;
  while (r.len > 0 && r.ts[r.head]! <= from) {
    r.total -= r.v[r.head]!;
    r.head = (r.head + 1) % cap;
    r.len--;
    r.evicted++;
  }
  if (r.evicted >= r.len) {
    let t = 0;
    for (let i = 0; i < r.len; i++) t += r.v[(r.head + i) % cap]!;
    r.total = t;
    r.evicted = 0;
  }
  return cfg.ladder.apply(st, cfg.abs ? Math.abs(r.total) : r.total, dt);
}

/** '24小时', '30分钟' (alert text). */
function fmtWindow(ms: number): string {
  const min = ms / 60_000;
  if (min % 60 === 0) return `${min / 60}小时`;
  return Number.isInteger(min) ? `${min}分钟` : `${fmtValue(min)}分钟`;
}

function describeSum(st: StatisticState): RuleDetail {
  const { cfg } = st;
  const total = st.ring!.total;
  const v = `${cfg.zh}近${fmtWindow(cfg.windowMs)}累计 ${fmtValue(total)} ${cfg.unit}`;
  const level = ladderLevel(st);
  if (level === Level.none) return ruleDetail(total, null, null, `${v} (正常)`);
  const ladder = cfg.ladder;
  const step = ladder.step(level)!;
  const q = cfg.abs ? Math.abs(total) : total;
  const what = cfg.abs ? '|累计| ' : '';
  const op = ladder.sign > 0 ? '≥' : '≤';
  const enter = `${what}${op} ${fmtValue(step.enter)} ${cfg.unit}`;
  const colour = `${colourZh(level)}阈值`;
  const text = ladder.meetsEnter(level, q)
    ? `${v}，${enter} (${colour})`
    : `${v}，未回到清除值 ${what}${ladder.sign > 0 ? '<' : '>'} ${fmtValue(step.clear ?? step.enter)} ${cfg.unit} (${colour} ${enter} 保持)`;
  return ruleDetail(total, cfg.abs && total < 0 ? -step.enter : step.enter, step.native ?? null, text);
}

/** A quantity in its own terms: σ for z, % for ratios, the metric's unit for differences. */
function fmtScore(cfg: StatisticCfg, q: number): string {
  if (cfg.ewma) return `${fmtValue(q)}σ`;
  if (cfg.ratio) return `${fmtValue(q * 100)}%`;
  return `${fmtValue(q)} ${cfg.unit}`;
}

/** "z ≥ 3σ", "≤ 10%", "偏离 ≥ 30%", "|差值| ≥ 50 kW" (alert text). */
function condition(cfg: StatisticCfg, op: string, limit: number): string {
  const what = cfg.ewma ? (cfg.abs ? '|z| ' : 'z ') : cfg.ratio ? (cfg.abs ? '偏离 ' : '') : cfg.abs ? '|差值| ' : '差值 ';
  return `${what}${op} ${fmtScore(cfg, limit)}`;
}

/** The enter value of a step in the metric's own unit, for RuleDetail.threshold. */
function thresholdValue(cfg: StatisticCfg, x: number, ref: number, score: number, enter: number): number | null {
  const side = x >= ref ? 1 : -1;
  if (cfg.ewma) {
    if (score === 0) return null;
    const sd = (x - ref) / score;
    return ref + (cfg.abs ? side * enter : enter) * sd;
  }
  if (cfg.ratio) return cfg.abs ? ref * (1 + side * enter) : ref * enter;
  return cfg.abs ? ref + side * enter : ref + enter;
}

function describe(st: StatisticState): RuleDetail {
  const { cfg, value: x } = st;
  if (x !== x) return ruleDetail(null, null, null, '尚无数据');
  if (cfg.sum) return describeSum(st);
  const v = `${cfg.zh} ${fmtValue(x)} ${cfg.unit}`;
  const ref = cfg.ewma ? st.mean : baselineOf(st);
  const score = cfg.ewma ? zOf(st) : ref !== ref ? NaN : cfg.ratio ? x / ref : x - ref;
  if (score !== score) {
    let why: string;
    if (cfg.ewma) why = `正在学习近期水平 (${st.n + (st.dt >= 0 ? 1 : 0)}/${cfg.warmup} 个样本)，暂不判定`;
    else {
      const raw = st.view!.at(st.lastTs);
      why = raw !== raw ? '同期基线未知 (历史不足)，暂不判定' : `同期基线 ${fmtValue(raw)} ${cfg.unit} 过低，暂不判定`;
    }
    return ruleDetail(x, null, null, `${v}，${why}`);
  }
  const against = cfg.ewma
    ? `近期均值 ${fmtValue(ref)} ${cfg.unit}，偏离 ${fmtScore(cfg, score)}`
    : cfg.ratio
      ? `为同期基线 ${fmtValue(ref)} ${cfg.unit} 的 ${fmtScore(cfg, score)}`
      : `${score >= 0 ? '高于' : '低于'}同期基线 ${fmtValue(ref)} ${cfg.unit} ${fmtScore(cfg, Math.abs(score))}`;
  const level = ladderLevel(st);
  if (level === Level.none) return ruleDetail(x, null, null, `${v}，${against} (正常)`);
  const ladder = cfg.ladder;
  const step = ladder.step(level)!;
  const q = cfg.abs ? Math.abs(cfg.ratio ? score - 1 : score) : score;
  const [enter, clear] = (cfg.conditionText[level] ??= [
    condition(cfg, ladder.sign > 0 ? '≥' : '≤', step.enter),
    condition(cfg, ladder.sign > 0 ? '<' : '>', step.clear ?? step.enter),
  ]);
  const colour = `${colourZh(level)}阈值`;
  const text = ladder.meetsEnter(level, q) ? `${v}，${against}，${enter} (${colour})` : `${v}，${against}，未回到清除值 ${clear} (${colour} ${enter} 保持)`;
  return ruleDetail(x, thresholdValue(cfg, x, ref, score, step.enter), step.native ?? null, text);
}

export const statistic: SensorRuleKind<StatisticParams, StatisticState> = {
  kind: 'statistic',
  scope: 'sensor',
  track: 'process',
  paramsSchema: statisticParams,

  init(params: StatisticParams, ctx: SensorRuleContext): StatisticState {
    const cfg = statisticCfg(params, ctx);
    const view = params.mode === 'baseline' ? ctx.env.baseline(ctx.sensor.enterpriseId, ctx.sensor.id, ctx.metric) : null;
    let ring: SumRing | null = null;
    if (params.mode === 'sum') {
      const intervalS = sensorType(ctx.sensor.type)?.intervalS ?? 60;
      ring = newRing(Math.min(SUM_MAX_CAPACITY, Math.max(SUM_MIN_CAPACITY, Math.ceil((2 * params.windowS) / intervalS))));
    }
    return { cfg, view, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1, mean: NaN, variance: NaN, n: 0, dt: -1, lastTs: NaN, value: NaN, ring };
  },

  evaluate: evaluateStatistic,

  describe,
  createBank: (arena) => new StatisticBank(statistic, arena),
};

function statisticCfg(params: StatisticParams, ctx: SensorRuleContext): StatisticCfg {
  const range = ctx.metricDef.range;
  const minSd = params.mode === 'ewma' ? (params.minSd ?? (range ? 0.01 * (range[1] - range[0]) : 1e-9)) : 0;
  const { zh, unit } = ctx.metricDef;
  return internCompiled(`statistic|${JSON.stringify(params)}|${minSd}|${zh}|${unit}`, () => new StatisticCfg(
    params, minSd, compileLadder(params.levels, params.direction === 'falling' ? 'falling' : 'rising'), zh, unit,
  ));
}

/** The engine's bank of statistic states (bank.ts RecordBank): an EWMA is a record, 4 doubles and 8 small
 * integers (64 B); baseline and sum states (a view, a growing ring) stay objects, at rows ~k (negative). The
 * bank calls this kind's evaluate directly, so that V8 inlines it. */
class StatisticBank extends RecordBank<StatisticParams, StatisticState, StatisticCfg> {
  // Checkpoints copy records bit for bit (bank.ts RawRecords): a change of this layout gets a new name.
  protected override readonly layout = 'statistic-ewma:1';
  protected override readonly recordDoubles = DOUBLES;
  protected override recordWordsOf(_cfg: StatisticCfg): number {
    return DOUBLES + INTS / 2;
  }

  private readonly objects: StatisticState[] = [];

  override add(params: StatisticParams, ctx: SensorRuleContext): number {
    if (params.mode !== 'ewma') {
      this.objects.push(statistic.init(params, ctx));
      return ~(this.objects.length - 1);
    }
    const cfg = statisticCfg(params, ctx);
    const row = this.reserve(this.recordWordsOf(cfg));
    const c = chunkOf(row), w = wordOf(row);
    this.d[c]!.fill(NaN, w, w + DOUBLES);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    a[ai + CFG] = this.cfgId(cfg);
    cfg.ladder.resetAt(a, ai + LADDER);
    a[ai + N] = 0;
    a[ai + DT] = -1;
    return row;
  }

  override evaluate(row: number, sample: Sample): Level {
    if (row < 0) return evaluateStatistic(this.objects[~row]!, sample);
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    return evaluateEwmaAt(this.cfgs[a[ai + CFG]!]!, this.d[c]!, w, a, ai, sample);
  }

  /** describe's value: an EWMA's last value (baselines and sums: their describe). */
  override value(row: number): number | null {
    if (row < 0) return super.value(row);
    const x = this.d[chunkOf(row)]![wordOf(row) + VALUE]!;
    return x === x ? x : null;
  }

  protected override view(row: number): StatisticState {
    if (row < 0) return this.objects[~row]!;
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    const st: StatisticState = { cfg: this.cfgs[a[ai + CFG]!]!, view: null, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1, mean: NaN, variance: NaN, n: 0, dt: -1, lastTs: NaN, value: NaN, ring: null };
    fromNumbers(this.d[c]!, w, a, ai, st);
    return st;
  }

  protected override store(row: number, st: StatisticState): void {
    if (row < 0) return;
    const c = chunkOf(row), w = wordOf(row);
    toNumbers(st, this.d[c]!, w, this.i[c]!, 2 * (w + DOUBLES));
  }
}
