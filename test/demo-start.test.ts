// Issue 3, "Done when": the README's first command starts everything; /healthz is ok within 30 s; within
// 60 s every sensor of config/demo.yaml shows a reading in GET /api/sensors, fresh against its interval.
// Runs `serve` exactly as `npm start` does, as a child process on spare ports with a fresh data dir.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../app/config-file.ts';
import { freePort } from './support/ports.ts';

let child: ChildProcess | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'rw-demo-'));
afterAll(() => { child?.kill('SIGKILL'); rmSync(dataDir, { recursive: true, force: true }); });

describe('npm start on a fresh data dir', () => {
  it('is healthy within 30 s and shows every demo sensor fresh within 60 s', async () => {
    const [mqtt, http, metrics] = [await freePort(), await freePort(), await freePort()];
    const t0 = Date.now();
    child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts', 'serve'], {
      env: { ...process.env, RISKWATCH_DATA_DIR: dataDir, RISKWATCH_MQTT_PORT: String(mqtt), RISKWATCH_HTTP_PORT: String(http), RISKWATCH_METRICS_PORT: String(metrics), RISKWATCH_MQTT_WS_PORT: 'off', RISKWATCH_LOG_LEVEL: 'warn', RISKWATCH_INFLUX_URL: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const base = `http://127.0.0.1:${http}`;

    let healthyAt = 0;
    while (Date.now() - t0 < 30_000) {
      const res = await fetch(`${base}/healthz`).catch(() => null);
      if (res?.status === 200) { healthyAt = Date.now() - t0; break; }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(healthyAt, `not healthy within 30 s; stderr: ${stderr.slice(-2000)}`).toBeGreaterThan(0);

    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'riskwatch-demo' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const expected = loadConfigFile('config/demo.yaml').registry.enterprises.flatMap((e) => e.sites.flatMap((s) => s.sensors.map((x) => `${e.id}/${x.id}`))).sort();
    let notFresh: string[] = expected;
    while (Date.now() - t0 < 60_000) {
      const body = (await (await fetch(`${base}/api/sensors?limit=5000`, { headers: { cookie } })).json()) as { items: { enterpriseId: string; sensorId: string; freshness: string; latest: unknown }[] };
      const fresh = new Set(body.items.filter((i) => i.freshness === 'fresh' && i.latest).map((i) => `${i.enterpriseId}/${i.sensorId}`));
      notFresh = expected.filter((k) => !fresh.has(k));
      if (notFresh.length === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(notFresh, 'sensors without a fresh reading after 60 s').toEqual([]);
  }, 90_000);
});
