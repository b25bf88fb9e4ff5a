// The observer (a child process of run.ts): one subscriber on sensors/# that counts receipts and records
// intended send time → receipt in an HDR histogram. The intended time is exact: reading seq of a step
// was due at t0 + (seq − seqBase)/rate on the shared monotonic clock. On riskwatch a reading is
// forwarded only after its journal commit, so this is publish → journal commit (+ one forward).
import mqtt, { type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { histogram, mono, recordMs, summarize, type FromObs, type ObsConnect, type StepSpec, type ToObs } from './common.ts';

const send = (m: FromObs): void => { process.send?.(m); };

let client: MqttClient | null = null;
let step: StepSpec | null = null;
let h = histogram();
let received = 0, outOfStep = 0, lastAt = 0;

const SEQ = Buffer.from('"seq":');

function onMessage(_topic: string, payload: Buffer): void {
  const now = mono();
  const s = step;
  if (!s) { outOfStep++; return; }
  const at = payload.indexOf(SEQ);
  if (at < 0) { outOfStep++; return; }
  let seq = 0;
  for (let i = at + SEQ.length; i < payload.length; i++) {
    const c = payload[i]!;
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
  }
  const i = seq - s.seqBase;
  if (i < 0 || i >= (s.rate * s.durationMs) / 1000) { outOfStep++; return; }
  received++;
  lastAt = now;
  recordMs(h, now - (s.t0 + (i * 1000) / s.rate));
}

function connect(m: ObsConnect): void {
  const c = mqtt.connect(m.url, { clientId: m.clientId, ...(m.username ? { username: m.username, password: m.password } : {}), protocolVersion: 4, clean: true, keepalive: 120, reconnectPeriod: 0 });
  c.once('connect', () => {
    (c.stream as unknown as Socket).setNoDelay(true);
    c.subscribe(m.filter, { qos: 0 }, (err, granted) => {
      if (err || !granted || granted[0]?.qos === 128) send({ t: 'fatal', message: `subscribe ${m.filter}: ${err?.message ?? 'refused'}` });
      else send({ t: 'connected' });
    });
  });
  c.on('message', onMessage);
  c.on('error', (err) => send({ t: 'fatal', message: `observer: ${err.message}` }));
  c.on('close', () => { if (client) send({ t: 'fatal', message: 'observer connection closed' }); });
  client = c;
}

process.on('message', (m: ToObs) => {
  switch (m.t) {
    case 'connect': connect(m); break;
    case 'step':
      step = m.spec; h = histogram(); received = 0; outOfStep = 0; lastAt = 0;
      send({ t: 'ready' });
      break;
    case 'count': send({ t: 'count', received }); break;
    case 'report':
      send({ t: 'report', id: step?.id ?? -1, received, outOfStep, lastAt, latency: summarize(h) });
      break;
    case 'close': {
      const c = client;
      client = null;
      c?.end(true);
      setTimeout(() => process.exit(0), 100);
      break;
    }
  }
});
process.on('disconnect', () => process.exit(0));
