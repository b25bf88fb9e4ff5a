// `riskwatch serve` as a child process (restart and outage suites): the platform as `npm start` runs it, on the
// given config, data dir and ports, ready once /healthz answers 200; killed with SIGKILL by the tests that
// need a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ServeChild { child: ChildProcess; exited: Promise<unknown>; output: () => string }

export interface ServeOptions {
  configFile: string;
  dataDir: string;
  ports: { mqtt: number; http: number; metrics: number };
  /** More RISKWATCH_* variables (e.g. the InfluxDB URL, or 'off'). */
  env?: Record<string, string>;
}

export async function startServe(o: ServeOptions): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts', 'serve'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, RISKWATCH_CONFIG: o.configFile, RISKWATCH_DATA_DIR: o.dataDir,
      RISKWATCH_MQTT_PORT: String(o.ports.mqtt), RISKWATCH_HTTP_PORT: String(o.ports.http), RISKWATCH_METRICS_PORT: String(o.ports.metrics),
      RISKWATCH_MQTT_WS_PORT: 'off', RISKWATCH_SIMULATE: '0', RISKWATCH_JOURNAL_FSYNC: '0', RISKWATCH_LOG_LEVEL: 'warn',
      ...o.env,
    },
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise((r) => child.once('exit', r));
  const end = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited early:\n${out.slice(-3000)}`);
    try { if ((await fetch(`http://127.0.0.1:${o.ports.http}/healthz`)).status === 200) return { child, exited, output: () => out.slice(-3000) }; } catch { /* not yet */ }
    if (Date.now() > end) { child.kill('SIGKILL'); throw new Error(`no /healthz within 45 s:\n${out.slice(-3000)}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}
