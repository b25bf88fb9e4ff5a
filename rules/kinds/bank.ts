// The default rule bank: one state object per instance, as `init` made it, in an array addressed by row.
// Kinds whose per-reading path dominates the engine (the standard mix of performance.md) provide their own
// column bank through `createBank`; every other kind runs here unchanged.
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

  save(row: number): unknown {
    return snapshotOf(this.states[row]);
  }

  load(row: number, snap: unknown): void {
    const st = this.states[row];
    if (st && typeof st === 'object') restoreInto(st as Record<string, unknown>, snap as never);
  }

  deviceState(row: number): DeviceState {
    return this.kind.deviceState ? this.kind.deviceState(this.states[row]!) : 'ok';
  }

  deviceSince(row: number): number {
    return this.kind.deviceSince ? this.kind.deviceSince(this.states[row]!) : NaN;
  }

  /** The state object of a row (tests and tools; the engine goes through the bank). */
  stateOf(row: number): S {
    return this.states[row]!;
  }
}

/** The bank the engine keeps for `kind`: its own column bank when it has one. */
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
