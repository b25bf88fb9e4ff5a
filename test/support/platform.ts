// Starts the real platform for a test: temp data dir, spare ports (0), simulators off unless asked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { RegistryDef } from '../../core/registry.ts';
import { platformFromEnv, type PlatformConfig } from '../../app/config.ts';
import { startPlatform, type Platform, type StartOptions } from '../../app/platform.ts';

export interface TestPlatform extends Platform {
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  cleanup(): Promise<void>;
}

export async function startTestPlatform(registry: RegistryDef, over: { platform?: Record<string, unknown>; clock?: Clock; dataDir?: string; simulator?: StartOptions['simulator'] } = {}): Promise<TestPlatform> {
  const dataDir = over.dataDir ?? mkdtempSync(join(tmpdir(), 'rw-platform-'));
  const cfg: PlatformConfig = platformFromEnv({
    mqtt: { port: 0, wsPort: 0 }, http: { port: 0 }, metrics: { port: 0 }, journal: { fsync: false }, simulate: { enabled: false },
    // No managed influxd unless a test asks (influx: { url } or { managed: true }).
    influx: { managed: false },
    ...over.platform,
  }, { RISKWATCH_DATA_DIR: dataDir }, 'test.yaml');
  const p = await startPlatform({ config: cfg, registry, log: pino({ level: 'silent' }), ...(over.clock ? { clock: over.clock } : {}), ...(over.simulator ? { simulator: over.simulator } : {}) });
  return Object.assign(p, {
    dataDir,
    mqttPort: Number(new URL(p.urls.mqtt).port),
    httpPort: Number(new URL(p.urls.http).port),
    // Retries: in one CI run (2026-11-23, broker-acl) the removal met ENOTEMPTY, a file appearing in the data dir after stop();
    // not reproduced since (15 flood-and-stop runs under load left nothing changing after stop). See the issue note.
    cleanup: async () => { await p.stop(); if (!over.dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); },
  });
}

export async function login(p: TestPlatform, username: string, password = 'riskwatch-demo'): Promise<string> {
  const res = await fetch(`${p.urls.http}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

export const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return; await new Promise((r) => setTimeout(r, 25)); }
  throw new Error(`timed out waiting for ${what}`);
};
