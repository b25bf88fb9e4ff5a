// The seam through which rules read weeks of history (architecture.md "History for rules"): the ingest
// journal keeps only about a day, baselines need 4–8 weeks (domain.md §2.4.1). Implementations:
// storage/history/sqlite-series.ts (15-min means kept by the platform itself) and, with issue 5, InfluxDB
// over InfluxQL (`SELECT mean(v) … GROUP BY time(everyMs)`). Keep it this small.

export interface HistoryQuery {
  enterpriseId: string;
  sensorId: string;
  metric: string;
  /** Inclusive, epoch ms UTC. */
  fromMs: number;
  /** Exclusive, epoch ms UTC. */
  toMs: number;
  /** Bucket width; buckets are aligned to the epoch (as InfluxQL `GROUP BY time()` without an offset). */
  everyMs: number;
}

export interface HistorySource {
  /** The mean of the metric per `everyMs` bucket that has data (empty buckets are left out), `ts` = bucket
   * start, ascending. An unknown series is an empty array, not an error. */
  series(q: HistoryQuery): Promise<{ ts: number; value: number }[]>;
}
