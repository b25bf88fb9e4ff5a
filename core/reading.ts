// A reading as the platform carries it after validation (contract.md "Readings").

export const QUALITIES = ['ok', 'fault', 'maintenance', 'calibrating', 'overrange', 'comm_lost'] as const;
export type Quality = (typeof QUALITIES)[number];

export type MetricValue = number | boolean;

export interface Reading {
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  /** Device time, epoch ms UTC. */
  ts: number;
  values: Record<string, MetricValue>;
  quality: Quality;
  /** Increasing per sensor within one boot of the device; null when the device sends none. */
  seq: number | null;
  boot: string | null;
}

export type ReadingSourceKind = 'mqtt' | 'http' | 'import';

/** A reading as it stands in the ingest journal: durable, with its position. */
export interface JournalEntry extends Reading {
  /** Position in the journal, strictly increasing; consumers keep cursors on it. */
  pos: number;
  receivedAt: number;
  deviceId: string | null;
  source: ReadingSourceKind;
}
