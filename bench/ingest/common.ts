// Shared by the ingest benchmark's processes: the clock, the registry layout, the wire messages between
// the orchestrator (run.ts) and its children (load.ts, observer.ts), and latency summaries.
import { readFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';

/** CLOCK_MONOTONIC in ms (float): one clock for every process on the machine, unlike timeOrigin. */
export const mono = (): number => Number(process.hrtime.bigint()) / 1e6;

// ---- layout: 1,000 devices × 10 sensors, one enterprise per 100 devices, one site per 10 devices ----
export const SENSORS_PER_DEVICE = 10;
export const DEVICES_PER_ENTERPRISE = 100;
export const DEVICES_PER_SITE = 10;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
export const enterpriseOf = (d: number): string => `bench-e${pad(Math.floor(d / DEVICES_PER_ENTERPRISE), 2)}`;
export const siteOf = (d: number): string => `plant-${pad(Math.floor((d % DEVICES_PER_ENTERPRISE) / DEVICES_PER_SITE), 2)}`;
export const deviceOf = (d: number): string => `gds-${pad(d, 4)}`;
export const sensorOf = (d: number, k: number): string => `lel-${pad(d, 4)}-${k}`;
export const usernameOf = (d: number): string => `${enterpriseOf(d)}.${deviceOf(d)}`;
export const topicOf = (d: number, k: number): string => `sensors/${enterpriseOf(d)}/${siteOf(d)}/${sensorOf(d, k)}`;

// ---- messages ---------------------------------------------------------------------------------------
export interface StepSpec {
  id: number;
  qos: 0 | 1;
  /** Offered readings per second, spread over all connections. */
  rate: number;
  durationMs: number;
  /** Monotonic ms of the first intended send. Reading i is due at t0 + i * 1000 / rate. */
  t0: number;
  /** seq of reading 0 of the step; seq increases by one per reading over the whole run. */
  seqBase: number;
  /** How long the load generator waits for outstanding PUBACKs after the last publish. */
  drainMs: number;
}

export interface LatencySummary { n: number; p50: number; p99: number; p999: number; max: number; mean: number }

export interface LoadConnect { t: 'connect'; url: string; connections: number; secret: string | null; boot: string; publisher: 'raw' | 'mqttjs' }
export interface LoadStep { t: 'step'; spec: StepSpec }
export type ToLoad = LoadConnect | LoadStep | { t: 'close' };
export interface LoadStepDone {
  t: 'stepDone'; id: number; sent: number; skipped: number; acked: number; ackErrors: number;
  /** Publish → PUBACK (QoS 1), ms. */
  puback: LatencySummary | null;
  /** How far behind schedule each publish left (ms): mean, p99, max. */
  lag: LatencySummary;
  disconnects: number; errors: number;
}
export type FromLoad = { t: 'connected'; n: number; ms: number; failed: number; firstError: string | null } | LoadStepDone | { t: 'fatal'; message: string };

export interface ObsConnect { t: 'connect'; url: string; username?: string; password?: string; clientId: string; filter: string }
export type ToObs = ObsConnect | { t: 'step'; spec: StepSpec } | { t: 'count' } | { t: 'report' } | { t: 'close' };
export interface ObsReport {
  t: 'report'; id: number; received: number; outOfStep: number;
  /** Monotonic ms of the last receipt that belonged to the step. */
  lastAt: number;
  latency: LatencySummary | null;
}
export type FromObs = { t: 'connected' } | { t: 'ready' } | { t: 'count'; received: number } | ObsReport | { t: 'fatal'; message: string };

// ---- latency: HDR histograms in µs, summaries in ms -------------------------------------------------
export function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMs(h: hdr.Histogram, ms: number): void {
  h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))));
}

export function summarize(h: hdr.Histogram): LatencySummary | null {
  if (h.totalCount === 0) return null;
  const at = (p: number) => h.getValueAtPercentile(p) / 1000;
  return { n: h.totalCount, p50: at(50), p99: at(99), p999: at(99.9), max: h.maxValue / 1000, mean: h.mean / 1000 };
}

// ---- /proc ------------------------------------------------------------------------------------------
const CLK_TCK = 100;

/** CPU seconds (user + system, all threads) and RSS (MiB) of a process, or null once it is gone. */
export function procStat(pid: number): { cpuS: number; rssMiB: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3 (index 0 here); utime 14 → index 11, stime 15 → 12, rss 24 → 21.
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuS, rssMiB: rssKb / 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds all cores spent busy since boot (/proc/stat): with our processes' CPU it gives the
 * neighbours' share, the noise of a shared machine. */
export function machineBusyS(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
export const sleepUntil = (monoMs: number): Promise<void> => sleep(monoMs - mono());
