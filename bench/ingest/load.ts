// The load generator (a child process of run.ts, so it does not share the system's event loop): N mqtt.js
// device connections, then per step an open-loop schedule at a fixed total rate. Reading i of a step is
// due at t0 + i/rate on connection i mod N, sensor ⌊i/N⌋ mod 10; its payload carries the intended time
// (`ts`, and exactly via `seq`), so a stalled system cannot slow the schedule down (no coordinated
// omission). Records its own lag behind schedule and, for QoS 1, intended send → PUBACK.
// By default (`raw`) mqtt.js only opens and closes the connections and the readings go out as pre-encoded
// PUBLISH packets (bench/support/raw-mqtt.ts); `mqttjs` publishes through mqtt.js.
import mqtt, { type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { demoToken } from '../../broker/credentials.ts';
import { ackReader, encodePublish, takeOver } from '../support/raw-mqtt.ts';
import { SENSORS_PER_DEVICE, histogram, mono, recordMs, summarize, topicOf, usernameOf, type FromLoad, type LoadConnect, type StepSpec, type ToLoad } from './common.ts';

const send = (m: FromLoad): void => { process.send?.(m); };

let clients: MqttClient[] = [];
let sockets: Socket[] = [];
let topicBufs: Buffer[][] = [];
let publisher: 'raw' | 'mqttjs' = 'raw';
/** Per connection: packet id → intended send time and a completion callback, for raw QoS 1. */
let pending: Map<number, (at: number) => void>[] = [];
let nextId: number[] = [];
let topics: string[][] = [];
let boot = 'bench';
let disconnects = 0;
let errors = 0;
let firstError: string | null = null;

async function connectAll(m: LoadConnect): Promise<void> {
  const started = mono();
  boot = m.boot;
  publisher = m.publisher;
  topics = Array.from({ length: m.connections }, (_, d) => Array.from({ length: SENSORS_PER_DEVICE }, (_, k) => topicOf(d, k)));
  topicBufs = topics.map((ts) => ts.map((t) => Buffer.from(t)));
  clients = new Array<MqttClient>(m.connections);
  sockets = new Array<Socket>(m.connections);
  pending = Array.from({ length: m.connections }, () => new Map());
  nextId = new Array<number>(m.connections).fill(0);
  let failed = 0;
  const one = (d: number) => new Promise<void>((resolve) => {
    const username = usernameOf(d);
    const c = mqtt.connect(m.url, {
      clientId: username, username, password: m.secret ? demoToken(m.secret, username) : 'x', protocolVersion: 4,
      clean: true, keepalive: m.publisher === 'raw' ? 0 : 120, reconnectPeriod: 0, connectTimeout: 30_000, queueQoSZero: false,
    });
    let up = false;
    c.once('connect', () => {
      up = true;
      if (publisher === 'raw') {
        sockets[d] = takeOver(c, ackReader((id, at) => {
          const done = pending[d]!.get(id);
          if (done) { pending[d]!.delete(id); done(at); }
        }, mono));
      } else {
        sockets[d] = c.stream as unknown as Socket;
        sockets[d].setNoDelay(true);
      }
      resolve();
    });
    c.on('error', (err) => { errors++; firstError ??= `${username}: ${err.message}`; if (!up) { failed++; resolve(); } });
    c.on('close', () => { if (up) disconnects++; else { failed++; resolve(); } up = false; });
    clients[d] = c;
  });
  for (let d = 0; d < m.connections; d += 50) {
    await Promise.all(Array.from({ length: Math.min(50, m.connections - d) }, (_, j) => one(d + j)));
  }
  send({ t: 'connected', n: m.connections - failed, ms: mono() - started, failed, firstError });
}

function payload(seq: number, intendedMs: number, epochOffset: number): string {
  // ~100 B like a GDS controller's reading; 1 % of readings are above a typical 25 %LEL alarm.
  const lel = seq % 100 === 7 ? 31.5 : 2 + (seq % 37) / 10;
  return `{"ts":${Math.floor(intendedMs + epochOffset)},"values":{"lel":${lel.toFixed(2)}},"quality":"ok","seq":${seq},"boot":"${boot}"}`;
}

function runStep(s: StepSpec): void {
  const n = Math.round((s.rate * s.durationMs) / 1000);
  const interval = 1000 / s.rate;
  const conns = clients.length;
  const epochOffset = Date.now() - mono();
  const lag = histogram();
  const puback = histogram();
  let i = 0, sent = 0, skipped = 0, acked = 0, ackErrors = 0;
  const disc0 = disconnects, err0 = errors;
  let finished = false;
  let drainTimer: NodeJS.Timeout | null = null;

  const finish = () => {
    if (finished) return;
    finished = true;
    if (drainTimer) clearTimeout(drainTimer);
    for (const p of pending) p.clear();
    send({ t: 'stepDone', id: s.id, sent, skipped, acked, ackErrors, puback: s.qos === 1 ? summarize(puback) : null,
      lag: summarize(lag) ?? { n: 0, p50: 0, p99: 0, p999: 0, max: 0, mean: 0 }, disconnects: disconnects - disc0, errors: errors - err0 });
  };
  const maybeDone = () => { if (i >= n && (s.qos === 0 || acked + ackErrors >= sent)) finish(); };

  const tick = () => {
    let now = mono();
    for (;;) {
      const due = Math.min(n, Math.floor((now - s.t0) / interval) + 1);
      if (i >= due) break;
      while (i < due) {
        const intended = s.t0 + i * interval;
        const d = i % conns;
        const k = Math.floor(i / conns) % SENSORS_PER_DEVICE;
        const c = clients[d]!;
        const seq = s.seqBase + i;
        i++;
        if (!c.connected) { skipped++; continue; }
        const body = payload(seq, intended, epochOffset);
        if (publisher === 'raw') {
          if (s.qos === 0) sockets[d]!.write(encodePublish(topicBufs[d]![k]!, 0, 0, body));
          else {
            const id = (nextId[d] = (nextId[d]! % 65535) + 1);
            pending[d]!.set(id, (at) => { acked++; recordMs(puback, at - intended); maybeDone(); });
            sockets[d]!.write(encodePublish(topicBufs[d]![k]!, 1, id, body));
          }
        } else if (s.qos === 0) {
          c.publish(topics[d]![k]!, body, { qos: 0 });
        } else {
          c.publish(topics[d]![k]!, body, { qos: 1 }, (err) => {
            if (err) ackErrors++;
            else { acked++; recordMs(puback, mono() - intended); }
            maybeDone();
          });
        }
        sent++;
        recordMs(lag, mono() - intended);
      }
      now = mono();
    }
    if (i >= n) {
      if (s.qos === 1) drainTimer = setTimeout(finish, s.drainMs);
      maybeDone();
      return;
    }
    const next = s.t0 + i * interval;
    setTimeout(tick, Math.max(0, next - mono()));
  };
  setTimeout(tick, Math.max(0, s.t0 - mono()));
}

process.on('message', (m: ToLoad) => {
  if (m.t === 'connect') connectAll(m).catch((err: Error) => send({ t: 'fatal', message: err.message }));
  else if (m.t === 'step') runStep(m.spec);
  else if (m.t === 'close') {
    for (const c of clients) c?.end(true);
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
