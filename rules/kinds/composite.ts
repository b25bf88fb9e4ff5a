// Rule kind `composite`: AND / OR / k-of-n over tests on several sensors of a site (escalation by severity,
// domain.md §3.2 (1): "multiple detectors"; cross-checks, domain.md §2.4.3).
//
// Params (validated once, compiled in init; see COMPOSITE_EXAMPLES below for the three pack entries it was
// designed for):
//   { op: 'and' | 'or' | 'kofn', k?, terms: Term[], level, forS = 0, text, nativeAlarm? }
//   Term     = { of: Selector, test: Test, need = 'any' | 'all' | n, ifUnresolved = 'error' | 'inert' }
//   Selector = sources ∪ { self: the anchor, relation: the anchor's relations of that kind, ids: sensors of
//              the site }; with no source, all sensors of the site. Then filters, all of which must pass:
//              type[], family[], area, sameArea, sameType (as the anchor), excludeSelf. `metric` picks the
//              member's metric (default: its type's first metric).
//   Test     = { minLevel }            member's process level ≥ it
//            | { minDeviceLevel }      member's device-track level ≥ it
//            | { value: op, than | thanParam: { param, factor = 1, of = 'member' | 'site' }, maxAgeS? }
//                                      latest value (quality ok, finite, and when maxAgeS is set, no older than
//                                      maxAgeS before `now`) compared with a number, or with a sensor/site
//                                      param × factor resolved at init (e.g. ratedKw × 0.3). maxAgeS
//                                      compares the value's device ts with `now` (the Clock): a skewed
//                                      device clock is the health kind's clock_skew, not this rule's concern
//            | { deviceIn: DeviceState[], forS = 0 } device state in the set since ≥ forS (MemberView.deviceSince)
//   A term holds when at least `need` of its members pass ('any' = 1, 'all' = every member).
//   The rule holds when its terms combine by `op` (kofn: at least k terms hold) and has held for `forS`
//   (tracked in state from `now`); it then returns `level`, else Level.none.
//
// Refused at init (a thrown Error naming the rule and the anchor; the engine turns it into a refused config):
// a selector that needs an anchor in a site pack, an unknown id, type or metric, a missing param, a filter on
// a relation target outside the site. `ifUnresolved` decides only the case "resolves to fewer members than
// `need`" (e.g. no feed relation, a lone detector in its area): 'error' refuses, 'inert' keeps a term that
// never holds (for site-wide packs instantiated where a family may be absent).
import { z } from 'zod';
import { Level, levelFromName, levelZh, type LevelName } from '../../core/level.ts';
import type { SensorInfo } from '../../core/registry.ts';
import { SENSOR_TYPE_IDS, sensorType, type MetricDef, type SensorTypeDef } from '../../core/sensor-types.ts';
import { DEVICE_STATES, type DeviceState, type MemberRef, type MemberView, ruleDetail, type RuleDetail, type SiteRuleContext, type SiteRuleKind } from './kind.ts';

const LevelNameSchema = z.enum(['blue', 'yellow', 'orange', 'red']);
const FAMILIES = ['gas', 'coal', 'dust', 'electricity', 'tailings', 'process'] as const satisfies readonly SensorTypeDef['family'][];
const OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;

const SelectorSchema = z.strictObject({
  self: z.boolean().optional(),
  relation: z.enum(['feed', 'fan', 'neighbour', 'meter']).optional(),
  ids: z.array(z.string().min(1)).min(1).optional(),
  type: z.array(z.enum(SENSOR_TYPE_IDS as [string, ...string[]])).min(1).optional(),
  family: z.array(z.enum(FAMILIES)).min(1).optional(),
  area: z.string().min(1).optional(),
  sameArea: z.boolean().optional(),
  sameType: z.boolean().optional(),
  excludeSelf: z.boolean().optional(),
  metric: z.string().min(1).optional(),
});

