// One system's session (load generator + observer children, connected) and one step: schedule, CPU and
// RSS of every process over the step, drain, counting, latency.
import type { ChildProcess } from 'node:child_process';
import { machineBusyS, mono, procStat, sleep, sleepUntil, type FromLoad, type FromObs, type LatencySummary, type LoadStepDone, type ObsReport, type StepSpec, type ToLoad, type ToObs } from './common.ts';
import { forkTs, readCounters, stopChild, type System } from './systems.ts';

export interface StepResult {
  system: string; qos: 0 | 1; rate: number; rep: number; durationS: number;
  sent: number; skipped: number;
  /** riskwatch: accepted (metrics delta); mosquitto: received by the subscriber. */
  delivered: number; received: number; loss: number;
  /** riskwatch: rejected + duplicate readings (metrics delta); expected 0. */
  rejected: number;
  achieved: number;
  /** The step's primary latency: QoS 0 publish → subscriber, QoS 1 publish → PUBACK (ms). */
  latency: LatencySummary | null;
  /** Publish → subscriber for QoS 1 too (secondary). */
  e2e: LatencySummary | null;
  lag: LatencySummary; void: boolean;
  /** % of one core over the step; `others` = every process on the machine except the bench's. */
  cpu: { system: number; load: number; observer: number; others: number }; rssMiB: number;
  disconnects: number; errors: number; drainMs: number;
  pass: boolean;
  /** Set when this is the repeat of a step that failed while other processes were busy. */
  repeated?: boolean;
}

/** Waits for the next message of a type from a child. */
function next<T extends { t: string }>(c: ChildProcess, t: T['t'], timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { c.off('message', on); reject(new Error(`${what}: no ${t} within ${timeoutMs} ms`)); }, timeoutMs);
    const on = (m: { t: string; message?: string }) => {
      if (m.t === 'fatal') { clearTimeout(timer); c.off('message', on); reject(new Error(`${what}: ${m.message}`)); }
      else if (m.t === t) { clearTimeout(timer); c.off('message', on); resolve(m as unknown as T); }
    };
    c.on('message', on);
  });
}

export class Session {
  private constructor(readonly sys: System, private readonly load: ChildProcess, private readonly obs: ChildProcess, readonly connectMs: number,
    /** The observer sees every reading (sensors/#) or a sample (one enterprise's). */
    private readonly sampled: boolean) {}

  static async open(sys: System, connections: number, boot: string, publisher: 'raw' | 'mqttjs', filter = 'sensors/#'): Promise<Session> {
    const obs = forkTs('observer.ts', 'observer');
    const load = forkTs('load.ts', 'load generator');
    try {
      const oc = next<Extract<FromObs, { t: 'connected' }>>(obs, 'connected', 30_000, `${sys.label} observer`);
      obs.send({ t: 'connect', url: sys.url, ...sys.observer, filter } satisfies ToObs);
      await oc;
      const lc = next<Extract<FromLoad, { t: 'connected' }>>(load, 'connected', 180_000, `${sys.label} load generator`);
      load.send({ t: 'connect', url: sys.url, connections, secret: sys.secret, boot, publisher } satisfies ToLoad);
      const r = await lc;
      if (r.failed > 0) throw new Error(`${sys.label}: ${r.failed} of ${connections} connections failed (${r.firstError})`);
      return new Session(sys, load, obs, r.ms, filter !== 'sensors/#');
    } catch (err) {
      await Promise.all([stopChild(load, 2000), stopChild(obs, 2000)]);
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const c of [this.load, this.obs]) if (c.connected) c.send({ t: 'close' });
    await Promise.all([this.waitExit(this.load), this.waitExit(this.obs)]);
  }
  private async waitExit(c: ChildProcess): Promise<void> {
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
    clearTimeout(t);
  }

  /** CPU (% of one core) and RSS of the system with every connection up and no load, over `ms`. */
  async idle(ms = 2000): Promise<{ cpu: number; rssMiB: number }> {
    const a = procStat(this.sys.pid);
    await sleep(ms);
    const b = procStat(this.sys.pid);
    return { cpu: a && b ? (100 * (b.cpuS - a.cpuS)) / (ms / 1000) : NaN, rssMiB: b?.rssMiB ?? NaN };
  }

