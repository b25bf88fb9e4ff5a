// The embedded broker: aedes on TCP, WebSocket and (when configured) TLS listeners, TCP_NODELAY on every
// socket. The hooks adapt aedes to the pure ACL (acl.ts), the registry's credentials and ingest. Ingest
// runs inside authorizePublish, the only hook before aedes writes PUBACK: a QoS 1 reading is in the
// journal before its PUBACK (contract.md "Guarantee").
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Duplex } from 'node:stream';
import { isLoopbackAddress } from '../core/loopback.ts';
import type { EnterpriseRef } from '../core/scope.ts';
import type { Ingest, IngestInput, RejectMessage } from '../ingest/ingest.ts';
import { clientIdMatches, mayPublish, mayReceive, maySubscribe, type MqttPrincipal } from './acl.ts';
import { guardPacketSize } from './packet-guard.ts';
import { RateLimiter } from './rate-limit.ts';
import type { BrokerCounters } from './counters.ts';

export interface BrokerAuth {
  /** A device whose password matches, or null. */
  device(username: string, password: string): { enterpriseId: string; deviceId: string; topics: ReadonlySet<string>; demo: boolean } | null;
  /** A token principal (`token.{id}` with the API token as password), or null. */
  token(tokenId: string, token: string): Extract<MqttPrincipal, { kind: 'token' }> | null;
  enterprise(id: string): EnterpriseRef | undefined;
}

export interface ListenerConfig {
  host: string;
  port: number;
  tls?: { keyFile: string; certFile: string; caFile?: string; requestCert?: boolean } | undefined;
  ws?: boolean;
}

export interface EmbeddedBrokerOptions {
  listeners: ListenerConfig[];
  auth: BrokerAuth;
  ingest: Ingest;
  counters: BrokerCounters;
  maxPacketBytes: number;
  connectRate: { perSecond: number; burst: number };
  /** Allow password auth on a plaintext listener that is not loopback (contract.md: refused unless explicit). */
  allowPlaintextAuth: boolean;
  now: () => number;
  onDeviceStatus?: (username: string, online: boolean, at: number) => void;
  log?: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
}

interface ClientMeta { principal: MqttPrincipal; secure: boolean; loopback: boolean }

const authError = (code: 2 | 4 | 5, message: string) => Object.assign(new Error(message), { returnCode: code });

/**
 * Holds a socket's writes until the end of the event-loop turn, so everything a turn sends it (the
 * readings forwarded to a `sensors/#` subscriber, PUBACKs of a pipelining device) leaves in one writev
 * instead of one system call per packet. Only the moment of the syscall moves, within the same turn:
 * what is written and in which order (a PUBACK still follows its journal commit) are unchanged.
 */
class TurnCork {
  private corked = new Set<Duplex>();
  private scheduled = false;

  wrap(socket: Duplex): void {
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = ((...a: unknown[]) => {
      if (!this.corked.has(socket) && !socket.destroyed) {
        socket.cork();
        this.corked.add(socket);
        if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.release()); }
      }
      return write(...a);
    }) as Duplex['write'];
  }

  private release(): void {
    this.scheduled = false;
    const sockets = this.corked;
    this.corked = new Set();
    for (const s of sockets) s.uncork();
  }
}

export class EmbeddedBroker {
  aedes!: Aedes;
  private servers: (NetServer | HttpServer)[] = [];
  private meta = new WeakMap<Client, ClientMeta>();
  private conns = new WeakMap<object, { secure: boolean; remote: string | undefined }>();
  private byUsername = new Map<string, Client>();
  private sockets = new Set<Duplex>();
  private rejectedPayloads = new WeakSet<object>();
  private limiter: RateLimiter;
  private cork = new TurnCork();
  readonly addresses: { port: number; host: string; kind: string }[] = [];

  constructor(private readonly o: EmbeddedBrokerOptions) {
    this.limiter = new RateLimiter(o.connectRate.perSecond, o.connectRate.burst, o.now);
  }

