import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { JournalEntry } from '../../core/reading.ts';
import type { PendingEntry } from '../../ingest/journal.ts';
import Database from 'better-sqlite3';
import { SqliteJournal } from './sqlite-journal.ts';
import { JournalReader, rowIds, rowsOfCommit } from './reader.ts';
import type { TapCommit } from './protocol.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function open(opts: Partial<ConstructorParameters<typeof SqliteJournal>[0]> = {}, dir = mkdtempSync(join(tmpdir(), 'rw-journal-'))) {
  dirs.push(dir);
  let now = Date.UTC(2026, 10, 22);
  const j = new SqliteJournal({ path: join(dir, 'journal.db'), fsync: false, limitBytes: 1e9, dedupeWindowMs: 86_400_000, now: () => now, ...opts });
  return { j, dir, setNow: (t: number) => void (now = t) };
}

/** kill -9 of the writer: the worker thread ends without its close (no final sync of in-memory state). */
async function crash(j: SqliteJournal): Promise<void> {
  const internals = j as unknown as { worker: Worker; reader: { close(): void }; timer: NodeJS.Timeout };
  clearInterval(internals.timer);
  await internals.worker.terminate();
  internals.reader.close();
}
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond(), what).toBe(true);
};

const entry = (sensorId: string, ts: number, seq: number | null, over: Partial<PendingEntry> = {}): PendingEntry => ({
  enterpriseId: 'e1', siteId: 's1', sensorId, ts, seq, boot: 'b1', quality: 'ok', vals: '{"lel":1.5}',
  receivedAt: ts, deviceId: 'd1', source: 'mqtt', ...over,
});

