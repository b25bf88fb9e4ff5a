import { describe, it, expect } from 'vitest';
import { Level } from '../../core/level.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import type { DeviceState, MemberView, SiteRuleContext } from './kind.ts';
import { DEFAULT_LADDER, itemLevels, ladder, lastItemLevels, rollup, rollupParams, type RollupParams } from './rollup.ts';

const { none: N, blue: B, yellow: Y, orange: O, red: R } = Level;

describe('ladder (GB 39496-2020 §5.5.4 as quoted in domain.md §2.5)', () => {
  const rows: { why: string; levels: Level[]; want: Level }[] = [
    { why: 'no input at all: nothing to promote', levels: [], want: N },
    { why: 'quiet points stay quiet', levels: [N, N, N, N, N], want: N },
    { why: '3 blue points: one short of the 4-blue rung, item stays blue', levels: [B, B, B, N], want: B },
    { why: '4 blue points of the same item → that item is yellow', levels: [B, B, B, B], want: Y },
    { why: '5 blue points: still the 4-blue rung, yellow (no cascade to orange)', levels: [B, B, B, B, B], want: Y },
    { why: '2 yellow + 2 blue: 4 points ≥ blue reach the 4-blue rung (a yellow point counts as ≥ blue) → yellow; only 2 ≥ yellow, no orange', levels: [Y, Y, B, B], want: Y },
    { why: '2 yellow + 6 blue: promotions do not cascade (4 blue is not an extra yellow point) → yellow', levels: [Y, Y, B, B, B, B, B, B], want: Y },
    { why: '2 yellow points: highest is yellow, no rung reached', levels: [Y, Y, N], want: Y },
    { why: '3 yellow points → orange', levels: [Y, Y, Y], want: O },
    { why: '2 yellow + 1 orange: 3 points ≥ yellow → orange', levels: [Y, Y, O], want: O },
    { why: '1 orange alone: the highest point decides, orange', levels: [O, B], want: O },
    { why: '2 orange points → red', levels: [O, O], want: R },
    { why: '1 orange + 1 red: 2 points ≥ orange → red (already the highest)', levels: [O, R], want: R },
    { why: '1 red point alone is red: the item is never below its highest point', levels: [R], want: R },
    { why: '3 blue + 1 orange: 4 ≥ blue gives yellow, but the orange point is higher → orange', levels: [B, B, B, O], want: O },
  ];
  it.each(rows)('$why', ({ levels, want }) => {
    expect(ladder(levels)).toBe(want);
  });

  it('takes other rung counts when the design institute sets them (params.ladder)', () => {
    // domain.md §2.5: "The design institute sets each monitored item's warning values"; counts stay configurable.
    expect(ladder([B, B, B], { blue: 3, yellow: 3, orange: 2 })).toBe(Y);
    expect(ladder([B, B, B], DEFAULT_LADDER)).toBe(B);
  });
});

// --- the kind, against a registry fixture ---

function sensor(id: string, item: string | null, type: SensorInfo['type'] = 'tailings_gnss'): SensorInfo {
  return {
    id, type, name: `测点 ${id}`, area: null, item, commissioned: '2023-06-15', params: {}, relations: [],
    enterpriseId: 'e1', siteId: 's1', deviceIds: [], commissionedMs: 0,
  };
}
const site: SiteDef = {
  id: 's1', name: '尾矿库', kind: 'tailings_pond', location: { lat: 25, lon: 102 },
  tailings: { grade: 3, wet: true, headTop: true, evacuationLeadMinutes: 120 },
  areas: [],
  items: [
    { id: 'disp', name: '坝体表面位移', kind: 'displacement' },
    { id: 'phreatic', name: '浸润线', kind: 'phreatic' },
    { id: 'beach', name: '干滩', kind: 'beach' },
    { id: 'level', name: '库水位', kind: 'level' },
    { id: 'rain', name: '降雨量', kind: 'rain' },
  ],
  params: {}, sensors: [],
};
const sensors: SensorInfo[] = [
  sensor('gp1', 'disp'), sensor('gp2', 'disp'), sensor('gp3', 'disp'), sensor('gp4', 'disp'),
  sensor('pz1', 'phreatic', 'tailings_phreatic'), sensor('pz2', 'phreatic', 'tailings_phreatic'), sensor('pz3', 'phreatic', 'tailings_phreatic'),
  sensor('gt1', 'beach', 'tailings_beach'),
  sensor('wl1', 'level', 'tailings_pond_level'),
  sensor('rg1', 'rain', 'rain_gauge'),
  sensor('pm1', null, 'power_meter'),
];
const ctx = (): SiteRuleContext => ({ enterpriseId: 'e1', site, sensors, env: undefined as never });

/** A MemberView over fixed levels by sensor id (the engine's view, reduced to what the ladder reads). */
function view(ids: readonly string[], levels: Record<string, Level>): MemberView {
  return {
    level: (i) => levels[ids[i]!] ?? N,
    deviceLevel: () => N,
    value: () => Number.NaN,
    valueTs: () => Number.NaN,
    quality: () => 'ok',
    deviceState: (): DeviceState => 'ok',
    deviceSince: () => 0,
  };
}
function setup(p: RollupParams) {
  const { state, members } = rollup.init(rollupParams.parse(p), ctx());
  return { state, ids: members.map((m) => m.sensorId) };
}

