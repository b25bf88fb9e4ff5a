// External-broker mode end to end (architecture.md "Broker"): Debian's mosquitto 2.0.11 with the files
// riskwatch generates, the platform's registry, journal and ingest, and ExternalBrokerSource as the
// broker's client; devices are the real mosquitto_pub / mosquitto_sub / mosquitto_rr binaries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryDef } from '../core/registry.ts';
import { ExternalBrokerSource } from '../broker/external.ts';
import { writeMosquittoFiles } from '../broker/mosquitto-files.ts';
import { IngestCounters } from '../ingest/counters.ts';
import { Ingest } from '../ingest/ingest.ts';
import { SqliteJournal } from '../storage/journal/sqlite-journal.ts';
import { SqliteRegistry } from '../storage/registry/sqlite-registry.ts';
import { freePort, startMosquitto, type RunningMosquitto } from './support/mosquitto.ts';

const HOST = '127.0.0.1';
const PLATFORM_PASSWORD = randomBytes(24).toString('base64url');
const RULES = { maxFutureMs: 5 * 60_000, latenessMs: 7 * 24 * 3600_000 };

function registryDef(): RegistryDef {
  const sensor = (id: string) => ({ id, type: 'gas_combustible', name: `可燃气体 ${id}`, commissioned: '2024-01-01', params: {}, relations: [] });
  const site = (sensors: string[]) => ({ id: 's1', name: '厂区', kind: 'chemical_plant' as const, location: { lat: 25, lon: 103 }, areas: [], items: [], params: {}, sensors: sensors.map(sensor) });
  return {
    enterprises: [
      { id: 'e1', name: '甲化工', county: '530302', sector: 'hazchem', state: { state: 'normal' }, sites: [site(['g1', 'g2'])],
        devices: [
          { id: 'd1', name: '探测器1', kind: 'sensor', sensors: ['g1'], credential: 'demo' },
          { id: 'd3', name: '探测器3', kind: 'sensor', sensors: ['g2'], credential: 'demo' },
        ] },
      { id: 'e2', name: '乙化工', county: '530402', sector: 'hazchem', state: { state: 'normal' }, sites: [site(['h1', 'h2'])],
        devices: [{ id: 'd2', name: '网关', kind: 'gateway', sensors: ['h1', 'h2'], credential: 'demo' }] },
    ],
    users: [],
  } as RegistryDef;
}

let dir: string;
let port: number;
let mq: RunningMosquitto;
let registry: SqliteRegistry;
let journal: SqliteJournal;
let counters: IngestCounters;
let source: ExternalBrokerSource;
const statuses: [string, boolean][] = [];
const passwords = new Map<string, string>();
let mqDir: string;

const reading = (seq: number, values: Record<string, unknown> = { lel: 3.5 }) => JSON.stringify({ ts: Date.now() - 1000, values, seq });
const auth = (u: string, pw = passwords.get(u)!) => ['-h', HOST, '-p', String(port), '-u', u, '-P', pw, '-i', u];
const rows = (e: string, sensor: string) => journal.read(0, 100_000).filter((r) => r.enterpriseId === e && r.sensorId === sensor);
const seqs = (e: string, sensor: string) => rows(e, sensor).map((r) => r.seq);

/** Runs a client binary to its end (bounded); stdout and stderr together. */
function run(cmd: string, args: string[], input?: string, timeoutMs = 10_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('close', (code) => { clearTimeout(t); resolve({ code, out }); });
    // A client the broker refused may exit before reading stdin: EPIPE then is expected, not a failure.
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
  });
}
const pub = (u: string, topic: string, message: string, extra: string[] = []) => run('mosquitto_pub', [...auth(u), '-q', '1', '-t', topic, '-m', message, ...extra]);

