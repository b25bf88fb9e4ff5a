// The systems under test as child processes: riskwatch (`app/main.ts serve`) and Debian's mosquitto; and
// the bookkeeping that kills every child and removes every temp dir on exit, failure or SIGINT.
import { spawn, spawnSync, fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { freePort } from '../../test/support/ports.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mono, sleep } from './common.ts';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MOSQUITTO = '/usr/sbin/mosquitto';

// ---- cleanup ------------------------------------------------------------------------------------------
const children = new Set<ChildProcess>();
const dirs = new Set<string>();

export function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}
export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}
/** Synchronous last resort: SIGKILL what is left (by pid), remove temp dirs. */
export function cleanupNow(): void {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  children.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}
export function installCleanup(): void {
  process.once('exit', cleanupNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { process.stderr.write(`\n${sig}: stopping children\n`); cleanupNow(); process.exit(130); });
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(c: ChildProcess, graceMs = 10_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

// ---- helpers ------------------------------------------------------------------------------------------

async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  const end = mono() + timeoutMs;
  while (mono() < end) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = tcpConnect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const c = track(spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '', err = '';
    c.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    c.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    c.once('exit', (code) => (code === 0 ? resolveRun(out) : reject(new Error(`${cmd} ${args.join(' ')} → ${code}\n${err}${out}`))));
  });
}

/** A TypeScript child with an IPC channel (load generator, observer). */
export function forkTs(file: string, name: string): ChildProcess {
  const c = track(fork(join(ROOT, 'bench/ingest', file), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  c.once('exit', (code, sig) => { if (code !== 0 && sig === null) process.stderr.write(`${name} exited with ${code}\n`); });
  return c;
}

// ---- the systems --------------------------------------------------------------------------------------
export interface System {
  kind: 'riskwatch' | 'mosquitto';
  label: string;
  pid: number;
  url: string;
  /** Credentials of the sensors/# subscriber. */
  observer: { username?: string; password?: string; clientId: string };
  /** The demo secret devices derive passwords from (riskwatch), or null. */
  secret: string | null;
  metricsUrl: string | null;
  stop(): Promise<void>;
}

export interface RiskwatchOptions {
  configFile: string;
  fsync: boolean;
  /** Directory for `--cpu-prof` output; profiling off when absent. */
  cpuProfDir?: string;
  label?: string;
}

export async function startRiskwatch(o: RiskwatchOptions): Promise<System> {
  const dataDir = tempDir('rw-bench-data-');
  const [mqttPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env, RISKWATCH_CONFIG: o.configFile, RISKWATCH_DATA_DIR: dataDir, RISKWATCH_MQTT_PORT: String(mqttPort),
    RISKWATCH_HTTP_PORT: String(httpPort), RISKWATCH_METRICS_PORT: String(metricsPort), RISKWATCH_MQTT_WS_PORT: 'off',
    RISKWATCH_SIMULATE: '0', RISKWATCH_JOURNAL_FSYNC: o.fsync ? '1' : '0', RISKWATCH_LOG_LEVEL: 'warn', RISKWATCH_INFLUX_URL: 'off',
  };
  // The token first: it seeds the registry and creates the demo secret in the fresh data dir.
  const out = await run(process.execPath, ['--import', 'tsx', 'app/main.ts', 'token', 'add', '--name', 'bench', '--role', 'admin', '--scope', 'platform'], env);
  const m = /token (\S+) \(shown once\): (\S+)/.exec(out);
  if (!m) throw new Error(`token add: unexpected output ${out}`);
  const [, tokenId, token] = m as unknown as [string, string, string];
  const prof = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  // stdout (pino JSON at warn and above, and the banner) goes to a file; warnings are reported at stop.
  const logFile = join(dataDir, 'serve.log');
  const logFd = openSync(logFile, 'w');
  const child = track(spawn(process.execPath, [...prof, '--import', 'tsx', 'app/main.ts', 'serve'], { cwd: ROOT, env, stdio: ['ignore', logFd, 'pipe'] }));
  closeSync(logFd);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); if (stderr.length > 20_000) stderr = stderr.slice(-10_000); });
  try {
    await waitForPort(metricsPort, child, 'riskwatch', 120_000);
    await waitForPort(mqttPort, child, 'riskwatch', 10_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  const secret = readFileSync(join(dataDir, 'demo-secret'), 'utf8').trim();
  return {
    kind: 'riskwatch', label: o.label ?? 'riskwatch', pid: child.pid!, url: `mqtt://127.0.0.1:${mqttPort}`,
    observer: { username: `token.${tokenId}`, password: token, clientId: `token.${tokenId}.bench` },
    secret, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: async () => {
      await stopChild(child, 30_000);
      const log = readFileSync(logFile, 'utf8');
      const lines = log.split('\n').filter((l) => l.startsWith('{'));
      if (lines.length > 0) process.stderr.write(`riskwatch logged ${lines.length} line(s) at warn or above; last: ${lines.at(-1)!.slice(0, 300)}\n`);
      if (stderr.trim()) process.stderr.write(`riskwatch stderr (last lines):\n${stderr.trim().split('\n').slice(-5).join('\n')}\n`);
      removeDir(dataDir);
    },
  };
}

export function mosquittoVersion(): string {
  // `mosquitto -h` prints its usage (with the version) and exits 3.
  const r = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' });
  if (r.error) return 'not installed';
  return /mosquitto version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

export async function startMosquitto(): Promise<System> {
  const dir = tempDir('rw-bench-mosq-');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'set_tcp_nodelay true', 'max_queued_messages 1000000',
    'max_inflight_messages 0', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', '',
  ].join('\n'));
  const child = track(spawn(MOSQUITTO, ['-c', conf], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); if (stderr.length > 20_000) stderr = stderr.slice(-10_000); });
  try {
    await waitForPort(port, child, 'mosquitto', 10_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    kind: 'mosquitto', label: 'mosquitto', pid: child.pid!, url: `mqtt://127.0.0.1:${port}`,
    observer: { clientId: 'bench-observer' }, secret: null, metricsUrl: null,
    stop: async () => {
      await stopChild(child, 5_000);
      if (stderr.trim()) process.stderr.write(`mosquitto stderr (last lines):\n${stderr.trim().split('\n').slice(-5).join('\n')}\n`);
      removeDir(dir);
    },
  };
}

/** riskwatch's counters from /metrics. */
export async function readCounters(metricsUrl: string): Promise<{ accepted: number; rejected: number; duplicates: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const one = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  let rejected = 0;
  for (const m of text.matchAll(/^riskwatch_readings_rejected_total\{[^}]*\} (\S+)$/gm)) rejected += Number(m[1]);
  return { accepted: one('riskwatch_readings_accepted_total'), rejected, duplicates: one('riskwatch_readings_duplicate_total') };
}
