// The outbox publisher against a real aedes broker and a real mqtt.js subscriber (architecture.md rule 9).
import { Aedes, type PublishPacket } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEventName, Transition } from '../../core/alert.ts';
import { ManualClock } from '../../core/clock.ts';
import { levelFromName, levelNo, type LevelName } from '../../core/level.ts';
import { MemoryAlertStore } from '../../storage/alerts/memory-alert-store.ts';
import { freePort } from '../../test/support/ports.ts';
import { alertView, eventTopic, OutboxPublisher, stateTopic, type PublishFn } from './publisher.ts';
import type { StoredAlert } from './types.ts';

// ---- a real broker and subscriber -----------------------------------------------------------------

interface Broker { aedes: Aedes; port: number; publish: PublishFn; retained(pattern: string): Promise<Map<string, string>>; close(): Promise<void> }

async function startBroker(): Promise<Broker> {
  const aedes = await Aedes.createBroker({ id: 'publisher-test' });
  const port = await freePort();
  const server: Server = createServer((s) => aedes.handle(s));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    aedes, port,
    publish: (topic, payload, opts) => new Promise<void>((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: opts.qos, retain: opts.retain, dup: false } as PublishPacket, (err) => (err ? reject(err) : resolve()))),
    /** What the broker itself keeps as retained (its persistence), by topic. */
    async retained(pattern) {
      const out = new Map<string, string>();
      const persistence = (aedes as unknown as { persistence: { createRetainedStream(p: string): AsyncIterable<{ topic: string; payload: Buffer }> } }).persistence;
      for await (const p of persistence.createRetainedStream(pattern)) out.set(p.topic, p.payload.toString());
      return out;
    },
    close: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Received { topic: string; payload: string; retain: boolean }

