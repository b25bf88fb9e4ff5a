import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJournal } from '../storage/journal/sqlite-journal.ts';
import { compileRegistry } from '../storage/registry/compile.ts';
import { smallRegistry } from '../test/support/registry-fixture.ts';
import { IngestCounters } from './counters.ts';
import { Ingest, type IngestInput } from './ingest.ts';
import type { IngestRegistry } from './registry-view.ts';

const NOW = Date.parse('2026-11-22T08:00:00+08:00');
const dir = mkdtempSync(join(tmpdir(), 'rw-ingest-'));
const journal = new SqliteJournal({ path: join(dir, 'j.db'), fsync: false, limitBytes: 1e9, dedupeWindowMs: 86_400_000, now: () => NOW });
const compiled = compileRegistry(smallRegistry().enterprises, []);
const registry: IngestRegistry = { sensor: (e, s) => compiled.sensors.get(`${e}/${s}`) };
const counters = new IngestCounters();
const ingest = new Ingest({ registry, journal, counters, rules: { maxFutureMs: 300_000, latenessMs: 7 * 86_400_000 }, now: () => NOW });
beforeAll(() => journal.start());
afterAll(async () => { await journal.stop(); rmSync(dir, { recursive: true, force: true }); });

let seq = 0;
const ok = (over: Record<string, unknown> = {}) => ({ ts: NOW - 1000, values: { ch4: 0.42 }, seq: ++seq, ...over });
const send = (topic: string, body: unknown, deviceId: string | null = 'd1', source: IngestInput['source'] = 'mqtt') =>
  ingest.handle({ source, topic, payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), enterpriseId: 'e1', deviceId });

describe('ingest: one reading per topic', () => {
  it.each([
    ['a valid reading', 'sensors/e1/s1/ch4-1', ok(), null],
    ['ISO ts with +08:00 offset', 'sensors/e1/s1/ch4-1', ok({ ts: '2026-11-22T07:59:00.000+08:00' }), null],
    ['quality calibrating is stored (it drives device state, not alarms)', 'sensors/e1/s1/ch4-1', ok({ quality: 'calibrating' }), null],
    ['topic with an upper-case id', 'sensors/e1/S1/ch4-1', ok(), 'RW_ERR_TOPIC'],
    ['topic of another enterprise', 'sensors/e2/s1/ch4-1', ok(), 'RW_ERR_TOPIC'],
    ['too few topic levels', 'sensors/e1/ch4-1', ok(), 'RW_ERR_TOPIC'],
    ['not JSON', 'sensors/e1/s1/ch4-1', '{"ts":', 'RW_ERR_PAYLOAD_JSON'],
    ['JSON but a number', 'sensors/e1/s1/ch4-1', '42', 'RW_ERR_PAYLOAD_JSON'],
    ['nested too deep', 'sensors/e1/s1/ch4-1', '[[[[[{"ts":1}]]]]]', 'RW_ERR_PAYLOAD_JSON'],
    ['an unknown field', 'sensors/e1/s1/ch4-1', ok({ unit: '%' }), 'RW_ERR_PAYLOAD_SCHEMA'],
    ['values missing', 'sensors/e1/s1/ch4-1', { ts: NOW }, 'RW_ERR_PAYLOAD_SCHEMA'],
    ['values empty', 'sensors/e1/s1/ch4-1', ok({ values: {} }), 'RW_ERR_PAYLOAD_SCHEMA'],
    ['seq negative', 'sensors/e1/s1/ch4-1', ok({ seq: -1 }), 'RW_ERR_PAYLOAD_SCHEMA'],
    ['a sensor not in the registry', 'sensors/e1/s1/nope', ok(), 'RW_ERR_UNKNOWN_SENSOR'],
    ['a registered sensor under the wrong site', 'sensors/e1/s2/ch4-1', ok(), 'RW_ERR_UNKNOWN_SENSOR'],
    ['a sensor of the same enterprise not assigned to this device', 'sensors/e1/s1/ch4-2', ok(), 'RW_ERR_ACL_DENIED'],
    ['a metric the type does not define', 'sensors/e1/s1/ch4-1', ok({ values: { co: 3 } }), 'RW_ERR_UNKNOWN_METRIC'],
    ['a string value', 'sensors/e1/s1/ch4-1', ok({ values: { ch4: '0.4' } }), 'RW_ERR_VALUE'],
    ['an infinite value (1e400)', 'sensors/e1/s1/ch4-1', '{"ts":' + (NOW - 1) + ',"values":{"ch4":1e400}}', 'RW_ERR_VALUE'],
    ['a number for a boolean metric', 'sensors/e1/s1/feed-1', ok({ values: { feed: 1 } }), 'RW_ERR_VALUE'],
    ['unknown quality', 'sensors/e1/s1/ch4-1', ok({ quality: 'bad' }), 'RW_ERR_QUALITY'],
    ['ts missing is a missing field', 'sensors/e1/s1/ch4-1', { values: { ch4: 0.4 } }, 'RW_ERR_PAYLOAD_SCHEMA'],
    ['an impossible date (Feb 30) is not rolled over to March', 'sensors/e1/s1/ch4-1', ok({ ts: '2026-02-30T00:00:00+08:00' }), 'RW_ERR_TS_FORMAT'],
    ['ts without an offset', 'sensors/e1/s1/ch4-1', ok({ ts: '2026-11-22T08:00:00' }), 'RW_ERR_TS_FORMAT'],
    ['ts in epoch seconds', 'sensors/e1/s1/ch4-1', ok({ ts: Math.floor(NOW / 1000) }), 'RW_ERR_TS_FORMAT'],
    ['ts 6 minutes in the future (limit 5)', 'sensors/e1/s1/ch4-1', ok({ ts: NOW + 360_000 }), 'RW_ERR_TS_FUTURE'],
    ['ts 8 days old (lateness 7 d)', 'sensors/e1/s1/ch4-1', ok({ ts: NOW - 8 * 86_400_000 }), 'RW_ERR_TS_TOO_OLD'],
    ['ts before the commissioning date', 'sensors/e1/s1/ch4-1', ok({ ts: Date.parse('2023-06-01T00:00:00Z') }), 'RW_ERR_TS_TOO_OLD'],
  ])('%s', async (_why, topic, body, code) => {
    const out = await send(topic, body);
    if (code === null) {
      expect(out.rejects).toEqual([]);
      expect(out.accepted).toBe(1);
    } else {
      expect(out.accepted).toBe(0);
      expect(out.rejects.map((r) => r.code)).toEqual([code]);
    }
  });
});

