// The transport and the query helper against a real influxd 1.6.7 (started here), plus the pure path
// rewrite and the write-error table.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import { startTestInfluxd, type TestInfluxd } from '../../test/support/influx.ts';
import { freePort } from '../../test/support/ports.ts';
import { classifyWriteError, InfluxSender } from './sender.ts';
import { readingLine, splitTimeNs } from './schema.ts';
import { influxQuery, v1WritePath, V1Transport } from './transport.ts';

describe('v1WritePath', () => {
  it.each([
    ['database only', '/api/v2/write?org=&bucket=riskwatch&precision=ns', '/write?db=riskwatch&precision=ns'],
    ['database and retention policy', '/api/v2/write?org=o&bucket=riskwatch%2Fweek&precision=ms', '/write?db=riskwatch&rp=week&precision=ms'],
    ['us becomes u (1.6 reads us as nanoseconds)', '/api/v2/write?org=o&bucket=db&precision=us', '/write?db=db&precision=u'],
    ['seconds stay s', '/api/v2/write?org=o&bucket=db&precision=s', '/write?db=db&precision=s'],
    ['consistency is carried (Enterprise clusters)', '/api/v2/write?org=o&bucket=db&precision=ns&consistency=one', '/write?db=db&precision=ns&consistency=one'],
    ['other paths are untouched', '/query?db=x&q=SELECT', '/query?db=x&q=SELECT'],
  ])('%s', (_why, input, out) => expect(v1WritePath(input)).toBe(out));
});

describe('classifyWriteError', () => {
  const err = (status: number, body: object | string) => new HttpError(status, 'x', typeof body === 'string' ? body : JSON.stringify(body), null, typeof body === 'string' ? 'text/plain' : 'application/json');
  it.each([
    ['a network error is retried', new Error('ECONNREFUSED'), { kind: 'retry', status: null }],
    ['5xx is retried', err(503, { error: 'engine: closed' }), { kind: 'retry', status: 503 }],
    ['auth refused is retried (a config fix must not lose data)', err(401, { error: 'unauthorized' }), { kind: 'retry', status: 401 }],
    ['a missing database is retried after CREATE DATABASE', err(404, { error: 'database not found: "x"' }), { kind: 'retry', missingDatabase: true }],
    ['too large is retried with smaller batches', err(413, 'too large'), { kind: 'retry', tooLarge: true }],
    ['a 1.x field type conflict rejects the dropped lines only', err(400, { error: 'partial write: field type conflict: input field "v" … dropped=2' }), { kind: 'rejected', written: 8, rejected: 2 }],
    ['a 1.x parse error in a partial write rejects that line', err(400, { error: "partial write: unable to parse 'bad': invalid field format dropped=0" }), { kind: 'rejected', written: 9, rejected: 1 }],
    ['a 2.x partial write (422) likewise', err(422, { code: 'unprocessable entity', message: 'failure writing points to database: partial write: field type conflict dropped=3' }), { kind: 'rejected', rejected: 3 }],
    ['a 3.x partial write counts its per-line errors', err(400, { error: 'partial write of line protocol occurred', data: [{ line_number: 2 }, { line_number: 5 }] }), { kind: 'rejected', rejected: 2 }],
    ['a batch refused as a whole is rejected as a whole', err(400, { error: "unable to parse 'bad line': invalid field format" }), { kind: 'rejected', written: 0, rejected: 10 }],
  ])('%s', (_why, e, expected) => expect(classifyWriteError(e, 10)).toMatchObject(expected));
});

