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
// f[o … o + cap) and the float64 scalars (head bucket, value base, Σv, Σkv, then the user's own) are at
// d[od …]. Both arrays are the ring's own after `newRing`; the engine's rate bank (rate.ts) moves them into
// chunks shared by many rings, so a ring costs its slots and scalars, not two typed-array objects, and no
// double is boxed on the heap.

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

/** Per-sensor ring state, inline in the kind's state (small integers and two array references). */
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

/** An empty ring of `shape` with arrays of its own (`userDoubles` more scalars for the caller), or in the
 * given chunks at the given offsets. */
export function newRing(shape: RingShape, userDoubles = 0, at?: { f: Float32Array; o: number; d: Float64Array; od: number }): RingState {
  const st: RingState = {
    f: at ? at.f : new Float32Array(shape.cap), o: at ? at.o : 0, d: at ? at.d : new Float64Array(RING_DOUBLES + userDoubles), od: at ? at.od : 0,
    n: 0, sk: 0, skk: 0, hc: 0, hs: 0, tk: 0,
  };
  ringClear(shape, st);
  return st;
}

/** Empties the window. */
export function ringClear(shape: RingShape, st: RingState): void {
  st.f.fill(NaN, st.o, st.o + shape.cap);
  st.n = 0;
  st.sk = 0;
  st.skk = 0;
  st.hc = 0;
  st.tk = 0;
  const d = st.d, od = st.od;
  d[od + HB] = NaN;
  d[od + BASE] = NaN;
  d[od + SV] = 0;
  d[od + SKV] = 0;
}

/** Adds a value at `ts` (ms). Points must come in time order: one older than the head bucket is refused
 * (returns false). Allocates nothing; O(1) amortised (a head jump clears at most `cap` slots). */
export function ringPush(shape: RingShape, st: RingState, ts: number, value: number): boolean {
  const c = shape.cap;
  const d = st.d, od = st.od;
  const b = Math.floor(ts / shape.bucketMs);
  const hb = d[od + HB]!;
  if (st.n === 0 || hb !== hb) {
    // Empty window: start over at this bucket, with this value as the base.
    ringClear(shape, st);
    d[od + BASE] = value;
    d[od + HB] = b;
    st.hs = (b - Math.floor(b / c) * c) | 0;
  } else if (b < hb) {
    return false;
  } else if (b > hb) {
    d[od + HB] = b;
    if (b - hb >= c) {
      // Everything left the window; keep the base.
      const base = d[od + BASE]!;
      ringClear(shape, st);
      d[od + BASE] = base;
      d[od + HB] = b;
      st.hs = (b - Math.floor(b / c) * c) | 0;
    } else advance(shape, st, (b - hb) | 0);
  }
  // Merge into the head bucket's running mean (k = 0: Σk, Σk², Σkv do not change).
  const f = st.f;
  const at = st.o + st.hs;
  const old = f[at]!;
  const x = value - d[od + BASE]!;
  const hc = st.hc + 1;
  st.hc = hc;
  const mean = old === old ? Math.fround(old + (x - old) / hc) : Math.fround(x);
  f[at] = mean;
  if (old === old) d[od + SV] = d[od + SV]! + (mean - old);
  else {
    st.n += 1;
    d[od + SV] = d[od + SV]! + mean;
  }
  return true;
}

/** Moves the head forward by 0 < d < cap buckets: shifts k, evicts the buckets that leave the window. */
function advance(shape: RingShape, st: RingState, d: number): void {
  const f = st.f;
  const o = st.o;
  const c = shape.cap;
  // k → k − d for every valid bucket.
  let n = st.n;
  let sk = st.sk;
  let skk = st.skk;
  const dd = st.d, od = st.od;
  let sv = dd[od + SV]!;
  let skv = dd[od + SKV]! - d * sv;
  skk = (skk - 2 * d * sk + n * d * d) | 0;
  sk = (sk - n * d) | 0;
  // The next d slots after the old head held the d oldest buckets; after the shift their k is −c … −c+d−1
  // in slot order. They leave the window.
  const hs = st.hs;
  let slot = hs;
  for (let i = 0; i < d; i++) {
    slot = slot + 1 === c ? 0 : slot + 1;
    const x = f[o + slot]!;
    if (x === x) {
      const k = i - c + 1 - d;
      n -= 1;
      sk = (sk - k) | 0;
      skk = (skk - k * k) | 0;
      sv -= x;
      skv -= k * x;
    }
    f[o + slot] = NaN;
  }
  st.n = n;
  st.sk = sk;
  st.skk = skk;
  st.hs = slot;
  st.hc = 0;
  // The oldest valid bucket, if it left: scan forward from the oldest slot still in the window (the tail
  // only moves forward, so this is amortised O(1)). The new head is about to be filled: tk = 0 at worst.
  let tk = st.tk - d;
  if (tk <= -c) {
    tk = 0;
    for (let k = 1 - c, s = slot + 1 === c ? 0 : slot + 1; k < 0; k++, s = s + 1 === c ? 0 : s + 1) {
      if (f[o + s]! === f[o + s]!) {
        tk = k;
        break;
      }
    }
  }
  st.tk = tk;
  if (slot < hs) {
    // The head wrapped: once per revolution.
    recompute(shape, st);
    return;
  }
  dd[od + SV] = sv;
  dd[od + SKV] = skv;
}

/** Once per revolution: rebases values on the newest valid point, recomputes the sums from the slots. */
function recompute(shape: RingShape, st: RingState): void {
  const f = st.f;
  const o = st.o;
  const c = shape.cap;
  const hs = st.hs;
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
  const d = st.d, od = st.od;
  d[od + BASE] = d[od + BASE]! + delta;
  st.n = n;
  st.sk = sk;
  st.skk = skk;
  d[od + SV] = sv;
  d[od + SKV] = skv;
}

/** Least-squares slope over the valid buckets, in value units per bucket; NaN with fewer than 2. */
export function ringSlopePerBucket(st: RingState): number {
  const n = st.n;
  if (n < 2) return NaN;
  const sk = st.sk;
  const den = n * st.skk - sk * sk;
  if (den <= 0) return NaN;
  return (n * st.d[st.od + SKV]! - sk * st.d[st.od + SV]!) / den;
}

/** Buckets between the oldest and the newest valid bucket (0 with fewer than 2). */
export function ringSpanBuckets(st: RingState): number {
  return st.n < 2 ? 0 : -st.tk;
}
