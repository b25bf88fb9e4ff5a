// Sends one batch of lines to InfluxDB and says what InfluxDB did with it (docs/storage.md). The batch goes
// through the official client's write path (`/api/v2/write?org&bucket=db[/rp]&precision=ns`, the client's
// Transport contract and its HttpError) onto V1Transport, which rewrites it to the v1-compatible `/write` —
// the same requests the client's WriteApi makes (transport.test.ts writes through a WriteApi too). The
// WriteApi object itself is not used on this path: its retry buffer drops the oldest lines when full (replay
// belongs to the caller's durable cursor), and its per-line bookkeeping (UTF-8 length of every line, copies of
// the buffer) cost ~0.5 µs per line, about as much as the whole request otherwise (bench:storage; the target
// is 100k points/s on ≤ 0.3 core). One call = one request = one batch, so the answer is that batch's own.
import { HttpError, type SendOptions } from '@influxdata/influxdb-client';
import { influxQuery, influxIdent, V1Transport, type InfluxConnection } from './transport.ts';

export type SendResult =
  /** 204: every line is in. */
  | { kind: 'ok'; written: number }
  /** 4xx for lines of the batch (field type conflict, unparsable line): the others are in (a partial write)
   * or none is; retrying would fail the same way, so the caller counts them and moves on. */
  | { kind: 'rejected'; written: number; rejected: number; status: number; message: string }
  /** Nothing known to be in: unreachable, timeout, 5xx, 429, auth refused, database missing, body too large. */
  | { kind: 'retry'; status: number | null; message: string; tooLarge: boolean; missingDatabase: boolean };

export interface SenderOptions {
  /** Requests in flight at most (sockets kept open). */
  maxInFlight: number;
  /** Lines per batch at most (callers keep to it; a 413 answer makes the pipeline halve its batches). */
  maxBatchLines: number;
  timeoutMs?: number;
}

/** Statuses after which the same lines may succeed later: the batch stays in the journal and is retried. */
const RETRY_STATUSES = new Set([401, 403, 404, 408, 413, 425, 429]);

/** What a failed write means for its lines (see SendResult). Pure, so the table is testable. */
export function classifyWriteError(err: unknown, lines: number): SendResult {
  if (!(err instanceof HttpError)) return { kind: 'retry', status: null, message: (err as Error)?.message ?? String(err), tooLarge: false, missingDatabase: false };
  const status = err.statusCode;
  const json = err.json as { error?: string; message?: string; data?: unknown[] } | undefined;
  const message = json?.error ?? json?.message ?? err.body ?? err.message;
  if (status >= 500 || RETRY_STATUSES.has(status)) {
    return { kind: 'retry', status, message, tooLarge: status === 413, missingDatabase: status === 404 && /not found/i.test(message) };
  }
  // 1.x: "partial write: field type conflict: … dropped=1", "partial write: unable to parse '…': … dropped=0";
  // 2.x the same text with 422; 3.x a `data` array with one entry per refused line.
  let rejected = lines;
  if (/partial write/i.test(message)) {
    const dropped = /dropped=(\d+)/.exec(message);
    const unparsed = message.match(/unable to parse/gi)?.length ?? 0;
    rejected = Math.min(lines, (dropped ? Number(dropped[1]) : 0) + unparsed);
    if (Array.isArray(json?.data)) rejected = Math.min(lines, json.data.length);
    if (rejected === 0) rejected = Math.min(lines, 1);
  }
  return { kind: 'rejected', written: lines - rejected, rejected, status, message };
}

export class InfluxSender {
  readonly transport: V1Transport;
  /** The client's v2 write path; V1Transport maps it onto /write. */
  private readonly path: string;
  private readonly options: SendOptions = { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } };

  constructor(readonly conn: InfluxConnection, o: SenderOptions) {
    this.transport = new V1Transport(conn, { maxSockets: o.maxInFlight, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}) });
    const bucket = conn.rp ? `${conn.db}/${conn.rp}` : conn.db;
    this.path = `/api/v2/write?org=${encodeURIComponent(conn.org ?? '')}&bucket=${encodeURIComponent(bucket)}&precision=ns`;
  }

  /**
   * Writes one batch; never rejects. When InfluxDB refuses the batch as a whole for some of its lines (1.x
   * answers a bare "field type conflict" when the conflicting values meet inside one batch, and writes none of
   * it), the halves are sent again, recursively, so only the offending lines are lost: 2 · log₂(batch)
   * requests per bad line at most, and only then.
   */
  async send(lines: string[]): Promise<SendResult> {
    const r = await this.sendOnce(lines);
    if (r.kind !== 'rejected' || r.written > 0 || lines.length < 2) return r;
    const mid = lines.length >> 1;
    const a = await this.send(lines.slice(0, mid));
    if (a.kind === 'retry') return a;
    const b = await this.send(lines.slice(mid));
    if (b.kind === 'retry') return b;
    const rejected = (a.kind === 'rejected' ? a.rejected : 0) + (b.kind === 'rejected' ? b.rejected : 0);
    return rejected === 0
      ? { kind: 'ok', written: lines.length }
      : { kind: 'rejected', written: lines.length - rejected, rejected, status: r.status, message: r.message };
  }

  private sendOnce(lines: string[]): Promise<SendResult> {
    if (lines.length === 0) return Promise.resolve({ kind: 'ok', written: 0 });
    return new Promise((resolve) => {
      let status = 0;
      this.transport.send(this.path, lines.join('\n'), this.options, {
        responseStarted: (_headers, code) => { status = code ?? 0; },
        error: (err) => resolve(classifyWriteError(err, lines.length)),
        complete: () => resolve(status >= 200 && status < 300
          ? { kind: 'ok', written: lines.length }
          : classifyWriteError(new HttpError(status, `unexpected status ${status}`), lines.length)),
      });
    });
  }

  /** `CREATE DATABASE` (idempotent on 1.x). 2.x and 3.x refuse it over /query (the bucket and its DBRP
   * mapping, or the 3.x database, are made by their own tools; a write-only token may not query at all):
   * any HTTP answer below 500 is taken as "exists or not ours to create". Throws RW_ERR_STORAGE_UNAVAILABLE
   * when InfluxDB cannot be reached or answers 5xx. */
  async ensureDatabase(): Promise<'created' | 'refused'> {
    try {
      await influxQuery(this.conn, `CREATE DATABASE ${influxIdent(this.conn.db)}`, { db: null, method: 'POST', epoch: null, timeoutMs: 10_000 });
      return 'created';
    } catch (err) {
      const e = err as { code?: string; details?: { status?: unknown } };
      if (e.code === 'RW_ERR_STORAGE_QUERY' || (typeof e.details?.status === 'number' && e.details.status < 500)) return 'refused';
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}
