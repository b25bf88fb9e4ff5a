// InfluxWriter against a real influxd 1.6.7 and a real SqliteJournal: live commits through the journal's tap
// and backlog reads from the journal must together write every accepted row exactly once — under bursts of
// appends with duplicates, across a writer restart in the middle (the cursor), and from a cursor behind the tap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import type { PendingEntry } from '../../ingest/journal.ts';
import { startTestInfluxd, type TestInfluxd } from '../../test/support/influx.ts';
import { SqliteJournal } from '../journal/sqlite-journal.ts';
import { influxQuery } from './transport.ts';
import { INFLUX_CONSUMER, InfluxWriter } from './writer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: 'silent' });

describe('InfluxWriter: live tap and journal reads together', () => {
  let influx: TestInfluxd;
  let dir: string;
  let journal: SqliteJournal;
  beforeAll(async () => {
    influx = await startTestInfluxd('rw_writer');
    dir = mkdtempSync(join(tmpdir(), 'rw-writer-'));
    journal = new SqliteJournal({ path: join(dir, 'journal.db'), fsync: false, limitBytes: 1e9, dedupeWindowMs: 86_400_000, now: () => Date.now() });
    await journal.start();
    journal.subscribe('rules', (es, c) => c.ack(es[es.length - 1]!.pos));
  });
  afterAll(async () => {
    await journal?.stop();
    await influx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every accepted row exactly once through bursts, duplicates and a restart of the writer', async () => {
    const series = Array.from({ length: 50 }, (_, i) => ({ enterpriseId: 'e1', siteId: 's1', sensorId: `g${i}`, type: 'gas_combustible', county: '530402', intervalS: 60 }));
    const start = () => {
      const w = new InfluxWriter({
        conn: influx.conn, journal, journalPath: join(dir, 'journal.db'), series: () => series, alerts: null, clock: systemClock, log,
        liveTap: () => journal.tap(), tuning: { batchLines: 700, lingerMs: 5, pollMs: 50 },
      });
      return w.start().then(() => w);
    };
    // Rows before the writer exists: read back from the journal; then live bursts.
    const t0 = Date.UTC(2026, 10, 22);
    let n = 0;
    const burst = (size: number): PendingEntry[] => Array.from({ length: size }, () => {
      const k = n++;
      // Every seventh row repeats the previous one of its sensor: a duplicate the journal drops.
      const j = k % 7 === 6 ? k - 50 : k;
      return { enterpriseId: 'e1', siteId: 's1', sensorId: `g${j % 50}`, ts: t0 + j * 10, seq: j, boot: null, quality: 'ok', vals: `{"lel":${j % 100}}`, receivedAt: t0 + j * 10 + 5, deviceId: null, source: 'mqtt' };
    });
    await journal.append(burst(3000));
    let w = await start();
    const appends: Promise<unknown>[] = [];
    for (let round = 0; round < 60; round++) {
      for (let c = 0; c < 1 + (round % 4); c++) appends.push(journal.append(burst(1 + ((round * 37 + c * 11) % 400))));
      await sleep(round % 5 === 0 ? 0 : 15);
      if (round === 30) { await w.stop(); w = await start(); } // a restart in the middle: the cursor, then the tap again
    }
    await Promise.all(appends);
    const consumer = journal.consumer(INFLUX_CONSUMER);
    const end = Date.now() + 30_000;
    while (consumer.pos < journal.stats().lastPos && Date.now() < end) await sleep(20);
    await w.stop();
    const rows = journal.read(0, 1_000_000).map((e) => `${e.sensorId}/${e.ts}/${e.seq}`).sort();
    const [res] = await influxQuery(influx.conn, 'SELECT seq, lel FROM reading GROUP BY sensor', { epoch: 'u' });
    const points = res!.series.flatMap((s) => s.values.map((v) => `${s.tags!.sensor}/${Math.floor((v[0] as number) / 1000)}/${v[1]}`)).sort();
    expect(rows.length).toBeGreaterThan(10_000);
    expect(points.length).toBe(rows.length);
    expect(points).toEqual(rows);
  }, 90_000);
});
