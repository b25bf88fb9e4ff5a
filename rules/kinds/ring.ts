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
// The float64 scalars live in the same Float32Array after the slots, each as a (hi, lo) pair of float32
// (hi = fround(x), lo = x − hi): 48 bits of mantissa, exact for epoch-ms integers and bucket indices.
// State objects stay plain data (small integers and one Float32Array), so engine checkpoints
// (rules/engine/snapshot.ts) copy and restore them as they are.

/** Reads the float64 stored as a float32 pair at `i`. */
export function getD(f: Float32Array, i: number): number {
  return f[i]! + f[i + 1]!;
}
/** Stores `x` as a float32 pair at `i` (NaN stays NaN; ±Infinity is not representable: do not store it). */
export function setD(f: Float32Array, i: number, x: number): void {
  const hi = Math.fround(x);
  f[i] = hi;
  f[i + 1] = x - hi;
}

// Ring scalars (pairs), at shape.cap + these offsets.
const HEAD_B = 0; // bucket index of the head (newest bucket with data), NaN when empty
const BASE_V = 2; // value base: slots hold value − base
const SV = 4; // Σ slot values over valid buckets
const SKV = 6; // Σ k·slot value
const RING_SCALAR_FLOATS = 8;

/** The compiled shape of a ring: immutable, shared by sensors with equal params. */
export class RingShape {
  /** Where a user of the ring may keep its own pairs (index into the state's Float32Array). */
  readonly userAt: number;
  /** Float32Array length for a ring with `userPairs` float64 pairs of the caller's own. */
  readonly floats: number;

  constructor(
    /** Buckets in the window (4–240). */
    readonly cap: number,
    /** Bucket width, ms: windowS × 1000 / cap. */
    readonly bucketMs: number,
    userPairs: number,
  ) {
    this.userAt = cap + RING_SCALAR_FLOATS;
    this.floats = this.userAt + 2 * userPairs;
  }
}

