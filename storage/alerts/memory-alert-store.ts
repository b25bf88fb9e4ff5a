// The alert store in memory, for fast unit tests of the alert manager. Same contract as the SQLite store
// (rules/alerts/store.contract.ts runs against both): everything is kept as JSON text, so reads return
// fresh objects with exactly the round-trip semantics of the SQLite store, and a commit validates and
// serialises everything before it changes anything, so a commit that throws leaves nothing behind.
import type { Transition } from '../../core/alert.ts';
import type { Evidence } from '../../rules/engine/signal.ts';
import type { AlertFilter, AlertStore, AuditEntry, FeedEvent, OutboxRow } from '../../rules/alerts/store.ts';
import type { StoredAlert } from '../../rules/alerts/types.ts';
import {
  CLOSED_HANDLING, checkCommit, checkLimit, decodeCursor, duplicateEvent, encodeCursor, eventMs, lastEventMs,
  olderThan, outboxStates, raisedMs,
} from './schema.ts';

interface Row { doc: string; alert: StoredAlert; updated: number }
interface Outboxed { seq: number; transition: string; state: string | null }

export class MemoryAlertStore implements AlertStore {
  private readonly alerts = new Map<string, Row>();
  /** Per alert: version → event JSON. */
  private readonly eventDocs = new Map<string, Map<number, string>>();
  private readonly auditDocs = new Map<string, string[]>();
  private readonly evidenceDocs = new Map<string, string>();
  /** Unpublished rows only: published ones have nothing left to serve. */
  private outbox: Outboxed[] = [];
  private lastSeq = 0;
  private published = 0;
  private checkpoint: { pos: number; state: Uint8Array } | null = null;
  /** Every committed event in commit order (the feed); seq = index + 1. */
  private readonly feed: string[] = [];
  private readonly feedCursors = new Map<string, number>();

  loadLive(): StoredAlert[] {
    return [...this.alerts.values()].filter((r) => r.alert.handling !== 'archived').map((r) => JSON.parse(r.doc) as StoredAlert);
  }

  get(id: string): StoredAlert | undefined {
    const r = this.alerts.get(id);
    return r ? (JSON.parse(r.doc) as StoredAlert) : undefined;
  }

  list(f: AlertFilter): { alerts: StoredAlert[]; nextCursor: string | null } {
    checkLimit(f.limit);
    const after = f.cursor !== undefined ? decodeCursor(f.cursor) : null;
    const rows = [...this.alerts.values()]
      .filter(({ alert: a, updated }) =>
        (f.state === 'all' || !CLOSED_HANDLING.includes(a.handling)) &&
        (f.level === undefined || a.level === f.level) &&
        (f.kind === undefined || a.kind === f.kind) &&
        (f.enterpriseId === undefined || a.enterpriseId === f.enterpriseId) &&
        (f.siteId === undefined || a.siteId === f.siteId) &&
        (f.handling === undefined || a.handling === f.handling) &&
        (f.sinceMs === undefined || updated >= f.sinceMs) &&
        (after === null || olderThan({ updated, id: a.id }, after)))
      .sort((x, y) => y.updated - x.updated || (x.alert.id < y.alert.id ? 1 : x.alert.id > y.alert.id ? -1 : 0));
    const out: { alert: StoredAlert; updated: number }[] = [];
    for (const r of rows) {
      const a = JSON.parse(r.doc) as StoredAlert;
      if (f.visible && !f.visible(a)) continue;
      out.push({ alert: a, updated: r.updated });
      if (out.length > f.limit) break;
    }
    const lastShown = out[f.limit - 1];
    return {
      alerts: out.slice(0, f.limit).map((r) => r.alert),
      nextCursor: out.length > f.limit && lastShown ? encodeCursor({ updated: lastShown.updated, id: lastShown.alert.id }) : null,
    };
  }

  events(id: string): Transition[] {
    const m = this.eventDocs.get(id);
    if (!m) return [];
    return [...m.entries()].sort(([a], [b]) => a - b).map(([, d]) => JSON.parse(d) as Transition);
  }

