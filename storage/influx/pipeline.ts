// A durable feed written to InfluxDB: pull a page after the cursor, turn it into lines, send it, and move
// the cursor only over what InfluxDB has taken (docs/storage.md "Outages"). The feed (the ingest journal,
// the alert store's event feed) is the only buffer: nothing here outlives a request.
//
// - Pull, bounded: `read(afterPos, batchLines)` pages in order; at most `maxInFlight` batches are out at
//   once, so memory is batchLines × maxInFlight lines whatever the backlog.
// - Ack in order: a batch is done when InfluxDB answered 204, or 4xx for some of its lines (those are
//   counted as rejected and skipped: retrying cannot help and must not wedge the cursor). The cursor moves
//   to the last position whose batch and every earlier batch are done.
// - Outage (unreachable, timeout, 5xx, 429, auth refused, database missing): every batch in flight is
//   forgotten, the read position goes back to the cursor, and after a capped exponential backoff the
//   pipeline prepares again (CREATE DATABASE) and re-reads from the cursor, in order. Batches that landed
//   after the failed one are written again: the same series and timestamps, so InfluxDB overwrites them
//   with identical values (no duplicate point).
// - Idle: a page shorter than the batch means the feed is drained; the next look comes with `notify()`
//   (after `lingerMs`, so a burst of commits makes one request) or after `pollMs`.
// Timers run on the injected Clock; `read`, `line`, `send`, `prepare` and `ack` are the shell's.
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { SendResult } from './sender.ts';

/** How a pipeline batches and retries (the writer's tuning extends it). */
export interface PipelineTuning {
  /** Lines per request at most (InfluxData recommends 5,000). */
  batchLines: number;
  /** Requests in flight at most. */
  maxInFlight: number;
  /** Wait after a `notify()` before looking, so that a burst of commits makes one request. */
  lingerMs: number;
  /** Look for new items this often while idle even without `notify()`; 0 = only on notify. */
  pollMs: number;
  /** Backoff after a failed request: doubling from min to max. */
  retryMinMs: number;
  retryMaxMs: number;
}

export interface PipelineOptions<T> extends PipelineTuning {
  /** Measurement the feed becomes (labels metrics and logs). */
  name: string;
  /** The cursor at start: everything up to it is in InfluxDB. */
  startPos: number;
  /** Items after `afterPos` in feed order, at most `limit`. */
  read(afterPos: number, limit: number): T[];
  /** An item's position in the feed (strictly increasing). */
  posOf(item: T): number;
  /** The item's line, or null when it has nothing to write (it is acked with its batch). */
  line(item: T): string | null;
  send(lines: string[]): Promise<SendResult>;
  /** Runs before the first send and again after every outage (e.g. CREATE DATABASE); a throw is an outage. */
  prepare?(): Promise<unknown>;
  /** Everything up to `pos` is in InfluxDB (or refused by it): persist the cursor. */
  ack(pos: number): void;
  clock: Clock;
  onEvent?(e: PipelineEvent): void;
}

export type PipelineEvent =
  | { type: 'outage'; name: string; status: number | null; message: string; backlogFrom: number }
  | { type: 'retry'; name: string; attempt: number; delayMs: number; status: number | null; message: string }
  | { type: 'recovered'; name: string; outageMs: number; failures: number }
  | { type: 'rejected'; name: string; status: number; rejected: number; message: string }
  | { type: 'batch_shrunk'; name: string; batchLines: number }
  | { type: 'error'; name: string; message: string };

export interface PipelineStats {
  name: string;
  /** The cursor: everything up to it is done. */
  acked: number;
  /** Points InfluxDB accepted, counted when their batch is acked (a batch replayed after an outage counts once). */
  written: number;
  /** Points InfluxDB refused (4xx), skipped. */
  rejected: number;
  /** Requests that failed and were retried from the cursor. */
  failures: number;
  /** False from a failed request until the next accepted one. */
  up: boolean;
  /** Since when InfluxDB has been failing (epoch ms), or null. */
  outageSince: number | null;
  /** Clock time of the last accepted batch (epoch ms), or null. */
  lastWriteAt: number | null;
  /** Batches out now. */
  inFlight: number;
  batchLines: number;
}

interface Batch { last: number; lines: number; done: boolean; written: number; rejected: number }

const MIN_BATCH_LINES = 100;

