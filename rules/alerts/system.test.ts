import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import { spoolLevel } from './system.ts';

const L = 1000;
describe('journal spool system alert (contract.md Backpressure)', () => {
  it.each([
    { why: 'plenty of room: nothing', prev: Level.none, used: 500, want: Level.none },
    { why: '80 % of the limit: orange, ingest will refuse soon', prev: Level.none, used: 800, want: Level.orange },
    { why: 'just under 80 %: still nothing', prev: Level.none, used: 799, want: Level.none },
    { why: '95 %: red', prev: Level.orange, used: 950, want: Level.red },
    { why: 'falling from red to 85 %: orange', prev: Level.red, used: 850, want: Level.orange },
    { why: 'hysteresis: 75 % keeps orange until below 70 %', prev: Level.orange, used: 750, want: Level.orange },
    { why: 'below 70 %: recovered', prev: Level.orange, used: 690, want: Level.none },
  ])('$why', ({ prev, used, want }) => {
    expect(spoolLevel(prev, { unconsumedBytes: used, limitBytes: L })).toBe(want);
  });
});
