// The latest reading per sensor, fed live from the journal (GET /api/sensors shows it with freshness).
//
// One record per sensor, updated in place: keeping the journal's entry itself would hold every reading for a
// whole reporting interval, long enough for V8 to promote it (and its strings) to the old generation. At 10k
// readings/s that was ≈ 1 KB promoted per reading, 10 MB/s, most of the serving process's scavenge time and
// its mark-compacts (bench:rules e2e with --trace-gc-nvp: 10 MB/s promoted with entries kept, 0.3 MB/s with
// records).
import { sensorKey } from '../core/ids.ts';
import { QUALITIES, type JournalEntry, type MetricValue, type Quality } from '../core/reading.ts';
import type { Journal } from './journal.ts';

/** What the platform shows of a sensor's latest reading. */
export interface LatestReading {
  ts: number;
  receivedAt: number;
  seq: number | null;
  quality: Quality;
  values: Record<string, MetricValue>;
}

/** The platform's own string for a quality (the entry's may be a fresh copy per reading). */
const quality = (q: Quality): Quality => QUALITIES[QUALITIES.indexOf(q)] ?? q;

export class LatestReadings {
  private latest = new Map<string, LatestReading>();
  private off: (() => void) | null = null;

  constructor(private readonly journal: Journal) {}

  start(): void {
    for (const e of this.journal.latestPerSensor()) this.put(e);
    this.off = this.journal.observe((entries) => { for (const e of entries) this.put(e); });
  }
  stop(): void {
    this.off?.();
  }
  get(enterpriseId: string, sensorId: string): LatestReading | undefined {
    return this.latest.get(sensorKey(enterpriseId, sensorId));
  }
  private put(e: JournalEntry): void {
    const k = sensorKey(e.enterpriseId, e.sensorId);
    const prev = this.latest.get(k);
    if (!prev) {
      this.latest.set(k, { ts: e.ts, receivedAt: e.receivedAt, seq: e.seq, quality: quality(e.quality), values: { ...e.values } });
      return;
    }
    if (e.ts < prev.ts) return;
    prev.ts = e.ts;
    prev.receivedAt = e.receivedAt;
    prev.seq = e.seq;
    prev.quality = quality(e.quality);
    const into = prev.values;
    for (const m in into) if (!(m in e.values)) delete into[m];
    for (const m in e.values) into[m] = e.values[m]!;
  }
}
