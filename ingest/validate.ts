// Validation of one decoded reading against the registry and the time rules (contract.md "Readings").
// Pure: (wire reading, context) → a journal entry or a coded reject.
import type { ErrorCode } from '../core/errors.ts';
import type { ReadingSourceKind } from '../core/reading.ts';
import type { PendingEntry } from './journal.ts';
import type { IngestRegistry } from './registry-view.ts';
import { isQuality, parseTs, type WireReading } from './wire.ts';

export interface TimeRules {
  /** Readings further in the future than this are refused (default 5 min). */
  maxFutureMs: number;
  /** Live readings older than this are refused (default 7 days); imports are exempt. */
  latenessMs: number;
}

export interface ValidationContext {
  registry: IngestRegistry;
  rules: TimeRules;
  now: number;
  source: ReadingSourceKind;
  enterpriseId: string;
  /** The publishing device, or null where no device is known (history import). */
  deviceId: string | null;
}

export type Validated = { ok: true; entry: PendingEntry } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): Validated => ({ ok: false, code, message });

export function validateReading(r: WireReading, siteId: string, sensorId: string, ctx: ValidationContext): Validated {
  const quality = r.quality ?? 'ok';
  if (!isQuality(quality)) return fail('RW_ERR_QUALITY', `unknown quality "${quality.slice(0, 32)}"`);
  const sensor = ctx.registry.sensor(ctx.enterpriseId, sensorId);
  if (!sensor || sensor.siteId !== siteId) {
    return fail('RW_ERR_UNKNOWN_SENSOR', `sensor ${sensorId} is not registered at ${ctx.enterpriseId}/${siteId}`);
  }
  if (ctx.deviceId !== null && !sensor.devices.has(ctx.deviceId)) {
    return fail('RW_ERR_ACL_DENIED', `device ${ctx.deviceId} may not report for sensor ${sensorId}`);
  }
  let n = 0;
  for (const name in r.values) {
    n++;
    const kind = sensor.metrics.get(name);
    if (!kind) return fail('RW_ERR_UNKNOWN_METRIC', `metric "${name.slice(0, 40)}" is not defined for sensor ${sensorId}; known: ${[...sensor.metrics.keys()].join(', ')}`);
    const v = r.values[name];
    if (kind === 'number' ? typeof v !== 'number' || !Number.isFinite(v) : typeof v !== 'boolean') {
      return fail('RW_ERR_VALUE', `metric ${name} needs a ${kind === 'number' ? 'finite number' : 'boolean'}`);
    }
  }
  if (n === 0) return fail('RW_ERR_PAYLOAD_SCHEMA', 'values: at least one metric is required');
  const ts = parseTs(r.ts);
  if (!ts.ok) return fail('RW_ERR_TS_FORMAT', ts.message);
  if (ts.ms > ctx.now + ctx.rules.maxFutureMs) return fail('RW_ERR_TS_FUTURE', `ts is ${Math.round((ts.ms - ctx.now) / 1000)} s in the future`);
  if (ts.ms < sensor.commissionedMs) return fail('RW_ERR_TS_TOO_OLD', `ts is before the sensor's commissioning date`);
  if (ctx.source !== 'import' && ts.ms < ctx.now - ctx.rules.latenessMs) {
    return fail('RW_ERR_TS_TOO_OLD', `ts is older than the lateness limit; send history through the import path`);
  }
  return {
    ok: true,
    entry: {
      enterpriseId: ctx.enterpriseId, siteId, sensorId, ts: ts.ms, seq: r.seq ?? null,
      boot: r.boot === undefined ? null : String(r.boot), quality, vals: JSON.stringify(r.values),
      receivedAt: ctx.now, deviceId: ctx.deviceId, source: ctx.source, values: r.values,
    },
  };
}
