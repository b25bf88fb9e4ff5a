// Rule kind `time-to-failure`: inverse-velocity (INV) failure-time prediction on tailings GNSS displacement
// (Fukuzono 1985; Voight 1988: 1/v = A·(tf − t)). domain.md §2.5: "Failure precursor: accelerating creep where
// velocity grows hyperbolically (inverse velocity falls linearly to zero at failure)"; peers.md (b) 1:
// "automatic escalation when tf minus now is less than the evacuation lead time".
//
// Input: the sample value is the cumulative horizontal displacement in mm (the engine derives it from dx/dy),
// in ts order, quality ok only (track 'process').
//
// Pipeline (fixed typed arrays, ~1 KB of state; nothing allocated per sample):
// 1. Median of 3 consecutive samples, stamped at the middle one: removes single-epoch multipath jumps of
//    10–30 mm (domain.md §2.5 "to be filtered with a median of 3").
// 2. Velocity v (mm/d): weighted least-squares slope of the filtered series over the last `velocityWindowS`
//    (default 24 h), kept as ≤ 33 buckets of window/32 (mean t, mean x, count); se(v) from the residuals.
//    With GNSS noise σ 2–3 mm (domain.md §2.5) and 10-min epochs a 24 h window resolves ≈ 2 mm/d (se ≈ 0.7),
//    a 6 h window only ≳ 15 mm/d. (Windows adapting to the velocity were tried and dropped: switching windows
//    moved the 1/v points back and forth and lost the prediction in the last hours.)
// 3. A velocity is usable when v ≥ minSignificance (3) × se(v) and v ≥ floor = max(minVelocityMmPerDay (1),
//    creepFactor (3) × the sensor param `normalCreepMmPerDay`) (normal creep 0–0.2 mm/d, domain.md §2.5).
//    An unusable velocity ends the regime: the 1/v series is cleared and the prediction dropped. Too little
//    data in the window (warm-up, a gap in the samples) changes nothing until the window refills.
// 4. The 1/v series keeps a point each time the live estimate's window ends half a window after the last
//    kept one (≤ 24 points), so kept neighbours share at most half their data; the live point (latest
//    estimate) is always the last fit point. A point is placed on the time axis where the model says an LS
//    slope over its window belongs (see `stamp`; the window centroid would bias tf early by hours near
//    failure). Fit: least squares of 1/v on t over the last `fitPoints` (default 6) points, unweighted, then
//    weighted by 1/σ², σ(1/v) ≈ se(v) · ŷ² with ŷ from the unweighted line (see `pass`), so the fast, precise
//    recent points carry the zero crossing; three rounds, re-stamping with the previous round's tf.
// 5. Accelerating regime = fit slope < 0 and R² ≥ `minR2` (0.8). Decelerating creep (1/v rising) and steady
//    creep (no trend, or below the floor) give no prediction and Level.none (issue 4 "Done when").
// 6. tf = the fit's zero crossing. Band [PROPOSAL]: the inverse-regression (calibration) standard error of the
//    zero crossing, se(tf) = (s / |b|) · √(1/Σw + (tf − t̄)² / Sxx) (s residual SD per unit weight, b slope,
//    t̄ weighted mean time, Sxx = Σw(t − t̄)²), × √2 for the half-overlap of kept neighbours; tfLow/High =
//    tf ∓ bandSigmas (2) · that. A NEW prediction must also be informative [PROPOSAL]: velocity up over the
//    fitted points by ≥ minSignificance × the combined se ("only when velocity is increasing"), the band not
//    reaching back to the data (half-band ≤ maxRelBand (0.5) × (tf − t_live)), and tf no further ahead than
//    maxExtrapolation (2) × the fitted span. Without these, steady creep at 5 mm/d raised yellow now and then
//    on synthetic series. Once in force the prediction follows the fit while the regime lasts.
// Measured on synthetic Fukuzono series (σ 2.5 mm, 10-min epochs, 20 seeds; see time-to-failure.test.ts for
// the asserted cases): A = 0.02 /mm (v 100 mm/d a day before failure): red from ≈ 4 h before failure in every
// run, none earlier than 8 h, tf inside the band ≈ 95 % of the time in the last 48 h; steady creep (0.1–60
// mm/d) and decelerating creep never gave a prediction.
//
// Levels [PROPOSAL] (domain.md §2.5; peers.md (b) 1): with lead = params.leadMinutes, else the site's
// tailings.evacuationLeadMinutes, else 120 min, and Δ = tfLow − now (the earliest end of the band):
//   red Δ ≤ redWithin (1) × lead; orange ≤ orangeWithin (3) × lead; yellow ≤ yellowWithin (12) × lead;
//   blue ≤ blueWithin (36) × lead (null turns blue off); else none.
// `now` is the sample's device time in evaluate and the Clock in tick (the level rises as time runs with no
// new sample). A prediction stays in force while samples stop (a silent GNSS during acceleration must not
// clear the warning; its silence is a device alarm); the next usable samples replace or clear it.
import { z } from 'zod';
import { Level } from '../../core/level.ts';
import { ruleDetail, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';

const DAY = 86_400_000;
const BUCKETS = 32;
const VCAP = BUCKETS + 1;
const ICAP = 24;
/** Minimum buckets in a velocity window. */
const MIN_BUCKETS = 6;
/** Band inflation for neighbouring 1/v points sharing half their window (effective n ≈ n/2). */
const OVERLAP_INFLATION = Math.SQRT2;

export const timeToFailureParams = z
  .strictObject({
    velocityWindowS: z.number().min(3600).max(7 * 86_400).default(86_400),
    fitPoints: z.number().int().min(4).max(ICAP).default(6),
    minR2: z.number().min(0).max(1).default(0.8),
    minVelocityMmPerDay: z.number().positive().default(1),
    creepFactor: z.number().positive().default(3),
    minSignificance: z.number().positive().default(3),
    bandSigmas: z.number().positive().default(2),
    maxRelBand: z.number().positive().max(1).default(0.5),
    maxExtrapolation: z.number().positive().default(2),
    leadMinutes: z.number().positive().optional(),
    redWithin: z.number().positive().default(1),
    orangeWithin: z.number().positive().default(3),
    yellowWithin: z.number().positive().default(12),
    blueWithin: z.number().positive().nullable().default(36),
  })
  .refine((p) => p.redWithin <= p.orangeWithin && p.orangeWithin <= p.yellowWithin && (p.blueWithin === null || p.yellowWithin <= p.blueWithin), {
    message: 'redWithin ≤ orangeWithin ≤ yellowWithin ≤ blueWithin',
  });
export type TimeToFailureParams = z.input<typeof timeToFailureParams>;
type Parsed = z.output<typeof timeToFailureParams>;

export interface Prediction {
  /** Predicted failure time and its band, epoch ms UTC. */
  tf: number;
  tfLow: number;
  tfHigh: number;
  /** Latest smoothed velocity, mm/d. */
  velocity: number;
  /** R² of the 1/v fit. */
  r2: number;
}

export interface TtfState {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly fitPoints: number;
  readonly minR2: number;
  readonly floor: number;
  readonly minSig: number;
  readonly bandK: number;
  readonly maxRelBand: number;
  readonly maxExtrapolation: number;
  readonly leadMs: number;
  /** Lead multiples for red, orange, yellow, blue (NaN = off). */
  readonly within: Float64Array;
  /** Last three raw samples (t, x) for the median. */
  readonly med: Float64Array;
  medN: number;
  /** Velocity buckets (ring): mean t (ms), mean x (mm), count. */
  readonly vt: Float64Array;
  readonly vx: Float32Array;
  readonly vn: Uint16Array;
  vHead: number;
  vLen: number;
  bucketStart: number;
  /** 1/v series (ring): end time of the velocity window (ms) and its span (ms), 1/v (d/mm), se(v) (mm/d). */
  readonly it: Float64Array;
  readonly ispan: Float32Array;
  readonly iv: Float32Array;
  readonly ise: Float32Array;
  iHead: number;
  iLen: number;
  /** Live point (window end and span, 1/v, se(v)); NaN when the regime is off. */
  liveT: number;
  liveSpan: number;
  liveInv: number;
  liveSe: number;
  /** Latest velocity estimate (mm/d), its standard error, and its window's end and span (ms); NaN when none. */
  velocity: number;
  velocitySe: number;
  velocityEnd: number;
  velocitySpan: number;
  /** The fit's current guess of tf (ms) for stamping the points (see stamp); NaN = centroid stamps. */
  guess: number;
  lastTs: number;
  /** Scratch of the fit passes: Σw, t̄, ȳ, Sxx, Sxy, Syy. */
  readonly sums: Float64Array;
  /** Prediction in force (NaN tf = none). */
  tf: number;
  tfLow: number;
  tfHigh: number;
  r2: number;
  level: Level;
}

function init(params: Parsed, ctx: SensorRuleContext): TtfState {
  const normal = ctx.sensor.params['normalCreepMmPerDay'];
  const floor = Math.max(params.minVelocityMmPerDay, typeof normal === 'number' && Number.isFinite(normal) ? params.creepFactor * normal : 0);
  const lead = params.leadMinutes ?? ctx.site.tailings?.evacuationLeadMinutes ?? 120;
  const windowMs = params.velocityWindowS * 1000;
  return {
    windowMs,
    bucketMs: windowMs / BUCKETS,
    fitPoints: params.fitPoints,
    minR2: params.minR2,
    floor,
    minSig: params.minSignificance,
    bandK: params.bandSigmas * OVERLAP_INFLATION,
    maxRelBand: params.maxRelBand,
    maxExtrapolation: params.maxExtrapolation,
    leadMs: lead * 60_000,
    within: Float64Array.of(params.redWithin, params.orangeWithin, params.yellowWithin, params.blueWithin ?? Number.NaN),
    med: new Float64Array(6),
    medN: 0,
    vt: new Float64Array(VCAP),
    vx: new Float32Array(VCAP),
    vn: new Uint16Array(VCAP),
    vHead: 0,
    vLen: 0,
    bucketStart: Number.NaN,
    it: new Float64Array(ICAP),
    ispan: new Float32Array(ICAP),
    iv: new Float32Array(ICAP),
    ise: new Float32Array(ICAP),
    iHead: 0,
    iLen: 0,
    liveT: Number.NaN,
    liveSpan: Number.NaN,
    liveInv: Number.NaN,
    liveSe: Number.NaN,
    velocity: Number.NaN,
    velocitySe: Number.NaN,
    velocityEnd: Number.NaN,
    velocitySpan: Number.NaN,
    guess: Number.NaN,
    lastTs: Number.NEGATIVE_INFINITY,
    sums: new Float64Array(6),
    tf: Number.NaN,
    tfLow: Number.NaN,
    tfHigh: Number.NaN,
    r2: Number.NaN,
    level: Level.none,
  };
}

/** Step 1: shifts the sample into the median-of-3 window; true once three samples are in. */
function median3(s: TtfState, t: number, x: number): boolean {
  const m = s.med;
  m.copyWithin(0, 2);
  m[4] = t;
  m[5] = x;
  if (s.medN < 3) s.medN++;
  return s.medN === 3;
}

function med3(a: number, b: number, c: number): number {
  return a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
}

function addBucket(s: TtfState, t: number, x: number): void {
  if (s.vLen > 0 && t < s.bucketStart + s.bucketMs) {
    const k = (s.vHead + s.vLen - 1) % VCAP;
    const n = s.vn[k]! + 1;
    s.vt[k] = s.vt[k]! + (t - s.vt[k]!) / n;
    s.vx[k] = s.vx[k]! + (x - s.vx[k]!) / n;
    s.vn[k] = Math.min(n, 0xffff);
  } else {
    if (s.vLen === VCAP) {
      s.vHead = (s.vHead + 1) % VCAP;
      s.vLen--;
    }
    const k = (s.vHead + s.vLen) % VCAP;
    s.vt[k] = t;
    s.vx[k] = x;
    s.vn[k] = 1;
    s.vLen++;
    s.bucketStart = t;
  }
  while (s.vLen > 0 && s.vt[s.vHead]! < t - s.windowMs) {
    s.vHead = (s.vHead + 1) % VCAP;
    s.vLen--;
  }
}

/** Weighted LS slope over the buckets of the last `w` ms into s.velocity (mm/d), s.velocitySe,
 * s.velocityEnd and s.velocitySpan; false when that window holds too little (< MIN_BUCKETS or < half of w). */
function slope(s: TtfState, w: number): boolean {
  const end = s.vHead + s.vLen - 1;
  const last = s.vt[end % VCAP]!;
  let j0 = end;
  while (j0 > s.vHead && s.vt[(j0 - 1) % VCAP]! >= last - w) j0--;
  const m = end - j0 + 1;
  if (m < MIN_BUCKETS || last - s.vt[j0 % VCAP]! < w / 2) return false;
  let sw = 0;
  let st = 0;
  let sx = 0;
  for (let j = j0; j <= end; j++) {
    const k = j % VCAP;
    const n = s.vn[k]!;
    sw += n;
    st += n * (s.vt[k]! - last);
    sx += n * s.vx[k]!;
  }
  const tm = st / sw;
  const xm = sx / sw;
  let sxx = 0;
  let sxy = 0;
  for (let j = j0; j <= end; j++) {
    const k = j % VCAP;
    const dt = (s.vt[k]! - last - tm) / DAY;
    sxx += s.vn[k]! * dt * dt;
    sxy += s.vn[k]! * dt * (s.vx[k]! - xm);
  }
  const b = sxy / sxx;
  let rss = 0;
  for (let j = j0; j <= end; j++) {
    const k = j % VCAP;
    const r = s.vx[k]! - xm - b * ((s.vt[k]! - last - tm) / DAY);
    rss += s.vn[k]! * r * r;
  }
  s.velocity = b;
  s.velocitySe = Math.sqrt(rss / (m - 2) / sxx);
  s.velocityEnd = last;
  s.velocitySpan = last - s.vt[j0 % VCAP]!;
  return true;
}

/** Steps 2–3: the velocity over the window: 'short' while the window holds too little data (warm-up, or
 * after a gap in the samples), else usable when v ≥ minSig · se and v ≥ floor. */
function velocityState(s: TtfState): 'short' | 'usable' | 'unusable' {
  if (!slope(s, s.windowMs)) return 'short';
  return s.velocity >= s.minSig * s.velocitySe && s.velocity >= s.floor ? 'usable' : 'unusable';
}

function clearRegime(s: TtfState): void {
  s.iLen = 0;
  s.iHead = 0;
  s.liveT = s.liveSpan = s.liveInv = s.liveSe = s.guess = Number.NaN;
  s.tf = s.tfLow = s.tfHigh = s.r2 = Number.NaN;
}

function pushInv(s: TtfState): void {
  if (s.iLen === ICAP) {
    s.iHead = (s.iHead + 1) % ICAP;
    s.iLen--;
  }
  const k = (s.iHead + s.iLen) % ICAP;
  s.it[k] = s.liveT;
  s.ispan[k] = s.liveSpan;
  s.iv[k] = s.liveInv;
  s.ise[k] = s.liveSe;
  s.iLen++;
}

/** Where on the time axis an LS slope over a window [end − span, end] belongs. Under the model being fitted
 * (v = 1/(A·τ), τ = tf − t) the LS slope is a parabolic-kernel mean of v: with x = span/τ_end,
 * v_LS = 1/(A·τ*), τ* = τ_end · x³ / (6 · [(2 + x)·x/2 − (1 + x)·ln(1 + x)]) (→ τ_end + span/2, the centroid,
 * as x → 0). So the point is stamped at tf − τ*, using the fit's current guess of tf; without a guess at the
 * centroid. Stamping at the centroid alone puts late, fast points too early under strong acceleration
 * (τ* = 5.7 τ_end instead of 7 τ_end at x = 12) and biases tf early by hours. */
function stamp(end: number, span: number, guess: number): number {
  if (Number.isNaN(guess)) return end - span / 2;
  const tau = Math.max(guess - end, span / 50);
  const x = span / tau;
  const ratio = x < 0.02 ? 1 / (1 - x / 2 + (3 * x * x) / 10 - (x * x * x) / 5) : (x * x * x) / (6 * (((2 + x) * x) / 2 - (1 + x) * Math.log1p(x)));
  return guess - tau * ratio;
}

/** The j-th fit point: the last `fromRing` ring points, then the live point. */
function pointT(s: TtfState, fromRing: number, j: number): number {
  if (j >= fromRing) return stamp(s.liveT, s.liveSpan, s.guess);
  const k = (s.iHead + s.iLen - fromRing + j) % ICAP;
  return stamp(s.it[k]!, s.ispan[k]!, s.guess);
}
function pointY(s: TtfState, fromRing: number, j: number): number {
  return j < fromRing ? s.iv[(s.iHead + s.iLen - fromRing + j) % ICAP]! : s.liveInv;
}
function pointSe(s: TtfState, fromRing: number, j: number): number {
  return j < fromRing ? s.ise[(s.iHead + s.iLen - fromRing + j) % ICAP]! : s.liveSe;
}

/** One (weighted) least-squares pass of 1/v on t (days after the live window's end) over the fit points; the
 * sums go to `out` (Σw, t̄, ȳ, Sxx, Sxy, Syy). Pass 1 is
 * unweighted. Pass 2 weighs each point by 1/σ², σ(1/v) ≈ se(v) · ŷ² with ŷ the pass-1 line (not the noisy
 * 1/v itself: weighting by the observed v would favour the points whose noise inflated v, the winner's curse),
 * so fast, recent points weigh most and the zero crossing rests on them. */
function pass(s: TtfState, fromRing: number, n: number, a1: number, b1: number, out: Float64Array): void {
  const ref = s.liveT;
  let sw = 0;
  let st = 0;
  let sy = 0;
  for (let j = 0; j < n; j++) {
    const w = weight(s, fromRing, j, a1, b1);
    sw += w;
    st += w * ((pointT(s, fromRing, j) - ref) / DAY);
    sy += w * pointY(s, fromRing, j);
  }
  const tm = st / sw;
  const ym = sy / sw;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let j = 0; j < n; j++) {
    const w = weight(s, fromRing, j, a1, b1);
    const dt = (pointT(s, fromRing, j) - ref) / DAY - tm;
    const dy = pointY(s, fromRing, j) - ym;
    sxx += w * dt * dt;
    sxy += w * dt * dy;
    syy += w * dy * dy;
  }
  out[0] = sw;
  out[1] = tm;
  out[2] = ym;
  out[3] = sxx;
  out[4] = sxy;
  out[5] = syy;
}

