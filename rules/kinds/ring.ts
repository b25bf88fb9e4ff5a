// A compact sliding window of time buckets with running least-squares sums, for rate-of-change rules
// (performance.md: the standard mix, a 60-sample window included, must fit ≤ 1 KB of state per sensor).
//
// Layout: the window is cut into `cap` buckets of windowS/cap each, on a fixed grid (bucket b covers
// [b·w, (b+1)·w) ms); the window is the head bucket (the newest with data) and the cap − 1 before it.
// Bucket b lives in slot b mod cap of a Float32Array and holds the running mean of the values that fell
// into it, relative to a float64 base value, or NaN when empty. Timestamps are not stored at all: a point's
// time is its bucket index (error ≤ w/2, 1/120 of the window at 60 points). Sampled slower than w (the usual
// case: a 60-point window over a 5-min rate with 1-min gas readings) every bucket holds one sample; sampled
// faster, samples are averaged per bucket, which also damps noise.
//
// Running sums over the valid buckets, with k = bucket − head bucket (k ≤ 0): n, Σk, Σk² (small exact
// integers), Σv, Σkv. When the head moves by Δ, every k shifts by −Δ, which updates the sums in O(1);
// buckets leaving the window are subtracted. Once per revolution of the head (every cap buckets) Σv and
// Σkv are recomputed from the slots and the base moves to the newest point, so rounding cannot accumulate
// and float32 offsets stay small: precision is ~6e-8 × the range of values in the window, not of their
// distance from the first value ever seen. The least-squares slope is then O(1) per sample.
//
// Memory (performance.md: ≤ 1 KB per sensor for the standard mix): the slots are `cap` floats at
// f[o … o + cap), the float64 scalars (head bucket, value base, Σv, Σkv, then the user's own) at d[od …] and
// the small integers (n, Σk, Σk², …) at a[ai …] of an Int32Array. The engine's rate bank (rate.ts) keeps all
// three in one record of a shared chunk (bank.ts RecordBank); `RingState` is the same ring as an object with
// arrays of its own, for the kind's API and checkpoints.

/** The compiled shape of a ring: immutable, shared by sensors with equal params. */
export class RingShape {
  constructor(
    /** Buckets in the window (4–240). */
    readonly cap: number,
    /** Bucket width, ms: windowS × 1000 / cap. */
    readonly bucketMs: number,
  ) {}
}

// Scalars at d[od + …].
export const HB = 0; // bucket index of the head (newest bucket with data), NaN when empty
export const BASE = 1; // value base: slots hold value − base
export const SV = 2; // Σ slot values over valid buckets
export const SKV = 3; // Σ k·slot value
/** Where a user of the ring keeps its own doubles (d[od + RING_DOUBLES + i]). */
export const RING_DOUBLES = 4;

// Small integers at a[ai + …].
const N = 0; // valid buckets in the window
const SK = 1; // Σk over valid buckets (k = bucket − head ≤ 0)
const SKK = 2; // Σk²
const HC = 3; // samples merged into the head bucket
const HS = 4; // slot of the head bucket (head bucket mod cap)
const TK = 5; // k of the oldest valid bucket (≤ 0)
export const RING_INTS = 6;
/** Past this many samples in one bucket, the bucket's mean weighs further ones as this many. */
const HC_CAP = 2 ** 30;

/** Per-sensor ring state as an object: the arrays and the small integers of the ring by name. */
export interface RingState {
  /** The slots: f[o + slot] holds bucket value − base, NaN when empty. */
  f: Float32Array;
  o: number;
  /** The scalars: d[od + HB …]. */
  d: Float64Array;
  od: number;
  /** Valid buckets in the window. */
  n: number;
  /** Σk and Σk² over valid buckets (k = bucket − head ≤ 0): exact small integers. */
  sk: number;
  skk: number;
  /** Samples merged into the head bucket. */
  hc: number;
  /** Slot of the head bucket (head bucket mod cap). */
  hs: number;
  /** k of the oldest valid bucket (≤ 0); the window's points span −tk buckets. */
  tk: number;
}

/** Copies a RingState's small integers into a[ai …] and back. */
export function ringToInts(st: RingState, a: Int32Array, ai: number): void {
  a[ai + N] = st.n;
  a[ai + SK] = st.sk;
  a[ai + SKK] = st.skk;
  a[ai + HC] = st.hc;
  a[ai + HS] = st.hs;
  a[ai + TK] = st.tk;
}
export function ringFromInts(a: Int32Array, ai: number, st: RingState): void {
  st.n = a[ai + N]!;
  st.sk = a[ai + SK]!;
  st.skk = a[ai + SKK]!;
  st.hc = a[ai + HC]!;
  st.hs = a[ai + HS]!;
  st.tk = a[ai + TK]!;
}

const scratch = new Int32Array(RING_INTS);
const scratchD = new Float64Array(1);

