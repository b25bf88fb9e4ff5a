// The InfluxDB writer (docs/storage.md): readings and alert events into InfluxDB, behind on an outage,
// never lossy. Two feeds, each with its own durable cursor:
// - readings: the ingest journal's pull consumer `influx`, written by a worker thread (reading-worker.ts)
//   that reads the journal with its own connection. The main thread only persists the acks the worker posts
//   (JournalConsumer.ack): a slow or dead InfluxDB never delays ingest or the `rules` consumer, and the
//   cursor holds the journal back (riskwatch_spool_bytes; at 80 % of the limit the kind: system spool alert).
// - alert events: the alert store's event feed, cursor `influx` in alerts.db, written on this thread (a few
//   events per second at most; pages of 500), kicked by the alert manager's commits.
// A thin shell: pipeline.ts decides what to send and when to ack; this wires threads, cursors and logs.
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Journal, JournalConsumer } from '../../ingest/journal.ts';
import type { AlertStore, FeedEvent } from '../../rules/alerts/store.ts';
import { startTsWorker } from '../ts-worker.ts';
import { FeedPipeline, type PipelineEvent, type PipelineStats } from './pipeline.ts';
import type { ReadingWorkerConfig, ReadingWorkerIn, ReadingWorkerOut, WriterTuning } from './reading-protocol.ts';
import { ALERT_EVENT, READING, alertEventLine, type SeriesInfo } from './schema.ts';
import { InfluxSender } from './sender.ts';
import type { InfluxConnection } from './transport.ts';

/** The journal consumer and the alert-feed cursor of the writer. */
export const INFLUX_CONSUMER = 'influx';

export const DEFAULT_TUNING: WriterTuning = {
  batchLines: 5000, maxInFlight: 2, lingerMs: 50, pollMs: 100, retryMinMs: 1000, retryMaxMs: 10_000, timeoutMs: 30_000, statsMs: 1000,
};

export type AlertFeedSource = Pick<AlertStore, 'eventFeed' | 'lastFeedSeq' | 'feedCursor' | 'saveFeedCursor'>;

export interface InfluxWriterOptions {
  conn: InfluxConnection;
  journal: Pick<Journal, 'consumer' | 'stats'>;
  /** The journal's SQLite file, for the worker's own read connection. */
  journalPath: string;
  /** Sensor type and county per sensor, from the registry (re-sent on `seriesChanged`). */
  series: () => SeriesInfo[];
  /** The alert store's event feed; null writes readings only. */
  alerts: AlertFeedSource | null;
  /** Live commits from the journal's writer thread (SqliteJournal.tap); without it the worker polls the journal. */
  liveTap?: () => MessagePort;
  clock: Clock;
  log: Logger;
  tuning?: Partial<WriterTuning>;
}

/** One measurement's row for /metrics (api/metrics.ts). */
export interface StorageMeasurementStats {
  measurement: string;
  written: number;
  rejected: number;
  failures: number;
  /** Entries not yet in InfluxDB (journal positions after the cursor: approximate, positions have gaps). */
  backlog: number;
  /** Age of the oldest entry not yet in InfluxDB, seconds (0 when caught up). */
  lagSeconds: number;
  up: boolean;
}

const ZERO_STATS = (name: string, acked: number): PipelineStats => ({
  name, acked, written: 0, rejected: 0, failures: 0, up: true, outageSince: null, lastWriteAt: null, inFlight: 0, batchLines: 0,
});

export class InfluxWriter {
  private readonly tuning: WriterTuning;
  private consumer!: JournalConsumer;
  private worker: Worker | null = null;
  private workerStats: PipelineStats;
  private oldestUnwrittenAt: number | null = null;
  /** Counters of earlier worker incarnations (a crashed worker is restarted from the cursor). */
  private base = { written: 0, rejected: 0, failures: 0 };
  private restartTimer: TimerHandle | null = null;
  private restarts = 0;
  /** The readings thread's OS thread id (benchmarks read its CPU from /proc), once it is up. */
  workerTid: number | null = null;
  private stopping = false;
  private alerts: FeedPipeline<FeedEvent> | null = null;
  private alertSender: InfluxSender | null = null;
  /** Distinct refusals already logged (by message shape), so each is logged once. */
  private readonly loggedRejections = new Set<string>();

