// bench:rules end to end: the observer, in a process of its own (performance.md "Observer: a separate process
// subscribed to the alert topic"), so that the load generator's work does not delay its receipt of events.
// It records the receipt time of every raised / level_up event under the crossing's key
// (`{enterprise}/{sensor}|{value}`) and hands them to the parent (bench/rules/e2e.ts) when asked; the parent
// matches them to the intended send times. Both read the same monotonic clock (`monoMs`).
import mqtt from 'mqtt';
import { monoMs } from './e2e.ts';

const [url, username, password] = process.argv.slice(2) as [string, string, string];
const received: [string, number][] = [];
const c = mqtt.connect(url, { username, password, clientId: username, reconnectPeriod: 0 });
c.on('message', (_t, payload) => {
  const now = monoMs();
  const ev = JSON.parse(payload.toString()) as { event: string; sensorId: string; enterpriseId: string; value: number };
  if (ev.event === 'raised' || ev.event === 'level_up') received.push([`${ev.enterpriseId}/${ev.sensorId}|${ev.value}`, now]);
});
c.once('connect', () => {
  (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
  void c.subscribeAsync('alerts/#', { qos: 1 }).then(() => process.send!({ ready: true }));
});
c.once('error', (err) => { process.send!({ error: String(err) }); });
process.on('message', (m: { stop?: boolean }) => {
  if (!m.stop) return;
  c.end(true);
  process.send!({ received }, () => process.exit(0));
});
