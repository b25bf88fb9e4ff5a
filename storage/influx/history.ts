// Readings history from InfluxDB (issue 5): the rules' HistorySource (rules/baseline/history.ts, the seam
// baselines load weeks through) and the API's readings history (api/deps.ts ReadingsHistory), both as
// InfluxQL over /query (architecture.md "Readings").
//
// Schema (fixed with the writer, storage/influx/schema.ts): measurement `reading`, tags enterprise, site,
// sensor, type, county; one float field per metric (booleans 1/0), `quality` (string), `seq` (integer),
// `lag_ms`, `interval_s`. Means count `quality = 'ok'` readings only, as the platform's own baseline history
// does (app/rules.ts feeds SqliteSeriesHistory with ok readings only): a calibration gas or a faulty probe is
// not the process.
//
// Every id in a query is quoted by influxql.ts: enterprise and sensor ids come from request paths.
import { RwError } from '../../core/errors.ts';
import type { HistoryQuery, HistorySource } from '../../rules/baseline/history.ts';
import { ident, msDuration, source, str, timeRange } from './influxql.ts';
import { READING } from './schema.ts';
import { influxQuery, type InfluxConnection, type InfluxSeries } from './transport.ts';

export interface InfluxHistoryOptions {
  /** Per-query timeout, ms (default 10 s): a baseline refresh or an API request waits no longer. */
  timeoutMs?: number;
  /** Measurement of readings (default `reading`, schema.ts). */
  measurement?: string;
}

interface SensorRange {
  enterpriseId: string;
  sensorId: string;
  /** Metric names from the sensor's type (core/sensor-types.ts). */
  metrics: readonly string[];
  fromMs: number;
  toMs: number;
}

export interface MeanPoint { ts: number; mean: number; n: number }
export interface RawReading { ts: number; quality: string; seq: number | null; values: Record<string, number | null> }

/**
 * Errors: RwError RW_ERR_STORAGE_UNAVAILABLE (InfluxDB unreachable, 5xx, credentials refused) and
 * RW_ERR_STORAGE_QUERY (InfluxQL refused: a bug here) from transport.ts. A database that does not exist yet
 * (nothing written) answers empty series, like an unknown sensor.
 */
export class InfluxHistory implements HistorySource {
  private readonly from: string;

  constructor(private readonly conn: InfluxConnection, private readonly o: InfluxHistoryOptions = {}) {
    this.from = source(o.measurement ?? READING, conn.db, conn.rp ?? undefined);
  }

  /** HistorySource: the mean of one metric per `everyMs` bucket (epoch-aligned, `ts` = bucket start). */
  async series(q: HistoryQuery): Promise<{ ts: number; value: number }[]> {
    const m = await this.means({ enterpriseId: q.enterpriseId, sensorId: q.sensorId, metrics: [q.metric], fromMs: q.fromMs, toMs: q.toMs, everyMs: q.everyMs });
    return (m[q.metric] ?? []).map((p) => ({ ts: p.ts, value: p.mean }));
  }

  /** Per metric, mean and count of ok readings per bucket; buckets without any are left out. */
  async means(q: SensorRange & { everyMs: number }): Promise<Record<string, MeanPoint[]>> {
    const out: Record<string, MeanPoint[]> = Object.fromEntries(q.metrics.map((m) => [m, []]));
    if (q.metrics.length === 0 || q.toMs <= q.fromMs) return out;
    // Aliases by position, so no metric name can collide with another column.
    const select = q.metrics.map((m, i) => `mean(${ident(m)}) AS "m${i}", count(${ident(m)}) AS "n${i}"`).join(', ');
    const text = `SELECT ${select} FROM ${this.from} WHERE ${this.sensorWhere(q)} AND "quality" = 'ok' AND ${timeRange(q.fromMs, q.toMs)} ` +
      `GROUP BY time(${msDuration(q.everyMs)}) fill(none)`;
    for (const s of await this.query(text)) {
      const at = columnIndex(s);
      for (const row of s.values) {
        const ts = row[at.get('time')!] as number;
        q.metrics.forEach((m, i) => {
          const mean = row[at.get(`m${i}`)!];
          const n = row[at.get(`n${i}`)!];
          if (typeof mean === 'number' && typeof n === 'number' && n > 0) out[m]!.push({ ts, mean, n });
        });
      }
    }
    for (const m of q.metrics) out[m]!.sort((a, b) => a.ts - b.ts);
    return out;
  }

  /** The readings themselves (any quality), oldest first, at most `limit`; timestamps truncated to ms. */
  async raw(q: SensorRange & { limit: number }): Promise<RawReading[]> {
    if (q.toMs <= q.fromMs || q.limit <= 0) return [];
    const cols = [...q.metrics.map((m) => ident(m)), '"quality"', '"seq"'].join(', ');
    const text = `SELECT ${cols} FROM ${this.from} WHERE ${this.sensorWhere(q)} AND ${timeRange(q.fromMs, q.toMs)} ` +
      `ORDER BY time ASC LIMIT ${Math.floor(q.limit)}`;
    const out: RawReading[] = [];
    for (const s of await this.query(text)) {
      const at = columnIndex(s);
      for (const row of s.values) {
        const values: Record<string, number | null> = {};
        for (const m of q.metrics) {
          const v = at.has(m) ? row[at.get(m)!] : null;
          values[m] = typeof v === 'number' ? v : null;
        }
        const quality = row[at.get('quality')!];
        const seq = at.has('seq') ? row[at.get('seq')!] : null;
        out.push({ ts: row[at.get('time')!] as number, quality: typeof quality === 'string' ? quality : 'ok', seq: typeof seq === 'number' ? seq : null, values });
      }
    }
    return out;
  }

  private async query(text: string): Promise<InfluxSeries[]> {
    try {
      const [first] = await influxQuery(this.conn, text, { timeoutMs: this.o.timeoutMs ?? 10_000 });
      return first?.series ?? [];
    } catch (err) {
      if (err instanceof RwError && err.code === 'RW_ERR_STORAGE_QUERY' && /database not found/.test(err.message)) return [];
      throw err;
    }
  }

  private sensorWhere(q: { enterpriseId: string; sensorId: string }): string {
    return `"enterprise" = ${str(q.enterpriseId)} AND "sensor" = ${str(q.sensorId)}`;
  }
}

function columnIndex(s: InfluxSeries): Map<string, number> {
  return new Map(s.columns.map((c, i) => [c, i]));
}