/** Per-sensor ring state, inline in the kind's state object (small integers plus one Float32Array). */
export interface RingState {
  f: Float32Array;
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

// Rings are views into shared 32 KB chunks rather than one Float32Array each: a view costs ~95 B of heap,
// an own array ~185 B (JSTypedArray + JSArrayBuffer), and the ring is most of a sensor's state. A chunk
// is freed by the GC with the last view into it (a rule reload drops whole chunks). Views behave as plain
// Float32Arrays for checkpoints: `slice()` copies the view's range, `set()` restores into it.
const CHUNK_FLOATS = 8192;
let chunk: Float32Array | null = null;
let chunkUsed = 0;

function allocFloats(n: number): Float32Array {
  if (n > CHUNK_FLOATS / 8) return new Float32Array(n);
  if (chunk === null || chunkUsed + n > CHUNK_FLOATS) {
    chunk = new Float32Array(CHUNK_FLOATS);
    chunkUsed = 0;
  }
  const view = chunk.subarray(chunkUsed, chunkUsed + n);
  chunkUsed += n;
  return view;
}

/** An empty ring of `shape`; a kind copies these fields into its own state literal (rate.ts). */
export function newRing(shape: RingShape): RingState {
  const f = allocFloats(shape.floats);
  const st: RingState = { f, n: 0, sk: 0, skk: 0, hc: 0, hs: 0, tk: 0 };
  ringClear(shape, st);
  return st;
}

/** Empties the window. */
export function ringClear(shape: RingShape, st: RingState): void {
  const f = st.f;
  const c = shape.cap;
  f.fill(NaN, 0, c);
  st.n = 0;
  st.sk = 0;
  st.skk = 0;
  st.hc = 0;
  st.tk = 0;
  setD(f, c + HEAD_B, NaN);
  setD(f, c + BASE_V, NaN);
  setD(f, c + SV, 0);
  setD(f, c + SKV, 0);
}

/** Adds a value at `ts` (ms). Points must come in time order: one older than the head bucket is refused
 * (returns false). Allocates nothing; O(1) amortised (a head jump clears at most `cap` slots). */
export function ringPush(shape: RingShape, st: RingState, ts: number, value: number): boolean {
  const f = st.f;
  const c = shape.cap;
  const b = Math.floor(ts / shape.bucketMs);
  const hb = getD(f, c + HEAD_B);
  if (st.n === 0 || hb !== hb) {
    // Empty window: start over at this bucket, with this value as the base.
    ringClear(shape, st);
    setD(f, c + BASE_V, value);
    setD(f, c + HEAD_B, b);
    st.hs = (b - Math.floor(b / c) * c) | 0;
  } else if (b < hb) {
    return false;
  } else if (b > hb) {
    setD(f, c + HEAD_B, b);
    if (b - hb >= c) {
      // Everything left the window; keep the base.
      const base = getD(f, c + BASE_V);
      ringClear(shape, st);
      setD(f, c + BASE_V, base);
      setD(f, c + HEAD_B, b);
      st.hs = (b - Math.floor(b / c) * c) | 0;
    } else advance(shape, st, (b - hb) | 0);
  }
  // Merge into the head bucket's running mean (k = 0: Σk, Σk², Σkv do not change).
  const slot = st.hs;
  const old = f[slot]!;
  const x = value - getD(f, c + BASE_V);
  st.hc += 1;
  const mean = old === old ? Math.fround(old + (x - old) / st.hc) : Math.fround(x);
  f[slot] = mean;
  if (old === old) setD(f, c + SV, getD(f, c + SV) + (mean - old));
  else {
    st.n += 1;
    setD(f, c + SV, getD(f, c + SV) + mean);
  }
  return true;
}

/** Moves the head forward by 0 < d < cap buckets: shifts k, evicts the buckets that leave the window. */
function advance(shape: RingShape, st: RingState, d: number): void {
  const f = st.f;
  const c = shape.cap;
  // k → k − d for every valid bucket.
  let sv = getD(f, c + SV);
  let skv = getD(f, c + SKV) - d * sv;
  st.skk = (st.skk - 2 * d * st.sk + st.n * d * d) | 0;
  st.sk = (st.sk - st.n * d) | 0;
  // The next d slots after the old head held the d oldest buckets; after the shift their k is −c … −c+d−1
  // in slot order. They leave the window.
  let slot = st.hs;
  for (let i = 0; i < d; i++) {
    slot = slot + 1 === c ? 0 : slot + 1;
    const x = f[slot]!;
    if (x === x) {
      const k = i - c + 1 - d;
      st.n -= 1;
      st.sk = (st.sk - k) | 0;
      st.skk = (st.skk - k * k) | 0;
      sv -= x;
      skv -= k * x;
    }
    f[slot] = NaN;
  }
  const wrapped = slot < st.hs;
  st.hs = slot;
  st.hc = 0;
  // The oldest valid bucket, if it left: scan forward from the oldest slot still in the window (the tail
  // only moves forward, so this is amortised O(1)). The new head is about to be filled: tk = 0 at worst.
  let tk = st.tk - d;
  if (tk <= -c) {
    tk = 0;
    for (let k = 1 - c, s = slot + 1 === c ? 0 : slot + 1; k < 0; k++, s = s + 1 === c ? 0 : s + 1) {
      if (f[s]! === f[s]!) {
        tk = k;
        break;
      }
    }
  }
  st.tk = tk;
  if (wrapped) {
    recompute(shape, st);
    return;
  }
  setD(f, c + SV, sv);
  setD(f, c + SKV, skv);
}

/** Once per revolution: rebases values on the newest valid point, recomputes the sums from the slots. */
function recompute(shape: RingShape, st: RingState): void {
  const f = st.f;
  const c = shape.cap;
  const hs = st.hs;
  // Newest valid slot before the head (the head itself is empty right after an advance).
  let delta = 0;
  for (let i = 1, s = hs === 0 ? c - 1 : hs - 1; i < c; i++, s = s === 0 ? c - 1 : s - 1) {
    const x = f[s]!;
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
    const x = f[s]!;
    if (x !== x) continue;
    const v = Math.fround(x - delta);
    f[s] = v;
    const k = s <= hs ? s - hs : s - hs - c;
    n += 1;
    sk += k;
    skk += k * k;
    sv += v;
    skv += k * v;
  }
  setD(f, c + BASE_V, getD(f, c + BASE_V) + delta);
  st.n = n;
  st.sk = sk;
  st.skk = skk;
  setD(f, c + SV, sv);
  setD(f, c + SKV, skv);
}

/** Least-squares slope over the valid buckets, in value units per bucket; NaN with fewer than 2. */
export function ringSlopePerBucket(shape: RingShape, st: RingState): number {
  const n = st.n;
  if (n < 2) return NaN;
  const den = n * st.skk - st.sk * st.sk;
  if (den <= 0) return NaN;
  const c = shape.cap;
  return (n * getD(st.f, c + SKV) - st.sk * getD(st.f, c + SV)) / den;
}

/** Buckets between the oldest and the newest valid bucket (0 with fewer than 2). */
export function ringSpanBuckets(st: RingState): number {
  return st.n < 2 ? 0 : -st.tk;
}
