// Compiles the registry and the resolved rule packs into the engine's plan. Every rule's params are
// validated by its kind's schema here; any problem refuses the whole plan with every problem named
// (hot reload then keeps the old plan running).
import { Level } from '../../core/level.ts';
import { RwError } from '../../core/errors.ts';
import { sensorType } from '../../core/sensor-types.ts';
import type { EnterpriseDef, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { RuleEnv, RuleKind, SensorRuleKind, SiteRuleKind } from '../kinds/kind.ts';
import { seasonGate } from '../kinds/schedule.ts';
import type { AlertSlot, CMetric, CRule, CSensor, CSite, CSiteRule, Plan, ResolvedRuleLike, RuleMeta } from './plan.ts';

export interface RuleResolver {
  forSensor(sensor: SensorInfo, site: SiteDef, enterprise: EnterpriseDef): ResolvedRuleLike[];
  forSite(site: SiteDef, enterprise: EnterpriseDef): ResolvedRuleLike[];
}

export interface CompileInput {
  enterprises: Iterable<EnterpriseDef>;
  resolver: RuleResolver;
  kinds: ReadonlyMap<string, RuleKind>;
  env: RuleEnv;
}

export const EVIDENCE_SAMPLES = 8;

const DERIVED: Record<string, { unit: string; zh: string; type: string }> = {
  disp: { unit: 'mm', zh: '水平位移', type: 'tailings_gnss' },
};

function slot(key: string, kind: 'process' | 'device', e: string, site: string, sensor: string | null, metric: string | null, unit: string | null): AlertSlot {
  return { key, kind, enterpriseId: e, siteId: site, sensorId: sensor, metric, unit, contributors: [], level: Level.none, announced: Level.none, top: null, parentKey: null, covered: false };
}

function sensorInfo(e: EnterpriseDef, site: SiteDef, s: SiteDef['sensors'][number]): SensorInfo {
  const deviceIds = e.devices.filter((d) => d.sensors.includes(s.id)).map((d) => d.id);
  return { ...s, enterpriseId: e.id, siteId: site.id, deviceIds, commissionedMs: Date.parse(s.commissioned) };
}

export function compilePlan(input: CompileInput): Plan {
  const problems: string[] = [];
  const plan: Plan = { sensors: [], byKey: new Map(), siteRules: [], sites: [], slots: new Map() };
  const addSlot = (s: AlertSlot) => { plan.slots.set(s.key, s); return s; };

  // Equal params (most sensors of a type) are parsed once and shared, with one fingerprint string: per-sensor
  // memory then holds only the rule's state (performance.md: ≤ 1 KB per sensor for the standard mix).
  const parsed = new Map<string, { params: unknown; fingerprint: string }>();
  const fingerprints = new Map<unknown, string>();
  const meta = (uid: string, r: ResolvedRuleLike, params: unknown, inSeason: ((ts: number) => boolean) | null): RuleMeta => ({
    uid, id: r.id, kindName: r.kind, version: r.version, thresholdSource: r.thresholdSource, source: r.source, clause: r.clause,
    confidence: r.confidence, params, fingerprint: fingerprints.get(params) ?? 'null', inSeason, level: Level.none,
  });
  const parse = (uid: string, kind: RuleKind, params: unknown): unknown => {
    const key = `${kind.kind}|${JSON.stringify(params) ?? 'null'}`;
    const hit = parsed.get(key);
    if (hit) return hit.params;
    const p = kind.paramsSchema.safeParse(params);
    if (!p.success) { problems.push(`${uid} (${kind.kind}): ${p.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`); return undefined; }
    const fingerprint = JSON.stringify(p.data) ?? 'null';
    parsed.set(key, { params: p.data, fingerprint });
    fingerprints.set(p.data, fingerprint);
    return p.data;
  };
  const kindOf = (uid: string, name: string, scope: 'sensor' | 'site'): RuleKind | undefined => {
    const k = input.kinds.get(name);
    if (!k) { problems.push(`${uid}: unknown rule kind "${name}"; known: ${[...input.kinds.keys()].join(', ')}`); return undefined; }
    if (k.scope !== scope) { problems.push(`${uid}: kind "${name}" is a ${k.scope} rule, declared as ${scope}`); return undefined; }
    return k;
  };

  // Evidence rings live in shared chunks (one typed array per 1,024 sensors, not three per sensor).
  const evidenceChunk = () => ({ ts: new Float64Array(1024 * EVIDENCE_SAMPLES), val: new Float32Array(1024 * EVIDENCE_SAMPLES), q: new Uint8Array(1024 * EVIDENCE_SAMPLES) });
  let ev = evidenceChunk();
  let evAt = 0;
  const siteDeferred: { e: EnterpriseDef; site: SiteDef; r: ResolvedRuleLike; sensors: SensorInfo[]; gate: ((ts: number) => boolean) | null }[] = [];

  for (const e of input.enterprises) {
    for (const site of e.sites) {
      const siteKey = `${e.id}/${site.id}`;
      let gate: ((ts: number) => boolean) | null = null;
      try { gate = seasonGate(site.params); } catch (err) { problems.push(`${e.id}/${site.id}: ${(err as Error).message}`); }
      const infos = site.sensors.map((s) => sensorInfo(e, site, s));
      const csite: CSite = { key: siteKey, enterpriseId: e.id, siteId: site.id, sensors: [], devices: new Map(),
        offline: addSlot(slot(`${siteKey}/_site/offline`, 'device', e.id, site.id, null, null, null)) };
      plan.sites.push(csite);
      for (const info of infos) {
        const type = sensorType(info.type)!;
        const key = `${e.id}/${info.id}`;
        if (evAt + EVIDENCE_SAMPLES > ev.ts.length) { ev = evidenceChunk(); evAt = 0; }
        const firstMetric = Object.keys(type.metrics)[0]!;
        const cs: CSensor = {
          idx: plan.sensors.length, key, info, site, enterpriseId: e.id, siteId: site.id, sensorId: info.id, metrics: [],
          lastTs: -Infinity, quality: 'ok', ownLevel: Level.none, deviceLevel: Level.none, deviceState: 'ok', deviceSince: 0, health: null,
          sharedDevice: info.deviceIds.some((d) => (e.devices.find((x) => x.id === d)?.sensors.length ?? 0) > 1),
          process: addSlot(slot(`${e.id}/${site.id}/${info.id}/process`, 'process', e.id, site.id, info.id, firstMetric, type.metrics[firstMetric]!.unit)),
          device: addSlot(slot(`${e.id}/${site.id}/${info.id}/device`, 'device', e.id, site.id, info.id, null, null)),
          dependents: [], tickers: [],
          evTs: ev.ts.subarray(evAt, evAt + EVIDENCE_SAMPLES), evVal: ev.val.subarray(evAt, evAt + EVIDENCE_SAMPLES), evQ: ev.q.subarray(evAt, evAt + EVIDENCE_SAMPLES), evN: 0,
        };
        const metricOf = (name: string): CMetric | undefined => {
          let m = cs.metrics.find((x) => x.name === name);
          if (m) return m;
          const def = type.metrics[name as keyof typeof type.metrics] as { unit: string; zh: string } | undefined;
          const derived = DERIVED[name];
          if (!def && !(derived && derived.type === info.type)) return undefined;
          m = { name, derived: def ? null : 'disp', unit: def?.unit ?? derived!.unit, zh: def?.zh ?? derived!.zh, process: [], device: [], last: NaN, lastTs: -Infinity };
          cs.metrics.push(m);
          return m;
        };
        metricOf(firstMetric);
        for (const r of input.resolver.forSensor(info, site, e)) {
          const uid = `${key}#${r.id}`;
          if (r.scope === 'site') { siteDeferred.push({ e, site, r: { ...r, anchorSensorId: r.anchorSensorId ?? info.id }, sensors: infos, gate }); continue; }
          const kind = kindOf(uid, r.kind, 'sensor') as SensorRuleKind | undefined;
          const m = metricOf(r.metric ?? firstMetric);
          if (!m) { problems.push(`${uid}: metric "${r.metric}" is not a metric of ${info.type}`); continue; }
          if (!kind) continue;
          const params = parse(uid, kind, r.params);
          if (params === undefined) continue;
          let state: unknown;
          try {
            state = kind.init(params, { sensor: info, site, metric: m.name, metricDef: (type.metrics as Record<string, never>)[m.name] ?? { unit: m.unit, kind: 'number', zh: m.zh }, env: input.env });
          } catch (err) { problems.push(`${uid}: ${(err as Error).message}`); continue; }
          const cr: CRule = { ...meta(uid, r, params, r.seasonal ? gate : null), kind, state, track: kind.track };
          (kind.track === 'device' ? m.device : m.process).push(cr);
          (kind.track === 'device' ? cs.device : cs.process).contributors.push(cr);
          if (kind.kind === 'health' && !cs.health) cs.health = cr;
          if (kind.tick) cs.tickers.push(cr);
        }
        evAt += EVIDENCE_SAMPLES;
        plan.sensors.push(cs);
        plan.byKey.set(key, cs);
        csite.sensors.push(cs.idx);
        for (const d of info.deviceIds) csite.devices.set(d, [...(csite.devices.get(d) ?? []), cs.idx]);
      }
      for (const r of input.resolver.forSite(site, e)) siteDeferred.push({ e, site, r, sensors: infos, gate });
    }
  }

  for (const { e, site, r, sensors, gate } of siteDeferred) {
    const anchor = r.anchorSensorId ? plan.byKey.get(`${e.id}/${r.anchorSensorId}`) : undefined;
    const uid = `${e.id}/${anchor ? anchor.sensorId : '_site'}#${r.id}`;
    const kind = kindOf(uid, r.kind, 'site') as SiteRuleKind | undefined;
    if (!kind) continue;
    const params = parse(uid, kind, r.params);
    if (params === undefined) continue;
    let init: ReturnType<SiteRuleKind['init']>;
    try {
      init = kind.init(params, { enterpriseId: e.id, site, sensors, env: input.env, ...(anchor ? { anchor: anchor.info } : {}) });
    } catch (err) { problems.push(`${uid}: ${(err as Error).message}`); continue; }
    const members: number[] = [];
    const memberMetric: number[] = [];
    let bad = false;
    for (const ref of init.members) {
      const m = plan.byKey.get(`${e.id}/${ref.sensorId}`);
      if (!m) { problems.push(`${uid}: member sensor "${ref.sensorId}" not found`); bad = true; break; }
      const metric = ref.metric ?? m.metrics[0]!.name;
      let mi = m.metrics.findIndex((x) => x.name === metric);
      if (mi < 0) {
        const t = sensorType(m.info.type)!;
        const def = (t.metrics as Record<string, { unit: string; zh: string }>)[metric];
        if (!def) { problems.push(`${uid}: member ${ref.sensorId} has no metric "${metric}"`); bad = true; break; }
        m.metrics.push({ name: metric, derived: null, unit: def.unit, zh: def.zh, process: [], device: [], last: NaN, lastTs: -Infinity });
        mi = m.metrics.length - 1;
      }
      members.push(m.idx);
      memberMetric.push(mi);
    }
    if (bad) continue;
    const target = r.target ?? 'self';
    let s: AlertSlot;
    if (target === 'self') {
      if (!anchor) { problems.push(`${uid}: target "self" needs an anchor sensor`); continue; }
      s = kind.track === 'device' ? anchor.device : anchor.process;
    } else {
      const key = `${e.id}/${site.id}/_site/${target.group}`;
      s = plan.slots.get(key) ?? addSlot(slot(key, kind.track === 'device' ? 'device' : 'process', e.id, site.id, null, null, null));
    }
    const cr: CSiteRule = { ...meta(uid, r, params, r.seasonal ? gate : null), kind, state: init.state, track: kind.track, members, memberMetric, slot: s };
    s.contributors.push(cr);
    plan.siteRules.push(cr);
    for (const i of new Set(members)) plan.sensors[i]!.dependents.push(cr);
  }

  // Roll-up parents (tailings, domain.md §2.5): point → item:{id} → pond.
  for (const cs of plan.sensors) {
    if (cs.info.item) cs.process.parentKey = plan.slots.has(`${cs.enterpriseId}/${cs.siteId}/_site/item:${cs.info.item}`) ? `${cs.enterpriseId}/${cs.siteId}/_site/item:${cs.info.item}` : null;
  }
  for (const s of plan.slots.values()) {
    if (s.sensorId === null && s.key.includes('/_site/item:')) {
      const pond = `${s.enterpriseId}/${s.siteId}/_site/pond`;
      s.parentKey = plan.slots.has(pond) ? pond : null;
    }
  }

  if (problems.length > 0) throw new RwError('RW_ERR_CONFIG', `rule configuration refused (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.slice(0, 50).join('\n  ')}`, { problems });
  return plan;
}
