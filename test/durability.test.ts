// contract.md "Guarantee": a QoS 1 reading is durable before its PUBACK, and durable readings are stored
// exactly once per (sensor, ts, seq). The platform runs as a separate process (`riskwatch serve`), gets
// kill -9'd in the middle of a QoS 1 load, and is started again on the same data directory.
//
// RISKWATCH_JOURNAL_FSYNC=0: surviving kill -9 needs only the OS page cache (a committed SQLite WAL frame
// is in the kernel once write() returns; the process dying does not take it back). fsync is what a
// power loss needs, which this test does not simulate — and skipping it keeps the load fast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort as sparePort } from './support/ports.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { demoToken } from '../broker/credentials.ts';
import { smallRegistry } from './support/registry-fixture.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const LOAD_MS = 1500;
const WINDOW = 100; // QoS 1 publishes in flight per client

const dir = mkdtempSync(join(tmpdir(), 'rw-durability-'));
const dataDir = join(dir, 'data');
const configFile = join(dir, 'riskwatch.yaml');
let ports: { mqtt: number; http: number; metrics: number };
let server: { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; output: () => string } | null = null;


async function startServer(): Promise<NonNullable<typeof server>> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts', 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      RISKWATCH_CONFIG: configFile, RISKWATCH_DATA_DIR: dataDir,
      RISKWATCH_MQTT_PORT: String(ports.mqtt), RISKWATCH_HTTP_PORT: String(ports.http), RISKWATCH_METRICS_PORT: String(ports.metrics),
      RISKWATCH_MQTT_WS_PORT: 'off', RISKWATCH_SIMULATE: '0', RISKWATCH_JOURNAL_FSYNC: '0', RISKWATCH_LOG_LEVEL: 'warn', RISKWATCH_INFLUX_URL: 'off',
    },
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const s = { child, exited, output: () => out.slice(-4000) };
  const end = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`riskwatch serve exited early:\n${s.output()}`);
    try { if ((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status === 200) return s; } catch { /* not listening yet */ }
    if (Date.now() > end) { child.kill('SIGKILL'); throw new Error(`no /healthz 200 within 45 s:\n${s.output()}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Device { username: string; enterprise: string; topic: string; sensor: string; metric: string }
const DEVICES: Device[] = [
  { username: 'e1.d1', enterprise: 'e1', topic: 'sensors/e1/s1/ch4-1', sensor: 'ch4-1', metric: 'ch4' },
  { username: 'e1.d2', enterprise: 'e1', topic: 'sensors/e1/s1/ch4-2', sensor: 'ch4-2', metric: 'ch4' },
  { username: 'e2.d1', enterprise: 'e2', topic: 'sensors/e2/s1/lel-2', sensor: 'lel-2', metric: 'lel' },
];
/** Every reading sent, by key `enterprise|sensor|ts|seq`. */
const sent = new Map<string, { device: Device; payload: string }>();
/** Keys whose PUBACK arrived. */
const acked = new Set<string>();
let killed = false;
const clients = new Map<string, MqttClient>();

/** Like support/mqtt's connect, but errors after the CONNACK (the kill) are expected: they must not end the
 * client, whose outgoing store the resend needs. clean: false keeps unacknowledged QoS 1 publishes there. */
function connectDevice(username: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${ports.mqtt}`, { username, password, clientId: username, clean: false, reconnectPeriod: 0, connectTimeout: 5000 });
    c.on('error', (err) => { if (!c.connected) reject(err); });
    c.once('connect', () => resolve(c));
  });
}

