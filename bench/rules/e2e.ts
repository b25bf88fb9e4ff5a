// bench:rules, part 2: end to end through the broker (performance.md "p99 publish → alert event at 10k
// readings/s ≤ 10 ms"). `riskwatch serve` runs as its own process on a bench registry of 10k combustible-gas
// detectors (1,000 sensor devices of 10 detectors, one reading per PUBLISH, QoS 1); this process is the load
// generator (open loop: every reading has an intended send time); the observer (subscribed to alerts/#) is a
// process of its own (bench/rules/observer.ts).
// 1 % of readings cross the yellow value (25 %LEL); the value of a crossing encodes its identity, so the
// observer matches each alert event (raised or level_up) to the reading behind it: latency = receipt of the
// event − the reading's intended send time.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { stringify } from 'yaml';
import hdr from 'hdr-histogram-js';
import { demoToken } from '../../broker/credentials.ts';
import { demoSecret } from '../../app/data-dir.ts';
import type { RegistryDef } from '../../core/registry.ts';
import { freePort } from '../../test/support/ports.ts';
import { ackReader, encodePublish, takeOver } from '../support/raw-mqtt.ts';
import { Rng } from '../../simulators/rng.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The monotonic clock in ms: CLOCK_MONOTONIC, the same in every process (the observer's receipt times
 * compare with the generator's intended times; wall-clock origins differ between processes by up to a ms). */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface E2eResult { rate: number; seconds: number; sent: number; acked: number; crossings: number; matched: number; p50: number; p99: number; p999: number; max: number; lagMs: number; lagP99Ms: number }

function registry(sensors: number, perDevice: number): RegistryDef {
  const perEnterprise = 1000;
  const enterprises: RegistryDef['enterprises'] = [];
  for (let e = 0; e * perEnterprise < sensors; e++) {
    const ids = Array.from({ length: Math.min(perEnterprise, sensors - e * perEnterprise) }, (_, i) => `g${i}`);
    const devices = [];
    for (let d = 0; d * perDevice < ids.length; d++) devices.push({ id: `d${d}`, name: `d${d}`, kind: 'sensor' as const, sensors: ids.slice(d * perDevice, (d + 1) * perDevice), credential: 'demo' as const });
    enterprises.push({ id: `b${e}`, name: `bench ${e}`, county: '530402', sector: 'hazchem', state: { state: 'normal' },
      sites: [{ id: 's', name: 's', kind: 'chemical_plant', location: { lat: 24, lon: 102 }, areas: [], items: [], params: {}, tailings: null,
        sensors: ids.map((id) => ({ id, type: 'gas_combustible' as const, name: id, area: null, item: null, commissioned: '2024-01-01', params: {}, relations: [] })) }],
      devices });
  }
  return { enterprises, users: [] };
}

/** `tickMs`: how often the generator sends what is due. performance.md voids a step whose generator falls more
 * than 1 ms behind schedule, so it wakes every millisecond: a coarser tick would time its own batching. */
