// Outbox → MQTT (contract.md "Alerts (MQTT, out of the platform)", "Delivery"). Every stored transition is
// published as one event on `alerts/…` (QoS 1, not retained), then the alert as it is now is retained on
// `alert-state/…` (an empty retained payload once archived, which clears it), then the outbox row is marked.
//
// Contract:
// - Rows are issued strictly in outbox order, several in flight at once (up to `window`): a broker completes a
//   QoS 1 publish only a turn or two of its event loop later (aedes: a setImmediate per delivery), so one row
//   at a time would cap the rate at a row per couple of turns and a burst would queue for hundreds of ms.
// - A row of an alert that still has a row in flight is not issued (nor any row after it) until that one
//   is done, so the events of one alert keep their version order even when a publish fails.
// - A failed publish stops issuing; once the rows in flight are settled, the outbox is marked up to the last
//   row before the first failure and the same row is tried again after a backoff on the injected clock
//   (1 s doubling to 60 s). A row is never skipped.
// - At least once: a crash between publishing and `markPublished` publishes the row again on the next start,
//   and so does a retry for rows after the failed one that had already gone out; subscribers order and dedupe
//   by (id, version).
// - `kick()` (the manager calls it after each commit) coalesces the commits of one task (a journal batch, an
//   API action) into one pass, run as soon as that task is done (process.nextTick: the broker's own
//   setImmediate then still falls in the same turn of the event loop), and is ignored during a backoff (the
//   retry drains everything pending), so a broker outage is not hammered at the commit rate.
import type { Alert, Transition } from '../../core/alert.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { levelFromName, levelNo } from '../../core/level.ts';
import type { AlertStore, OutboxRow } from './store.ts';
import type { StoredAlert } from './types.ts';

/** The alert as shown outside (HTTP API, retained alert-state/…): the contract's Alert plus what an operator
 * needs to read it; never the lifecycle's bookkeeping (deadlines in ms, lastPos, flap counters …). */
export interface AlertView extends Alert {
  levelNo: 1 | 2 | 3 | 4;
  verdict: StoredAlert['verdict'];
  clearReason: StoredAlert['clearReason'];
  flapping: boolean;
}

export function alertView(a: StoredAlert): AlertView {
  return {
    id: a.id, version: a.version, kind: a.kind, level: a.level, levelNo: levelNo(levelFromName(a.level)) ?? 4,
    nativeAlarm: a.nativeAlarm, condition: a.condition, handling: a.handling, retrospective: a.retrospective,
    enterpriseId: a.enterpriseId, siteId: a.siteId, sensorId: a.sensorId, metric: a.metric, parentId: a.parentId,
    rule: a.rule, ruleVersion: a.ruleVersion, thresholdSource: a.thresholdSource,
    value: a.value, threshold: a.threshold, unit: a.unit,
    ackByEnterprise: a.ackByEnterprise, ackByCentre: a.ackByCentre, deadline: a.deadline, tier: a.tier,
    message: a.message, raisedAt: a.raisedAt,
    verdict: a.verdict, clearReason: a.clearReason, flapping: a.flapping,
  };
}

