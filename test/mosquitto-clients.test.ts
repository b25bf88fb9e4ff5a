// Debian's mosquitto_pub / mosquitto_sub against the embedded broker with a device credential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { smallRegistry } from './support/registry-fixture.ts';
import { startTestPlatform, until, type TestPlatform } from './support/platform.ts';

const run = promisify(execFile);
let p: TestPlatform;
beforeAll(async () => { p = await startTestPlatform(smallRegistry()); });
afterAll(async () => { await p?.cleanup(); });

const auth = (u: string) => ['-h', '127.0.0.1', '-p', String(p.mqttPort), '-u', u, '-P', p.registry.demoTokenFor(u), '-i', u];

describe('mosquitto clients against the embedded broker', () => {
  it('mosquitto_pub (QoS 1) lands a reading in the journal once', async () => {
    const body = JSON.stringify({ ts: new Date(Date.now() - 500).toISOString(), values: { ch4: 0.51 }, seq: 1, quality: 'ok' });
    await run('mosquitto_pub', [...auth('e1.d1'), '-q', '1', '-t', 'sensors/e1/s1/ch4-1', '-m', body]);
    const rows = p.journal.read(0, 100).filter((e) => e.sensorId === 'ch4-1' && e.enterpriseId === 'e1');
    expect(rows.map((r) => r.values)).toEqual([{ ch4: 0.51 }]);
  });

  it('mosquitto_sub on errors/{e}/{device} receives the coded reject of a bad reading', async () => {
    const sub = spawn('mosquitto_sub', [...auth('e1.d1'), '-t', 'errors/e1/d1', '-C', '1', '-W', '10']);
    let out = '';
    sub.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    await new Promise((r) => setTimeout(r, 300));
    // A second session of the same device would take the subscriber's client id over: publish over HTTP instead.
    const res = await fetch(`${p.urls.http}/api/readings/e1`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`e1.d1:${p.registry.demoTokenFor('e1.d1')}`).toString('base64')}` },
      body: JSON.stringify([{ site: 's1', sensor: 'ch4-1', ts: Date.now(), values: { co: 5 } }]),
    });
    expect(res.status).toBe(400);
    await until(() => out.includes('RW_ERR'), 10_000, 'reject message');
    const msg = JSON.parse(out.trim().split('\n')[0]!);
    expect(msg).toMatchObject({ code: 'RW_ERR_UNKNOWN_METRIC', sensorId: 'ch4-1', index: 0, topic: 'gateways/e1/d1' });
    sub.kill();
  });

  it('mosquitto_pub with a wrong password is refused', async () => {
    await expect(run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(p.mqttPort), '-u', 'e1.d1', '-P', 'nope', '-i', 'e1.d1', '-t', 'sensors/e1/s1/ch4-1', '-m', '{}'])).rejects.toThrow();
  });
});
