// The compiled plan the engine evaluates (architecture.md rule 3: compile at load, evaluate hot).
// One CSensor per sensor with its metrics and compiled rules; one AlertSlot per alert key, fed by the
// rules that contribute to it (the slot's level is the max of theirs: one alert per sensor and track,
// not one per rule); site rules re-evaluated when a member changes.
import type { Level } from '../../core/level.ts';
import type { Quality } from '../../core/reading.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import type { DeviceState, SensorRuleKind, SiteRuleKind, Track } from '../kinds/kind.ts';

/** A rule as the packs resolve it for one sensor or site (rules/packs/resolve.ts). */
export interface ResolvedRuleLike {
  id: string;
  kind: string;
  scope: 'sensor' | 'site';
  metric?: string | null;
  params: unknown;
  version: number;
  thresholdSource: 'design' | 'default';
  source: string;
  clause: string | null;
  confidence: string;
  target?: 'self' | { group: string } | null;
  seasonal?: boolean;
  anchorSensorId?: string | null;
}

export interface RuleMeta {
  /** Unique per instance: `{e}/{sensor or _site}#{rule id}`; checkpoints are keyed by it. */
  uid: string;
  id: string;
  kindName: string;
  version: number;
  thresholdSource: 'design' | 'default';
  source: string;
  clause: string | null;
  confidence: string;
  params: unknown;
  /** JSON of the params: a checkpointed state is restored only into a rule with the same params. */
  fingerprint: string;
  /** Out of season (site `season`), the rule's level is forced to none (domain.md §2.3). */
  inSeason: ((ts: number) => boolean) | null;
  level: Level;
}

export interface CRule extends RuleMeta {
  kind: SensorRuleKind;
  state: unknown;
  track: Track;
}

export interface CSiteRule extends RuleMeta {
  kind: SiteRuleKind;
  state: unknown;
  track: Track;
  /** Sensor indices of the members, and the metric index within each member. */
  members: number[];
  memberMetric: number[];
  slot: AlertSlot;
}

export interface CMetric {
  name: string;
  /** 'disp': horizontal displacement hypot(dx, dy) of a tailings GNSS (derived, not on the wire). */
  derived: 'disp' | null;
  unit: string;
  zh: string;
  process: CRule[];
  device: CRule[];
  last: number;
  lastTs: number;
}

export type Contributor = CRule | CSiteRule;

export interface AlertSlot {
  key: string;
  kind: 'process' | 'device';
  enterpriseId: string;
  siteId: string;
  sensorId: string | null;
  metric: string | null;
  unit: string | null;
  contributors: Contributor[];
  /** Max over contributors now, and what was last told to the alert manager. */
  level: Level;
  announced: Level;
  top: Contributor | null;
  /** The roll-up slot this one feeds (tailings point → item → pond). */
  parentKey: string | null;
  /** Device slots of sensors on an offline device are held under the site's offline alert. */
  covered: boolean;
}

export interface CSensor {
  idx: number;
  key: string;
  info: SensorInfo;
  site: SiteDef;
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  metrics: CMetric[];
  lastTs: number;
  quality: Quality;
  /** Level over the sensor's own process rules only (site rules read this, never their own output). */
  ownLevel: Level;
  deviceLevel: Level;
  deviceState: DeviceState;
  deviceSince: number;
  health: CRule | null;
  /** The sensor's device reports for other sensors too (its silence may be the device's: grouped). */
  sharedDevice: boolean;
  process: AlertSlot;
  device: AlertSlot;
  dependents: CSiteRule[];
  tickers: CRule[];
  /** Evidence ring: the last samples of the first metric (ts, value, quality index). */
  evTs: Float64Array;
  evVal: Float32Array;
  evQ: Uint8Array;
  evN: number;
}

export interface CSite {
  key: string;
  enterpriseId: string;
  siteId: string;
  sensors: number[];
  /** Sensor indices per device id, for offline grouping. */
  devices: Map<string, number[]>;
  offline: AlertSlot;
}

export interface Plan {
  sensors: CSensor[];
  byKey: Map<string, CSensor>;
  siteRules: CSiteRule[];
  sites: CSite[];
  slots: Map<string, AlertSlot>;
}
