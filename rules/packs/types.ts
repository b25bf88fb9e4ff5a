// The shape of the default rule packs (architecture.md "packs/": default rules per sensor type, each threshold
// with its source and confidence, domain.md §5 "threshold catalogue"). A pack rule is data plus one small
// function that builds the kind's params for one sensor from the sensor's design params (docs/registry.md
// "Params conventions") or from the domain.md §2 defaults. Resolution (resolve.ts) applies the overrides file.
//
// The params types below are the kinds' own (rules/kinds/<kind>.ts), so the packs are type-checked against
// them; the schemas' cross-field checks (ordered ladders, clear on the safe side) run in demo-packs.test.ts,
// which parses every resolved rule of config/demo.yaml.
import type { z } from 'zod';
import type { LevelName } from '../../core/level.ts';
import type { EnterpriseDef, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { rateParams } from '../kinds/rate.ts';
import type { statisticParams } from '../kinds/statistic.ts';
import type { Step } from '../kinds/step.ts';
import type { thresholdParams } from '../kinds/threshold.ts';

/** domain.md "Confidence tags": STD-verified (read in the standard's text), STD-published (widely published),
 * PRACTICE (industry practice), PROPOSAL (a platform design decision, to be confirmed). */
export type Confidence = 'STD-verified' | 'STD-published' | 'PRACTICE' | 'PROPOSAL';

export type RuleKindName = 'threshold' | 'rate' | 'statistic' | 'health' | 'composite' | 'rollup' | 'time-to-failure' | 'schedule';

/** Kinds that read other sensors' state (SiteRuleKind); every other kind is per sensor (SensorRuleKind). */
export const SITE_SCOPE_KINDS: ReadonlySet<string> = new Set(['composite', 'rollup']);

export type RuleTarget = 'self' | { group: string };

/** What a pack needs to know of the enterprise (EnterpriseDef and the engine's EnterpriseView both fit). */
export interface PackEnterprise {
  readonly id: string;
  readonly sector: EnterpriseDef['sector'] | string;
}

export interface BuiltParams {
  params: unknown;
  /** True when the sensor's (or site's) design values decided the thresholds → thresholdSource 'design'. */
  design: boolean;
}

export interface PackRule {
  /** Unique within its pack; the rule id is `${pack}.${id}`, e.g. 'gas_combustible.threshold'. */
  id: string;
  kind: RuleKindName;
  /** Default: the sensor type's first metric. tailings_gnss uses the derived metric 'disp' (hypot(dx, dy), mm). */
  metric?: string;
  /** Params for the kind; null = not applicable to this sensor (e.g. off_hours_work for a continuous plant). */
  params(s: SensorInfo, site: SiteDef, enterprise: PackEnterprise): BuiltParams | null;
  source: string;
  clause: string | null;
  confidence: Confidence;
  /** Site-scope kinds only: the anchor sensor's own process alert ('self'), or a site-level group. */
  target?: RuleTarget;
  /** Silenced out of the site's season (sugar 榨季), domain.md §2.3; in force only at sites with a season. */
  seasonal?: boolean;
  /** The design institute / enterprise is expected to enter these values (tailings S1 §5.5.4, DCS setpoints
   * §2.6): when defaults are used the UI shows DEFAULT_VALUES_NOTE (domain.md §2.5). */
  designExpected?: boolean;
}

/** A site pack rule (tailings roll-ups): one rule may expand to several instances (one per monitored item). */
export interface SitePackRule {
  id: string;
  kind: RuleKindName;
  instances(site: SiteDef, enterprise: PackEnterprise): { suffix: string | null; params: unknown; design: boolean; target: RuleTarget }[];
  source: string;
  clause: string | null;
  confidence: Confidence;
}

export interface ResolvedRule {
  /** `${pack}.${id}` (site instances: `${pack}.${id}.${suffix}`). */
  id: string;
  kind: RuleKindName;
  scope: 'sensor' | 'site';
  metric: string | null;
  params: unknown;
  /** PACK_VERSION for defaults, the overrides file's `version` when an override applied (contract.md ruleVersion). */
  version: number;
  thresholdSource: 'design' | 'default';
  source: string;
  clause: string | null;
  confidence: Confidence;
  /** Site-scope kinds: where the level goes; null for sensor kinds. */
  target: RuleTarget | null;
  seasonal: boolean;
  /** Site-scope rules declared in a sensor type's pack: the sensor they were instantiated for. */
  anchorSensorId?: string;
  /** DEFAULT_VALUES_NOTE when design values are expected but platform defaults are in force; else null. */
  note: string | null;
}

// ---- the kinds' params, as the packs write them (input types of rules/kinds/<kind>.ts paramsSchema) ----

export type StepSpec = Step;
export type StepsSpec = Partial<Record<LevelName, Step>>;
export type ThresholdSpec = z.input<typeof thresholdParams>;
export type RateSpec = z.input<typeof rateParams>;
export type StatisticSpec = z.input<typeof statisticParams>;
