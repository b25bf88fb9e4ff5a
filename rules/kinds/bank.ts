// The rule bank: one state object per instance, as `init` made it, in an array addressed by row. The kinds
// of performance.md's standard mix subclass it (`createBank`) with a direct call to their evaluate and, for
// rate and health, arrays in chunks shared by many states; every other kind runs here unchanged.
import { Level } from '../../core/level.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import type { DeviceState, RuleBank, RuleDetail, Sample, SensorRuleContext, SensorRuleKind } from './kind.ts';

export class ObjectBank<P, S> implements RuleBank<P> {
  readonly ticks: boolean;
  protected readonly states: S[] = [];

  constructor(readonly kind: SensorRuleKind<P, S>) {
    this.ticks = typeof kind.tick === 'function';
  }

  add(params: P, ctx: SensorRuleContext): number {
    this.states.push(this.kind.init(params, ctx));
    return this.states.length - 1;
  }

  evaluate(row: number, sample: Sample): Level {
    return this.kind.evaluate(this.states[row]!, sample);
  }

  tick(row: number, now: number): Level {
    return this.kind.tick ? this.kind.tick(this.states[row]!, now) : Level.none;
  }

  describe(row: number): RuleDetail {
    return this.kind.describe(this.states[row]!);
  }

  deviceState(row: number): DeviceState {
    return this.kind.deviceState ? this.kind.deviceState(this.states[row]!) : 'ok';
  }

  deviceSince(row: number): number {
    return this.kind.deviceSince ? this.kind.deviceSince(this.states[row]!) : NaN;
  }

  /** The parts of a state kept in chunks shared with other states (kinds with chunks override). */
  protected slicesOf(_st: S): readonly ChunkSlice[] {
    return [];
  }

  pack(rows: readonly number[]): PackedStates {
    return packStates(rows.map((r) => this.states[r]! as object), (st) => this.slicesOf(st as S));
  }

  unpack(p: unknown, i: number, row: number): void {
    const st = this.states[row]! as object;
    detached(st, this.slicesOf(st as S), () => restoreInto(st as Record<string, unknown>, rowOf(p as PackedStates, i) as never));
  }
}

/** Many rows' states as columns: what a checkpoint stores of a bank (rules/engine/engine.ts). Numbers go into
 * one Float64Array per field, a state's own typed arrays and its chunk slices into one concatenated array per
 * field, anything else (plain objects, null) into an array of plain data: a few large arrays to serialize
 * instead of an object per rule (≈ 10× faster at 100k sensors). A row reads back in the shape `snapshotOf`
 * gives the state (chunk slices as arrays of its own at offset 0). */
export interface PackedStates {
  n: number;
  cols: Record<string, PackedColumn>;
}
type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;
type PackedColumn = { t: 'n'; v: Float64Array } | { t: 'a'; v: Typed; at: Int32Array } | { t: 'o'; v: unknown[] };

function packStates(states: readonly object[], slicesOf: (st: object) => readonly ChunkSlice[]): PackedStates {
  const cols: Record<string, PackedColumn> = {};
  const n = states.length;
  if (n === 0) return { n, cols };
  const rows = states as readonly Record<string, unknown>[];
  const slices = rows.map((st) => slicesOf(st));
  const offsets = new Set(slices[0]!.map((x) => x[1]));
  for (const k of Object.keys(rows[0]!)) {
    if (offsets.has(k)) continue; // a chunk slice reads back at offset 0 of an array of its own
    const si = slices[0]!.findIndex((x) => x[0] === k);
    if (si >= 0) cols[k] = packSlices(rows, slices, si);
    else cols[k] = packField(rows, k);
  }
  return { n, cols };
}

