// Readings history (contract.md "HTTP API": GET /api/sensors/{enterpriseId}/{sensorId}/readings?from=&to=&every=),
// served from InfluxDB through the narrow ReadingsHistory of api/deps.ts.
// - Scope by the one policy function; a sensor outside the caller's scope answers the same 404 as one that
//   does not exist, so existence never leaks across enterprises.
// - `every` given: per metric, the mean and count of ok readings per bucket (at most MAX_POINTS buckets).
//   `every` absent: the readings themselves when the range holds at most RAW_EXPECTED of them at the sensor's
//   nominal interval, else means at an automatic bucket width (about AUTO_POINTS buckets).
// - No history configured: 503 RW_ERR_HISTORY_OFF. InfluxDB failing: 503 RW_ERR_STORAGE_UNAVAILABLE (or 502
//   RW_ERR_STORAGE_QUERY), logged; the answer names neither InfluxDB's address nor the query.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import { sensorKey } from '../../core/ids.ts';
import { scopeCoversEnterprise } from '../../core/scope.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { principalOf } from '../auth.ts';
import type { ApiAuth } from '../auth.ts';
import type { ApiRegistryView, ReadingsHistory } from '../deps.ts';
import { parse } from '../server.ts';

/** Most points (buckets or readings) in one answer. */
export const MAX_POINTS = 10_000;
/** `every` absent: raw readings when the range should hold at most this many at the nominal interval. */
export const RAW_EXPECTED = 5_000;
/** `every` absent and the range too long for raw readings: about this many buckets. */
export const AUTO_POINTS = 1_000;
/** Longest range one request may ask for. */
export const MAX_RANGE_MS = 400 * 86_400_000;
/** Default range when `from` is absent. */
export const DEFAULT_RANGE_MS = 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** ISO 8601 with an offset (`Z` or `+08:00`), or epoch milliseconds, as readings' `ts` (contract.md "Readings"). */
const Time = z.string().max(40).transform((s, ctx) => {
  if (/^\d{1,15}$/.test(s)) return Number(s);
  if (z.iso.datetime({ offset: true }).safeParse(s).success) return Date.parse(s);
  ctx.addIssue({ code: 'custom', message: 'must be ISO 8601 with an offset (2026-11-22T08:00:00+08:00) or epoch milliseconds' });
  return z.NEVER;
});

/** `30s`, `1m`, `15m`, `1h`, `1d`, `1w` (also `ms`), or a number of seconds; at least one second. */
const Every = z.string().max(20).transform((s, ctx) => {
  const m = /^(\d{1,12})(ms|s|m|h|d|w)?$/.exec(s);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's']! : NaN;
  if (!Number.isSafeInteger(ms) || ms < 1000) {
    ctx.addIssue({ code: 'custom', message: 'every must be a duration like 1m, 15m, 1h, 1d, or seconds, of at least 1 s' });
    return z.NEVER;
  }
  return ms;
});

const Query = z.strictObject({ from: Time.optional(), to: Time.optional(), every: Every.optional() });

/** The shortest form of a bucket width: `15m`, `1h`, `90s`, `1500ms`. */
export function formatEvery(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's'] as const) if (ms % UNIT_MS[u]! === 0) return `${ms / UNIT_MS[u]!}${u}`;
  return `${ms}ms`;
}

const NICE_MS = [10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800].map((s) => s * 1000);

/** The automatic bucket width: the first "nice" width at least the nominal interval and giving ≤ AUTO_POINTS buckets. */
export function autoEvery(rangeMs: number, intervalS: number): number {
  const min = Math.max(intervalS * 1000, Math.ceil(rangeMs / AUTO_POINTS));
  return NICE_MS.find((n) => n >= min) ?? Math.ceil(min / 86_400_000) * 86_400_000;
}

export interface HistoryRouteDeps {
  auth: ApiAuth;
  registry: { readonly compiled: ApiRegistryView };
  now: () => number;
  history?: ReadingsHistory;
}

