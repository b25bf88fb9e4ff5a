// Debian's mosquitto 2.0.11 for tests: spawned with a given config, ready once its port accepts
// connections, killed (by its own pid) on stop. Spare ports come from the OS (listen on 0).
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export { freePort } from './ports.ts';

const canConnect = (port: number): Promise<boolean> => new Promise((resolve) => {
  const c = createConnection({ port, host: '127.0.0.1' });
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

export interface RunningMosquitto {
  readonly port: number;
  readonly url: string;
  /** Everything mosquitto logged (stderr, `-v`). */
  log(): string;
  /** SIGHUP: mosquitto reloads its password and ACL files. */
  reload(): void;
  stop(): Promise<void>;
}

export async function startMosquitto(confPath: string, port: number, timeoutMs = 5000): Promise<RunningMosquitto> {
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', confPath, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let dead = false;
  void exited.then(() => { dead = true; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (dead) throw new Error(`mosquitto exited at start:\n${log}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`mosquitto not listening on ${port} after ${timeoutMs} ms:\n${log}`); }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => log,
    reload: () => { child.kill('SIGHUP'); },
    stop: async () => {
      if (dead) return;
      child.kill('SIGTERM'); // mosquitto writes its persistence file on a clean shutdown
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
