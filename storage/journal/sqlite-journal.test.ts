import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalEntry } from '../../core/reading.ts';
import type { PendingEntry } from '../../ingest/journal.ts';
import { SqliteJournal } from './sqlite-journal.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function open(opts: Partial<ConstructorParameters<typeof SqliteJournal>[0]> = {}, dir = mkdtempSync(join(tmpdir(), 'rw-journal-'))) {
  dirs.push(dir);
  let now = Date.UTC(2026, 10, 22);
  const j = new SqliteJournal({ path: join(dir, 'journal.db'), fsync: false, limitBytes: 1e9, dedupeWindowMs: 86_400_000, now: () => now, ...opts });
  return { j, dir, setNow: (t: number) => void (now = t) };
}

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
});