/** A subscriber that records every message and lets a test wait for the n-th one (event driven, no sleeps). */
async function subscriber(port: number, filter: string) {
  const client: MqttClient = await new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, clientId: `sub-${filter}-${Math.random()}` });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  client.on('message', (topic, payload, packet) => {
    got.push({ topic, payload: payload.toString(), retain: packet.retain });
    for (const w of waiters.filter((x) => got.length >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    got,
    until: (n: number) => (got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    close: () => client.endAsync(),
  };
}

// ---- fixture alerts committed through the store -----------------------------------------------------

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function storedAlert(id: string, over: Partial<StoredAlert> = {}): StoredAlert {
  return {
    id, version: 1, kind: 'process', level: 'orange', nativeAlarm: null, condition: 'active', handling: 'open', retrospective: false,
    enterpriseId: 'e1', siteId: 's1', sensorId: 'gas-01', metric: 'lel', parentId: null, rule: 'gas_combustible.threshold', ruleVersion: 1,
    thresholdSource: 'default', value: 30, threshold: 25, unit: '%LEL', ackByEnterprise: null, ackByCentre: null, deadline: null, tier: 0,
    message: '可燃气体浓度超标', raisedAt: iso(T0),
    key: `e1/s1/${over.sensorId ?? 'gas-01'}/lel`, deadlineMs: null, deadlineKind: null, overdueSent: false, nextTierAtMs: null, verdict: null,
    clearReason: null, clearedAtMs: null, suppressUntilMs: null, recoveredAtMs: null, flaps: 0, flapWindowStartMs: T0, flapping: false,
    lastPos: 0, touched: false, county: '530302', sector: 'hazchem', archivedAtMs: null,
    ...over,
  };
}

function transition(a: StoredAlert, event: AlertEventName, atMs: number): Transition {
  const { key: _k, deadlineMs: _d, deadlineKind: _dk, overdueSent: _o, nextTierAtMs: _n, verdict: _v, clearReason: _c, clearedAtMs: _ca,
    suppressUntilMs: _s, recoveredAtMs: _r, flaps: _f, flapWindowStartMs: _fw, flapping: _fl, lastPos: _l, touched: _t, county: _co,
    sector: _se, archivedAtMs: _ar, ...pub } = a;
  return { ...pub, eventId: `${a.id}-v${a.version}`, event, levelNo: levelNo(levelFromName(a.level as LevelName))!, previousLevel: null, at: iso(atMs) };
}

/** Commits `event` as the alert's next version (with `change` applied) and returns the alert after it. */
function step(store: MemoryAlertStore, prev: StoredAlert | null, id: string, event: AlertEventName, atMs: number, change: Partial<StoredAlert> = {}): StoredAlert {
  const a = prev ? { ...prev, ...change, version: prev.version + 1 } : storedAlert(id, change);
  const t = transition(a, event, atMs);
  store.commit(a, [t], [{ alertId: id, version: a.version, event, at: t.at, actor: null, note: null, data: {} }]);
  return a;
}

const silentLog = { warn: () => {}, info: () => {} };
const events = (got: Received[]) => got.filter((m) => m.topic.startsWith('alerts/')).map((m) => JSON.parse(m.payload) as Transition);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('OutboxPublisher', () => {
  it('publishes each event in order per alert, retains the current state, and clears it once archived', async () => {
    const broker = await startBroker();
    cleanup.push(() => broker.close());
    const live = await subscriber(broker.port, '#');
    cleanup.push(() => live.close());

    // A crash left this tail unpublished: start() publishes it (contract.md "Delivery").
    const store = new MemoryAlertStore();
    let a1 = step(store, null, 'a1', 'raised', T0);
    let a2 = step(store, null, 'a2', 'raised', T0 + 1000, { sensorId: null, key: 'e1/s1/_site/pond', level: 'red' });
    a1 = step(store, a1, 'a1', 'acknowledged', T0 + 2000, { handling: 'acknowledged', ackByEnterprise: 'zhang', touched: true });
    let a3 = step(store, null, 'a3', 'raised', T0 + 3000, { level: 'blue', sensorId: 'gas-02' });
    a3 = step(store, a3, 'a3', 'recovered', T0 + 4000, { condition: 'recovered', recoveredAtMs: T0 + 4000 });
    a3 = step(store, a3, 'a3', 'archived', T0 + 5000, { handling: 'archived', archivedAtMs: T0 + 5000 });
    let sys = step(store, null, 'sys1', 'raised', T0 + 6000, {
      kind: 'system', enterpriseId: null, siteId: null, sensorId: null, metric: null, county: null, sector: null,
      key: '_platform/journal/backlog', rule: 'platform.journal_backlog', message: '日志积压',
    });
    a2 = step(store, a2, 'a2', 'level_down', T0 + 7000, { level: 'orange' });
    const expected = [...store.pendingOutbox(100)];
    expect(expected).toHaveLength(8);

    const clock = new ManualClock(T0 + 8000);
    const pub = new OutboxPublisher({ store, publish: broker.publish, clock, log: silentLog });
    cleanup.push(() => pub.stop());
    await pub.start();
    expect(store.pendingOutbox(100)).toEqual([]);

    // Two messages per row: the event, then the retained state (an empty payload for `archived`).
    await live.until(16);
    const evs = events(live.got);
    expect(evs).toEqual(expected.map((r) => r.transition));
    for (const id of ['a1', 'a2', 'a3', 'sys1']) {
      const versions = evs.filter((e) => e.id === id).map((e) => e.version);
      expect(versions, `versions of ${id} in order`).toEqual([...versions].sort((x, y) => x - y));
    }
    expect(live.got.filter((m) => m.topic.startsWith('alerts/')).map((m) => m.topic)).toEqual([
      'alerts/e1/s1/gas-01', 'alerts/e1/s1/_site', 'alerts/e1/s1/gas-01', 'alerts/e1/s1/gas-02', 'alerts/e1/s1/gas-02',
      'alerts/e1/s1/gas-02', 'alerts/_platform/journal', 'alerts/e1/s1/_site',
    ]);
    const a3States = live.got.filter((m) => m.topic === 'alert-state/e1/s1/a3').map((m) => m.payload);
    expect(a3States.at(-1), 'archiving publishes an empty retained payload').toBe('');

    // A late subscriber catches up from the retained states; the archived alert's state is gone.
    const late = await subscriber(broker.port, 'alert-state/#');
    cleanup.push(() => late.close());
    await late.until(3);
    const states = new Map(late.got.map((m) => [m.topic, JSON.parse(m.payload)]));
    expect(states).toEqual(new Map([
      ['alert-state/e1/s1/a1', alertView(a1)],
      ['alert-state/e1/s1/a2', alertView(a2)],
      ['alert-state/_platform/journal/sys1', alertView(sys)],
    ]));
    expect(late.got.every((m) => m.retain)).toBe(true);
    expect([...(await broker.retained('alert-state/#')).keys()].sort(), 'the broker keeps no state for the archived alert')
      .toEqual(['alert-state/_platform/journal/sys1', 'alert-state/e1/s1/a1', 'alert-state/e1/s1/a2']);
    expect(JSON.parse((await broker.retained('alert-state/e1/s1/a1')).get('alert-state/e1/s1/a1')!)).not.toHaveProperty('lastPos');

    // Archiving the system alert later: its state topic (from the stored key) is the one cleared.
    sys = step(store, sys, 'sys1', 'archived', T0 + 9000, { handling: 'archived' });
    pub.kick();
    pub.kick();
    await live.until(18);
    expect(live.got.slice(16).map((m) => [m.topic, m.payload === '' ? '' : JSON.parse(m.payload).event]))
      .toEqual([['alerts/_platform/journal', 'archived'], ['alert-state/_platform/journal/sys1', '']]);
    expect([...(await broker.retained('alert-state/#')).keys()].sort()).toEqual(['alert-state/e1/s1/a1', 'alert-state/e1/s1/a2']);
  });

  it('retries the same row after a backoff on the clock when publishing fails, never skipping or reordering', async () => {
    const broker = await startBroker();
    cleanup.push(() => broker.close());
    const live = await subscriber(broker.port, 'alerts/#');
    cleanup.push(() => live.close());

    const store = new MemoryAlertStore();
    let a = step(store, null, 'a1', 'raised', T0);
    a = step(store, a, 'a1', 'acknowledged', T0 + 1000, { handling: 'acknowledged', ackByCentre: 'li' });
    step(store, null, 'a2', 'raised', T0 + 1500, { sensorId: 'gas-02' });
    step(store, a, 'a1', 'assessed', T0 + 2000, { handling: 'assessed', verdict: 'real' });
    const expected = store.pendingOutbox(100).map((r) => r.transition);

    // A broker hiccup: the first two publish calls fail.
    let calls = 0;
    const flaky: PublishFn = (topic, payload, opts) => (++calls <= 2 ? Promise.reject(new Error('broker unavailable')) : broker.publish(topic, payload, opts));
    const warnings: object[] = [];
    const clock = new ManualClock(T0 + 3000);
    const pub = new OutboxPublisher({ store, publish: flaky, clock, log: { warn: (o) => warnings.push(o) }, backoff: { minMs: 1000, maxMs: 60_000 } });
    cleanup.push(() => pub.stop());

    await pub.start(); // the first attempt fails on the first row
    expect(calls).toBe(1);
    expect(store.pendingOutbox(100)).toHaveLength(4);
    pub.kick(); // a commit during the backoff does not bypass it
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);

    clock.advance(999);
    expect(calls, 'nothing before the backoff is over').toBe(1);
    clock.advance(1);
    expect(await pub.drain(), 'second attempt fails too').toBe(0);
    expect(calls).toBe(2);
    expect(pub.failing).toBe(2);

    clock.advance(1999);
    expect(calls, 'the backoff doubled').toBe(2);
    clock.advance(1);
    expect(await pub.drain()).toBe(4);
    expect(pub.failing).toBe(0);
    expect(store.pendingOutbox(100)).toEqual([]);

    await live.until(4);
    expect(events(live.got)).toEqual(expected);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ seq: 1, alertId: 'a1', version: 1, attempt: 1, retryInMs: 1000 });
    expect(warnings[1]).toMatchObject({ seq: 1, alertId: 'a1', version: 1, attempt: 2, retryInMs: 2000 });
  });
  it('keeps many rows in flight, each alert\'s versions in order, and after a failure marks only up to it', async () => {
    const broker = await startBroker();
    cleanup.push(() => broker.close());
    const live = await subscriber(broker.port, 'alerts/#');
    cleanup.push(() => live.close());

    // Three alerts interleaved: a1 and a2 with three versions each, a3 with one.
    const store = new MemoryAlertStore();
    let a1 = step(store, null, 'a1', 'raised', T0);
    let a2 = step(store, null, 'a2', 'raised', T0 + 1, { sensorId: 'gas-02' });
    a1 = step(store, a1, 'a1', 'acknowledged', T0 + 2, { handling: 'acknowledged', ackByCentre: 'li' });
    step(store, null, 'a3', 'raised', T0 + 3, { sensorId: 'gas-03' });
    a2 = step(store, a2, 'a2', 'acknowledged', T0 + 4, { handling: 'acknowledged', ackByCentre: 'li' });
    step(store, a1, 'a1', 'assessed', T0 + 5, { handling: 'assessed', verdict: 'real' });
    step(store, a2, 'a2', 'assessed', T0 + 6, { handling: 'assessed', verdict: 'real' });
    const rows = store.pendingOutbox(100);

    // The publish calls that are pending at once, and a switch that makes a2's acknowledgement fail once.
    let inFlight = 0, most = 0;
    let failA2v2 = true;
    const calls: string[] = [];
    const watched: PublishFn = async (topic, payload, opts) => {
      const t = payload && topic.startsWith('alerts/') ? (JSON.parse(payload) as Transition) : null;
      if (t) calls.push(`${t.id}v${t.version}`);
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        if (t && t.id === 'a2' && t.version === 2 && failA2v2) { failA2v2 = false; throw new Error('broker hiccup'); }
        await broker.publish(topic, payload, opts);
      } finally {
        inFlight--;
      }
    };
    const clock = new ManualClock(T0 + 10);
    const pub = new OutboxPublisher({ store, publish: watched, clock, log: silentLog });
    cleanup.push(() => pub.stop());

    await pub.start();
    expect(pub.failing).toBe(1);
    expect(most, 'rows of different alerts are in flight together').toBeGreaterThan(1);
    expect(calls.indexOf('a2v2')).toBeGreaterThan(calls.indexOf('a2v1'));
    expect(calls, 'no later version of a2 after its failed one').not.toContain('a2v3');
    // Marked up to the row before the failed one: a2 v2 and everything after it are pending again.
    const left = store.pendingOutbox(100).map((r) => r.seq);
    expect(left[0]).toBe(rows.find((r) => r.transition.id === 'a2' && r.transition.version === 2)!.seq);
    expect(left).toEqual(rows.filter((r) => r.seq >= left[0]!).map((r) => r.seq));

    clock.advance(1000);
    expect(await pub.drain()).toBe(left.length);
    expect(store.pendingOutbox(100)).toEqual([]);
    expect(calls.filter((c) => c === 'a2v2'), 'the failed row went again').toHaveLength(2);
    // Every event arrived; per alert, the versions arrived in order (rows after the failed one of other alerts
    // may arrive twice: at least once).
    await live.until(rows.length);
    const got = events(live.got);
    for (const id of ['a1', 'a2', 'a3']) {
      const versions = got.filter((e) => e.id === id).map((e) => e.version);
      const firsts = versions.filter((v, i) => versions.indexOf(v) === i);
      expect(firsts, `first arrivals of ${id} in version order`).toEqual([...firsts].sort((x, y) => x - y));
      expect(new Set(versions)).toEqual(new Set(rows.filter((r) => r.transition.id === id).map((r) => r.transition.version)));
    }
  });
});

