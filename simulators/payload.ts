// The wire form of a simulated reading (contract.md "Readings"): ts as ISO 8601 with the +08:00 offset
// (or epoch ms), values, quality, seq, boot; gateway readings also carry "site" and "sensor".
import type { Reading } from '../core/reading.ts';
import { isoBeijing } from './time.ts';

export type TsFormat = 'iso' | 'epoch';

export interface WireReading {
  ts: string | number;
  values: Reading['values'];
  quality: Reading['quality'];
  seq?: number;
  boot?: string;
  site?: string;
  sensor?: string;
}

export function toWire(r: Reading, o: { gateway: boolean; ts?: TsFormat }): WireReading {
  const w: WireReading = { ts: o.ts === 'epoch' ? r.ts : isoBeijing(r.ts), values: r.values, quality: r.quality };
  if (r.seq !== null) w.seq = r.seq;
  if (r.boot !== null) w.boot = r.boot;
  if (o.gateway) {
    w.site = r.siteId;
    w.sensor = r.sensorId;
  }
  return w;
}

export const sensorTopic = (r: Reading): string => `sensors/${r.enterpriseId}/${r.siteId}/${r.sensorId}`;
export const gatewayTopic = (enterpriseId: string, deviceId: string): string => `gateways/${enterpriseId}/${deviceId}`;
export const statusTopic = (enterpriseId: string, deviceId: string): string => `status/${enterpriseId}/${deviceId}`;

/** Contract limits for one array: 1,000 readings and a 256 KiB packet (kept under 240 KiB of payload). */
export const MAX_BATCH_READINGS = 1000;
export const MAX_BATCH_BYTES = 240 * 1024;

/** Gateway payloads: JSON arrays within the contract's limits, in order, with their reading counts. */
export function gatewayPayloads(readings: readonly Reading[], ts: TsFormat = 'iso'): { payload: string; count: number }[] {
  const out: { payload: string; count: number }[] = [];
  let batch: string[] = [];
  let bytes = 2;
  for (const r of readings) {
    const item = JSON.stringify(toWire(r, { gateway: true, ts }));
    const size = Buffer.byteLength(item) + 1;
    if (batch.length > 0 && (batch.length >= MAX_BATCH_READINGS || bytes + size > MAX_BATCH_BYTES)) {
      out.push({ payload: `[${batch.join(',')}]`, count: batch.length });
      batch = [];
      bytes = 2;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) out.push({ payload: `[${batch.join(',')}]`, count: batch.length });
  return out;
}
