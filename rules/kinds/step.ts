// The level ladder shared by the value kinds (threshold, rate, and any pack kind that grades a number
// into four colours): one `Step` per colour, each with its own enter value, clear value (deadband) and
// holding times. architecture.md rule 4 (Kapacitor's level state machine): escalate at once, de-escalate
// only past a clear value and after an optional hold. domain.md §2 "Alarms need hysteresis (deadband) and
// an on-delay".
//
// Semantics (one comparator per colour, the level is the highest active one):
// - A colour activates when its enter condition (rising: value ≥ enter) has held continuously, by sample
//   time, for its `enterS`. Activation implies every lower colour (a value past the red enter value is past
//   the yellow one too), so escalation is immediate and a later fall lands on the lower colours.
// - An active colour deactivates when its clear condition (rising: value < clear) has held for its `exitS`.
//   Each colour runs its own clear timer, so a fall from red lands on the highest colour still held by its
//   own hysteresis and off-delay ("a level stays while value ≥ its clear").
// - Equal enter values at two colours are allowed (AQ 1029 T2 return airway: alarm = cut-power = 1.0 %):
//   both activate together and the higher one is in force (domain.md §2.2 "where alarm = cut-power, raise
//   orange").
// - Falling ladders mirror everything: enter at value ≤ enter, clear at value > clear.
// - Durations are judged on sample time only (no `tick`): a hold completes on the first sample at or past
//   it. With no new sample nothing changes: a level in force stays (fail-safe: silence is the health
//   kind's business, domain.md §2), and an on-delay does not complete on a guess.
//
// Memory (performance.md "rule state per sensor"): a ladder's per-sensor state is five small integers: the
// active colours as a bitmask and, per colour, the age in ms of its running enter or clear timer (−1 = not
// running), at a[at … at + 5) of an Int32Array (the kinds' banks keep them in their records, bank.ts), or
// inline in a kind's state object as `LadderState`. Ages instead of start times keep every field a small
// integer; an age is capped at MAX_AGE_MS, above every allowed hold, and is whole ms (device ts are whole
// ms, ingest/wire.ts). The compiled `Ladder` is immutable and shared by every sensor with the same steps.
import { z } from 'zod';
import { Level } from '../../core/level.ts';

/** The longest allowed enterS/exitS (≈ 11.6 d): timers are small integers of ms, capped at MAX_AGE_MS. */
export const MAX_HOLD_S = 1_000_000;
const MAX_AGE_MS = 2 ** 30;

export const StepSchema = z.strictObject({
  /** Enter value: rising enters at value ≥ enter, falling at value ≤ enter (GB/T 50493 "≥ 25 %LEL"). */
  enter: z.number(),
  /** Clear value (deadband), default = enter: rising clears at value < clear, falling at value > clear. */
  clear: z.number().optional(),
  /** On-delay: the enter condition must hold continuously (by sample ts) this long. Default 0. */
  enterS: z.number().min(0).max(MAX_HOLD_S).optional(),
  /** Off-delay: the clear condition must hold this long before this colour is left. Default 0. */
  exitS: z.number().min(0).max(MAX_HOLD_S).optional(),
  /** The standard's own grade, e.g. '一级报警' (GB/T 50493) or '断电' (AQ 1029) → RuleDetail.nativeAlarm. */
  native: z.string().min(1).max(40).optional(),
});
export type Step = z.infer<typeof StepSchema>;

export const StepsSchema = z
  .strictObject({ blue: StepSchema.optional(), yellow: StepSchema.optional(), orange: StepSchema.optional(), red: StepSchema.optional() })
  .refine((s) => s.blue || s.yellow || s.orange || s.red, 'at least one of blue, yellow, orange, red');
export type Steps = z.infer<typeof StepsSchema>;

export type StepDirection = 'rising' | 'falling';

const COLOURS = ['blue', 'yellow', 'orange', 'red'] as const;
const COLOUR_ZH = ['', '蓝色', '黄色', '橙色', '红色'] as const;

