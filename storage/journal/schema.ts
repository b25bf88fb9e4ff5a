// The journal's tables. `off` is the cumulative size in bytes through a row, so the unconsumed size is
// one subtraction; `seq_key` is seq or -1, so readings without seq still dedupe on (sensor, ts).
export const JOURNAL_DDL = `
CREATE TABLE IF NOT EXISTS readings (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  enterprise TEXT NOT NULL, site TEXT NOT NULL, sensor TEXT NOT NULL,
  ts INTEGER NOT NULL, seq INTEGER, seq_key INTEGER NOT NULL, boot TEXT,
  quality TEXT NOT NULL, vals TEXT NOT NULL, received INTEGER NOT NULL,
  device TEXT, source TEXT NOT NULL, off INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS readings_key ON readings(enterprise, sensor, ts, seq_key);
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