describe('rollup kind, item stage', () => {
  it('takes as members exactly the sensors of the item', () => {
    expect(setup({ stage: 'item', item: 'disp' }).ids).toEqual(['gp1', 'gp2', 'gp3', 'gp4']);
  });

  const rows: { why: string; levels: Record<string, Level>; want: Level }[] = [
    { why: '3 blue points: no promotion, the point alerts already say blue', levels: { gp1: B, gp2: B, gp3: B }, want: N },
    { why: '4 blue points: the ladder raises the item to yellow above its highest point (§5.5.4)', levels: { gp1: B, gp2: B, gp3: B, gp4: B }, want: Y },
    { why: '3 blue + 1 yellow: the item is yellow, but the yellow point already says so: no duplicate alert', levels: { gp1: B, gp2: B, gp3: B, gp4: Y }, want: N },
    { why: '2 orange points: red, above the highest point (§5.5.4)', levels: { gp1: O, gp2: O }, want: R },
    { why: '1 orange + 1 red: the item is red but a point already says red: no duplicate alert', levels: { gp1: O, gp2: R }, want: N },
    { why: 'other items do not count toward this item', levels: { pz1: Y, pz2: Y, pz3: Y, gp1: B }, want: N },
  ];
  it.each(rows)('$why', ({ levels, want }) => {
    const { state, ids } = setup({ stage: 'item', item: 'disp' });
    expect(rollup.evaluate(state, view(ids, levels), 0)).toBe(want);
  });

  it.each([
    { why: 'raised by 4 blue points, one turns yellow: the item alert holds at yellow (no recover-and-raise flap)', then: { gp1: B, gp2: B, gp3: B, gp4: Y }, want: Y },
    { why: 'raised, then two points go orange: the item goes on to red (§5.5.4: 2 orange → red)', then: { gp1: O, gp2: O, gp3: B, gp4: B }, want: R },
    { why: 'raised, then every point recovers: the item alert recovers', then: {}, want: N },
  ] as { why: string; then: Record<string, Level>; want: Level }[])('once raised: $why', ({ then, want }) => {
    const { state, ids } = setup({ stage: 'item', item: 'disp' });
    expect(rollup.evaluate(state, view(ids, { gp1: B, gp2: B, gp3: B, gp4: B }), 0)).toBe(Y);
    expect(rollup.evaluate(state, view(ids, then), 0)).toBe(want);
  });

  it('says which points promoted the item, in Chinese', () => {
    const { state, ids } = setup({ stage: 'item', item: 'disp' });
    rollup.evaluate(state, view(ids, { gp1: B, gp2: B, gp3: B, gp4: B }), 0);
    const d = rollup.describe(state);
    expect(d.text).toContain('坝体表面位移');
    expect(d.text).toContain('4个测点达到蓝色及以上');
    expect(d.text).toContain('测点 gp3');
    expect(d.value).toBe(4);
    expect(d.threshold).toBe(4);
  });

  it('refuses an item the site does not define, or one without points, naming the rule', () => {
    expect(() => setup({ stage: 'item', item: 'nope' })).toThrow(/rollup\(item nope\) at e1\/s1/);
    const empty = { ...ctx(), sensors: sensors.filter((s) => s.item !== 'rain') };
    expect(() => rollup.init(rollupParams.parse({ stage: 'item', item: 'rain' }), empty)).toThrow(/no sensor/);
  });

  it('refuses a rung of 1, which would promote every single alarm', () => {
    expect(rollupParams.safeParse({ stage: 'item', item: 'disp', ladder: { blue: 1 } }).success).toBe(false);
  });
});

describe('rollup kind, pond stage (the same ladder across items, domain.md §2.5)', () => {
  it('takes every sensor that belongs to an item, and nothing else', () => {
    expect(setup({ stage: 'pond' }).ids).not.toContain('pm1');
    expect(setup({ stage: 'pond' }).ids).toHaveLength(10);
  });

  const rows: { why: string; levels: Record<string, Level>; want: Level }[] = [
    { why: '3 items blue: below the 4-item rung', levels: { gp1: B, pz1: B, gt1: B }, want: N },
    { why: '4 blue items count as 1 yellow item → the pond is yellow, above every item', levels: { gp1: B, pz1: B, gt1: B, wl1: B }, want: Y },
    { why: 'an item promoted to yellow (4 blue points) is an item at yellow, but one yellow item alone adds nothing', levels: { gp1: B, gp2: B, gp3: B, gp4: B }, want: N },
    { why: '3 items at yellow (one by its own 4-blue promotion, two by a yellow point) → orange', levels: { gp1: B, gp2: B, gp3: B, gp4: B, pz1: Y, gt1: Y }, want: O },
    { why: '2 orange items → red', levels: { pz1: O, wl1: O }, want: R },
    { why: 'one red item: the pond is red but the item already says so', levels: { wl1: R, gt1: O }, want: N },
  ];
  it.each(rows)('$why', ({ levels, want }) => {
    const { state, ids } = setup({ stage: 'pond' });
    expect(rollup.evaluate(state, view(ids, levels), 0)).toBe(want);
  });

  it('tells the engine each item level for parent links (point → item → pond)', () => {
    const { state, ids } = setup({ stage: 'pond' });
    const levels = itemLevels(state, view(ids, { gp1: B, gp2: B, gp3: B, gp4: B, pz1: O, pz2: O }));
    expect(Object.fromEntries(levels)).toEqual({ disp: Y, phreatic: R, beach: N, level: N, rain: N });
    expect(Object.fromEntries(lastItemLevels(state))).toEqual(Object.fromEntries(levels));
  });

  it('names the items that promoted the pond', () => {
    const { state, ids } = setup({ stage: 'pond' });
    rollup.evaluate(state, view(ids, { gp1: B, pz1: B, gt1: B, wl1: B }), 0);
    expect(rollup.describe(state).text).toMatch(/4个监测项目达到蓝色及以上.*坝体表面位移.*浸润线.*干滩.*库水位.*尾矿库整体升为黄色/);
  });
});
