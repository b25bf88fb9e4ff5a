// The packs must compile for the demo registry (config/demo.yaml), with and without the demo overrides
// (config/rules.yaml): every resolved rule's params parse with its kind's paramsSchema (rules/kinds/<kind>.ts),
// and the whole plan compiles and initialises through the engine (rules/engine/compile.ts), which also
// resolves composite members, relations and params (e.g. a meter's ratedKw).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../app/config-file.ts';
import type { EnterpriseDef, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { RuleKind } from '../kinds/kind.ts';
import { SENSOR_PACKS, SITE_PACKS } from './index.ts';
import { loadOverrides, type Overrides } from './overrides.ts';
import { createResolver, rulesForSensor, rulesForSite } from './resolve.ts';
import type { ResolvedRule } from './types.ts';

const demoFile = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));
const rulesFile = fileURLToPath(new URL('../../config/rules.yaml', import.meta.url));
const registry = loadConfigFile(demoFile).registry;
const overrides = loadOverrides(rulesFile);

function info(e: EnterpriseDef, site: SiteDef, s: SiteDef['sensors'][number]): SensorInfo {
  return { ...s, enterpriseId: e.id, siteId: site.id, deviceIds: e.devices.filter((d) => d.sensors.includes(s.id)).map((d) => d.id), commissionedMs: Date.parse(s.commissioned) };
}

interface Placed { where: string; rule: ResolvedRule }
function resolveAll(ov: Overrides | null): Placed[] {
  const out: Placed[] = [];
  for (const e of registry.enterprises) {
    for (const site of e.sites) {
      for (const s of site.sensors) for (const rule of rulesForSensor(info(e, site, s), site, e, ov)) out.push({ where: `${e.id}/${site.id}/${s.id}`, rule });
      for (const rule of rulesForSite(site, e, ov)) out.push({ where: `${e.id}/${site.id}/_site`, rule });
    }
  }
  return out;
}

/** The kind descriptor exported by rules/kinds/<kind>.ts (the export whose `kind` is that name). */
async function kindDescriptor(kind: string): Promise<RuleKind> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`../kinds/${kind}.ts`)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the packs use rule kind "${kind}" but rules/kinds/${kind}.ts cannot be loaded (${(err as Error).message})`);
  }
  const d = Object.values(mod).find((v): v is RuleKind => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === kind && 'paramsSchema' in v);
  if (!d) throw new Error(`rules/kinds/${kind}.ts exports no descriptor with kind "${kind}" and a paramsSchema`);
  return d;
}

const env = {
  calendar: { dayKind: () => null },
  enterprise: (id: string) => {
    const e = registry.enterprises.find((x) => x.id === id);
    return e ? { id: e.id, county: e.county, sector: e.sector, state: e.state } : undefined;
  },
  baseline: () => ({ at: () => Number.NaN, p95: Number.NaN, production: Number.NaN }),
};

describe('default packs on config/demo.yaml', () => {
  for (const [label, ov] of [['defaults', null], ['with config/rules.yaml', overrides]] as const) {
    it(`every resolved rule's params parse with its kind's paramsSchema (${label})`, async () => {
      const placed = resolveAll(ov);
      const kinds = new Map<string, RuleKind>();
      for (const k of new Set(placed.map((p) => p.rule.kind))) kinds.set(k, await kindDescriptor(k));
      const problems: string[] = [];
      for (const { where, rule } of placed) {
        const kind = kinds.get(rule.kind)!;
        if (kind.scope !== rule.scope) problems.push(`${where} ${rule.id}: kind ${rule.kind} is ${kind.scope}-scope, resolved as ${rule.scope}`);
        const r = kind.paramsSchema.safeParse(rule.params);
        if (!r.success) problems.push(`${where} ${rule.id}: ${r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`);
      }
      expect(problems).toEqual([]);
    });

    it(`the engine compiles and initialises the whole plan (${label})`, async () => {
      const { compilePlan } = await import('../engine/compile.ts');
      const { RULE_KINDS } = await import('../kinds/registry.ts');
      const plan = compilePlan({ enterprises: registry.enterprises, resolver: createResolver(ov), kinds: RULE_KINDS, env });
      expect(plan.sensors.length).toBe(registry.enterprises.flatMap((e) => e.sites.flatMap((s) => s.sensors)).length);
    });
  }

  it('gives every sensor exactly one health rule, so the device track covers the whole registry', () => {
    for (const e of registry.enterprises) {
      for (const site of e.sites) {
        for (const s of site.sensors) {
          const health = rulesForSensor(info(e, site, s), site, e, overrides).filter((r) => r.kind === 'health');
          expect(health.length, `${e.id}/${s.id}`).toBe(1);
        }
      }
    }
  });

  it('gives every process-measuring demo sensor at least one process rule, except the gaps named in the pack', () => {
    // mine_feed: its abnormality is the methane composite. (rain_gauge has its 24 h sum since the statistic
    // kind's `sum` mode, tailings.ts.)
    const healthOnly = new Set(['mine_feed']);
    for (const e of registry.enterprises) {
      for (const site of e.sites) {
        for (const s of site.sensors) {
          const n = rulesForSensor(info(e, site, s), site, e, overrides).filter((r) => r.kind !== 'health').length;
          if (healthOnly.has(s.type)) expect(n, `${e.id}/${s.id}`).toBe(0);
          else expect(n, `${e.id}/${s.id} (${s.type})`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('cites a source and a confidence for every rule, and keeps rule ids unique within each pack', () => {
    for (const [pack, rules] of [...SENSOR_PACKS, ...SITE_PACKS]) {
      const ids = rules.map((r) => r.id);
      expect(new Set(ids).size, pack).toBe(ids.length);
      for (const r of rules) {
        expect(r.source.length, `${pack}.${r.id}`).toBeGreaterThan(10);
        expect(['STD-verified', 'STD-published', 'PRACTICE', 'PROPOSAL']).toContain(r.confidence);
      }
    }
  });

  it('applies every entry of config/rules.yaml to at least one demo rule, so none is silently dead', () => {
    const placed = resolveAll(overrides);
    overrides.overrides.forEach((o, i) => {
      if (o.disabled) {
        const still = placed.some((p) => p.rule.id === o.rule && p.where.startsWith(`${o.enterprise}/`) && (!o.sensor || p.where.endsWith(`/${o.sensor}`)));
        expect(still, `overrides[${i}] disables ${o.rule}`).toBe(false);
      } else {
        const hit = placed.some((p) => p.rule.id === o.rule && p.rule.version === overrides.version && p.where.startsWith(`${o.enterprise}/`) && (!o.sensor || p.where.endsWith(`/${o.sensor}`)));
        expect(hit, `overrides[${i}] ${o.rule}`).toBe(true);
      }
    });
  });
});