  constructor(private readonly o: InfluxWriterOptions) {
    this.tuning = { ...DEFAULT_TUNING, ...o.tuning };
    this.workerStats = ZERO_STATS(READING, 0);
  }

  async start(): Promise<void> {
    this.consumer = this.o.journal.consumer(INFLUX_CONSUMER);
    this.workerStats = ZERO_STATS(READING, this.consumer.pos);
    await this.startWorker();
    const feed = this.o.alerts;
    if (feed) {
      const sender = new InfluxSender(this.o.conn, { maxInFlight: 1, maxBatchLines: 500, timeoutMs: this.tuning.timeoutMs });
      this.alertSender = sender;
      this.alerts = new FeedPipeline({
        name: ALERT_EVENT,
        startPos: feed.feedCursor(INFLUX_CONSUMER),
        read: (after, limit) => feed.eventFeed(after, limit),
        posOf: (e) => e.seq,
        line: (e) => alertEventLine(e.transition, e.seq),
        send: (lines) => sender.send(lines),
        prepare: () => sender.ensureDatabase(),
        ack: (pos) => feed.saveFeedCursor(INFLUX_CONSUMER, pos),
        clock: this.o.clock,
        batchLines: 500,
        maxInFlight: 1,
        lingerMs: 100,
        pollMs: 5000,
        retryMinMs: this.tuning.retryMinMs,
        retryMaxMs: this.tuning.retryMaxMs,
        onEvent: (e) => this.onEvent(e),
      });
      this.alerts.start();
    }
  }

  /** The registry changed: the worker gets the new sensor types and counties. */
  seriesChanged(): void {
    this.post({ t: 'series', series: this.o.series() });
  }

  /** Alert events were committed. */
  alertsCommitted(): void {
    this.alerts?.notify();
  }

  stats(): StorageMeasurementStats[] {
    const now = this.o.clock.now();
    const w = this.workerStats;
    const lastPos = this.o.journal.stats().lastPos;
    const acked = this.consumer?.pos ?? w.acked;
    const rows: StorageMeasurementStats[] = [{
      measurement: READING,
      written: this.base.written + w.written,
      rejected: this.base.rejected + w.rejected,
      failures: this.base.failures + w.failures,
      backlog: Math.max(0, lastPos - acked),
      lagSeconds: acked < lastPos && this.oldestUnwrittenAt !== null ? Math.max(0, (now - this.oldestUnwrittenAt) / 1000) : 0,
      up: w.up && this.worker !== null,
    }];
    const feed = this.o.alerts;
    if (this.alerts && feed) {
      const a = this.alerts.stats();
      const last = feed.lastFeedSeq();
      let lag = 0;
      if (a.acked < last) {
        const next = feed.eventFeed(a.acked, 1)[0];
        const at = next ? Date.parse(next.transition.at) : NaN;
        lag = Number.isFinite(at) ? Math.max(0, (now - at) / 1000) : 0;
      }
      rows.push({ measurement: ALERT_EVENT, written: a.written, rejected: a.rejected, failures: a.failures, backlog: Math.max(0, last - a.acked), lagSeconds: lag, up: a.up });
    }
    return rows;
  }