describe('against influxd 1.6.7', () => {
  let influx: TestInfluxd;
  beforeAll(async () => {
    influx = await startTestInfluxd('rw_transport');
    await influxQuery(influx.conn, 'CREATE DATABASE rw_transport');
  });
  afterAll(async () => { await influx?.cleanup(); });

  it('writes through the official WriteApi with every precision landing at the right time', async () => {
    const transport = new V1Transport(influx.conn);
    const client = new InfluxDB({ url: influx.conn.url, transport });
    const t = 1763769600123456789n;
    for (const [precision, divisor] of [['ns', 1n], ['us', 1000n], ['ms', 1_000_000n], ['s', 1_000_000_000n]] as const) {
      const api = client.getWriteApi('', 'rw_transport', precision, { maxRetries: 0 });
      api.writeRecord(`prec,p=${precision} v=1 ${t / divisor}`);
      await api.close();
    }
    // Compared in microseconds: epoch=u values stay below 2⁵³ in JSON, epoch=ns would come back rounded.
    const rows = await influxQuery(influx.conn, 'SELECT v, p FROM prec', { epoch: 'u' });
    const byP = Object.fromEntries(rows[0]!.series[0]!.values.map((r) => [r[2], BigInt(r[0] as number)]));
    expect(byP).toEqual({ ns: t / 1000n, us: t / 1000n, ms: (t / 1_000_000n) * 1000n, s: (t / 1_000_000_000n) * 1_000_000n });
    transport.close();
  });

  it('reads n and ns alike on 1.6.7, so ns (the spelling 2.x and 3.x take too) is safe', async () => {
    for (const p of ['n', 'ns']) {
      const r = await fetch(`${influx.conn.url}/write?db=rw_transport&precision=${p}`, { method: 'POST', body: `nsprec,p=${p} v=1 1763769600123456789` });
      expect(r.status).toBe(204);
    }
    const ms = await influx.column<number>('SELECT v, p FROM nsprec', 'time');
    expect(ms).toEqual([1763769600123, 1763769600123]);
  });

  it('round-trips schema lines: escaped text, same-ts readings with different seq, booleans, no seq', async () => {
    const sender = new InfluxSender({ ...influx.conn, db: 'rw_transport' }, { maxInFlight: 2, maxBatchLines: 100 });
    const ts = Date.parse('2026-11-22T00:00:00.000Z');
    const series = { type: 'dust_valve', county: '530402', intervalS: 60 };
    const base = { enterpriseId: 'e,1 x', siteId: 's=1', sensorId: 'v1', ts, quality: 'ok', receivedAt: ts + 5 };
    const lines = [
      readingLine({ ...base, seq: 1, values: { running: true, fault: false } }, series),
      readingLine({ ...base, seq: 2, values: { running: false, fault: true } }, series),
      readingLine({ ...base, seq: null, quality: 'say "hi"\nnext', values: { running: true, fault: true } }, series),
    ];
    expect(await sender.send(lines)).toEqual({ kind: 'ok', written: 3 });
    const rows = await influxQuery({ ...influx.conn, db: 'rw_transport' }, 'SELECT * FROM reading', { epoch: 'ns' });
    const s = rows[0]!.series[0]!;
    const col = (name: string) => s.values.map((r) => r[s.columns.indexOf(name)]);
    expect(s.values).toHaveLength(3);
    expect(col('enterprise')).toEqual(['e,1 x', 'e,1 x', 'e,1 x']);
    expect(col('site')).toEqual(['s=1', 's=1', 's=1']);
    expect(col('quality')).toEqual(['say "hi"\nnext', 'ok', 'ok']);
    expect(col('running')).toEqual([1, 1, 0]);
    expect(col('seq')).toEqual([null, 1, 2]);
    expect(col('time').map((n) => splitTimeNs(BigInt(Math.round((n as number) / 1000)) * 1000n).ms)).toEqual([ts, ts, ts]);
    sender.close();
  });

  it('reports a field type conflict as rejected lines and writes the rest', async () => {
    const sender = new InfluxSender({ ...influx.conn, db: 'rw_transport' }, { maxInFlight: 1, maxBatchLines: 10 });
    expect(await sender.send(['conflict v=1 1000'])).toEqual({ kind: 'ok', written: 1 });
    const r = await sender.send(['conflict v=2i 2000', 'conflict v=3 3000', 'conflict v=4 4000']);
    expect(r).toMatchObject({ kind: 'rejected', written: 2, rejected: 1, status: 400 });
    expect(await influx.column<number>('SELECT v FROM conflict', 'v')).toEqual([1, 3, 4]);
    sender.close();
  });

  it('saves the good lines of a batch InfluxDB refuses as a whole (conflicting types inside one batch)', async () => {
    const sender = new InfluxSender({ ...influx.conn, db: 'rw_transport' }, { maxInFlight: 1, maxBatchLines: 100 });
    const lines = Array.from({ length: 40 }, (_, i) => (i === 7 || i === 30 ? `whole v=${i}i ${1000 + i}` : `whole v=${i} ${1000 + i}`));
    lines.unshift('whole v=0.5 999');
    const r = await sender.send(lines);
    expect(r).toMatchObject({ kind: 'rejected', written: 39, rejected: 2 });
    expect(await influx.count('whole', 'v')).toBe(39);
    sender.close();
  });

  it('asks for a retry when the database is missing, and CREATE DATABASE fixes it', async () => {
    const sender = new InfluxSender({ ...influx.conn, db: 'rw_fresh' }, { maxInFlight: 1, maxBatchLines: 10 });
    expect(await sender.send(['m v=1 1'])).toMatchObject({ kind: 'retry', status: 404, missingDatabase: true });
    expect(await sender.ensureDatabase()).toBe('created');
    expect(await sender.send(['m v=1 1'])).toEqual({ kind: 'ok', written: 1 });
    sender.close();
  });

  it('influxQuery: statements, series with tags, epoch ms, POST for CREATE', async () => {
    await fetch(`${influx.conn.url}/write?db=rw_transport&precision=ms`, { method: 'POST', body: 'q,s=a v=1 1000\nq,s=b v=2 2000\nq,s=b v=3 3000' });
    const res = await influxQuery({ ...influx.conn, db: 'rw_transport' }, 'SELECT count(v) FROM q GROUP BY s; SELECT v FROM q WHERE s = $s', { params: { s: 'b' } });
    expect(res).toHaveLength(2);
    expect(res[0]!.series.map((s) => [s.tags, s.values[0]![1]])).toEqual([[{ s: 'a' }, 1], [{ s: 'b' }, 2]]);
    expect(res[1]!.series[0]!.values).toEqual([[2000, 2], [3000, 3]]);
    expect(await influxQuery({ ...influx.conn, db: 'rw_transport' }, 'SELECT v FROM nothing_here')).toEqual([{ statementId: 0, series: [] }]);
  });

  it('influxQuery: an InfluxQL error is RW_ERR_STORAGE_QUERY, an unreachable server RW_ERR_STORAGE_UNAVAILABLE', async () => {
    await expect(influxQuery(influx.conn, 'SELEC nonsense')).rejects.toMatchObject({ code: 'RW_ERR_STORAGE_QUERY' });
    await expect(influxQuery({ ...influx.conn, db: 'no_such_db' }, 'SELECT v FROM q')).rejects.toMatchObject({ code: 'RW_ERR_STORAGE_QUERY' });
    const port = await freePort();
    await expect(influxQuery({ ...influx.conn, url: `http://127.0.0.1:${port}` }, 'SHOW DATABASES')).rejects.toMatchObject({ code: 'RW_ERR_STORAGE_UNAVAILABLE' });
  });
});

