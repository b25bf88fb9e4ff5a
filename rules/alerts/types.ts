// The alert as the lifecycle keeps it: the contract's Alert (core/alert.ts) plus the bookkeeping the
// reducer needs (deadlines, tier clock, suppression, flapping, the last journal position applied).
import type { Alert, AlertEventName, ClearReason, Verdict } from '../../core/alert.ts';
import type { LevelName } from '../../core/level.ts';
import type { LevelSignal } from '../engine/signal.ts';

export interface StoredAlert extends Alert {
  key: string;
  /** Epoch ms of the current handling deadline (ack, then feedback), or null; `deadline` is its ISO form. */
  deadlineMs: number | null;
  /** Which deadline `deadlineMs` is, and whether `overdue` has already been sent for it. */
  deadlineKind: 'ack' | 'feedback' | null;
  overdueSent: boolean;
  /** When the escalation clock moves to the next tier (epoch ms), or null. */
  nextTierAtMs: number | null;
  verdict: Verdict | null;
  clearReason: ClearReason | null;
  clearedAtMs: number | null;
  /** After a clear, the same key raises no new alert until then (消警时长). */
  suppressUntilMs: number | null;
  recoveredAtMs: number | null;
  /** Condition re-activations inside the flap window, and when that window started. */
  flaps: number;
  flapWindowStartMs: number;
  flapping: boolean;
  /** Highest journal position applied; replays at or below it are ignored (no duplicate after a crash). */
  lastPos: number;
  /** Someone acted on it (ack/assess/…): blue alerts archive themselves only when nobody did. */
  touched: boolean;
  /** Enterprise county and sector, for scope checks without a registry lookup. */
  county: string | null;
  sector: string | null;
  archivedAtMs: number | null;
}

export type Party = 'enterprise' | 'centre';

export interface Actor {
  username: string;
  name: string;
  party: Party;
}

export type AlertInput =
  | { type: 'signal'; signal: LevelSignal }
  | { type: 'ack'; actor: Actor; note?: string }
  | { type: 'assess'; actor: Actor; verdict: Verdict; note?: string }
  | { type: 'handle'; actor: Actor; note: string }
  | { type: 'feedback'; actor: Actor; note: string }
  | { type: 'clear'; actor: Actor; reason: ClearReason; note?: string }
  /** The clock: deadlines (overdue), tiers (tier_escalated), auto-archive, end of suppression. */
  | { type: 'tick' };

/** One event to publish, before ids and versions are assigned by the manager. */
export interface EventDraft {
  event: AlertEventName;
  previousLevel: LevelName | null;
  /** Who and why, for the audit trail (null for the engine and the clock). */
  actor: Actor | null;
  note: string | null;
  verdict?: Verdict;
  reason?: ClearReason;
}

/** Per-level handling policy (contract.md "Per level", domain.md §3.3); every number configurable per sector. */
export interface LevelPolicy {
  staysOpenAfterRecovery: boolean;
  clearNeedsReason: boolean;
  archivesItselfAfterRecovery: boolean;
  enterpriseAckMs: number;
  feedbackMs: number;
  /** Escalation tiers while unacknowledged: tier n+1 at escalateAfterMs[n] after the raise. */
  escalateAfterMs: readonly number[];
  centreSees: 'at_once' | 'daily_list' | 'statistics';
  /** 消警时长: no new alert on the same key for this long after a clear. */
  suppressMs: number;
}

export interface LifecyclePolicy {
  levels: Record<LevelName, LevelPolicy>;
  /** Re-activations within `flapWindowMs` at which the alert counts as flapping. */
  flapThreshold: number;
  flapWindowMs: number;
}
