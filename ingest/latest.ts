// The latest reading per sensor, fed live from the journal (GET /api/sensors shows it with freshness).
import { sensorKey } from '../core/ids.ts';
import type { JournalEntry } from '../core/reading.ts';
import type { Journal } from './journal.ts';

export class LatestReadings {
  private latest = new Map<string, JournalEntry>();
  private off: (() => void) | null = null;

  constructor(private readonly journal: Journal) {}

  start(): void {
    for (const e of this.journal.latestPerSensor()) this.put(e);
    this.off = this.journal.observe((entries) => { for (const e of entries) this.put(e); });
  }
  stop(): void {
    this.off?.();
  }
  get(enterpriseId: string, sensorId: string): JournalEntry | undefined {
    return this.latest.get(sensorKey(enterpriseId, sensorId));
  }
  private put(e: JournalEntry): void {
    const k = sensorKey(e.enterpriseId, e.sensorId);
    const prev = this.latest.get(k);
    if (!prev || e.ts >= prev.ts) this.latest.set(k, e);
  }
}
