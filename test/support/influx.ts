// A real influxd for a test (Debian's 1.6.7 from PATH): its own spare ports and data dir, stopped and
// removed by `cleanup`. `restart` starts it again on the same port and dir (outage tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxd, type RunningInfluxd } from '../../storage/influx/influxd.ts';
import { influxQuery, type InfluxConnection } from '../../storage/influx/transport.ts';
import { freePort } from './ports.ts';

export interface TestInfluxd {
  conn: InfluxConnection;
  dir: string;
  port: number;
  readonly running: RunningInfluxd | null;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Values of one column of a query's first series (or all series, concatenated). */
  column<T = unknown>(q: string, column: string): Promise<T[]>;
  /** count(field) over a measurement (0 when it has no points yet). */
  count(measurement: string, field: string, where?: string): Promise<number>;
  cleanup(): Promise<void>;
}

export async function startTestInfluxd(db = 'riskwatch'): Promise<TestInfluxd> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  let running: RunningInfluxd | null = await startInfluxd({ dir, port, rpcPort });
  const conn: InfluxConnection = { url: running.url, token: null, db, rp: null, org: null };
  const t: TestInfluxd = {
    conn, dir, port,
    get running() { return running; },
    stop: async () => { await running?.stop(); running = null; },
    kill: async () => { await running?.kill(); running = null; },
    restart: async () => { await running?.stop(); running = await startInfluxd({ dir, port, rpcPort }); },
    column: async <T>(q: string, column: string): Promise<T[]> => {
      const out: T[] = [];
      for (const st of await influxQuery(conn, q)) {
        for (const s of st.series) {
          const i = s.columns.indexOf(column);
          if (i < 0) throw new Error(`no column ${column} in ${s.columns.join(',')}`);
          for (const row of s.values) out.push(row[i] as T);
        }
      }
      return out;
    },
    count: async (measurement, field, where) => {
      const v = await t.column<number>(`SELECT count("${field}") FROM "${measurement}"${where ? ` WHERE ${where}` : ''}`, 'count');
      return v.reduce((a, b) => a + b, 0);
    },
    cleanup: async () => { await running?.stop(); running = null; rmSync(dir, { recursive: true, force: true }); },
  };
  return t;
}