function weight(s: TtfState, fromRing: number, j: number, a1: number, b1: number): number {
  if (Number.isNaN(a1)) return 1;
  const y = pointY(s, fromRing, j);
  const fitted = a1 + b1 * ((pointT(s, fromRing, j) - s.liveT) / DAY);
  const yh = fitted > 0 ? fitted : y;
  const sd = pointSe(s, fromRing, j) * yh * yh;
  return 1 / Math.max(sd * sd, 1e-18);
}

/** Steps 4–6: fit 1/v on t over the last fitPoints (the live point last) and set or clear the prediction.
 * Three rounds: centroid stamps, then twice re-stamped with the previous round's tf (see stamp). */
function fit(s: TtfState): void {
  const established = !Number.isNaN(s.tf);
  s.tf = s.tfLow = s.tfHigh = s.r2 = s.guess = Number.NaN;
  const liveKept = s.iLen > 0 && s.it[(s.iHead + s.iLen - 1) % ICAP] === s.liveT;
  const fromRing = Math.min(s.iLen, liveKept ? s.fitPoints : s.fitPoints - 1);
  const n = fromRing + (liveKept ? 0 : 1);
  if (n < s.fitPoints) return;
  const f = s.sums;
  let b = Number.NaN;
  let tfRel = Number.NaN;
  for (let round = 0; round < 3; round++) {
    pass(s, fromRing, n, Number.NaN, Number.NaN, f);
    if (!(f[3]! > 0 && f[5]! > 0)) return;
    const b1 = f[4]! / f[3]!;
    pass(s, fromRing, n, f[2]! - b1 * f[1]!, b1, f);
    if (!(f[3]! > 0 && f[5]! > 0)) return;
    b = f[4]! / f[3]!;
    if (!(b < 0)) return;
    tfRel = f[1]! - f[2]! / b; // days after the reference (the live window's end)
    if (round < 2) s.guess = s.liveT + tfRel * DAY;
  }
  const sw = f[0]!;
  const tm = f[1]!;
  const ym = f[2]!;
  const sxx = f[3]!;
  const sxy = f[4]!;
  const syy = f[5]!;
  const r2 = (sxy * sxy) / (sxx * syy);
  if (r2 < s.minR2) return;
  const sres = Math.sqrt(Math.max(0, (syy - b * sxy) / (n - 2)));
  const half = s.bandK * (sres / -b) * Math.sqrt(1 / sw + ((tfRel - tm) * (tfRel - tm)) / sxx);
  // A new prediction must be informative: velocity clearly up over the fitted points (v_live − v_first ≥ minSig ·
  // √(se_live² + se_first²): "only when velocity is increasing", beyond noise), the band not reaching back to
  // the data (half ≤ maxRelBand · (tf − t_live)), and tf no further ahead than maxExtrapolation × the span of
  // the fitted points. Once in force, a prediction is kept up to date while the regime lasts (slope < 0,
  // R² ≥ minR2), even when tf reaches the data in the last hours: that is failure due, not noise.
  if (!established) {
    const live = (pointT(s, fromRing, n - 1) - s.liveT) / DAY;
    const span = live - (pointT(s, fromRing, 0) - s.liveT) / DAY;
    const ahead = tfRel - live;
    const rise = 1 / pointY(s, fromRing, n - 1) - 1 / pointY(s, fromRing, 0);
    const noise = Math.hypot(pointSe(s, fromRing, n - 1), pointSe(s, fromRing, 0));
    if (rise < s.minSig * noise || !(ahead > 0) || half > s.maxRelBand * ahead || ahead > s.maxExtrapolation * span) return;
  }
  s.tf = s.liveT + tfRel * DAY;
  s.tfLow = s.tf - half * DAY;
  s.tfHigh = s.tf + half * DAY;
  s.r2 = r2;
}

