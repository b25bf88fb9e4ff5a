// Site packs: rules of a whole site rather than of one sensor. Tailings ponds roll point levels up to their
// monitored items and the items up to the pond (GB 39496-2020 §5.5.4, S1 [STD-verified]: 4 blue points of an
// item → yellow, 3 yellow → orange, 2 orange → red; the same 4-3-2 ladder across items). The engine links
// the alerts by group: point → `item:{id}` → `pond` (rules/engine/compile.ts).
import type { SiteDef } from '../../core/registry.ts';
import type { RollupParams } from '../kinds/rollup.ts';
import type { SitePackRule } from './types.ts';

const S1 = 'GB 39496-2020 §5.5.4';

/** The items of a pond that have at least one sensor (an item with no sensor has nothing to roll up). */
function monitoredItems(site: SiteDef): string[] {
  const used = new Set(site.sensors.map((s) => s.item).filter((i): i is string => typeof i === 'string'));
  return site.items.map((i) => i.id).filter((id) => used.has(id));
}

const isPond = (site: SiteDef): boolean => site.kind === 'tailings_pond' || site.tailings != null;

export const tailingsPondSite: SitePackRule[] = [
  {
    id: 'item',
    kind: 'rollup',
    instances: (site) =>
      isPond(site)
        ? monitoredItems(site).map((item) => {
            const params: RollupParams = { stage: 'item', item };
            return { suffix: item, params, design: false, target: { group: `item:${item}` } };
          })
        : [],
    source: `${S1} (尾矿库安全规程, S1): 4 blue points of the same item → item yellow, 3 yellow → orange, 2 orange → red`,
    clause: S1,
    confidence: 'STD-verified',
  },
  {
    id: 'pond',
    kind: 'rollup',
    instances: (site) => {
      if (!isPond(site) || monitoredItems(site).length === 0) return [];
      const params: RollupParams = { stage: 'pond' };
      return [{ suffix: null, params, design: false, target: { group: 'pond' } }];
    },
    // The cross-item sentence is truncated in the available copy (domain.md §2.5): the same ladder, to verify.
    source: `${S1} (S1): across items 4 blue items count as 1 yellow item, and so on (sentence truncated in the available copy; same 4-3-2 ladder applied)`,
    clause: S1,
    confidence: 'STD-published',
  },
];