/** Cross-field checks of one ladder, for a kind's superRefine: clear on the safe side of enter, enter values
 * monotonic in severity (rising: blue ≤ yellow ≤ orange ≤ red; falling: blue ≥ … ≥ red). */
export function checkSteps(steps: Steps, dir: StepDirection, path: readonly (string | number)[], ctx: z.RefinementCtx): void {
  let prev: { name: string; enter: number } | null = null;
  for (const name of COLOURS) {
    const s = steps[name];
    if (!s) continue;
    if (s.clear !== undefined && (dir === 'rising' ? s.clear > s.enter : s.clear < s.enter)) {
      ctx.addIssue({
        code: 'custom', path: [...path, name, 'clear'],
        message: dir === 'rising'
          ? `a rising ${name} step clears below its enter value: clear ${s.clear} must be ≤ enter ${s.enter}`
          : `a falling ${name} step clears above its enter value: clear ${s.clear} must be ≥ enter ${s.enter}`,
      });
    }
    if (prev && (dir === 'rising' ? s.enter < prev.enter : s.enter > prev.enter)) {
      ctx.addIssue({
        code: 'custom', path: [...path, name, 'enter'],
        message: dir === 'rising'
          ? `rising enter values must not decrease with severity: ${name} ${s.enter} < ${prev.name} ${prev.enter}`
          : `falling enter values must not increase with severity: ${name} ${s.enter} > ${prev.name} ${prev.enter}`,
      });
    }
    prev = { name, enter: s.enter };
  }
}

/** Per-sensor ladder state inline in a kind's state object (plain numbers, so checkpoints copy it): the five
 * integers of `applyIn` by name. */
export interface LadderState {
  /** Active colours: bit (level − 1). */
  lv: number;
  /** Age (ms) of the running timer of blue, yellow, orange, red: the enter timer while the colour is
   * inactive, the clear timer while it is active; −1 = not running. */
  a0: number;
  a1: number;
  a2: number;
  a3: number;
}

export function newLadderState(): LadderState {
  return { lv: 0, a0: -1, a1: -1, a2: -1, a3: -1 };
}

/** The level in force: the highest active colour. */
export function ladderLevel(st: LadderState): Level {
  return (32 - Math.clz32(st.lv)) as Level;
}

/** The ladder's five integers at a[at …]: the active colours, then the ages of blue … red. */
export const LADDER_INTS = 5;

/** The level in force of the ladder at a[at …]. */
export function ladderLevelAt(a: Int32Array, at: number): Level {
  return (32 - Math.clz32(a[at]!)) as Level;
}

/** Copies a LadderState into a[at …] and back (the object forms run the array code on a scratch copy). */
export function ladderToInts(st: LadderState, a: Int32Array, at: number): void {
  a[at] = st.lv;
  a[at + 1] = st.a0;
  a[at + 2] = st.a1;
  a[at + 3] = st.a2;
  a[at + 4] = st.a3;
}
export function ladderFromInts(a: Int32Array, at: number, st: LadderState): void {
  st.lv = a[at]!;
  st.a0 = a[at + 1]!;
  st.a1 = a[at + 2]!;
  st.a2 = a[at + 3]!;
  st.a3 = a[at + 4]!;
}

const scratch = new Int32Array(LADDER_INTS);

/** The value the hot path's `Ladder.applyIn` judges: callers store it here first. A double passed to (or
 * returned by) a call V8 does not inline is boxed, a heap number per reading; an element of a typed array is
 * not. */
export const ladderIn = new Float64Array(1);

/** A compiled ladder: immutable, shared by all sensors with equal steps (see `compileLadder`). */
export class Ladder {
  /** +1 rising, −1 falling: comparisons run on sign × value, so one code path serves both. */
  readonly sign: 1 | -1;
  /** Bit (level − 1) set for each colour present. */
  readonly mask: number;
  private readonly enterX: readonly number[];
  private readonly clearX: readonly number[];
  private readonly enterMs: readonly number[];
  private readonly exitMs: readonly number[];
  /** The lowest enter value of the colours present (on sign × value): below it, with no colour active, every
   * timer is stopped and the level is none (the hot path's common case, `applyIn`). */
  private readonly minEnterX: number;

