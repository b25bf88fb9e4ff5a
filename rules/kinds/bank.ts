// The default rule bank: one state object per instance, as `init` made it, in an array addressed by row.
// Kinds whose per-reading path dominates the engine (the standard mix of performance.md) provide their own
// column bank through `createBank`; every other kind runs here unchanged.
import { Level } from '../../core/level.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';
import type { DeviceState, RuleBank, RuleDetail, Sample, SensorRuleContext, SensorRuleKind } from './kind.ts';

export class ObjectBank<P, S> implements RuleBank<P> {
  readonly ticks: boolean;
  private readonly states: S[] = [];

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
