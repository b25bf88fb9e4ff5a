// External-broker mode (architecture.md "Broker", config `mqtt.url`): the platform is an MQTT client of
// mosquitto/EMQX with a persistent session (clean: false) and QoS 1 subscriptions. contract.md
// "Guarantee": in this mode it starts when the platform acknowledges the broker's delivery, so a QoS 1
// delivery is PUBACKed only after ingest's journal write resolved; a reading the journal refused
// (`full`, contract.md "Backpressure") is never PUBACKed: the connection is dropped and the broker
// redelivers it (with everything after it) on reconnect. Journal dedupe makes redelivery harmless.
//
// mqtt.js 5.16 note: `customHandleAcks` is honoured only with protocolVersion 5, and even then the
// client handles one packet at a time until the ack is written, i.e. one journal commit per message.
// So this source takes the acks over itself: `handleMessage` (mqtt.js's per-message hook) starts ingest
// and releases the client at once with an error, which makes mqtt.js skip its own PUBACK; the PUBACK is
// written here, in arrival order (MQTT 3.1.1 §4.6), once the journal write for it and all earlier
// deliveries resolved. Up to `maxPending` deliveries overlap, so group commits batch them.
import mqtt, { type IClientOptions, type IPublishPacket, type ISubscriptionGrant, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { sensorKey } from '../core/ids.ts';
import type { Ingest, IngestInput, IngestOutcome } from '../ingest/ingest.ts';
import { errorsTopic, parseTopic } from '../ingest/topics.ts';
import type { CompiledDevice, CompiledRegistry } from '../storage/registry/compile.ts';

export const EXTERNAL_SUBSCRIPTIONS = ['sensors/+/+/+', 'gateways/+/+', 'status/+/+'] as const;

export interface ExternalBrokerOptions {
  url: string;
  username: string;
  password: string;
  /** Defaults to the username (the generated mosquitto.conf binds client ids to usernames anyway). */
  clientId?: string;
  ingest: Ingest;
  registry: { device(username: string): CompiledDevice | undefined; readonly compiled: CompiledRegistry };
  onDeviceStatus?: (username: string, online: boolean, at: number) => void;
  now?: () => number;
  /** Delay before reconnecting, also after a delivery was withheld because the journal was full. */
  reconnectMs?: number;
  /** Deliveries whose ingest may overlap; beyond it the client stops reading the socket. */
  maxPending?: number;
  /** Extra mqtt.js options (TLS files, keepalive …). */
  mqttOptions?: Partial<IClientOptions>;
  log?: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
}

/** Tells mqtt.js not to send its own PUBACK (see the header). Never surfaces as an error. */
const ACK_TAKEN_OVER = new Error('riskwatch acknowledges this delivery after its journal write');

/** The publisher, as far as an external broker lets us know (it does not say who published). */
export function publisherOf(topic: string, view: CompiledRegistry): { enterpriseId: string; deviceId: string | null } {
  const t = parseTopic(topic);
  if (!t) return { enterpriseId: topic.split('/')[1] ?? '', deviceId: null };
  if (t.kind === 'gateway' || t.kind === 'status') return { enterpriseId: t.enterpriseId, deviceId: t.deviceId };
  if (t.kind !== 'sensor') return { enterpriseId: t.enterpriseId, deviceId: null };
  // The broker's ACL let only a device assigned to this sensor publish here; with several, the first
  // one stands for them (its errors topic gets the rejects).
  return { enterpriseId: t.enterpriseId, deviceId: view.sensors.get(sensorKey(t.enterpriseId, t.sensorId))?.info.deviceIds[0] ?? null };
}

/** Per network connection: acks owed on a closed connection are dropped (the broker redelivers them). */
interface Connection {
  stream: MqttClient['stream'];
  /** Settles when every earlier delivery on this connection has been acked or withheld. */
  tail: Promise<void>;
  withholding: boolean;
}

export class ExternalBrokerSource {
  private client: MqttClient | null = null;
  private conn: Connection | null = null;
  private stopping = false;
  private pending = 0;
  private resume: (() => void)[] = [];
  private readonly now: () => number;
  private readonly maxPending: number;

  constructor(private readonly o: ExternalBrokerOptions) {
    this.now = o.now ?? Date.now;
    this.maxPending = o.maxPending ?? 1000;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const client = mqtt.connect(this.o.url, {
      protocolVersion: 4,
      clean: false,
      clientId: this.o.clientId ?? this.o.username,
      username: this.o.username,
      password: this.o.password,
      reconnectPeriod: this.o.reconnectMs ?? 1000,
      connectTimeout: 10_000,
      resubscribe: true,
      // Rejects are QoS 0 (contract.md "Rejections"): while disconnected they are dropped, not hoarded.
      queueQoSZero: false,
      ...this.o.mqttOptions,
    });
    this.client = client;
    client.handleMessage = (packet, callback) => this.onPublish(client, packet, callback);
    client.on('connect', (connack) => {
      this.conn = { stream: client.stream, tail: Promise.resolve(), withholding: false };
      (client.stream as Partial<Socket>).setNoDelay?.(true);
      this.o.log?.info({ url: this.o.url, sessionPresent: connack.sessionPresent }, 'connected to the external broker');
    });
    client.on('close', () => { this.conn = null; });
    client.on('error', (err) => this.o.log?.warn({ err: err.message }, 'external broker client error'));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => { client.removeListener('connect', ok); this.client = null; void client.endAsync(true); reject(err); };
      const ok = () => { client.removeListener('error', fail); resolve(); };
      client.once('connect', ok);
      client.once('error', fail);
    });
    // Idempotent on every start; mqtt.js resubscribes by itself when the broker lost the session. A
    // withheld delivery (backlog full) can drop the connection before the SUBACK: subscribe again.
    let granted: ISubscriptionGrant[] = [];
    for (let attempt = 1; ; attempt++) {
      try { granted = await client.subscribeAsync([...EXTERNAL_SUBSCRIPTIONS], { qos: 1 }); break; }
      catch (err) {
        if (attempt >= 5 || this.client !== client) throw err;
        await new Promise((r) => client.once('connect', r));
      }
    }
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0) throw new Error(`the external broker refused ${refused.map((g) => g.topic).join(', ')}: check its ACL for ${this.o.username}`);
  }

  /** Acks what is in progress, then disconnects cleanly: the broker keeps the session and queues QoS 1
   * readings until the next start. */
  /** Publishes through the external broker (alert events and retained alert-state, contract.md "Alerts"). */
  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain: boolean }): Promise<void> {
    const c = this.client;
    if (!c || !c.connected) return Promise.reject(new Error('external broker not connected'));
    return new Promise((resolve, reject) => c.publish(topic, payload, { qos: opts.qos, retain: opts.retain }, (err) => (err ? reject(err) : resolve())));
  }

  async stop(): Promise<void> {
    const c = this.client;
    if (!c) return;
    this.stopping = true;
    if (this.conn) await this.conn.tail;
    this.client = null;
    this.conn = null;
    await c.endAsync(false);
    for (const r of this.resume.splice(0)) r();
  }

  private onPublish(client: MqttClient, packet: IPublishPacket, release: (err?: Error) => void): void {
    const conn = this.conn;
    const { messageId, qos, topic } = packet;
    // Not acknowledged: the broker redelivers it on the next connection.
    if (this.stopping || !conn) return release(qos > 0 ? ACK_TAKEN_OVER : undefined);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const work = this.process(client, topic, payload).catch((err: Error) => {
      this.o.log?.warn({ topic, err: err.message }, 'ingest failed; the delivery is not acknowledged');
      return false;
    });
    this.pending++;
    // Acks leave in arrival order; once one is withheld, none after it on this connection is sent.
    conn.tail = Promise.all([conn.tail, work]).then(([, ok]) => {
      this.pending--;
      if (this.pending < this.maxPending) for (const r of this.resume.splice(0)) r();
      if (qos === 0 || messageId === undefined || conn !== this.conn || conn.stream.destroyed) return;
      if (!ok || conn.withholding) return this.withhold(conn);
      conn.stream.write(Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff])); // PUBACK, MQTT 3.1.1 §3.4
    });
    const next = () => release(qos > 0 ? ACK_TAKEN_OVER : undefined);
    if (this.pending < this.maxPending) next();
    else this.resume.push(next);
  }

  /** true when the delivery may be acknowledged. */
  private async process(client: MqttClient, topic: string, payload: Buffer): Promise<boolean> {
    const t = parseTopic(topic);
    if (t?.kind === 'status') {
      this.onStatus(`${t.enterpriseId}.${t.deviceId}`, payload);
      return true;
    }
    const { enterpriseId, deviceId } = publisherOf(topic, this.o.registry.compiled);
    const input: IngestInput = { source: 'mqtt', topic, payload, enterpriseId, deviceId };
    const out: IngestOutcome = await this.o.ingest.handle(input);
    if (deviceId !== null) {
      for (const r of out.rejects) client.publish(errorsTopic(enterpriseId, deviceId), JSON.stringify(r), { qos: 0 }, () => {});
    }
    return out.full === 0;
  }

  /** Backpressure: drop the connection so that the broker redelivers the unacknowledged readings after
   * `reconnectMs` (MQTT 3.1.1 §4.4: redelivery happens on reconnect only). */
  private withhold(conn: Connection): void {
    if (conn.withholding) return;
    conn.withholding = true;
    this.o.log?.warn({}, 'RW_ERR_BACKLOG_FULL: delivery not acknowledged; reconnecting so that the broker redelivers it');
    // end(), not destroy(): the RW_ERR_BACKLOG_FULL rejects written just before must still leave.
    conn.stream.end();
    setTimeout(() => conn.stream.destroy(), 2000).unref();
  }

  private onStatus(username: string, payload: Buffer): void {
    if (!this.o.registry.device(username)) return;
    try {
      const s = JSON.parse(payload.toString('utf8')) as { online?: unknown };
      if (typeof s.online === 'boolean') this.o.onDeviceStatus?.(username, s.online, this.now());
    } catch { /* a malformed status is ignored, as in the embedded broker */ }
  }
}
