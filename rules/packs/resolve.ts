// Pure resolution: the pack defaults of a sensor (or site), built from its design params, with the overrides
// file applied. What the engine compiles (rules/engine/compile.ts RuleResolver) and what the alert cites:
// rule id, version in force, thresholdSource, source, clause, confidence (contract.md "Alerts"; domain.md §5).
//
// Override matching: same enterprise and rule id, and every qualifier given (site, sensor, type) equal. Several
// matches apply from the least to the most specific (enterprise < + site / type < + sensor; file order among
// equals), so a sensor entry wins over an enterprise-wide one. A matching `disabled: true` removes the rule.
// `params` deep-merge: objects key by key, anything else replaced, `null` deletes the key (e.g. a design with
// no blue level: `levels: { blue: null }`). An override may also supply the params of a rule the defaults
// left out for lack of design values (e.g. process_temp without setpoints).
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { PACK_VERSION, SENSOR_PACKS, SITE_PACKS } from './index.ts';
import type { OverrideEntry, Overrides } from './overrides.ts';
import { DEFAULT_VALUES_NOTE } from '../../core/alert.ts';
import { SITE_SCOPE_KINDS, type Confidence, type PackEnterprise, type ResolvedRule, type RuleKindName, type RuleTarget } from './types.ts';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of an override's params into resolved params (new objects; inputs untouched). */
export function mergeParams(base: unknown, patch: unknown): unknown {
  if (!isPlain(base) || !isPlain(patch)) return structuredClone(patch);
  const out: Plain = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? mergeParams(out[k], v) : structuredClone(v);
  }
  return out;
}

/** A site has a season (sugar 榨季) when its params set `season` (domain.md §2.3; rules/kinds/schedule.ts seasonGate). */
export function siteHasSeason(site: SiteDef): boolean {
  const s = site.params.season;
  return s !== undefined && s !== false && s !== '' && s !== 0;
}

function specificity(o: OverrideEntry): number {
  return (o.sensor ? 4 : 0) + (o.type ? 2 : 0) + (o.site ? 1 : 0);
}

function matching(overrides: Overrides | null, ruleId: string, where: { enterprise: string; site: string; sensor?: string; type?: string }): OverrideEntry[] {
  if (!overrides) return [];
  const hits = overrides.overrides.filter(
    (o) =>
      o.rule === ruleId &&
      o.enterprise === where.enterprise &&
      (o.site === undefined || o.site === where.site) &&
      (o.sensor === undefined || o.sensor === where.sensor) &&
      (o.type === undefined || o.type === where.type),
  );
  // Stable: equal specificity keeps file order.
  return hits.map((o, i) => ({ o, i })).sort((a, b) => specificity(a.o) - specificity(b.o) || a.i - b.i).map((x) => x.o);
}

interface Base {
  id: string;
  kind: RuleKindName;
  metric: string | null;
  built: { params: unknown; design: boolean } | null;
  source: string;
  clause: string | null;
  confidence: Confidence;
  target: RuleTarget | null;
  seasonal: boolean;
  designExpected: boolean;
  anchorSensorId?: string;
}

/** Applies the matching overrides to one rule; null when the rule is disabled or has no params. */
function finish(b: Base, hits: OverrideEntry[], overrides: Overrides | null): ResolvedRule | null {
  if (hits.some((o) => o.disabled)) return null;
  let params = b.built?.params;
  let thresholdSource: 'design' | 'default' = b.built?.design ? 'design' : 'default';
  let version = PACK_VERSION;
  let source = b.source;
  const withParams = hits.filter((o) => o.params !== undefined);
  if (withParams.length > 0 && overrides) {
    for (const o of withParams) params = mergeParams(params ?? {}, o.params);
    if (withParams.some((o) => o.thresholdSource === 'design')) thresholdSource = 'design';
    version = overrides.version;
    source = `${withParams.map((o) => o.source).join('; ')} (rule overrides v${overrides.version}); defaults: ${b.source}`;
  }
  if (params === undefined) return null;
  const out: ResolvedRule = {
    id: b.id,
    kind: b.kind,
    scope: SITE_SCOPE_KINDS.has(b.kind) ? 'site' : 'sensor',
    metric: b.metric,
    params,
    version,
    thresholdSource,
    source,
    clause: b.clause,
    confidence: b.confidence,
    target: b.target,
    seasonal: b.seasonal,
    note: b.designExpected && thresholdSource === 'default' ? DEFAULT_VALUES_NOTE : null,
  };
  if (b.anchorSensorId !== undefined) out.anchorSensorId = b.anchorSensorId;
  return out;
}

