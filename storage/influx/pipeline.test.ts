// FeedPipeline: the cursor moves only over what InfluxDB took, in order, with bounded batches in flight;
// outages are replayed from the cursor, 4xx lines are skipped. Against a real influxd 1.6.7 (started here),
// plus the ordering rule on a scripted send (out-of-order answers) on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { startTestInfluxd, type TestInfluxd } from '../../test/support/influx.ts';
import { FeedPipeline, type PipelineEvent } from './pipeline.ts';
import { InfluxSender, type SendResult } from './sender.ts';
import { influxQuery } from './transport.ts';

interface Item { pos: number; v: number; bad?: boolean }

/** A growing in-memory feed with gaps in its positions (like the journal's). */
function feed() {
  const items: Item[] = [];
  let pos = 0;
  return {
    items,
    add(n: number, bad?: (i: number) => boolean) { for (let i = 0; i < n; i++) { pos += 1 + (i % 3 === 0 ? 1 : 0); items.push({ pos, v: items.length, ...(bad?.(items.length) ? { bad: true } : {}) }); } },
    read(after: number, limit: number): Item[] {
      let lo = 0, hi = items.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (items[mid]!.pos <= after) lo = mid + 1; else hi = mid; }
      return items.slice(lo, lo + limit);
    },
  };
}

const line = (i: Item) => (i.bad ? `pipe,k=a v=${i.v}i ${1_000_000 + i.v}` : `pipe,k=a v=${i.v} ${1_000_000 + i.v}`);
const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return; await new Promise((r) => setTimeout(r, 20)); }
  throw new Error(`timed out: ${what}`);
};

describe('FeedPipeline against influxd 1.6.7', () => {
  let influx: TestInfluxd;
  beforeAll(async () => { influx = await startTestInfluxd('rw_pipe'); });
  afterAll(async () => { await influx?.cleanup(); });

  it('creates the database, writes every item once in bounded batches, and acks in order up to the last', async () => {
    const f = feed();
    f.add(12_345);
    const sender = new InfluxSender({ ...influx.conn, db: 'rw_pipe_a' }, { maxInFlight: 3, maxBatchLines: 1000 });
    let inFlight = 0, maxInFlight = 0;
    const acks: number[] = [];
    const p = new FeedPipeline<Item>({
      name: 'pipe', startPos: 0, read: f.read, posOf: (i) => i.pos, line, clock: systemClock, batchLines: 1000, maxInFlight: 3, lingerMs: 5, pollMs: 20,
      retryMinMs: 50, retryMaxMs: 200, prepare: () => sender.ensureDatabase(), ack: (pos) => acks.push(pos),
      send: async (lines) => { inFlight++; maxInFlight = Math.max(maxInFlight, inFlight); try { return await sender.send(lines); } finally { inFlight--; } },
    });
    p.start();
    await waitFor(() => p.stats().acked === f.items.at(-1)!.pos, 20_000, 'all acked');
    f.add(100);
    p.notify();
    await waitFor(() => p.stats().acked === f.items.at(-1)!.pos, 5_000, 'late items acked');
    await p.stop();
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(acks).toEqual([...acks].sort((a, b) => a - b));
    expect(p.stats()).toMatchObject({ written: 12_445, rejected: 0, failures: 0, up: true });
    const db = { ...influx.conn, db: 'rw_pipe_a' };
    const [r] = await influxQuery(db, 'SELECT count(v) FROM pipe');
    expect(r!.series[0]!.values[0]![1]).toBe(12_445);
    sender.close();
  });

  it('skips lines InfluxDB refuses (4xx), counts them, and does not wedge the cursor', async () => {
    const f = feed();
    f.add(3000, (i) => i === 1 || i === 2500);
    const sender = new InfluxSender({ ...influx.conn, db: 'rw_pipe_b' }, { maxInFlight: 2, maxBatchLines: 500 });
    const events: PipelineEvent[] = [];
    const p = new FeedPipeline<Item>({
      name: 'pipe', startPos: 0, read: f.read, posOf: (i) => i.pos, line, clock: systemClock, batchLines: 500, maxInFlight: 2, lingerMs: 5, pollMs: 20,
      retryMinMs: 50, retryMaxMs: 200, prepare: () => sender.ensureDatabase(), ack: () => {}, send: (l) => sender.send(l), onEvent: (e) => events.push(e),
    });
    p.start();
    await waitFor(() => p.stats().acked === f.items.at(-1)!.pos, 20_000, 'all acked');
    await p.stop();
    // Item 0 creates field v as float; items 1 and 2500 (integers) conflict with it.
    expect(p.stats(), JSON.stringify(events)).toMatchObject({ written: 2998, rejected: 2, failures: 0 });
    expect(events.filter((e) => e.type === 'rejected')).toHaveLength(2);
    const [r] = await influxQuery({ ...influx.conn, db: 'rw_pipe_b' }, 'SELECT count(v) FROM pipe');
    expect(r!.series[0]!.values[0]![1]).toBe(2998);
    sender.close();
  });

  it('rides out an outage: stops, backs off, and on return replays from the cursor with no gap and no duplicate', async () => {
    const f = feed();
    f.add(5000);
    const conn = { ...influx.conn, db: 'rw_pipe_c' };
    const sender = new InfluxSender(conn, { maxInFlight: 2, maxBatchLines: 700, timeoutMs: 2000 });
    const events: PipelineEvent[] = [];
    const p = new FeedPipeline<Item>({
      name: 'pipe', startPos: 0, read: f.read, posOf: (i) => i.pos, line, clock: systemClock, batchLines: 700, maxInFlight: 2, lingerMs: 5, pollMs: 20,
      retryMinMs: 50, retryMaxMs: 400, prepare: () => sender.ensureDatabase(), ack: () => {}, send: (l) => sender.send(l), onEvent: (e) => events.push(e),
    });
    p.start();
    await waitFor(() => p.stats().acked === f.items.at(-1)!.pos, 20_000, 'first part acked');
    await influx.kill();
    f.add(20_000);
    p.notify();
    await waitFor(() => !p.stats().up, 10_000, 'outage noticed');
    const ackedInOutage = p.stats().acked;
    await new Promise((r) => setTimeout(r, 1200));
    expect(p.stats().acked).toBe(ackedInOutage);
    expect(p.stats().failures).toBeGreaterThanOrEqual(2);
    await influx.restart();
    await waitFor(() => p.stats().acked === f.items.at(-1)!.pos, 30_000, 'backlog acked after the outage');
    await p.stop();
    expect(events.map((e) => e.type)).toContain('recovered');
    expect(events.filter((e) => e.type === 'outage')).toHaveLength(1);
    const [r] = await influxQuery(conn, 'SELECT count(v), sum(v) FROM pipe');
    const n = f.items.length;
    expect(r!.series[0]!.values[0]!.slice(1)).toEqual([n, (n * (n - 1)) / 2]);
    sender.close();
  }, 90_000);
});