describe('headers and paths (a plain HTTP server standing in for a 2.x/3.x behind a proxy)', () => {
  let server: Server;
  let port: number;
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        seen.push({ url: req.url!, headers: req.headers, body });
        if (req.url!.startsWith('/influx/query')) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"results":[{"statement_id":0}]}'); return; }
        res.writeHead(204); res.end();
      });
    });
    port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends Authorization: Token … when a token is configured, under the URL path prefix, db/rp mapped', async () => {
    const conn = { url: `http://127.0.0.1:${port}/influx`, token: 's3cret', db: 'riskwatch', rp: 'autogen', org: 'acme' };
    const sender = new InfluxSender(conn, { maxInFlight: 1, maxBatchLines: 10 });
    expect(await sender.send(['m v=1 1'])).toEqual({ kind: 'ok', written: 1 });
    await influxQuery(conn, 'SHOW DATABASES', { db: null });
    const [write, query] = seen.slice(-2);
    expect(write!.url).toBe('/influx/write?db=riskwatch&rp=autogen&precision=ns');
    expect(write!.headers.authorization).toBe('Token s3cret');
    expect(write!.body).toBe('m v=1 1');
    expect(query!.url).toMatch(/^\/influx\/query\?rp=autogen&epoch=ms&q=SHOW\+DATABASES$/);
    expect(query!.headers.authorization).toBe('Token s3cret');
    sender.close();
  });

  it('sends no Authorization header without a token (an open 1.x)', async () => {
    const sender = new InfluxSender({ url: `http://127.0.0.1:${port}`, token: null, db: 'riskwatch', rp: null, org: null }, { maxInFlight: 1, maxBatchLines: 10 });
    await sender.send(['m v=1 1']);
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    sender.close();
  });
});
