// The InfluxDB schema (docs/storage.md): pure line-protocol builders for the two measurements riskwatch
// writes. The names are a contract: Grafana dashboards and the history API query them (InfluxQL), so a
// rename is a migration, never a refactor.
//
//   reading      tags   county, enterprise, sensor, site, type            (tag keys in sorted order)
//                fields <metric>… (float; booleans 1/0), interval_s (float), lag_ms (float),
//                       quality (string), seq (integer, only when the reading has one)
//                time   ns = ts_ms · 10⁶ + (seq mod 10⁶), or ts_ms · 10⁶ without seq
//   alert_event  tags   enterprise (or _platform), event, kind, level, site (or _)
//                fields alert_id (string), version (integer), sensor (string, may be empty),
//                       title (string, the zh-CN alert text), state (string, handling state)
//                time   ns = at_ms · 10⁶ + (feed seq mod 10⁶)
//
// Every metric is written as a float (a bare number in line protocol; never with the `i` suffix), so a
// metric never changes field type between points and InfluxDB never refuses one for a type conflict.
// InfluxDB keeps one point per series and timestamp: the sub-millisecond offset keeps readings of one
// sensor with the same ts but different seq apart (architecture.md "Readings"), and it is reversible:
// ts_ms = ⌊ns / 10⁶⌋, seq mod 10⁶ = ns mod 10⁶, and `seq` itself is a field. Timestamps are built as
// decimal strings: ts_ms · 10⁶ (≈ 1.8·10¹⁸) is far beyond 2⁵³, where a float would round.
import type { Transition } from '../../core/alert.ts';
import type { MetricValue } from '../../core/reading.ts';

export const READING = 'reading';
export const ALERT_EVENT = 'alert_event';
/** Tag values for alerts without an enterprise (kind: system) or without a site. */
export const PLATFORM_TAG = '_platform';
export const NO_SITE_TAG = '_';
/** Tag value when the registry no longer knows a sensor's type or enterprise (line protocol has no empty tag). */
export const UNKNOWN_TAG = '_';

const NS_PER_MS = 1_000_000;

// ---- escaping (line protocol: https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/) ----