describe('ingest: arrays and gateways', () => {
  it('keeps the valid readings of a gateway batch and reports each bad one with its index', async () => {
    const out = await send('gateways/e1/d1', [
      { site: 's1', sensor: 'ch4-1', ...ok() },
      { site: 's1', sensor: 'ch4-2', ...ok() },
      { site: 's1', sensor: 'feed-1', ...ok({ values: { feed: true } }) },
      { site: 's1', sensor: 'ch4-1', ...ok({ values: { ch4: 'x' } }) },
    ]);
    expect(out.accepted).toBe(2);
    expect(out.rejects.map((r) => [r.code, r.index, r.sensorId])).toEqual([['RW_ERR_ACL_DENIED', 1, 'ch4-2'], ['RW_ERR_VALUE', 3, 'ch4-1']]);
  });
  it('refuses a gateway topic of another device', async () => {
    const out = await send('gateways/e1/d2', [{ site: 's1', sensor: 'ch4-2', ...ok() }]);
    expect(out.rejects.map((r) => r.code)).toEqual(['RW_ERR_ACL_DENIED']);
  });
  it('refuses more than 1,000 readings in one array as a whole', async () => {
    const out = await send('sensors/e1/s1/ch4-1', Array.from({ length: 1001 }, (_, i) => ok({ ts: NOW - 100_000 + i })));
    expect(out.accepted).toBe(0);
    expect(out.rejects.map((r) => r.code)).toEqual(['RW_ERR_BATCH_TOO_LARGE']);
  });
  it('takes a sensor backlog (array on a sensor topic) and drops its replay as duplicates, not errors', async () => {
    const backlog = Array.from({ length: 50 }, (_, i) => ({ ts: NOW - 3_600_000 + i * 1000, values: { ch4: 0.3 }, seq: 10_000 + i, boot: 'b7' }));
    const first = await send('sensors/e1/s1/ch4-1', backlog);
    const replay = await send('sensors/e1/s1/ch4-1', backlog);
    expect([first.accepted, replay.accepted, replay.duplicates, replay.rejects.length]).toEqual([50, 0, 50, 0]);
  });
  it('lets history older than the lateness limit in through the import path only', async () => {
    const old = [{ site: 's1', sensor: 'ch4-1', ts: NOW - 30 * 86_400_000, values: { ch4: 0.2 } }];
    const out = await ingest.handle({ source: 'import', topic: 'import/e1', payload: Buffer.from(JSON.stringify(old)), enterpriseId: 'e1', deviceId: null });
    expect(out.accepted).toBe(1);
  });
  it('counts every reject by code and every acceptance', () => {
    expect(counters.accepted).toBeGreaterThan(0);
    expect(counters.rejected.get('RW_ERR_TOPIC')).toBeGreaterThanOrEqual(3);
  });
});
