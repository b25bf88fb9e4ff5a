// Rule kind `threshold`: a four-colour level on the value itself, with per-colour deadband and holding
// times (step.ts). domain.md §2.1–2.5 give the numbers (GB/T 50493-2019 §5.5.2 "≥ 25 %LEL" / "≥ 50 %LEL",
// AQ 1029 alarm / cut-power, AQ 4273-2016 §5.1.4 70 °C, GB 51108 tailings levels); the packs carry them.
//
// Directions:
//   rising   enter at value ≥ enter, clear at value < clear (gas, temperature, residual current …);
//   falling  enter at value ≤ enter, clear at value > clear (phreatic burial depth, dry beach, freeboard …);
//   band     both: `levels` is the high side (rising), `low` the low side (falling), e.g. O₂ with over-oxygen
//            23.5 %vol and under-oxygen 19.5 %vol (GB/T 50493-2019); the level is the higher of the two.
//
// Track 'process': the engine feeds quality-ok samples only (domain.md §2 "quality ≠ ok never raises process
// alarms"). A NaN value (the reading did not carry this metric) and a sample older than the last one are
// ignored. Durations are judged on sample time; there is no `tick` (see step.ts: a level in force stays
// without new samples, and silence is the health kind's alarm).
import { z } from 'zod';
import { Level } from '../../core/level.ts';
import { ruleDetail, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';
import { chunkOf, RecordBank, wordOf } from './bank.ts';
import { checkSteps, colourZh, compileLadder, fmtValue, internCompiled, LADDER_INTS, ladderFromInts, ladderIn, ladderLevel, ladderLevelAt, ladderToInts, newLadderState, StepsSchema, type Ladder, type LadderState } from './step.ts';

// The numbers of a state, as the evaluate below reads them: doubles at d[od …], small integers at a[ai …]
// (the bank's record, or a scratch copy of a state object).
const VALUE = 0; // the last value applied
const LAST_TS = 1; // device ts of the last sample applied, NaN before the first
const DOUBLES = 2;
const CFG = 0; // the bank's index of the compiled config (records only)
const HI = 1; // the high (or only) ladder
const LO = HI + LADDER_INTS; // band: the low side's ladder
const INTS = LO + LADDER_INTS;

function evaluateAt(cfg: ThresholdCfg, d: Float64Array, od: number, a: Int32Array, ai: number, s: Sample): Level {
  const v = s.value;
  const ts = s.ts;
  const lastTs = d[od + LAST_TS]!;
  if (v !== v || ts < lastTs) return levelAt(cfg, a, ai);
  const dt = lastTs === lastTs ? ts - lastTs : 0;
  d[od + LAST_TS] = ts;
  d[od + VALUE] = v;
  ladderIn[0] = v;
  const hi = cfg.hi.applyIn(a, ai + HI, dt);
  const lo = cfg.lo;
  if (lo === null) return hi;
  if (v < cfg.lowActiveFrom) { lo.resetAt(a, ai + LO); return hi; }
  ladderIn[0] = v;
  const l = lo.applyIn(a, ai + LO, dt);
  return l > hi ? l : hi;
}

function levelAt(cfg: ThresholdCfg, a: Int32Array, ai: number): Level {
  const hi = ladderLevelAt(a, ai + HI);
  if (cfg.lo === null) return hi;
  const lo = ladderLevelAt(a, ai + LO);
  return lo > hi ? lo : hi;
}

// The kind's evaluate on a state object: the same code on a scratch copy of its numbers.
const scratchD = new Float64Array(DOUBLES);
const scratchI = new Int32Array(INTS);

function evaluateThreshold(st: ThresholdState, s: Sample): Level {
  toNumbers(st, scratchD, 0, scratchI, 0);
  const l = evaluateAt(st.cfg, scratchD, 0, scratchI, 0, s);
  fromNumbers(scratchD, 0, scratchI, 0, st);
  return l;
}

function toNumbers(st: ThresholdState, d: Float64Array, od: number, a: Int32Array, ai: number): void {
  d[od + VALUE] = st.value;
  d[od + LAST_TS] = st.lastTs;
  ladderToInts(st, a, ai + HI);
  if (st.lo) ladderToInts(st.lo, a, ai + LO);
}

function fromNumbers(d: Float64Array, od: number, a: Int32Array, ai: number, st: ThresholdState): void {
  st.value = d[od + VALUE]!;
  st.lastTs = d[od + LAST_TS]!;
  ladderFromInts(a, ai + HI, st);
  if (st.lo) ladderFromInts(a, ai + LO, st.lo);
}

export const thresholdParams = z
  .strictObject({
    direction: z.enum(['rising', 'falling', 'band']),
    /** The colours (for band: the high side). */
    levels: StepsSchema,
    /** Band only: the low side, a falling ladder (e.g. O₂ < 19.5 %vol). */
    low: StepsSchema.optional(),
    /** Band only: the low side judges values at or above this only; below it the equipment is not running
     * (an idle dust collector's ΔP ≈ 0 is no bag leak: "collector off while the line runs" is its own
     * rule, domain.md §2.3), and the low side is none. */
    lowActiveFrom: z.number().optional(),
  })
  .superRefine((p, ctx) => {
    checkSteps(p.levels, p.direction === 'falling' ? 'falling' : 'rising', ['levels'], ctx);
    if (p.direction === 'band') {
      if (!p.low) ctx.addIssue({ code: 'custom', path: ['low'], message: 'a band threshold needs `low` (the falling side)' });
      else checkSteps(p.low, 'falling', ['low'], ctx);
    } else if (p.low) {
      ctx.addIssue({ code: 'custom', path: ['low'], message: '`low` is for direction "band" only' });
    }
    if (p.lowActiveFrom !== undefined && p.direction !== 'band') ctx.addIssue({ code: 'custom', path: ['lowActiveFrom'], message: '`lowActiveFrom` is for direction "band" only' });
  });
export type ThresholdParams = z.infer<typeof thresholdParams>;

/** Compiled per params, shared between sensors with equal params. */
class ThresholdCfg {
  constructor(
    readonly hi: Ladder,
    readonly lo: Ladder | null,
    readonly lowActiveFrom: number = -Infinity,
  ) {}
}

/** Per-sensor state as the kind's API and checkpoints see it: plain data plus the compiled config. The high
 * (or only) ladder's fields are inline; the band's low side has its own. The engine's bank keeps the same
 * numbers in a record instead (ThresholdBank). */
export interface ThresholdState extends LadderState {
  cfg: ThresholdCfg;
  lo: LadderState | null;
  /** The last value applied, for describe. */
  value: number;
  /** Device ts of the last sample applied (ms); NaN before the first. */
  lastTs: number;
}

function describe(st: ThresholdState): RuleDetail {
  const v = st.value;
  const hiLevel = ladderLevel(st);
  const loLevel = st.lo ? ladderLevel(st.lo) : Level.none;
  const level = loLevel > hiLevel ? loLevel : hiLevel;
  if (v !== v) return ruleDetail(null, null, null, '尚无数据');
  if (level === Level.none) return ruleDetail(v, null, null, `${fmtValue(v)} (正常)`);
  const ladder = loLevel > hiLevel ? st.cfg.lo! : st.cfg.hi;
  const step = ladder.step(level)!;
  const op = ladder.sign > 0 ? '≥' : '≤';
  const colour = `${colourZh(level)}阈值`;
  const text = ladder.meetsEnter(level, v)
    ? `${fmtValue(v)} ${op} ${step.enter} (${colour})`
    : `${fmtValue(v)}，未越过清除值 ${step.clear ?? step.enter} (${colour} ${step.enter} 保持)`;
  return ruleDetail(v, step.enter, step.native ?? null, text);
}

export const threshold: SensorRuleKind<ThresholdParams, ThresholdState> = {
  kind: 'threshold',
  scope: 'sensor',
  track: 'process',
  paramsSchema: thresholdParams,

  init(params: ThresholdParams, _ctx: SensorRuleContext): ThresholdState {
    const cfg = thresholdCfg(params);
    return { cfg, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1, lo: cfg.lo ? newLadderState() : null, value: NaN, lastTs: NaN };
  },

  evaluate: evaluateThreshold,

  describe,
  createBank: (arena) => new ThresholdBank(threshold, arena),
};

function thresholdCfg(params: ThresholdParams): ThresholdCfg {
  return internCompiled(`threshold|${JSON.stringify(params)}`, () => new ThresholdCfg(
    compileLadder(params.levels, params.direction === 'falling' ? 'falling' : 'rising'),
    params.direction === 'band' && params.low ? compileLadder(params.low, 'falling') : null,
    params.lowActiveFrom ?? -Infinity,
  ));
}

/** The engine's bank of threshold states (bank.ts RecordBank): a record per state, 2 doubles and 6 small
 * integers (11 for a band), 40 B; the bank calls this kind's evaluate directly, so that V8 inlines it. */
class ThresholdBank extends RecordBank<ThresholdParams, ThresholdState, ThresholdCfg> {
  // Checkpoints copy records bit for bit (bank.ts RawRecords): a change of this layout gets a new name.
  protected override readonly layout = 'threshold:1';
  protected override readonly recordDoubles = DOUBLES;
  protected override recordWordsOf(cfg: ThresholdCfg): number {
    return DOUBLES + (((cfg.lo ? INTS : LO) + 1) >> 1);
  }

  override add(params: ThresholdParams, _ctx: SensorRuleContext): number {
    const cfg = thresholdCfg(params);
    const ints = cfg.lo ? INTS : LO;
    const row = this.reserve(this.recordWordsOf(cfg));
    const c = chunkOf(row), w = wordOf(row);
    const d = this.d[c]!, a = this.i[c]!, ai = 2 * (w + DOUBLES);
    d.fill(NaN, w, w + DOUBLES);
    a.fill(-1, ai, ai + ints);
    a[ai + CFG] = this.cfgId(cfg);
    a[ai + HI] = 0;
    if (cfg.lo) a[ai + LO] = 0;
    return row;
  }

  override evaluate(row: number, sample: Sample): Level {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    return evaluateAt(this.cfgs[a[ai + CFG]!]!, this.d[c]!, w, a, ai, sample);
  }

  /** describe's value: the last value applied. */
  override value(row: number): number | null {
    const v = this.d[chunkOf(row)]![wordOf(row) + VALUE]!;
    return v === v ? v : null;
  }

  protected override view(row: number): ThresholdState {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    const cfg = this.cfgs[a[ai + CFG]!]!;
    const st: ThresholdState = { cfg, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1, lo: cfg.lo ? newLadderState() : null, value: NaN, lastTs: NaN };
    fromNumbers(this.d[c]!, w, a, ai, st);
    return st;
  }

  protected override store(row: number, st: ThresholdState): void {
    const c = chunkOf(row), w = wordOf(row);
    toNumbers(st, this.d[c]!, w, this.i[c]!, 2 * (w + DOUBLES));
  }
}