async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- mosquitto log (tail) ---\n${mq.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes a valid reading from e1.d1 and waits for it: mosquitto delivers one publisher's messages in
 * order, so anything that publisher sent before and that was going to arrive has arrived. */
let sentinelSeq = 900_000;
async function sentinel(): Promise<void> {
  const seq = ++sentinelSeq;
  expect((await pub('e1.d1', 'sensors/e1/s1/g1', reading(seq))).code).toBe(0);
  await until(() => seqs('e1', 'g1').includes(seq), `sentinel ${seq}`);
}

const writeFiles = () => writeMosquittoFiles(mqDir, registry, PLATFORM_PASSWORD, { port, host: HOST, ...(process.getuid?.() === 0 ? { user: 'root' } : {}) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rw-ext-mosquitto-'));
  mqDir = join(dir, 'mosquitto');
  port = await freePort();
  registry = new SqliteRegistry(join(dir, 'registry.db'), randomBytes(16).toString('hex'), Date.now);
  registry.seed(registryDef(), 'test');
  passwords.set('e1.d1', registry.issueDeviceToken('e1', 'd1', 'test'));
  for (const u of ['e1.d3', 'e2.d2']) passwords.set(u, registry.demoTokenFor(u));
  mq = await startMosquitto(writeFiles().conf, port);
  journal = new SqliteJournal({ path: join(dir, 'journal.db'), fsync: false, limitBytes: 1e9, dedupeWindowMs: 86_400_000, now: Date.now });
  await journal.start();
  counters = new IngestCounters();
  const ingest = new Ingest({ registry, journal, counters, rules: RULES, now: Date.now });
  source = new ExternalBrokerSource({ url: mq.url, username: '_riskwatch', password: PLATFORM_PASSWORD, ingest, registry,
    onDeviceStatus: (u, online) => statuses.push([u, online]) });
  await source.start();
});

afterAll(async () => {
  await source?.stop();
  await journal?.stop();
  await mq?.stop();
  registry?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('riskwatch against an external mosquitto', () => {
  it('a device’s valid QoS 1 reading lands in the journal exactly once, attributed to the device', async () => {
    expect((await pub('e1.d1', 'sensors/e1/s1/g1', reading(1))).code).toBe(0);
    await until(() => seqs('e1', 'g1').includes(1), 'reading seq 1');
    await sentinel();
    expect(rows('e1', 'g1').filter((r) => r.seq === 1).map((r) => [r.deviceId, r.values])).toEqual([['d1', { lel: 3.5 }]]);
  });

  it('an invalid reading is answered on errors/{e}/{device} (contract.md "Rejections")', async () => {
    // One connection both publishes and subscribes (mosquitto_rr): a second session of e1.d1 would
    // take the first one's client id over (use_username_as_clientid).
    const r = await run('mosquitto_rr', [...auth('e1.d1'), '-V', 'mqttv311', '-q', '1', '-t', 'sensors/e1/s1/g1', '-e', 'errors/e1/d1', '-m', reading(2, { ch4: 1 }), '-W', '10']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim())).toMatchObject({ code: 'RW_ERR_UNKNOWN_METRIC', topic: 'sensors/e1/s1/g1', sensorId: 'g1', seq: 2 });
    expect(counters.rejected.get('RW_ERR_UNKNOWN_METRIC')).toBe(1);
  });

  it('tracks device status from status/{e}/{device}', async () => {
    expect((await pub('e1.d1', 'status/e1/d1', JSON.stringify({ online: true, at: Date.now() }))).code).toBe(0);
    await until(() => statuses.some(([u, on]) => u === 'e1.d1' && on), 'status of e1.d1');
  });

  it('mosquitto drops a publish outside the device’s ACL silently and keeps the connection (MQTT 3.1.1)', async () => {
    // mosquitto 2.0 answers a denied QoS 1 publish with an ordinary PUBACK for MQTT 3.1.1 (reason 0x87
    // for MQTT 5 only) and keeps the connection: unlike the embedded broker, nothing closes it and
    // riskwatch never hears of it (docs/external-broker.md).
    const other = await run('mosquitto_pub', [...auth('e1.d1'), '-d', '-q', '1', '-t', 'sensors/e2/s1/h1', '-l'], `${reading(10)}\n${reading(11)}\n`);
    expect(other.code).toBe(0);
    expect(other.out.match(/received PUBACK/g)).toHaveLength(2); // both on one connection
    // Another device's sensor in the same enterprise, and another device's gateway topic.
    expect((await pub('e1.d1', 'sensors/e1/s1/g2', reading(12))).code).toBe(0);
    expect((await pub('e1.d1', 'gateways/e1/d3', JSON.stringify([{ site: 's1', sensor: 'g2', ts: Date.now(), values: { lel: 1 }, seq: 13 }]))).code).toBe(0);
    await sentinel();
    expect(rows('e2', 'h1')).toEqual([]);
    expect(rows('e1', 'g2')).toEqual([]);
    expect(mq.log()).toMatch(/Denied PUBLISH from e1\.d1 .*'sensors\/e2\/s1\/h1'/);
  });

  it('a device of e1 receives nothing of e2: neither its errors nor any reading through sensors/#', async () => {
    // mosquitto 2.0.11 grants these subscriptions (SUBACK QoS 1) and filters each message against the
    // read ACL at delivery; so the evidence is what the broker sent and what the subscriber printed.
    const from = mq.log().length;
    const sub = run('mosquitto_sub', [...auth('e1.d1'), '-v', '-q', '1', '-t', 'errors/e2/d2', '-t', 'sensors/#', '-t', 'commands/e2/d2', '-W', '3']);
    await until(() => mq.log().slice(from).includes('Sending SUBACK to e1.d1'), 'SUBACK');
    // e2.d2 sends a valid reading and an invalid one; its own errors topic gets the reject (control).
    expect((await pub('e2.d2', 'sensors/e2/s1/h1', reading(20))).code).toBe(0);
    const r = await run('mosquitto_rr', [...auth('e2.d2'), '-V', 'mqttv311', '-q', '1', '-t', 'sensors/e2/s1/h2', '-e', 'errors/e2/d2', '-m', reading(21, { lel: 'x' }), '-W', '10']);
    expect(JSON.parse(r.out.trim())).toMatchObject({ code: 'RW_ERR_VALUE', sensorId: 'h2' });
    await until(() => seqs('e2', 'h1').includes(20), 'e2 reading');
    const { out } = await sub; // -W 3: exits (flushing its output) 3 s after connecting
    expect(out).not.toMatch(/errors\/e2|sensors\//);
    expect(mq.log().slice(from)).not.toMatch(/Sending PUBLISH to e1\.d1/);
  });

  it.each([
    ['anonymous: the generated conf sets allow_anonymous false', ['-h', HOST, '-p', '', '-i', 'anon']],
    ['a wrong password', ['-h', HOST, '-p', '', '-u', 'e1.d1', '-P', 'not-the-token', '-i', 'e1.d1']],
    ['the platform user with a device’s password', ['-h', HOST, '-p', '', '-u', '_riskwatch', '-P', 'x'.repeat(32), '-i', '_riskwatch']],
  ])('refuses to connect: %s', async (_why, args) => {
    const a = args.map((x) => (x === '' ? String(port) : x));
    const r = await run('mosquitto_pub', [...a, '-q', '1', '-t', 'sensors/e1/s1/g1', '-m', reading(30)]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/not authori[sz]ed/i);
  });

  it('refuses a revoked device after the files are regenerated and mosquitto reloads (SIGHUP); others stay in', async () => {
    expect((await pub('e1.d3', 'sensors/e1/s1/g2', reading(40))).code).toBe(0);
    await until(() => seqs('e1', 'g2').includes(40), 'e1.d3 before revocation');
    const from = mq.log().length;
    const connected = run('mosquitto_sub', [...auth('e1.d3'), '-t', 'errors/e1/d3', '-W', '15']);
    await until(() => mq.log().slice(from).includes('Sending SUBACK to e1.d3'), 'e1.d3 subscribed');
    registry.revokeDevice('e1', 'd3', 'test');
    writeFiles();
    mq.reload();
    // mosquitto 2.0.11 re-checks connected clients on reload: e1.d3 is disconnected, and its
    // client's reconnect is refused (exit 5, long before -W 15).
    const sub = await connected;
    expect(sub.code).toBe(5);
    expect(sub.out).toMatch(/not authori[sz]ed/i);
    const r = await pub('e1.d3', 'sensors/e1/s1/g2', reading(41));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/not authori[sz]ed/i);
    await sentinel(); // e1.d1 unaffected
    expect(mq.log().slice(from)).toMatch(/Reloading config/);
    expect(mq.log().slice(from)).not.toMatch(/Client _riskwatch disconnected/); // the platform stays connected
  });

  it('a packet over 256 KiB is refused by mosquitto (max_packet_size), never reaching ingest', async () => {
    const big = JSON.stringify({ ts: Date.now(), values: { lel: 1 }, seq: 50, pad: 'x'.repeat(300 * 1024) });
    const r = await run('mosquitto_pub', [...auth('e1.d1'), '-q', '1', '-t', 'sensors/e1/s1/g1', '-s'], big);
    expect(r.code).not.toBe(0); // mosquitto closes the connection (exit 7: connection lost)
    await sentinel();
    expect(seqs('e1', 'g1')).not.toContain(50);
    expect(mq.log()).toMatch(/Client e1\.d1 disconnected due to oversize packet/);
    expect(counters.rejected.get('RW_ERR_PAYLOAD_SCHEMA') ?? 0).toBe(0);
  });

  it('readings published while the platform is away (and across a mosquitto restart) land exactly once', async () => {
    await source.stop();
    const N = 300;
    const lines = Array.from({ length: N }, (_, i) => reading(10_000 + i)).join('\n');
    const r = await run('mosquitto_pub', [...auth('e1.d1'), '-q', '1', '-t', 'sensors/e1/s1/g1', '-l'], `${lines}\n`);
    expect(r.code).toBe(0);
    await new Promise((res) => setTimeout(res, 200));
    expect(seqs('e1', 'g1').filter((s) => s !== null && s >= 10_000 && s < 20_000)).toEqual([]);
    // The platform's persistent session, with its queue, survives a broker restart (persistence true).
    await mq.stop();
    mq = await startMosquitto(join(mqDir, 'mosquitto.conf'), port);
    await source.start();
    await until(() => seqs('e1', 'g1').filter((s) => s !== null && s >= 10_000 && s < 20_000).length >= N, `${N} queued readings`);
    await sentinel();
    const got = seqs('e1', 'g1').filter((s): s is number => s !== null && s >= 10_000 && s < 20_000);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => 10_000 + i)); // all, once each, in order
    // Each delivery was acknowledged (after its journal write): a new session start gets no redelivery.
    await until(() => (mq.log().match(/Received PUBACK from _riskwatch/g) ?? []).length >= N, 'PUBACKs in mosquitto’s log');
    const from = mq.log().length;
    await source.stop();
    await source.start();
    await sentinel();
    expect(mq.log().slice(from)).not.toMatch(/Sending PUBLISH to _riskwatch \(d1/);
  });

  it('backpressure: a reading the journal refuses is not acknowledged, so mosquitto redelivers it', async () => {
    await source.stop();
    const full = new SqliteJournal({ path: join(dir, 'full.db'), fsync: false, limitBytes: 1, dedupeWindowMs: 86_400_000, now: Date.now });
    await full.start();
    const fullCounters = new IngestCounters();
    const blocked = new ExternalBrokerSource({ url: mq.url, username: '_riskwatch', password: PLATFORM_PASSWORD, reconnectMs: 100,
      ingest: new Ingest({ registry, journal: full, counters: fullCounters, rules: RULES, now: Date.now }), registry });
    await blocked.start();
    try {
      const r = await run('mosquitto_rr', [...auth('e1.d1'), '-V', 'mqttv311', '-q', '1', '-t', 'sensors/e1/s1/g1', '-e', 'errors/e1/d1', '-m', reading(60), '-W', '10']);
      expect(JSON.parse(r.out.trim())).toMatchObject({ code: 'RW_ERR_BACKLOG_FULL', seq: 60 });
      // Withheld, the connection dropped, redelivered after the reconnect: refused again, loudly.
      await until(() => (fullCounters.rejected.get('RW_ERR_BACKLOG_FULL') ?? 0) >= 3, 'redeliveries');
    } finally {
      await blocked.stop();
      await full.stop();
    }
    // Once a journal with room takes the session over, the reading lands, once.
    await source.start();
    await until(() => seqs('e1', 'g1').includes(60), 'reading 60 after backpressure');
    await sentinel();
    expect(seqs('e1', 'g1').filter((s) => s === 60)).toHaveLength(1);
  });
});