const TestSchema = z.union([
  z.strictObject({ minLevel: LevelNameSchema }),
  z.strictObject({ minDeviceLevel: LevelNameSchema }),
  z
    .strictObject({
      value: z.enum(OPS),
      than: z.number().finite().optional(),
      thanParam: z
        .strictObject({ param: z.string().min(1), factor: z.number().finite().default(1), of: z.enum(['member', 'site']).default('member') })
        .optional(),
      maxAgeS: z.number().positive().optional(),
    })
    .refine((t) => (t.than === undefined) !== (t.thanParam === undefined), 'give exactly one of `than` and `thanParam`'),
  z.strictObject({ deviceIn: z.array(z.enum(DEVICE_STATES)).min(1), forS: z.number().min(0).default(0) }),
]);

const TermSchema = z.strictObject({
  of: SelectorSchema,
  test: TestSchema,
  need: z.union([z.literal('any'), z.literal('all'), z.number().int().min(1)]).default('any'),
  ifUnresolved: z.enum(['error', 'inert']).default('error'),
});

export const compositeParams = z
  .strictObject({
    op: z.enum(['and', 'or', 'kofn']).default('and'),
    k: z.number().int().min(1).optional(),
    terms: z.array(TermSchema).min(1).max(16),
    level: LevelNameSchema,
    forS: z.number().min(0).default(0),
    /** Chinese, the condition in a few words, e.g. '同一区域2个探测器达到橙色'. */
    text: z.string().min(1).max(200),
    /** The standard's own name for it, e.g. '馈电异常' (AQ 1029 via domain.md §2.2). */
    nativeAlarm: z.string().min(1).max(50).optional(),
  })
  .refine((p) => p.op !== 'kofn' || (p.k !== undefined && p.k <= p.terms.length), { message: "op 'kofn' needs k between 1 and the number of terms", path: ['k'] })
  .refine((p) => p.op === 'kofn' || p.k === undefined, { message: "k applies only to op 'kofn'", path: ['k'] });

export type CompositeParams = z.input<typeof compositeParams>;
type Parsed = z.output<typeof compositeParams>;
type Selector = z.output<typeof SelectorSchema>;
type Term = z.output<typeof TermSchema>;

/** The pack entries this schema was designed for (tested in composite.test.ts; the levels are [PROPOSAL]). */
export const COMPOSITE_EXAMPLES = {
  /** domain.md §2.1 red row: "orange on ≥ 2 detectors in the same area". Anchor: a gas detector; members: the
   * detectors of its area of the same type (itself included). A lone detector makes the term inert, not an
   * error. Alternative selector: `{ self: true, relation: 'neighbour' }` (the anchor and its neighbours). */
  twoDetectorsOrange: {
    op: 'and',
    level: 'red',
    text: '同一区域2个探测器达到橙色',
    terms: [{ of: { sameArea: true, sameType: true }, test: { minLevel: 'orange' }, need: 2, ifUnresolved: 'inert' }],
  },
  /** domain.md §2.2: red = cut-power value and the feed status still shows power (断电失败 / 馈电异常). Anchor:
   * the methane sensor (orange = its cut-power value). The cut must happen at once, so 10 s. The feed value
   * must be fresh: with maxAgeS = forS + 10 s, at the moment the rule fires the "power on" reading is newer
   * than the condition's start minus 10 s (one feed-sensor interval, mine_feed intervalS); a silent feed
   * sensor is a device alarm, not proof of power. A methane sensor without a feed relation is refused. */
  cutPowerFeedStillOn: {
    op: 'and',
    level: 'red',
    forS: 10,
    text: '甲烷已达断电值但馈电仍显示有电',
    nativeAlarm: '馈电异常',
    terms: [
      { of: { self: true }, test: { minLevel: 'orange' } },
      { of: { relation: 'feed' }, test: { value: 'eq', than: 1, maxAgeS: 20 }, need: 'any' },
    ],
  },
  /** domain.md §2.4.3 "production on, safety sensors off": a production load while the site's gas, coal-mine
   * and dust sensors are offline, flat-lined or in maintenance for > 30 min. Anchor: the power meter
   * (anchored on a dust_dp instead: `{ relation: 'meter' }`). Load ≥ 30 % of the meter's ratedKw (the
   * §2.4.1 production threshold), fresh within two 15-min intervals. need 'all': one broken sensor is a
   * device alarm; all of them dark while the plant draws power is the pattern. Orange: a compliance signal
   * for the enforcement queue (§2.4.1 colour ceiling). */
  productionWithSafetyOff: {
    op: 'and',
    level: 'orange',
    text: '生产用电中但安全监测传感器离线、数值僵直或维护超过30分钟，疑似关停监测',
    terms: [
      { of: { self: true, metric: 'p' }, test: { value: 'ge', thanParam: { param: 'ratedKw', factor: 0.3 }, maxAgeS: 1800 } },
      { of: { family: ['gas', 'coal', 'dust'] }, test: { deviceIn: ['silent', 'stuck', 'maintenance', 'comm_lost'], forS: 1800 }, need: 'all', ifUnresolved: 'inert' },
    ],
  },
} as const satisfies Record<string, CompositeParams>;

