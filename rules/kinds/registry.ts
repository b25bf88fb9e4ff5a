// The one table of rule kinds (architecture.md rule 2). A pack entry names its kind here; an unknown or
// duplicate kind is refused naming the known ones.
import type { RuleKind } from './kind.ts';
import { composite } from './composite.ts';
import { health } from './health.ts';
import { rate } from './rate.ts';
import { rollup } from './rollup.ts';
import { schedule } from './schedule.ts';
import { statistic } from './statistic.ts';
import { threshold } from './threshold.ts';
import { timeToFailure } from './time-to-failure.ts';

export function kindRegistry(list: readonly RuleKind[]): ReadonlyMap<string, RuleKind> {
  const m = new Map<string, RuleKind>();
  for (const k of list) {
    if (m.has(k.kind)) throw new Error(`rule kind "${k.kind}" registered twice; known: ${[...m.keys()].join(', ')}`);
    m.set(k.kind, k);
  }
  return m;
}

export const RULE_KINDS: ReadonlyMap<string, RuleKind> = kindRegistry([threshold, rate, statistic, health, composite, rollup, timeToFailure, schedule]);

export function ruleKind(name: string): RuleKind {
  const k = RULE_KINDS.get(name);
  if (!k) throw new Error(`unknown rule kind "${name}"; known: ${[...RULE_KINDS.keys()].join(', ')}`);
  return k;
}
