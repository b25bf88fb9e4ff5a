// The alert store (architecture.md rule 7): declared here, implemented in storage/alerts (SQLite now,
// PostgreSQL later), proven by one contract suite. Each `commit` is atomic: the alert's new state, its
// events, their audit entries and their outbox rows land together or not at all, so an event is never
// published without being stored, nor stored without being queued for publishing.
import type { AlertKind, HandlingState, Transition } from '../../core/alert.ts';
import type { LevelName } from '../../core/level.ts';
import type { Evidence } from '../engine/signal.ts';
import type { Actor, StoredAlert } from './types.ts';

export interface AuditEntry {
  alertId: string;
  version: number;
  event: string;
  at: string;
  actor: Actor | null;
  note: string | null;
  /** Verdict, clear reason, level change … as recorded. */
  data: Record<string, unknown>;
}

export interface OutboxRow {
  /** Strictly increasing outbox sequence. */
  seq: number;
  transition: Transition;
  /** The alert as it is after this event (for the retained alert-state/… topic); null once archived. */
  state: StoredAlert | null;
}

/** One event in the store's feed: every committed event in commit order (AlertStore.eventFeed). */
export interface FeedEvent {
  /** Strictly increasing in commit order, and stable: the same event has the same seq in every read. */
  seq: number;
  transition: Transition;
}

export interface AlertFilter {
  /** open = not archived and not cleared; all = everything. */
  state: 'open' | 'all';
  level?: LevelName;
  kind?: AlertKind;
  enterpriseId?: string;
  siteId?: string;
  handling?: HandlingState;
  /** Alerts changed at or after this time (epoch ms). */
  sinceMs?: number;
  /** Keyset pagination, newest first: return alerts strictly older than this cursor. */
  cursor?: string;
  limit: number;
  /** Scope filter applied inside the query (county/sector/enterprise), from core/scope. */
  visible?: (a: StoredAlert) => boolean;
}

export interface AlertStore {
  /** Loads what the manager keeps in memory at start: every alert that is not archived. */
  loadLive(): StoredAlert[];
  get(id: string): StoredAlert | undefined;
  list(filter: AlertFilter): { alerts: StoredAlert[]; nextCursor: string | null };
  events(id: string): Transition[];
  audit(id: string): AuditEntry[];
  evidence(id: string): Evidence | null;
  /** Atomically: upsert the alert, append its transitions, audits and outbox rows, and the evidence when given. */
  commit(alert: StoredAlert, transitions: readonly Transition[], audits: readonly AuditEntry[], evidence?: Evidence | null): void;
  /** Outbox rows not yet marked published, oldest first; with `afterSeq`, only those after it (the rows a
   * publisher has not yet taken while earlier ones are still in flight). */
  pendingOutbox(limit: number, afterSeq?: number): OutboxRow[];
  /** Marks rows up to and including `seq` as published. */
  markPublished(seq: number): void;
  /** Committed events after `afterSeq` in commit order, at most `limit`: a feed for consumers that keep their own
   * cursor (the InfluxDB writer). Events are never removed from it. */
  eventFeed(afterSeq: number, limit: number): FeedEvent[];
  /** The seq of the newest event in the feed (0 when empty): how far behind a feed consumer is. */
  lastFeedSeq(): number;
  /** A named feed consumer's saved position (0 when it has none). */
  feedCursor(name: string): number;
  /** Saves a feed consumer's position (durable when the store is); it never moves back. */
  saveFeedCursor(name: string, seq: number): void;
  /** Opaque engine checkpoint (rule state plus the journal position it covers). */
  saveCheckpoint(pos: number, state: Uint8Array): void;
  loadCheckpoint(): { pos: number; state: Uint8Array } | null;
  /** Settles once nothing of the store touches its files any more (threads of its own included). */
  close(): void | Promise<void>;
}
