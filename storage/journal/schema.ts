// The journal's tables. `off` is the cumulative size in bytes through a row, so the unconsumed size is
// one subtraction; `seq_key` is seq or -1, so readings without seq still dedupe on (sensor, ts).
// The dedupe key is indexed time first: live readings carry ts ≈ now, so a group commit appends to the
// index's last pages instead of touching one page per sensor (bench/ingest/pipeline.ts at 20k/s: writer
// 11 µs per reading instead of 15, and the sensor-first index fell behind at 15k/s). A journal created
// before is re-indexed once at start.
export const JOURNAL_DDL = `
CREATE TABLE IF NOT EXISTS readings (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  enterprise TEXT NOT NULL, site TEXT NOT NULL, sensor TEXT NOT NULL,
  ts INTEGER NOT NULL, seq INTEGER, seq_key INTEGER NOT NULL, boot TEXT,
  quality TEXT NOT NULL, vals TEXT NOT NULL, received INTEGER NOT NULL,
  device TEXT, source TEXT NOT NULL, off INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS readings_ts_key ON readings(ts, sensor, enterprise, seq_key);
DROP INDEX IF EXISTS readings_key;
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, pos INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sensor_last (
  enterprise TEXT NOT NULL, sensor TEXT NOT NULL, boot TEXT, ts INTEGER NOT NULL, seq INTEGER,
  PRIMARY KEY (enterprise, sensor)
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
`;

/** Approximate stored size of an entry: what the byte limit and `riskwatch_spool_bytes` count. */
export function entryBytes(e: { enterpriseId: string; siteId: string; sensorId: string; vals: string; boot: string | null }): number {
  return 64 + e.enterpriseId.length + e.siteId.length + e.sensorId.length + e.vals.length + (e.boot?.length ?? 0);
}
