// Compiles the registry and the resolved rule packs into the engine's plan. Every rule's params are
// validated by its kind's schema here; any problem refuses the whole plan with every problem named
// (hot reload then keeps the old plan running).
import { Level } from '../../core/level.ts';
import { RwError } from '../../core/errors.ts';
import { sensorType } from '../../core/sensor-types.ts';
import type { EnterpriseDef, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { RuleBank, RuleEnv, RuleKind, SensorRuleKind, SiteRuleKind, Track } from '../kinds/kind.ts';
import { bankFor, RecordArena } from '../kinds/bank.ts';
import { seasonGate } from '../kinds/schedule.ts';
import { MAX_PROGRAMS, shapeKey } from './program.ts';
import type { AlertSlot, ProgramShape, CSensor, CSite, CSiteRule, MetricColumns, Plan, ResolvedRuleLike, RuleColumns, RuleSpec, SensorColumns } from './plan.ts';

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

/** The empty `dependents` and `siteContributors` of a compiled plan: one array, never pushed to. */
const NO_SITE_RULES: CSiteRule[] = [];

const DERIVED: Record<string, { unit: string; zh: string; type: string }> = {
  disp: { unit: 'mm', zh: '水平位移', type: 'tailings_gnss' },
};

function slot(key: string, kind: 'process' | 'device', e: string, site: string, sensor: string | null, sensorIdx: number, metric: string | null, unit: string | null): AlertSlot {
  return { key, kind, enterpriseId: e, siteId: site, sensorId: sensor, sensorIdx, metric, unit, siteContributors: [], level: Level.none, announced: Level.none, topRule: -1, topSite: null, parentKey: null, covered: false };
}

function sensorInfo(e: EnterpriseDef, site: SiteDef, s: SiteDef['sensors'][number]): SensorInfo {
  const deviceIds = e.devices.filter((d) => d.sensors.includes(s.id)).map((d) => d.id);
  // Every field by name, in one order: a spread (`{ ...s, … }`) gives each of 10k sensors a hidden class of its
  // own once V8's clone cache goes megamorphic (3 maps and descriptor arrays each: 30k objects for the major GC
  // to mark, bench/RESULTS.md); one literal gives them one.
  return {
    id: s.id, type: s.type, name: s.name, area: s.area, item: s.item, commissioned: s.commissioned, params: s.params, relations: s.relations,
    enterpriseId: e.id, siteId: site.id, deviceIds, commissionedMs: Date.parse(s.commissioned),
  };
}

/** A sensor rule while compiling: its bank row and the sensor-local metric it reads. */
interface PendingRule { spec: RuleSpec; bank: number; row: number; metric: number; ticks: boolean }

export function compilePlan(input: CompileInput): Plan {
  const problems: string[] = [];
  const sensors: CSensor[] = [];
  const byKey = new Map<string, CSensor>();
  const siteRules: CSiteRule[] = [];
  const sites: CSite[] = [];
  const slots = new Map<string, AlertSlot>();
  const addSlot = (s: AlertSlot) => { slots.set(s.key, s); return s; };
  const pending: PendingRule[][] = [];
  const banks: RuleBank[] = [];
  const arena = new RecordArena();
  const bankIndex = new Map<RuleKind, number>();
  const bankOf = (kind: SensorRuleKind): number => {
    let b = bankIndex.get(kind);
    if (b === undefined) { b = banks.length; banks.push(bankFor(kind, arena)); bankIndex.set(kind, b); }
    return b;
  };

  // Equal params (most sensors of a type) are parsed once and shared, with one fingerprint string, and equal
  // rule definitions share one RuleSpec: per-sensor memory then holds only the rule's state (performance.md:
  // ≤ 1 KB per sensor for the standard mix).
  const parsed = new Map<string, { params: unknown; fingerprint: string }>();
  const fingerprints = new Map<unknown, string>();
  const specs = new Map<string, RuleSpec>();
  const gateIds = new Map<(ts: number) => boolean, number>();
  const spec = (r: ResolvedRuleLike, params: unknown, inSeason: ((ts: number) => boolean) | null, track: Track): RuleSpec => {
    const fingerprint = fingerprints.get(params) ?? 'null';
    let g = 0;
    if (inSeason) { g = gateIds.get(inSeason) ?? gateIds.size + 1; gateIds.set(inSeason, g); }
    const defaultValues = typeof r.note === 'string' && r.note.length > 0;
    const key = JSON.stringify([r.id, r.kind, r.version, r.thresholdSource, defaultValues, r.source, r.clause, r.confidence, fingerprint, g, track]);
    let sp = specs.get(key);
    if (!sp) {
      const evidenceRule = Object.freeze({ id: r.id, kind: r.kind, version: r.version, source: r.source, clause: r.clause, confidence: r.confidence, params });
      sp = { id: r.id, kindName: r.kind, version: r.version, thresholdSource: r.thresholdSource, defaultValues, source: r.source, clause: r.clause, confidence: r.confidence, params, fingerprint, inSeason, track, evidenceRule };
      specs.set(key, sp);
    }
    return sp;
  };
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
  /** The sensor-local index of a metric, added on first use (−1 when the type has no such metric). */
  const metricOf = (cs: CSensor, name: string): number => {
    const i = cs.metrics.findIndex((x) => x.name === name);
    if (i >= 0) return i;
    const type = sensorType(cs.info.type)!;
    const def = (type.metrics as Record<string, { unit: string; zh: string } | undefined>)[name];
    const derived = DERIVED[name];
    if (!def && !(derived && derived.type === cs.info.type)) return -1;
    cs.metrics.push({ name, derived: def ? null : 'disp', unit: def?.unit ?? derived!.unit, zh: def?.zh ?? derived!.zh });
    return cs.metrics.length - 1;
  };
  const siteDeferred: { e: EnterpriseDef; site: SiteDef; r: ResolvedRuleLike; sensors: SensorInfo[]; gate: ((ts: number) => boolean) | null }[] = [];

  for (const e of input.enterprises) {
    for (const site of e.sites) {
      const siteKey = `${e.id}/${site.id}`;
      let gate: ((ts: number) => boolean) | null = null;
      try { gate = seasonGate(site.params); } catch (err) { problems.push(`${e.id}/${site.id}: ${(err as Error).message}`); }
      const infos = site.sensors.map((s) => sensorInfo(e, site, s));
      const csite: CSite = { key: siteKey, enterpriseId: e.id, siteId: site.id, sensors: [], devices: new Map(),
        offline: addSlot(slot(`${siteKey}/_site/offline`, 'device', e.id, site.id, null, -1, null, null)) };
      sites.push(csite);
      for (const info of infos) {
        const type = sensorType(info.type)!;
        const key = `${e.id}/${info.id}`;
        const firstMetric = Object.keys(type.metrics)[0]!;
        const idx = sensors.length;
        const cs: CSensor = {
          idx, key, info, site, enterpriseId: e.id, siteId: site.id, sensorId: info.id, metrics: [],
          sharedDevice: info.deviceIds.some((d) => (e.devices.find((x) => x.id === d)?.sensors.length ?? 0) > 1),
          process: addSlot(slot(`${e.id}/${site.id}/${info.id}/process`, 'process', e.id, site.id, info.id, idx, firstMetric, type.metrics[firstMetric]!.unit)),
          device: addSlot(slot(`${e.id}/${site.id}/${info.id}/device`, 'device', e.id, site.id, info.id, idx, null, null)),
          dependents: [],
        };
        metricOf(cs, firstMetric);
        const rules: PendingRule[] = [];
        for (const r of input.resolver.forSensor(info, site, e)) {
          const uid = `${key}#${r.id}`;
          if (r.scope === 'site') { siteDeferred.push({ e, site, r: { ...r, anchorSensorId: r.anchorSensorId ?? info.id }, sensors: infos, gate }); continue; }
          const kind = kindOf(uid, r.kind, 'sensor') as SensorRuleKind | undefined;
          const mi = metricOf(cs, r.metric ?? firstMetric);
          if (mi < 0) { problems.push(`${uid}: metric "${r.metric}" is not a metric of ${info.type}`); continue; }
          if (!kind) continue;
          const params = parse(uid, kind, r.params);
          if (params === undefined) continue;
          const m = cs.metrics[mi]!;
          const b = bankOf(kind);
          let row: number;
          try {
            row = banks[b]!.add(params, { sensor: info, site, metric: m.name, metricDef: (type.metrics as Record<string, never>)[m.name] ?? { unit: m.unit, kind: 'number', zh: m.zh }, env: input.env });
          } catch (err) { problems.push(`${uid}: ${(err as Error).message}`); continue; }
          rules.push({ spec: spec(r, params, r.seasonal ? gate : null, kind.track), bank: b, row, metric: mi, ticks: banks[b]!.ticks });
        }
        sensors.push(cs);
        pending.push(rules);
        byKey.set(key, cs);
        csite.sensors.push(idx);
        for (const d of info.deviceIds) csite.devices.set(d, [...(csite.devices.get(d) ?? []), idx]);
      }
      for (const r of input.resolver.forSite(site, e)) siteDeferred.push({ e, site, r, sensors: infos, gate });
    }
  }

  // Site rules: their members' metrics are added to the members before the columns are laid out.
  const siteMembers: { cr: CSiteRule; metrics: number[] }[] = [];
  for (const { e, site, r, sensors: infos, gate } of siteDeferred) {
    const anchor = r.anchorSensorId ? byKey.get(`${e.id}/${r.anchorSensorId}`) : undefined;
    const uid = `${e.id}/${anchor ? anchor.sensorId : '_site'}#${r.id}`;
    const kind = kindOf(uid, r.kind, 'site') as SiteRuleKind | undefined;
    if (!kind) continue;
    const params = parse(uid, kind, r.params);
    if (params === undefined) continue;
    let init: ReturnType<SiteRuleKind['init']>;
    try {
      init = kind.init(params, { enterpriseId: e.id, site, sensors: infos, env: input.env, ...(anchor ? { anchor: anchor.info } : {}) });
    } catch (err) { problems.push(`${uid}: ${(err as Error).message}`); continue; }
    const members: number[] = [];
    const local: number[] = [];
    let bad = false;
    for (const ref of init.members) {
      const m = byKey.get(`${e.id}/${ref.sensorId}`);
      if (!m) { problems.push(`${uid}: member sensor "${ref.sensorId}" not found`); bad = true; break; }
      const metric = ref.metric ?? m.metrics[0]!.name;
      const mi = metricOf(m, metric);
      if (mi < 0) { problems.push(`${uid}: member ${ref.sensorId} has no metric "${metric}"`); bad = true; break; }
      members.push(m.idx);
      local.push(mi);
    }
    if (bad) continue;
    const target = r.target ?? 'self';
    let s: AlertSlot;
    if (target === 'self') {
      if (!anchor) { problems.push(`${uid}: target "self" needs an anchor sensor`); continue; }
      s = kind.track === 'device' ? anchor.device : anchor.process;
    } else {
      const key = `${e.id}/${site.id}/_site/${target.group}`;
      s = slots.get(key) ?? addSlot(slot(key, kind.track === 'device' ? 'device' : 'process', e.id, site.id, null, -1, null, null));
    }
    const sp = spec(r, params, r.seasonal ? gate : null, kind.track);
    // Field by field, not a spread: one hidden class for every site rule (see sensorInfo).
    const cr: CSiteRule = {
      id: sp.id, kindName: sp.kindName, version: sp.version, thresholdSource: sp.thresholdSource, defaultValues: sp.defaultValues, source: sp.source,
      clause: sp.clause, confidence: sp.confidence, params: sp.params, fingerprint: sp.fingerprint, inSeason: sp.inSeason, track: sp.track, evidenceRule: sp.evidenceRule,
      uid, idx: siteRules.length, kind, state: init.state, level: Level.none, members, memberMetric: [], slot: s,
    };
    s.siteContributors.push(cr);
    siteRules.push(cr);
    siteMembers.push({ cr, metrics: local });
    for (const i of new Set(members)) sensors[i]!.dependents.push(cr);
  }

  const plan: Plan = { sensors, byKey, siteRules, sites, slots, banks, arena, ...layout(sensors, pending) };
  for (const { cr, metrics } of siteMembers) cr.memberMetric = cr.members.map((i, k) => plan.s.metricFrom[i]! + metrics[k]!);

  // Roll-up parents (tailings, domain.md §2.5): point → item:{id} → pond.
  for (const cs of sensors) {
    if (cs.info.item) cs.process.parentKey = slots.has(`${cs.enterpriseId}/${cs.siteId}/_site/item:${cs.info.item}`) ? `${cs.enterpriseId}/${cs.siteId}/_site/item:${cs.info.item}` : null;
  }
  // Arrays grown by push() keep V8's spare capacity (17 slots after the first push): exact copies, ≈ 300 B per
  // sensor less with a composite per detector (bench:rules "whole compiled plan").
  // The many empty ones are one shared array (never pushed to after this point): a level change reads a
  // sensor's dependents and its slots' contributors, and 10k arrays of their own are a cache miss each there.
  for (const s of slots.values()) s.siteContributors = s.siteContributors.length > 0 ? s.siteContributors.slice() : NO_SITE_RULES;
  for (const cs of sensors) cs.dependents = cs.dependents.length > 0 ? cs.dependents.slice() : NO_SITE_RULES;
  for (const cr of siteRules) cr.members = cr.members.slice();
  for (const s of slots.values()) {
    if (s.sensorId === null && s.key.includes('/_site/item:')) {
      const pond = `${s.enterpriseId}/${s.siteId}/_site/pond`;
      s.parentKey = slots.has(pond) ? pond : null;
    }
  }

  if (problems.length > 0) throw new RwError('RW_ERR_CONFIG', `rule configuration refused (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.slice(0, 50).join('\n  ')}`, { problems });
  return plan;
}

/** Lays the sensors' hot state out in columns (plan.ts). */
function layout(sensors: CSensor[], pending: PendingRule[][]): Pick<Plan, 's' | 'm' | 'r' | 'shapes'> {
  const n = sensors.length;
  let nm = 0;
  let nr = 0;
  for (let i = 0; i < n; i++) { nm += sensors[i]!.metrics.length; nr += pending[i]!.length; }
  const s: SensorColumns = {
    lastTs: new Float64Array(n).fill(-Infinity), ruleFrom: new Int32Array(n + 1), metricFrom: new Int32Array(n + 1), quality: new Uint8Array(n),
    own: new Uint8Array(n), deviceLevel: new Uint8Array(n), deviceState: new Uint8Array(n), deviceSince: new Float64Array(n),
    health: new Int32Array(n).fill(-1), program: new Int32Array(n).fill(-1), dependentReads: new Uint8Array(n), deviceHot: new Uint8Array(n), heard: new Uint8Array(n),
    evTs: new Float64Array(n * EVIDENCE_SAMPLES), evVal: new Float32Array(n * EVIDENCE_SAMPLES), evQ: new Uint8Array(n * EVIDENCE_SAMPLES), evN: new Float64Array(n),
  };
  const m: MetricColumns = { name: new Array<string>(nm), derived: new Uint8Array(nm), last: new Float64Array(nm).fill(NaN), lastTs: new Float64Array(nm).fill(-Infinity) };
  const r: RuleColumns = {
    bank: new Uint8Array(nr), row: new Int32Array(nr), metric: new Int32Array(nr), track: new Uint8Array(nr), level: new Uint8Array(nr),
    ticks: new Uint8Array(nr), seasonal: new Uint8Array(nr), spec: new Array<RuleSpec>(nr),
  };
  let mi = 0;
  let ri = 0;
  const shapes: ProgramShape[] = [];
  const shapeIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const cs = sensors[i]!;
    const shape: ProgramShape = {
      metrics: cs.metrics.map((mt) => ({ name: mt.name, derived: mt.derived === 'disp' })),
      rules: pending[i]!.map((p) => ({ bank: p.bank, metric: p.metric, track: p.spec.track === 'device' ? 1 : 0, seasonal: p.spec.inSeason !== null })),
    };
    const key = shapeKey(shape);
    let k = shapeIndex.get(key);
    if (k === undefined && shapes.length < MAX_PROGRAMS) { k = shapes.length; shapes.push(shape); shapeIndex.set(key, k); }
    s.program[i] = k ?? -1;
    s.metricFrom[i] = mi;
    s.ruleFrom[i] = ri;
    s.dependentReads[i] = cs.dependents.length === 0 ? 0 : cs.dependents.every((r) => r.kind.levelsOnly?.(r.state) === true) ? 1 : 2;
    for (const mt of cs.metrics) { m.name[mi] = mt.name; m.derived[mi] = mt.derived === 'disp' ? 1 : 0; mi++; }
    for (const p of pending[i]!) {
      r.bank[ri] = p.bank; r.row[ri] = p.row; r.metric[ri] = s.metricFrom[i]! + p.metric; r.track[ri] = p.spec.track === 'device' ? 1 : 0;
      r.ticks[ri] = p.ticks ? 1 : 0; r.seasonal[ri] = p.spec.inSeason ? 1 : 0; r.spec[ri] = p.spec;
      if (p.spec.kindName === 'health' && s.health[i] === -1) s.health[i] = ri;
      ri++;
    }
  }
  s.metricFrom[n] = mi;
  s.ruleFrom[n] = ri;
  return { s, m, r, shapes };
}