/** The rules of one sensor: its type's pack (sensor rules, and site-scope rules anchored to it), resolved. */
export function rulesForSensor(sensor: SensorInfo, site: SiteDef, enterprise: PackEnterprise, overrides: Overrides | null): ResolvedRule[] {
  const pack = SENSOR_PACKS.get(sensor.type);
  const type = sensorType(sensor.type);
  if (!pack || !type) return [];
  const firstMetric = Object.keys(type.metrics)[0] ?? null;
  const seasonal = siteHasSeason(site);
  const out: ResolvedRule[] = [];
  for (const rule of pack) {
    const id = `${sensor.type}.${rule.id}`;
    const siteScope = SITE_SCOPE_KINDS.has(rule.kind);
    const base: Base = {
      id,
      kind: rule.kind,
      metric: rule.metric ?? firstMetric,
      built: rule.params(sensor, site, enterprise),
      source: rule.source,
      clause: rule.clause,
      confidence: rule.confidence,
      target: siteScope ? (rule.target ?? 'self') : null,
      seasonal: seasonal && rule.seasonal === true,
      designExpected: rule.designExpected === true,
    };
    if (siteScope) base.anchorSensorId = sensor.id;
    const hits = matching(overrides, id, { enterprise: enterprise.id, site: site.id, sensor: sensor.id, type: sensor.type });
    const resolved = finish(base, hits, overrides);
    if (resolved) out.push(resolved);
  }
  return out;
}

/** The site packs' rules of one site (tailings roll-ups per item and for the pond), resolved. */
export function rulesForSite(site: SiteDef, enterprise: PackEnterprise, overrides: Overrides | null): ResolvedRule[] {
  const out: ResolvedRule[] = [];
  for (const [pack, rules] of SITE_PACKS) {
    for (const rule of rules) {
      for (const inst of rule.instances(site, enterprise)) {
        const id = inst.suffix === null ? `${pack}.${rule.id}` : `${pack}.${rule.id}.${inst.suffix}`;
        const base: Base = {
          id,
          kind: rule.kind,
          metric: null,
          built: { params: inst.params, design: inst.design },
          source: rule.source,
          clause: rule.clause,
          confidence: rule.confidence,
          target: inst.target,
          seasonal: false,
          designExpected: false,
        };
        // A site rule is named by site (never by sensor or type).
        const hits = matching(overrides, id, { enterprise: enterprise.id, site: site.id }).filter((o) => o.sensor === undefined && o.type === undefined);
        const resolved = finish(base, hits, overrides);
        if (resolved) out.push(resolved);
      }
    }
  }
  return out;
}

/** The engine's resolver (rules/engine/compile.ts RuleResolver) over one overrides file. */
export function createResolver(overrides: Overrides | null): {
  forSensor(sensor: SensorInfo, site: SiteDef, enterprise: PackEnterprise): ResolvedRule[];
  forSite(site: SiteDef, enterprise: PackEnterprise): ResolvedRule[];
} {
  return {
    forSensor: (sensor, site, enterprise) => rulesForSensor(sensor, site, enterprise, overrides),
    forSite: (site, enterprise) => rulesForSite(site, enterprise, overrides),
  };
}
