import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WireGatewayReading, WireReading, fastWireReading } from './wire.ts';

const base = { ts: 1763769600000, values: { ch4: 0.42 }, seq: 7 };

describe('fastWireReading: the hand-written check in front of zod', () => {
  it.each([
    { why: 'the benchmark shape: epoch ts, one metric, quality, seq, boot', x: { ...base, quality: 'ok', boot: 'b1' } },
    { why: 'ISO ts (its format is checked later, by parseTs, as on the zod path)', x: { ...base, ts: '2026-11-22T08:00:00+08:00' } },
    { why: 'a boolean metric', x: { ts: 1, values: { feed: true } } },
    { why: 'an integer boot', x: { ...base, boot: 3 } },
    { why: 'an empty values object (validateReading refuses it with its own code)', x: { ts: 1, values: {} } },
    { why: 'an unknown quality string (validateReading refuses it with RW_ERR_QUALITY)', x: { ...base, quality: 'bad' } },
  ])('takes $why', ({ x }) => {
    expect(fastWireReading(x, false)).toBe(x);
    expect(WireReading.safeParse(x).success).toBe(true);
  });

  it.each([
    { why: 'an unknown field (zod names it)', x: { ...base, unit: '%' } },
    { why: 'ts missing (zod path decides between missing and malformed)', x: { values: { ch4: 1 } } },
    { why: 'ts of the wrong type', x: { ...base, ts: true } },
    { why: 'a string value', x: { ...base, values: { ch4: '0.4' } } },
    { why: 'a null value', x: { ...base, values: { ch4: null } } },
    { why: 'values an array', x: { ...base, values: [1] } },
    { why: 'a "__proto__" metric (refused after zod with RW_ERR_UNKNOWN_METRIC)', x: { ...base, values: JSON.parse('{"__proto__":1}') } },
    { why: 'a negative seq', x: { ...base, seq: -1 } },
    { why: 'a fractional seq', x: { ...base, seq: 1.5 } },
    { why: 'a seq beyond 2^53', x: { ...base, seq: 2 ** 53 } },
    { why: 'a boot longer than 64', x: { ...base, boot: 'x'.repeat(65) } },
    { why: 'quality not a string', x: { ...base, quality: 1 } },
    { why: 'an array instead of an object', x: [base] },
    { why: 'null', x: null },
  ])('leaves $why to zod', ({ x }) => {
    expect(fastWireReading(x, false)).toBeNull();
  });

  it.each([
    { why: 'a gateway reading with site and sensor', x: { ...base, site: 's1', sensor: 'ch4-1' }, ok: true },
    { why: 'site missing', x: { ...base, sensor: 'ch4-1' }, ok: false },
    { why: 'an upper-case sensor id', x: { ...base, site: 's1', sensor: 'CH4' }, ok: false },
  ])('gateway readings: $why', ({ x, ok }) => {
    expect(fastWireReading(x, true) !== null).toBe(ok);
    expect(fastWireReading(x, false), 'site and sensor are unknown fields on a sensor topic').toBeNull();
  });

  // Why: the fast path may only ever take what the schema of record takes, with the same data.
  it('accepts nothing zod refuses, and reads the fields zod would return', () => {
    // Mostly well-formed fields with a few of every kind of wrong, so that both answers come up often.
    const w = <T,>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) => fc.oneof({ arbitrary: good, weight: 4 }, ...bad.map((b) => ({ arbitrary: b, weight: 1 })));
    const value = w(fc.oneof(fc.double(), fc.integer(), fc.boolean()), fc.string(), fc.constant(null));
    const field = {
      ts: w(fc.oneof(fc.integer(), fc.string()), fc.double(), fc.boolean()),
      values: w(fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 3 }), fc.array(fc.integer(), { maxLength: 2 }), fc.constant(null)),
      quality: w(fc.string(), fc.integer()),
      seq: w(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: -5, max: -1 }), fc.double(), fc.constant(2 ** 53), fc.string()),
      boot: w(fc.oneof(fc.string({ maxLength: 64 }), fc.integer()), fc.string({ minLength: 65, maxLength: 70 }), fc.double()),
      site: w(fc.constantFrom('s1', 'a-b_c'), fc.constantFrom('S1', ''), fc.string()),
      sensor: w(fc.constantFrom('ch4-1', 'x_y'), fc.constantFrom('CH4', ''), fc.string()),
      unit: fc.string(),
    };
    // Sensor-topic readings carry site and sensor (unknown fields there) now and then; so do both kinds an unknown field.
    const reading = fc.tuple(fc.boolean(), fc.record(field, { requiredKeys: ['ts', 'values'] }), fc.nat(4)).map(([gateway, r, noise]) => {
      const { unit, site, sensor, ...rest } = r;
      const x: Record<string, unknown> = noise === 0 ? r : gateway ? { ...rest, site, sensor } : rest;
      return [gateway, x] as const;
    });
    let taken = 0, total = 0;
    fc.assert(fc.property(reading, ([gateway, x]) => {
      total++;
      const fast = gateway ? fastWireReading(x, true) : fastWireReading(x, false);
      if (fast === null) return;
      taken++;
      const z = gateway ? WireGatewayReading.safeParse(x) : WireReading.safeParse(x);
      expect(z.success).toBe(true);
      if (z.success) expect({ ...fast, values: { ...fast.values } }).toEqual(z.data);
    }), { numRuns: 3000 });
    expect(taken, `the fast path took ${taken} of ${total}: the property was exercised`).toBeGreaterThan(100);
  });
});
