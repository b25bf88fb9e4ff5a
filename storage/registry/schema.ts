// The registry's tables. Enterprises are stored as documents (sites, sensors and devices nested, the
// shape of core/registry.ts); credentials, tokens and users live apart so that a YAML re-seed never
// touches them; every change is a row in `audit`.
export const REGISTRY_DDL = `
CREATE TABLE IF NOT EXISTS enterprises (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS device_credentials (
  enterprise TEXT NOT NULL, device TEXT NOT NULL, hash TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL, PRIMARY KEY (enterprise, device)
);
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, doc TEXT NOT NULL, hash TEXT NOT NULL, demo INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, hash TEXT NOT NULL,
  created_by TEXT NOT NULL, created INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, username TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, detail TEXT
);
CREATE TABLE IF NOT EXISTS registry_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
`;
