// The rules part's composition (app/rules.ts): readings of baseline sensors (power meters) reach the series
// history the baselines are computed from, through the real platform (aedes, journal, rules consumer);
// readings of other sensors, and power readings whose quality is not ok, do not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteSeriesHistory, BUCKET_MS } from '../storage/history/sqlite-series.ts';
import { connect, deviceOpts } from '../test/support/mqtt.ts';
import { smallRegistry } from '../test/support/registry-fixture.ts';
import { startTestPlatform, until } from '../test/support/platform.ts';
import { ManualClock } from '../core/clock.ts';

describe('live readings → baseline history (real platform)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-rules-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records the power meter metrics of ok readings only, in 15-min means', async () => {
    const p = await startTestPlatform(smallRegistry(), { dataDir: dir });
    const bucket = Math.floor((Date.now() - 3_600_000) / BUCKET_MS) * BUCKET_MS;
    const c = await connect(p.mqttPort, deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d2')));
    const batch = [
      { site: 's1', sensor: 'pm-1', ts: bucket + 1_000, values: { p: 100, energy: 25 } },
      { site: 's1', sensor: 'pm-1', ts: bucket + 2_000, values: { p: 300, energy: 75 } },
      { site: 's1', sensor: 'pm-1', ts: bucket + 3_000, values: { p: 9_999, energy: 9_999 }, quality: 'maintenance' }, // not ok: not a baseline sample
      { site: 's1', sensor: 'ch4-2', ts: bucket + 1_000, values: { ch4: 0.3 } }, // not a baseline type
    ];
    const rejects: string[] = [];
    c.on('message', (_t, m) => rejects.push(m.toString()));
    await c.subscribeAsync('errors/e1/d2');
    await c.publishAsync('gateways/e1/d2', JSON.stringify(batch), { qos: 1 });
    await until(() => p.journal.stats().lastPos >= 4, 10_000, 'the four readings in the journal');
    expect(rejects).toEqual([]);
    await c.endAsync();
    await p.cleanup(); // stopping flushes the history

    const h = new SqliteSeriesHistory({ path: join(dir, 'history.db'), now: () => Date.now() });
    const q = (sensorId: string, metric: string) => h.series({ enterpriseId: 'e1', sensorId, metric, fromMs: bucket, toMs: bucket + BUCKET_MS, everyMs: BUCKET_MS });
    try {
      expect(await q('pm-1', 'p')).toEqual([{ ts: bucket, value: 200 }]);
      expect(await q('pm-1', 'energy')).toEqual([{ ts: bucket, value: 50 }]);
      expect(await q('ch4-2', 'ch4')).toEqual([]);
    } finally {
      h.close();
    }
  });
});

describe('the holiday calendar system alert (real platform, injected clock)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-rules-calendar-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const calendarAlerts = (p: Awaited<ReturnType<typeof startTestPlatform>>) =>
    p.rules.manager.list({ state: 'all', limit: 10, kind: 'system' }).alerts.filter((a) => a.rule === 'system.holiday_calendar');

  it('warns a month before a year the shipped calendar lacks, turns yellow inside it, and recovers after a restart without the condition', async () => {
    // why: config/holidays.yaml covers 2025–2026; from 1 Dec 2026 (Beijing) the 2027 notice is due, and from
    // 1 Jan 2027 holidays would be judged as ordinary days. A restart on a date with nothing to say closes it.
    const clock = new ManualClock('2026-11-30T15:00:00Z'); // 23:00 Beijing, 30 Nov: 32 days ahead
    let p = await startTestPlatform(smallRegistry(), { dataDir: dir, clock });
    try {
      expect(calendarAlerts(p)).toEqual([]);
      clock.advance(2 * 60 * 60_000); // 01:00 Beijing, 1 Dec
      expect(calendarAlerts(p)).toMatchObject([{ level: 'blue', condition: 'active' }]);
      expect(calendarAlerts(p)[0]!.message).toContain('尚未包含 2027 年');
      clock.set(Date.parse('2026-12-31T16:30:00Z')); // 00:30 Beijing, 1 Jan 2027
      expect(calendarAlerts(p)).toMatchObject([{ level: 'yellow', condition: 'active' }]);
    } finally { await p.stop(); }
    const later = new ManualClock('2026-11-01T00:00:00Z');
    p = await startTestPlatform(smallRegistry(), { dataDir: dir, clock: later });
    try {
      expect(calendarAlerts(p)).toMatchObject([{ condition: 'active' }]);
      later.advance(1000); // the first check, a second after start
      expect(calendarAlerts(p)).toMatchObject([{ condition: 'recovered' }]);
    } finally { await p.stop(); }
  }, 60_000);
});
