// InfluxDB over its v1-compatible HTTP API (architecture.md "Readings"): `/write` and `/query` are served
// by InfluxDB 1.x (Debian's 1.6.7 here), 2.x (with a DBRP mapping and a token) and 3.x alike, so the path
// tested here against influxd 1.6.7 is the path deployed.
//
// - V1Transport: a Transport for @influxdata/influxdb-client 1.35.0. The client's WriteApi posts to
//   `/api/v2/write?org=…&bucket=db[/rp]&precision=…`, which 1.x answers 404; the transport rewrites it to
//   `/write?db=…&rp=…&precision=…` and sends `Authorization: Token …` when a token is configured.
//   Precision: ns → `ns`, us → `u`, ms → `ms`, s → `s`. `u` is the only microsecond spelling 1.x reads
//   (1.6 silently takes `us` as nanoseconds: data lands in 1970). For nanoseconds `ns` is what InfluxData
//   documents for the v1 `/write` of 1.x, 2.x and 3.x; 1.x also reads `n`, but 3.x builds before the `n`
//   alias refuse it (both `ns` and `n` checked against 1.6.7 in transport.test.ts).
// - influxQuery: InfluxQL over `/query` (GET for reads, POST for CREATE/DROP/…; `epoch=ms`), results as
//   `{ series }` per statement, errors as RwError RW_ERR_STORAGE_UNAVAILABLE (unreachable, 5xx, auth) or
//   RW_ERR_STORAGE_QUERY (InfluxQL refused). Shared by the writer, the history API and dashboard tests.
import http from 'node:http';
import https from 'node:https';
import { HttpError, RequestTimedOutError, type ChunkCombiner, type CommunicationObserver, type SendOptions, type Transport } from '@influxdata/influxdb-client';
import { RwError } from '../../core/errors.ts';

/** Where InfluxDB is and what to write into. */
export interface InfluxConnection {
  /** Base URL, e.g. `http://127.0.0.1:8086` (a path prefix behind a proxy is kept). */
  url: string;
  /** 2.x/3.x API token, sent as `Authorization: Token …`; null for an open 1.x. */
  token: string | null;
  /** Database (1.x, 3.x) or the database name a 2.x DBRP mapping points at its bucket. */
  db: string;
  /** Retention policy; null = the database's default. */
  rp: string | null;
  /** 2.x organisation; only carried in the client's /api/v2 path, which the v1 endpoints do not need. */
  org: string | null;
}

/** The client's precision names → the v1 `/write` vocabulary (see the header). */
export const V1_PRECISION: Readonly<Record<string, string>> = { ns: 'ns', us: 'u', ms: 'ms', s: 's' };

/**
 * `/api/v2/write?org=o&bucket=db%2Frp&precision=us` → `/write?db=db&rp=rp&precision=u`. Any other path
 * (e.g. `/query`, `/ping`) is returned unchanged. A bucket without `/` has no rp (the default).
 */
export function v1WritePath(path: string): string {
  const q = path.indexOf('?');
  const route = q < 0 ? path : path.slice(0, q);
  if (route !== '/api/v2/write') return path;
  const p = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
  const bucket = p.get('bucket') ?? '';
  const slash = bucket.indexOf('/');
  const out = new URLSearchParams();
  out.set('db', slash < 0 ? bucket : bucket.slice(0, slash));
  if (slash >= 0 && bucket.length > slash + 1) out.set('rp', bucket.slice(slash + 1));
  const precision = p.get('precision');
  if (precision) out.set('precision', V1_PRECISION[precision] ?? precision);
  const consistency = p.get('consistency');
  if (consistency) out.set('consistency', consistency);
  return `/write?${out.toString()}`;
}

const bufferCombiner: ChunkCombiner = {
  concat: (a, b) => Buffer.concat([a, b]),
  toUtf8String: (chunk, start, end) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8', start, end),
  copy: (chunk, start, end) => Uint8Array.prototype.slice.call(chunk, start, end),
};

