import { describe, expect, it } from 'vitest';
import type { PendingEntry } from '../../ingest/journal.ts';
import { packEntry, packable, unpackEntries } from './protocol.ts';

const e = (over: Partial<PendingEntry> = {}): PendingEntry => ({
  enterpriseId: 'e1', siteId: 's1', sensorId: 'ch4-1', ts: 1763769600123, seq: 42, boot: 'b1', quality: 'ok',
  vals: '{"ch4":0.42}', receivedAt: 1763769600200, deviceId: 'd1', source: 'mqtt', ...over,
});

describe('packed appends (main thread → journal writer)', () => {
  it.each([
    { why: 'the common entry', entry: e() },
    { why: 'seq, boot and device absent (null, not empty)', entry: e({ seq: null, boot: null, deviceId: null, source: 'import' }) },
    { why: 'an empty boot string stays a string', entry: e({ boot: '' }) },
    { why: 'a boot that starts with the null marker', entry: e({ boot: '~x' }) },
    { why: 'seq 0 and a large safe seq', entry: e({ seq: 0, ts: 0 }) },
    { why: 'seq 2^53 − 1', entry: e({ seq: Number.MAX_SAFE_INTEGER }) },
    { why: 'non-ASCII text in vals and boot', entry: e({ vals: '{"温度":1.5}', boot: '启动-1' }) },
  ])('round-trips $why', ({ entry }) => {
    expect(packable(entry)).toBe(true);
    expect(unpackEntries(packEntry(entry) + packEntry(e()))).toEqual([entry, e()]);
  });

  it.each([
    { why: 'a boot holding the separator', entry: e({ boot: 'a\x1fb' }) },
    { why: 'a quality holding the separator (the journal does not trust its callers)', entry: e({ quality: 'o\x1fk' }) },
  ])('refuses to pack $why (the batch then travels as objects)', ({ entry }) => {
    expect(packable(entry)).toBe(false);
  });

  it('drops the optional parsed values: the writer stores vals', () => {
    expect(unpackEntries(packEntry(e({ values: { ch4: 0.42 } })))).toEqual([e()]);
  });
});