describe('topics', () => {
  const a = storedAlert('x9');
  const cases: { why: string; t: Transition; alert: StoredAlert | undefined; event: string; state: string }[] = [
    { why: 'sensor alert: enterprise/site/sensor', t: transition(a, 'raised', T0), alert: a, event: 'alerts/e1/s1/gas-01', state: 'alert-state/e1/s1/x9' },
    { why: 'site-level roll-up: _site', t: transition({ ...a, sensorId: null }, 'raised', T0), alert: undefined, event: 'alerts/e1/s1/_site', state: 'alert-state/e1/s1/x9' },
    {
      why: 'system alert: component from the key _platform/{component}/{what}',
      t: transition({ ...a, kind: 'system', enterpriseId: null, siteId: null, sensorId: null, rule: 'platform.x' }, 'raised', T0),
      alert: { ...a, key: '_platform/ingest/backlog' }, event: 'alerts/_platform/ingest', state: 'alert-state/_platform/ingest/x9',
    },
    {
      why: 'system alert without a known key: first segment of its rule id',
      t: transition({ ...a, kind: 'system', enterpriseId: null, siteId: null, sensorId: null, rule: 'journal.backlog' }, 'archived', T0),
      alert: undefined, event: 'alerts/_platform/journal', state: 'alert-state/_platform/journal/x9',
    },
  ];
  it.each(cases)('$why', ({ t, alert, event, state }) => {
    expect(eventTopic(t, alert)).toBe(event);
    expect(stateTopic(t, alert)).toBe(state);
  });
});
