// InfluxQL text building (architecture.md "Readings": reads use InfluxQL over /query, served by InfluxDB
// 1.x, 2.x and 3.x alike). Every identifier and string literal that reaches a query goes through these
// functions: enterprise and sensor ids arrive in request paths and are untrusted text, so they are quoted,
// never spliced. InfluxQL grammar (1.x spec): identifiers in double quotes with `\"` and `\\` escapes,
// strings in single quotes with `\'` and `\\` escapes, regular expressions between slashes with `\/`.

/** A double-quoted identifier (database, retention policy, measurement, field or tag key). */
export function ident(name: string): string {
  if (name.length === 0) throw new Error('InfluxQL: empty identifier');
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A single-quoted string literal. */
export function str(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** Escapes a value for use inside a regular expression literal `/…/` (regex metacharacters and the slash). */
export function regexValue(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&').replace(/\//g, '\\/');
}

/** An epoch-millisecond time literal (`1700000000000ms`); the value must be an integer. */
export function msTime(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new Error(`InfluxQL: time ${ms} is not an integer of milliseconds`);
  return `${ms}ms`;
}

/** A duration literal in milliseconds (`900000ms`), for `GROUP BY time()`; must be a positive integer. */
export function msDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error(`InfluxQL: duration ${ms} is not a positive integer of milliseconds`);
  return `${ms}ms`;
}

/** `time >= from AND time < to`: the half-open range the HistorySource contract uses. */
export function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${msTime(fromMs)} AND time < ${msTime(toMs)}`;
}

/** The `FROM` target: `"measurement"`, or `"db"."rp"."measurement"` when a retention policy is named. */
export function source(measurement: string, db: string, rp?: string): string {
  return rp ? `${ident(db)}.${ident(rp)}.${ident(measurement)}` : ident(measurement);
}
