// `npm run bench:storage [-- options]`: the InfluxDB writer against a real influxd (Debian's 1.6.7, started
// here on its own port and data dir), side by side with peers in the same run (performance.md "How to
// measure side by side"), and written into bench/RESULTS.md between the bench:storage markers.
//
// 1. Throughput: N readings (10k sensors of the synthetic registry) already in the journal, written to a
//    fresh database per system and rep; points/s from start to the last accepted batch, process CPU over
//    the same time (all threads), influxd's CPU beside it.
//    - riskwatch: InfluxWriter as the platform runs it (worker thread, journal reader, 5,000-line batches,
//      2 in flight, cursor acks), worker start-up included.
//    - client-default: the official client's WriteApi with its defaults (1,000-line batches, no bound on
//      requests in flight, its own retry buffer) fed the same lines built the same way from the same rows.
//    - plain-http: Telegraf-style plain HTTP, 5,000-line batches, one request at a time.
// 2. Line building: schema.ts (own escaping, cached series keys) vs the client's Point, ns per line.
// 3. Live: readings appended to the journal at a fixed rate (a probe reading every 100 ms) in three phases:
//    append-only (the baseline), riskwatch (InfluxWriter with the journal's live tap), and the official
//    WriteApi fed at append time with flushInterval 1 s (its default is 60 s). Reading → queryable lag = first
//    seen by a poller asking InfluxDB every 20 ms − append resolved; the live writer's CPU per point = process
//    CPU minus the append-only phase's, and the writer thread's own CPU (/proc/self/task/{tid}).
//   --points N (default 500000)  --reps N (default 3)  --rate R readings/s in the live phase (default 20000)
//   --lag-seconds S (default 10)  --no-write (do not touch bench/RESULTS.md)
//   --no-tap, --linger MS: the live phase without the journal tap (polling), or with another linger (diagnostics)
import { cpus, release, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InfluxDB, Point, setLogger } from '@influxdata/influxdb-client';
import pino from 'pino';
import { systemClock } from '../../core/clock.ts';
import { SENSOR_TYPES, type SensorTypeDef } from '../../core/sensor-types.ts';
import type { PendingEntry } from '../../ingest/journal.ts';
import { syntheticRegistry } from '../../simulators/synthetic.ts';
import { startInfluxd, type RunningInfluxd } from '../../storage/influx/influxd.ts';
import { SeriesTable, readingTimeNs, type ReadingInput, type SeriesInfo } from '../../storage/influx/schema.ts';
import { influxQuery, V1Transport, type InfluxConnection } from '../../storage/influx/transport.ts';
import { INFLUX_CONSUMER, InfluxWriter } from '../../storage/influx/writer.ts';
import { JournalReader, rowIds } from '../../storage/journal/reader.ts';
import { SqliteJournal } from '../../storage/journal/sqlite-journal.ts';

const { values: a } = parseArgs({
  options: {
    points: { type: 'string' }, reps: { type: 'string' }, rate: { type: 'string' }, 'lag-seconds': { type: 'string' }, 'no-write': { type: 'boolean', default: false },
    'no-tap': { type: 'boolean', default: false }, linger: { type: 'string' },
  },
});
const N = Number(a.points ?? 500_000);
const REPS = Number(a.reps ?? 3);
const RATE = Number(a.rate ?? 20_000);
const LAG_S = Number(a['lag-seconds'] ?? 10);
/** Diagnostics for the live phase: without the journal tap (the writer polls the journal), another linger. */
const NO_TAP = a['no-tap']!;
const LINGER = a.linger !== undefined ? Number(a.linger) : null;
const started = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: 'warn' });
setLogger({ error: (message) => process.stderr.write(`influxdb-client: ${message}\n`), warn: () => {} });

// ---- setup ---------------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'rw-bench-storage-'));
const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = http.createServer();
  s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});
let influxd: RunningInfluxd | null = null;
const cleanup = async () => { await influxd?.stop(); rmSync(work, { recursive: true, force: true }); };
process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)); });

