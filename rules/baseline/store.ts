// The baselines the hot path reads (RuleEnv.baseline, rules/kinds/kind.ts): one stable BaselineView per
// (enterprise, sensor, metric), created on first ask and filled by `refresh`, which recomputes every view
// from a HistorySource off the hot path (architecture.md "History for rules"). A kind keeps the view it got
// at init; refresh swaps the view's contents, never the object.
//
// Memory (performance.md: ≤ 6 KB per sensor, stretch ≤ 3 KB): 674 Float32 (672 slots, p95, production) =
// 2,696 B in a chunk shared by 64 views, plus the view object and its map entry. Measured with 10,000 views
// (node --expose-gc, heapUsed + arrayBuffers after gc): 2,709 B of slots + 281 B of heap = 2,990 B per view.
// p95 and production as Float32 keep 7 significant digits: plenty for kW.
//
// Timers are the shell's: it calls `refresh(clock.now())` on the injected Clock (e.g. daily after 00:15
// Beijing, once the last slot of the day has landed).
import { sensorKey } from '../../core/ids.ts';
import type { BaselineView, HolidayCalendar } from '../kinds/kind.ts';
import type { HistorySource } from './history.ts';
import { BEIJING_OFFSET_MS, DAY_MS, SLOT_MS, WEEK_MS, WEEK_SLOTS, comparableWeekday, computeBaseline, type Baseline } from './compute.ts';

export interface BaselineStoreOptions {
  history: HistorySource;
  calendar: HolidayCalendar;
  /** Comparable weeks feeding the slots, 4–8 (domain.md §2.4.1); default 8. */
  weeks?: number;
  /** How far back the P95 looks (domain.md §2.4.1 over-capacity: "the 90-day P95"); default 90 days. What
   * history there is within it is used. */
  p95Days?: number;
  /** Passed to computeBaseline; default 3. */
  minSamples?: number;
}

export interface RefreshReport {
  refreshed: number;
  /** Views whose history could not be read: they keep their previous contents. */
  failed: { enterpriseId: string; sensorId: string; metric: string; error: string }[];
}

const SLOTS_PER_DAY = DAY_MS / SLOT_MS;
/** A view's region in a chunk: the 672 slots, then p95 and production (Float32, like the slots). */
const REGION = WEEK_SLOTS + 2;
/** Views per shared buffer: 64 × 674 Float32 ≈ 172 KB per chunk. One buffer per view would cost a typed-array
 * and an ArrayBuffer object each (≈ 170 B more per view, measured). */
const CHUNK_VIEWS = 64;

/** A view of one series' baseline: its region lives at `base` in a chunk shared with other views, taken on
 * the first refresh that delivers a baseline (a series without history costs no slots). `at` caches the
 * comparable weekday of the last Beijing day asked. */
class View implements BaselineView {
  private slots: Float32Array | null = null;
  private base = 0;
  /** Beijing day number of the last `at` (a small integer field: no boxed double per view). */
  private day = -1;
  private dayBase = 0;

  constructor(readonly enterpriseId: string, readonly sensorId: string, readonly metric: string,
              private readonly calendar: HolidayCalendar) {}

  /** Hot path: no allocation except when `ts` falls on another Beijing day than the last call. */
  at(ts: number): number {
    const slots = this.slots;
    if (slots === null) return NaN;
    const local = ts + BEIJING_OFFSET_MS;
    const day = Math.floor(local / DAY_MS);
    if (day !== this.day) {
      this.dayBase = this.base + comparableWeekday(day, this.calendar) * SLOTS_PER_DAY;
      this.day = day;
    }
    return slots[this.dayBase + Math.floor((local - day * DAY_MS) / SLOT_MS)] ?? NaN;
  }

  get p95(): number {
    return this.slots === null ? NaN : this.slots[this.base + WEEK_SLOTS]!;
  }

  get production(): number {
    return this.slots === null ? NaN : this.slots[this.base + WEEK_SLOTS + 1]!;
  }

  /** Copies a new baseline in (synchronously, so the hot path never sees half of one). */
  swap(b: Baseline, allocate: () => { chunk: Float32Array; base: number }): void {
    if (this.slots === null) {
      const { chunk, base } = allocate();
      this.base = base;
      this.day = -1;
      this.fill(chunk, b);
      this.slots = chunk;
    } else {
      this.fill(this.slots, b);
    }
  }

  private fill(chunk: Float32Array, b: Baseline): void {
    chunk.set(b.slots, this.base);
    chunk[this.base + WEEK_SLOTS] = b.p95;
    chunk[this.base + WEEK_SLOTS + 1] = b.production;
  }
}

export class BaselineStore {
  private readonly views = new Map<string, View>();
  private running: Promise<RefreshReport> | null = null;
  private chunk: Float32Array | null = null;
  private used = CHUNK_VIEWS;
  private readonly allocate = (): { chunk: Float32Array; base: number } => {
    if (this.used === CHUNK_VIEWS || this.chunk === null) {
      this.chunk = new Float32Array(CHUNK_VIEWS * REGION);
      this.used = 0;
    }
    return { chunk: this.chunk, base: this.used++ * REGION };
  };
  private readonly weeks: number;
  private readonly p95Days: number;

  constructor(private readonly opts: BaselineStoreOptions) {
    this.weeks = opts.weeks ?? 8;
    this.p95Days = opts.p95Days ?? 90;
    if (!Number.isInteger(this.weeks) || this.weeks < 4 || this.weeks > 8) throw new RangeError(`baseline weeks must be 4..8 (domain.md §2.4.1), got ${this.weeks}`);
  }

  /** RuleEnv.baseline: the same object for the same series, NaN everywhere until a refresh fills it. */
  view(enterpriseId: string, sensorId: string, metric: string): BaselineView {
    const key = `${sensorKey(enterpriseId, sensorId)}/${metric}`;
    let v = this.views.get(key);
    if (!v) {
      v = new View(enterpriseId, sensorId, metric, this.opts.calendar);
      this.views.set(key, v);
    }
    return v;
  }

  get size(): number {
    return this.views.size;
  }

  /** Recomputes every view from history ending at `nowMs`, one series at a time, yielding to the event loop
   * between series so the hot path keeps running. A refresh already running is joined, not doubled. A view
   * whose history fails keeps its previous contents (reported, not thrown). Views created meanwhile are
   * included when the loop reaches them. */
  refresh(nowMs: number): Promise<RefreshReport> {
    if (!this.running) this.running = this.run(nowMs).finally(() => { this.running = null; });
    return this.running;
  }

  private async run(nowMs: number): Promise<RefreshReport> {
    const report: RefreshReport = { refreshed: 0, failed: [] };
    const fromMs = nowMs - Math.max(this.weeks * WEEK_MS, this.p95Days * DAY_MS);
    for (const v of this.views.values()) {
      try {
        const points = await this.opts.history.series({ enterpriseId: v.enterpriseId, sensorId: v.sensorId, metric: v.metric, fromMs, toMs: nowMs, everyMs: SLOT_MS });
        v.swap(computeBaseline(points, { calendar: this.opts.calendar, nowMs, weeks: this.weeks, ...(this.opts.minSamples !== undefined ? { minSamples: this.opts.minSamples } : {}) }), this.allocate);
        report.refreshed++;
      } catch (err) {
        report.failed.push({ enterpriseId: v.enterpriseId, sensorId: v.sensorId, metric: v.metric, error: err instanceof Error ? err.message : String(err) });
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return report;
  }
}
