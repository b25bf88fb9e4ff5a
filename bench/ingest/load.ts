// The load generator (a child process of run.ts, so it does not share the system's event loop): N mqtt.js
// device connections, then per step an open-loop schedule at a fixed total rate. Reading i of a step is
// due at t0 + i/rate on connection i mod N, sensor ⌊i/N⌋ mod 10; its payload carries the intended time
// (`ts`, and exactly via `seq`), so a stalled system cannot slow the schedule down (no coordinated
// omission). Records its own lag behind schedule and, for QoS 1, intended send → PUBACK.
// mqtt.js opens, keeps alive and closes the connections; by default (`raw`) the readings are written to
// its sockets as pre-encoded PUBLISH packets with our own packet ids, PUBACKs observed on
// 'packetreceive' (mqtt.js ignores acks it did not ask for): mqtt.js's publish path costs about twice
// the CPU, and on two shared cores the generator's CPU is taken from the system under test.
import mqtt, { type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { demoToken } from '../../broker/credentials.ts';
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
      const sock = (sockets[d] = c.stream as unknown as Socket);
      sock.setNoDelay(true);
      if (publisher === 'raw') {
        // From here on the socket's input is ours: mqtt.js's parser queues every packet through
        // nextTick and its handlers, which costs more than the rest of the generator per reading.
        sock.unpipe();
        sock.on('data', ackReader(d));
        sock.resume();
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

/** Reads the broker → device stream of one raw connection: PUBACKs complete pending QoS 1 publishes,
 * anything else is skipped. */
function ackReader(d: number): (chunk: Buffer) => void {
  let rest: Buffer | null = null;
  return (chunk) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = null;
    const at = mono();
    let o = 0;
    while (o < buf.length) {
      let len = 0, mul = 1, h = o + 1;
      for (;;) {
        if (h >= buf.length) { rest = buf.subarray(o); return; }
        const b = buf[h++]!;
        len += (b & 0x7f) * mul; mul *= 128;
        if (!(b & 0x80)) break;
      }
      if (h + len > buf.length) { rest = buf.subarray(o); return; }
      if (buf[o] === 0x40 && len === 2) {
        const id = buf.readUInt16BE(h);
        const done = pending[d]!.get(id);
        if (done) { pending[d]!.delete(id); done(at); }
      }
      o = h + len;
    }
  };
}

/** A PUBLISH packet (MQTT 3.1.1): fixed header, remaining length, topic, [packet id], payload. */
function encodePublish(topic: Buffer, qos: 0 | 1, id: number, body: string): Buffer {
  const bodyLen = Buffer.byteLength(body);
  const rem = 2 + topic.length + (qos ? 2 : 0) + bodyLen;
  const lenBytes = rem < 128 ? 1 : rem < 16384 ? 2 : 3;
  const buf = Buffer.allocUnsafe(1 + lenBytes + rem);
  let o = 0;
  buf[o++] = qos ? 0x32 : 0x30;
  for (let x = rem; ;) { const b = x & 0x7f; x >>>= 7; buf[o++] = x > 0 ? b | 0x80 : b; if (x === 0) break; }
  buf.writeUInt16BE(topic.length, o); o += 2;
  o += topic.copy(buf, o);
  if (qos) { buf.writeUInt16BE(id, o); o += 2; }
  buf.write(body, o, 'utf8');
  return buf;
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