  constructor(
    readonly steps: Readonly<Steps>,
    readonly direction: StepDirection,
  ) {
    this.sign = direction === 'rising' ? 1 : -1;
    let mask = 0;
    const enterX: number[] = [];
    const clearX: number[] = [];
    const enterMs: number[] = [];
    const exitMs: number[] = [];
    COLOURS.forEach((name, i) => {
      const s = steps[name];
      if (s) mask |= 1 << i;
      enterX.push(s ? this.sign * s.enter : NaN);
      clearX.push(s ? this.sign * (s.clear ?? s.enter) : NaN);
      enterMs.push(s ? (s.enterS ?? 0) * 1000 : 0);
      exitMs.push(s ? (s.exitS ?? 0) * 1000 : 0);
    });
    this.mask = mask;
    this.enterX = enterX;
    this.clearX = clearX;
    this.enterMs = enterMs;
    this.exitMs = exitMs;
    this.minEnterX = Math.min(...enterX.filter((x) => x === x));
  }

  /** Hot path: the value in `ladderIn[0]`, `dt` = ms since the previous sample seen by this ladder (0 for the
   * first). Updates the ladder at a[at …] in place and returns the level in force. Allocates nothing. Kept under
   * V8's inlining size (460 bytecode bytes): the common case is here, the steps in `stepAt`. */
  applyIn(a: Int32Array, at: number, dt: number): Level {
    const x = this.sign * ladderIn[0]!;
    if (a[at] === 0 && x < this.minEnterX) {
      // Nothing active and the value below every enter value: what `stepAt` would do, without its loop.
      this.resetAt(a, at);
      return Level.none;
    }
    return this.stepAt(a, at, dt);
  }

  /** `applyIn` past its common case. */
  private stepAt(a: Int32Array, at: number, dt: number): Level {
    const x = this.sign * ladderIn[0]!;
    let lv = a[at]!;
    let raised = 0;
    for (let i = 0; i < 4; i++) {
      const bit = 1 << i;
      if ((this.mask & bit) === 0) continue;
      let age = a[at + 1 + i]!;
      if ((lv & bit) !== 0) {
        if (x < this.clearX[i]!) {
          age = age < 0 ? 0 : Math.min(age + dt, MAX_AGE_MS);
          if (age >= this.exitMs[i]!) {
            lv &= ~bit;
            age = -1;
          }
        } else age = -1;
      } else if (x >= this.enterX[i]!) {
        age = age < 0 ? 0 : Math.min(age + dt, MAX_AGE_MS);
        if (age >= this.enterMs[i]!) {
          lv |= bit;
          age = -1;
          raised = i;
        }
      } else age = -1;
      a[at + 1 + i] = age;
    }
    // Activation implies the lower colours (their enter values are no stricter): timers reset.
    for (let i = 0; i < raised; i++) {
      const bit = 1 << i;
      if ((this.mask & bit) !== 0 && (lv & bit) === 0) {
        lv |= bit;
        a[at + 1 + i] = -1;
      }
    }
    a[at] = lv;
    return (32 - Math.clz32(lv)) as Level;
  }

  /** Forgets everything at a[at …] (level none, no timers): used when the input is undefined (rate below
   * minSamples). */
  resetAt(a: Int32Array, at: number): void {
    a[at] = 0;
    a[at + 1] = -1;
    a[at + 2] = -1;
    a[at + 3] = -1;
    a[at + 4] = -1;
  }

  /** `applyIn` of `value` on a LadderState object. */
  apply(st: LadderState, value: number, dt: number): Level {
    ladderToInts(st, scratch, 0);
    ladderIn[0] = value;
    const l = this.applyIn(scratch, 0, dt);
    ladderFromInts(scratch, 0, st);
    return l;
  }

