// The compiled plan the engine evaluates (architecture.md rule 3: compile at load, evaluate hot).
//
// Layout (performance.md "rule engine alone ≥ 5M readings/s per core", "≤ 1 KB of state per sensor"): what a
// reading touches lives in typed-array columns indexed by sensor, metric and rule number, so that one
// reading reads a handful of arrays at offsets computed from its sensor's index instead of chasing a chain
// of objects (sensor → metrics → rules → states) through memory. Rule states live in one bank per kind
// (rules/kinds/bank.ts), addressed by row. What is read only when a level changes (keys, slots, rule
// metadata, site rules) stays in objects.
//
// One AlertSlot per alert key, fed by the rules that contribute to it (the slot's level is the max of
// theirs: one alert per sensor and track, not one per rule); site rules re-evaluated when a member changes.
import type { Level } from '../../core/level.ts';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import type { RuleBank, SiteRuleKind, Track } from '../kinds/kind.ts';
import type { RecordArena } from '../kinds/bank.ts';
import type { Evidence } from './signal.ts';

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
  /** DEFAULT_VALUES_NOTE when the rule expects design values and runs on the platform's defaults. */
  note?: string | null;
}

/** What a rule is, shared by every instance with the same definition (most sensors of a type). */
export interface RuleSpec {
  id: string;
  kindName: string;
  version: number;
  thresholdSource: 'design' | 'default';
  /** The rule expects the designer's values and runs on the platform's defaults (alerts say so). */
  defaultValues: boolean;
  source: string;
  clause: string | null;
  confidence: string;
  params: unknown;
  /** JSON of the params: a checkpointed state is restored only into a rule with the same params. */
  fingerprint: string;
  /** Out of season (site `season`), the rule's level is forced to none (domain.md §2.3). */
  inSeason: ((ts: number) => boolean) | null;
  track: Track;
  /** The rule as every alert's evidence names it: made once per definition (frozen, shared by its signals). */
  evidenceRule: Evidence['rule'];
}

export interface CSiteRule extends RuleSpec {
  /** Unique per instance: `{e}/{sensor or _site}#{rule id}`; checkpoints are keyed by it. */
  uid: string;
  /** Its index in `Plan.siteRules`. */
  idx: number;
  kind: SiteRuleKind;
  state: unknown;
  level: Level;
  /** Sensor indices of the members, and the global metric index of each member's metric. */
  members: number[];
  memberMetric: number[];
  slot: AlertSlot;
}

/** What a generated evaluator (program.ts) depends on, per sensor of the shape. */
export interface ProgramShape {
  /** The sensor's metrics in order: the reading's field, or a derived horizontal displacement. */
  metrics: readonly { name: string; derived: boolean }[];
  /** The sensor's rules in order: bank number, sensor-local metric, track (0 process, 1 device), season gate. */
  rules: readonly { bank: number; metric: number; track: 0 | 1; seasonal: boolean }[];
}

/** Cold facts of one metric of one sensor (for alerts and the API). */
export interface MetricInfo {
  name: string;
  /** 'disp': horizontal displacement hypot(dx, dy) of a tailings GNSS (derived, not on the wire). */
  derived: 'disp' | null;
  unit: string;
  zh: string;
}

export interface AlertSlot {
  key: string;
  kind: 'process' | 'device';
  enterpriseId: string;
  siteId: string;
  sensorId: string | null;
  /** The sensor whose rules of this track feed the slot (−1 for site slots). */
  sensorIdx: number;
  metric: string | null;
  unit: string | null;
  /** Site rules feeding the slot (after the sensor's own rules, which are found by `sensorIdx`). */
  siteContributors: CSiteRule[];
  /** Max over contributors now, and what was last told to the alert manager. */
  level: Level;
  announced: Level;
  /** The contributor deciding the level: a rule number or a site rule (the last one stays at none: it
   * describes the recovery). */
  topRule: number;
  topSite: CSiteRule | null;
  /** The roll-up slot this one feeds (tailings point → item → pond). */
  parentKey: string | null;
  /** Device slots of sensors on an offline device are held under the site's offline alert. */
  covered: boolean;
}