const registry = syntheticRegistry({ sensors: 10_000, devices: 1000, gatewayBatch: true });
const series: SeriesInfo[] = registry.enterprises.flatMap((e) => e.sites.flatMap((site) => site.sensors.map((s) => ({
  enterpriseId: e.id, siteId: site.id, sensorId: s.id, type: s.type, county: e.county, intervalS: (SENSOR_TYPES as Record<string, SensorTypeDef>)[s.type]!.intervalS,
}))));
const valuesOf = (type: string, i: number): Record<string, number | boolean> => Object.fromEntries(
  Object.entries((SENSOR_TYPES as Record<string, SensorTypeDef>)[type]!.metrics).map(([m, d]) => [m, d.kind === 'boolean' ? i % 2 === 0 : Math.round((i % 1000) * 13.7) / 100]));
const T0 = Date.now() - 6 * 3600_000;
function entry(i: number, now: number): PendingEntry {
  const s = series[i % series.length]!;
  const values = valuesOf(s.type, i);
  const ts = T0 + Math.floor(i / series.length) * 1000 + (i % 997);
  return { enterpriseId: s.enterpriseId, siteId: s.siteId, sensorId: s.sensorId, ts, seq: i, boot: null, quality: 'ok', vals: JSON.stringify(values), values, receivedAt: now, deviceId: null, source: 'import' };
}