const MEASUREMENT_SPECIAL = /[,\s\\]/;
const KEY_SPECIAL = /[,=\s\\]/;
const STRING_SPECIAL = /["\\]/;

/** Measurement names: comma and space escaped (and the escape character itself). */
export function escapeMeasurement(s: string): string {
  return MEASUREMENT_SPECIAL.test(s) ? s.replace(/[,\s\\]/g, (c) => `\\${c === '\n' ? ' ' : c}`) : s;
}

/** Tag keys, tag values and field keys: comma, equals sign and space escaped; an empty tag value is not
 * representable, so callers substitute UNKNOWN_TAG. Newlines become spaces (no escape exists for them). */
export function escapeKey(s: string): string {
  return KEY_SPECIAL.test(s) ? s.replace(/[,=\s\\]/g, (c) => (c === '\n' || c === '\r' || c === '\t' ? '\\ ' : `\\${c}`)) : s;
}

/** A string field value, quoted: double quote and backslash escaped; newlines are kept (quoted). */
export function stringField(s: string): string {
  return STRING_SPECIAL.test(s) ? `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"` : `"${s}"`;
}

/** A float field value. A finite number prints as a line-protocol float (`1`, `0.42`, `1e+25`), never an
 * integer; booleans are 1 and 0. Non-finite numbers cannot be written (validation never lets one in). */
export function floatField(v: MetricValue): string | null {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return Number.isFinite(v) ? String(v) : null;
}

// ---- timestamps ----------------------------------------------------------------------------------------

/** The sub-millisecond offset of a reading: seq mod 10⁶ (0 without seq). */
export const seqOffset = (seq: number | null): number => (seq === null ? 0 : ((seq % NS_PER_MS) + NS_PER_MS) % NS_PER_MS);

/** `ms · 10⁶ + offset` as a decimal string, exact for any safe-integer ms (offset in [0, 10⁶)). */
export function nsString(ms: number, offset: number): string {
  if (ms > 0 && Number.isSafeInteger(ms)) return `${ms}${String(NS_PER_MS + offset).slice(1)}`;
  return (BigInt(Math.trunc(ms)) * BigInt(NS_PER_MS) + BigInt(offset)).toString();
}

/** A reading's InfluxDB timestamp in ns: ts_ms · 10⁶ + (seq mod 10⁶ when seq ≠ null, else 0). */
export const readingTimeNs = (tsMs: number, seq: number | null): string => nsString(tsMs, seqOffset(seq));

/** The inverse: the reading's ts (ms) and its seq mod 10⁶ from an ns timestamp (string or bigint). */
export function splitTimeNs(ns: string | bigint): { ms: number; offset: number } {
  const n = typeof ns === 'bigint' ? ns : BigInt(ns);
  const m = BigInt(NS_PER_MS);
  let ms = n / m;
  let off = n % m;
  if (off < 0n) { off += m; ms -= 1n; }
  return { ms: Number(ms), offset: Number(off) };
}

/** An alert event's InfluxDB timestamp in ns: event time ms · 10⁶ + (feed seq mod 10⁶). The feed seq is the
 * store's commit-order number of the event (AlertStore.eventFeed), unique and stable per event, so a replay
 * rewrites the same point, and two events only share a timestamp if they share the millisecond and are a
 * multiple of 10⁶ events apart in the feed — which no commit rate reaches (a hash of id and version would
 * collide at random: ~2 % for a storm of 200 events raised in one millisecond). */
export const alertEventTimeNs = (atMs: number, feedSeq: number): string => nsString(atMs, seqOffset(feedSeq));

// ---- reading ---------------------------------------------------------------------------------------------

/** What the registry adds to a reading's point: its sensor type and the enterprise's GB/T 2260 code. */
export interface SeriesInfo {
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  /** Sensor type id (core/sensor-types.ts), e.g. `gas_combustible`. */
  type: string;
  /** The enterprise's GB/T 2260 county code. */
  county: string;
  /** The type's nominal interval in seconds; null when unknown. */
  intervalS: number | null;
}

/** A journal entry as the line builder needs it. */
export interface ReadingInput {
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  ts: number;
  seq: number | null;
  quality: string;
  values: Readonly<Record<string, MetricValue>>;
  receivedAt: number;
}

const tag = (s: string): string => (s === '' ? UNKNOWN_TAG : escapeKey(s));

/** `reading,county=…,enterprise=…,sensor=…,site=…,type=…` — the series key, built once per sensor and site. */
export function readingSeriesKey(s: Pick<SeriesInfo, 'enterpriseId' | 'siteId' | 'sensorId' | 'type' | 'county'>): string {
  return `${READING},county=${tag(s.county)},enterprise=${tag(s.enterpriseId)},sensor=${tag(s.sensorId)},site=${tag(s.siteId)},type=${tag(s.type)}`;
}

/** Escaped field keys by metric name (a handful of names across every sensor type). */
const fieldKeys = new Map<string, string>();
const fieldKey = (k: string): string => {
  let e = fieldKeys.get(k);
  if (e === undefined) { e = escapeKey(k); if (fieldKeys.size < 10_000) fieldKeys.set(k, e); }
  return e;
};

/** The fields and timestamp after a series key: `lel=0.42,interval_s=60,lag_ms=812,quality="ok",seq=7i 1763…`.
 * `intervalField` is `interval_s=60` (or '' when unknown). */
export function readingFieldsAndTime(r: ReadingInput, intervalField: string): string {
  return joinFields(metricFields(r.values), intervalField, tailFields(r.ts, r.seq, r.quality, r.receivedAt));
}

function metricFields(values: Readonly<Record<string, MetricValue>>): string {
  let f = '';
  for (const k in values) {
    const s = floatField(values[k]!);
    if (s === null) continue;
    f = f === '' ? `${fieldKey(k)}=${s}` : `${f},${fieldKey(k)}=${s}`;
  }
  return f;
}

const joinFields = (metrics: string, intervalField: string, tail: string): string =>
  `${metrics === '' ? '' : `${metrics},`}${intervalField === '' ? '' : `${intervalField},`}${tail}`;

const intervalFieldOf = (intervalS: number | null): string => (intervalS === null ? '' : `interval_s=${intervalS}`);

const SAFE_FIELD_KEY = /^[A-Za-z0-9_.:-]+$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * The metric fields straight from a journal entry's `vals` text — `JSON.stringify` of `{metric: number |
 * boolean}` — without parsing it into an object: a JSON number is already a line-protocol float as written
 * (`1`, `0.42`, `1e-7`, `1e+25`), true/false become 1/0. Null for anything else (an escaped or unusual key,
 * a nested value, null): the caller then parses and goes through `floatField`, with the same result.
 */
export function fieldsFromVals(vals: string): string | null {
  const n = vals.length;
  if (n < 2 || vals.charCodeAt(0) !== 123 || vals.charCodeAt(n - 1) !== 125) return null;
  let out = '';
  let i = 1;
  while (i < n - 1) {
    if (vals.charCodeAt(i) !== 34) return null;
    const ke = vals.indexOf('"', i + 1);
    if (ke < 0 || vals.charCodeAt(ke + 1) !== 58) return null;
    const key = vals.slice(i + 1, ke);
    let ve = ke + 2;
    while (ve < n - 1 && vals.charCodeAt(ve) !== 44) ve++;
    const v = vals.slice(ke + 2, ve);
    const lp = v === 'true' ? '1' : v === 'false' ? '0' : JSON_NUMBER.test(v) ? v : null;
    if (lp === null || !SAFE_FIELD_KEY.test(key)) return null;
    out = out === '' ? `${key}=${lp}` : `${out},${key}=${lp}`;
    i = ve + 1;
  }
  return out;
}

/** The fields after the metrics, and the timestamp: `lag_ms=812,quality="ok",seq=7i 1763…`. */
function tailFields(tsMs: number, seq: number | null, quality: string, receivedAt: number): string {
  const q = quality === 'ok' ? '"ok"' : stringField(quality);
  return seq !== null
    ? `lag_ms=${receivedAt - tsMs},quality=${q},seq=${seq}i ${readingTimeNs(tsMs, seq)}`
    : `lag_ms=${receivedAt - tsMs},quality=${q} ${readingTimeNs(tsMs, null)}`;
}

/** One reading as one line. `series` may be for another site than the reading's (a sensor moved): the
 * reading's own enterprise, site and sensor always win. */
export function readingLine(r: ReadingInput, series: Pick<SeriesInfo, 'type' | 'county' | 'intervalS'> | undefined): string {
  const key = readingSeriesKey({ enterpriseId: r.enterpriseId, siteId: r.siteId, sensorId: r.sensorId, type: series?.type ?? '', county: series?.county ?? '' });
  return `${key} ${readingFieldsAndTime(r, intervalFieldOf(series?.intervalS ?? null))}`;
}

interface SeriesRecord { info: SeriesInfo | undefined; site: string; key: string; intervalField: string }

/** Series keys cached per sensor (and its site), so the hot loop looks up and concatenates instead of escaping. */
export class SeriesTable {
  private readonly byEnterprise = new Map<string, Map<string, SeriesRecord>>();
  /** By `enterprise/sensor/site` (a journal row's key, storage/journal/reader.ts). */
  private readonly byRowKey = new Map<string, SeriesRecord>();
  private readonly infos = new Map<string, Map<string, SeriesInfo>>();
  private count = 0;

  constructor(defs: Iterable<SeriesInfo> = []) { this.replace(defs); }

  replace(defs: Iterable<SeriesInfo>): void {
    this.byEnterprise.clear();
    this.byRowKey.clear();
    this.infos.clear();
    this.count = 0;
    for (const d of defs) {
      let m = this.infos.get(d.enterpriseId);
      if (!m) this.infos.set(d.enterpriseId, (m = new Map()));
      if (!m.has(d.sensorId)) this.count++;
      m.set(d.sensorId, d);
    }
  }

  get size(): number { return this.count; }

  line(r: ReadingInput): string {
    let bySensor = this.byEnterprise.get(r.enterpriseId);
    if (bySensor === undefined) this.byEnterprise.set(r.enterpriseId, (bySensor = new Map()));
    let rec = bySensor.get(r.sensorId);
    if (rec === undefined || rec.site !== r.siteId) {
      const info = this.infos.get(r.enterpriseId)?.get(r.sensorId);
      rec = {
        info, site: r.siteId, intervalField: intervalFieldOf(info?.intervalS ?? null),
        key: readingSeriesKey({ enterpriseId: r.enterpriseId, siteId: r.siteId, sensorId: r.sensorId, type: info?.type ?? '', county: info?.county ?? '' }),
      };
      bySensor.set(r.sensorId, rec);
    }
    return `${rec.key} ${readingFieldsAndTime(r, rec.intervalField)}`;
  }

  /** The same line as `line()` from a journal row's columns, `rowKey` = `enterprise/sensor/site`: the metric
   * fields come straight from the `vals` text (fieldsFromVals), parsed only when it is unusual. */
  lineOf(rowKey: string, ts: number, seq: number | null, quality: string, vals: string, receivedAt: number): string {
    let rec = this.byRowKey.get(rowKey);
    if (rec === undefined) {
      const a = rowKey.indexOf('/'), b = rowKey.indexOf('/', a + 1);
      const enterpriseId = rowKey.slice(0, a), sensorId = rowKey.slice(a + 1, b), siteId = rowKey.slice(b + 1);
      const info = this.infos.get(enterpriseId)?.get(sensorId);
      rec = {
        info, site: siteId, intervalField: intervalFieldOf(info?.intervalS ?? null),
        key: readingSeriesKey({ enterpriseId, siteId, sensorId, type: info?.type ?? '', county: info?.county ?? '' }),
      };
      if (this.byRowKey.size < 1_000_000) this.byRowKey.set(rowKey, rec);
    }
    const metrics = fieldsFromVals(vals) ?? metricFields(JSON.parse(vals) as Record<string, MetricValue>);
    return `${rec.key} ${joinFields(metrics, rec.intervalField, tailFields(ts, seq, quality, receivedAt))}`;
  }
}

// ---- alert_event -----------------------------------------------------------------------------------------

/** One alert event (contract.md "Alerts": one per transition) as one line; `feedSeq` from the store's feed. */
export function alertEventLine(t: Transition, feedSeq: number): string {
  const atMs = Date.parse(t.at);
  const key = `${ALERT_EVENT},enterprise=${t.enterpriseId ? escapeKey(t.enterpriseId) : PLATFORM_TAG},event=${tag(t.event)},kind=${tag(t.kind)},` +
    `level=${tag(t.level ?? 'none')},site=${t.siteId ? escapeKey(t.siteId) : NO_SITE_TAG}`;
  const fields = `alert_id=${stringField(t.id)},version=${t.version}i,sensor=${stringField(t.sensorId ?? '')},title=${stringField(t.message)},state=${stringField(t.handling)}`;
  return `${key} ${fields} ${alertEventTimeNs(Number.isFinite(atMs) ? atMs : 0, feedSeq)}`;
}