export class FeedPipeline<T> {
  private acked: number;
  private readPos: number;
  private inflight: Batch[] = [];
  /** Bumped on every outage: answers to batches of an earlier generation are ignored. */
  private generation = 0;
  private batchLines: number;
  private written = 0;
  private rejectedTotal = 0;
  private failures = 0;
  private consecutive = 0;
  private up = true;
  private outageSince: number | null = null;
  private lastWriteAt: number | null = null;
  private needPrepare = true;
  private preparing = false;
  private paused = false;
  private stopped = true;
  private pumping = false;
  private idle = false;
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private pollTimer: TimerHandle | null = null;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly o: PipelineOptions<T>) {
    this.acked = o.startPos;
    this.readPos = o.startPos;
    this.batchLines = o.batchLines;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.o.pollMs > 0) this.pollTimer = this.o.clock.setInterval(() => { if (this.idle) this.pump(); }, this.o.pollMs);
    this.pump();
  }

  /** New items may be there: look after `lingerMs`. */
  notify(): void {
    if (this.stopped || this.paused || !this.idle) return;
    this.schedule(this.o.lingerMs);
  }

  /** Stops reading; resolves when the batches in flight have settled (acking what landed) or after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    this.pollTimer?.cancel();
    this.pollTimer = null;
    this.cancelTimer();
    if (this.inflight.length === 0) return;
    await new Promise<void>((resolve) => {
      const t = this.o.clock.setTimeout(resolve, timeoutMs);
      this.drainWaiters.push(() => { t.cancel(); resolve(); });
    });
  }

  /** True when nothing is in flight, no outage is pending and the last read found the feed drained. */
  get drained(): boolean { return this.idle && this.inflight.length === 0 && !this.paused; }

  stats(): PipelineStats {
    return {
      name: this.o.name, acked: this.acked, written: this.written, rejected: this.rejectedTotal, failures: this.failures, up: this.up,
      outageSince: this.outageSince, lastWriteAt: this.lastWriteAt, inFlight: this.inflight.length, batchLines: this.batchLines,
    };
  }

  private schedule(ms: number): void {
    const at = this.o.clock.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    this.cancelTimer();
    this.timerAt = at;
    this.timer = this.o.clock.setTimeout(() => { this.timer = null; this.timerAt = Infinity; this.pump(); }, ms);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
  }

  private pump(): void {
    if (this.stopped || this.paused || this.pumping || this.preparing) return;
    if (this.needPrepare && this.o.prepare) { void this.runPrepare(); return; }
    this.pumping = true;
    try {
      while (this.inflight.length < this.o.maxInFlight) {
        const page = this.o.read(this.readPos, this.batchLines);
        if (page.length === 0) { this.idle = true; break; }
        this.idle = false;
        const lines: string[] = [];
        for (const item of page) {
          const l = this.o.line(item);
          if (l !== null) lines.push(l);
        }
        const b: Batch = { last: this.o.posOf(page[page.length - 1]!), lines: lines.length, done: false, written: 0, rejected: 0 };
        this.readPos = b.last;
        this.inflight.push(b);
        if (lines.length === 0) b.done = true;
        else {
          const gen = this.generation;
          this.o.send(lines).then((r) => this.onResult(gen, b, r), (err: unknown) => this.onResult(gen, b, { kind: 'retry', status: null, message: String(err), tooLarge: false, missingDatabase: false }));
        }
        if (page.length < this.batchLines) { this.idle = true; break; }
      }
    } catch (err) {
      // A read or line failure (e.g. the store closed under us): log, and look again later.
      this.o.onEvent?.({ type: 'error', name: this.o.name, message: (err as Error).message });
      this.schedule(this.o.retryMaxMs);
    } finally {
      this.pumping = false;
    }
    this.advance();
  }

  private async runPrepare(): Promise<void> {
    this.preparing = true;
    const gen = this.generation;
    try {
      await this.o.prepare!();
      if (gen !== this.generation) return;
      this.needPrepare = false;
    } catch (err) {
      if (gen === this.generation) this.fail({ kind: 'retry', status: null, message: (err as Error).message, tooLarge: false, missingDatabase: false });
      return;
    } finally {
      this.preparing = false;
    }
    this.pump();
  }

  private onResult(gen: number, b: Batch, r: SendResult): void {
    if (gen !== this.generation) return;
    if (r.kind === 'retry') { this.fail(r); return; }
    b.done = true;
    b.written = r.written;
    if (r.kind === 'rejected') {
      b.rejected = r.rejected;
      this.o.onEvent?.({ type: 'rejected', name: this.o.name, status: r.status, rejected: r.rejected, message: r.message });
    }
    this.lastWriteAt = this.o.clock.now();
    if (!this.up) {
      this.up = true;
      if (this.outageSince !== null) this.o.onEvent?.({ type: 'recovered', name: this.o.name, outageMs: this.o.clock.now() - this.outageSince, failures: this.consecutive });
      this.outageSince = null;
    }
    this.consecutive = 0;
    this.advance();
    this.pump();
  }

  private advance(): void {
    let moved = false;
    while (this.inflight.length > 0 && this.inflight[0]!.done) {
      const b = this.inflight.shift()!;
      this.acked = b.last;
      this.written += b.written;
      this.rejectedTotal += b.rejected;
      moved = true;
    }
    if (moved) this.o.ack(this.acked);
    if (this.inflight.length === 0 && this.drainWaiters.length > 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  private fail(r: Extract<SendResult, { kind: 'retry' }>): void {
    this.generation++;
    this.inflight = [];
    this.readPos = this.acked;
    this.failures++;
    this.consecutive++;
    this.needPrepare = true;
    if (this.up || this.outageSince === null) {
      this.outageSince ??= this.o.clock.now();
      this.o.onEvent?.({ type: 'outage', name: this.o.name, status: r.status, message: r.message, backlogFrom: this.acked });
    }
    this.up = false;
    if (r.tooLarge && this.batchLines > MIN_BATCH_LINES) {
      this.batchLines = Math.max(MIN_BATCH_LINES, Math.floor(this.batchLines / 2));
      this.o.onEvent?.({ type: 'batch_shrunk', name: this.o.name, batchLines: this.batchLines });
    }
    const delay = Math.min(this.o.retryMaxMs, this.o.retryMinMs * 2 ** Math.min(20, this.consecutive - 1));
    this.o.onEvent?.({ type: 'retry', name: this.o.name, attempt: this.consecutive, delayMs: delay, status: r.status, message: r.message });
    if (this.drainWaiters.length > 0) for (const w of this.drainWaiters.splice(0)) w();
    if (this.stopped) return;
    this.paused = true;
    this.idle = false;
    this.cancelTimer();
    this.timerAt = this.o.clock.now() + delay;
    this.timer = this.o.clock.setTimeout(() => { this.timer = null; this.timerAt = Infinity; this.paused = false; this.pump(); }, delay);
  }
}
