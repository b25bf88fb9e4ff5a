// Alerts and their transitions (contract.md "Alerts"). Frozen here so that rules/, api/, the console,
// notifications and Node-RED build on one shape. The lifecycle reducer itself lives in rules/alerts/.
import type { LevelName } from './level.ts';

export type AlertKind = 'process' | 'device' | 'system';

/** domain.md §2.5: "clearly label in UI" when a rule that expects the designer's warning values runs on the
 * platform's defaults (design warning values not entered; platform defaults in use). */
export const DEFAULT_VALUES_NOTE = '未录入设计预警值，使用平台缺省值';
export const DEFAULT_VALUES_NOTE_EN = 'design warning values not entered; platform defaults in use';
export type Condition = 'active' | 'recovered';
export const HANDLING_STATES = ['open', 'acknowledged', 'assessed', 'handling', 'feedback', 'cleared', 'archived'] as const;
export type HandlingState = (typeof HANDLING_STATES)[number];

export const ALERT_EVENTS = [
  'raised', 'level_up', 'level_down', 'recovered', 'acknowledged', 'assessed', 'handling', 'feedback',
  'cleared', 'archived', 'overdue', 'tier_escalated',
] as const;
export type AlertEventName = (typeof ALERT_EVENTS)[number];

export const VERDICTS = ['real', 'false_alarm', 'device_fault', 'maintenance', 'calibration', 'process_transient', 'test', 'duplicate'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const CLEAR_REASONS = ['handled', 'false_alarm', 'device_fault', 'maintenance', 'calibration', 'process_transient', 'duplicate', 'other'] as const;
export type ClearReason = (typeof CLEAR_REASONS)[number];
/** While the condition is still active only these reasons may clear an alert. */
export const CLEAR_REASONS_WHILE_ACTIVE: readonly ClearReason[] = ['false_alarm', 'device_fault', 'duplicate'];

export interface Alert {
  id: string;
  version: number;
  kind: AlertKind;
  level: LevelName;
  nativeAlarm: string | null;
  condition: Condition;
  handling: HandlingState;
  retrospective: boolean;
  enterpriseId: string | null;
  siteId: string | null;
  sensorId: string | null;
  metric: string | null;
  parentId: string | null;
  rule: string;
  ruleVersion: number;
  thresholdSource: 'design' | 'default';
  value: number | boolean | null;
  threshold: number | null;
  unit: string | null;
  ackByEnterprise: string | null;
  ackByCentre: string | null;
  deadline: string | null;
  tier: number;
  message: string;
  raisedAt: string;
}

/** One event of an alert, as published on `alerts/…` and pushed to the console. */
export interface Transition extends Omit<Alert, 'level'> {
  eventId: string;
  event: AlertEventName;
  level: LevelName;
  levelNo: 1 | 2 | 3 | 4;
  previousLevel: LevelName | null;
  at: string;
}
