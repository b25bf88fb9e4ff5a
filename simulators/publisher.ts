// The MQTT shell around a Simulation: one mqtt.js client per device, the history through the platform's
// import path, live readings on the device topics (contract.md "Readings", "Device status").
// Contract:
//  - username = clientId = "{enterpriseId}.{deviceId}", password demoToken(demoSecret, username) unless
//    `password` says otherwise; clean session, keepalive 60; last will `status/{e}/{d}` {"online":false}
//    retained; on every connect: TCP_NODELAY (Nagle costs 20–60 ms on loopback, environment.md) and a
//    retained {"online":true,"at":…};
//  - sensor-kind devices publish each reading to sensors/{e}/{site}/{sensor}; gateways publish JSON arrays
//    (≤ 1,000 readings, < 256 KiB) to gateways/{e}/{device}, each reading carrying "site" and "sensor";
//  - connections open at most `connectConcurrency` (50) at a time: 1,000+ come up quickly, no herd;
//  - the history goes to `importReadings` in chunks before the live phase (none given: it is skipped);
//  - `stop()` stops the simulation, publishes {"online":false} retained and closes every client.
import mqtt, { type MqttClient } from 'mqtt';
import { demoToken } from '../broker/credentials.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Reading } from '../core/reading.ts';
import type { Simulation, SimDevice } from './simulation.ts';
import { gatewayPayloads, gatewayTopic, sensorTopic, statusTopic, toWire, type TsFormat } from './payload.ts';
import { isoBeijing } from './time.ts';

export interface PublisherLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface PublisherOptions {
  url: string;
  demoSecret: string;
  simulation: Simulation;
  qos?: 0 | 1;
  importReadings?: (readings: Reading[]) => Promise<void>;
  logger?: PublisherLogger;
  /** Password for a device username (default: the demo token). */
  password?: (username: string) => string;
  connectConcurrency?: number;
  importChunk?: number;
  tsFormat?: TsFormat;
  /** For the status messages' `at` (the shell's clock; default the system clock). */
  clock?: Clock;
}

export interface PublisherStats {
  /** Readings handed to a client's publish whose outcome (`sent` or `errors`) is not known yet. */
  pending: number;
  /** Readings the broker acknowledged (QoS 1) or that were written to the socket (QoS 0). */
  sent: number;
  /** Publish or connection errors, and readings of devices without a client. */
  errors: number;
  /** Readings handed to importReadings. */
  imported: number;
  /** Clients currently connected. */
  connected: number;
}

export interface Publisher {
  readonly stats: PublisherStats;
  stop(): Promise<void>;
}

const ONLINE_FALSE = JSON.stringify({ online: false });

export async function startPublisher(o: PublisherOptions): Promise<Publisher> {
  const qos = o.qos ?? 1;
  const clock = o.clock ?? systemClock;
  const stats: PublisherStats = { pending: 0, sent: 0, errors: 0, imported: 0, connected: 0 };
  const clients = new Map<string, MqttClient>();

  if (o.importReadings) {
    for (const chunk of o.simulation.backfillChunks(o.importChunk ?? 5000)) {
      await o.importReadings(chunk);
      stats.imported += chunk.length;
    }
    o.logger?.info({ imported: stats.imported }, 'simulator history imported');
  }

  function connect(dev: SimDevice): Promise<void> {
    const username = `${dev.enterpriseId}.${dev.deviceId}`;
    const status = statusTopic(dev.enterpriseId, dev.deviceId);
    const client = mqtt.connect(o.url, {
      clientId: username,
      username,
      password: o.password ? o.password(username) : demoToken(o.demoSecret, username),
      clean: true,
      keepalive: 60,
      reconnectPeriod: 2000,
      connectTimeout: 15_000,
      will: { topic: status, payload: Buffer.from(ONLINE_FALSE), qos: 1, retain: true },
    });
    clients.set(username, client);
    let up = false;
    client.on('connect', () => {
      if (!up) stats.connected++;
      up = true;
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      client.publish(status, JSON.stringify({ online: true, at: isoBeijing(clock.now()) }), { qos: 1, retain: true });
    });
    client.on('close', () => {
      if (up) stats.connected--;
      up = false;
    });
    client.on('error', (err) => {
      stats.errors++;
      o.logger?.warn({ device: username, err: err.message }, 'simulated device connection error');
    });
    return new Promise((resolve) => {
      const done = () => {
        client.off('connect', done);
        client.off('error', done);
        resolve();
      };
      client.once('connect', done);
      client.once('error', done);
    });
  }

  const queue = [...o.simulation.devices];
  const workers = Array.from({ length: Math.min(o.connectConcurrency ?? 50, queue.length) }, async () => {
    for (let dev = queue.shift(); dev; dev = queue.shift()) await connect(dev);
  });
  await Promise.all(workers);
  o.logger?.info({ devices: clients.size, connected: stats.connected }, 'simulated devices connected');

  const publish = (client: MqttClient, topic: string, payload: string, n: number) => {
    stats.pending += n;
    client.publish(topic, payload, { qos }, (err) => {
      stats.pending -= n;
      if (err) stats.errors += n;
      else stats.sent += n;
    });
  };

  o.simulation.start((dev, readings) => {
    const client = clients.get(`${dev.enterpriseId}.${dev.deviceId}`);
    if (!client) {
      stats.errors += readings.length;
      return;
    }
    if (dev.kind === 'gateway') {
      for (const { payload, count } of gatewayPayloads(readings, o.tsFormat)) publish(client, gatewayTopic(dev.enterpriseId, dev.deviceId), payload, count);
    } else {
      for (const r of readings) publish(client, sensorTopic(r), JSON.stringify(toWire(r, { gateway: false, ...(o.tsFormat ? { ts: o.tsFormat } : {}) })), 1);
    }
  });

  return {
    stats,
    async stop() {
      o.simulation.stop();
      await Promise.all(
        [...clients.entries()].map(async ([username, client]) => {
          const [e, d] = username.split('.') as [string, string];
          if (client.connected) await client.publishAsync(statusTopic(e, d), ONLINE_FALSE, { qos: 1, retain: true }).catch(() => undefined);
          await client.endAsync().catch(() => undefined);
        }),
      );
      stats.connected = 0;
    },
  };
}
