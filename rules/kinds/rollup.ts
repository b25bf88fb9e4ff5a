// Rule kind `rollup`: the tailings 4-3-2 ladder, point → monitoring item → pond.
// GB 39496-2020 §5.5.4 (S1, as quoted in domain.md §2.5): "4 blue points of the same item → that item is
// yellow; 3 yellow points → orange; 2 orange points → red. Across items, 4 blue items count as 1 yellow
// item, and so on" (the cross-item sentence is truncated in the available copy: the same ladder is applied
// across items, to verify against the official text). Escalation by severity, domain.md §3.2 (1).
//
// Two stages, one kind:
//   { stage: 'item', item }  members = the site's sensors whose `item` is that item;
//   { stage: 'pond' }        members = every sensor of the site that has an item; each item's level is
//                            computed here from its points, then the ladder runs over the item levels.
//
// Counting contract: a member at a higher level counts toward every lower rung too (a yellow point counts
// as ≥ blue), and the ladder does not cascade (a promotion by 4 blue points does not add a yellow point
// toward the orange rung). A stage's level = max(highest input level, ladder promotion).
//
// What evaluate returns: the stage's level only when the ladder raises it ABOVE the highest input level
// (points for the item stage, item levels for the pond stage), else Level.none. The point alerts (and, for
// the pond, the item alerts) already carry the highest level; this kind adds one alert for the promotion
// instead of duplicating them.
import { z } from 'zod';
import { Level, levelZh } from '../../core/level.ts';
import type { SensorInfo } from '../../core/registry.ts';
import { type MemberRef, type MemberView, ruleDetail, type RuleDetail, type SiteRuleContext, type SiteRuleKind } from './kind.ts';

/** How many members at (or above) a rung promote to the next level. GB 39496-2020 §5.5.4: 4, 3, 2. */
export interface LadderCounts {
  blue: number;
  yellow: number;
  orange: number;
}

export const DEFAULT_LADDER: Readonly<LadderCounts> = { blue: 4, yellow: 3, orange: 2 };

// A rung of 1 would promote every single alarm by one level: never the standard's intent.
const RungCount = z.number().int().min(2).max(1000);
const LadderSchema = z
  .strictObject({ blue: RungCount.default(4), yellow: RungCount.default(3), orange: RungCount.default(2) })
  .prefault({});

export const rollupParams = z.discriminatedUnion('stage', [
  z.strictObject({ stage: z.literal('item'), item: z.string().min(1), ladder: LadderSchema }),
  z.strictObject({ stage: z.literal('pond'), ladder: LadderSchema }),
]);
export type RollupParams = z.input<typeof rollupParams>;
type Parsed = z.output<typeof rollupParams>;

/** Result of one ladder step (reused; the hot path allocates nothing). */
interface Rung {
  /** max(highest, promoted). */
  level: Level;
  /** Highest input level. */
  highest: Level;
  /** The ladder's promotion (Level.none when no rung is reached), and how many inputs reached that rung. */
  promoted: Level;
  rungCount: number;
}

/** The ladder over a histogram: hist[off + l] = number of inputs at exactly level l (l = 0..4). */
function ladderOfHistogram(hist: ArrayLike<number>, off: number, counts: LadderCounts, out: Rung): Rung {
  const red = hist[off + Level.red] ?? 0;
  const atLeastOrange = red + (hist[off + Level.orange] ?? 0);
  const atLeastYellow = atLeastOrange + (hist[off + Level.yellow] ?? 0);
  const atLeastBlue = atLeastYellow + (hist[off + Level.blue] ?? 0);
  out.highest = red > 0 ? Level.red : atLeastOrange > 0 ? Level.orange : atLeastYellow > 0 ? Level.yellow : atLeastBlue > 0 ? Level.blue : Level.none;
  out.promoted = Level.none;
  out.rungCount = 0;
  if (atLeastOrange >= counts.orange) {
    out.promoted = Level.red;
    out.rungCount = atLeastOrange;
  } else if (atLeastYellow >= counts.yellow) {
    out.promoted = Level.orange;
    out.rungCount = atLeastYellow;
  } else if (atLeastBlue >= counts.blue) {
    out.promoted = Level.yellow;
    out.rungCount = atLeastBlue;
  }
  out.level = out.promoted > out.highest ? out.promoted : out.highest;
  return out;
}

