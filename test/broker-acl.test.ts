// The ACL suite of issue 3 against the real embedded broker: every refusal below must leave ingest
// untouched and the legitimate sessions connected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { smallRegistry } from './support/registry-fixture.ts';
import { startTestPlatform, until, type TestPlatform } from './support/platform.ts';
import { connect, deviceOpts } from './support/mqtt.ts';

let p: TestPlatform;
let legit: MqttClient;
let legitClosed = false;
const reading = () => JSON.stringify({ ts: Date.now() - 1000, values: { ch4: 0.3 } });

beforeAll(async () => {
  p = await startTestPlatform(smallRegistry());
  legit = await connect(p.mqttPort, deviceOpts('e1.d1', p.registry.demoTokenFor('e1.d1')));
  legit.on('close', () => { legitClosed = true; });
});
afterAll(async () => { legit?.end(true); await p?.cleanup(); });

const journalSize = () => p.journal.read(0, 1e6).length;
async function expectRefused(opts: Parameters<typeof connect>[1]) {
  await expect(connect(p.mqttPort, opts)).rejects.toThrow();
}
/** The QoS the broker granted; 128 is a refusal (mqtt.js rejects the promise with the SUBACK then). */
async function grantedQos(c: MqttClient, filter: string): Promise<number> {
  try { return (await c.subscribeAsync(filter, { qos: 1 }))[0]!.qos; }
  catch (err) { const g = (err as { packet?: { granted?: number[] } }).packet?.granted; if (g) return g[0]!; throw err; }
}
/** Publishes as a connected device and waits until the broker closes the connection. */
async function expectClosedAfterPublish(c: MqttClient, topic: string) {
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  c.publish(topic, reading(), { qos: 1 });
  await closed;
}

describe('MQTT ACL (embedded broker)', () => {
  it('refuses an anonymous client', async () => { await expectRefused({ clientId: 'anon' }); });
  it('refuses a wrong token', async () => { await expectRefused(deviceOpts('e1.d2', 'wrong-token-wrong-token')); });
  it("refuses one device's token used for another device", async () => { await expectRefused(deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d1'))); });
  it("refuses a client id that is not the credential's (and leaves that session alone)", async () => {
    await expectRefused({ username: 'e1.d2', password: p.registry.demoTokenFor('e1.d2'), clientId: 'e1.d1' });
    await expectRefused({ username: 'e1.d2', password: 'bad', clientId: 'e1.d1' });
    expect(legitClosed).toBe(false);
  });

  it("closes a device that publishes to another enterprise's topic; nothing reaches ingest", async () => {
    const before = journalSize();
    const accepted = p.counters.ingest.accepted;
    const c = await connect(p.mqttPort, deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d2')));
    await expectClosedAfterPublish(c, 'sensors/e2/s1/ch4-1');
    expect([journalSize(), p.counters.ingest.accepted]).toEqual([before, accepted]);
  });
  it('closes a device that publishes for a sensor not assigned to it; nothing reaches ingest', async () => {
    const before = journalSize();
    const c = await connect(p.mqttPort, deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d2')));
    await expectClosedAfterPublish(c, 'sensors/e1/s1/ch4-1');
    expect(journalSize()).toBe(before);
  });

  it.each([
    ['alerts/e1/#', "another enterprise's alerts"],
    ['errors/e1/d1', "another enterprise's errors"],
    ['errors/e2/d2', "another device's errors"],
    ['commands/e1/d1', "another enterprise's commands"],
    ['$SYS/#', '$SYS'],
    ['sensors/#', "everyone's readings"],
  ])('refuses a device subscription to %s (%s)', async (filter) => {
    const c = await connect(p.mqttPort, deviceOpts('e2.d1', p.registry.demoTokenFor('e2.d1')));
    expect(await grantedQos(c, filter)).toBe(128);
    expect(c.connected).toBe(true);
    c.end(true);
  });

  it('delivers only in-scope messages to an enterprise-scoped token that subscribes to everything', async () => {
    const t = p.registry.createToken('e1-tool', 'enterprise', { kind: 'enterprise', enterpriseId: 'e1' }, 'test');
    const tool = await connect(p.mqttPort, { username: `token.${t.id}`, password: t.token, clientId: `token.${t.id}` });
    const got: string[] = [];
    tool.on('message', (topic) => got.push(topic));
    await tool.subscribeAsync('#', { qos: 0 });
    expect(await grantedQos(tool, '$SYS/#')).toBe(128);
    await p.broker!.publish('errors/e2/d1', '{"code":"RW_ERR_VALUE"}');
    await p.broker!.publish('alerts/e1/s1/ch4-1', '{"event":"raised"}');
    await p.broker!.publish('alerts/_platform/journal', '{"event":"raised"}');
    await until(() => got.length >= 1, 3000, 'in-scope alert');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['alerts/e1/s1/ch4-1']);
    tool.end(true);
  });

  it('revoking one device disconnects it and refuses it, leaving the others connected', async () => {
    const c = await connect(p.mqttPort, deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d2')));
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    p.registry.revokeDevice('e1', 'd2', 'test');
    await closed;
    await expectRefused(deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d2')));
    expect(legitClosed).toBe(false);
    expect(legit.connected).toBe(true);
  });

  it('closes a connection that announces a packet over the size limit, from the header alone', async () => {
    const before = p.counters.broker.packetTooLarge;
    const c = await connect(p.mqttPort, deviceOpts('e2.d1', p.registry.demoTokenFor('e2.d1')));
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    // A raw fixed header announcing 10 MB, written under the client's session.
    (c.stream as unknown as { write: (b: Buffer) => void }).write(Buffer.from([0x30, 0x80, 0xad, 0xe2, 0x04]));
    await closed;
    expect(p.counters.broker.packetTooLarge).toBe(before + 1);
  });

  it('refuses a flood of connection attempts from one address past the rate limit', async () => {
    const q = await startTestPlatform(smallRegistry(), { platform: { mqtt: { port: 0, wsPort: null, connectRate: { perSecond: 1, burst: 3 } } } });
    try {
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => connect(q.mqttPort, deviceOpts('e1.d1', 'x'))));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(q.counters.broker.connectRateLimited).toBeGreaterThanOrEqual(5);
    } finally { await q.cleanup(); }
  });
});

describe('a plain TCP client that never speaks MQTT', () => {
  it('does not disturb the broker', async () => {
    const s = netConnect(p.mqttPort, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write('GET / HTTP/1.1\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    expect(legit.connected).toBe(true);
  });
});
