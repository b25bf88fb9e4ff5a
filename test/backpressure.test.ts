// contract.md "Backpressure": the journal is never trimmed below its slowest consumer; at its limit new
// readings are refused with RW_ERR_BACKLOG_FULL (QoS 1 PUBACK withheld, HTTP 503) — refused loudly, never
// dropped silently. A 20 kB journal and a durable consumer that never reads ("stalled") stand in for a
// storage or rules consumer that has stopped; the built-in `rules` consumer acks everything, so without
// "stalled" the journal would never fill.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { smallRegistry } from './support/registry-fixture.ts';
import { startTestPlatform, until, type TestPlatform } from './support/platform.ts';
import { connect, deviceOpts } from './support/mqtt.ts';

const LIMIT = 20_000;
const T0 = Date.now() - 60_000;
let p: TestPlatform;
let token: string;
let dev: MqttClient;
let seq = 0;

type Via = 'qos0' | 'qos1' | 'http';
/** Every reading sent, by key ts|seq (sensor ch4-1 of e1, device d1), with how it went. */
const sent = new Map<string, { via: Via; outcome: 'acked' | 'refused' | 'unknown' }>();
const errors: { code: string; seq: number | null; topic: string }[] = [];

const next = () => { const s = ++seq; return { key: `${T0 + s}|${s}`, reading: { ts: T0 + s, values: { ch4: 0.25 }, seq: s } }; };

async function deviceClient(): Promise<MqttClient> {
  const c = await connect(p.mqttPort, deviceOpts('e1.d1', token));
  c.on('message', (_t, payload) => errors.push(JSON.parse(payload.toString()) as { code: string; seq: number | null; topic: string }));
  // The errors topic with the publishing client itself: a second session with the same client id would take this one over.
  await c.subscribeAsync('errors/e1/d1', { qos: 0 });
  return c;
}

/** A QoS 1 reading: 'acked' on PUBACK, 'refused' when the broker closes the connection instead. */
function publishQos1(c: MqttClient): Promise<{ key: string; outcome: 'acked' | 'refused' }> {
  const { key, reading } = next();
  sent.set(key, { via: 'qos1', outcome: 'unknown' });
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: 'acked' | 'refused') => { if (done) return; done = true; c.removeListener('close', onClose); sent.get(key)!.outcome = outcome; resolve({ key, outcome }); };
    const onClose = () => setTimeout(() => finish('refused'), 200); // a PUBACK, had there been one, was read before the close
    c.once('close', onClose);
    c.publish('sensors/e1/s1/ch4-1', JSON.stringify(reading), { qos: 1 }, (err) => { if (!err) finish('acked'); });
  });
}
function publishQos0(c: MqttClient): string {
  const { key, reading } = next();
  sent.set(key, { via: 'qos0', outcome: 'unknown' });
  c.publish('sensors/e1/s1/ch4-1', JSON.stringify(reading), { qos: 0 });
  return key;
}
async function postHttp(): Promise<{ key: string; status: number; body: { code?: string; accepted?: number } }> {
  const { key, reading } = next();
  sent.set(key, { via: 'http', outcome: 'unknown' });
  const res = await fetch(`${p.urls.http}/api/readings/e1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`e1.d1:${token}`).toString('base64')}` },
    body: JSON.stringify([{ site: 's1', sensor: 'ch4-1', ...reading }]),
  });
  const body = (await res.json()) as { code?: string; accepted?: number };
  sent.get(key)!.outcome = res.status === 200 ? 'acked' : 'refused';
  return { key, status: res.status, body };
}
const journalKeys = () => p.journal.read(0, 1e6).map((e) => `${e.ts}|${e.seq}`);
const full = () => p.counters.ingest.rejected.get('RW_ERR_BACKLOG_FULL') ?? 0;
async function metrics(): Promise<Record<string, number>> {
  const text = await (await fetch(p.urls.metrics)).text();
  return Object.fromEntries(text.split('\n').filter((l) => l.startsWith('riskwatch_spool')).map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]));
}

beforeAll(async () => {
  // The rules consumer lets the journal go at its checkpoints (rules/runtime.ts); a short interval here so
  // that "caught up" frees the journal within the test, as a 60 s default does in production.
  p = await startTestPlatform(smallRegistry(), { platform: { journal: { fsync: false, limitBytes: LIMIT }, rules: { checkpointMs: 200 } } });
  p.journal.declareConsumer('stalled');
  token = p.registry.demoTokenFor('e1.d1');
  dev = await deviceClient();
});
afterAll(async () => { dev?.end(true); await p?.cleanup(); });

