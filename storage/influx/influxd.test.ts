// The managed influxd: ready on /ping, stopped with its owner, and (dieWithParent) gone when its owner is
// killed with SIGKILL, so a kill -9 of the platform leaves no influxd holding the port and the data dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/ports.ts';
import { startInfluxd } from './influxd.ts';
import { influxPing } from './transport.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('managed influxd', () => {
  it('answers /ping on loopback and is gone after stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-influxd-'));
    dirs.push(dir);
    const d = await startInfluxd({ dir, port: await freePort(), rpcPort: await freePort(), dieWithParent: true });
    expect(await influxPing({ url: d.url, token: null })).toBe(true);
    expect(readFileSync(join(dir, 'influxd.pid'), 'utf8')).toBe(String(d.pid));
    await d.stop();
    expect(alive(d.pid)).toBe(false);
  });

  it('ends when its owner is killed with SIGKILL, and the next start on the same dir waits for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-influxd-'));
    dirs.push(dir);
    const [port, rpcPort] = [await freePort(), await freePort()];
    const script = `import { startInfluxd } from ${JSON.stringify(join(ROOT, 'storage/influx/influxd.ts'))};
      const d = await startInfluxd({ dir: ${JSON.stringify(dir)}, port: ${port}, rpcPort: ${rpcPort}, dieWithParent: true });
      process.stdout.write(String(d.pid) + '\\n'); setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((r) => owner.stdout!.once('data', (b: Buffer) => r(Number.parseInt(b.toString(), 10))));
    expect(alive(pid)).toBe(true);
    owner.kill('SIGKILL');
    const end = Date.now() + 10_000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
    const again = await startInfluxd({ dir, port, rpcPort, dieWithParent: true });
    expect(await influxPing({ url: again.url, token: null })).toBe(true);
    await again.stop();
  }, 30_000);
});