function journalRows(): { key: string; n: number }[] {
  const db = new Database(join(dataDir, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT enterprise, sensor, ts, seq, count(*) AS n FROM readings GROUP BY enterprise, sensor, ts, seq').all() as { enterprise: string; sensor: string; ts: number; seq: number; n: number }[])
      .map((r) => ({ key: `${r.enterprise}|${r.sensor}|${r.ts}|${r.seq}`, n: r.n }));
  } finally { db.close(); }
}
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/** Publishes QoS 1 readings with unique seq, WINDOW in flight, until the platform is killed. */
function load(d: Device, c: MqttClient): void {
  let seq = 0;
  let inFlight = 0;
  const next = () => {
    while (!killed && inFlight < WINDOW) {
      const ts = Date.now();
      const s = ++seq;
      const key = `${d.enterprise}|${d.sensor}|${ts}|${s}`;
      const payload = JSON.stringify({ ts, values: { [d.metric]: (s % 100) / 100 }, seq: s });
      sent.set(key, { device: d, payload });
      inFlight++;
      // The callback runs without error only when the PUBACK arrived.
      c.publish(d.topic, payload, { qos: 1 }, (err) => {
        if (!err) acked.add(key);
        inFlight--;
        next();
      });
    }
  };
  next();
}

beforeAll(async () => {
  ports = { mqtt: await sparePort(), http: await sparePort(), metrics: await sparePort() };
  writeFileSync(configFile, stringify(smallRegistry()));
  server = await startServer();
});
afterAll(async () => {
  for (const c of clients.values()) c.end(true);
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 during a QoS 1 load (separate riskwatch process)', () => {
  // Why: the guarantee is about the PUBACK — whatever a device was told is stored must be there after the
  // hardest crash, once; what it was not told about may or may not be, but never twice.
  it('keeps every PUBACKed reading, exactly once, across a SIGKILL and restart', async () => {
    const secret = readFileSync(join(dataDir, 'demo-secret'), 'utf8').trim();
    for (const d of DEVICES) {
      clients.set(d.username, await connectDevice(d.username, demoToken(secret, d.username)));
    }
    for (const d of DEVICES) load(d, clients.get(d.username)!);
    await new Promise((r) => setTimeout(r, LOAD_MS));
    killed = true;
    const first = server!;
    first.child.kill('SIGKILL');
    const exit = await first.exited;
    expect(exit.signal, 'the platform died of SIGKILL').toBe('SIGKILL');
    // Wait until every client has seen its connection drop: no PUBACK can arrive after that.
    await Promise.all([...clients.values()].map((c) => (c.connected ? new Promise<void>((r) => c.once('close', () => r())) : undefined)));
    const ackedAtKill = new Set(acked);
    expect(ackedAtKill.size, 'some load was acknowledged').toBeGreaterThan(300);

    server = await startServer();
    const rows = journalRows();
    const stored = new Set(rows.map((r) => r.key));
    expect(rows.filter((r) => r.n > 1), 'no reading stored twice').toEqual([]);
    expect([...ackedAtKill].filter((k) => !stored.has(k)), 'PUBACKed readings missing after kill -9').toEqual([]);
    expect([...stored].filter((k) => !sent.has(k)), 'readings nobody sent').toEqual([]);
    const inDoubt = [...sent.keys()].filter((k) => !ackedAtKill.has(k));
    console.log(`durability: ${sent.size} sent, ${ackedAtKill.size} PUBACKed before the kill, ${rows.length} stored after restart, ` +
      `${inDoubt.filter((k) => stored.has(k)).length} of ${inDoubt.length} unacknowledged ones stored anyway`);
  }, 90_000);

  // Why: at-least-once delivery means devices resend what was not acknowledged (and gateways replay
  // more than that); the journal's dedupe must turn all of it back into exactly once.
  it('stays exactly once when the devices resend, and when everything is sent again', async () => {
    const rowsAtRestart = journalRows().length;
    // mqtt.js resends its unacknowledged QoS 1 publishes (clean: false) when it reconnects with the same stores.
    for (const c of clients.values()) c.reconnect({ incomingStore: c.incomingStore, outgoingStore: c.outgoingStore });
    const end = Date.now() + 30_000;
    while (acked.size < sent.size && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(acked.size, 'every reading acknowledged after the resend').toBe(sent.size);

    // And a full replay of everything, as a gateway that lost its own state would do.
    await Promise.all([...sent.values()].map(({ device, payload }) => clients.get(device.username)!.publishAsync(device.topic, payload, { qos: 1 })));

    const rows = journalRows();
    expect(rows.filter((r) => r.n > 1), 'no reading stored twice').toEqual([]);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set(sent.keys()));
    // Since the restart: each reading not yet stored was accepted once, everything else was a duplicate.
    expect(await metric('riskwatch_readings_accepted_total')).toBe(sent.size - rowsAtRestart);
    expect(await metric('riskwatch_readings_duplicate_total')).toBeGreaterThanOrEqual(sent.size);
  }, 90_000);
});
