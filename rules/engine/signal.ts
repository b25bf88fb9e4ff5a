// What the engine tells the alert manager: the level now in force for one alert key changed.
// The engine emits a signal only on a change of level (max over the rules feeding the key); the manager
// turns it into raised / level_up / level_down / recovered through the lifecycle reducer.
import type { AlertKind } from '../../core/alert.ts';
import type { Level } from '../../core/level.ts';

export interface LevelSignal {
  /** Stable key of the condition: `{e}/{site}/{sensor}/{track}` for a sensor, `{e}/{site}/_site/{group}` for
   * a site-level rule, `_platform/{component}/{what}` for system alerts. One open alert per key. */
  key: string;
  kind: AlertKind;
  enterpriseId: string | null;
  siteId: string | null;
  sensorId: string | null;
  metric: string | null;
  /** Level.none = the condition is over (recovered). */
  level: Level;
  /** The rule instance that decides the level (the highest contributor), e.g. `gas_combustible.threshold`. */
  rule: string;
  ruleVersion: number;
  thresholdSource: 'design' | 'default';
  /** The deciding rule expects the designer's values and runs on the platform's defaults: the message says so
   * (domain.md §2.5 DEFAULT_VALUES_NOTE). Absent = false. */
  defaultValues?: boolean;
  nativeAlarm: string | null;
  value: number | null;
  threshold: number | null;
  unit: string | null;
  /** Chinese text of the condition (the manager composes the full message). */
  text: string;
  /** Device time of the sample (or clock time of the tick) that decided it. */
  ts: number;
  /** Journal position of the sample that decided it; 0 for clock ticks. Replays skip what an alert has seen. */
  pos: number;
  /** Decided from a backlog (the sample was older than the retrospective limit when evaluated). */
  retrospective: boolean;
  /** Key of the roll-up this condition feeds (tailings point → item → pond), or null. */
  parentKey: string | null;
  /** Evidence: the samples before the trigger and the rule's params in force. */
  evidence: Evidence | null;
}

export interface Evidence {
  samples: { ts: number; value: number; quality: string }[];
  rule: { id: string; kind: string; version: number; source: string; clause: string | null; confidence: string; params: unknown };
}