const newRung = (): Rung => ({ level: Level.none, highest: Level.none, promoted: Level.none, rungCount: 0 });

/** The 4-3-2 ladder (GB 39496-2020 §5.5.4): max(highest level, promotion). Pure; see the counting contract above. */
export function ladder(levels: ArrayLike<Level>, counts: LadderCounts = DEFAULT_LADDER): Level {
  const hist = [0, 0, 0, 0, 0];
  for (let i = 0; i < levels.length; i++) hist[levels[i] as Level]! += 1;
  return ladderOfHistogram(hist, 0, counts, newRung()).level;
}

export interface RollupState {
  readonly stage: 'item' | 'pond';
  readonly counts: LadderCounts;
  /** Item index of each member. */
  readonly memberItem: Uint16Array;
  readonly items: readonly { id: string; name: string }[];
  /** Scratch, reused on every evaluate: per-item histograms (5 slots per item), the stage histogram, a rung. */
  readonly itemHist: Uint16Array;
  readonly stageHist: Uint16Array;
  readonly scratch: Rung;
  /** Member names, and member and item levels as of the last evaluate (for describe). */
  readonly memberNames: readonly string[];
  readonly memberLevel: Uint8Array;
  readonly itemLevel: Uint8Array;
  /** The stage's ladder as of the last evaluate. */
  readonly stageRung: Rung;
  /** The roll-up alert is in force (raised by a promotion, held until nothing is left at any level). */
  active: boolean;
}

function fill(state: RollupState, members: MemberView): void {
  const { memberItem, itemHist, stageHist, itemLevel, counts, scratch } = state;
  itemHist.fill(0);
  for (let i = 0; i < memberItem.length; i++) {
    const l = members.level(i);
    state.memberLevel[i] = l;
    itemHist[memberItem[i]! * 5 + l]! += 1;
  }
  stageHist.fill(0);
  for (let k = 0; k < state.items.length; k++) {
    const r = ladderOfHistogram(itemHist, k * 5, counts, state.stage === 'item' ? state.stageRung : scratch);
    itemLevel[k] = r.level;
    stageHist[r.level]! += 1;
  }
  if (state.stage === 'pond') ladderOfHistogram(stageHist, 0, counts, state.stageRung);
}

/** Each item's level (max of its highest point and its ladder promotion), for the engine's parent links
 * (point → item → pond) and the API. Cold path: recomputes from `members` (refreshing the state as evaluate
 * would). */
export function itemLevels(state: RollupState, members: MemberView): ReadonlyMap<string, Level> {
  fill(state, members);
  return lastItemLevels(state);
}

/** Each item's level as of the last evaluate. */
export function lastItemLevels(state: RollupState): ReadonlyMap<string, Level> {
  const out = new Map<string, Level>();
  state.items.forEach((item, k) => out.set(item.id, state.itemLevel[k] as Level));
  return out;
}