/** MQTT topic levels may not carry wildcards or separators. */
const level = (s: string): string => s.replace(/[+#/]/g, '_');

/**
 * The platform component of a system alert: the second segment of its key (`_platform/{component}/{what}`,
 * rules/engine/signal.ts) when the alert is known, else the first dot-separated segment of its rule id. The
 * key is used because it is the documented place of the component; the alert is looked up in the store for an
 * archived row (state null), so the state topic that is cleared is the one that was retained.
 */
export function platformComponent(t: Transition, alert: StoredAlert | undefined): string {
  const parts = alert?.key.split('/') ?? [];
  if (parts[0] === '_platform' && parts[1]) return level(parts[1]);
  return level(t.rule.split('.', 1)[0] || 'platform');
}

const isPlatform = (t: Transition): boolean => t.kind === 'system' || t.enterpriseId === null;

export function eventTopic(t: Transition, alert: StoredAlert | undefined): string {
  if (isPlatform(t)) return `alerts/_platform/${platformComponent(t, alert)}`;
  return `alerts/${t.enterpriseId}/${t.siteId ?? '_'}/${t.sensorId ?? '_site'}`;
}

export function stateTopic(t: Transition, alert: StoredAlert | undefined): string {
  if (isPlatform(t)) return `alert-state/_platform/${platformComponent(t, alert)}/${level(t.id)}`;
  return `alert-state/${t.enterpriseId}/${t.siteId ?? '_'}/${level(t.id)}`;
}

export type PublishFn = (topic: string, payload: string, opts: { qos: 1; retain: boolean }) => Promise<void>;

export interface OutboxPublisherOptions {
  store: Pick<AlertStore, 'pendingOutbox' | 'markPublished' | 'get'>;
  publish: PublishFn;
  clock: Clock;
  log: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void };
  /** Rows read from the outbox per query (default 256). */
  batch?: number;
  /** Rows in flight at most (default 256). */
  window?: number;
  /** Backoff after a failed publish: starts at `minMs`, doubles up to `maxMs`. */
  backoff?: { minMs: number; maxMs: number };
}

/** A row issued to the broker: `ok` once both its publishes went through, `err` when one failed. */
interface Flight { row: OutboxRow; ok: boolean; err: Error | null }

/** One drain: rows are issued after `after`, settle in any order, and are marked in order. */
interface Pass {
  after: number;
  /** Issued rows not yet marked, in outbox order. */
  inflight: Flight[];
  unsettled: number;
  /** Alerts with a row in flight. */
  busy: Set<string>;
  published: number;
  failed: Flight | null;
  resolve: (published: number) => void;
}

export class OutboxPublisher {
  private running = false;
  /** Set by stop(): the drain under way issues nothing more and ends once its rows in flight are settled. */
  private stopped = false;
  private draining: Promise<number> | null = null;
  private pass: Pass | null = null;
  private scheduled = false;
  private markScheduled = false;
  private retry: TimerHandle | null = null;
  private failures = 0;
  private readonly batch: number;
  private readonly window: number;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(private readonly o: OutboxPublisherOptions) {
    this.batch = o.batch ?? 256;
    this.window = o.window ?? 256;
    this.minMs = o.backoff?.minMs ?? 1000;
    this.maxMs = o.backoff?.maxMs ?? 60_000;
  }

  /** Publishes what the outbox holds (the tail left by a crash included), then follows `kick()`s. */
  async start(): Promise<void> {
    this.running = true;
    await this.drain();
  }

  /** Stops after the rows in flight; what is left stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.retry?.cancel();
    this.retry = null;
    await this.draining;
  }

  /** New rows were committed: issue them once the current task is over (coalesced); a drain under way takes
   * them in as well. */
  kick(): void {
    if (!this.running || this.scheduled || this.retry) return;
    this.scheduled = true;
    process.nextTick(() => {
      this.scheduled = false;
      if (!this.running || this.retry) return;
      if (this.pass) this.step(this.pass);
      else void this.drain();
    });
  }

  /** Number of consecutive failed attempts (0 when the last publish went through). */
  get failing(): number {
    return this.failures;
  }

  /**
   * Publishes pending rows in order until none is left or a publish fails; resolves with the number of rows
   * published. Joins a drain already under way; an explicit call does not wait for a pending backoff.
   */
  drain(): Promise<number> {
    if (this.draining) return this.draining;
    this.retry?.cancel();
    this.retry = null;
    this.stopped = false;
    let resolve!: (published: number) => void;
    const draining = new Promise<number>((r) => { resolve = r; });
    const p: Pass = { after: 0, inflight: [], unsettled: 0, busy: new Set(), published: 0, failed: null, resolve };
    this.pass = p;
    this.draining = draining;
    this.step(p);
    return draining;
  }

  /** Marks what settled, issues what may go out, and ends the pass when nothing is left in flight. */
  private step(p: Pass): void {
    if (this.pass !== p) return;
    this.markSettled(p, false);
    if (!p.failed && !this.stopped) this.issue(p);
    if (p.unsettled > 0) return;
    this.markSettled(p, true);
    this.pass = null;
    this.draining = null;
    if (p.failed) this.failed(p.failed);
    p.resolve(p.published);
  }

  /** Issues pending rows in outbox order, up to the window, stopping at a row whose alert is busy. */
  private issue(p: Pass): void {
    while (p.inflight.length < this.window) {
      const rows = this.o.store.pendingOutbox(Math.min(this.batch, this.window - p.inflight.length), p.after);
      if (rows.length === 0) return;
      for (const row of rows) {
        const id = row.transition.id;
        if (p.busy.has(id)) return;
        p.after = row.seq;
        p.busy.add(id);
        const f: Flight = { row, ok: false, err: null };
        p.inflight.push(f);
        p.unsettled++;
        this.publishRow(row).then(
          () => { f.ok = true; },
          (err: unknown) => { f.err = err instanceof Error ? err : new Error(String(err)); if (!p.failed || f.row.seq < p.failed.row.seq) p.failed = f; },
        ).finally(() => {
          p.unsettled--;
          p.busy.delete(id);
          this.step(p);
        });
      }
    }
  }

  /** Takes the published rows at the head of the flight list (never past a failed or unsettled one) and
   * marks the outbox up to the last: at once when `now`, else once per turn (one store commit for all the
   * rows settled in it). */
  private markSettled(p: Pass, now: boolean): void {
    let upTo = 0;
    while (p.inflight.length > 0 && p.inflight[0]!.ok) {
      upTo = p.inflight.shift()!.row.seq;
      p.published++;
    }
    if (upTo > 0) this.pendingMark = Math.max(this.pendingMark, upTo);
    if (this.pendingMark === 0) return;
    if (now) { this.flushMark(); return; }
    if (!this.markScheduled) { this.markScheduled = true; setImmediate(() => this.flushMark()); }
  }

  /** The highest seq published and not yet marked. */
  private pendingMark = 0;
  private flushMark(): void {
    this.markScheduled = false;
    if (this.pendingMark === 0) return;
    const seq = this.pendingMark;
    this.pendingMark = 0;
    this.o.store.markPublished(seq);
  }

  private failed(f: Flight): void {
    this.failures++;
    const delay = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures - 1, 30));
    this.o.log.warn({ seq: f.row.seq, alertId: f.row.transition.id, version: f.row.transition.version, attempt: this.failures, retryInMs: delay, err: f.err?.message }, 'alert outbox: publish failed, will retry the same row');
    this.scheduleRetry(delay);
  }

  private scheduleRetry(delay: number): void {
    if (!this.running) return;
    this.retry = this.o.clock.setTimeout(() => {
      this.retry = null;
      if (this.running) void this.drain();
    }, delay);
  }

  private async publishRow(row: OutboxRow): Promise<void> {
    const t = row.transition;
    const alert = row.state ?? (isPlatform(t) ? this.o.store.get(t.id) : undefined);
    await this.o.publish(eventTopic(t, alert), JSON.stringify(t), { qos: 1, retain: false });
    await this.o.publish(stateTopic(t, alert), row.state ? JSON.stringify(alertView(row.state)) : '', { qos: 1, retain: true });
    this.failures = 0;
  }
}
