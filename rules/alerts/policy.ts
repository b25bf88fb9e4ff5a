// Per-level handling policy: deadlines, escalation tiers, suppression, flapping (contract.md "Alerts",
// table "Per level"; domain.md §3.3 "Time limits": "Make all timers configurable per level and sector").
// DEFAULT_POLICY is the contract's defaults; a deployment overrides any number per sector through
// PolicyOverridesSchema, and policyFor(sector, overrides) gives the policy an alert of that sector runs on.
import { z } from 'zod';
import { SECTORS } from '../../core/registry.ts';
import { RwError } from '../../core/errors.ts';
import type { LevelName } from '../../core/level.ts';
import type { LevelPolicy, LifecyclePolicy } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

export const DEFAULT_POLICY: LifecyclePolicy = Object.freeze({
  levels: Object.freeze({
    red: Object.freeze({
      staysOpenAfterRecovery: true, // contract.md "Per level" red: stays open after recovery = yes
      clearNeedsReason: true, // contract.md "Per level" red: clear needs a person and a reason = yes
      archivesItselfAfterRecovery: false, // contract.md "Per level" red: archives itself = no
      enterpriseAckMs: 5 * MIN, // contract.md "Per level" red: enterprise ack within 5 min; domain.md §3.3 red
      feedbackMs: 30 * MIN, // domain.md §3.3 red: enterprise feedback "30 min, then every 30 min"
      escalateAfterMs: Object.freeze([5 * MIN, 15 * MIN]), // domain.md §3.3 red: 5 min → principal + county bureau (tier 1); 15 min → prefecture (tier 2)
      centreSees: 'at_once', // contract.md "Per level" red: centre sees it at once
      suppressMs: 30 * MIN, // [PROPOSAL] 消警时长, domain.md §3.2 "Clear … optionally a suppression period"
    }),
    orange: Object.freeze({
      staysOpenAfterRecovery: true, // contract.md "Per level" orange: yes
      clearNeedsReason: true, // contract.md "Per level" orange: yes
      archivesItselfAfterRecovery: false, // contract.md "Per level" orange: no
      enterpriseAckMs: 10 * MIN, // contract.md "Per level" orange: 10 min; domain.md §3.3 orange
      feedbackMs: HOUR, // domain.md §3.3 orange: enterprise feedback 1 h
      escalateAfterMs: Object.freeze([15 * MIN]), // domain.md §3.3 orange: 15 min → county bureau (tier 1)
      centreSees: 'at_once', // contract.md "Per level" orange: at once
      suppressMs: 30 * MIN, // [PROPOSAL] 消警时长, domain.md §3.2
    }),
    yellow: Object.freeze({
      staysOpenAfterRecovery: true, // contract.md "Per level" yellow: yes
      clearNeedsReason: true, // contract.md "Per level" yellow: yes
      archivesItselfAfterRecovery: false, // contract.md "Per level" yellow: no
      enterpriseAckMs: 30 * MIN, // contract.md "Per level" yellow: 30 min; domain.md §3.3 yellow
      feedbackMs: 4 * HOUR, // domain.md §3.3 yellow: enterprise feedback 4 h
      escalateAfterMs: Object.freeze([HOUR]), // domain.md §3.3 yellow: 1 h → safety manager's manager (tier 1)
      centreSees: 'daily_list', // contract.md "Per level" yellow: daily list
      suppressMs: 30 * MIN, // [PROPOSAL] 消警时长, domain.md §3.2
    }),
    blue: Object.freeze({
      staysOpenAfterRecovery: false, // contract.md "Per level" blue: no
      clearNeedsReason: false, // contract.md "Per level" blue: no
      archivesItselfAfterRecovery: true, // contract.md "Per level" blue: yes
      enterpriseAckMs: 2 * HOUR, // contract.md "Per level" blue: 2 h; domain.md §3.3 blue
      feedbackMs: 24 * HOUR, // domain.md §3.3 blue: enterprise feedback 24 h
      escalateAfterMs: Object.freeze([] as number[]), // domain.md §3.3 blue: escalate "none"
      centreSees: 'statistics', // contract.md "Per level" blue: statistics
      suppressMs: 10 * MIN, // [PROPOSAL] 消警时长, shorter for the lowest level, domain.md §3.2
    }),
  }),
  flapThreshold: 3, // [PROPOSAL] 3 re-activations …
  flapWindowMs: 30 * MIN, // … within 30 min count as flapping (频繁波动)
}) as LifecyclePolicy;

const Duration = z.number().int().min(0);

