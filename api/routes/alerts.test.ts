// /api/alerts… over a real fastify (api/server.ts) with the real AlertManager on the memory store: the
// lifecycle table of contract.md "Actions by handling state" is exercised end to end, not canned.
// The auth seam (ApiAuth) returns principals defined here; it is not the system under test.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlingState, Transition } from '../../core/alert.ts';
import { ManualClock } from '../../core/clock.ts';
import { Level } from '../../core/level.ts';
import type { Principal } from '../../core/scope.ts';
import { AlertManager } from '../../rules/alerts/manager.ts';
import { DEFAULT_POLICY } from '../../rules/alerts/policy.ts';
import type { AuditEntry } from '../../rules/alerts/store.ts';
import type { Actor } from '../../rules/alerts/types.ts';
import type { LevelSignal } from '../../rules/engine/signal.ts';
import { MemoryAlertStore } from '../../storage/alerts/memory-alert-store.ts';
import type { ApiAuth } from '../auth.ts';
import { createHttpServer } from '../server.ts';
import { actorOf, alertRoutes, alertVisible } from './alerts.ts';

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);

type Named = Principal & { username?: string; name?: string };
const PRINCIPALS: Record<string, Named> = {
  admin: { id: 'user:admin', role: 'admin', scope: { kind: 'platform' }, username: 'admin', name: '管理员' },
  // monitoring centre of the province (GB/T 2260 53 = Yunnan): both enterprises, not the platform itself
  op: { id: 'user:wang', role: 'operator', scope: { kind: 'jurisdiction', codes: ['530000'] }, username: 'wang', name: '王五' },
  ent1: { id: 'user:li', role: 'enterprise', scope: { kind: 'enterprise', enterpriseId: 'e1' }, username: 'li', name: '李四' },
  ent2: { id: 'user:zhao', role: 'enterprise', scope: { kind: 'enterprise', enterpriseId: 'e2' }, username: 'zhao', name: '赵六' },
  reg: { id: 'user:chen', role: 'regulator', scope: { kind: 'jurisdiction', codes: ['530000'] }, username: 'chen', name: '陈七' },
  // an API token (Node-RED, an enterprise system): no username, acts as its MQTT username token.{id}
  opToken: { id: 'token:t1', role: 'operator', scope: { kind: 'platform' } },
  device: { id: 'device:e1.gw1', role: 'device', scope: { kind: 'enterprise', enterpriseId: 'e1' } },
};

const auth: ApiAuth = { allowPlaintext: true, session: () => null, token: (t) => PRINCIPALS[t] ?? null, device: () => null };
const ENTERPRISES: Record<string, { county: string; sector: string; name: string }> = {
  e1: { county: '530302', sector: 'hazchem', name: '一号化工' },
  e2: { county: '530402', sector: 'tailings', name: '二号尾矿' },
};
const SETUP_ACTOR: Actor = { username: 'setup', name: '值班员', party: 'centre' };

interface Res { status: number; body: any; headers: Headers }

