import { describe, expect, it } from 'vitest';
import { LiveBuffer } from './live-buffer.ts';

type Row = [number, string];
const rows = (...pos: number[]): Row[] => pos.map((p) => [p, `r${p}`]);
const positions = (r: Row[] | null) => (r === null ? null : r.map((x) => x[0]));

describe('LiveBuffer', () => {
  it('knows nothing before the first commit', () => {
    expect(new LiveBuffer<Row>(100).read(0, 10)).toBeNull();
  });

  it('serves everything after a position it covers, in order, up to the limit, and [] when caught up', () => {
    const b = new LiveBuffer<Row>(100);
    b.push(10, rows(11, 12, 14));
    b.push(14, rows(15));
    expect(positions(b.read(10, 2))).toEqual([11, 12]);
    expect(positions(b.read(12, 10))).toEqual([14, 15]);
    expect(b.read(15, 10)).toEqual([]);
  });

  it('answers null for a position before what it covers (the writer is behind: read the journal)', () => {
    const b = new LiveBuffer<Row>(100);
    b.push(10, rows(11, 12));
    expect(b.read(5, 10)).toBeNull();
    expect(positions(b.read(10, 10))).toEqual([11, 12]);
    expect(b.read(10, 10)).toBeNull(); // forgotten once served: a rewind reads the journal
  });

  it('answers null past its last row (a commit is still on its way), then serves once it arrives', () => {
    const b = new LiveBuffer<Row>(100);
    b.push(10, rows(11));
    expect(b.read(13, 10)).toBeNull();
    b.push(11, rows(12, 13, 14));
    expect(positions(b.read(13, 10))).toEqual([14]);
  });

  it('starts over after a gap in the chain of commits (a missed one is never papered over)', () => {
    const b = new LiveBuffer<Row>(100);
    b.push(10, rows(11, 12));
    b.push(20, rows(21));
    expect(b.read(12, 10)).toBeNull();
    expect(positions(b.read(20, 10))).toEqual([21]);
  });

  it('chains across a commit with nothing accepted (duplicates) and skips positions that were used up', () => {
    const b = new LiveBuffer<Row>(100);
    b.push(10, rows(11));
    b.push(11, []);
    b.push(11, rows(13));
    expect(positions(b.read(10, 10))).toEqual([11, 13]);
  });

  it('keeps at most cap rows: the oldest go, and positions before them are the journal\'s again', () => {
    const b = new LiveBuffer<Row>(4);
    b.push(0, rows(1, 2, 3, 4, 5));
    expect(b.size).toBe(2);
    expect(b.read(2, 10)).toBeNull();
    expect(positions(b.read(3, 10))).toEqual([4, 5]);
  });
});
