// What the API, the console and Node-RED ask of the alert part: read alerts in scope and act on them.
// Implemented by the AlertManager (rules/alerts/manager.ts); the API depends only on this.
import type { ClearReason, Transition, Verdict } from '../../core/alert.ts';
import type { Evidence } from '../engine/signal.ts';
import type { AlertFilter, AuditEntry } from './store.ts';
import type { Actor, StoredAlert } from './types.ts';

export type AlertAction =
  | { type: 'ack'; note?: string }
  | { type: 'assess'; verdict: Verdict; note?: string }
  | { type: 'handle'; note: string }
  | { type: 'feedback'; note: string }
  | { type: 'clear'; reason: ClearReason; note?: string };

export interface AlertService {
  list(filter: AlertFilter): { alerts: StoredAlert[]; nextCursor: string | null };
  get(id: string): StoredAlert | undefined;
  detail(id: string): { alert: StoredAlert; events: Transition[]; audit: AuditEntry[]; evidence: Evidence | null } | undefined;
  /**
   * Applies one lifecycle action. Throws RwError: RW_ERR_NOT_FOUND, RW_ERR_VERSION_CONFLICT (when
   * `expectedVersion` is given and is not the alert's version), RW_ERR_ILLEGAL_TRANSITION (contract.md
   * "Actions by handling state"), RW_ERR_VALIDATION (e.g. clear reason `other` without a note).
   * Returns the alert after the action (its events are already stored and queued in the outbox).
   */
  act(id: string, action: AlertAction, actor: Actor, expectedVersion?: number): StoredAlert;
}
