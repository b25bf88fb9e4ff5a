// The AlertStore contract suite (architecture.md rule 7): every implementation of rules/alerts/store.ts
// runs it (storage/alerts/*-alert-store.test.ts: memory and SQLite now, PostgreSQL later), so they are
// interchangeable under the alert manager. Fixtures come from the small factory below.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertEventName, Transition } from '../../core/alert.ts';
import type { LevelName } from '../../core/level.ts';
import type { Evidence } from '../engine/signal.ts';
import type { AlertFilter, AlertStore, AuditEntry } from './store.ts';
import type { StoredAlert } from './types.ts';

// ---- fixtures ----------------------------------------------------------------------------------------

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const LEVEL_NO: Record<LevelName, 1 | 2 | 3 | 4> = { red: 1, orange: 2, yellow: 3, blue: 4 };

/** A StoredAlert at version 1, raised at `T0` unless `over` says otherwise. */
export function storedAlert(id: string, over: Partial<StoredAlert> = {}): StoredAlert {
  return {
    id, version: 1, kind: 'process', level: 'orange', nativeAlarm: null, condition: 'active', handling: 'open',
    retrospective: false, enterpriseId: 'e1', siteId: 's1', sensorId: 'gas-01', metric: 'lel', parentId: null,
    rule: 'gas_combustible.threshold', ruleVersion: 1, thresholdSource: 'design', value: 30, threshold: 25, unit: '%LEL',
    ackByEnterprise: null, ackByCentre: null, deadline: null, tier: 0, message: '可燃气体浓度 30 %LEL，超过报警值 25 %LEL',
    raisedAt: iso(T0), key: `e1/s1/gas-01/${id}`, deadlineMs: null, deadlineKind: null, overdueSent: false,
    nextTierAtMs: null, verdict: null, clearReason: null, clearedAtMs: null, suppressUntilMs: null, recoveredAtMs: null,
    flaps: 0, flapWindowStartMs: T0, flapping: false, lastPos: 0, touched: false, county: '530802', sector: 'hazchem',
    archivedAtMs: null, ...over,
  };
}

/** The event that brought `a` to its current version. */
export function transitionOf(a: StoredAlert, event: AlertEventName, atMs: number, previousLevel: LevelName | null = null): Transition {
  const {
    key: _k, deadlineMs: _d, deadlineKind: _dk, overdueSent: _o, nextTierAtMs: _n, verdict: _v, clearReason: _c,
    clearedAtMs: _ca, suppressUntilMs: _s, recoveredAtMs: _r, flaps: _f, flapWindowStartMs: _fw, flapping: _fl,
    lastPos: _p, touched: _t, county: _co, sector: _se, archivedAtMs: _a, ...alert
  } = a;
  return { ...alert, eventId: `${a.id}#${a.version}`, event, levelNo: LEVEL_NO[a.level], previousLevel, at: iso(atMs) };
}

const auditOf = (t: Transition): AuditEntry => ({
  alertId: t.id, version: t.version, event: t.event, at: t.at,
  actor: t.event === 'acknowledged' ? { username: 'zhang', name: '张工', party: 'enterprise' } : null,
  note: t.event === 'acknowledged' ? '已到现场' : null, data: { handling: t.handling },
});

const evidenceOf = (value: number): Evidence => ({
  samples: [{ ts: T0 - 1000, value, quality: 'ok' }, { ts: T0, value: value + 1, quality: 'ok' }],
  rule: { id: 'gas_combustible.threshold', kind: 'threshold', version: 1, source: 'GB/T 50493-2019', clause: '§5.5.2', confidence: 'standard', params: { high: 25 } },
});

interface Step { event: AlertEventName; at: number; set?: Partial<StoredAlert> }

/** Commits `raised` for a new alert (with audit and evidence) and returns it. */
function raise(store: AlertStore, id: string, at: number, set: Partial<StoredAlert> = {}, evidence: Evidence | null = evidenceOf(30)): StoredAlert {
  const a = storedAlert(id, { raisedAt: iso(at), ...set });
  const t = transitionOf(a, 'raised', at);
  store.commit(a, [t], [auditOf(t)], evidence);
  return a;
}