/** Storage errors without their details (InfluxDB's URL, the InfluxQL text): those go to the log. */
async function guarded<T>(req: FastifyRequest, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RwError && (err.code === 'RW_ERR_STORAGE_UNAVAILABLE' || err.code === 'RW_ERR_STORAGE_QUERY')) {
      req.log.error({ err }, 'readings history query failed');
      throw new RwError(err.code, err.code === 'RW_ERR_STORAGE_UNAVAILABLE' ? 'the history store (InfluxDB) is unavailable; retry later' : 'the history store refused the query (logged)');
    }
    throw err;
  }
}

export function historyRoutes(app: FastifyInstance, deps: HistoryRouteDeps): void {
  app.get<{ Params: { enterpriseId: string; sensorId: string } }>('/api/sensors/:enterpriseId/:sensorId/readings', async (req) => {
    const p = principalOf(req, deps.auth);
    const { enterpriseId, sensorId } = req.params;
    const sensor = deps.registry.compiled.sensors.get(sensorKey(enterpriseId, sensorId));
    const enterprise = sensor ? deps.registry.compiled.enterprises.get(enterpriseId) : undefined;
    const type = sensor ? sensorType(sensor.info.type) : undefined;
    // One answer for "no such sensor" and "not yours"; the caller's own text is not echoed.
    if (!sensor || !enterprise || !type || !scopeCoversEnterprise(p.scope, enterprise)) {
      throw new RwError('RW_ERR_NOT_FOUND', 'no such sensor in your scope');
    }

    const q = parse(Query, req.query);
    const toMs = q.to ?? deps.now();
    const fromMs = q.from ?? toMs - DEFAULT_RANGE_MS;
    if (fromMs >= toMs) throw new RwError('RW_ERR_VALIDATION', 'from must be before to');
    const rangeMs = toMs - fromMs;
    if (rangeMs > MAX_RANGE_MS) throw new RwError('RW_ERR_QUERY_TOO_LARGE', `the range may span at most ${MAX_RANGE_MS / 86_400_000} days`);
    if (q.every !== undefined && Math.ceil(rangeMs / q.every) > MAX_POINTS) {
      throw new RwError('RW_ERR_QUERY_TOO_LARGE', `${Math.ceil(rangeMs / q.every)} buckets asked; at most ${MAX_POINTS} per request (use a larger every or a shorter range)`,
        { maxPoints: MAX_POINTS, minEvery: formatEvery(Math.ceil(rangeMs / MAX_POINTS / 1000) * 1000) });
    }
    const history = deps.history;
    if (!history) throw new RwError('RW_ERR_HISTORY_OFF', 'history is off: no InfluxDB is configured (platform.influx / RISKWATCH_INFLUX_URL)');

    const metricNames = Object.keys(type.metrics);
    const base = { enterpriseId, sensorId, metrics: metricNames, fromMs, toMs };
    const head = {
      enterpriseId, siteId: sensor.siteId, sensorId, type: sensor.info.type, typeName: type.zh,
      from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(),
    };
    const meta = (m: string) => ({ unit: type.metrics[m]!.unit, name: type.metrics[m]!.zh, kind: type.metrics[m]!.kind });

    if (q.every === undefined && rangeMs / (sensor.intervalS * 1000) <= RAW_EXPECTED) {
      const rows = await guarded(req, () => history.raw({ ...base, limit: MAX_POINTS + 1 }));
      if (rows.length <= MAX_POINTS) {
        return {
          ...head, mode: 'raw', every: null, everyMs: null,
          metrics: Object.fromEntries(metricNames.map((m) => {
            const boolean = type.metrics[m]!.kind === 'boolean';
            return [m, { ...meta(m), points: rows.filter((r) => r.values[m] !== null).map((r) => ({
              ts: new Date(r.ts).toISOString(), value: boolean ? r.values[m] !== 0 : r.values[m], quality: r.quality, seq: r.seq,
            })) }];
          })),
        };
      }
      // More readings than the nominal interval promises (a device reporting fast): means instead.
    }

    const everyMs = q.every ?? autoEvery(rangeMs, sensor.intervalS);
    const means = await guarded(req, () => history.means({ ...base, everyMs }));
    return {
      ...head, mode: 'mean', every: formatEvery(everyMs), everyMs,
      metrics: Object.fromEntries(metricNames.map((m) => [m, {
        ...meta(m), points: (means[m] ?? []).map((pt) => ({ ts: new Date(pt.ts).toISOString(), mean: pt.mean, n: pt.n })),
      }])),
    };
  });
}