function levelAt(s: TtfState, now: number): Level {
  if (Number.isNaN(s.tf)) return Level.none;
  const lead = s.tfLow - now;
  const w = s.within;
  if (lead <= w[0]! * s.leadMs) return Level.red;
  if (lead <= w[1]! * s.leadMs) return Level.orange;
  if (lead <= w[2]! * s.leadMs) return Level.yellow;
  if (lead <= w[3]! * s.leadMs) return Level.blue; // NaN (blue off) compares false
  return Level.none;
}

function evaluate(s: TtfState, sample: Sample): Level {
  const x = sample.value;
  if (!Number.isFinite(x) || sample.ts <= s.lastTs) return s.level;
  s.lastTs = sample.ts;
  if (median3(s, sample.ts, x)) {
    const m = s.med;
    addBucket(s, m[2]!, med3(m[1]!, m[3]!, m[5]!));
    const v = velocityState(s);
    if (v === 'unusable') {
      clearRegime(s);
    } else if (v === 'usable') {
      s.liveT = s.velocityEnd;
      s.liveSpan = s.velocitySpan;
      s.liveInv = 1 / s.velocity;
      s.liveSe = s.velocitySe;
      const lastT = s.iLen > 0 ? s.it[(s.iHead + s.iLen - 1) % ICAP]! : Number.NEGATIVE_INFINITY;
      if (s.liveT - lastT >= s.windowMs / 2) pushInv(s);
      fit(s);
    }
  }
  s.level = levelAt(s, sample.ts);
  return s.level;
}