/** One chunk slice per row, concatenated. */
function packSlices(rows: readonly Record<string, unknown>[], slices: readonly (readonly ChunkSlice[])[], si: number): PackedColumn {
  const n = rows.length;
  const at = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) at[i + 1] = at[i]! + slices[i]![si]![2];
  const first = rows[0]![slices[0]![si]![0]] as Typed;
  const v = new (first.constructor as new (len: number) => Typed)(at[n]!);
  for (let i = 0; i < n; i++) {
    const [a, o] = slices[i]![si]!;
    const src = rows[i]![a] as Typed;
    const off = rows[i]![o] as number;
    for (let x = at[i]!, y = off; x < at[i + 1]!; x++, y++) v[x] = src[y]!;
  }
  return { t: 'a', v, at };
}

/** One field of every row: numbers into a Float64Array, typed arrays concatenated, else plain data per row. */
function packField(rows: readonly Record<string, unknown>[], k: string): PackedColumn {
  const n = rows.length;
  const v0 = rows[0]![k];
  if (typeof v0 === 'number') {
    const v = new Float64Array(n);
    let i = 0;
    for (; i < n; i++) {
      const x = rows[i]![k];
      if (typeof x !== 'number') break;
      v[i] = x;
    }
    if (i === n) return { t: 'n', v };
  } else if (ArrayBuffer.isView(v0) && rows.every((st) => ArrayBuffer.isView(st[k]) && (st[k] as Typed).constructor === v0.constructor)) {
    const at = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) at[i + 1] = at[i]! + (rows[i]![k] as Typed).length;
    const v = new (v0.constructor as new (len: number) => Typed)(at[n]!);
    for (let i = 0; i < n; i++) v.set(rows[i]![k] as Typed, at[i]!);
    return { t: 'a', v, at };
  }
  return { t: 'o', v: rows.map((st) => snapshotOf(st[k])) };
}

/** Row `i` of packed states, in the plain shape of `snapshotOf(state)`. */
export function rowOf(p: PackedStates, i: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(p.cols)) {
    if (c.t === 'n') out[k] = c.v[i];
    else if (c.t === 'a') out[k] = c.v.slice(c.at[i]!, c.at[i + 1]!);
    else if (c.v[i] !== undefined) out[k] = c.v[i];
  }
  return out;
}

/** The bank the engine keeps for `kind`: its own when it has one. */
export function bankFor<P>(kind: SensorRuleKind<P>): RuleBank<P> {
  return kind.createBank ? kind.createBank() : new ObjectBank(kind);
}

/** Hands out runs of a typed array from shared chunks: a kind's bank keeps many states' windows or doubles
 * in a few large arrays (a state holds the array and an offset) instead of one typed array, or one boxed
 * heap number per double, per state (performance.md: ≤ 1 KB of state per sensor). */
export class Chunks<T extends Float32Array | Float64Array> {
  private cur: T | null = null;
  private at = 0;

  constructor(private readonly make: (n: number) => T, private readonly size: number) {}

  take(n: number): { a: T; o: number } {
    if (this.cur === null || this.at + n > this.cur.length) {
      this.cur = this.make(Math.max(this.size, n));
      this.at = 0;
    }
    const o = this.at;
    this.at += n;
    return { a: this.cur, o };
  }
}

/** Part of a state kept in a chunk: the array's key, the offset's key and the length. */
export type ChunkSlice = readonly [array: string, offset: string, length: number];

/** Runs `use` with the state's chunk slices copied into arrays of its own at offset 0 (a checkpoint holds a
 * state as `init` shapes it, not the chunks), then copies them back and restores the references. */
export function detached<T>(state: object, slices: readonly ChunkSlice[], use: () => T): T {
  const st = state as Record<string, Float32Array | Float64Array | number>;
  const saved = slices.map(([a, o]) => [st[a] as Float32Array | Float64Array, st[o] as number] as const);
  slices.forEach(([a, o, n], i) => { const [arr, off] = saved[i]!; st[a] = arr.slice(off, off + n); st[o] = 0; });
  try {
    return use();
  } finally {
    slices.forEach(([a, o, n], i) => {
      const [arr, off] = saved[i]!;
      arr.set((st[a] as Float32Array | Float64Array).subarray(0, n), off);
      st[a] = arr;
      st[o] = off;
    });
  }
}