/** Cold facts of one sensor; its hot state is in the plan's columns at `idx`. */
export interface CSensor {
  idx: number;
  key: string;
  info: SensorInfo;
  site: SiteDef;
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  metrics: MetricInfo[];
  /** The sensor's device reports for other sensors too (its silence may be the device's: grouped). */
  sharedDevice: boolean;
  process: AlertSlot;
  device: AlertSlot;
  dependents: CSiteRule[];
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

/** Sensor columns (index = CSensor.idx). */
export interface SensorColumns {
  /** Device ts of the newest evaluated reading (−Infinity before the first). */
  lastTs: Float64Array;
  /** Rules of sensor i: [ruleFrom[i], ruleFrom[i + 1]); metrics: [metricFrom[i], metricFrom[i + 1]). */
  ruleFrom: Int32Array;
  metricFrom: Int32Array;
  /** QUALITIES index of the newest reading. */
  quality: Uint8Array;
  /** Level over the sensor's own process rules only (site rules read this, never their own output). */
  own: Uint8Array;
  deviceLevel: Uint8Array;
  /** DEVICE_STATES index, and since when (epoch ms). */
  deviceState: Uint8Array;
  deviceSince: Float64Array;
  /** Rule number of the sensor's health rule, −1 when none. */
  health: Int32Array;
  /** What site rules read of this sensor: 0 nothing (no site rule lists it), 1 only its levels (every such rule's
   * kind is `levelsOnly`: re-evaluated when one of its levels moves or the rule is not idle), 2 more (values,
   * device states: re-evaluated at every reading of it). */
  dependentReads: Uint8Array;
  /** 1 while the device slot's level or announcement is not none. */
  deviceHot: Uint8Array;
  /** How the newest evaluated reading came: 0 none yet, 1 a history import, 2 live. Levels an import moved are
   * history: the clock announces none of them until the sensor's next live reading (engine.ts tickSensor). */
  heard: Uint8Array;
  /** Index of the sensor's shape in `Plan.shapes` (its generated evaluator, program.ts), −1 for the generic loop. */
  program: Int32Array;
  /** Evidence ring: the last EVIDENCE_SAMPLES samples of the first metric (ts, value, quality index). */
  evTs: Float64Array;
  evVal: Float32Array;
  evQ: Uint8Array;
  evN: Float64Array;
}

/** Metric columns (global metric number). */
export interface MetricColumns {
  name: string[];
  /** 1 = 'disp' (derived). */
  derived: Uint8Array;
  last: Float64Array;
  lastTs: Float64Array;
}

/** Rule columns (global rule number). */
export interface RuleColumns {
  bank: Uint8Array;
  row: Int32Array;
  /** Global metric number the rule reads. */
  metric: Int32Array;
  /** 0 process, 1 device. */
  track: Uint8Array;
  level: Uint8Array;
  /** 1 when the kind has a clock sweep. */
  ticks: Uint8Array;
  /** 1 when the rule is seasonal (spec.inSeason set). */
  seasonal: Uint8Array;
  spec: RuleSpec[];
}

export interface Plan {
  sensors: CSensor[];
  byKey: Map<string, CSensor>;
  siteRules: CSiteRule[];
  sites: CSite[];
  slots: Map<string, AlertSlot>;
  banks: RuleBank[];
  /** The chunks the record banks keep their records in (bank.ts RecordArena); checkpoints hold them as they are. */
  arena: RecordArena;
  s: SensorColumns;
  m: MetricColumns;
  r: RuleColumns;
  /** The distinct shapes of the sensors' rules (program.ts), at most MAX_PROGRAMS. */
  shapes: ProgramShape[];
}
