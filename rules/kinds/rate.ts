// Rule kind `rate`: a four-colour level on the rate of change of a value over a sliding window, in value
// units per `perS` seconds. domain.md examples: tailings surface displacement 7-day mean velocity > 1 / 3 /
// 10 mm/d (GB 51108 commentary §8.3: thresholds on the amount and the rate of change; perS 86400),
// combustible gas "rising ≥ 5 %LEL in 5 min" (§2.1, perS 300), hopper temperature "rising ≥ 2 °C/min"
// (§2.3), cable temperature +5 °C/min (§2.4.2), methane +0.05…0.3 %/min on ventilation loss (§2.2).
//
// Estimator: the least-squares slope of the window's points (ring.ts: bucket means on a grid of
// windowS/points), optionally after a median of 3 on the raw samples. Why least squares and not the
// endpoint difference (x_now − x_window_ago)/window: for a straight trend both give the same number (so
// "7-day mean velocity" and "5 %LEL in 5 min" keep their meaning), but the slope uses every point, not
// two: with GNSS noise σ≈3 mm (§2.5) the 7-day endpoint difference has σ≈0.6 mm/d against a 1 mm/d yellow
// value, the 60-point slope ≈0.2 mm/d. It stays O(1) per sample through running sums. Least squares is
// sensitive to outliers, which is what `filter: 'median3'` is for (§2.5 "GNSS multipath jumps, single-epoch
// outliers of 10–30 mm, to be filtered with a median of 3"): the median of each sample and its two
// predecessors, dated at the middle sample, so a lone jump never enters the window and a real step
// enters one sample late.
//
// Guards: below `minSamples` points in the window, or when they span less than `minSpanS`, the rate is
// undefined and the level is none (timers forgotten): a fresh or thinned window never alarms. A `gate` on the
// value (≥ or ≤ a number) does the same while the sample's value is outside it: "≥ 70 °C and rising ≥ 2 °C/min"
// (domain.md §2.3 hopper red) is one rule.
// Track 'process' (quality-ok samples only). NaN values and samples older than the last are ignored.
// Durations (enterS/exitS) are judged on sample time; no tick (step.ts).
import { z } from 'zod';
import { Level } from '../../core/level.ts';
import { ruleDetail, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';
import { newRing, RING_DOUBLES, RING_INTS, ringClearAt, ringCountAt, ringFromInts, ringIn, ringPushIn, RingShape, ringSlopeTo, ringSpanAt, ringToInts, type RingState } from './ring.ts';
import { chunkOf, RecordBank, wordOf, type ChunkSlice } from './bank.ts';
import { checkSteps, colourZh, compileLadder, fmtValue, internCompiled, LADDER_INTS, ladderFromInts, ladderIn, ladderLevel, ladderLevelAt, ladderToInts, StepsSchema, type Ladder, type LadderState } from './step.ts';

const DEFAULT_POINTS = 60;
const DEFAULT_MIN_SAMPLES = 3;

// The rate kind's own doubles after the ring's (ring.ts: d[od + RING_DOUBLES + …]).
const LAST_TS = RING_DOUBLES; // device ts of the last sample applied, NaN before the first
const P1 = RING_DOUBLES + 1; // median3: the previous raw value
const P2 = RING_DOUBLES + 2; // median3: the one before
const RATE = RING_DOUBLES + 3; // the last rate (per perS), NaN when undefined
const USER_DOUBLES = 4;
const DOUBLES = RING_DOUBLES + USER_DOUBLES;
// Small integers at a[ai + …]: the bank's index of the compiled config (records only), the ring's, the
// median filter's count, the ladder.
const CFG = 0;
const RING = 1;
const SEEN = RING + RING_INTS;
const LADDER = SEEN + 1;
const INTS = LADDER + LADDER_INTS;
/** A record's int32 words, rounded up to whole 8-byte words: its window starts after them. */
const INT_WORDS = (INTS + 1) >> 1;

/** The median of (p2, p1, v) into the window, v = ringIn[1]: it belongs to the middle sample, p1, dated the
 * last sample's time (d[od + LAST_TS], not yet moved on). */
function pushMedian3(cfg: RateCfg, f: Float32Array, of: number, d: Float64Array, od: number, a: Int32Array, ai: number): void {
  const v = ringIn[1]!;
  const p1 = d[od + P1]!;
  const p2 = d[od + P2]!;
  const seen = a[ai + SEEN]!;
  d[od + P2] = p1;
  d[od + P1] = v;
  if (seen >= 2) {
    ringIn[0] = d[od + LAST_TS]!;
    ringIn[1] = median3(p2, p1, v);
    ringPushIn(cfg.shape, f, of, d, od, a, ai + RING);
  } else a[ai + SEEN] = seen + 1;
}

/** Kept under V8's inlining size (460 bytecode bytes): the median filter is a function of its own, the gate two
 * bounds. Doubles reach the ring and the ladder through `ringIn` and `ladderIn` (a double passed to a call V8 does
 * not inline is boxed). */
function evaluateAt(cfg: RateCfg, f: Float32Array, of: number, d: Float64Array, od: number, a: Int32Array, ai: number, s: Sample): Level {
  const v = s.value;
  const ts = s.ts;
  const lastTs = d[od + LAST_TS]!;
  if (v !== v || ts < lastTs) return ladderLevelAt(a, ai + LADDER);
  const dt = lastTs === lastTs ? ts - lastTs : 0;
  const ri = ai + RING;
  ringIn[0] = ts;
  ringIn[1] = v;
  if (cfg.median3) pushMedian3(cfg, f, of, d, od, a, ai);
  else ringPushIn(cfg.shape, f, of, d, od, a, ri);
  d[od + LAST_TS] = ts;
  // The slope is taken before the guards, on every sample: a call V8 first sees rarely (while windows fill) is
  // never inlined later.
  // (An if/else, not a ternary with NaN: that kept V8's value tagged, a heap number per reading; architecture.md.)
  ringSlopeTo(d, od, a, ri, d, od + RATE);
  if (ringCountAt(a, ri) < cfg.minSamples || ringSpanAt(a, ri) < cfg.minSpanBuckets) d[od + RATE] = NaN;
  else d[od + RATE] = d[od + RATE]! * cfg.scale;
  const r = d[od + RATE]!;
  // Undefined, or the value outside the gate: no level, timers forgotten (the window keeps learning).
  if (r !== r || !(v >= cfg.gateLo && v <= cfg.gateHi)) {
    cfg.ladder.resetAt(a, ai + LADDER);
    return Level.none;
  }
  ladderIn[0] = cfg.dir === 2 ? Math.abs(r) : r;
  return cfg.ladder.applyIn(a, ai + LADDER, dt);
}

// The kind's API on a state object: the same code, its arrays in place, its integers on a scratch copy.
const scratch = new Int32Array(INTS);

function toInts(st: RateState, a: Int32Array, ai: number): void {
  ringToInts(st, a, ai + RING);
  a[ai + SEEN] = st.seen;
  ladderToInts(st, a, ai + LADDER);
}

function fromInts(a: Int32Array, ai: number, st: RateState): void {
  ringFromInts(a, ai + RING, st);
  st.seen = a[ai + SEEN]!;
  ladderFromInts(a, ai + LADDER, st);
}

function evaluateRate(st: RateState, s: Sample): Level {
  toInts(st, scratch, 0);
  const l = evaluateAt(st.cfg, st.f, st.o, st.d, st.od, scratch, 0, s);
  fromInts(scratch, 0, st);
  return l;
}

export const rateParams = z
  .strictObject({
    /** Window length, s (e.g. 300 for "in 5 min", 604800 for the 7-day mean velocity). */
    windowS: z.number().positive().max(366 * 86400),
    /** The rate's time unit, s: 60 → per minute, 86400 → per day. */
    perS: z.number().positive(),
    /** Points in the window below which there is no level (default 3). */
    minSamples: z.number().int().min(2).max(240).optional(),
    /** The points must span at least this, s (default windowS / 2). */
    minSpanS: z.number().min(0).optional(),
    /** 'median3' against single-epoch jumps (domain.md §2.5). Default 'none'. */
    filter: z.enum(['none', 'median3']).optional(),
    /** rising: rate ≥ enter; falling: rate ≤ enter (negative enter values); abs: |rate| ≥ enter. */
    direction: z.enum(['rising', 'falling', 'abs']),
    /** Window resolution: the window is kept as this many bucket means (default 60; 4 B each). */
    points: z.number().int().min(4).max(240).optional(),
    /** The colours apply only while the sample's value meets this (domain.md §2.3 hopper red "≥ 70 °C and
     * rising ≥ 2 °C/min": `{ op: 'ge', than: 70 }`); outside it the level is none and timers are forgotten. */
    gate: z.strictObject({ op: z.enum(['ge', 'le']), than: z.number() }).optional(),
    /** The colours, on the rate in value units per perS. */
    levels: StepsSchema,
  })
  .superRefine((p, ctx) => {
    checkSteps(p.levels, p.direction === 'falling' ? 'falling' : 'rising', ['levels'], ctx);
    if (p.minSpanS !== undefined && p.minSpanS > p.windowS) {
      ctx.addIssue({ code: 'custom', path: ['minSpanS'], message: `minSpanS ${p.minSpanS} exceeds windowS ${p.windowS}` });
    }
    const points = p.points ?? DEFAULT_POINTS;
    if ((p.minSamples ?? DEFAULT_MIN_SAMPLES) > points) {
      ctx.addIssue({ code: 'custom', path: ['minSamples'], message: `minSamples ${p.minSamples} exceeds the window's ${points} points` });
    }
    if (p.direction === 'abs') {
      for (const [name, s] of Object.entries(p.levels)) {
        if (s && (s.enter < 0 || (s.clear ?? s.enter) < 0)) {
          ctx.addIssue({ code: 'custom', path: ['levels', name], message: 'an abs rate compares |rate|: enter and clear must be ≥ 0' });
        }
      }
    }
  });
export type RateParams = z.infer<typeof rateParams>;

class RateCfg {
  readonly shape: RingShape;
  /** Slope per bucket → rate per perS. */
  readonly scale: number;
  readonly minSamples: number;
  readonly minSpanBuckets: number;
  readonly median3: boolean;
  /** 0 rising, 1 falling, 2 abs. */
  readonly dir: number;
  readonly perLabel: string;
  /** 0 no gate, 1 value ≥ gateThan, 2 value ≤ gateThan. */
  readonly gate: number;
  readonly gateThan: number;
  /** The gate as bounds on the value (±Infinity where open; no gate: both open). */
  readonly gateLo: number;
  readonly gateHi: number;
  /** describe's fixed parts: the rate's name and unit, and per level the text after the value (made once). */
  readonly rateName: string;
  readonly rateUnit: string;
  private readonly texts: (readonly [enter: string, hold: string] | undefined)[] = [];

  constructor(
    readonly params: RateParams,
    readonly ladder: Ladder,
    readonly unit: string,
  ) {
    const points = params.points ?? DEFAULT_POINTS;
    const bucketMs = (params.windowS * 1000) / points;
    this.shape = new RingShape(points, bucketMs);
    this.scale = (params.perS * 1000) / bucketMs;
    this.minSamples = params.minSamples ?? DEFAULT_MIN_SAMPLES;
    // Compared with a whole number of buckets: a span of exactly minSpanS passes.
    this.minSpanBuckets = ((params.minSpanS ?? params.windowS / 2) * 1000) / bucketMs - 1e-9;
    this.median3 = params.filter === 'median3';
    this.dir = params.direction === 'rising' ? 0 : params.direction === 'falling' ? 1 : 2;
    this.perLabel = perLabel(params.perS);
    this.gate = params.gate ? (params.gate.op === 'ge' ? 1 : 2) : 0;
    this.gateThan = params.gate?.than ?? NaN;
    this.gateLo = this.gate === 1 ? this.gateThan : -Infinity;
    this.gateHi = this.gate === 2 ? this.gateThan : Infinity;
    this.rateName = this.dir === 2 ? '变化速率(绝对值)' : '变化速率';
    this.rateUnit = `${unit}/${this.perLabel}`;
  }

  /** The text after the value at `level` (a colour of the ladder): past its enter value, or held above its clear value. */
  conditionText(level: Level): readonly [enter: string, hold: string] {
    const memo = this.texts[level];
    if (memo) return memo;
    const step = this.ladder.step(level)!;
    const op = this.dir === 1 ? '≤' : '≥';
    const colour = `${colourZh(level)}阈值`;
    const gate = this.gate === 0 ? '' : `，数值 ${this.gate === 1 ? '≥' : '≤'} ${this.gateThan} ${this.unit}`;
    const texts = [` ${op} ${step.enter} ${this.rateUnit}${gate} (${colour})`, `，未越过清除值 ${step.clear ?? step.enter}${gate} (${colour} ${step.enter} 保持)`] as const;
    this.texts[level] = texts;
    return texts;
  }
}

function perLabel(perS: number): string {
  const named: Record<number, string> = { 1: 's', 60: 'min', 3600: 'h', 86400: 'd' };
  return named[perS] ?? (perS % 86400 === 0 ? `${perS / 86400}d` : perS % 3600 === 0 ? `${perS / 3600}h` : perS % 60 === 0 ? `${perS / 60}min` : `${perS}s`);
}

/** Per-sensor state as the kind's API and checkpoints see it: plain data, the compiled config, ring and
 * ladder inline. The engine's bank keeps the same numbers and window in a record instead (RateBank). */
export interface RateState extends RingState, LadderState {
  cfg: RateCfg;
  /** Raw samples seen by the median filter (0, 1, 2 = primed). */
  seen: number;
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** The last rate (per perS), NaN when undefined. */
export function rateOf(st: RateState): number {
  return st.d[st.od + RATE]!;
}

function describe(st: RateState): RuleDetail {
  const cfg = st.cfg;
  const r = rateOf(st);
  const level = ladderLevel(st);
  if (r !== r) return ruleDetail(null, null, null, '变化速率: 样本不足');
  const shown = cfg.dir === 2 ? Math.abs(r) : r;
  const head = `${cfg.rateName} ${fmtValue(shown)} ${cfg.rateUnit}`;
  if (level === Level.none) return ruleDetail(r, null, null, `${head} (正常)`);
  const step = cfg.ladder.step(level)!;
  const [enter, hold] = cfg.conditionText(level);
  return ruleDetail(r, step.enter, step.native ?? null, head + (cfg.ladder.meetsEnter(level, shown) ? enter : hold));
}

export const rate: SensorRuleKind<RateParams, RateState> = {
  kind: 'rate',
  scope: 'sensor',
  track: 'process',
  paramsSchema: rateParams,

  init(params: RateParams, ctx: SensorRuleContext): RateState {
    return initRate(params, ctx);
  },

  evaluate: evaluateRate,

  describe,
  createBank: (arena) => new RateBank(rate, arena),
};

function rateCfg(params: RateParams, ctx: SensorRuleContext): RateCfg {
  const unit = ctx.metricDef.unit;
  return internCompiled(`rate|${unit}|${JSON.stringify(params)}`, () =>
    new RateCfg(params, compileLadder(params.levels, params.direction === 'falling' ? 'falling' : 'rising'), unit));
}

/** A fresh state, with arrays of its own. */
function initRate(params: RateParams, ctx: SensorRuleContext): RateState {
  const cfg = rateCfg(params, ctx);
  const ring = newRing(cfg.shape, USER_DOUBLES);
  ring.d.fill(NaN, ring.od + RING_DOUBLES, ring.od + DOUBLES);
  return { cfg, ...ring, seen: 0, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1 };
}

/** The engine's bank of rate states (bank.ts RecordBank): a record per state, 8 doubles, 14 small integers and
 * the window's floats (360 B at 60 points); the bank calls this kind's evaluate directly, so that V8 inlines it. */
class RateBank extends RecordBank<RateParams, RateState, RateCfg> {
  // Checkpoints copy records bit for bit (bank.ts RawRecords): a change of this layout gets a new name.
  protected override readonly layout = 'rate:1';
  protected override readonly recordDoubles = DOUBLES;
  protected override recordWordsOf(cfg: RateCfg): number {
    return DOUBLES + INT_WORDS + ((cfg.shape.cap + 1) >> 1);
  }

  override add(params: RateParams, ctx: SensorRuleContext): number {
    const cfg = rateCfg(params, ctx);
    const row = this.reserve(this.recordWordsOf(cfg));
    const c = chunkOf(row), w = wordOf(row);
    const d = this.d[c]!, a = this.i[c]!, ai = 2 * (w + DOUBLES);
    ringClearAt(cfg.shape, this.f[c]!, ai + 2 * INT_WORDS, d, w, a, ai + RING);
    d.fill(NaN, w + RING_DOUBLES, w + DOUBLES);
    a[ai + CFG] = this.cfgId(cfg);
    cfg.ladder.resetAt(a, ai + LADDER);
    return row;
  }

  override evaluate(row: number, sample: Sample): Level {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    return evaluateAt(this.cfgs[a[ai + CFG]!]!, this.f[c]!, ai + 2 * INT_WORDS, this.d[c]!, w, a, ai, sample);
  }

  /** describe's value: the last rate. */
  override value(row: number): number | null {
    const r = this.d[chunkOf(row)]![wordOf(row) + RATE]!;
    return r === r ? r : null;
  }

  /** A view's window and doubles are its record's, in the chunk (bank.ts `detached` copies them for
   * checkpoints). */
  protected override view(row: number): RateState {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    const st: RateState = {
      cfg: this.cfgs[a[ai + CFG]!]!, f: this.f[c]!, o: ai + 2 * INT_WORDS, d: this.d[c]!, od: w,
      n: 0, sk: 0, skk: 0, hc: 0, hs: 0, tk: 0, seen: 0, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1,
    };
    fromInts(a, ai, st);
    return st;
  }

  protected override store(row: number, st: RateState): void {
    const c = chunkOf(row), w = wordOf(row);
    toInts(st, this.i[c]!, 2 * (w + DOUBLES));
  }

  protected override slicesOf(st: RateState): readonly ChunkSlice[] {
    return [['f', 'o', st.cfg.shape.cap], ['d', 'od', DOUBLES]];
  }
}