  audit(id: string): AuditEntry[] {
    return (this.auditDocs.get(id) ?? []).map((d) => JSON.parse(d) as AuditEntry);
  }

  evidence(id: string): Evidence | null {
    const d = this.evidenceDocs.get(id);
    return d === undefined ? null : (JSON.parse(d) as Evidence);
  }

  commit(alert: StoredAlert, transitions: readonly Transition[], audits: readonly AuditEntry[], evidence?: Evidence | null): void {
    // Validate and serialise first (anything here may throw), then apply, which cannot.
    checkCommit(alert, transitions, audits);
    const known = this.eventDocs.get(alert.id);
    for (const t of transitions) if (known?.has(t.version)) throw duplicateEvent(alert.id, t.version);
    const doc = JSON.stringify(alert);
    const prev = this.alerts.get(alert.id);
    const updated = lastEventMs(transitions) ?? prev?.updated ?? raisedMs(alert);
    for (const t of transitions) eventMs(t); // an event without a valid `at` fails as in the SQLite store
    const events = transitions.map((t) => ({ version: t.version, doc: JSON.stringify(t) }));
    const auditDocs = audits.map((e) => JSON.stringify(e));
    const states = outboxStates(alert, transitions);
    const outDocs = transitions.map((t, i) => {
      const st = states[i];
      return { transition: JSON.stringify(t), state: st ? JSON.stringify(st) : null };
    });
    const evidenceDoc = evidence ? JSON.stringify(evidence) : null;

    this.alerts.set(alert.id, { doc, alert: JSON.parse(doc) as StoredAlert, updated });
    let m = known;
    if (!m) this.eventDocs.set(alert.id, (m = new Map()));
    for (const e of events) m.set(e.version, e.doc);
    const trail = this.auditDocs.get(alert.id) ?? [];
    this.auditDocs.set(alert.id, trail);
    trail.push(...auditDocs);
    for (const o of outDocs) this.outbox.push({ seq: ++this.lastSeq, ...o });
    for (const e of events) this.feed.push(e.doc);
    if (evidenceDoc !== null && !this.evidenceDocs.has(alert.id)) this.evidenceDocs.set(alert.id, evidenceDoc);
  }

  pendingOutbox(limit: number, afterSeq = 0): OutboxRow[] {
    checkLimit(limit);
    const rows = afterSeq > 0 ? this.outbox.filter((r) => r.seq > afterSeq) : this.outbox;
    return rows.slice(0, limit).map((r) => ({
      seq: r.seq,
      transition: JSON.parse(r.transition) as Transition,
      state: r.state === null ? null : (JSON.parse(r.state) as StoredAlert),
    }));
  }

  markPublished(seq: number): void {
    // Never beyond the last seq issued, so a stray mark cannot swallow rows committed later.
    this.published = Math.max(this.published, Math.min(seq, this.lastSeq));
    let n = 0;
    while (n < this.outbox.length && this.outbox[n]!.seq <= this.published) n++;
    if (n > 0) this.outbox = this.outbox.slice(n);
  }

  eventFeed(afterSeq: number, limit: number): FeedEvent[] {
    checkLimit(limit);
    const from = Math.max(0, Math.floor(afterSeq));
    return this.feed.slice(from, from + limit).map((doc, i) => ({ seq: from + i + 1, transition: JSON.parse(doc) as Transition }));
  }

  lastFeedSeq(): number {
    return this.feed.length;
  }

  feedCursor(name: string): number {
    return this.feedCursors.get(name) ?? 0;
  }

  saveFeedCursor(name: string, seq: number): void {
    this.feedCursors.set(name, Math.max(seq, this.feedCursors.get(name) ?? 0));
  }

  saveCheckpoint(pos: number, state: Uint8Array): void {
    this.checkpoint = { pos, state: new Uint8Array(state) };
  }

  loadCheckpoint(): { pos: number; state: Uint8Array } | null {
    return this.checkpoint ? { pos: this.checkpoint.pos, state: new Uint8Array(this.checkpoint.state) } : null;
  }

  close(): void {}
}