/** Applies `steps` to `a` (one version each) and commits them as one commit; returns the final alert. */
function act(store: AlertStore, a: StoredAlert, steps: readonly Step[], evidence?: Evidence | null): StoredAlert {
  const { alert, transitions } = play(a, steps);
  store.commit(alert, transitions, transitions.map(auditOf), evidence);
  return alert;
}

function play(a: StoredAlert, steps: readonly Step[]): { alert: StoredAlert; transitions: Transition[] } {
  const transitions: Transition[] = [];
  let cur = a;
  for (const s of steps) {
    const prev = cur;
    cur = { ...cur, ...s.set, version: cur.version + 1 };
    transitions.push(transitionOf(cur, s.event, s.at, prev.level !== cur.level ? prev.level : null));
  }
  return { alert: cur, transitions };
}

const ids = (alerts: readonly { id: string }[]): string[] => alerts.map((a) => a.id);
const versions = (ts: readonly Transition[]): number[] => ts.map((t) => t.version);

/** Every page of a list, following cursors; fails on a runaway loop. */
function allPages(store: AlertStore, f: Omit<AlertFilter, 'cursor'>): { pages: string[][]; cursors: (string | null)[] } {
  const pages: string[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const r = store.list({ ...f, ...(cursor !== undefined ? { cursor } : {}) });
    pages.push(ids(r.alerts));
    cursors.push(r.nextCursor);
    if (r.nextCursor === null) return { pages, cursors };
    cursor = r.nextCursor;
  }
  throw new Error('list pagination did not end');
}

// ---- the suite -----------------------------------------------------------------------------------------

