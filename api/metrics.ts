// /metrics on the separate admin listener (contract.md: default 127.0.0.1:9464, never the public port).
// Names are a contract: operators alert on them.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  ingest: { accepted: number; duplicates: number; rejected: ReadonlyMap<string, number> };
  broker: { aclDenied: number; packetTooLarge: number; connectRateLimited: number; authRefused: ReadonlyMap<string, number> };
  connections: () => number;
  journal: () => { lastPos: number; unconsumedBytes: number; limitBytes: number };
  alertEvents: () => { kind: string; level: string; event: string; n: number }[];
  /** The rule engine's own counts since the process started (rules/engine/engine.ts EngineCounters). */
  rules: () => { evaluated: number; late: number; unknown: number };
  /** The InfluxDB writer, one row per measurement (`reading`, `alert_event`); enabled false when InfluxDB is off. */
  storage: () => { enabled: boolean; rows: StorageMetricRow[] };
}

export interface StorageMetricRow {
  measurement: string;
  written: number;
  rejected: number;
  failures: number;
  backlog: number;
  lagSeconds: number;
  up: boolean;
}

function counter(reg: Registry, name: string, help: string, value: () => number) {
  new Counter({ name, help, registers: [reg], collect() { this.reset(); this.inc(value()); } });
}
function labelled(reg: Registry, name: string, help: string, labelNames: string[], rows: () => [Record<string, string>, number][]) {
  new Counter({ name, help, labelNames, registers: [reg], collect() { this.reset(); for (const [l, n] of rows()) this.inc(l, n); } });
}
function gauge(reg: Registry, name: string, help: string, value: () => number) {
  new Gauge({ name, help, registers: [reg], collect() { this.set(value()); } });
}
function labelledGauge(reg: Registry, name: string, help: string, labelNames: string[], rows: () => [Record<string, string>, number][]) {
  new Gauge({ name, help, labelNames, registers: [reg], collect() { this.reset(); for (const [l, n] of rows()) this.set(l, n); } });
}

export function buildMetrics(src: MetricSources): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'riskwatch_process_' });
  counter(reg, 'riskwatch_readings_accepted_total', 'Readings accepted into the journal', () => src.ingest.accepted);
  labelled(reg, 'riskwatch_readings_rejected_total', 'Readings (or payloads) rejected, by RW_ERR code', ['code'], () => [...src.ingest.rejected].map(([code, n]) => [{ code }, n]));
  counter(reg, 'riskwatch_readings_duplicate_total', 'Duplicate readings dropped', () => src.ingest.duplicates);
  counter(reg, 'riskwatch_rules_readings_evaluated_total', 'Readings the rule engine evaluated', () => src.rules().evaluated);
  counter(reg, 'riskwatch_rules_readings_late_total', 'Readings stored but not evaluated: older than the newest one already evaluated for their sensor', () => src.rules().late);
  counter(reg, 'riskwatch_rules_readings_unknown_total', 'Readings of sensors the loaded rules do not know (registry changed, rules not reloaded)', () => src.rules().unknown);
  labelled(reg, 'riskwatch_alert_events_total', 'Alert events', ['kind', 'level', 'event'], () => src.alertEvents().map((r) => [{ kind: r.kind, level: r.level, event: r.event }, r.n]));
  const storage = (pick: (r: StorageMetricRow) => number) => (): [Record<string, string>, number][] => src.storage().rows.map((r) => [{ measurement: r.measurement }, pick(r)]);
  labelled(reg, 'riskwatch_storage_points_written_total', 'Points InfluxDB accepted, by measurement (reading, alert_event)', ['measurement'], storage((r) => r.written));
  labelled(reg, 'riskwatch_storage_points_rejected_total', 'Points InfluxDB refused (4xx, RW_ERR_STORAGE_REJECTED), counted and skipped', ['measurement'], storage((r) => r.rejected));
  labelled(reg, 'riskwatch_storage_write_failures_total', 'Write requests that failed (unreachable, 5xx) and are retried from the cursor', ['measurement'], storage((r) => r.failures));
  labelledGauge(reg, 'riskwatch_storage_backlog_entries', 'Entries not yet in InfluxDB (journal positions / alert feed events after the writer cursor)', ['measurement'], storage((r) => r.backlog));
  labelledGauge(reg, 'riskwatch_storage_lag_seconds', 'Age of the oldest entry not yet in InfluxDB (0 when caught up)', ['measurement'], storage((r) => r.lagSeconds));
  labelledGauge(reg, 'riskwatch_storage_up', '1 while InfluxDB accepts writes, 0 from a failed request until the next accepted one', ['measurement'], storage((r) => (r.up ? 1 : 0)));
  gauge(reg, 'riskwatch_storage_enabled', '1 when an InfluxDB is configured or managed, 0 when history is off', () => (src.storage().enabled ? 1 : 0));
  gauge(reg, 'riskwatch_spool_bytes', 'Journal bytes not yet consumed by the slowest consumer', () => src.journal().unconsumedBytes);
  gauge(reg, 'riskwatch_spool_limit_bytes', 'Journal limit; at it readings are refused with RW_ERR_BACKLOG_FULL', () => src.journal().limitBytes);
  gauge(reg, 'riskwatch_journal_last_position', 'Position of the last journal entry', () => src.journal().lastPos);
  gauge(reg, 'riskwatch_mqtt_connections', 'Connected MQTT clients', src.connections);
  counter(reg, 'riskwatch_mqtt_acl_denied_total', 'Publishes and subscriptions refused by the ACL', () => src.broker.aclDenied);
  counter(reg, 'riskwatch_mqtt_packet_too_large_total', 'Connections closed for a packet over the size limit', () => src.broker.packetTooLarge);
  counter(reg, 'riskwatch_mqtt_connect_rate_limited_total', 'Connections refused by the connect rate limit', () => src.broker.connectRateLimited);
  labelled(reg, 'riskwatch_mqtt_auth_refused_total', 'MQTT connections refused at authentication, by reason', ['reason'], () => [...src.broker.authRefused].map(([reason, n]) => [{ reason }, n]));
  return reg;
}

export async function startMetricsServer(reg: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      reg.metrics().then((text) => { res.writeHead(200, { 'content-type': reg.contentType }); res.end(text); },
        () => { res.writeHead(500); res.end(); });
    } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
  return server;
}
