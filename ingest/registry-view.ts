// What ingest needs from the registry, compiled at load so the per-reading path is map lookups.
// storage/registry implements it.
export interface IngestSensor {
  enterpriseId: string;
  siteId: string;
  sensorId: string;
  /** metric name → kind, from the sensor's type. */
  metrics: ReadonlyMap<string, 'number' | 'boolean'>;
  commissionedMs: number;
  /** Devices that may report for this sensor. */
  devices: ReadonlySet<string>;
}

export interface IngestRegistry {
  sensor(enterpriseId: string, sensorId: string): IngestSensor | undefined;
}
