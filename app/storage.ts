// Composition of the storage part: which InfluxDB (architecture.md "Embedded default"), the journal consumer
// that holds readings for it, and the writers; called by the composition root (app/platform.ts), which owns
// start and stop order.
//
// - `platform.influx.url` (RISKWATCH_INFLUX_URL) set: that InfluxDB (1.x, 2.x with token + DBRP, 3.x).
// - else, `influx.managed` (default) and `influxd` on PATH: a managed local influxd on 127.0.0.1 under
//   {dataDir}/influxdb on `influx.port` (8086; when busy, logged and a free one is used), stopped with the
//   platform (and by the kernel when the platform is killed).
// - else: history and Grafana are off, said plainly; the `influx` journal consumer is released so that
//   a journal that once fed InfluxDB is not held back by it.
import { createServer } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Journal } from '../ingest/journal.ts';
import type { CompiledRegistry } from '../storage/registry/compile.ts';
import { findInfluxd, startInfluxd, type RunningInfluxd } from '../storage/influx/influxd.ts';
import { ALERT_EVENT, READING, type SeriesInfo } from '../storage/influx/schema.ts';
import type { InfluxConnection } from '../storage/influx/transport.ts';
import { INFLUX_CONSUMER, InfluxWriter, type AlertFeedSource, type StorageMeasurementStats } from '../storage/influx/writer.ts';
import type { PlatformConfig } from './config.ts';

export type InfluxMode = 'configured' | 'managed' | 'off';

export interface StoragePart {
  mode: InfluxMode;
  /** The InfluxDB in use (null when off). */
  conn: InfluxConnection | null;
  influxd: RunningInfluxd | null;
  writer: InfluxWriter | null;
  /** Starts the writers (readings from the journal, alert events from the store's feed). */
  startWriters(alerts: AlertFeedSource | null): Promise<void>;
  seriesChanged(): void;
  alertsCommitted(): void;
  metrics(): { enabled: boolean; rows: StorageMeasurementStats[] };
  stopWriters(): Promise<void>;
  stopInfluxd(): Promise<void>;
}

export interface StorageDeps {
  cfg: PlatformConfig;
  journal: Journal;
  journalPath: string;
  /** Live commits from the journal's writer thread to the readings writer's thread (SqliteJournal.tap). */
  liveTap?: () => MessagePort;
  registry: () => CompiledRegistry;
  clock: Clock;
  log: Logger;
}

/** Sensor type, county and nominal interval per sensor (the tags and fields the registry adds to a reading). */
export function seriesOf(view: CompiledRegistry): SeriesInfo[] {
  const out: SeriesInfo[] = [];
  for (const s of view.sensors.values()) {
    out.push({
      enterpriseId: s.enterpriseId, siteId: s.siteId, sensorId: s.sensorId, type: s.info.type,
      county: view.enterprises.get(s.enterpriseId)?.county ?? '', intervalS: s.intervalS,
    });
  }
  return out;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const a = srv.address(); const p = typeof a === 'object' && a ? a.port : 0; srv.close(() => resolve(p)); });
  });
}

/** The preferred HTTP port and the next one (influxd's RPC port) when both are free; otherwise a free pair. */
async function influxdPorts(preferred: number): Promise<{ port: number; busy: boolean }> {
  if (preferred > 0 && preferred < 65535 && (await portFree(preferred)) && (await portFree(preferred + 1))) return { port: preferred, busy: false };
  for (let i = 0; i < 20; i++) {
    const p = await anyFreePort();
    if (p < 65535 && (await portFree(p + 1))) return { port: p, busy: preferred > 0 };
  }
  throw new Error('no free port pair for the managed influxd');
}

const zeroRows = (): StorageMeasurementStats[] => [READING, ALERT_EVENT].map((measurement) => ({
  measurement, written: 0, rejected: 0, failures: 0, backlog: 0, lagSeconds: 0, up: false,
}));

/** Decides which InfluxDB (starting a managed influxd when that is the one) and declares or releases the
 * journal consumer; call right after the journal starts, before ingest accepts anything. */
export async function prepareStorage(d: StorageDeps): Promise<StoragePart> {
  const { cfg, log } = d;
  const ic = cfg.influx;
  let mode: InfluxMode = 'off';
  let url: string | null = null;
  let influxd: RunningInfluxd | null = null;
  if (ic.url) {
    mode = 'configured';
    url = ic.url;
  } else if (ic.managed && findInfluxd()) {
    const { port, busy } = await influxdPorts(ic.port);
    if (busy) log.warn({ port: ic.port, using: port }, `influxd 端口 ${ic.port} 已被占用，改用 ${port} · port ${ic.port} is busy: the managed influxd uses ${port}`);
    const dir = join(cfg.dataDir, 'influxdb');
    try {
      influxd = await startInfluxd({ dir, port, rpcPort: port + 1, dieWithParent: true });
      mode = 'managed';
      url = influxd.url;
      log.info({ url, dir }, '历史数据写入本机 influxd（Debian 的 1.6.7 仅供本地使用）· history: managed local influxd on loopback (Debian\'s 1.6.7 is for local use only)');
    } catch (err) {
      log.error({ err: (err as Error).message, dir }, 'influxd 启动失败：历史曲线和 Grafana 不可用 · the managed influxd did not start: history and Grafana are off');
    }
  }
  if (mode === 'off' && !ic.url) {
    log.warn(ic.managed
      ? '未配置 InfluxDB，PATH 中也没有 influxd：历史曲线和 Grafana 不可用（设置 RISKWATCH_INFLUX_URL 或安装 influxdb）· no InfluxDB configured and no influxd on PATH: history and Grafana are off (set RISKWATCH_INFLUX_URL or install influxdb)'
      : 'InfluxDB 已关闭：历史曲线和 Grafana 不可用 · InfluxDB is off: history and Grafana are off');
  }
  const conn: InfluxConnection | null = url ? { url, token: ic.token, db: ic.db, rp: ic.rp, org: ic.org } : null;
  if (conn) d.journal.declareConsumer(INFLUX_CONSUMER);
  else d.journal.releaseConsumer(INFLUX_CONSUMER);

  let writer: InfluxWriter | null = null;
  return {
    mode, conn, influxd,
    get writer() { return writer; },
    async startWriters(alerts) {
      if (!conn) return;
      writer = new InfluxWriter({
        conn, journal: d.journal, journalPath: d.journalPath, series: () => seriesOf(d.registry()), alerts, clock: d.clock, log,
        ...(d.liveTap ? { liveTap: d.liveTap } : {}),
        tuning: { batchLines: ic.batchLines, maxInFlight: ic.maxInFlight, pollMs: ic.pollMs, retryMaxMs: ic.retryMaxMs },
      });
      await writer.start();
    },
    seriesChanged: () => writer?.seriesChanged(),
    alertsCommitted: () => writer?.alertsCommitted(),
    metrics: () => ({ enabled: conn !== null, rows: writer ? writer.stats() : zeroRows() }),
    stopWriters: async () => { await writer?.stop(); },
    stopInfluxd: async () => { await influxd?.stop(); },
  };
}