function tick(s: TtfState, now: number): Level {
  s.level = levelAt(s, now);
  return s.level;
}

/** The prediction in force, for the API and the alert's evidence; null when the creep is not accelerating. */
export function prediction(s: TtfState): Prediction | null {
  if (Number.isNaN(s.tf)) return null;
  return { tf: s.tf, tfLow: s.tfLow, tfHigh: s.tfHigh, velocity: s.velocity, r2: s.r2 };
}

/** The kept 1/v series and the live point (t epoch ms as placed by `stamp`, inv in d/mm), oldest first, for
 * the evidence plot; empty when the regime is off. Cold path. */
export function inverseVelocity(s: TtfState): { t: number; inv: number }[] {
  const out: { t: number; inv: number }[] = [];
  const guess = Number.isNaN(s.tf) ? Number.NaN : s.tf;
  for (let j = 0; j < s.iLen; j++) {
    const k = (s.iHead + j) % ICAP;
    out.push({ t: stamp(s.it[k]!, s.ispan[k]!, guess), inv: s.iv[k]! });
  }
  const lastT = s.iLen > 0 ? s.it[(s.iHead + s.iLen - 1) % ICAP] : Number.NaN;
  if (!Number.isNaN(s.liveT) && s.liveT !== lastT) out.push({ t: stamp(s.liveT, s.liveSpan, guess), inv: s.liveInv });
  return out;
}