export interface V1TransportOptions {
  /** Sockets kept open to InfluxDB (= requests in flight at most); default 4. */
  maxSockets?: number;
  /** Per-request timeout, ms; default 30 s. */
  timeoutMs?: number;
}

/** A Transport for @influxdata/influxdb-client that speaks the v1-compatible endpoints (see the header). */
export class V1Transport implements Transport {
  readonly chunkCombiner: ChunkCombiner = bufferCombiner;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;
  private readonly timeoutMs: number;

  constructor(private readonly conn: Pick<InfluxConnection, 'url' | 'token'>, o: V1TransportOptions = {}) {
    this.base = new URL(conn.url);
    const tls = this.base.protocol === 'https:';
    this.lib = tls ? https : http;
    const agentOpts = { keepAlive: true, maxSockets: o.maxSockets ?? 4, scheduling: 'lifo' as const };
    this.agent = tls ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** Headers every request carries: the token (2.x/3.x) and the caller's. */
  private headers(extra: Record<string, string | undefined> | undefined, body: string | Buffer | null): http.OutgoingHttpHeaders {
    const h: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(extra ?? {})) if (v !== undefined) h[k.toLowerCase()] = v;
    if (this.conn.token) h.authorization = `Token ${this.conn.token}`;
    if (body !== null) h['content-length'] = Buffer.byteLength(body);
    return h;
  }

  private url(path: string): URL {
    const u = new URL(v1WritePath(path), this.base);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    if (prefix) u.pathname = prefix + u.pathname;
    return u;
  }