export function alertStoreContract(name: string, make: () => { store: AlertStore; reopen?: () => AlertStore; cleanup: () => void }): void {
  // Whether the implementation is durable (offers `reopen`): probed once, so that the reopen test is
  // registered only where it means something.
  const probe = make();
  const durable = probe.reopen !== undefined;
  probe.cleanup();

  describe(`AlertStore contract: ${name}`, () => {
    let h: ReturnType<typeof make>;
    let store: AlertStore;
    beforeEach(() => {
      h = make();
      store = h.store;
    });
    afterEach(() => h.cleanup());

    describe('commit and read back', () => {
      it('returns the committed alert, its events, audit trail and evidence', () => {
        const a = raise(store, 'a1', T0);
        expect(store.get('a1')).toEqual(a);
        expect(store.events('a1')).toEqual([transitionOf(a, 'raised', T0)]);
        expect(store.audit('a1')).toEqual([auditOf(transitionOf(a, 'raised', T0))]);
        expect(store.evidence('a1')).toEqual(evidenceOf(30));
      });

      it('knows nothing of an alert never committed', () => {
        raise(store, 'a1', T0);
        expect(store.get('nope')).toBeUndefined();
        expect(store.events('nope')).toEqual([]);
        expect(store.audit('nope')).toEqual([]);
        expect(store.evidence('nope')).toBeNull();
      });

      it('hands out copies: changing a returned alert does not change the store', () => {
        raise(store, 'a1', T0);
        const got = store.get('a1')!;
        got.handling = 'archived';
        expect(store.get('a1')!.handling).toBe('open');
      });

      it('replaces the alert on each commit and keeps events in version order', () => {
        const a1 = raise(store, 'a1', T0);
        const a2 = act(store, a1, [{ event: 'acknowledged', at: T0 + 60_000, set: { handling: 'acknowledged', ackByEnterprise: 'zhang', touched: true } }]);
        const a4 = act(store, a2, [
          { event: 'level_up', at: T0 + 120_000, set: { level: 'red' } },
          { event: 'assessed', at: T0 + 180_000, set: { handling: 'assessed', verdict: 'real' } },
        ]);
        expect(store.get('a1')).toEqual(a4);
        expect(versions(store.events('a1'))).toEqual([1, 2, 3, 4]);
        expect(store.events('a1').map((t) => t.event)).toEqual(['raised', 'acknowledged', 'level_up', 'assessed']);
        expect(store.events('a1')[2]!.previousLevel).toBe('orange');
        expect(store.audit('a1').map((e) => [e.version, e.event])).toEqual([[1, 'raised'], [2, 'acknowledged'], [3, 'level_up'], [4, 'assessed']]);
        expect(store.audit('a1')[1]!.actor).toEqual({ username: 'zhang', name: '张工', party: 'enterprise' });
      });

      it('keeps the first evidence of an alert (the decision that raised it)', () => {
        const a = raise(store, 'a1', T0, {}, evidenceOf(30));
        act(store, a, [{ event: 'level_up', at: T0 + 1000, set: { level: 'red' } }], evidenceOf(99));
        expect(store.evidence('a1')).toEqual(evidenceOf(30));
      });

      it('stores evidence that arrives after the raise when there was none', () => {
        const a = raise(store, 'a1', T0, {}, null);
        expect(store.evidence('a1')).toBeNull();
        act(store, a, [{ event: 'level_up', at: T0 + 1000, set: { level: 'red' } }], evidenceOf(50));
        expect(store.evidence('a1')).toEqual(evidenceOf(50));
      });

      it('accepts a commit without events (bookkeeping only) and queues nothing for it', () => {
        const a = raise(store, 'a1', T0);
        const before = store.pendingOutbox(100).length;
        const b = { ...a, lastPos: 42, suppressUntilMs: T0 + 5000 };
        store.commit(b, [], []);
        expect(store.get('a1')).toEqual(b);
        expect(store.pendingOutbox(100)).toHaveLength(before);
        expect(versions(store.events('a1'))).toEqual([1]);
      });
    });

    describe('a rejected commit leaves nothing behind', () => {
      // Each case: a commit of a2 → v3 (with evidence, first for this alert) that must fail as a whole.
      const cases: { why: string; build: (a2: StoredAlert) => { alert: StoredAlert; transitions: Transition[] }; evidence?: Evidence; error: RegExp }[] = [
        {
          why: 'v2 is already stored: a duplicate (id, version) is a bug upstream, even after a valid v3 in the same commit',
          build: (a2) => { const p = play(a2, [{ event: 'assessed', at: T0 + 3000, set: { handling: 'assessed' } }]); return { alert: p.alert, transitions: [...p.transitions, transitionOf(a2, 'acknowledged', T0 + 2000)] }; },
          error: /duplicate event a1 v2/,
        },
        {
          why: 'the same version twice within one commit',
          build: (a2) => { const p = play(a2, [{ event: 'assessed', at: T0 + 3000 }]); return { alert: p.alert, transitions: [p.transitions[0]!, p.transitions[0]!] }; },
          error: /duplicate event a1 v3/,
        },
        {
          why: 'a transition of another alert committed with this one',
          build: (a2) => { const p = play(a2, [{ event: 'assessed', at: T0 + 3000 }]); return { alert: p.alert, transitions: [...p.transitions, transitionOf(storedAlert('zz'), 'raised', T0)] }; },
          error: /transition of zz/,
        },
        {
          why: 'an event whose `at` is not a timestamp',
          build: (a2) => { const p = play(a2, [{ event: 'assessed', at: T0 + 3000 }]); return { alert: p.alert, transitions: [{ ...p.transitions[0]!, at: 'yesterday' }] }; },
          error: /not a timestamp/,
        },
        {
          why: 'evidence that cannot be serialised fails after the alert, events, audits and outbox rows were written',
          build: (a2) => play(a2, [{ event: 'assessed', at: T0 + 3000, set: { handling: 'assessed' } }]),
          evidence: { ...evidenceOf(1), rule: { ...evidenceOf(1).rule, params: { big: 10n } } },
          error: /BigInt/,
        },
      ];
      for (const c of cases) {
        it(c.why, () => {
          const a1 = raise(store, 'a1', T0, {}, null);
          const a2 = act(store, a1, [{ event: 'acknowledged', at: T0 + 2000, set: { handling: 'acknowledged' } }]);
          const before = { events: store.events('a1'), audit: store.audit('a1'), outbox: store.pendingOutbox(100), live: store.loadLive() };
          const bad = c.build(a2);
          expect(() => store.commit(bad.alert, bad.transitions, bad.transitions.map(auditOf), c.evidence ?? evidenceOf(7))).toThrow(c.error);
          expect(store.get('a1')).toEqual(a2);
          expect(store.events('a1')).toEqual(before.events);
          expect(store.audit('a1')).toEqual(before.audit);
          expect(store.pendingOutbox(100)).toEqual(before.outbox);
          expect(store.eventFeed(0, 100).map((f) => [f.transition.id, f.transition.version])).toEqual([['a1', 1], ['a1', 2]]);
          expect(store.loadLive()).toEqual(before.live);
          expect(store.evidence('a1')).toBeNull();
          expect(store.list({ state: 'all', limit: 10 }).alerts).toEqual([a2]);
          // The store is still usable: the correct next commit goes through.
          const a3 = act(store, a2, [{ event: 'assessed', at: T0 + 3000, set: { handling: 'assessed' } }]);
          expect(store.get('a1')).toEqual(a3);
          expect(versions(store.events('a1'))).toEqual([1, 2, 3]);
        });
      }
    });

    describe('outbox', () => {
      it('queues one row per event in commit order, across alerts, with strictly increasing seq', () => {
        const a = raise(store, 'a', T0);
        const b = raise(store, 'b', T0 + 1);
        act(store, a, [{ event: 'acknowledged', at: T0 + 2, set: { handling: 'acknowledged' } }]);
        act(store, b, [{ event: 'level_up', at: T0 + 3, set: { level: 'red' } }, { event: 'overdue', at: T0 + 4, set: { overdueSent: true } }]);
        const rows = store.pendingOutbox(100);
        expect(rows.map((r) => [r.transition.id, r.transition.version, r.transition.event])).toEqual([
          ['a', 1, 'raised'], ['b', 1, 'raised'], ['a', 2, 'acknowledged'], ['b', 2, 'level_up'], ['b', 3, 'overdue'],
        ]);
        for (let i = 1; i < rows.length; i++) expect(rows[i]!.seq).toBeGreaterThan(rows[i - 1]!.seq);
      });

      it("gives each row the alert as of its own event; the commit's last row carries the committed alert", () => {
        const a = raise(store, 'a', T0);
        const final = act(store, a, [
          { event: 'level_up', at: T0 + 1, set: { level: 'red', tier: 1 } },
          { event: 'acknowledged', at: T0 + 2, set: { handling: 'acknowledged', ackByEnterprise: 'zhang' } },
        ]);
        const rows = store.pendingOutbox(100);
        expect(rows.map((r) => [r.state?.version, r.state?.level, r.state?.handling])).toEqual([
          [1, 'orange', 'open'], [2, 'red', 'open'], [3, 'red', 'acknowledged'],
        ]);
        expect(rows[0]!.state).toEqual(a);
        expect(rows[2]!.state).toEqual(final);
      });

      it('carries a null state for `archived` (the retained alert-state topic is emptied)', () => {
        const a = raise(store, 'a', T0);
        act(store, a, [
          { event: 'recovered', at: T0 + 1, set: { condition: 'recovered', handling: 'cleared' } },
          { event: 'archived', at: T0 + 2, set: { handling: 'archived', archivedAtMs: T0 + 2 } },
        ]);
        const rows = store.pendingOutbox(100);
        expect(rows.map((r) => [r.transition.event, r.state?.handling ?? null])).toEqual([['raised', 'open'], ['recovered', 'cleared'], ['archived', null]]);
      });

      it('serves the oldest rows first up to the limit, and markPublished moves past them', () => {
        for (let i = 0; i < 5; i++) raise(store, `a${i}`, T0 + i);
        const first = store.pendingOutbox(2);
        expect(first.map((r) => r.transition.id)).toEqual(['a0', 'a1']);
        store.markPublished(first[1]!.seq);
        expect(store.pendingOutbox(100).map((r) => r.transition.id)).toEqual(['a2', 'a3', 'a4']);
      });

      it('serves only the rows after `afterSeq` when given, still never a published one', () => {
        for (let i = 0; i < 5; i++) raise(store, `a${i}`, T0 + i);
        const rows = store.pendingOutbox(100);
        expect(store.pendingOutbox(2, rows[1]!.seq).map((r) => r.transition.id)).toEqual(['a2', 'a3']);
        store.markPublished(rows[3]!.seq);
        expect(store.pendingOutbox(100, rows[1]!.seq).map((r) => r.transition.id)).toEqual(['a4']);
        expect(store.pendingOutbox(100, 0).map((r) => r.transition.id)).toEqual(['a4']);
      });

      it('never goes back: marking an older seq again changes nothing', () => {
        for (let i = 0; i < 3; i++) raise(store, `a${i}`, T0 + i);
        const rows = store.pendingOutbox(100);
        store.markPublished(rows[1]!.seq);
        store.markPublished(rows[0]!.seq);
        expect(store.pendingOutbox(100).map((r) => r.seq)).toEqual([rows[2]!.seq]);
      });

      it('a mark beyond the tail does not swallow rows committed later', () => {
        raise(store, 'a0', T0);
        const [row] = store.pendingOutbox(1);
        store.markPublished(row!.seq + 1000);
        expect(store.pendingOutbox(100)).toEqual([]);
        raise(store, 'a1', T0 + 1);
        expect(store.pendingOutbox(100).map((r) => r.transition.id)).toEqual(['a1']);
        expect(store.pendingOutbox(100)[0]!.seq).toBeGreaterThan(row!.seq);
      });
    });

    describe('list', () => {
      // Six alerts, one per second, covering every filter; `updated` is the time of each one's last event.
      const S = 1000;
      const dataset = (): void => {
        raise(store, 'd1', T0 + 1 * S, { level: 'red', enterpriseId: 'e1', siteId: 's1' });
        act(store, raise(store, 'd2', T0, { level: 'orange', kind: 'device', enterpriseId: 'e1', siteId: 's2' }),
          [{ event: 'acknowledged', at: T0 + 2 * S, set: { handling: 'acknowledged' } }]);
        raise(store, 'd3', T0 + 3 * S, { level: 'yellow', enterpriseId: 'e2', siteId: 's9', handling: 'cleared' });
        raise(store, 'd4', T0 + 4 * S, { level: 'blue', enterpriseId: 'e2', siteId: 's9', handling: 'archived' });
        raise(store, 'd5', T0 + 5 * S, { level: 'red', kind: 'system', enterpriseId: null, siteId: null, handling: 'handling' });
        raise(store, 'd6', T0 + 6 * S, { level: 'orange', enterpriseId: 'e1', siteId: 's1', handling: 'feedback' });
      };
      const cases: { why: string; f: Omit<AlertFilter, 'limit'>; want: string[] }[] = [
        { why: 'all: everything, newest first by last event (d2 sorts by its ack, not its raise)', f: { state: 'all' }, want: ['d6', 'd5', 'd4', 'd3', 'd2', 'd1'] },
        { why: 'open hides cleared and archived', f: { state: 'open' }, want: ['d6', 'd5', 'd2', 'd1'] },
        { why: 'by level', f: { state: 'all', level: 'red' }, want: ['d5', 'd1'] },
        { why: 'by kind', f: { state: 'all', kind: 'process' }, want: ['d6', 'd4', 'd3', 'd1'] },
        { why: 'by enterprise', f: { state: 'all', enterpriseId: 'e1' }, want: ['d6', 'd2', 'd1'] },
        { why: 'by enterprise and site', f: { state: 'all', enterpriseId: 'e1', siteId: 's1' }, want: ['d6', 'd1'] },
        { why: 'by handling', f: { state: 'all', handling: 'cleared' }, want: ['d3'] },
        { why: 'handling and open both apply', f: { state: 'open', handling: 'cleared' }, want: [] },
        { why: 'since is inclusive', f: { state: 'all', sinceMs: T0 + 4 * S }, want: ['d6', 'd5', 'd4'] },
        { why: 'open in an enterprise whose alerts are all closed', f: { state: 'open', enterpriseId: 'e2' }, want: [] },
        { why: 'filters combine', f: { state: 'open', level: 'orange', sinceMs: T0 + 3 * S }, want: ['d6'] },
        { why: 'the scope predicate applies after the query', f: { state: 'all', visible: (a) => a.enterpriseId === 'e2' || a.kind === 'system' }, want: ['d5', 'd4', 'd3'] },
      ];
      for (const c of cases) {
        it(c.why, () => {
          dataset();
          const r = store.list({ ...c.f, limit: 50 });
          expect(ids(r.alerts)).toEqual(c.want);
          expect(r.nextCursor).toBeNull();
        });
      }

      it('a commit without events keeps the alert where it was in the order', () => {
        dataset();
        const d1 = store.get('d1')!;
        store.commit({ ...d1, lastPos: 9 }, [], []);
        expect(ids(store.list({ state: 'all', limit: 50 }).alerts)).toEqual(['d6', 'd5', 'd4', 'd3', 'd2', 'd1']);
      });

      // 250 alerts over 10 distinct times: ties on `updated` are split by id, newest first.
      const N = 250;
      const idOf = (i: number): string => `a${String(i).padStart(3, '0')}`;
      const atOf = (i: number): number => T0 + (i % 10) * S;
      const many = (): string[] => {
        for (let i = 0; i < N; i++) raise(store, idOf(i), atOf(i), {}, null);
        return Array.from({ length: N }, (_, i) => i)
          .sort((x, y) => atOf(y) - atOf(x) || (idOf(x) < idOf(y) ? 1 : -1))
          .map(idOf);
      };

      const pagings: { why: string; limit: number }[] = [
        { why: 'a page size that does not divide the total', limit: 7 },
        { why: 'a page size equal to a tie group', limit: 25 },
        { why: 'one page holding exactly everything ends without a cursor', limit: N },
        { why: 'one short of everything leaves one row for a last page', limit: N - 1 },
        { why: 'a page of one row', limit: 1 },
      ];
      for (const p of pagings) {
        it(`cursor pagination over ${N} alerts with ties, no duplicates or gaps: ${p.why}`, () => {
          const want = many();
          const { pages, cursors } = allPages(store, { state: 'all', limit: p.limit });
          expect(pages.flat()).toEqual(want);
          expect(pages.slice(0, -1).every((pg) => pg.length === p.limit)).toBe(true);
          expect(pages.at(-1)!.length).toBeGreaterThan(0);
          expect(cursors.at(-1)).toBeNull();
        });
      }

      it('pages stay stable when an alert already shown moves to the top', () => {
        const want = many();
        const first = store.list({ state: 'all', limit: 10 });
        const moved = store.get(first.alerts[3]!.id)!;
        act(store, moved, [{ event: 'acknowledged', at: T0 + 100 * S, set: { handling: 'acknowledged' } }]);
        const rest = allPages(store, { state: 'all', limit: 10 });
        // Continuing from the cursor: the rest in order, without the moved alert (it is now newer).
        const second = store.list({ state: 'all', limit: 300, cursor: first.nextCursor! });
        expect(ids(second.alerts)).toEqual(want.slice(10));
        expect(rest.pages.flat()[0]).toBe(moved.id);
      });

      const visibles: { why: string; visible: (a: StoredAlert) => boolean; limit: number }[] = [
        { why: 'every fifth alert visible, pages of 3', visible: (a) => Number(a.id.slice(1)) % 5 === 0, limit: 3 },
        { why: 'a single visible alert at the very end of the order (fetching continues past many hidden rows)', visible: (a) => a.id === 'a240', limit: 5 },
        { why: 'visible rows more than one page apart', visible: (a) => ['a009', 'a130', 'a240'].includes(a.id), limit: 1 },
      ];
      for (const v of visibles) {
        it(`visible with limit: ${v.why}`, () => {
          const want = many().filter((id) => v.visible(storedAlert(id)));
          const { pages, cursors } = allPages(store, { state: 'all', limit: v.limit, visible: v.visible });
          expect(pages.flat()).toEqual(want);
          expect(pages.every((pg) => pg.length <= v.limit)).toBe(true);
          expect(pages.slice(0, -1).every((pg) => pg.length === v.limit)).toBe(true);
          expect(cursors.at(-1)).toBeNull();
        });
      }

      it('nothing visible: an empty page and no cursor', () => {
        many();
        expect(store.list({ state: 'all', limit: 10, visible: () => false })).toEqual({ alerts: [], nextCursor: null });
      });

      it('a cursor that was not issued by the store is refused', () => {
        dataset();
        expect(() => store.list({ state: 'all', limit: 10, cursor: 'not-a-cursor' })).toThrow(/invalid cursor/);
      });
    });

    describe('loadLive', () => {
      it('returns every alert that is not archived, cleared ones included', () => {
        raise(store, 'open', T0);
        raise(store, 'cleared', T0, { handling: 'cleared' });
        const gone = raise(store, 'goes', T0);
        raise(store, 'old', T0, { handling: 'archived' });
        act(store, gone, [{ event: 'archived', at: T0 + 1, set: { handling: 'archived', archivedAtMs: T0 + 1 } }]);
        expect(ids(store.loadLive()).sort()).toEqual(['cleared', 'open']);
        expect(store.get('goes')!.handling).toBe('archived');
      });
    });

    describe('event feed', () => {
      it('serves every committed event in commit order, across alerts, with strictly increasing seq', () => {
        const a = raise(store, 'a', T0);
        const b = raise(store, 'b', T0 + 1);
        act(store, a, [{ event: 'acknowledged', at: T0 + 2, set: { handling: 'acknowledged' } }]);
        act(store, b, [{ event: 'level_up', at: T0 + 3, set: { level: 'red' } }, { event: 'overdue', at: T0 + 4, set: { overdueSent: true } }]);
        const feed = store.eventFeed(0, 100);
        expect(feed.map((f) => [f.transition.id, f.transition.version, f.transition.event])).toEqual([
          ['a', 1, 'raised'], ['b', 1, 'raised'], ['a', 2, 'acknowledged'], ['b', 2, 'level_up'], ['b', 3, 'overdue'],
        ]);
        for (let i = 1; i < feed.length; i++) expect(feed[i]!.seq).toBeGreaterThan(feed[i - 1]!.seq);
        expect(feed[3]!.transition).toEqual(store.events('b')[1]);
        expect(store.lastFeedSeq()).toBe(feed.at(-1)!.seq);
      });

      it('pages after a seq, up to the limit, and keeps serving events once their outbox rows are published', () => {
        for (let i = 0; i < 5; i++) raise(store, `a${i}`, T0 + i);
        store.markPublished(store.pendingOutbox(100).at(-1)!.seq);
        const all = store.eventFeed(0, 100);
        expect(store.eventFeed(0, 2)).toEqual(all.slice(0, 2));
        expect(store.eventFeed(all[1]!.seq, 2)).toEqual(all.slice(2, 4));
        expect(store.eventFeed(all.at(-1)!.seq, 10)).toEqual([]);
        expect(store.eventFeed(all[1]!.seq, 100)).toEqual(all.slice(2));
      });

      it('adds nothing for a commit without events', () => {
        expect(store.lastFeedSeq()).toBe(0);
        const a = raise(store, 'a', T0);
        store.commit({ ...a, lastPos: 5 }, [], []);
        expect(store.eventFeed(0, 10)).toHaveLength(1);
      });

      it('keeps a cursor per consumer name, 0 until saved, never moving back', () => {
        expect(store.feedCursor('influx')).toBe(0);
        store.saveFeedCursor('influx', 7);
        store.saveFeedCursor('other', 2);
        store.saveFeedCursor('influx', 5);
        expect(store.feedCursor('influx')).toBe(7);
        expect(store.feedCursor('other')).toBe(2);
      });
    });

    describe('checkpoint', () => {
      it('is absent until saved', () => {
        expect(store.loadCheckpoint()).toBeNull();
      });

      const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
      const states: { why: string; state: Uint8Array }[] = [
        { why: 'empty state (nothing to remember yet)', state: new Uint8Array(0) },
        { why: 'a few bytes, zero bytes included', state: new Uint8Array([0, 1, 2, 255, 0]) },
        { why: 'a view into a larger buffer stores only the view', state: big.subarray(10, 20) },
        { why: 'a megabyte', state: big },
      ];
      for (const s of states) {
        it(`round trip: ${s.why}`, () => {
          store.saveCheckpoint(123, s.state);
          const cp = store.loadCheckpoint()!;
          expect(cp.pos).toBe(123);
          expect(cp.state).toBeInstanceOf(Uint8Array);
          expect(cp.state.byteLength).toBe(s.state.byteLength);
          expect(Buffer.from(cp.state).equals(Buffer.from(s.state))).toBe(true);
        });
      }

      it('a later save replaces the earlier one, and the saved bytes are a copy', () => {
        const s = new Uint8Array([1, 2, 3]);
        store.saveCheckpoint(1, new Uint8Array([9]));
        store.saveCheckpoint(2, s);
        s[0] = 7;
        expect(store.loadCheckpoint()).toEqual({ pos: 2, state: new Uint8Array([1, 2, 3]) });
      });
    });

    if (durable) it('reopened, keeps alerts, events, audit, evidence, outbox position, checkpoint and the event feed with its cursors', () => {
      const a = raise(store, 'a', T0);
      const a2 = act(store, a, [{ event: 'acknowledged', at: T0 + 1, set: { handling: 'acknowledged' } }]);
      raise(store, 'b', T0 + 2, { handling: 'archived' });
      const rows = store.pendingOutbox(100);
      store.markPublished(rows[0]!.seq);
      store.saveCheckpoint(77, new Uint8Array([4, 5, 6]));
      const pending = store.pendingOutbox(100);
      const listed = store.list({ state: 'all', limit: 10 });
      const feed = store.eventFeed(0, 100);
      store.saveFeedCursor('influx', feed[1]!.seq);

      store = h.reopen!();
      expect(store.get('a')).toEqual(a2);
      expect(store.events('a')).toEqual([transitionOf(a, 'raised', T0), transitionOf(a2, 'acknowledged', T0 + 1, null)]);
      expect(store.audit('a')).toHaveLength(2);
      expect(store.evidence('a')).toEqual(evidenceOf(30));
      expect(store.pendingOutbox(100)).toEqual(pending);
      expect(store.list({ state: 'all', limit: 10 })).toEqual(listed);
      expect(ids(store.loadLive())).toEqual(['a']);
      expect(store.loadCheckpoint()).toEqual({ pos: 77, state: new Uint8Array([4, 5, 6]) });
      expect(store.eventFeed(0, 100)).toEqual(feed);
      expect(store.feedCursor('influx')).toBe(feed[1]!.seq);
      raise(store, 'c', T0 + 3);
      expect(store.eventFeed(feed.at(-1)!.seq, 10).map((f) => f.transition.id)).toEqual(['c']);
      const after = store.pendingOutbox(100);
      expect(after.at(-1)!.seq).toBeGreaterThan(pending.at(-1)!.seq);
    });
  });
}