/** A fresh platform slice: memory store, manager on a manual clock, fastify listening on loopback. */
async function world() {
  const clock = new ManualClock(T0);
  const store = new MemoryAlertStore();
  let ids = 0;
  const manager = new AlertManager({
    store, clock, policyFor: () => DEFAULT_POLICY, enterprise: (id) => ENTERPRISES[id], newId: () => `id${String(++ids).padStart(4, '0')}`,
  });
  manager.start();
  const app: FastifyInstance = createHttpServer({ bodyLimit: 1 << 20 });
  alertRoutes(app, { auth, now: () => clock.now(), alerts: manager });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  async function call(who: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const r = await fetch(base + path, {
      method, headers: { authorization: `Bearer ${who}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
  }

  let pos = 0;
  let keys = 0;
  /** Raises an alert through the engine's seam (a level signal) and returns its id. */
  function raise(o: { enterprise?: 'e1' | 'e2' | null; level?: Level; key?: string } = {}): { id: string; key: string } {
    const e = o.enterprise === undefined ? 'e1' : o.enterprise;
    const key = o.key ?? (e ? `${e}/s1/gas-${++keys}/lel` : `_platform/journal/backlog-${++keys}`);
    manager.onSignal(signal(key, o.level ?? Level.orange, e));
    return { id: manager.byAlertKey(key)!.id, key };
  }
  function signal(key: string, level: Level, e: string | null): LevelSignal {
    const system = e === null;
    return {
      key, kind: system ? 'system' : 'process', enterpriseId: e, siteId: system ? null : 's1', sensorId: system ? null : key.split('/')[2]!,
      metric: system ? null : 'lel', level, rule: system ? 'platform.journal_backlog' : 'gas_combustible.threshold', ruleVersion: 2,
      thresholdSource: 'default', nativeAlarm: null, value: level === Level.none ? 3 : 30, threshold: 25, unit: '%LEL', text: '可燃气体浓度超标',
      ts: clock.now(), pos: ++pos, retrospective: false, parentKey: null,
      evidence: { samples: [{ ts: clock.now() - 1000, value: 28, quality: 'good' }], rule: { id: 'gas_combustible.threshold', kind: 'threshold', version: 2, source: 'GB/T 50493-2019', clause: '§5.5.2', confidence: 'high', params: { orange: 25 } } },
    };
  }
  const recover = (a: { key: string }) => manager.onSignal(signal(a.key, Level.none, a.key.split('/')[0]!.startsWith('_') ? null : a.key.split('/')[0]!));

  /** An alert brought to `state` the way people and the clock would (the centre acks). */
  function alertIn(state: HandlingState, o: { recovered?: boolean } = {}): string {
    if (state === 'archived') {
      // contract.md "(automatic) blue, condition recovered, nobody acted → archived"
      const a = raise({ level: Level.blue });
      recover(a);
      manager.tick();
      expect(manager.get(a.id)!.handling).toBe('archived');
      return a.id;
    }
    const a = raise();
    const path: HandlingState[] = ['open', 'acknowledged', 'assessed', 'handling', 'feedback'];
    const steps = state === 'cleared' ? ['acknowledged', 'assessed'] : path.slice(1, path.indexOf(state) + 1);
    for (const s of steps) {
      if (s === 'acknowledged') manager.act(a.id, { type: 'ack' }, SETUP_ACTOR);
      if (s === 'assessed') manager.act(a.id, { type: 'assess', verdict: 'real' }, SETUP_ACTOR);
      if (s === 'handling') manager.act(a.id, { type: 'handle', note: '关闭进料阀' }, SETUP_ACTOR);
      if (s === 'feedback') manager.act(a.id, { type: 'feedback', note: '浓度已回落' }, SETUP_ACTOR);
    }
    if (state === 'cleared') {
      recover(a);
      manager.act(a.id, { type: 'clear', reason: 'handled' }, SETUP_ACTOR);
    } else if (o.recovered) {
      recover(a);
    }
    expect(manager.get(a.id)!.handling).toBe(state);
    return a.id;
  }

  return { clock, store, manager, app, call, raise, recover, alertIn, close: async () => { manager.stop(); await app.close(); } };
}

type World = Awaited<ReturnType<typeof world>>;

// ---- contract.md "Actions by handling state", restated here as the specification under test --------

const STATES: readonly HandlingState[] = ['open', 'acknowledged', 'assessed', 'handling', 'feedback', 'cleared', 'archived'];
const ACTIONS = ['ack', 'assess', 'handle', 'feedback', 'clear'] as const;
type ActionName = (typeof ACTIONS)[number];
/** The fixtures' alerts were acked by the centre, so the enterprise has not acked yet in every later state. */
const ALLOWED: Record<ActionName, Record<'centre' | 'enterprise', readonly HandlingState[]>> = {
  // "ack (enterprise or centre) | open, or later for the party that has not acked yet"
  ack: { centre: ['open'], enterprise: ['open', 'acknowledged', 'assessed', 'handling', 'feedback'] },
  assess: { centre: ['acknowledged', 'assessed'], enterprise: ['acknowledged', 'assessed'] },
  handle: { centre: ['assessed', 'handling'], enterprise: ['assessed', 'handling'] },
  feedback: { centre: ['handling', 'feedback'], enterprise: ['handling', 'feedback'] },
  // with false_alarm, a reason allowed while the condition is still active
  clear: { centre: ['assessed', 'handling', 'feedback'], enterprise: ['assessed', 'handling', 'feedback'] },
};
const BODY: Record<ActionName, object> = {
  ack: { note: '收到' }, assess: { verdict: 'real' }, handle: { note: '关闭进料阀' }, feedback: { note: '浓度已回落' }, clear: { reason: 'false_alarm', note: '探头误报' },
};
const RESULT: Record<ActionName, HandlingState | null> = { ack: null, assess: 'assessed', handle: 'handling', feedback: 'feedback', clear: 'cleared' };

const lifecycleRows = STATES.flatMap((state) => ACTIONS.flatMap((action) => (['centre', 'enterprise'] as const).map((party) => {
  const ok = ALLOWED[action][party].includes(state);
  return { why: `${action} by ${party} when ${state}: ${ok ? 'allowed by the table' : 'not in the table → 409'}`, state, action, party, ok };
})));

describe('lifecycle actions over HTTP (contract.md "Actions by handling state")', () => {
  let w: World;
  beforeAll(async () => { w = await world(); });
  afterAll(async () => { await w.close(); });

  it.each(lifecycleRows)('$why', async ({ state, action, party, ok }) => {
    const id = w.alertIn(state);
    const before = w.manager.get(id)!;
    const who = party === 'centre' ? 'op' : 'ent1';
    const r = await w.call(who, 'POST', `/api/alerts/${id}/${action}`, BODY[action]);
    if (!ok) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('RW_ERR_ILLEGAL_TRANSITION');
      expect(w.manager.get(id)!.version, 'nothing changed').toBe(before.version);
      return;
    }
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, version: before.version + 1, handling: RESULT[action] ?? (state === 'open' ? 'acknowledged' : state) });
    if (action === 'ack') expect(r.body[party === 'centre' ? 'ackByCentre' : 'ackByEnterprise']).toBe(party === 'centre' ? '王五' : '李四');
    if (action === 'assess') expect(r.body.verdict).toBe('real');
    if (action === 'clear') expect(r.body.clearReason).toBe('false_alarm');
    expect(r.body).toEqual(JSON.parse(JSON.stringify((await w.call('admin', 'GET', `/api/alerts/${id}`)).body.alert)));
  });

  const versionRows = [
    { why: 'the version the client saw: applied', offset: 0, status: 200, code: undefined },
    { why: 'stale: someone acted since the client looked', offset: -1, status: 409, code: 'RW_ERR_VERSION_CONFLICT' },
    { why: 'from the future: also a conflict, never applied', offset: 1, status: 409, code: 'RW_ERR_VERSION_CONFLICT' },
  ];
  it.each(versionRows)('expectedVersion — $why', async ({ offset, status, code }) => {
    const id = w.alertIn('acknowledged');
    const v = w.manager.get(id)!.version;
    const r = await w.call('op', 'POST', `/api/alerts/${id}/assess`, { verdict: 'device_fault', expectedVersion: v + offset });
    expect(r.status).toBe(status);
    if (code) expect(r.body.code).toBe(code);
    expect(w.manager.get(id)!.version).toBe(status === 200 ? v + 1 : v);
  });

  const clearRows = [
    { why: 'condition active, reason handled: only false_alarm/device_fault/duplicate may clear', recovered: false, reason: 'handled', note: undefined, status: 409, code: 'RW_ERR_ILLEGAL_TRANSITION' },
    { why: 'condition active, reason maintenance: not a while-active reason', recovered: false, reason: 'maintenance', note: undefined, status: 409, code: 'RW_ERR_ILLEGAL_TRANSITION' },
    { why: 'condition active, reason device_fault: allowed while active', recovered: false, reason: 'device_fault', note: undefined, status: 200, code: undefined },
    { why: 'condition active, reason duplicate: allowed while active', recovered: false, reason: 'duplicate', note: undefined, status: 200, code: undefined },
    { why: 'condition recovered, reason handled: allowed', recovered: true, reason: 'handled', note: undefined, status: 200, code: undefined },
    { why: 'reason other without text: the contract asks for text', recovered: true, reason: 'other', note: undefined, status: 400, code: 'RW_ERR_VALIDATION' },
    { why: 'reason other with text: allowed', recovered: true, reason: 'other', note: '现场演练', status: 200, code: undefined },
    { why: 'unknown reason: body validation', recovered: true, reason: 'fixed', note: undefined, status: 400, code: 'RW_ERR_VALIDATION' },
  ];
  it.each(clearRows)('clear — $why', async ({ recovered, reason, note, status, code }) => {
    const id = w.alertIn('assessed', { recovered });
    const r = await w.call('ent1', 'POST', `/api/alerts/${id}/clear`, { reason, ...(note ? { note } : {}) });
    expect(r.status).toBe(status);
    if (code) expect(r.body.code).toBe(code);
    else expect(r.body).toMatchObject({ handling: 'cleared', clearReason: reason });
  });

  const bodyRows = [
    { why: 'assess without a verdict', action: 'assess', body: {} },
    { why: 'unknown verdict', action: 'assess', body: { verdict: 'maybe' } },
    { why: 'handle needs a note', action: 'handle', body: {} },
    { why: 'feedback with an empty note', action: 'feedback', body: { note: '' } },
    { why: 'unknown field (a typo must not pass silently)', action: 'ack', body: { expectedVersoin: 1 } },
    { why: 'expectedVersion must be an integer', action: 'ack', body: { expectedVersion: '3' } },
  ];
  it.each(bodyRows)('400 RW_ERR_VALIDATION — $why', async ({ action, body }) => {
    const id = w.alertIn('assessed');
    const r = await w.call('op', 'POST', `/api/alerts/${id}/${action}`, body);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('RW_ERR_VALIDATION');
  });

  it('records who acted: users by name and party, tokens as token.{id}', async () => {
    const id = w.alertIn('open');
    expect((await w.call('ent1', 'POST', `/api/alerts/${id}/ack`, { note: '已到现场' })).status).toBe(200);
    expect((await w.call('opToken', 'POST', `/api/alerts/${id}/ack`)).status).toBe(200);
    const d = (await w.call('admin', 'GET', `/api/alerts/${id}`)).body as { alert: any; events: Transition[]; audit: AuditEntry[]; evidence: unknown };
    expect(d.alert).toMatchObject({ ackByEnterprise: '李四', ackByCentre: 'token.t1', handling: 'acknowledged' });
    expect(d.audit.filter((e) => e.event === 'acknowledged').map((e) => [e.actor, e.note])).toEqual([
      [{ username: 'li', name: '李四', party: 'enterprise' }, '已到现场'],
      [{ username: 'token.t1', name: 'token.t1', party: 'centre' }, null],
    ]);
    expect(d.events.map((e) => [e.version, e.event])).toEqual([[1, 'raised'], [2, 'acknowledged'], [3, 'acknowledged']]);
    expect(d.evidence).toMatchObject({ rule: { id: 'gas_combustible.threshold', clause: '§5.5.2' } });
    expect(d.alert).not.toHaveProperty('lastPos');
    expect(d.alert).not.toHaveProperty('key');
    expect(Object.keys(d.alert)).toEqual(expect.arrayContaining(['levelNo', 'verdict', 'clearReason', 'flapping', 'deadline', 'raisedAt']));
  });
});

describe('who sees what (contract.md "Who sees what")', () => {
  let w: World;
  let e1: string;
  let e2: string;
  let sys: string;
  let e1cleared: string;
  beforeAll(async () => {
    w = await world();
    e1 = w.raise({ enterprise: 'e1' }).id;
    w.clock.advance(1000);
    e2 = w.raise({ enterprise: 'e2', level: Level.red }).id;
    w.clock.advance(1000);
    sys = w.raise({ enterprise: null, level: Level.yellow }).id;
    w.clock.advance(1000);
    e1cleared = w.alertIn('cleared');
  });
  afterAll(async () => { await w.close(); });

  const listRows = [
    { why: 'platform admin: everything, system alerts included', who: 'admin', query: '', ids: () => [sys, e2, e1] },
    { why: 'state=all adds cleared and archived ones', who: 'admin', query: '?state=all', ids: () => [e1cleared, sys, e2, e1] },
    { why: 'a province jurisdiction: both enterprises, never the platform itself', who: 'op', query: '', ids: () => [e2, e1] },
    { why: 'regulators read', who: 'reg', query: '', ids: () => [e2, e1] },
    { why: 'enterprise user: own enterprise only', who: 'ent1', query: '', ids: () => [e1] },
    { why: 'enterprise user asking for another enterprise: nothing, not an error', who: 'ent1', query: '?enterprise=e2', ids: () => [] },
    { why: 'the other enterprise sees only its own', who: 'ent2', query: '?state=all', ids: () => [e2] },
    { why: 'filter by level', who: 'admin', query: '?level=red', ids: () => [e2] },
    { why: 'filter by kind', who: 'admin', query: '?kind=system', ids: () => [sys] },
    { why: 'filter by site', who: 'admin', query: '?site=s1', ids: () => [e2, e1] },
    { why: 'since (ISO 8601 with offset): changed at or after', who: 'admin', query: `?since=${encodeURIComponent('2026-11-22T10:00:01+08:00')}`, ids: () => [sys, e2] },
    { why: 'since (epoch ms)', who: 'admin', query: `?since=${T0 + 2000}`, ids: () => [sys] },
  ];
  it.each(listRows)('GET /api/alerts — $why', async ({ who, query, ids }) => {
    const r = await w.call(who, 'GET', `/api/alerts${query}`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((a: { id: string }) => a.id)).toEqual(ids());
    expect(r.body.nextCursor).toBeNull();
    for (const a of r.body.items) expect(a).not.toHaveProperty('lastPos');
  });

  it('pages newest first with limit and cursor', async () => {
    const p1 = await w.call('admin', 'GET', '/api/alerts?state=all&limit=3');
    expect(p1.body.items.map((a: { id: string }) => a.id)).toEqual([e1cleared, sys, e2]);
    const p2 = await w.call('admin', 'GET', `/api/alerts?state=all&limit=3&cursor=${encodeURIComponent(p1.body.nextCursor)}`);
    expect(p2.body).toEqual({ items: [expect.objectContaining({ id: e1 })], nextCursor: null });
  });

  const badQueries = [
    { why: 'since is neither ISO 8601 nor epoch ms', query: '?since=yesterday' },
    { why: 'ISO 8601 without an offset is ambiguous (UTC or Beijing?)', query: '?since=2026-11-22T10:00:00' },
    { why: 'limit below 1', query: '?limit=0' },
    { why: 'limit above the maximum', query: '?limit=100000' },
    { why: 'unknown level', query: '?level=purple' },
    { why: 'unknown state', query: '?state=closed' },
    { why: 'a cursor that is not ours', query: '?cursor=nonsense' },
  ];
  it.each(badQueries)('400 RW_ERR_VALIDATION — $why', async ({ query }) => {
    const r = await w.call('admin', 'GET', `/api/alerts${query}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('RW_ERR_VALIDATION');
  });

  const detailRows = [
    { why: 'own enterprise', who: 'ent1', id: () => e1, status: 200 },
    { why: "another enterprise's alert: 404, existence not revealed", who: 'ent2', id: () => e1, status: 404 },
    { why: 'system alert to an enterprise user: 404', who: 'ent1', id: () => sys, status: 404 },
    { why: 'system alert to a jurisdiction: platform only', who: 'reg', id: () => sys, status: 404 },
    { why: 'system alert to platform scope', who: 'opToken', id: () => sys, status: 200 },
    { why: 'no such alert: the same 404 as out of scope', who: 'ent2', id: () => 'nope', status: 404 },
  ];
  it.each(detailRows)('GET /api/alerts/{id} — $why', async ({ who, id, status }) => {
    const r = await w.call(who, 'GET', `/api/alerts/${id()}`);
    expect(r.status).toBe(status);
    if (status === 404) expect(r.body).toEqual({ code: 'RW_ERR_NOT_FOUND', message: `no alert ${id()}` });
    else expect(Object.keys(r.body).sort()).toEqual(['alert', 'audit', 'events', 'evidence']);
  });

  const actRows = [
    { why: "enterprise user acting on another enterprise's alert: 404 as if absent", who: 'ent2', id: () => e1, status: 404, code: 'RW_ERR_NOT_FOUND' },
    { why: 'enterprise user on a system alert: 404', who: 'ent1', id: () => sys, status: 404, code: 'RW_ERR_NOT_FOUND' },
    { why: 'regulator: read-only (contract.md roles), 403 whatever the alert', who: 'reg', id: () => e1, status: 403, code: 'RW_ERR_FORBIDDEN' },
    { why: 'a device credential never acts on alerts', who: 'device', id: () => e1, status: 403, code: 'RW_ERR_FORBIDDEN' },
    { why: 'unknown token: 401', who: 'stranger', id: () => e1, status: 401, code: 'RW_ERR_AUTH' },
  ];
  it.each(actRows)('POST /api/alerts/{id}/ack — $why', async ({ who, id, status, code }) => {
    const v = w.manager.get(id())!.version;
    const r = await w.call(who, 'POST', `/api/alerts/${id()}/ack`, {});
    expect([r.status, r.body.code]).toEqual([status, code]);
    expect(w.manager.get(id())!.version).toBe(v);
  });

  it('regulator: bulk ack is forbidden as a whole', async () => {
    const r = await w.call('reg', 'POST', '/api/alerts/ack', { ids: [e1, e2] });
    expect([r.status, r.body.code]).toEqual([403, 'RW_ERR_FORBIDDEN']);
  });
});

describe('POST /api/alerts/ack (storms)', () => {
  let w: World;
  beforeAll(async () => { w = await world(); });
  afterAll(async () => { await w.close(); });

  it('acknowledges each id on its own and answers 200 with mixed results', async () => {
    const open1 = w.alertIn('open');
    const open2 = w.alertIn('open');
    const ackedByEnterprise = w.raise().id;
    w.manager.act(ackedByEnterprise, { type: 'ack' }, { username: 'li', name: '李四', party: 'enterprise' });
    const ackedByCentre = w.alertIn('acknowledged');
    const cleared = w.alertIn('cleared');
    const other = w.raise({ enterprise: 'e2' }).id;
    const ids = [open1, ackedByEnterprise, ackedByCentre, cleared, other, 'missing', open2];
    const r = await w.call('ent1', 'POST', '/api/alerts/ack', { ids, note: '批量签收' });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { id: open1, ok: true, version: 2 }, // open → acknowledged
      { id: ackedByEnterprise, ok: false, code: 'RW_ERR_ILLEGAL_TRANSITION' }, // this party already acked
      { id: ackedByCentre, ok: true, version: 3 }, // the enterprise has not acked yet
      { id: cleared, ok: false, code: 'RW_ERR_ILLEGAL_TRANSITION' }, // nothing to ack once cleared
      { id: other, ok: false, code: 'RW_ERR_NOT_FOUND' }, // another enterprise: as if absent
      { id: 'missing', ok: false, code: 'RW_ERR_NOT_FOUND' },
      { id: open2, ok: true, version: 2 },
    ]);
    expect(w.manager.get(other)!.version).toBe(1);
    expect(w.manager.get(open2)).toMatchObject({ handling: 'acknowledged', ackByEnterprise: '李四' });
  });

  const bad = [
    { why: 'no ids', body: { ids: [] } },
    { why: 'more than 500 ids', body: { ids: Array.from({ length: 501 }, (_, i) => `a${i}`) } },
    { why: 'ids must be strings', body: { ids: [1, 2] } },
  ];
  it.each(bad)('400 RW_ERR_VALIDATION — $why', async ({ body }) => {
    const r = await w.call('op', 'POST', '/api/alerts/ack', body);
    expect([r.status, r.body.code]).toEqual([400, 'RW_ERR_VALIDATION']);
  });
});

