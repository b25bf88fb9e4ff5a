// The rules part as a long-lived component (architecture.md rule 10): the durable `rules` journal consumer
// feeding the engine, the engine's clock (ticks), checkpoints, baselines and hot reload. The journal cursor
// is acknowledged only up to the last checkpoint, so after a crash the engine restores the checkpoint and
// replays the journal from there; the alert manager ignores what an alert has already seen (lastPos), so
// a restart neither forgets an open alert nor raises a duplicate.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { JournalEntry } from '../core/reading.ts';
import type { JournalConsumer } from '../ingest/journal.ts';
import type { Journal } from '../ingest/journal.ts';
import type { AlertStore } from './alerts/store.ts';
import type { RuleEngine } from './engine/engine.ts';
import type { Plan } from './engine/plan.ts';

export interface RulesRuntimeOptions {
  journal: Journal;
  engine: RuleEngine;
  store: AlertStore;
  clock: Clock;
  log: Logger;
  tickMs?: number;
  checkpointMs?: number;
  /** Recomputes baselines off the hot path (every hour by default). */
  refreshBaselines?: (now: number) => Promise<void>;
  baselineMs?: number;
  /** Sees every delivered batch before the engine (e.g. keeping 15-min means for baselines). */
  onEntries?: (entries: readonly JournalEntry[]) => void;
}

/** A tick over at most this many units runs at once (small plans, and the scenario suites on a manual clock). */
const TICK_SYNC_UNITS = 500;
/** Beyond it, a tick runs in slices of about this much CPU time, a turn of the event loop between them, … */
const TICK_SLICE_MS = 0.5;
/** … checking the time every this many units. (1 ms slices of 64 units: p99 20–27 ms in bench:rules e2e,
 * 0.5 ms of 16: 12–13 ms; every turn of the loop during a tick is longer by a slice.) */
const TICK_CHUNK = 16;

export class RulesRuntime {
  private consumer: JournalConsumer | null = null;
  private timers: TimerHandle[] = [];
  private refreshing = false;
  ready = false;

  constructor(private readonly o: RulesRuntimeOptions) {}

  start(): void {
    const cp = this.o.store.loadCheckpoint();
    if (cp) {
      try {
        this.o.engine.restore(cp.state);
        this.o.log.info({ pos: cp.pos }, 'rules: checkpoint restored; replaying the journal from it');
      } catch (err) {
        this.o.log.error({ err }, 'rules: checkpoint unreadable; starting from the journal cursor with fresh state');
      }
    }
    this.consumer = this.o.journal.subscribe('rules', (entries) => {
      // After a restart the journal replays from the checkpoint: what the engine has applied is not fed twice.
      const pos = this.o.engine.pos;
      if (this.o.onEntries) this.o.onEntries(entries[0]!.pos > pos ? entries : entries.filter((e) => e.pos > pos));
      this.o.engine.evaluate(entries);
    });
    const c = this.o.clock;
    this.timers.push(c.setInterval(() => this.tick(c.now()), this.o.tickMs ?? 5000));
    this.timers.push(c.setInterval(() => this.checkpoint(), this.o.checkpointMs ?? 10_000));
    if (this.o.refreshBaselines) {
      const run = () => {
        if (this.refreshing) return;
        this.refreshing = true;
        this.o.refreshBaselines!(c.now()).catch((err) => this.o.log.error({ err }, 'rules: baseline refresh failed')).finally(() => { this.refreshing = false; });
      };
      run();
      this.timers.push(c.setInterval(run, this.o.baselineMs ?? 3600_000));
    }
    this.ready = true;
  }

  /** One clock tick of the engine, in slices of about TICK_SLICE_MS with a turn of the event loop between
   * them, so that readings keep flowing through a tick over many sensors: a reading waits for one slice at
   * most (p99 latency, performance.md). A slice is bounded by time, not units: what a unit costs varies
   * (a unit whose level moves commits an alert). */
  private ticking = false;
  tick(now: number): void {
    if (this.ticking) return;
    const e = this.o.engine;
    const n = e.tickUnits();
    if (n <= TICK_SYNC_UNITS) { e.tick(now); return; }
    this.ticking = true;
    let at = 0;
    const step = () => {
      if (!this.ready) { this.ticking = false; return; }
      const until = performance.now() + TICK_SLICE_MS;
      try {
        do {
          const to = Math.min(n, at + TICK_CHUNK);
          e.tickRange(now, at, to);
          at = to;
        } while (at < n && performance.now() < until);
      } catch (err) {
        this.ticking = false;
        throw err;
      }
      if (at < n) setImmediate(step); else this.ticking = false;
    };
    step();
  }

  /** Persists the engine state, then lets the journal go up to the position it covers. */
  checkpoint(): void {
    const pos = this.o.engine.pos;
    this.o.store.saveCheckpoint(pos, this.o.engine.snapshot());
    if (pos > 0) this.consumer?.ack(pos);
  }

  /** Hot reload: the new plan replaces the old one only when it compiled (a bad config throws before). */
  replacePlan(plan: Plan): void {
    this.o.engine.replacePlan(plan);
    this.checkpoint();
  }

  stop(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
    if (this.ready) this.checkpoint();
    this.ready = false;
  }
}