  async start(): Promise<void> {
    this.aedes = await Aedes.createBroker({
      id: 'riskwatch',
      connectTimeout: 10_000,
      // No cap on publishes in flight inside the broker: aedes' default (100) queues the rest in an array
      // drained with Array.shift, quadratic once a busy turn has read thousands of packets (bench/RESULTS.md
      // "Overload"). In-flight work stays bounded without it: a connection is read again only when its
      // previous packets are done, and a subscriber that stops reading is cut off by drainTimeout.
      concurrency: 0,
      preConnect: (client, _packet, cb) => this.preConnect(client, cb),
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => this.authorizeSubscribe(client, sub, cb),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    });
    this.aedes.on('clientDisconnect', (client) => this.onDisconnect(client));
    this.aedes.on('clientError', (client, err) => this.o.log?.warn({ clientId: client?.id, err: err.message }, 'mqtt client error'));
    for (const l of this.o.listeners) await this.listen(l);
  }

  async stop(): Promise<void> {
    const closed = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    await new Promise<void>((r) => this.aedes.close(() => r()));
    for (const s of this.sockets) s.destroy();
    for (const s of this.servers) (s as HttpServer).closeAllConnections?.();
    await Promise.all(closed);
  }

  /** Publishes from the platform itself (errors, alert events, retained alert state). */
  publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const packet = { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false } as PublishPacket;
    return new Promise((resolve, reject) => this.aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the connection of a device whose credential is no longer valid. */
  disconnect(username: string): void {
    this.byUsername.get(username)?.close();
  }
  connectedUsernames(): string[] {
    return [...this.byUsername.keys()];
  }

  private async listen(l: ListenerConfig): Promise<void> {
    const secure = !!l.tls;
    const onSocket = (socket: Socket | Duplex, remote: string | undefined) => {
      this.conns.set(socket, { secure, remote });
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.cork.wrap(socket);
      guardPacketSize(socket, this.o.maxPacketBytes, (size) => {
        this.o.counters.packetTooLarge++;
        this.o.log?.warn({ remote, size }, 'RW_ERR_PACKET_TOO_LARGE: connection closed');
      });
      this.aedes.handle(socket);
    };
    let server: NetServer | HttpServer;
    if (l.ws) {
      server = createHttpServer();
      const wss = new WebSocketServer({ server: server as HttpServer, path: '/mqtt', maxPayload: this.o.maxPacketBytes + 16 });
      wss.on('connection', (ws, req) => {
        req.socket.setNoDelay(true);
        onSocket(createWebSocketStream(ws), req.socket.remoteAddress);
      });
    } else {
      const handler = (s: Socket) => { s.setNoDelay(true); onSocket(s, s.remoteAddress); };
      server = secure
        ? createTlsServer({ key: readFileSync(l.tls!.keyFile), cert: readFileSync(l.tls!.certFile), ...(l.tls!.caFile ? { ca: readFileSync(l.tls!.caFile) } : {}), requestCert: !!l.tls!.requestCert, rejectUnauthorized: !!l.tls!.requestCert }, handler)
        : createNetServer(handler);
    }
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(l.port, l.host, () => resolve()); });
    const addr = server.address();
    this.addresses.push({ port: typeof addr === 'object' && addr ? addr.port : l.port, host: l.host, kind: l.ws ? 'ws' : secure ? 'tls' : 'tcp' });
    this.servers.push(server);
  }

  private conn(client: Client) {
    return this.conns.get(client.conn) ?? { secure: false, remote: undefined };
  }

  private preConnect(client: Client, cb: (err: Error | null, ok: boolean) => void): void {
    const remote = this.conn(client).remote ?? 'unknown';
    if (this.limiter.take(remote)) return cb(null, true);
    this.o.counters.connectRateLimited++;
    cb(authError(5, 'RW_ERR_RATE_LIMITED'), false);
  }

  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined, cb: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void): void {
    const refuse = (code: 2 | 4 | 5, reason: string) => {
      this.o.counters.authRefused.set(reason, (this.o.counters.authRefused.get(reason) ?? 0) + 1);
      cb(authError(code, reason) as Error & { returnCode: number }, null);
    };
    if (!username || !password) return refuse(4, 'anonymous');
    const { secure, remote } = this.conn(client);
    const loopback = isLoopbackAddress(remote);
    if (!secure && !loopback && !this.o.allowPlaintextAuth) return refuse(5, 'plaintext_not_allowed');
    let principal: MqttPrincipal | null = null;
    const pw = password.toString('utf8');
    if (username.startsWith('token.')) {
      principal = this.o.auth.token(username.slice(6), pw);
    } else {
      const d = this.o.auth.device(username, pw);
      if (d && d.demo && !loopback) return refuse(5, 'demo_credential_not_loopback');
      if (d) principal = { kind: 'device', username, enterpriseId: d.enterpriseId, deviceId: d.deviceId, topics: d.topics };
    }
    if (!principal) return refuse(4, 'bad_credentials');
    if (!clientIdMatches(principal, client.id)) return refuse(2, 'client_id_mismatch');
    this.meta.set(client, { principal, secure, loopback });
    if (principal.kind === 'device') {
      this.byUsername.set(username, client);
      this.o.onDeviceStatus?.(username, true, this.o.now());
    }
    cb(null, true);
  }

  private onDisconnect(client: Client): void {
    const m = this.meta.get(client);
    if (m?.principal.kind === 'device' && this.byUsername.get(m.principal.username) === client) {
      this.byUsername.delete(m.principal.username);
      this.o.onDeviceStatus?.(m.principal.username, false, this.o.now());
    }
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
    if (!client) return cb(null); // aedes re-publishing a stored last will
    const m = this.meta.get(client);
    if (!m || !mayPublish(m.principal, packet.topic)) {
      this.o.counters.aclDenied++;
      return cb(new Error('RW_ERR_ACL_DENIED'));
    }
    const p = m.principal as Extract<MqttPrincipal, { kind: 'device' }>;
    // mayPublish let through only the device's own status topic under status/.
    if (packet.topic.startsWith('status/')) {
      this.onStatus(p.username, packet.payload);
      return cb(null);
    }
    const input: IngestInput = { source: 'mqtt', topic: packet.topic, payload: packet.payload as Buffer, enterpriseId: p.enterpriseId, deviceId: p.deviceId };
    this.o.ingest.handle(input).then(
      (out) => {
        if (out.accepted === 0) this.rejectedPayloads.add(packet.payload as object);
        // Backpressure: a QoS 1 reading the journal refused must not be PUBACKed; closing the
        // connection withholds it, and the client sends it again after reconnecting.
        if (out.full > 0 && packet.qos > 0) return cb(new Error('RW_ERR_BACKLOG_FULL'));
        cb(null);
      },
      (err: Error) => cb(err),
    );
  }

  private onStatus(username: string, payload: Buffer | string): void {
    try {
      const s = JSON.parse(payload.toString()) as { online?: unknown };
      if (typeof s.online === 'boolean') this.o.onDeviceStatus?.(username, s.online, this.o.now());
    } catch { /* a malformed status is ignored: traffic and connection state still tell */ }
  }

  private authorizeSubscribe(client: Client, sub: Subscription, cb: (err: Error | null, sub?: Subscription | null) => void): void {
    const m = this.meta.get(client);
    if (m && maySubscribe(m.principal, sub.topic)) return cb(null, sub);
    this.o.counters.aclDenied++;
    // MQTT 3.1.1: answer the SUBACK with a failure (0x80) rather than closing the session.
    cb(null, null);
  }

  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const m = this.meta.get(client);
    if (!m || this.rejectedPayloads.has(packet.payload as object)) return null;
    return mayReceive(m.principal, packet.topic, this.o.auth.enterprise) ? packet : null;
  }

  /** Sends a reject to errors/{enterprise}/{device}. */
  publishReject(input: IngestInput, r: RejectMessage): void {
    if (input.deviceId === null) return;
    void this.publish(`errors/${input.enterpriseId}/${input.deviceId}`, JSON.stringify(r), { qos: 0 }).catch(() => {});
  }
}
