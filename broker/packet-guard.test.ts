import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FixedHeaderGuard } from './packet-guard.ts';

/** An MQTT packet: type byte, variable-length remaining length, body. */
function packet(bodyLen: number): Uint8Array {
  const len: number[] = [];
  let x = bodyLen;
  do { let b = x % 128; x = Math.floor(x / 128); if (x > 0) b |= 0x80; len.push(b); } while (x > 0);
  const out = new Uint8Array(1 + len.length + bodyLen);
  out[0] = 0x30;
  out.set(len, 1);
  return out;
}
const concat = (parts: Uint8Array[]) => { const n = parts.reduce((a, p) => a + p.length, 0); const o = new Uint8Array(n); let i = 0; for (const p of parts) { o.set(p, i); i += p.length; } return o; };

describe('FixedHeaderGuard', () => {
  it('passes packets at the limit and stops at the first over it, from the header alone', () => {
    const g = new FixedHeaderGuard(1000);
    expect(g.feed(packet(990))).toBe(-1);
    // Only the 4-byte header of a 10 MB packet: refused before any of its body arrives.
    const header = packet(10_000_000).subarray(0, 5);
    expect(g.feed(header)).toBeGreaterThan(1000);
  });
  it('rejects a remaining length with more than four length bytes (malformed)', () => {
    expect(new FixedHeaderGuard(1e9).feed(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(Infinity);
  });
  it('tracks packet boundaries across any chunking of a stream of packets (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 50 }),
      (sizes, cuts) => {
        const limit = 2000;
        const stream = concat(sizes.map(packet));
        const g = new FixedHeaderGuard(limit);
        let verdict = -1;
        let i = 0, c = 0;
        while (i < stream.length && verdict < 0) {
          const n = cuts[c++ % cuts.length]!;
          verdict = g.feed(stream.subarray(i, i + n));
          i += n;
        }
        const firstTooBig = sizes.find((s) => packet(s).length > limit);
        return firstTooBig === undefined ? verdict === -1 : verdict === packet(firstTooBig).length;
      },
    ), { numRuns: 300 });
  });
});