/** Overrides of one level: any subset of LevelPolicy's fields (times in milliseconds). */
export const LevelPolicyOverrideSchema = z.strictObject({
  staysOpenAfterRecovery: z.boolean().optional(),
  clearNeedsReason: z.boolean().optional(),
  archivesItselfAfterRecovery: z.boolean().optional(),
  enterpriseAckMs: z.number().int().positive().optional(),
  feedbackMs: z.number().int().positive().optional(),
  escalateAfterMs: z
    .array(z.number().int().positive())
    .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]!), 'tiers must be strictly increasing (tier n+1 after tier n)')
    .optional(),
  centreSees: z.enum(['at_once', 'daily_list', 'statistics']).optional(),
  suppressMs: Duration.optional(),
});
export type LevelPolicyOverride = z.infer<typeof LevelPolicyOverrideSchema>;

/** Overrides of a whole lifecycle policy: some levels, and/or the flapping rule. */
export const LifecyclePolicyOverrideSchema = z.strictObject({
  levels: z
    .strictObject({
      red: LevelPolicyOverrideSchema.optional(),
      orange: LevelPolicyOverrideSchema.optional(),
      yellow: LevelPolicyOverrideSchema.optional(),
      blue: LevelPolicyOverrideSchema.optional(),
    })
    .optional(),
  flapThreshold: z.number().int().min(1).optional(),
  flapWindowMs: z.number().int().positive().optional(),
});
export type LifecyclePolicyOverride = z.infer<typeof LifecyclePolicyOverrideSchema>;

/**
 * The config section: `all` applies to every sector, then `sectors.<sector>` on top (domain.md §3.3:
 * "configurable per level and sector"). Every merged policy is checked at load (see checkPolicy), so a
 * bad combination fails at start, not when an alert reaches it.
 */
export const PolicyOverridesSchema = z
  .strictObject({
    all: LifecyclePolicyOverrideSchema.optional(),
    sectors: z.partialRecord(z.enum(SECTORS), LifecyclePolicyOverrideSchema).optional(),
  })
  .superRefine((o, ctx) => {
    for (const sector of [null, ...SECTORS]) {
      for (const problem of checkPolicy(merge(o, sector))) {
        ctx.addIssue({ code: 'custom', message: `${sector ?? 'all'}: ${problem}`, path: sector ? ['sectors', sector] : ['all'] });
      }
    }
  });
export type PolicyOverrides = z.infer<typeof PolicyOverridesSchema>;

const LEVELS: readonly LevelName[] = ['red', 'orange', 'yellow', 'blue'];

function mergeOne(base: LifecyclePolicy, o: LifecyclePolicyOverride | undefined): LifecyclePolicy {
  if (!o) return base;
  const levels = {} as Record<LevelName, LevelPolicy>;
  for (const l of LEVELS) {
    const lo = o.levels?.[l];
    levels[l] = lo ? { ...base.levels[l], ...stripUndefined(lo) } : base.levels[l];
  }
  return {
    levels,
    flapThreshold: o.flapThreshold ?? base.flapThreshold,
    flapWindowMs: o.flapWindowMs ?? base.flapWindowMs,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function merge(o: PolicyOverrides | undefined, sector: string | null): LifecyclePolicy {
  const all = mergeOne(DEFAULT_POLICY, o?.all);
  const s = sector && o?.sectors ? (o.sectors as Record<string, LifecyclePolicyOverride | undefined>)[sector] : undefined;
  return mergeOne(all, s);
}

/**
 * The contract's three recovery columns are one switch per level (contract.md "Per level": red/orange/yellow
 * yes/yes/no, blue no/no/yes): a level either stays open until a person clears it with a reason, or archives
 * itself after recovery when nobody acted. The reducer acts on `archivesItselfAfterRecovery`; this check keeps
 * the other two columns consistent with it so a config cannot say two things at once.
 */
export function checkPolicy(p: LifecyclePolicy): string[] {
  const problems: string[] = [];
  for (const l of LEVELS) {
    const lp = p.levels[l];
    if (lp.staysOpenAfterRecovery === lp.archivesItselfAfterRecovery || lp.clearNeedsReason === lp.archivesItselfAfterRecovery) {
      problems.push(
        `${l}: staysOpenAfterRecovery and clearNeedsReason must both be the opposite of archivesItselfAfterRecovery ` +
          `(contract.md "Per level"), got ${lp.staysOpenAfterRecovery}/${lp.clearNeedsReason}/${lp.archivesItselfAfterRecovery}`,
      );
    }
  }
  return problems;
}

/**
 * The policy for alerts of `sector` (null or an unknown sector: the `all` layer only). Overrides are the
 * parsed config section (PolicyOverridesSchema). Throws RwError RW_ERR_CONFIG on an inconsistent result
 * (only reachable when the overrides were not parsed through the schema).
 */
export function policyFor(sector: string | null, overrides?: PolicyOverrides): LifecyclePolicy {
  if (!overrides) return DEFAULT_POLICY;
  const p = merge(overrides, sector);
  const problems = checkPolicy(p);
  if (problems.length > 0) throw new RwError('RW_ERR_CONFIG', `alert policy for ${sector ?? 'all'}: ${problems.join('; ')}`);
  return p;
}