  private async delivered(): Promise<{ count: number; rejected: number }> {
    if (this.sys.metricsUrl) {
      const c = await readCounters(this.sys.metricsUrl);
      return { count: c.accepted, rejected: c.rejected + c.duplicates };
    }
    return { count: await this.observed(), rejected: 0 };
  }
  private async observed(): Promise<number> {
    const p = next<Extract<FromObs, { t: 'count' }>>(this.obs, 'count', 10_000, 'observer');
    this.obs.send({ t: 'count' } satisfies ToObs);
    return (await p).received;
  }

  async step(o: { id: number; qos: 0 | 1; rate: number; durationMs: number; seqBase: number; rep: number; maxDrainMs: number; p99LimitMs: number; maxLagMs: number }): Promise<StepResult> {
    const n = Math.round((o.rate * o.durationMs) / 1000);
    const spec: StepSpec = { id: o.id, qos: o.qos, rate: o.rate, durationMs: o.durationMs, t0: mono() + 400, seqBase: o.seqBase, drainMs: o.maxDrainMs };
    const ready = next(this.obs, 'ready', 10_000, 'observer');
    this.obs.send({ t: 'step', spec } satisfies ToObs);
    await ready;
    const before = await this.delivered();
    const done = next<LoadStepDone>(this.load, 'stepDone', o.durationMs + o.maxDrainMs + 30_000, 'load generator');
    this.load.send({ t: 'step', spec } satisfies ToLoad);
    const pids = { system: this.sys.pid, load: this.load.pid!, observer: this.obs.pid!, self: process.pid };
    const sample = () => ({ system: procStat(pids.system), load: procStat(pids.load), observer: procStat(pids.observer), self: procStat(pids.self), busy: machineBusyS() });
    await sleepUntil(spec.t0);
    const s0 = sample();
    await sleepUntil(spec.t0 + o.durationMs);
    const s1 = sample();
    const cpu = (k: keyof typeof pids) => (s0[k] && s1[k] ? (100 * (s1[k]!.cpuS - s0[k]!.cpuS)) / (o.durationMs / 1000) : NaN);
    const others = (100 * (s1.busy - s0.busy)) / (o.durationMs / 1000) - cpu('system') - cpu('load') - cpu('observer') - cpu('self');

    // Drain: until everything sent is counted (and, on riskwatch, forwarded), or nothing moves for 2 s.
    const ld = await done;
    const drainStart = mono();
    let last = -1, lastMove = mono(), count = 0, rejected = 0, seen = 0, prevSeen = -1;
    for (;;) {
      const d = await this.delivered();
      count = d.count - before.count;
      rejected = d.rejected - before.rejected;
      prevSeen = seen;
      seen = this.sys.metricsUrl ? await this.observed() : count;
      const progress = count + seen;
      if (progress !== last) { last = progress; lastMove = mono(); }
      const forwarded = this.sampled ? seen === prevSeen : seen >= count;
      if ((count + rejected >= ld.sent && forwarded) || mono() - lastMove > 2000 || mono() - drainStart > o.maxDrainMs) break;
      await sleep(100);
    }
    const drainMs = mono() - drainStart;
    const rp = next<ObsReport>(this.obs, 'report', 10_000, 'observer');
    this.obs.send({ t: 'report' } satisfies ToObs);
    const rep = await rp;
    const rss = procStat(pids.system)?.rssMiB ?? NaN;

    const delivered = count;
    const loss = n - delivered;
    const spanMs = Math.max(o.durationMs, rep.lastAt > 0 ? rep.lastAt - spec.t0 : o.durationMs);
    const latency = o.qos === 1 ? ld.puback : rep.latency;
    const voided = ld.lag.mean > o.maxLagMs;
    const lost = loss > 0 || (o.qos === 1 && ld.acked < n);
    return {
      system: this.sys.label, qos: o.qos, rate: o.rate, rep: o.rep, durationS: o.durationMs / 1000,
      sent: ld.sent, skipped: ld.skipped, delivered, received: rep.received, loss, rejected,
      achieved: (delivered * 1000) / spanMs, latency, e2e: rep.latency, lag: ld.lag, void: voided,
      cpu: { system: cpu('system'), load: cpu('load'), observer: cpu('observer'), others: Math.max(0, others) }, rssMiB: rss,
      disconnects: ld.disconnects, errors: ld.errors + ld.ackErrors, drainMs,
      pass: !voided && !lost && latency !== null && latency.p99 <= o.p99LimitMs,
    };
  }
}