function cpuMs(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
/** CPU ms of one thread of this process (/proc/self/task/{tid}/stat, 10 ms ticks). */
function threadCpuMs(tid: number | null): number {
  if (tid === null) return NaN;
  const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
function influxdCpuMs(): number {
  const f = readFileSync(`/proc/${influxd!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const stat = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! }; };
const pct = (xs: number[], p: number) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };

interface LagRun {
  system: string; rep: number; probes: number; p50: number; p99: number; max: number;
  points: number; seconds: number; cpuMs: number; threadMs: number | null;
}
interface Run {
  system: string; rep: number; points: number; seconds: number; pps: number; cores: number; cpuUsPerPoint: number; influxdCores: number;
  /** From the first accepted batch on (riskwatch: after its worker started): points/s and CPU µs per point. */
  firstAckMs: number | null; steadyPps: number; steadyCpuUsPerPoint: number;
  /** riskwatch: CPU of the writer's own thread per point, steady (reading the journal, lines, HTTP; GC helpers not included). */
  threadUsPerPoint: number | null;
}
interface FirstAck { ms: number; points: number; cpuMs: number; at: number; threadMs: number; threadEndMs: number }

async function countIn(conn: InfluxConnection): Promise<number> {
  const [r] = await influxQuery(conn, 'SELECT count(lag_ms) FROM reading', { timeoutMs: 120_000 });
  return (r?.series[0]?.values[0]?.[1] as number | undefined) ?? 0;
}

/** Rows → lines with the writer's own builder, page by page (what every system leaves the process with). */
function* linePages(reader: JournalReader, table: SeriesTable, page: number): Generator<string[]> {
  for (let after = 0; ;) {
    const rows = reader.read(after, page);
    if (rows.length === 0) return;
    const lines: string[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) { const r = rows[i]!; lines[i] = table.lineOf(r[1], r[2], r[3], r[4], r[5], r[6]); }
    after = rows[rows.length - 1]![0];
    yield lines;
  }
}

async function main(): Promise<void> {
  const port = await freePort();
  influxd = await startInfluxd({ dir: join(work, 'influxdb'), port, rpcPort: await freePort() });
  const base: InfluxConnection = { url: influxd.url, token: null, db: 'bench', rp: null, org: null };
  const journalPath = join(work, 'journal.db');
  const journal = new SqliteJournal({ path: journalPath, fsync: false, limitBytes: 8 * 1024 ** 3, dedupeWindowMs: 86_400_000, now: () => Date.now() });
  await journal.start();
  journal.subscribe('bench', (es, c) => c.ack(es[es.length - 1]!.pos));
  process.stdout.write(`prefilling the journal with ${N} readings of ${series.length} sensors …\n`);
  for (let i = 0; i < N; i += 5000) await journal.append(Array.from({ length: Math.min(5000, N - i) }, (_, k) => entry(i + k, Date.now())));
  const lastPos = journal.stats().lastPos;
  const reader = new JournalReader(journalPath);
  const table = new SeriesTable(series);
  const runs: Run[] = [];

  const measure = async (system: string, rep: number, db: string, go: (conn: InfluxConnection) => Promise<FirstAck | null>) => {
    const conn = { ...base, db };
    await influxQuery(conn, `CREATE DATABASE "${db}"`, { db: null });
    await sleep(500);
    const w0 = performance.now(), c0 = cpuMs(), i0 = influxdCpuMs();
    const first = await go(conn);
    const end = performance.now(), c1 = cpuMs();
    const seconds = (end - w0) / 1000;
    const cpu = c1 - c0, icpu = influxdCpuMs() - i0;
    const n = await countIn(conn);
    if (n !== N) throw new Error(`${system} rep ${rep}: ${n} points in InfluxDB, ${N} expected`);
    const steadyN = first ? n - first.points : n;
    const run: Run = {
      system, rep, points: n, seconds, pps: n / seconds, cores: cpu / 1000 / seconds, cpuUsPerPoint: (cpu * 1000) / n, influxdCores: icpu / 1000 / seconds,
      firstAckMs: first?.ms ?? null,
      steadyPps: first ? steadyN / ((end - first.at) / 1000) : n / seconds,
      steadyCpuUsPerPoint: first ? ((c1 - first.cpuMs) * 1000) / steadyN : (cpu * 1000) / n,
      threadUsPerPoint: first && Number.isFinite(first.threadMs) ? ((first.threadEndMs - first.threadMs) * 1000) / steadyN : null,
    };
    runs.push(run);
    process.stdout.write(`${system} rep ${rep}: ${Math.round(run.pps)} points/s, ${run.cores.toFixed(2)} cores (${run.cpuUsPerPoint.toFixed(2)} µs/point), influxd ${run.influxdCores.toFixed(2)} cores\n`);
    await influxQuery(conn, `DROP DATABASE "${db}"`, { db: null });
  };

  for (let rep = 1; rep <= REPS; rep++) {
    // riskwatch: the writer as the platform runs it, from cursor 0 over the whole journal.
    await measure('riskwatch', rep, `bench_rw_${rep}`, async (conn) => {
      journal.releaseConsumer(INFLUX_CONSUMER);
      const w = new InfluxWriter({ conn, journal, journalPath, series: () => series, alerts: null, clock: systemClock, log, liveTap: () => journal.tap() });
      const t0 = performance.now();
      let first: FirstAck | null = null;
      await w.start();
      const consumer = journal.consumer(INFLUX_CONSUMER);
      while (consumer.pos < lastPos) {
        if (first === null && consumer.pos > 0) {
          const at = performance.now();
          first = { ms: at - t0, points: consumer.pos, cpuMs: cpuMs(), at, threadMs: threadCpuMs(w.workerTid), threadEndMs: NaN };
        }
        await sleep(5);
      }
      if (first) first.threadEndMs = threadCpuMs(w.workerTid);
      await w.stop();
      return first;
    });
    // The official client with its defaults (it needs the transport to reach a 1.x at all).
    await measure('client-default', rep, `bench_cd_${rep}`, async (conn) => {
      const transport = new V1Transport(conn, { maxSockets: Infinity });
      let ok = 0;
      const api = new InfluxDB({ url: conn.url, transport }).getWriteApi('', conn.db, 'ns', { writeSuccess: (lines) => { ok += lines.length; } });
      for (const lines of linePages(reader, table, 5000)) { api.writeRecords(lines); await new Promise((r) => setImmediate(r)); }
      await api.flush();
      while (ok < N) await sleep(2);
      await api.close();
      transport.close();
      return null;
    });
    // Telegraf-style: plain HTTP, 5,000 lines per request, one at a time.
    await measure('plain-http', rep, `bench_ph_${rep}`, async (conn) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const post = (body: string) => new Promise<void>((resolve, reject) => {
        const req = http.request(`${conn.url}/write?db=${conn.db}&precision=ns`, { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
      for (const lines of linePages(reader, table, 5000)) await post(lines.join('\n'));
      agent.destroy();
      return null;
    });
  }

  // ---- line building: schema.ts vs the client's Point ------------------------------------------------------
  const sample = reader.read(0, 100_000);
  const inputs: ReadingInput[] = sample.map((r) => ({ ...rowIds(r[1]), ts: r[2], seq: r[3], quality: r[4], values: JSON.parse(r[5]) as ReadingInput['values'], receivedAt: r[6] }));
  const byKey = new Map(series.map((s) => [`${s.enterpriseId}/${s.sensorId}`, s]));
  const build: Record<string, number[]> = { 'schema.ts from journal rows (the writer)': [], 'schema.ts from parsed readings': [], 'client Point from parsed readings': [] };
  let sink = 0;
  const warm = new SeriesTable(series);
  for (let rep = 0; rep < REPS + 1; rep++) {
    let t = performance.now();
    for (const r of sample) sink += warm.lineOf(r[1], r[2], r[3], r[4], r[5], r[6]).length;
    if (rep > 0) build['schema.ts from journal rows (the writer)']!.push(((performance.now() - t) * 1e6) / sample.length);
    t = performance.now();
    for (const r of inputs) sink += warm.line(r).length;
    if (rep > 0) build['schema.ts from parsed readings']!.push(((performance.now() - t) * 1e6) / inputs.length);
    t = performance.now();
    for (const r of inputs) {
      const s = byKey.get(`${r.enterpriseId}/${r.sensorId}`)!;
      const p = new Point('reading').tag('county', s.county).tag('enterprise', r.enterpriseId).tag('sensor', r.sensorId).tag('site', r.siteId).tag('type', s.type);
      for (const [k, v] of Object.entries(r.values)) p.floatField(k, typeof v === 'boolean' ? (v ? 1 : 0) : v);
      p.floatField('interval_s', s.intervalS ?? 0).floatField('lag_ms', r.receivedAt - r.ts).stringField('quality', r.quality);
      if (r.seq !== null) p.intField('seq', r.seq);
      p.timestamp(readingTimeNs(r.ts, r.seq));
      sink += p.toLineProtocol()!.length;
    }
    if (rep > 0) build['client Point from parsed readings']!.push(((performance.now() - t) * 1e6) / inputs.length);
  }
  if (sink === 0) throw new Error('nothing built');

  // ---- live: reading → queryable lag, and the live path's CPU -------------------------------------------
  // The journal is appended at RATE for LAG_S seconds (a probe every 100 ms); the same poller runs in every
  // phase. append-only: no writer (the baseline to subtract); riskwatch: InfluxWriter with the journal tap;
  // client: the official WriteApi fed at append time with flushInterval 1 s.
  const lagRuns: LagRun[] = [];
  const probeSeries: SeriesInfo = { enterpriseId: 'bench', siteId: 'probe', sensorId: 'probe', type: 'gas_combustible', county: '000000', intervalS: 60 };
  const lagRun = async (system: string, rep: number, db: string, mode: 'riskwatch' | 'append-only' | ((entries: PendingEntry[]) => void), done?: () => Promise<void>) => {
    const conn = { ...base, db };
    await influxQuery(conn, `CREATE DATABASE "${db}"`, { db: null });
    let writer: InfluxWriter | null = null;
    if (mode === 'riskwatch') {
      journal.releaseConsumer(INFLUX_CONSUMER);
      journal.consumer(INFLUX_CONSUMER).ack(journal.stats().lastPos);
      await journal.flushCursors();
      writer = new InfluxWriter({ conn, journal, journalPath, series: () => [...series, probeSeries], alerts: null, clock: systemClock, log, ...(NO_TAP ? {} : { liveTap: () => journal.tap() }), ...(LINGER !== null ? { tuning: { lingerMs: LINGER } } : {}) });
      await writer.start();
    }
    const onAppend = typeof mode === 'function' ? mode : null;
    const appended = new Map<number, number>();
    const seen = new Map<number, number>();
    let stop = false;
    let stopAt = 0;
    /** Set once every append has resolved: before that, the last probe may not be in `appended` yet. */
    let allAppended = false;
    const pending: Promise<unknown>[] = [];
    const poller = (async () => {
      while (!allAppended || (mode !== 'append-only' && seen.size < appended.size)) {
        const [r] = await influxQuery(conn, "SELECT last(seq) FROM reading WHERE sensor = 'probe'").catch(() => [undefined]);
        const last = r?.series[0]?.values[0]?.[1] as number | undefined;
        const t = performance.now();
        if (last !== undefined) for (const [seq] of appended) if (seq <= last && !seen.has(seq)) seen.set(seq, t);
        if (stop && performance.now() - stopAt > 10_000) break;
        await sleep(20);
      }
    })();
    await sleep(300);
    const tickMs = 10, perTick = Math.round((RATE * tickMs) / 1000);
    const c0 = cpuMs(), th0 = threadCpuMs(writer?.workerTid ?? null);
    const t0 = performance.now();
    let i = N * 10 + rep * 10_000_000 + (mode === 'append-only' ? 5_000_000 : 0), probe = 0, n = 0;
    for (let tick = 0; performance.now() - t0 < LAG_S * 1000; tick++) {
      const due = t0 + tick * tickMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const now = Date.now();
      const batch: PendingEntry[] = Array.from({ length: perTick }, () => { const e = entry(i++, now); e.ts = now - 100; return e; });
      const isProbe = tick % 10 === 0;
      const seq = ++probe + rep * 100_000 + (mode === 'append-only' ? 50_000 : 0);
      if (isProbe) batch.push({ enterpriseId: 'bench', siteId: 'probe', sensorId: 'probe', ts: now, seq, boot: null, quality: 'ok', vals: '{"lel":1}', values: { lel: 1 }, receivedAt: now, deviceId: null, source: 'mqtt' });
      n += batch.length;
      onAppend?.(batch);
      pending.push(journal.append(batch).then(() => { if (isProbe) appended.set(seq, performance.now()); }));
    }
    stop = true;
    stopAt = performance.now();
    await Promise.all(pending);
    allAppended = true;
    if (onAppend) await done?.(); // the peer's WriteApi: flush what its buffer holds
    // Until the writer has everything: the CPU window covers the whole live run.
    if (writer) { const c = journal.consumer(INFLUX_CONSUMER); while (c.pos < journal.stats().lastPos) await sleep(5); }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuMs() - c0, th = threadCpuMs(writer?.workerTid ?? null) - th0;
    await poller;
    await writer?.stop();
    const lags = [...appended].filter(([s]) => seen.has(s)).map(([s, t]) => Math.max(0, seen.get(s)! - t));
    if (mode !== 'append-only' && lags.length < appended.size) {
      const missing = [...appended.keys()].filter((sq) => !seen.has(sq));
      const [r] = await influxQuery(conn, `SELECT seq FROM reading WHERE sensor = 'probe' AND seq >= ${Math.min(...missing) - 2}`);
      throw new Error(`${system}: ${missing.length} probes never became queryable: ${missing.join(',')}; in InfluxDB now: ${JSON.stringify(r?.series[0]?.values ?? [])}; seen ${seen.size} of ${appended.size}`);
    }
    lagRuns.push({
      system, rep, probes: lags.length, p50: lags.length ? pct(lags, 50) : NaN, p99: lags.length ? pct(lags, 99) : NaN, max: lags.length ? pct(lags, 100) : NaN,
      points: n, seconds, cpuMs: cpu, threadMs: writer ? th : null,
    });
    process.stdout.write(`live ${system} rep ${rep}: ${n} readings in ${seconds.toFixed(1)} s, process CPU ${cpu.toFixed(0)} ms${writer ? `, writer thread ${th.toFixed(0)} ms` : ''}${lags.length ? `, p50 ${pct(lags, 50).toFixed(0)} ms, p99 ${pct(lags, 99).toFixed(0)} ms` : ''}\n`);
    await influxQuery(conn, `DROP DATABASE "${db}"`, { db: null });
  };
  for (let rep = 1; rep <= REPS; rep++) {
    await lagRun('append-only', rep, `lag_ao_${rep}`, 'append-only');
    await lagRun('riskwatch', rep, `lag_rw_${rep}`, 'riskwatch');
    const transport = new V1Transport({ ...base }, { maxSockets: Infinity });
    const api = new InfluxDB({ url: base.url, transport }).getWriteApi('', `lag_cd_${rep}`, 'ns', { flushInterval: 1000 });
    const tb = new SeriesTable([...series, probeSeries]);
    await lagRun('client flushInterval 1 s', rep, `lag_cd_${rep}`, (entries) => {
      api.writeRecords(entries.map((e) => tb.line({ ...e, values: e.values! })));
    }, () => api.flush());
    await api.close();
    transport.close();
  }

  reader.close();
  await journal.stop();
  await cleanup();
  report(runs, build, lagRuns);
}

function report(runs: Run[], build: Record<string, number[]>, lagRuns: LagRun[]): void {
  const systems = [...new Set(runs.map((r) => r.system))];
  const k = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
  const rw = stat(runs.filter((r) => r.system === 'riskwatch').map((r) => r.steadyPps)).median;
  const rwCpu = stat(runs.filter((r) => r.system === 'riskwatch').map((r) => r.steadyCpuUsPerPoint)).median;
  const L: string[] = [];
  L.push('<!-- bench:storage -->', '# Storage benchmark: the InfluxDB writer beside its peers', '');
  L.push(`Generated by \`npm run bench:storage\` (bench/storage/run.ts) on ${new Date().toISOString()}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node.js ${process.version}, Linux ${release()}, influxd ${influxdVersion} (Debian, on the same machine); ${REPS} reps, ${N} readings per rep, ${Math.round((Date.now() - started) / 1000)} s.`, '');
  L.push('Throughput: the readings already in the journal (10k sensors, one line each), written to a fresh database per system and rep; wall time from start to the last accepted batch, CPU of this process (all threads) over it, influxd\'s CPU beside it. Every run is checked: InfluxDB holds exactly N points afterwards. riskwatch = `InfluxWriter` as the platform runs it (worker thread reading the journal, 5,000-line batches, 2 requests in flight, cursor acks), its worker start-up included; client-default = the official WriteApi with its defaults (1,000-line batches, requests unbounded) fed the same lines built the same way from the same rows; plain-http = Telegraf-style 5,000-line POSTs one at a time.', '');
  L.push('Steady = from the first accepted batch on (riskwatch\'s worker start-up with tsx excluded; the peers have none, their two columns are the same run). Ratios on the steady medians.', '');
  L.push('| system | points/s end to end (median, min–max) | steady points/s (median, min–max) | process cores | CPU µs per point, steady (process) | writer thread µs per point | influxd cores | riskwatch ÷ system (points/s) | system ÷ riskwatch (CPU per point) |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of systems) {
    const rs = runs.filter((r) => r.system === s);
    const pps = stat(rs.map((r) => r.pps)), st = stat(rs.map((r) => r.steadyPps)), cores = stat(rs.map((r) => r.cores)), us = stat(rs.map((r) => r.steadyCpuUsPerPoint)), ic = stat(rs.map((r) => r.influxdCores));
    const thr = rs.every((r) => r.threadUsPerPoint !== null) ? stat(rs.map((r) => r.threadUsPerPoint!)).median.toFixed(2) : '—';
    L.push(`| ${s} | ${k(pps.median)} (${k(pps.min)}–${k(pps.max)}) | **${k(st.median)}** (${k(st.min)}–${k(st.max)}) | ${cores.median.toFixed(2)} | ${us.median.toFixed(2)} | ${thr} | ${ic.median.toFixed(2)} | ${s === 'riskwatch' ? '1.0×' : `**${(rw / st.median).toFixed(2)}×**`} | ${s === 'riskwatch' ? '1.0×' : `${(us.median / rwCpu).toFixed(2)}×`} |`);
  }
  const rwRuns = runs.filter((r) => r.system === 'riskwatch');
  const cores100k = (rwCpu * 100_000) / 1e6;
  L.push('', `Replaying a backlog (every row read back from the journal) at 100k points/s, the riskwatch writer's CPU per point (steady, all of this process's threads: journal read, lines, HTTP, GC) comes to **${cores100k.toFixed(2)} core**. First batch accepted ${stat(rwRuns.map((r) => r.firstAckMs ?? 0)).median.toFixed(0)} ms after start (worker start-up with tsx).`, '');
  L.push('Line building (100k journal rows already parsed, ns per line, median of the reps): ' +
    Object.entries(build).map(([n, v]) => `${n} **${stat(v).median.toFixed(0)}** (${stat(v).min.toFixed(0)}–${stat(v).max.toFixed(0)})`).join(', ') +
    `; the client's Point takes ${(stat(build['client Point from parsed readings']!).median / stat(build['schema.ts from parsed readings']!).median).toFixed(1)}× as long as schema.ts on the same parsed readings, so the writer builds its own lines.`, '');
  L.push(`Live: readings appended to the journal at ${RATE}/s for ${LAG_S} s (one probe reading every 100 ms), in three phases per rep: append-only (no writer: the baseline), riskwatch (InfluxWriter with the journal's live tap: the writer thread takes each commit from the journal's writer thread instead of reading it back), and the official WriteApi fed at append time with flushInterval 1 s (its default is 60 s). Lag = first seen by a poller asking InfluxDB every 20 ms − append resolved (durable). Writer CPU per point = (process CPU of the riskwatch phase − that of append-only) / readings; the writer thread's own CPU beside it.`, '');
  L.push('| system | rep | readings | s | process CPU ms | writer thread CPU ms | probes | p50 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of lagRuns) L.push(`| ${r.system} | ${r.rep} | ${r.points} | ${r.seconds.toFixed(1)} | ${r.cpuMs.toFixed(0)} | ${r.threadMs === null ? '—' : r.threadMs.toFixed(0)} | ${r.probes} | ${Number.isFinite(r.p50) ? r.p50.toFixed(0) : '—'} | ${Number.isFinite(r.p99) ? r.p99.toFixed(0) : '—'} | ${Number.isFinite(r.max) ? r.max.toFixed(0) : '—'} |`);
  const live = (sys: string) => lagRuns.filter((r) => r.system === sys);
  const perRep = live('riskwatch').map((r) => {
    const base = live('append-only').find((b) => b.rep === r.rep)!;
    return { process: ((r.cpuMs - (base.cpuMs * r.seconds) / base.seconds) * 1000) / r.points, thread: r.threadMs === null ? NaN : (r.threadMs * 1000) / r.points };
  });
  const proc = stat(perRep.map((x) => x.process)), thread = stat(perRep.map((x) => x.thread));
  L.push('', `Live writer CPU per point: **${proc.median.toFixed(2)} µs** process-wide (${proc.min.toFixed(2)}–${proc.max.toFixed(2)}), of which the writer thread ${thread.median.toFixed(2)} µs (${thread.min.toFixed(2)}–${thread.max.toFixed(2)}) → **${((proc.median * 100_000) / 1e6).toFixed(2)} core at 100k points/s** (target ≤ 0.3 core, performance.md).`, '');
  const lagSystems = ['riskwatch', 'client flushInterval 1 s'];
  const med = (sys: string, f: 'p50' | 'p99') => stat(live(sys).map((r) => r[f])).median;
  L.push(`Reading → queryable, median over reps: ${lagSystems.map((sys) => `${sys} p50 **${med(sys, 'p50').toFixed(0)} ms**, p99 **${med(sys, 'p99').toFixed(0)} ms**`).join('; ')} (target p99 ≤ 1,500 ms, stretch ≤ 500 ms); peer ÷ riskwatch (p99) **${(med(lagSystems[1]!, 'p99') / med('riskwatch', 'p99')).toFixed(2)}×**.`, '');
  L.push(`Reproduce: \`npm run bench:storage\` (options \`--points N --reps N --rate R --lag-seconds S --no-write\`; diagnostics \`--no-tap\` — the writer polls the journal instead of taking commits from the tap — and \`--linger MS\`).`, '<!-- /bench:storage -->');
  const text = L.join('\n');
  process.stdout.write(`\n${text}\n`);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(`bench/out/storage-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify({ runs, build, lagRuns }, null, 2));
  if (!a['no-write']) {
    const file = 'bench/RESULTS.md';
    const prev = readFileSync(file, 'utf8');
    const re = /<!-- bench:storage -->[\s\S]*<!-- \/bench:storage -->/;
    writeFileSync(file, re.test(prev) ? prev.replace(re, text) : `${prev.trimEnd()}\n\n${text}\n`);
  }
}

let influxdVersion = '?';
try {
  const { spawnSync } = await import('node:child_process');
  influxdVersion = spawnSync('influxd', ['version'], { encoding: 'utf8' }).stdout.trim().replace(/^InfluxDB /, '');
} catch { /* unknown */ }

main().then(() => process.exit(0), async (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  await cleanup().catch(() => {});
  process.exit(1);
});