function init(params: Parsed, ctx: SiteRuleContext): { state: RollupState; members: MemberRef[] } {
  const where = `rollup(${params.stage === 'item' ? `item ${params.item}` : 'pond'}) at ${ctx.enterpriseId}/${ctx.site.id}`;
  const counts: LadderCounts = { blue: params.ladder.blue, yellow: params.ladder.yellow, orange: params.ladder.orange };
  const siteItems = new Map(ctx.site.items.map((it) => [it.id, it.name]));
  let points: SensorInfo[];
  if (params.stage === 'item') {
    if (!siteItems.has(params.item)) {
      throw new Error(`${where}: the site defines no monitored item "${params.item}" (known: ${[...siteItems.keys()].join(', ') || 'none'})`);
    }
    points = ctx.sensors.filter((s) => s.item === params.item);
    if (points.length === 0) throw new Error(`${where}: no sensor of the site belongs to item "${params.item}"`);
  } else {
    points = ctx.sensors.filter((s) => s.item != null);
    if (points.length === 0) throw new Error(`${where}: no sensor of the site belongs to a monitored item`);
  }
  const itemIds = [...new Set(points.map((s) => s.item as string))];
  if (itemIds.length > 0xffff) throw new Error(`${where}: too many items`);
  const items = itemIds.map((id) => ({ id, name: siteItems.get(id) ?? id }));
  const index = new Map(itemIds.map((id, k) => [id, k]));
  const state: RollupState = {
    stage: params.stage,
    counts,
    memberItem: Uint16Array.from(points, (s) => index.get(s.item as string)!),
    items,
    itemHist: new Uint16Array(items.length * 5),
    stageHist: new Uint16Array(5),
    memberNames: points.map((s) => s.name),
    memberLevel: new Uint8Array(points.length),
    itemLevel: new Uint8Array(items.length),
    scratch: newRung(),
    stageRung: newRung(),
    active: false,
  };
  return { state, members: points.map((s) => ({ sensorId: s.id })) };
}

// A roll-up alert is raised only by what the ladder adds above the highest input (no copy of a point
// alert), and then held at the stage's level — max(highest input, ladder) — until no input is left above
// none: an item that is yellow by 4 blue points stays one yellow item alert when one of them turns yellow,
// instead of recovering and being raised again.
function evaluate(state: RollupState, members: MemberView): Level {
  fill(state, members);
  const r = state.stageRung;
  if (!state.active) {
    if (r.level <= r.highest) return Level.none;
    state.active = true;
    return r.level;
  }
  const level = (r.level > r.highest ? r.level : r.highest) as Level;
  if (level === Level.none) state.active = false;
  return level;
}

const list = (names: readonly string[]): string => (names.length <= 6 ? names.join('、') : `${names.slice(0, 6).join('、')}等${names.length}个`);

const RUNG_ZH: Record<number, string> = { [Level.yellow]: '蓝色', [Level.orange]: '黄色', [Level.red]: '橙色' };

function describe(state: RollupState): RuleDetail {
  const r = state.stageRung;
  const raised = r.level > r.highest || state.active;
  const rung = r.promoted === Level.yellow ? state.counts.blue : r.promoted === Level.orange ? state.counts.yellow : state.counts.orange;
  const from = RUNG_ZH[r.promoted] ?? '';
  const rungLevel = r.promoted - 1;
  let text: string;
  if (!raised) {
    text = state.stage === 'item' ? `监测项目「${state.items[0]?.name ?? ''}」未因测点数量升级` : '尾矿库未因监测项目数量升级';
  } else if (state.stage === 'item') {
    const hit = state.memberNames.filter((_, i) => (state.memberLevel[i] ?? 0) >= rungLevel);
    text = `监测项目「${state.items[0]?.name ?? ''}」${r.rungCount}个测点达到${from}及以上(≥${rung}个：${list(hit)})，项目升为${levelZh(r.level)} (GB 39496-2020 §5.5.4)`;
  } else {
    const hit = state.items.filter((_, k) => (state.itemLevel[k] ?? 0) >= rungLevel).map((it) => it.name);
    text = `${r.rungCount}个监测项目达到${from}及以上(≥${rung}个：${list(hit)})，尾矿库整体升为${levelZh(r.level)} (GB 39496-2020 §5.5.4)`;
  }
  return ruleDetail(raised ? r.rungCount : null, raised ? rung : null, null, text);
}

export const rollup: SiteRuleKind<Parsed, RollupState> = {
  kind: 'rollup',
  scope: 'site',
  track: 'process',
  paramsSchema: rollupParams,
  init,
  evaluate: (state, members) => evaluate(state, members),
  // Point levels in, item and pond levels out.
  levelsOnly: () => true,
  describe,
};