describe('backpressure at the journal limit', () => {
  // Why: a full journal must push back on every path (QoS 0, QoS 1, HTTP), and a QoS 1 publisher must
  // not be told "stored" for a reading that was not: no PUBACK, so the device keeps it and resends.
  it('refuses readings once the unconsumed bytes reach the limit, withholding the QoS 1 PUBACK', async () => {
    let refusedQos1: string | null = null;
    // 10 QoS 0 + 1 HTTP + 1 QoS 1 per round, until a QoS 1 reading is refused. 20 kB ≈ 230 readings.
    for (let round = 0; round < 200 && !refusedQos1; round++) {
      for (let i = 0; i < 10; i++) publishQos0(dev);
      const [, q1] = await Promise.all([postHttp(), publishQos1(dev)]);
      if (q1.outcome === 'refused') refusedQos1 = q1.key;
    }
    expect(refusedQos1, 'a QoS 1 reading was refused').not.toBeNull();
    expect(dev.connected, 'the broker closed the connection instead of PUBACKing').toBe(false);
    expect(full()).toBeGreaterThan(0);
    const acked = [...sent.values()].filter((s) => s.outcome === 'acked').length;
    expect(acked, 'QoS 1 and HTTP readings were taken before the limit').toBeGreaterThan(10);
    expect(p.journal.stats().lastPos, 'the journal took ~20 kB of readings').toBeGreaterThan(150);
  });

  // Why: "refused loudly": the device hears about it on its errors topic, HTTP says 503 with the code,
  // and operators see the spool at its limit in /metrics.
  it('tells the device on errors/e1/d1, answers HTTP 503 RW_ERR_BACKLOG_FULL, and shows the spool at its limit', async () => {
    dev.end(true);
    dev = await deviceClient();
    const key = publishQos0(dev);
    const s = Number(key.split('|')[1]);
    await until(() => errors.some((e) => e.code === 'RW_ERR_BACKLOG_FULL' && e.seq === s), 5000, 'RW_ERR_BACKLOG_FULL on errors/e1/d1');
    expect(errors.find((e) => e.seq === s)).toMatchObject({ code: 'RW_ERR_BACKLOG_FULL', topic: 'sensors/e1/s1/ch4-1' });
    expect(dev.connected, 'a refused QoS 0 reading does not cost the connection').toBe(true);

    const http = await postHttp();
    expect([http.status, http.body.code, http.body.accepted]).toEqual([503, 'RW_ERR_BACKLOG_FULL', 0]);

    const m = await metrics();
    expect(m.riskwatch_spool_limit_bytes).toBe(LIMIT);
    expect(m.riskwatch_spool_bytes).toBeLessThanOrEqual(LIMIT);
    expect(m.riskwatch_spool_bytes, 'within one entry of the limit').toBeGreaterThan(LIMIT - 200);
  });

  // Why: the guarantee's other half — nothing acknowledged is lost, nothing refused is stored, and
  // every reading that is not stored was counted as refused (none dropped silently).
  it('lost nothing it acknowledged and stored nothing it refused', async () => {
    await new Promise((r) => setTimeout(r, 200)); // let the last QoS 0 publishes land
    const stored = new Set(journalKeys());
    const keys = [...sent.entries()];
    expect(keys.filter(([k, s]) => s.outcome === 'acked' && !stored.has(k)).map(([k]) => k), 'acknowledged but missing').toEqual([]);
    expect(keys.filter(([k, s]) => s.outcome === 'refused' && stored.has(k)).map(([k]) => k), 'refused but stored').toEqual([]);
    expect([...stored].filter((k) => !sent.has(k)), 'stored but never sent').toEqual([]);
    const notStored = keys.filter(([k]) => !stored.has(k));
    expect(full(), 'every reading not stored was refused with RW_ERR_BACKLOG_FULL').toBe(notStored.length);
    const erroredSeqs = errors.filter((e) => e.code === 'RW_ERR_BACKLOG_FULL').map((e) => `${T0 + e.seq!}|${e.seq}`);
    expect(erroredSeqs.filter((k) => stored.has(k)), 'an error message for a reading that was stored').toEqual([]);
    expect(p.counters.ingest.accepted).toBe(stored.size);
  });

  // Why: the journal must hold its backlog for a consumer that has fallen behind, and hand it over.
  it('lets the stalled consumer read the whole backlog and ack it', async () => {
    const c = p.journal.subscribe('stalled', (es, cons) => cons.ack(es.at(-1)!.pos));
    await until(() => c.pos >= p.journal.stats().lastPos, 5000, 'stalled consumer caught up');
    expect(c.pos).toBe(p.journal.read(0, 1e6).at(-1)!.pos);
  });

  // Why: once the slowest consumer has acked, there is room, so the next reading must be taken. It is not:
  // the journal writer checks the limit against the consumed offset of the previous commit (see the
  // report: journal-worker.ts recomputes it only after the limit checks), so the first reading after the
  // catch-up is still refused — for QoS 1 that also costs the device its connection. Remove .fails once fixed.
  it('takes the very first reading after the consumer caught up (the stale consumed offset was fixed)', async () => {
    if (!dev.connected) { dev.end(true); dev = await deviceClient(); }
    expect((await publishQos1(dev)).outcome).toBe('acked');
  });

  // Why: backpressure is temporary — once the slowest consumer catches up, readings flow again on every path.
  it('accepts readings again once the stalled consumer has read and acked', async () => {
    if (!dev.connected) { dev.end(true); dev = await deviceClient(); }
    const before = p.counters.ingest.accepted;
    for (let i = 0; i < 5; i++) expect((await publishQos1(dev)).outcome, `QoS 1 reading ${i} after the consumer caught up`).toBe('acked');
    const http = await postHttp();
    expect(http.status).toBe(200);
    expect(p.counters.ingest.accepted - before).toBe(6);
    const m = await metrics();
    expect(m.riskwatch_spool_bytes, 'the spool drained').toBeLessThan(1000);
    const stored = new Set(journalKeys());
    expect([...sent.entries()].filter(([k, s]) => s.outcome === 'acked' && !stored.has(k)).map(([k]) => k), 'acknowledged but missing').toEqual([]);
    expect([...sent.entries()].filter(([k, s]) => s.outcome === 'refused' && stored.has(k)).map(([k]) => k), 'refused but stored').toEqual([]);
  });

});