/** An empty ring of `shape` with arrays of its own (`userDoubles` more scalars for the caller). */
export function newRing(shape: RingShape, userDoubles = 0): RingState {
  const st: RingState = { f: new Float32Array(shape.cap), o: 0, d: new Float64Array(RING_DOUBLES + userDoubles), od: 0, n: 0, sk: 0, skk: 0, hc: 0, hs: 0, tk: 0 };
  ringClear(shape, st);
  return st;
}

/** Empties the window. */
export function ringClear(shape: RingShape, st: RingState): void {
  ringToInts(st, scratch, 0);
  ringClearAt(shape, st.f, st.o, st.d, st.od, scratch, 0);
  ringFromInts(scratch, 0, st);
}

/** `ringPushIn` of (ts, value) on a RingState. */
export function ringPush(shape: RingShape, st: RingState, ts: number, value: number): boolean {
  ringToInts(st, scratch, 0);
  ringIn[0] = ts;
  ringIn[1] = value;
  const ok = ringPushIn(shape, st.f, st.o, st.d, st.od, scratch, 0);
  ringFromInts(scratch, 0, st);
  return ok;
}

/** Least-squares slope over the valid buckets, in value units per bucket; NaN with fewer than 2. */
export function ringSlopePerBucket(st: RingState): number {
  ringToInts(st, scratch, 0);
  ringSlopeTo(st.d, st.od, scratch, 0, scratchD, 0);
  return scratchD[0]!;
}

/** Buckets between the oldest and the newest valid bucket (0 with fewer than 2). */
export function ringSpanBuckets(st: RingState): number {
  return st.n < 2 ? 0 : -st.tk;
}

/** Empties the window of the ring at (f, o), (d, od), (a, ai). */
export function ringClearAt(shape: RingShape, f: Float32Array, o: number, d: Float64Array, od: number, a: Int32Array, ai: number): void {
  f.fill(NaN, o, o + shape.cap);
  a[ai + N] = 0;
  a[ai + SK] = 0;
  a[ai + SKK] = 0;
  a[ai + HC] = 0;
  a[ai + TK] = 0;
  d[od + HB] = NaN;
  d[od + BASE] = NaN;
  d[od + SV] = 0;
  d[od + SKV] = 0;
}

/** Empties the window and puts its head at the bucket of ringIn[0], with values relative to the window's base
 * (`keepBase`) or to ringIn[1]. Its numbers come from ringIn and the arrays: a double passed to a call V8 does not
 * inline is boxed. */
function restartAt(shape: RingShape, f: Float32Array, o: number, d: Float64Array, od: number, a: Int32Array, ai: number, keepBase: boolean): void {
  const c = shape.cap;
  const b = Math.floor(ringIn[0]! / shape.bucketMs);
  const base = keepBase ? d[od + BASE]! : ringIn[1]!;
  ringClearAt(shape, f, o, d, od, a, ai);
  d[od + BASE] = base;
  d[od + HB] = b;
  a[ai + HS] = (b - Math.floor(b / c) * c) | 0;
}

/** The time and value the hot path's `ringPushIn` adds: callers store them here first. A double passed to a call
 * V8 does not inline is boxed, a heap number per reading; an element of a typed array is not. */
export const ringIn = new Float64Array(2);

/** Adds the value ringIn[1] at ringIn[0] (ts, ms) to the ring at (f, o), (d, od), (a, ai). Points must come in
 * time order: one older than the head bucket is refused (returns false). Allocates nothing; O(1) amortised (a
 * head jump clears at most `cap` slots). The common cases (the head bucket again, or the head moving on by less
 * than the window) run here without a call: restarts, the tail scan and the once-per-revolution recompute are
 * functions of their own. No double is passed to a call (it would be boxed, a heap number per reading). */