describe('SqliteJournal', () => {
  it('accepts, numbers in order and reads back what it accepted', async () => {
    const { j } = open();
    await j.start();
    const r = await j.append([entry('a', 1000, 1), entry('b', 1000, 1)]);
    expect(r).toEqual([{ status: 'accepted', pos: 1 }, { status: 'accepted', pos: 2 }]);
    const back = j.read(0, 10);
    expect(back.map((e) => [e.sensorId, e.pos, e.values])).toEqual([['a', 1, { lel: 1.5 }], ['b', 2, { lel: 1.5 }]]);
    await j.stop();
  });

  it('drops a reading with the same (sensor, ts, seq) as a duplicate, also within one batch', async () => {
    const { j } = open();
    await j.start();
    await j.append([entry('a', 1000, 1)]);
    const r = await j.append([entry('a', 1000, 1), entry('a', 2000, 2), entry('a', 2000, 2)]);
    expect(r.map((x) => x.status)).toEqual(['duplicate', 'accepted', 'duplicate']);
    await j.stop();
  });

  it('keeps a rebooted device whose seq restarted (different ts) — not a duplicate', async () => {
    const { j } = open();
    await j.start();
    await j.append([entry('a', 1000, 5)]);
    const r = await j.append([entry('a', 3000, 1, { boot: 'b2' })]);
    expect(r[0]!.status).toBe('accepted');
    await j.stop();
  });

  it('beyond the key window, an older reading whose seq is not above the last of the same boot is a duplicate', async () => {
    const { j, setNow } = open({ dedupeWindowMs: 1000 });
    await j.start();
    setNow(100_000);
    await j.append([entry('a', 99_500, 10)]);
    const r = await j.append([entry('a', 50_000, 7), entry('a', 50_001, 11), entry('a', 50_002, 3, { boot: 'other' })]);
    expect(r.map((x) => x.status)).toEqual(['duplicate', 'accepted', 'accepted']);
    await j.stop();
  });

  it('refuses with full once unconsumed bytes reach the limit, and accepts again after the consumer acks', async () => {
    const { j } = open({ limitBytes: 400 });
    await j.start();
    j.declareConsumer('slow');
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await j.append([entry('a', 1000 + i, i)]))[0]!.status);
    expect(statuses.filter((s) => s === 'accepted').length).toBeGreaterThan(0);
    expect(statuses.slice(-1)).toEqual(['full']);
    const accepted = statuses.filter((s) => s === 'accepted').length;
    expect(j.read(0, 100)).toHaveLength(accepted);
    const got: JournalEntry[] = [];
    j.subscribe('slow', (es, c) => { got.push(...es); c.ack(es[es.length - 1]!.pos); });
    await new Promise((r) => setTimeout(r, 20));
    await j.flushCursors();
    expect(got).toHaveLength(accepted);
    expect((await j.append([entry('a', 5000, 99)]))[0]!.status).toBe('accepted');
    await j.stop();
  });

  it('survives a restart: cursor, positions and dedupe keys persist; the consumer resumes after its cursor', async () => {
    const first = open();
    await first.j.start();
    const seen: number[] = [];
    first.j.subscribe('c', (es, c) => { for (const e of es) seen.push(e.pos); c.ack(es[es.length - 1]!.pos); });
    await first.j.append([entry('a', 1, 1), entry('a', 2, 2)]);
    await first.j.flushCursors();
    await first.j.stop();
    const second = open({}, first.dir);
    await second.j.start();
    expect((await second.j.append([entry('a', 2, 2), entry('a', 3, 3)])).map((r) => r.status)).toEqual(['duplicate', 'accepted']);
    const resumed: number[] = [];
    second.j.subscribe('c', (es) => { for (const e of es) resumed.push(e.pos); });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([1, 2]);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toBeGreaterThan(2);
    await second.j.stop();
  });

  it('answers each caller of one turn with its own results, and dedupes across callers in the same commit', async () => {
    const { j } = open();
    await j.start();
    const calls = Array.from({ length: 50 }, (_, i) => j.append([entry('a', 1000 + (i % 25), i % 25), entry('b', 1000 + i, i)]));
    const results = await Promise.all(calls);
    expect(results.slice(0, 25).every((r) => r.every((x) => x.status === 'accepted'))).toBe(true);
    expect(results.slice(25).map((r) => r.map((x) => x.status))).toEqual(Array.from({ length: 25 }, () => ['duplicate', 'accepted']));
    const positions = results.flatMap((r) => r.flatMap((x) => (x.status === 'accepted' ? [x.pos] : [])));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(j.read(0, 1000)).toHaveLength(75);
    await j.stop();
  });

  it('stores an entry whose text holds the packing separator unchanged', async () => {
    const { j } = open();
    await j.start();
    const odd = entry('a', 1000, 1, { boot: 'x\x1fy', vals: '{"lel":2}' });
    expect((await j.append([entry('b', 1000, 1), odd]))[1]!.status).toBe('accepted');
    expect(j.read(0, 10).map((e) => [e.sensorId, e.boot, e.values])).toEqual([['b', 'b1', { lel: 1.5 }], ['a', 'x\x1fy', { lel: 2 }]]);
    await j.stop();
  });

  // Why: the newest reading per sensor is kept in memory and persisted in the background; a crash before
  // that must not forget it, or an old replay beyond the key window would be stored twice.
  it('recovers the newest reading per sensor after a crash of the writer (old replays stay duplicates)', async () => {
    const first = open({ dedupeWindowMs: 1000 });
    first.setNow(100_000);
    await first.j.start();
    await first.j.append([entry('a', 99_500, 10), entry('b', 99_600, 3)]);
    await crash(first.j);
    const second = open({ dedupeWindowMs: 1000 }, first.dir);
    second.setNow(100_000);
    await second.j.start();
    const r = await second.j.append([entry('a', 50_000, 7), entry('b', 50_000, 2), entry('a', 50_001, 11)]);
    expect(r.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'accepted']);
    await second.j.stop();
  });

  it.each([
    { why: 'every consumer acked and the rows left the key window: trimmed, the rest kept', slow: false, kept: 3 },
    { why: 'a consumer that has not acked holds everything back', slow: true, kept: 8 },
  ])('trims: $why', async ({ slow, kept }) => {
    const { j, setNow } = open({ dedupeWindowMs: 1000, housekeepingMs: 20 });
    await j.start();
    if (slow) j.declareConsumer('slow');
    const c = j.subscribe('c', (es, cons) => cons.ack(es[es.length - 1]!.pos));
    await j.append([1, 2, 3, 4, 5].map((i) => entry('a', 1000 + i, i)));
    await j.append([1, 2, 3].map((i) => entry('b', 10_000 + i, i)));
    await until(() => c.pos === 8, 'consumer caught up');
    await j.flushCursors();
    setNow(10_500);
    if (slow) await new Promise((r) => setTimeout(r, 200));
    else await until(() => j.read(0, 100).length === kept, 'old rows trimmed');
    expect(j.read(0, 100).map((e) => e.pos)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].slice(8 - kept));
    const next = await j.append([entry('c', 10_400, 1)]);
    expect(next).toEqual([{ status: 'accepted', pos: 9 }]);
    await j.stop();
  });

  // Why: the InfluxDB writer reads at its own pace in another thread; its cursor must hold the journal back
  // (backpressure, no trimming) without the journal pushing every commit at it.
  it('a pull consumer holds the journal back, is given nothing, and frees space as it acks', async () => {
    const { j } = open({ limitBytes: 400 });
    await j.start();
    const c = j.consumer('pull');
    expect(c.pos).toBe(0);
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await j.append([entry('a', 1000 + i, i)]))[0]!.status);
    expect(statuses.slice(-1)).toEqual(['full']);
    const last = j.read(0, 100).at(-1)!.pos;
    c.ack(last);
    await j.flushCursors();
    expect((await j.append([entry('a', 5000, 99)]))[0]!.status).toBe('accepted');
    expect(j.stats().unconsumedBytes).toBeLessThan(100);
    await j.stop();
    const again = open({ limitBytes: 400 }, dirs.at(-1)!);
    await again.j.start();
    expect(again.j.consumer('pull').pos).toBe(last);
    await again.j.stop();
  });

  it('a released consumer no longer holds the journal back, also after a restart', async () => {
    const { j, dir } = open({ limitBytes: 400 });
    await j.start();
    j.subscribe('live', (es, cons) => cons.ack(es[es.length - 1]!.pos));
    j.declareConsumer('gone');
    let status = '';
    for (let i = 0; i < 10 && status !== 'full'; i++) status = (await j.append([entry('a', 1000 + i, i)]))[0]!.status;
    expect(status).toBe('full');
    j.releaseConsumer('gone');
    expect((await j.append([entry('a', 5000, 99)]))[0]!.status).toBe('accepted');
    await j.flushCursors();
    await j.stop();
    const again = open({ limitBytes: 400 }, dir);
    await again.j.start();
    expect(again.j.stats().unconsumedBytes).toBeLessThan(100);
    await again.j.stop();
  });

  it('JournalReader reads the same rows as the journal, from another connection, as arrays', async () => {
    const { j, dir } = open();
    await j.start();
    await j.append([entry('a', 1000, 1), entry('b', 2000, null, { vals: '{"running":true}', quality: 'fault' })]);
    const r = new JournalReader(join(dir, 'journal.db'));
    expect(r.read(0, 10)).toEqual([[1, 'e1/a/s1', 1000, 1, 'ok', '{"lel":1.5}', 1000], [2, 'e1/b/s1', 2000, null, 'fault', '{"running":true}', 2000]]);
    expect(rowIds('e1/b/s1')).toEqual({ enterpriseId: 'e1', sensorId: 'b', siteId: 's1' });
    expect(r.read(1, 10).map((x) => x[0])).toEqual([2]);
    expect(r.receivedAfter(1)).toBe(2000);
    expect(r.receivedAfter(2)).toBeNull();
    expect(r.lastPos()).toBe(2);
    r.close();
    await j.stop();
  });

  // Why: the InfluxDB writer's thread takes live commits from the writer thread instead of reading them back.
  it('taps every commit to another thread: accepted rows in order, chained by `before`, duplicates left out', async () => {
    const { j } = open();
    await j.start();
    await j.append([entry('a', 500, 1)]);
    const port = j.tap();
    const got: TapCommit[] = [];
    port.on('message', (c: TapCommit) => got.push(c));
    await j.append([entry('a', 1000, 1), entry('b', 1000, null, { vals: '{"running":true}' })]);
    await j.append([entry('a', 1000, 1), entry('odd', 2000, 2, { boot: 'x\x1fy' })]);
    await until(() => got.length === 2, 'two commits tapped');
    const rows = got.map(rowsOfCommit);
    expect(rows).toEqual([[[2, 'e1/a/s1', 1000, 1, 'ok', '{"lel":1.5}', 1000], [3, 'e1/b/s1', 1000, null, 'ok', '{"running":true}', 1000]], [[5, 'e1/odd/s1', 2000, 2, 'ok', '{"lel":1.5}', 2000]]]); // the duplicate used up 4
    expect(got.map((c) => c.before)).toEqual([1, 3]);
    expect(rows.flat()).toEqual(new JournalReader(join(dirs.at(-1)!, 'journal.db')).read(1, 10));
    port.close();
    await j.stop();
  });

  // Why: journals written before the time-first dedupe index and the in-memory sensor_last must keep
  // their dedupe keys and their sensor_last after the upgrade.
  it('takes over a journal of the previous layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-journal-'));
    const old = new Database(join(dir, 'journal.db'));
    old.exec(`CREATE TABLE readings (pos INTEGER PRIMARY KEY AUTOINCREMENT, enterprise TEXT NOT NULL, site TEXT NOT NULL, sensor TEXT NOT NULL,
        ts INTEGER NOT NULL, seq INTEGER, seq_key INTEGER NOT NULL, boot TEXT, quality TEXT NOT NULL, vals TEXT NOT NULL, received INTEGER NOT NULL,
        device TEXT, source TEXT NOT NULL, off INTEGER NOT NULL);
      CREATE UNIQUE INDEX readings_key ON readings(enterprise, sensor, ts, seq_key);
      CREATE TABLE cursors (name TEXT PRIMARY KEY, pos INTEGER NOT NULL);
      CREATE TABLE sensor_last (enterprise TEXT NOT NULL, sensor TEXT NOT NULL, boot TEXT, ts INTEGER NOT NULL, seq INTEGER, PRIMARY KEY (enterprise, sensor));
      CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
      INSERT INTO readings (enterprise, site, sensor, ts, seq, seq_key, boot, quality, vals, received, device, source, off)
        VALUES ('e1', 's1', 'a', 99500, 10, 10, 'b1', 'ok', '{"lel":1}', 99500, 'd1', 'mqtt', 80);
      INSERT INTO sensor_last VALUES ('e1', 'a', 'b1', 99500, 10);
      INSERT INTO meta VALUES ('last_pos', 1);`);
    old.close();
    const { j, setNow } = open({ dedupeWindowMs: 1000 }, dir);
    setNow(100_000);
    await j.start();
    const r = await j.append([entry('a', 99_500, 10), entry('a', 50_000, 7), entry('a', 99_600, 11)]);
    expect(r.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'accepted']);
    expect(j.read(0, 10).map((e) => e.seq)).toEqual([10, 11]);
    await j.stop();
  });
});
