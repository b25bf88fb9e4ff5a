// The alert store's layout (architecture.md "Platform state") and the few derivations both implementations
// of rules/alerts/store.ts share, so that SQLite and memory agree by construction on what a commit stores:
// the `updated` sort key, the outbox `state` of each event, the list cursor, and what makes a commit invalid.
//
// Tables:
// - alerts: the StoredAlert as JSON plus the columns lists filter and sort on. `updated` is the epoch ms of
//   the alert's last event (lists are newest first by it, contract.md "HTTP API").
// - events, audit: append-only; (alert, version) is unique, a repeat is a bug upstream and fails the commit.
//   (Ordinary rowid tables: event documents are far larger than the 1/20 page WITHOUT ROWID suits.)
// - evidence: the first snapshot of an alert is kept (domain.md §3.2 "判定依据留痕": the evidence of the
//   decision that raised it, not of later ones).
// - outbox: one row per event in commit order (contract.md "Delivery"); `outbox_cursor.published` is the
//   highest seq published, so the pending tail is a primary-key range scan. Published rows are kept for the
//   last OUTBOX_KEEP_PUBLISHED seqs (for inspection after an incident), then deleted.
// - checkpoint: one row, replaced on each save.
// - feed: one row per event in commit order (AlertStore.eventFeed), an INTEGER PRIMARY KEY AUTOINCREMENT so
//   its seq never changes (a VACUUM may renumber the implicit rowids of `events`); feed_cursors: the
//   position of each feed consumer (the InfluxDB writer's `influx`). A store created before the feed existed
//   is backfilled once at open, in rowid (= commit) order.
import type { HandlingState, Transition } from '../../core/alert.ts';
import { RwError } from '../../core/errors.ts';
import type { AuditEntry } from '../../rules/alerts/store.ts';
import type { StoredAlert } from '../../rules/alerts/types.ts';

export const ALERTS_DDL = `
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, doc TEXT NOT NULL,
  handling TEXT NOT NULL, level TEXT NOT NULL, kind TEXT NOT NULL,
  enterprise TEXT, site TEXT, county TEXT, sector TEXT,
  updated INTEGER NOT NULL, raised INTEGER NOT NULL, archived INTEGER
);
CREATE INDEX IF NOT EXISTS alerts_recent ON alerts(updated, id);
CREATE INDEX IF NOT EXISTS alerts_enterprise ON alerts(enterprise, updated, id);
CREATE INDEX IF NOT EXISTS alerts_live ON alerts(id) WHERE handling <> 'archived';
CREATE TABLE IF NOT EXISTS events (
  alert TEXT NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (alert, version)
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, alert TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_alert ON audit(alert, seq);
CREATE TABLE IF NOT EXISTS evidence (alert TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, transition TEXT NOT NULL, state TEXT
);
CREATE TABLE IF NOT EXISTS outbox_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), published INTEGER NOT NULL);
INSERT OR IGNORE INTO outbox_cursor (id, published) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), pos INTEGER NOT NULL, state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, alert TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS feed_cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
`;

/** Fills the feed of a store created before it existed (run at open; a no-op once the feed has rows). */
export const FEED_BACKFILL = `
INSERT INTO feed (alert, version)
  SELECT alert, version FROM events WHERE NOT EXISTS (SELECT 1 FROM feed LIMIT 1) ORDER BY rowid;
`;

/** Published outbox rows kept after publishing (by seq), before they are deleted. */
export const OUTBOX_KEEP_PUBLISHED = 10_000;

/** `state: 'open'` in a filter: neither cleared nor archived (rules/alerts/store.ts AlertFilter). */
export const CLOSED_HANDLING: readonly HandlingState[] = ['cleared', 'archived'];

function epochMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RwError('RW_ERR_INTERNAL', `alert store: ${what} is not a timestamp: ${JSON.stringify(iso)}`);
  return ms;
}

export const raisedMs = (a: StoredAlert): number => epochMs(a.raisedAt, 'raisedAt');

/** Epoch ms of an event (its `at`). */
export const eventMs = (t: Transition): number => epochMs(t.at, 'transition.at');

/** The `updated` key a commit sets: the time of its last event, or null for a commit without events, which
 * keeps the previous value (a new alert without events sorts by its raise time). */
export function lastEventMs(transitions: readonly Transition[]): number | null {
  const last = transitions[transitions.length - 1];
  return last ? eventMs(last) : null;
}

/**
 * The retained alert-state of each event's outbox row (contract.md "Current state"): null for `archived`
 * (the retained topic is emptied); the committed alert for the commit's last event; for an earlier event
 * of the same commit, the committed alert with the public fields the event carries (version, level,
 * handling, tier, deadline …), so each row's state is that of its own version.
 */
export function outboxStates(a: StoredAlert, transitions: readonly Transition[]): (StoredAlert | null)[] {
  return transitions.map((t, i) => {
    if (t.event === 'archived') return null;
    if (i === transitions.length - 1) return a;
    const { eventId: _e, event: _n, levelNo: _l, previousLevel: _p, at: _a, ...fields } = t;
    return { ...a, ...fields };
  });
}

/** What makes a commit a bug upstream, checked before anything is written. The (id, version) uniqueness
 * against what is already stored is checked by each store (SQLite: the events primary key). */
export function checkCommit(a: StoredAlert, transitions: readonly Transition[], audits: readonly AuditEntry[]): void {
  const seen = new Set<number>();
  for (const t of transitions) {
    if (t.id !== a.id) throw new RwError('RW_ERR_INTERNAL', `alert store: transition of ${t.id} committed with alert ${a.id}`);
    if (seen.has(t.version)) throw duplicateEvent(a.id, t.version);
    seen.add(t.version);
  }
  for (const e of audits) {
    if (e.alertId !== a.id) throw new RwError('RW_ERR_INTERNAL', `alert store: audit entry of ${e.alertId} committed with alert ${a.id}`);
  }
}

export const duplicateEvent = (id: string, version: number): RwError =>
  new RwError('RW_ERR_INTERNAL', `alert store: duplicate event ${id} v${version}`, { id, version });

// ---- list cursor -----------------------------------------------------------------------------------
// Keyset pagination, newest first by (updated, id): a page holds rows strictly older than the cursor, so
// alerts changing between pages never cause a repeat within the same sort key, and ties on `updated` are
// split by id. Ids compare as in SQLite's BINARY collation, which equals JS `<` for the ASCII ids of
// contract.md "Identifiers".

export interface CursorKey { updated: number; id: string }

export function encodeCursor(k: CursorKey): string {
  return Buffer.from(JSON.stringify([k.updated, k.id])).toString('base64url');
}

export function decodeCursor(s: string): CursorKey {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 2 || !Number.isSafeInteger(v[0]) || typeof v[1] !== 'string') {
    throw new RwError('RW_ERR_VALIDATION', 'invalid cursor', { cursor: s });
  }
  return { updated: v[0] as number, id: v[1] as string };
}

/** True when (updated, id) sorts strictly after the cursor in newest-first order. */
export const olderThan = (k: CursorKey, c: CursorKey): boolean => k.updated < c.updated || (k.updated === c.updated && k.id < c.id);

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RwError('RW_ERR_VALIDATION', `alert store: list limit must be a positive integer, got ${limit}`);
}
