// The data directory: SQLite stores and the demo secret (random per data dir, 0600).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export function demoSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'demo-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export const paths = (dataDir: string) => ({
  registry: join(dataDir, 'registry.db'),
  journal: join(dataDir, 'journal.db'),
});
