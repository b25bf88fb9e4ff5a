// The embedded default (architecture.md): a configured InfluxDB wins; else a managed influxd from PATH on
// loopback under {dataDir}/influxdb (a busy port is said and another used); else history is off, said
// plainly, and the journal is not held back for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { SqliteJournal } from '../storage/journal/sqlite-journal.ts';
import { influxPing } from '../storage/influx/transport.ts';
import { freePort } from '../test/support/ports.ts';
import { platformFromEnv } from './config.ts';
import { prepareStorage, type StoragePart } from './storage.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function capture() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as (typeof lines)[number]); } });
  return { log, lines };
}

async function setup(env: Record<string, string>, platform: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rw-storage-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const cfg = platformFromEnv(platform, { RISKWATCH_DATA_DIR: dataDir, ...env }, 'test.yaml');
  const journal = new SqliteJournal({ path: join(dataDir, 'journal.db'), fsync: false, limitBytes: 1e9, dedupeWindowMs: 864e5, now: () => Date.now() });
  await journal.start();
  cleanups.push(() => journal.stop());
  const { log, lines } = capture();
  const part: StoragePart = await prepareStorage({ cfg, journal, journalPath: join(dataDir, 'journal.db'), registry: () => ({ enterprises: new Map(), sites: new Map(), sensors: new Map(), devices: new Map() }), clock: systemClock, log });
  cleanups.push(() => part.stopInfluxd());
  return { part, lines, dataDir, journal };
}

describe('prepareStorage: which InfluxDB', () => {
  it('uses the configured URL (RISKWATCH_INFLUX_URL, _TOKEN, _DB) and starts no influxd', async () => {
    const { part } = await setup({ RISKWATCH_INFLUX_URL: 'http://influx.example:8086', RISKWATCH_INFLUX_TOKEN: 't0k', RISKWATCH_INFLUX_DB: 'plant' });
    expect(part.mode).toBe('configured');
    expect(part.influxd).toBeNull();
    expect(part.conn).toEqual({ url: 'http://influx.example:8086', token: 't0k', db: 'plant', rp: null, org: null });
  });

  it('starts a managed influxd on loopback under {dataDir}/influxdb on the configured port, with a one-line note', async () => {
    const port = await freePort();
    const { part, lines, dataDir } = await setup({ RISKWATCH_INFLUX_PORT: String(port) });
    expect(part.mode).toBe('managed');
    expect(part.conn!.url).toBe(`http://127.0.0.1:${port}`);
    expect(await influxPing(part.conn!)).toBe(true);
    expect(part.influxd!.log()).not.toContain('bind: address already in use');
    const note = lines.find((l) => l.msg.includes('1.6.7'))!;
    expect(note.msg).toMatch(/^历史数据写入本机 influxd.*local use only/);
    expect(note.dir).toBe(join(dataDir, 'influxdb'));
  });

  it('says when the port is busy and uses a free one', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const { part, lines } = await setup({}, { influx: { port } });
    expect(part.mode).toBe('managed');
    expect(part.conn!.url).not.toBe(`http://127.0.0.1:${port}`);
    expect(await influxPing(part.conn!)).toBe(true);
    expect(lines.some((l) => l.level === 40 && l.msg.includes(`${port}`) && l.msg.includes('busy'))).toBe(true);
  });

  it('is off when told so, says plainly that history and Grafana are off, and releases the journal', async () => {
    const { part, lines, journal } = await setup({ RISKWATCH_INFLUX_URL: 'off' });
    expect(part.mode).toBe('off');
    expect(part.conn).toBeNull();
    expect(lines.some((l) => l.msg.includes('历史曲线和 Grafana 不可用') && l.msg.includes('history and Grafana are off'))).toBe(true);
    expect(part.metrics()).toMatchObject({ enabled: false });
    // Nothing holds the journal for InfluxDB: with an acking consumer the spool stays empty.
    journal.subscribe('c', (es, c) => c.ack(es[es.length - 1]!.pos));
    await journal.append([{ enterpriseId: 'e', siteId: 's', sensorId: 'x', ts: 1, seq: null, boot: null, quality: 'ok', vals: '{"v":1}', receivedAt: 1, deviceId: null, source: 'mqtt' }]);
    await new Promise((r) => setTimeout(r, 50));
    await journal.flushCursors();
    await journal.append([{ enterpriseId: 'e', siteId: 's', sensorId: 'x', ts: 2, seq: null, boot: null, quality: 'ok', vals: '{"v":1}', receivedAt: 2, deviceId: null, source: 'mqtt' }]);
    expect(journal.stats().unconsumedBytes).toBeLessThan(200);
  });

  it('refuses a RISKWATCH_INFLUX_URL that is not an http(s) URL', () => {
    expect(() => platformFromEnv({}, { RISKWATCH_INFLUX_URL: 'influx:8086' }, 'x.yaml')).toThrow(/RISKWATCH_INFLUX_URL/);
  });
});