  /** Stops both feeds: batches in flight get `timeoutMs` to land (and be acked), then the worker ends. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    this.restartTimer?.cancel();
    await this.alerts?.stop(timeoutMs);
    this.alertSender?.close();
    const w = this.worker;
    if (!w) return;
    const stopped = new Promise<void>((resolve) => {
      w.on('message', (m: ReadingWorkerOut) => { if (m.t === 'stopped') resolve(); });
      w.once('exit', () => resolve());
    });
    this.post({ t: 'stop', timeoutMs });
    const t = setTimeout(() => void w.terminate(), timeoutMs + 2000);
    await stopped;
    clearTimeout(t);
    await w.terminate();
    this.worker = null;
  }

  private post(m: ReadingWorkerIn): void {
    this.worker?.postMessage(m);
  }

  private startWorker(): Promise<void> {
    const tap = this.o.liveTap?.() ?? null;
    const cfg: ReadingWorkerConfig = {
      journalPath: this.o.journalPath, conn: this.o.conn, startPos: this.consumer.pos, series: this.o.series(), tuning: this.tuning, tap,
    };
    const w = startTsWorker(new URL('./reading-worker.ts', import.meta.url), { workerData: cfg, transferList: tap ? [tap] : [] });
    this.worker = w;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      w.on('message', (m: ReadingWorkerOut) => {
        switch (m.t) {
          case 'ready': ready = true; this.restarts = 0; this.workerTid = m.tid; resolve(); return;
          case 'ack': this.consumer.ack(m.pos); return;
          case 'event': this.onEvent(m.event); return;
          case 'stats': this.workerStats = m.stats; this.oldestUnwrittenAt = m.oldestUnwrittenAt; return;
          case 'stopped': return;
        }
      });
      w.on('error', (err) => {
        if (!ready) { reject(err); return; }
        this.o.log.error({ err: err.message, code: 'RW_ERR_INTERNAL' }, 'InfluxDB 写入线程异常退出，将从游标处重启 · InfluxDB writer thread failed; restarting from its cursor');
      });
      w.on('exit', () => {
        if (this.worker !== w) return;
        this.worker = null;
        if (this.stopping) return;
        this.base.written += this.workerStats.written;
        this.base.rejected += this.workerStats.rejected;
        this.base.failures += this.workerStats.failures;
        this.workerStats = ZERO_STATS(READING, this.consumer.pos);
        const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
        this.restartTimer = this.o.clock.setTimeout(() => {
          if (this.stopping) return;
          this.startWorker().catch((err: unknown) => this.o.log.error({ err: (err as Error).message }, 'InfluxDB 写入线程重启失败 · InfluxDB writer thread failed to restart'));
        }, delay);
      });
    });
  }

  private onEvent(e: PipelineEvent): void {
    const log = this.o.log;
    switch (e.type) {
      case 'outage':
        log.warn({ measurement: e.name, status: e.status, err: e.message, code: 'RW_ERR_STORAGE_UNAVAILABLE' },
          'InfluxDB 写入失败：数据保留在日志中，恢复后按顺序补写 · InfluxDB write failed: data waits in the journal and is written in order once InfluxDB is back');
        return;
      case 'retry':
        log.debug({ measurement: e.name, attempt: e.attempt, delayMs: e.delayMs, status: e.status, err: e.message }, 'InfluxDB retry');
        return;
      case 'recovered':
        log.info({ measurement: e.name, outageS: Math.round(e.outageMs / 1000), failures: e.failures },
          'InfluxDB 已恢复，正在补写积压数据 · InfluxDB is back; writing the backlog');
        return;
      case 'rejected': {
        const shape = `${e.name}|${e.status}|${e.message.replace(/\d+/g, '#').replace(/'[^']*'/g, "'…'").slice(0, 200)}`;
        const first = !this.loggedRejections.has(shape) && this.loggedRejections.size < 100;
        if (first) this.loggedRejections.add(shape);
        (first ? log.warn.bind(log) : log.debug.bind(log))({ measurement: e.name, status: e.status, rejected: e.rejected, err: e.message, code: 'RW_ERR_STORAGE_REJECTED' },
          'InfluxDB 拒收部分数据点（已计数并跳过）· InfluxDB refused points (counted and skipped)');
        return;
      }
      case 'batch_shrunk':
        log.warn({ measurement: e.name, batchLines: e.batchLines }, 'InfluxDB 请求过大，批量减半 · InfluxDB refused the request size; batches halved');
        return;
      case 'error':
        log.error({ measurement: e.name, err: e.message }, 'InfluxDB 写入读取失败 · InfluxDB writer could not read its feed');
        return;
    }
  }
}
