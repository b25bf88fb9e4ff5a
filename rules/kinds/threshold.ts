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
import type { RuleDetail, Sample, SensorRuleContext, SensorRuleKind } from './kind.ts';
import { ObjectBank } from './bank.ts';
import { checkSteps, colourZh, compileLadder, fmtValue, internCompiled, ladderLevel, newLadderState, StepsSchema, type Ladder, type LadderState } from './step.ts';

function evaluateThreshold(st: ThresholdState, s: Sample): Level {
  const v = s.value;
  const ts = s.ts;
  if (v !== v || ts < st.lastTs) return levelOf(st);
  const dt = st.lastTs === st.lastTs ? ts - st.lastTs : 0;
  st.lastTs = ts;
  st.value = v;
  const hi = st.cfg.hi.apply(st, v, dt);
  if (st.lo === null) return hi;
  if (v < st.cfg.lowActiveFrom) { st.cfg.lo!.reset(st.lo); return hi; }
  const lo = st.cfg.lo!.apply(st.lo, v, dt);
  return lo > hi ? lo : hi;
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

/** Per-sensor state: plain data (checkpointed by the engine) plus the compiled config. The high (or only)
 * ladder's fields are inline; the band's low side has its own. */
export interface ThresholdState extends LadderState {
  cfg: ThresholdCfg;
  lo: LadderState | null;
  /** The last value applied, for describe. */
  value: number;
  /** Device ts of the last sample applied (ms); NaN before the first. */
  lastTs: number;
}

function levelOf(st: ThresholdState): Level {
  const hi = ladderLevel(st);
  if (!st.lo) return hi;
  const lo = ladderLevel(st.lo);
  return lo > hi ? lo : hi;
}

function describe(st: ThresholdState): RuleDetail {
  const v = st.value;
  const hiLevel = ladderLevel(st);
  const loLevel = st.lo ? ladderLevel(st.lo) : Level.none;
  const level = loLevel > hiLevel ? loLevel : hiLevel;
  if (v !== v) return { value: null, threshold: null, nativeAlarm: null, text: '尚无数据' };
  if (level === Level.none) return { value: v, threshold: null, nativeAlarm: null, text: `${fmtValue(v)} (正常)` };
  const ladder = loLevel > hiLevel ? st.cfg.lo! : st.cfg.hi;
  const step = ladder.step(level)!;
  const op = ladder.sign > 0 ? '≥' : '≤';
  const colour = `${colourZh(level)}阈值`;
  const text = ladder.meetsEnter(level, v)
    ? `${fmtValue(v)} ${op} ${step.enter} (${colour})`
    : `${fmtValue(v)}，未越过清除值 ${step.clear ?? step.enter} (${colour} ${step.enter} 保持)`;
  return { value: v, threshold: step.enter, nativeAlarm: step.native ?? null, text };
}

export const threshold: SensorRuleKind<ThresholdParams, ThresholdState> = {
  kind: 'threshold',
  scope: 'sensor',
  track: 'process',
  paramsSchema: thresholdParams,

  init(params: ThresholdParams, _ctx: SensorRuleContext): ThresholdState {
    const cfg = internCompiled(`threshold|${JSON.stringify(params)}`, () => new ThresholdCfg(
      compileLadder(params.levels, params.direction === 'falling' ? 'falling' : 'rising'),
      params.direction === 'band' && params.low ? compileLadder(params.low, 'falling') : null,
      params.lowActiveFrom ?? -Infinity,
    ));
    return { cfg, lv: 0, a0: -1, a1: -1, a2: -1, a3: -1, lo: cfg.lo ? newLadderState() : null, value: NaN, lastTs: NaN };
  },

  evaluate: evaluateThreshold,

  describe,
  createBank: () => new ThresholdBank(threshold),
};

/** The engine's bank of threshold states (bank.ts): the same ObjectBank, with a direct call to this kind's evaluate
 * so that V8 inlines it (a call through `kind.evaluate`, shared by every kind's bank, cannot be). */
class ThresholdBank extends ObjectBank<ThresholdParams, ThresholdState> {
  override evaluate(row: number, sample: Sample): Level {
    return evaluateThreshold(this.states[row]!, sample);
  }
}