const TestKind = { Level: 0, DeviceLevel: 1, Value: 2, Device: 3 } as const;
type TestKind = (typeof TestKind)[keyof typeof TestKind];

interface CompiledTerm {
  readonly kind: TestKind;
  /** Indexes into the rule's member list. */
  readonly idx: number[];
  /** Members needed; Infinity when the term is inert. */
  readonly need: number;
  readonly minLevel: Level;
  readonly op: number;
  /** Per-member comparison value (Value tests). */
  readonly than: number[];
  readonly maxAgeMs: number;
  readonly states: readonly DeviceState[];
  readonly forMs: number;
  /** Last evaluate: which members passed, what was seen (level, value or since-ms), how many passed. */
  readonly hit: number[];
  readonly seen: number[];
  count: number;
  holds: boolean;
}

interface MemberMeta {
  name: string;
  metricDef: MetricDef | null;
}

export interface CompositeState {
  readonly op: 'and' | 'or' | 'kofn';
  readonly k: number;
  readonly level: Level;
  readonly forMs: number;
  readonly text: string;
  readonly nativeAlarm: string | null;
  readonly terms: readonly CompiledTerm[];
  readonly members: readonly MemberMeta[];
  /** Member index of the anchor, or -1; its value is the detail's `value`. */
  readonly anchorIdx: number;
  /** Since when (ms, `now`) the combination holds; NaN when it does not. */
  since: number;
  active: Level;
  anchorValue: number;
}

interface Candidate {
  id: string;
  sensor: SensorInfo | null;
}

function resolveSelector(sel: Selector, ctx: SiteRuleContext, where: string): Candidate[] {
  const anchor = ctx.anchor;
  const anchored = sel.self || sel.relation !== undefined || sel.sameArea || sel.sameType || sel.excludeSelf;
  if (anchored && !anchor) throw new Error(`${where}: the selector ${JSON.stringify(sel)} needs an anchor sensor, but the rule is in a site pack`);
  const byId = new Map(ctx.sensors.map((s) => [s.id, s]));
  const sources: Candidate[] = [];
  if (sel.self && anchor) sources.push({ id: anchor.id, sensor: anchor });
  if (sel.relation !== undefined && anchor) {
    for (const r of anchor.relations) if (r.kind === sel.relation) sources.push({ id: r.sensor, sensor: byId.get(r.sensor) ?? null });
  }
  for (const id of sel.ids ?? []) {
    const s = byId.get(id);
    if (!s) throw new Error(`${where}: sensor "${id}" is not a sensor of site ${ctx.site.id}`);
    sources.push({ id, sensor: s });
  }
  const noSource = !sel.self && sel.relation === undefined && sel.ids === undefined;
  const candidates = noSource ? ctx.sensors.map((s) => ({ id: s.id, sensor: s })) : sources;
  const filtered = sel.type || sel.family || sel.area !== undefined || sel.sameArea || sel.sameType;
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.id)) continue;
    if (sel.excludeSelf && c.id === anchor?.id) continue;
    if (filtered) {
      const s = c.sensor;
      if (!s) throw new Error(`${where}: relation target "${c.id}" is outside site ${ctx.site.id}, so type/family/area filters cannot apply to it`);
      if (sel.type && !sel.type.includes(s.type)) continue;
      if (sel.family && !(sel.family as readonly string[]).includes(sensorType(s.type)?.family ?? '')) continue;
      if (sel.area !== undefined && s.area !== sel.area) continue;
      if (sel.sameArea && (anchor?.area == null || s.area !== anchor.area)) continue;
      if (sel.sameType && s.type !== anchor?.type) continue;
    }
    seen.add(c.id);
    out.push(c);
  }
  return out;
}