  /** `resetAt` on a LadderState object. */
  reset(st: LadderState): void {
    st.lv = 0;
    st.a0 = -1;
    st.a1 = -1;
    st.a2 = -1;
    st.a3 = -1;
  }

  /** The step of a level (none → undefined). */
  step(level: Level): Step | undefined {
    return level === Level.none ? undefined : this.steps[COLOURS[level - 1]!];
  }

  /** Whether `value` meets the enter condition of `level` (describe: "≥ enter" or "held by hysteresis"). */
  meetsEnter(level: Level, value: number): boolean {
    return level !== Level.none && this.sign * value >= this.enterX[level - 1]!;
  }
}

/** Compiles (or reuses) the ladder for `steps`: equal steps share one immutable Ladder. */
export function compileLadder(steps: Steps, direction: StepDirection): Ladder {
  return internCompiled(`ladder|${direction}|${JSON.stringify(steps)}`, () => new Ladder(steps, direction));
}

/** '黄色' for Level.yellow (alert text fragments). */
export function colourZh(level: Level): string {
  return COLOUR_ZH[level] ?? '';
}

/** Short number for alert text: 26.0, 1.02, 0.125, 1250, 1850.58. From 1000 up, a fraction keeps six significant
 * digits: a pond level of 1850.579 m against a pre-flood level of 1850.6 must not read "1851". Cold path. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return fixed(v, a, Number.isInteger(v) || a >= 100_000 ? 0 : a >= 10_000 ? 1 : 2);
  if (a >= 10) return fixed(v, a, 1);
  if (a >= 1) return fixed(v, a, 2);
  if (a === 0) return '0';
  return Number(v.toPrecision(3)).toString();
}

const SCALE = [1, 10, 100];

/** v.toFixed(d) for |v| = a ≥ 1 and d ≤ 2, at half its cost (an alert's text formats 3-4 numbers: toFixed was
 * most of it). toFixed rounds the exact binary value to the nearest n / 10^d, a tie upwards; the float product
 * a · 10^d is within 2.4e-7 of the exact one below 2^31, so away from a tie (the fraction not within 1e-6 of
 * one half) rounding the product gives the same n; near a tie, and above 2^31, toFixed decides. */
function fixed(v: number, a: number, d: number): string {
  const p = a * SCALE[d]!;
  if (p >= 2147483647) return v.toFixed(d);
  const fl = Math.floor(p);
  const frac = p - fl;
  if (frac > 0.499999 && frac < 0.500001) return v.toFixed(d);
  const n = frac > 0.5 ? fl + 1 : fl;
  const sign = v < 0 ? '-' : '';
  if (d === 0) return sign + n;
  const ip = Math.floor(n / SCALE[d]!);
  const fd = n - ip * SCALE[d]!;
  return d === 1 ? `${sign}${ip}.${fd}` : `${sign}${ip}.${fd < 10 ? '0' : ''}${fd}`;
}

// Compiled configs are shared between sensors whose params are equal (the engine parses params per sensor,
// so identity cannot be the key): per-sensor memory then holds only the state (performance.md, ≤ 1 KB per
// sensor for the standard mix). Entries go when the last sensor using them does (WeakRef), so a hot reload
// with new params does not accumulate old configs. Deterministic: a cache hit is equal to a fresh compile.
const compiled = new Map<string, WeakRef<object>>();
const finalizer = new FinalizationRegistry<string>((key) => {
  if (compiled.get(key)?.deref() === undefined) compiled.delete(key);
});

/** Returns the live compiled object for `key`, or makes and remembers one. `key` must determine `make()`. */
export function internCompiled<T extends object>(key: string, make: () => T): T {
  const hit = compiled.get(key)?.deref();
  if (hit) return hit as T;
  const made = make();
  compiled.set(key, new WeakRef(made));
  finalizer.register(made, key);
  return made;
}
