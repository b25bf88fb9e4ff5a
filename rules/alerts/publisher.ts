// Outbox → MQTT (contract.md "Alerts (MQTT, out of the platform)", "Delivery"). Every stored transition is
// published as one event on `alerts/…` (QoS 1, not retained), then the alert as it is now is retained on
// `alert-state/…` (an empty retained payload once archived, which clears it), then the outbox row is marked.
//
// Contract:
// - Rows go out strictly in outbox order, one at a time, so the events of one alert keep their version order.
// - A failed publish stops the drain; the same row is tried again after a backoff on the injected clock
//   (1 s doubling to 60 s). A row is never skipped.
// - At least once: a crash between publishing and `markPublished` publishes the row again on the next start;
//   subscribers order and dedupe by (id, version).
// - `kick()` (the manager calls it after each commit) coalesces into one drain per event-loop turn and is
//   ignored during a backoff (the retry drains everything pending), so a broker outage is not hammered at
//   the commit rate.
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
  /** Backoff after a failed publish: starts at `minMs`, doubles up to `maxMs`. */
  backoff?: { minMs: number; maxMs: number };
}

export class OutboxPublisher {
  private running = false;
  /** Set by stop(): the drain under way ends after its row in flight (a later drain() runs in full). */
  private stopped = false;
  private draining: Promise<number> | null = null;
  private scheduled = false;
  private retry: TimerHandle | null = null;
  private failures = 0;
  private readonly batch: number;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(private readonly o: OutboxPublisherOptions) {
    this.batch = o.batch ?? 256;
    this.minMs = o.backoff?.minMs ?? 1000;
    this.maxMs = o.backoff?.maxMs ?? 60_000;
  }

  /** Publishes what the outbox holds (the tail left by a crash included), then follows `kick()`s. */
  async start(): Promise<void> {
    this.running = true;
    await this.drain();
  }

  /** Stops after the row in flight; what is left stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.retry?.cancel();
    this.retry = null;
    await this.draining;
  }

  /** New rows were committed: drain once this turn of the event loop is over (coalesced). */
  kick(): void {
    if (!this.running || this.scheduled || this.retry) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.running && !this.retry) void this.drain();
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
    this.draining = this.run().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async run(): Promise<number> {
    let published = 0;
    for (;;) {
      const rows = this.o.store.pendingOutbox(this.batch);
      if (rows.length === 0) return published;
      for (const row of rows) {
        try {
          await this.publishRow(row);
        } catch (err) {
          this.failures++;
          const delay = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures - 1, 30));
          this.o.log.warn({ seq: row.seq, alertId: row.transition.id, version: row.transition.version, attempt: this.failures, retryInMs: delay, err: (err as Error).message }, 'alert outbox: publish failed, will retry the same row');
          this.scheduleRetry(delay);
          return published;
        }
        this.failures = 0;
        this.o.store.markPublished(row.seq);
        published++;
        if (this.stopped) return published;
      }
    }
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
  }
}