export function ringPushIn(shape: RingShape, f: Float32Array, o: number, d: Float64Array, od: number, a: Int32Array, ai: number): boolean {
  const c = shape.cap;
  const b = Math.floor(ringIn[0]! / shape.bucketMs);
  const hb = d[od + HB]!;
  let n = a[ai + N]!;
  if (b !== hb || n === 0) {
    if (n === 0 || hb !== hb) {
      // Empty window: start over at this bucket, with this value as the base.
      restartAt(shape, f, o, d, od, a, ai, false);
    } else if (b < hb) {
      return false;
    } else if (b - hb >= c) {
      // Everything left the window: start over, keeping the base.
      restartAt(shape, f, o, d, od, a, ai, true);
    } else {
      // The head moves on by 0 < by < cap buckets: k → k − by for every valid bucket, and the next `by` slots
      // after the old head (the `by` oldest buckets, k = −c … −c+by−1 after the shift, in slot order) leave.
      const by = (b - hb) | 0;
      d[od + HB] = b;
      let sk = a[ai + SK]!;
      let sv = d[od + SV]!;
      let skv = d[od + SKV]! - by * sv;
      let skk = (a[ai + SKK]! - 2 * by * sk + n * by * by) | 0;
      sk = (sk - n * by) | 0;
      const hs = a[ai + HS]!;
      let slot = hs;
      for (let i = 0; i < by; i++) {
        slot = slot + 1 === c ? 0 : slot + 1;
        const x = f[o + slot]!;
        if (x === x) {
          const k = i - c + 1 - by;
          n -= 1;
          sk = (sk - k) | 0;
          skk = (skk - k * k) | 0;
          sv -= x;
          skv -= k * x;
        }
        f[o + slot] = NaN;
      }
      a[ai + N] = n;
      a[ai + SK] = sk;
      a[ai + SKK] = skk;
      a[ai + HS] = slot;
      a[ai + HC] = 0;
      d[od + SV] = sv;
      d[od + SKV] = skv;
      // The oldest valid bucket, if it left: scan forward from the oldest slot still in the window (the tail
      // only moves forward, so this is amortised O(1)). The new head is about to be filled: tk = 0 at worst.
      const tk = a[ai + TK]! - by;
      a[ai + TK] = tk > -c ? tk : oldestAt(c, f, o, slot);
      // The head wrapped: once per revolution, rebase and recompute the sums.
      if (slot < hs) recompute(shape, f, o, d, od, a, ai);
    }
  }
  // Merge into the head bucket's running mean (k = 0: Σk, Σk², Σkv do not change).
  const at = o + a[ai + HS]!;
  const old = f[at]!;
  const x = ringIn[1]! - d[od + BASE]!;
  let hc = a[ai + HC]!;
  if (hc < HC_CAP) a[ai + HC] = ++hc;
  if (old === old) {
    const mean = Math.fround(old + (x - old) / hc);
    f[at] = mean;
    d[od + SV] = d[od + SV]! + (mean - old);
  } else {
    const mean = Math.fround(x);
    f[at] = mean;
    a[ai + N] = a[ai + N]! + 1;
    d[od + SV] = d[od + SV]! + mean;
  }
  return true;
}

/** k of the oldest valid bucket after the slot `slot` (the head's, about to be filled: 0 when none). */
function oldestAt(c: number, f: Float32Array, o: number, slot: number): number {
  for (let k = 1 - c, s = slot + 1 === c ? 0 : slot + 1; k < 0; k++, s = s + 1 === c ? 0 : s + 1) {
    if (f[o + s]! === f[o + s]!) return k;
  }
  return 0;
}

/** Once per revolution: rebases values on the newest valid point, recomputes the sums from the slots. */
function recompute(shape: RingShape, f: Float32Array, o: number, d: Float64Array, od: number, a: Int32Array, ai: number): void {
  const c = shape.cap;
  const hs = a[ai + HS]!;
  // Newest valid slot before the head (the head itself is empty right after an advance).
  let delta = 0;
  for (let i = 1, s = hs === 0 ? c - 1 : hs - 1; i < c; i++, s = s === 0 ? c - 1 : s - 1) {
    const x = f[o + s]!;
    if (x === x) {
      delta = x;
      break;
    }
  }
  let n = 0;
  let sk = 0;
  let skk = 0;
  let sv = 0;
  let skv = 0;
  for (let s = 0; s < c; s++) {
    const x = f[o + s]!;
    if (x !== x) continue;
    const v = Math.fround(x - delta);
    f[o + s] = v;
    const k = s <= hs ? s - hs : s - hs - c;
    n += 1;
    sk += k;
    skk += k * k;
    sv += v;
    skv += k * v;
  }
  d[od + BASE] = d[od + BASE]! + delta;
  a[ai + N] = n;
  a[ai + SK] = sk;
  a[ai + SKK] = skk;
  d[od + SV] = sv;
  d[od + SKV] = skv;
}

/** Least-squares slope over the valid buckets of the ring at (d, od), (a, ai), in value units per bucket (NaN
 * with fewer than 2), stored at out[at]: a double returned by (or passed to) a call V8 does not inline is boxed, a
 * heap number per reading; a store into a typed array is not. */
export function ringSlopeTo(d: Float64Array, od: number, a: Int32Array, ai: number, out: Float64Array, at: number): void {
  const n = a[ai + N]!;
  const sk = a[ai + SK]!;
  const den = n * a[ai + SKK]! - sk * sk;
  if (n < 2 || den <= 0) out[at] = NaN;
  else out[at] = (n * d[od + SKV]! - sk * d[od + SV]!) / den;
}

/** Valid buckets in the window of the ring at (a, ai). */
export function ringCountAt(a: Int32Array, ai: number): number {
  return a[ai + N]!;
}

/** Buckets between the oldest and the newest valid bucket of the ring at (a, ai) (0 with fewer than 2). */
export function ringSpanAt(a: Int32Array, ai: number): number {
  return a[ai + N]! < 2 ? 0 : -a[ai + TK]!;
}