describe('Idempotency-Key (contract.md "POSTs accept an Idempotency-Key")', () => {
  let w: World;
  beforeAll(async () => { w = await world(); });
  afterAll(async () => { await w.close(); });
  const events = async (id: string) => ((await w.call('admin', 'GET', `/api/alerts/${id}`)).body.events as Transition[]).length;

  it('replays the first response and does not act twice', async () => {
    const id = w.alertIn('open');
    const first = await w.call('op', 'POST', `/api/alerts/${id}/ack`, { note: '收到' }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(200);
    expect(await events(id)).toBe(2);
    const again = await w.call('op', 'POST', `/api/alerts/${id}/ack`, { note: '收到' }, { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await events(id), 'no second event').toBe(2);
    // Without the key the same request is a second action, which the lifecycle refuses.
    expect((await w.call('op', 'POST', `/api/alerts/${id}/ack`, { note: '收到' })).status).toBe(409);
  });

  it('replays an error answer too (the action ran and was refused)', async () => {
    const id = w.alertIn('open');
    const first = await w.call('op', 'POST', `/api/alerts/${id}/handle`, { note: 'x' }, { 'idempotency-key': 'k-err' });
    expect([first.status, first.body.code]).toEqual([409, 'RW_ERR_ILLEGAL_TRANSITION']);
    w.manager.act(id, { type: 'ack' }, SETUP_ACTOR);
    w.manager.act(id, { type: 'assess', verdict: 'real' }, SETUP_ACTOR);
    const again = await w.call('op', 'POST', `/api/alerts/${id}/handle`, { note: 'x' }, { 'idempotency-key': 'k-err' });
    expect([again.status, again.body]).toEqual([409, first.body]);
  });

  it('bulk ack replays the same results', async () => {
    const ids = [w.alertIn('open'), w.alertIn('open')];
    const first = await w.call('op', 'POST', '/api/alerts/ack', { ids }, { 'idempotency-key': 'storm-7' });
    const again = await w.call('op', 'POST', '/api/alerts/ack', { ids }, { 'idempotency-key': 'storm-7' });
    expect(first.body.results.every((x: { ok: boolean }) => x.ok)).toBe(true);
    expect(again.body).toEqual(first.body);
    for (const id of ids) expect(await events(id)).toBe(2);
  });

  const reuse = [
    { why: 'same key, another body: 422 (draft-ietf-httpapi-idempotency-key-header §2.7)', who: 'op', path: 'ack', body: { note: '不同' }, status: 422 },
    { why: 'same key, another alert (path): 422', who: 'op', path: 'other', body: { note: '收到' }, status: 422 },
    { why: 'same key from another principal: its own key space, runs normally', who: 'ent1', path: 'ack', body: { note: '收到' }, status: 200 },
  ];
  it.each(reuse)('$why', async ({ who, path, body, status }) => {
    const id = w.alertIn('open');
    const otherId = w.alertIn('open');
    const key = `reuse-${Math.random()}`;
    expect((await w.call('op', 'POST', `/api/alerts/${id}/ack`, { note: '收到' }, { 'idempotency-key': key })).status).toBe(200);
    const target = path === 'other' ? otherId : id;
    const r = await w.call(who, 'POST', `/api/alerts/${target}/ack`, body, { 'idempotency-key': key });
    expect(r.status).toBe(status);
    if (status === 422) {
      expect(r.body.code).toBe('RW_ERR_VALIDATION');
      expect(await events(target), 'not applied').toBe(path === 'other' ? 1 : 2);
    }
  });

  it('refuses a key that is not printable ASCII of at most 255 characters', async () => {
    const id = w.alertIn('open');
    const r = await w.call('op', 'POST', `/api/alerts/${id}/ack`, {}, { 'idempotency-key': 'x'.repeat(256) });
    expect([r.status, r.body.code]).toEqual([400, 'RW_ERR_VALIDATION']);
    expect(await events(id)).toBe(1);
  });
});

describe('alertVisible / actorOf', () => {
  const base = { kind: 'process' as const, enterpriseId: 'e1', county: '530302', sector: 'hazchem' };
  const rows = [
    { why: 'platform sees enterprise alerts', scope: { kind: 'platform' as const }, a: base, ok: true },
    { why: 'platform sees system alerts', scope: { kind: 'platform' as const }, a: { ...base, kind: 'system' as const, enterpriseId: null }, ok: true },
    { why: 'the prefecture 5303 covers county 530302', scope: { kind: 'jurisdiction' as const, codes: ['530300'] }, a: base, ok: true },
    { why: 'another prefecture does not', scope: { kind: 'jurisdiction' as const, codes: ['530400'] }, a: base, ok: false },
    { why: 'a sector-limited jurisdiction does not see other sectors', scope: { kind: 'jurisdiction' as const, codes: ['530000'], sectors: ['tailings'] }, a: base, ok: false },
    { why: 'system alerts are platform-only, even for the whole province', scope: { kind: 'jurisdiction' as const, codes: ['530000'] }, a: { ...base, kind: 'system' as const, enterpriseId: null }, ok: false },
    { why: 'an enterprise alert missing its county fails closed for a jurisdiction', scope: { kind: 'jurisdiction' as const, codes: ['530000'] }, a: { ...base, county: null }, ok: false },
    { why: 'enterprise scope decides by id alone', scope: { kind: 'enterprise' as const, enterpriseId: 'e1' }, a: { ...base, county: null, sector: null }, ok: true },
  ];
  it.each(rows)('alertVisible — $why', ({ scope, a, ok }) => expect(alertVisible(scope, a)).toBe(ok));

  const actors = [
    { why: 'enterprise-scoped user: the enterprise party', p: PRINCIPALS.ent1!, actor: { username: 'li', name: '李四', party: 'enterprise' } },
    { why: 'jurisdiction operator: the centre', p: PRINCIPALS.op!, actor: { username: 'wang', name: '王五', party: 'centre' } },
    { why: 'token: its MQTT username, the centre for platform scope', p: PRINCIPALS.opToken!, actor: { username: 'token.t1', name: 'token.t1', party: 'centre' } },
    { why: 'enterprise-scoped token: the enterprise party', p: { id: 'token:t9', role: 'enterprise' as const, scope: { kind: 'enterprise' as const, enterpriseId: 'e2' } }, actor: { username: 'token.t9', name: 'token.t9', party: 'enterprise' } },
  ];
  it.each(actors)('actorOf — $why', ({ p, actor }) => expect(actorOf(p)).toEqual(actor));
});