/** Beijing time (UTC+8), 'YYYY-MM-DD HH:mm'. */
export function beijing(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

function band(ms: number): string {
  const min = ms / 60_000;
  return min < 120 ? `±${Math.round(min)} 分钟` : `±${(min / 60).toFixed(1)} 小时`;
}

function describe(s: TtfState): RuleDetail {
  const leadMin = Math.round(s.leadMs / 60_000);
  const v = Number.isFinite(s.velocity) ? Math.round(s.velocity * 100) / 100 : null;
  if (Number.isNaN(s.tf)) {
    return ruleDetail(v, leadMin, null, '位移未呈加速蠕变(反速度法)，无失稳时间预测');
  }
  const text =
    `位移加速蠕变(反速度法)：速度 ${v ?? '—'} mm/d，预测失稳时间 ${beijing(s.tf)} (${band((s.tfHigh - s.tfLow) / 2)})，` +
    `最早 ${beijing(s.tfLow)}，撤离提前量 ${leadMin} 分钟`;
  return ruleDetail(v, leadMin, null, text);
}

export const timeToFailure: SensorRuleKind<Parsed, TtfState> = {
  kind: 'time-to-failure',
  scope: 'sensor',
  track: 'process',
  paramsSchema: timeToFailureParams,
  init,
  evaluate,
  describe,
  tick,
};