export async function benchE2e(o: { rate: number; seconds: number; sensors?: number; connections?: number; tickMs?: number; crossShare?: number; checkpointMs?: number }): Promise<E2eResult> {
  const sensors = o.sensors ?? 10_000;
  const connections = o.connections ?? 1000;
  const perDevice = Math.ceil(sensors / connections);
  const dir = mkdtempSync(join(tmpdir(), 'rw-bench-rules-'));
  const dataDir = join(dir, 'data');
  const reg = registry(sensors, perDevice);
  const configFile = join(dir, 'bench.yaml');
  // `checkpointMs`: the platform's engine checkpoint interval (default 60 s, so none falls in a 10 s window).
  writeFileSync(configFile, stringify(o.checkpointMs ? { ...reg, platform: { rules: { checkpointMs: o.checkpointMs } } } : reg));
  // The bench measures the path, not the gas pack's on-delays: yellow enters at once (an override, as a plant would set it).
  const rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, stringify({ version: 2, overrides: reg.enterprises.map((e) => ({ enterprise: e.id, rule: 'gas_combustible.threshold', source: 'bench: no on-delay', params: { levels: { blue: { enterS: 0 }, yellow: { enterS: 0 } } } })) }));
  const env = { ...process.env, RISKWATCH_CONFIG: configFile, RISKWATCH_DATA_DIR: dataDir, RISKWATCH_RULES: rulesFile };
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'app/main.ts', 'token', 'add', '--name', 'observer', '--role', 'operator', '--scope', 'platform'], { cwd: ROOT, env }).toString();
  const [, tokenId, token] = /token (\S+) \(shown once\): (\S+)/.exec(out)!;
  const ports = { mqtt: await freePort(), http: await freePort(), metrics: await freePort() };
  // Diagnostics: RW_BENCH_SERVER_FLAGS adds node flags to the server (e.g. --trace-gc), RW_BENCH_SERVER_LOG keeps its output.
  // The server runs as `npm start` runs it (package.json: the young generation's size is set there).
  const startFlags = /^node (.*) app\/main\.ts serve$/.exec(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start)![1]!.split(' ');
  const child = spawn(process.execPath, [...(process.env.RW_BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []), ...startFlags, 'app/main.ts', 'serve'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, RISKWATCH_MQTT_PORT: String(ports.mqtt), RISKWATCH_HTTP_PORT: String(ports.http), RISKWATCH_METRICS_PORT: String(ports.metrics), RISKWATCH_MQTT_WS_PORT: 'off', RISKWATCH_SIMULATE: '0', RISKWATCH_LOG_LEVEL: 'warn', RISKWATCH_JOURNAL_FSYNC: '0', RISKWATCH_INFLUX_URL: 'off' },
  });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
  child.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
  const clients: MqttClient[] = [];
  let observer: ChildProcess | null = null;
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status === 200) break; } catch { /* starting */ }
      if (i > 600) throw new Error(`riskwatch did not start:\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const open = (opts: mqtt.IClientOptions) => new Promise<MqttClient>((res, rej) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${ports.mqtt}`, { reconnectPeriod: 0, ...opts });
      c.once('connect', () => res(c)); // Nagle off in takeOver (bench/support/raw-mqtt.ts)
      c.once('error', rej);
    });
    // The observer: a process of its own (bench/rules/observer.ts).
    observer = fork(join(ROOT, 'bench/rules/observer.ts'), [`mqtt://127.0.0.1:${ports.mqtt}`, `token.${tokenId}`, token!], { execArgv: ['--single-threaded-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((res, rej) => observer!.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? res() : rej(new Error(`observer: ${m.error}`)))));
    /** Crossing key → intended send time, and whether it was sent in the measured window. */
    const intended = new Map<string, { at: number; measured: boolean; sentAt: number }>();
    let measuring = false;
    const secret = demoSecret(dataDir);
    let sent = 0, acked = 0, crossings = 0, lagSum = 0, lagN = 0, serial = 0;
    // Generator lag per reading of the measured window (write time − intended time), as bench:ingest records it.
    const lagHist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const devices: { sock: Socket; topics: Buffer[]; key: string[]; nextId: number }[] = [];
    for (const e of reg.enterprises) for (const d of e.devices) {
      const username = `${e.id}.${d.id}`;
      // keepalive 0: the socket is taken over below (raw PUBLISH packets, bench/support/raw-mqtt.ts).
      const c = await open({ username, password: demoToken(secret, username), clientId: username, keepalive: 0 });
      clients.push(c);
      const sock = takeOver(c, ackReader(() => { acked++; }, monoMs));
      devices.push({ sock, topics: d.sensors.map((s) => Buffer.from(`sensors/${e.id}/s/${s}`)), key: d.sensors.map((s) => `${e.id}/${s}`), nextId: 0 });
    }
    // Seeded mulberry32 (simulators/rng.ts). An LCG written as `(x * 1103515245 + 12345) >>> 0` in doubles loses
    // the product's low bits (it exceeds 2^53): from this seed it cycled every 419 draws and crossed on 0.48 % of
    // readings, the same sensors over and over, so no new alert was raised after ~21 s.
    const rng = new Rng(987654321);
    const start = monoMs();
    const wallOffset = Date.now() - start;
    const warmupMs = 3000;
    const totalMs = warmupMs + o.seconds * 1000;
    const perTickMs = o.tickMs ?? 1;
    let k = 0;
    await new Promise<void>((done) => {
      const tick = () => {
        const now = monoMs();
        const elapsed = now - start;
        if (elapsed >= totalMs) { done(); return; }
        measuring = elapsed >= warmupMs;
        const due = Math.floor((elapsed / 1000) * o.rate);
        while (sent < due) {
          const intendedAt = start + (sent / o.rate) * 1000;
          const dev = devices[k % devices.length]!;
          const j = Math.floor(k / devices.length) % dev.topics.length;
          k++;
          const cross = rng.chance(o.crossShare ?? 0.01);
          // A crossing's value is unique (30 + serial/1000, 3 decimals) so the event can be matched to it.
          const value = cross ? Math.round((30 + (serial++ % 20_000) / 1000) * 1000) / 1000 : Math.round(rng.uniform(1, 3) * 10) / 10;
          if (cross) { intended.set(`${dev.key[j]}|${value}`, { at: intendedAt, measured: measuring, sentAt: now }); crossings += measuring ? 1 : 0; }
          const payload = JSON.stringify({ ts: Math.round(intendedAt + wallOffset), values: { lel: value } });
          dev.nextId = (dev.nextId % 65535) + 1;
          dev.sock.write(encodePublish(dev.topics[j]!, 1, dev.nextId, payload));
          if (measuring) { const lag = monoMs() - intendedAt; lagSum += lag; lagN++; lagHist.recordValue(Math.max(1, Math.round(lag * 1000))); }
          sent++;
        }
        setTimeout(tick, perTickMs);
      };
      tick();
    });
    await new Promise((r) => setTimeout(r, 2000));
    const obs = observer;
    const received = await new Promise<[string, number][]>((res) => { obs.once('message', (m: { received: [string, number][] }) => res(m.received)); obs.send({ stop: true }); });
    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    let matched = 0;
    const dump: string[] = [];
    for (const [k, at] of received) {
      const crossing = intended.get(k);
      if (crossing === undefined) continue;
      intended.delete(k);
      if (crossing.measured) { histogram.recordValue(Math.max(1, Math.round((at - crossing.at) * 1000))); matched++; }
      dump.push(`${(crossing.at - start).toFixed(1)}\t${(at - crossing.at).toFixed(2)}\t${(crossing.sentAt - crossing.at).toFixed(2)}\t${k}\t${crossing.at.toFixed(3)}`);
    }
    // Diagnostics: every matched crossing's intended send time (ms after the generator's start), its latency, and
    // how late the generator wrote it (generator lag), the crossing's key and its intended time (monotonic ms, the
    // clock of the server's own diagnostics).
    if (process.env.RW_BENCH_DUMP) writeFileSync(process.env.RW_BENCH_DUMP, `# start ${start.toFixed(3)} (monotonic ms)\n${dump.join("\n")}\n`);
    return {
      rate: o.rate, seconds: o.seconds, sent, acked, crossings, matched,
      p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000, p999: histogram.getValueAtPercentile(99.9) / 1000, max: histogram.maxValue / 1000,
      lagMs: lagN ? lagSum / lagN : 0, lagP99Ms: lagHist.getValueAtPercentile(99) / 1000,
    };
  } finally {
    for (const c of clients) c.end(true);
    if (observer && observer.exitCode === null) observer.kill('SIGTERM');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (process.env.RW_BENCH_SERVER_LOG) writeFileSync(process.env.RW_BENCH_SERVER_LOG, log);
    rmSync(dir, { recursive: true, force: true });
  }
}