function metricOf(c: Candidate, sel: Selector, where: string): { metric: string | undefined; def: MetricDef | null } {
  if (!c.sensor) return { metric: sel.metric, def: null };
  const metrics = sensorType(c.sensor.type)?.metrics ?? {};
  const metric = sel.metric ?? Object.keys(metrics)[0];
  const def = metric === undefined ? undefined : metrics[metric];
  if (!def) throw new Error(`${where}: sensor "${c.id}" (${c.sensor.type}) has no metric "${metric}" (known: ${Object.keys(metrics).join(', ')})`);
  return { metric, def };
}

function paramNumber(bag: Record<string, unknown>, param: string, owner: string, where: string): number {
  const v = bag[param];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${owner} has no numeric param "${param}"`);
  return v;
}

function init(params: Parsed, ctx: SiteRuleContext): { state: CompositeState; members: MemberRef[] } {
  const where = `composite "${params.text}" at ${ctx.enterpriseId}/${ctx.site.id}${ctx.anchor ? ` (anchor ${ctx.anchor.id})` : ''}`;
  const refs: MemberRef[] = [];
  const metas: MemberMeta[] = [];
  const indexOf = new Map<string, number>();
  const terms = params.terms.map((term: Term, t): CompiledTerm => {
    const at = `${where}, term ${t + 1}`;
    const found = resolveSelector(term.of, ctx, at);
    const need = term.need === 'any' ? 1 : term.need === 'all' ? Math.max(1, found.length) : term.need;
    const inert = found.length < need;
    if (inert && term.ifUnresolved === 'error') {
      throw new Error(`${at}: the selector ${JSON.stringify(term.of)} resolves to ${found.length} sensor(s) (${found.map((c) => c.id).join(', ') || 'none'}), fewer than the ${need} needed`);
    }
    const members = inert ? [] : found;
    // Plain arrays, not typed ones: a typed array is an ArrayBuffer of its own, and a plan with a composite per
    // sensor held four per term (40k buffers at 10k sensors for the collector to track; bench/RESULTS.md).
    const idx = zeros(members.length);
    const than = zeros(members.length);
    members.forEach((c, j) => {
      const { metric, def } = metricOf(c, term.of, at);
      const key = `${c.id}\u0000${metric ?? ''}`;
      let i = indexOf.get(key);
      if (i === undefined) {
        i = refs.length;
        indexOf.set(key, i);
        refs.push(metric === undefined ? { sensorId: c.id } : { sensorId: c.id, metric });
        metas.push({ name: c.sensor?.name ?? c.id, metricDef: def });
      }
      idx[j] = i;
      if ('value' in term.test) {
        const tp = term.test.thanParam;
        if (!tp) than[j] = term.test.than ?? Number.NaN;
        else if (tp.of === 'site') than[j] = paramNumber(ctx.site.params, tp.param, `site ${ctx.site.id}`, at) * tp.factor;
        else if (!c.sensor) throw new Error(`${at}: relation target "${c.id}" is outside site ${ctx.site.id}; its params are unknown here`);
        else than[j] = paramNumber(c.sensor.params, tp.param, `sensor "${c.id}"`, at) * tp.factor;
      }
    });
    const test = term.test;
    return {
      kind: 'minLevel' in test ? TestKind.Level : 'minDeviceLevel' in test ? TestKind.DeviceLevel : 'value' in test ? TestKind.Value : TestKind.Device,
      idx,
      need: inert ? Number.POSITIVE_INFINITY : need,
      minLevel: 'minLevel' in test ? levelFromName(test.minLevel) : 'minDeviceLevel' in test ? levelFromName(test.minDeviceLevel) : Level.none,
      op: 'value' in test ? OPS.indexOf(test.value) : -1,
      than,
      maxAgeMs: 'value' in test && test.maxAgeS !== undefined ? test.maxAgeS * 1000 : Number.POSITIVE_INFINITY,
      states: 'deviceIn' in test ? test.deviceIn : [],
      forMs: 'deviceIn' in test ? test.forS * 1000 : 0,
      hit: zeros(members.length),
      seen: zeros(members.length),
      count: 0,
      holds: false,
    };
  });
  const anchorIdx = ctx.anchor ? refs.findIndex((r) => r.sensorId === ctx.anchor!.id) : -1;
  const state: CompositeState = {
    op: params.op,
    k: params.op === 'kofn' ? params.k! : params.op === 'and' ? terms.length : 1,
    level: levelFromName(params.level as LevelName),
    forMs: params.forS * 1000,
    text: params.text,
    nativeAlarm: params.nativeAlarm ?? null,
    terms,
    members: metas,
    anchorIdx,
    since: Number.NaN,
    active: Level.none,
    anchorValue: Number.NaN,
  };
  return { state, members: refs };
}

function compare(op: number, a: number, b: number): boolean {
  switch (op) {
    case 0: return a === b;
    case 1: return a !== b;
    case 2: return a > b;
    case 3: return a >= b;
    case 4: return a < b;
    default: return a <= b;
  }
}

/** n zeros, packed. */
function zeros(n: number): number[] {
  return Array.from({ length: n }, () => 0);
}

function evaluateTerm(term: CompiledTerm, m: MemberView, now: number): boolean {
  let count = 0;
  const { idx, hit, seen } = term;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    let pass = false;
    switch (term.kind) {
      case TestKind.Level: {
        const l = m.level(i);
        seen[j] = l;
        pass = l >= term.minLevel;
        break;
      }
      case TestKind.DeviceLevel: {
        const l = m.deviceLevel(i);
        seen[j] = l;
        pass = l >= term.minLevel;
        break;
      }
      case TestKind.Value: {
        const v = m.value(i);
        seen[j] = v;
        pass = Number.isFinite(v) && m.quality(i) === 'ok' && now - m.valueTs(i) <= term.maxAgeMs && compare(term.op, v, term.than[j]!);
        break;
      }
      case TestKind.Device: {
        const since = m.deviceSince(i);
        seen[j] = now - since;
        pass = term.states.includes(m.deviceState(i)) && now - since >= term.forMs;
        break;
      }
    }
    hit[j] = pass ? 1 : 0;
    if (pass) count++;
  }
  term.count = count;
  term.holds = count >= term.need;
  return term.holds;
}

function evaluate(state: CompositeState, members: MemberView, now: number): Level {
  let held = 0;
  for (const term of state.terms) if (evaluateTerm(term, members, now)) held++;
  if (state.anchorIdx >= 0) state.anchorValue = members.value(state.anchorIdx);
  if (held < state.k) {
    state.since = Number.NaN;
    state.active = Level.none;
    return Level.none;
  }
  if (Number.isNaN(state.since)) state.since = now;
  state.active = now - state.since >= state.forMs ? state.level : Level.none;
  return state.active;
}

/** What a checkpoint keeps: the combination's timer and level; nothing (null) while the combination does not hold,
 * the state `init` makes. The compiled terms and member facts come from `init` with the same params; the anchor's
 * value and each term's last pass (`hit`, `seen`, `holds`: read by `describe`, after an evaluate) from the next
 * evaluate. */
function checkpoint(state: CompositeState): { since: number; active: Level } | null {
  return Number.isNaN(state.since) && state.active === Level.none ? null : { since: state.since, active: state.active };
}

/** Idle on the clock: every test reads levels only (values go stale and device states age with time), and the
 * combination either does not hold or has held for its duration already. */
function idle(state: CompositeState): boolean {
  if (!Number.isNaN(state.since) && state.active !== state.level) return false;
  return levelsOnly(state);
}

/** Every test is on a member's level (minLevel, minDeviceLevel). */
function levelsOnly(state: CompositeState): boolean {
  for (const t of state.terms) if (t.kind !== TestKind.Level && t.kind !== TestKind.DeviceLevel) return false;
  return true;
}

const OP_ZH = ['=', '≠', '>', '≥', '<', '≤'];
const STATE_ZH: Record<DeviceState, string> = {
  ok: '正常', silent: '离线(无数据)', stuck: '数值僵直', out_of_range: '超出物理量程', clock_skew: '时钟偏差', fault: '故障',
  maintenance: '维护', calibrating: '标定', overrange: '超量程', comm_lost: '通信中断',
};

const fmt = (v: number, def: MetricDef | null): string => {
  if (!Number.isFinite(v)) return '无数据';
  if (def?.kind === 'boolean') return v === 1 ? '是' : '否';
  return `${Number(v.toFixed(3))}${def ? ` ${def.unit}` : ''}`;
};
const list = (names: readonly string[]): string => (names.length <= 5 ? names.join('、') : `${names.slice(0, 5).join('、')}等${names.length}个`);

function describeTerm(state: CompositeState, term: CompiledTerm): string {
  const parts: string[] = [];
  for (let j = 0; j < term.idx.length; j++) if (term.hit[j]) parts.push(memberPart(state, term, j));
  return term.kind === TestKind.Level || term.kind === TestKind.DeviceLevel || term.kind === TestKind.Device
    ? `${list(parts)}${termTail(term)}`
    : parts.join('，');
}

function memberPart(state: CompositeState, term: CompiledTerm, j: number): string {
  const meta = state.members[term.idx[j]!]!;
  if (term.kind !== TestKind.Value) return meta.name;
  if (meta.metricDef?.kind === 'boolean' && term.op === 0) return `${meta.name} ${meta.metricDef.zh}：${fmt(term.seen[j]!, meta.metricDef)}`;
  return `${meta.name} ${meta.metricDef?.zh ?? '数值'} ${fmt(term.seen[j]!, meta.metricDef)} ${OP_ZH[term.op]} ${fmt(term.than[j]!, meta.metricDef)}`;
}

function termTail(term: CompiledTerm): string {
  switch (term.kind) {
    case TestKind.Level: return ` 达到${levelZh(term.minLevel)}及以上`;
    case TestKind.DeviceLevel: return ` 设备告警达到${levelZh(term.minLevel)}及以上`;
    case TestKind.Device: return ` 处于${term.states.map((s) => STATE_ZH[s]).join('/')}${term.forMs > 0 ? `超过${Math.round(term.forMs / 60_000)}分钟` : ''}`;
    default: return '';
  }
}

function describe(state: CompositeState): RuleDetail {
  const value = state.anchorIdx >= 0 && Number.isFinite(state.anchorValue) ? state.anchorValue : null;
  if (state.active === Level.none) {
    return ruleDetail(value, null, null, `${state.text}：条件未满足`);
  }
  const why = state.terms.filter((t) => t.holds).map((t) => describeTerm(state, t));
  const hold = state.forMs > 0 ? `，持续 ${Math.round(state.forMs / 1000)} s` : '';
  return ruleDetail(value, null, state.nativeAlarm, `${state.text}（${why.join('；')}${hold}）`);
}

export const composite: SiteRuleKind<Parsed, CompositeState> = {
  kind: 'composite',
  scope: 'site',
  track: 'process',
  paramsSchema: compositeParams,
  init,
  evaluate,
  idle,
  levelsOnly,
  checkpoint,
  describe,
};
