import { describe, it, expect } from 'vitest';
import { gatewayPayloads, sensorTopic, toWire, MAX_BATCH_READINGS } from './payload.ts';
import type { Reading } from '../core/reading.ts';

const reading = (i: number): Reading => ({
  enterpriseId: 'e1', siteId: 's1', sensorId: `g${i}`, ts: Date.parse('2026-11-22T00:00:00Z') + i, values: { lel: 1.5 }, quality: 'ok', seq: i + 1, boot: 'b1',
});

describe('wire payloads (contract.md "Readings")', () => {
  it('writes a sensor reading with ts in +08:00, values, quality, seq and boot, and no site/sensor', () => {
    expect(toWire(reading(0), { gateway: false })).toEqual({ ts: '2026-11-22T08:00:00.000+08:00', values: { lel: 1.5 }, quality: 'ok', seq: 1, boot: 'b1' });
    expect(sensorTopic(reading(0))).toBe('sensors/e1/s1/g0');
  });

  it('adds site and sensor to gateway readings, and can send epoch ms', () => {
    expect(toWire(reading(0), { gateway: true, ts: 'epoch' })).toMatchObject({ ts: Date.parse('2026-11-22T00:00:00Z'), site: 's1', sensor: 'g0' });
  });

  it('splits a gateway batch at 1,000 readings per array, keeping order and count', () => {
    const batches = gatewayPayloads(Array.from({ length: 2345 }, (_, i) => reading(i)));
    expect(batches.map((b) => b.count)).toEqual([MAX_BATCH_READINGS, MAX_BATCH_READINGS, 345]);
    const parsed = batches.flatMap((b) => JSON.parse(b.payload) as { sensor: string }[]);
    expect(parsed.map((r) => r.sensor)).toEqual(Array.from({ length: 2345 }, (_, i) => `g${i}`));
  });
});