  send(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
    let done = false;
    const fail = (err: Error) => { if (!done) { done = true; callbacks?.error?.(err); } };
    const u = this.url(path);
    const payload = body === '' && options.method === 'GET' ? null : body;
    const req = this.lib.request(u, {
      method: options.method, agent: this.agent, headers: this.headers(options.headers, payload),
      signal: options.signal as AbortSignal | undefined,
    }, (res) => {
      const status = res.statusCode ?? 0;
      callbacks?.responseStarted?.(res.headers as Record<string, string>, status);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => { if (status >= 300) chunks.push(c); else callbacks?.next?.(c); });
      res.on('error', fail);
      res.on('end', () => {
        if (done) return;
        if (status >= 300) {
          const text = Buffer.concat(chunks).toString('utf8');
          fail(new HttpError(status, res.statusMessage, text, res.headers['retry-after'] ?? null, res.headers['content-type'] ?? null, undefined, res.headers as Record<string, string>));
          return;
        }
        done = true;
        callbacks?.complete?.();
      });
    });
    req.setTimeout(this.timeoutMs, () => { req.destroy(new RequestTimedOutError()); });
    req.on('error', fail);
    if (payload !== null) req.end(payload); else req.end();
  }

  async request(path: string, body: unknown, options: SendOptions): Promise<unknown> {
    const text = await this.text(path, body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body), options);
    try { return text === '' ? undefined : JSON.parse(text); } catch { return text; }
  }

  async *iterate(path: string, body: unknown, options: SendOptions): AsyncIterableIterator<Uint8Array> {
    const text = await this.text(path, typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body), options);
    yield Buffer.from(text, 'utf8');
  }

  private text(path: string, body: string, options: SendOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      this.send(path, body, options, {
        next: (c) => { chunks.push(Buffer.from(c)); },
        error: reject,
        complete: () => resolve(Buffer.concat(chunks).toString('utf8')),
      });
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

// ---- InfluxQL over /query ---------------------------------------------------------------------------

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxStatementResult {
  statementId: number;
  series: InfluxSeries[];
}

export interface InfluxQueryOptions {
  /** Database the statements run in; default `conn.db` (null: none, e.g. `SHOW DATABASES`). */
  db?: string | null;
  /** Retention policy for unqualified measurements; default `conn.rp`. */
  rp?: string | null;
  /** GET for reads; POST for CREATE/DROP/ALTER/DELETE/… (1.x refuses those over GET). Default: by statement. */
  method?: 'GET' | 'POST';
  /** Time format in results; default `ms` (epoch milliseconds; InfluxQL's default is RFC 3339). */
  epoch?: 'ns' | 'u' | 'ms' | 's' | null;
  /** InfluxQL bound parameters (`$name` in the query), sent as `params=` JSON. */
  params?: Record<string, string | number | boolean>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const WRITE_STATEMENT = /^\s*(CREATE|DROP|ALTER|DELETE|GRANT|REVOKE|KILL|SET)\b/i;

interface RawResults {
  results?: { statement_id?: number; series?: InfluxSeries[]; error?: string }[];
  error?: string;
}

/**
 * Runs InfluxQL. Resolves with one entry per statement (series empty when none matched); rejects with
 * RwError `RW_ERR_STORAGE_UNAVAILABLE` when InfluxDB cannot be reached, times out, answers 5xx or refuses
 * the credentials, and `RW_ERR_STORAGE_QUERY` when it refuses the query or a statement of it.
 */
export async function influxQuery(conn: InfluxConnection, q: string, o: InfluxQueryOptions = {}): Promise<InfluxStatementResult[]> {
  const base = new URL(conn.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const u = new URL(`${prefix}/query`, base);
  const params = new URLSearchParams();
  const db = o.db === undefined ? conn.db : o.db;
  if (db) params.set('db', db);
  const rp = o.rp === undefined ? conn.rp : o.rp;
  if (rp) params.set('rp', rp);
  const epoch = o.epoch === undefined ? 'ms' : o.epoch;
  if (epoch) params.set('epoch', epoch);
  params.set('q', q);
  if (o.params) params.set('params', JSON.stringify(o.params));
  const method = o.method ?? (WRITE_STATEMENT.test(q) ? 'POST' : 'GET');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (conn.token) headers.authorization = `Token ${conn.token}`;
  let res: Response;
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
  try {
    res = method === 'GET'
      ? await fetch(`${u.href}?${params}`, { headers, signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout })
      : await fetch(u.href, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString(), signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout });
  } catch (err) {
    throw new RwError('RW_ERR_STORAGE_UNAVAILABLE', `InfluxDB ${conn.url} unreachable: ${(err as Error).message}`, { url: conn.url });
  }
  const text = await res.text().catch(() => '');
  let body: RawResults = {};
  try { body = text ? (JSON.parse(text) as RawResults) : {}; } catch { /* not JSON: an error page */ }
  if (res.status >= 500 || res.status === 401 || res.status === 403) {
    throw new RwError('RW_ERR_STORAGE_UNAVAILABLE', `InfluxDB ${conn.url} answered ${res.status}: ${body.error ?? text.slice(0, 200)}`, { url: conn.url, status: res.status });
  }
  if (res.status >= 300 || body.error) {
    throw new RwError('RW_ERR_STORAGE_QUERY', `InfluxQL refused (${res.status}): ${body.error ?? text.slice(0, 200)}`, { status: res.status, query: q });
  }
  return (body.results ?? []).map((r, i) => {
    if (r.error) throw new RwError('RW_ERR_STORAGE_QUERY', `InfluxQL statement ${r.statement_id ?? i} refused: ${r.error}`, { statement: r.statement_id ?? i, query: q });
    return { statementId: r.statement_id ?? i, series: r.series ?? [] };
  });
}

/** Quotes an identifier for InfluxQL (`"db"`, `"measurement"`). */
export const influxIdent = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Quotes a string literal for InfluxQL (`'e1'`). Prefer bound `params` for values from users. */
export const influxString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** GET /ping: true on 204 (1.x, 2.x, 3.x all serve it). */
export async function influxPing(conn: Pick<InfluxConnection, 'url' | 'token'>, timeoutMs = 2000): Promise<boolean> {
  try {
    const base = new URL(conn.url);
    const r = await fetch(new URL(`${base.pathname.replace(/\/+$/, '')}/ping`, base), {
      headers: conn.token ? { authorization: `Token ${conn.token}` } : {}, signal: AbortSignal.timeout(timeoutMs),
    });
    await r.arrayBuffer().catch(() => undefined);
    return r.status === 204 || r.status === 200;
  } catch {
    return false;
  }
}
