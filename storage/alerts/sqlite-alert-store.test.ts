import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertStoreContract, storedAlert, transitionOf } from '../../rules/alerts/store.contract.ts';
import { SqliteAlertStore } from './sqlite-alert-store.ts';

function open(opts: ConstructorParameters<typeof SqliteAlertStore>[1] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rw-alerts-'));
  const path = join(dir, 'alerts.db');
  let store = new SqliteAlertStore(path, opts);
  return {
    path,
    get store() { return store; },
    reopen: () => { store.close(); store = new SqliteAlertStore(path, opts); return store; },
    cleanup: () => { store.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

alertStoreContract('sqlite', () => {
  const h = open();
  return { store: h.store, reopen: h.reopen, cleanup: h.cleanup };
});

describe('SqliteAlertStore (durability)', () => {
  const handles: ReturnType<typeof open>[] = [];
  afterEach(() => { for (const h of handles.splice(0)) h.cleanup(); });
  const T = Date.UTC(2026, 0, 5);
  const count = (path: string, table: string): number => {
    const raw = new Database(path, { readonly: true });
    try { return raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number; } finally { raw.close(); }
  };

  // Why: a platform's stop() awaits this close, and a test or an operator may remove or reopen the data dir right
  // after. Before, the checkpointer thread could still be closing its connection (checkpoint, WAL and shm files)
  // while the directory was being removed (CI: ENOTEMPTY in app/rules.test.ts's teardown).
  it('with its checkpointer thread, close() settles only after the thread let go: just alerts.db is left, no WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-alerts-'));
    try {
      const store = new SqliteAlertStore(join(dir, 'alerts.db'), { checkpointer: true });
      for (let i = 0; i < 50; i++) {
        const a = storedAlert(`a${i}`);
        store.commit(a, [transitionOf(a, 'raised', T + i)], []);
      }
      await new Promise((r) => setTimeout(r, 300)); // a checkpoint pass or more (every 200 ms) on the thread's connection
      await store.close();
      expect(readdirSync(dir)).toEqual(['alerts.db']);
      expect(count(join(dir, 'alerts.db'), 'alerts')).toBe(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second process opening the file sees every commit of the first, before the first closes', () => {
    const h = open({ fsync: true });
    handles.push(h);
    const a = storedAlert('a1');
    h.store.commit(a, [transitionOf(a, 'raised', T)], []);
    const other = new SqliteAlertStore(h.path);
    try {
      expect(other.get('a1')).toEqual(a);
      expect(other.pendingOutbox(10).map((r) => r.transition.id)).toEqual(['a1']);
    } finally { other.close(); }
  });

  it('a commit that throws halfway leaves no row in any table, also after reopening', () => {
    const h = open();
    handles.push(h);
    const a = storedAlert('a1');
    h.store.commit(a, [transitionOf(a, 'raised', T)], []);
    const b = storedAlert('b1');
    const tb = transitionOf(b, 'raised', T);
    // Alert, event, audit and outbox rows are written before the evidence fails to serialise.
    const badEvidence = { samples: [], rule: { id: 'r', kind: 'threshold', version: 1, source: 'x', clause: null, confidence: 'c', params: { n: 1n } } };
    expect(() => h.store.commit(b, [tb], [{ alertId: 'b1', version: 1, event: 'raised', at: tb.at, actor: null, note: null, data: {} }], badEvidence)).toThrow(/BigInt/);
    const tables = ['alerts', 'events', 'audit', 'evidence', 'outbox'];
    expect(tables.map((t) => count(h.path, t))).toEqual([1, 1, 0, 0, 1]);
    const s = h.reopen();
    expect(s.get('b1')).toBeUndefined();
    expect(s.pendingOutbox(10).map((r) => r.transition.id)).toEqual(['a1']);
  });

  // Why: alerts.db files from before the event feed must feed the InfluxDB writer their past events too.
  it('backfills the event feed of a store created before it, in commit order, once', () => {
    const h = open();
    handles.push(h);
    const a = storedAlert('a1');
    const b = storedAlert('b1');
    h.store.commit(a, [transitionOf(a, 'raised', T)], []);
    h.store.commit(b, [transitionOf(b, 'raised', T + 1)], []);
    h.store.close();
    const raw = new Database(h.path);
    raw.exec('DROP TABLE feed; DROP TABLE feed_cursors;');
    raw.close();
    const s = h.reopen();
    expect(s.eventFeed(0, 10).map((f) => [f.seq, f.transition.id])).toEqual([[1, 'a1'], [2, 'b1']]);
    const c = storedAlert('c1');
    s.commit(c, [transitionOf(c, 'raised', T + 2)], []);
    const again = h.reopen();
    expect(again.eventFeed(0, 10).map((f) => [f.seq, f.transition.id])).toEqual([[1, 'a1'], [2, 'b1'], [3, 'c1']]);
  });

  // Why: the publisher's reads after a commit are served from the rows this connection just wrote (outbox-tail.ts);
  // rows another connection commits, and its marks, must still be seen, in seq order.
  it('serves outbox rows and marks of another connection too, in seq order', () => {
    const h = open();
    handles.push(h);
    const commit = (s: SqliteAlertStore, id: string, i: number) => { const a = storedAlert(id); s.commit(a, [transitionOf(a, 'raised', T + i)], []); };
    commit(h.store, 'a1', 0);
    const [a1] = h.store.pendingOutbox(10);
    expect(a1!.transition.id).toBe('a1');
    const other = new SqliteAlertStore(h.path);
    try {
      commit(other, 'b1', 1);
      expect(h.store.pendingOutbox(10, a1!.seq).map((r) => r.transition.id)).toEqual(['b1']);
      commit(h.store, 'c1', 2);
      expect(h.store.pendingOutbox(10).map((r) => r.transition.id)).toEqual(['a1', 'b1', 'c1']);
      other.markPublished(h.store.pendingOutbox(10)[1]!.seq);
      expect(h.store.pendingOutbox(10).map((r) => r.transition.id)).toEqual(['c1']);
    } finally { other.close(); }
  });

  // Why: rows served from memory must be the reader's own objects, as rows read from the table are.
  it('a row read from the outbox is a copy: changing it changes nothing stored', () => {
    const h = open();
    handles.push(h);
    const a = storedAlert('a1');
    h.store.commit(a, [transitionOf(a, 'raised', T)], []);
    const [row] = h.store.pendingOutbox(10);
    (row!.transition as { message: string }).message = 'changed';
    (row!.state as { level: string }).level = 'red';
    const [again] = h.store.pendingOutbox(10);
    expect(again!.transition.message).not.toBe('changed');
    expect(again!.state).toEqual(a);
    expect(h.reopen().pendingOutbox(10)).toEqual([again]);
  });

  it('deletes published outbox rows beyond the retention, never pending ones', () => {
    const h = open({ keepPublished: 2 });
    handles.push(h);
    for (let i = 0; i < 8; i++) {
      const a = storedAlert(`a${i}`);
      h.store.commit(a, [transitionOf(a, 'raised', T + i)], []);
    }
    const rows = h.store.pendingOutbox(100);
    h.store.markPublished(rows[4]!.seq); // 5 published, 3 pending
    expect(count(h.path, 'outbox')).toBe(2 + 3);
    expect(h.store.pendingOutbox(100).map((r) => r.transition.id)).toEqual(['a5', 'a6', 'a7']);
  });
});
