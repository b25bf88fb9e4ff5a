// A managed local influxd (Debian's 1.6.7 or any 1.x on PATH) on loopback: the platform's embedded default
// when no InfluxDB is configured (architecture.md "Embedded default"), and what the tests start on their own
// port and data dir. It writes its own config (RPC and HTTP on 127.0.0.1, meta/data/wal under `dir`, no usage
// reporting, no self-monitoring database), spawns influxd, and is ready once `/ping` answers 204.
// Debian's 1.6.7 is for local use only: it has no authentication configured here and binds loopback alone.
//
// With `dieWithParent` (the platform's managed influxd) it is started through util-linux `setpriv
// --pdeathsig TERM` when that is on PATH, so a kill -9 of the platform does not leave it running, and a
// pid file lets the next start wait for a previous influxd on the same dir to finish before starting.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InfluxdOptions {
  /** Data dir: meta/, data/, wal/ and influxd.conf live here. */
  dir: string;
  /** HTTP port on 127.0.0.1. */
  port: number;
  /** RPC (backup/restore) port on 127.0.0.1; default port + 1. */
  rpcPort?: number;
  /** The binary; default `influxd` from PATH. */
  bin?: string;
  /** How long to wait for /ping, ms (default 15 s). */
  readyTimeoutMs?: number;
  /** End influxd when this process dies, even by SIGKILL (setpriv --pdeathsig), and keep a pid file. */
  dieWithParent?: boolean;
}

export interface RunningInfluxd {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** What influxd printed (stdout and stderr), last 64 KiB. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once (outage tests). */
  kill(): Promise<void>;
}

/** The influxd binary on PATH, or null. */
export function findInfluxd(bin = 'influxd'): string | null {
  const r = spawnSync(bin, ['version'], { encoding: 'utf8' });
  return r.status === 0 ? bin : null;
}

export function influxdConfig(dir: string, port: number, rpcPort: number): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    'reporting-enabled = false',
    `bind-address = ${q(`127.0.0.1:${rpcPort}`)}`,
    '[meta]',
    `  dir = ${q(join(dir, 'meta'))}`,
    '  logging-enabled = false',
    '[data]',
    `  dir = ${q(join(dir, 'data'))}`,
    `  wal-dir = ${q(join(dir, 'wal'))}`,
    '  query-log-enabled = false',
    '  max-series-per-database = 0',
    '  max-values-per-tag = 0',
    '[monitor]',
    '  store-enabled = false',
    '[http]',
    `  bind-address = ${q(`127.0.0.1:${port}`)}`,
    '  log-enabled = false',
    '  suppress-write-log = true',
    '  max-body-size = 0',
    '[logging]',
    '  level = "warn"',
    '  suppress-logo = true',
    '',
  ].join('\n');
}

async function ping(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.status === 204;
  } catch {
    return false;
  }
}

let setprivChecked: boolean | null = null;
function hasSetpriv(): boolean {
  setprivChecked ??= spawnSync('setpriv', ['--version'], { encoding: 'utf8' }).status === 0;
  return setprivChecked;
}

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

/** A previous influxd of this dir (pid file, and /proc says it is an influxd on our config) is given up to
 * `ms` to finish (after a kill -9 of its platform it is shutting down on its parent-death signal), then killed. */
async function waitForPrevious(dir: string, conf: string, ms: number): Promise<void> {
  const file = join(dir, 'influxd.pid');
  if (!existsSync(file)) return;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  const ours = () => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(conf); } catch { return false; }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !ours()) { rmSync(file, { force: true }); return; }
  const end = Date.now() + ms;
  while (alive(pid) && ours() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid) && ours()) {
    process.kill(pid, 'SIGKILL');
    while (alive(pid) && ours()) await new Promise((r) => setTimeout(r, 20));
  }
  rmSync(file, { force: true });
}

export async function startInfluxd(o: InfluxdOptions): Promise<RunningInfluxd> {
  mkdirSync(o.dir, { recursive: true });
  const conf = join(o.dir, 'influxd.conf');
  if (o.dieWithParent) await waitForPrevious(o.dir, conf, 10_000);
  writeFileSync(conf, influxdConfig(o.dir, o.port, o.rpcPort ?? o.port + 1));
  const bin = o.bin ?? 'influxd';
  const watched = o.dieWithParent && hasSetpriv();
  const child: ChildProcess = watched
    ? spawn('setpriv', ['--pdeathsig', 'TERM', '--', bin, 'run', '-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, ['run', '-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (o.dieWithParent && child.pid) writeFileSync(join(o.dir, 'influxd.pid'), String(child.pid));
  let log = '';
  const keep = (d: Buffer) => { log = (log + d.toString()).slice(-65536); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let dead = false;
  const exited = new Promise<void>((r) => child.once('exit', () => { dead = true; r(); }));
  child.once('error', (e) => { dead = true; log += `\n${e.message}`; });
  const url = `http://127.0.0.1:${o.port}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (dead) throw new Error(`influxd exited at start:\n${log}`);
    if (await ping(url)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd not answering /ping on ${o.port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (dead) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    if (o.dieWithParent) rmSync(join(o.dir, 'influxd.pid'), { force: true });
  };
  return { url, port: o.port, pid: child.pid!, log: () => log, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