describe('FeedPipeline ordering (scripted answers on a manual clock)', () => {
  it('acks only up to the last batch whose every earlier batch was accepted; a failure replays from there', async () => {
    const f = feed();
    f.add(40);
    const clock = new ManualClock(0);
    const pending: { lines: string[]; resolve: (r: SendResult) => void }[] = [];
    const acks: number[] = [];
    const p = new FeedPipeline<Item>({
      name: 'pipe', startPos: 0, read: f.read, posOf: (i) => i.pos, line, clock, batchLines: 10, maxInFlight: 3, lingerMs: 0, pollMs: 0,
      retryMinMs: 1000, retryMaxMs: 8000, ack: (pos) => acks.push(pos),
      send: (lines) => new Promise((resolve) => pending.push({ lines, resolve })),
    });
    p.start();
    const tick = () => new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(3); // bounded: three batches out, the fourth waits
    pending[1]!.resolve({ kind: 'ok', written: 10 });
    await tick();
    expect(acks).toEqual([]); // batch 2 landed, batch 1 not yet: the cursor stays
    pending[0]!.resolve({ kind: 'ok', written: 10 });
    await tick();
    expect(acks).toEqual([f.items[19]!.pos]); // batches 1 and 2
    expect(pending).toHaveLength(4); // the last batch went out as room freed
    pending[2]!.resolve({ kind: 'retry', status: 503, message: 'engine closed', tooLarge: false, missingDatabase: false });
    pending[3]!.resolve({ kind: 'ok', written: 10 }); // from before the failure: ignored
    await tick();
    expect(acks).toEqual([f.items[19]!.pos]);
    expect(p.stats()).toMatchObject({ up: false, failures: 1, inFlight: 0 });
    clock.advance(999);
    expect(pending).toHaveLength(4); // backing off
    clock.advance(1);
    expect(pending).toHaveLength(6); // replayed from the cursor: items 20–29 and 30–39 again
    expect(pending[4]!.lines[0]).toBe(line(f.items[20]!));
    pending[4]!.resolve({ kind: 'ok', written: 10 });
    pending[5]!.resolve({ kind: 'rejected', written: 9, rejected: 1, status: 400, message: 'partial write' });
    await tick();
    expect(acks.at(-1)).toBe(f.items[39]!.pos);
    expect(p.stats()).toMatchObject({ up: true, written: 39, rejected: 1, acked: f.items[39]!.pos });
    await p.stop();
  });
});
