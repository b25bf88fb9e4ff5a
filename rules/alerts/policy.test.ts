import { describe, expect, it } from 'vitest';
import { RwError } from '../../core/errors.ts';
import { DEFAULT_POLICY, PolicyOverridesSchema, checkPolicy, policyFor } from './policy.ts';
import type { LifecyclePolicy } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('DEFAULT_POLICY', () => {
  it.each([
    { why: 'contract.md red row; domain.md §3.3 red (5/30 min; tiers 5 and 15 min)', level: 'red', open: true, ack: 5 * MIN, fb: 30 * MIN, tiers: [5 * MIN, 15 * MIN], sees: 'at_once' },
    { why: 'contract.md orange row; domain.md §3.3 orange (10 min/1 h; tier at 15 min)', level: 'orange', open: true, ack: 10 * MIN, fb: HOUR, tiers: [15 * MIN], sees: 'at_once' },
    { why: 'contract.md yellow row; domain.md §3.3 yellow (30 min/4 h; tier at 1 h)', level: 'yellow', open: true, ack: 30 * MIN, fb: 4 * HOUR, tiers: [HOUR], sees: 'daily_list' },
    { why: 'contract.md blue row; domain.md §3.3 blue (2 h/24 h; no escalation, archives itself)', level: 'blue', open: false, ack: 2 * HOUR, fb: 24 * HOUR, tiers: [], sees: 'statistics' },
  ] as const)('$why', ({ level, open, ack, fb, tiers, sees }) => {
    const p = DEFAULT_POLICY.levels[level];
    expect(p.staysOpenAfterRecovery).toBe(open);
    expect(p.clearNeedsReason).toBe(open);
    expect(p.archivesItselfAfterRecovery).toBe(!open);
    expect(p.enterpriseAckMs).toBe(ack);
    expect(p.feedbackMs).toBe(fb);
    expect([...p.escalateAfterMs]).toEqual(tiers);
    expect(p.centreSees).toBe(sees);
    expect(p.suppressMs).toBeGreaterThan(0);
  });

  it('is consistent and frozen (shared by every alert)', () => {
    expect(checkPolicy(DEFAULT_POLICY)).toEqual([]);
    expect(Object.isFrozen(DEFAULT_POLICY.levels.red)).toBe(true);
  });
});

describe('policyFor', () => {
  const overrides = PolicyOverridesSchema.parse({
    all: { levels: { yellow: { enterpriseAckMs: 20 * MIN } }, flapThreshold: 4 },
    sectors: { coal: { levels: { red: { enterpriseAckMs: 2 * MIN, escalateAfterMs: [2 * MIN, 10 * MIN] }, yellow: { enterpriseAckMs: 15 * MIN } } } },
  });

  it.each([
    { why: 'no overrides: the defaults', sector: 'coal', o: undefined, pick: (p: LifecyclePolicy) => p.levels.red.enterpriseAckMs, want: 5 * MIN },
    { why: 'a sector override applies to that sector', sector: 'coal', o: overrides, pick: (p: LifecyclePolicy) => p.levels.red.enterpriseAckMs, want: 2 * MIN },
    { why: 'a sector override replaces the tier list', sector: 'coal', o: overrides, pick: (p: LifecyclePolicy) => [...p.levels.red.escalateAfterMs], want: [2 * MIN, 10 * MIN] },
    { why: 'fields not overridden keep the default', sector: 'coal', o: overrides, pick: (p: LifecyclePolicy) => p.levels.red.feedbackMs, want: 30 * MIN },
    { why: 'the sector layer wins over `all`', sector: 'coal', o: overrides, pick: (p: LifecyclePolicy) => p.levels.yellow.enterpriseAckMs, want: 15 * MIN },
    { why: '`all` applies to other sectors', sector: 'hazchem', o: overrides, pick: (p: LifecyclePolicy) => p.levels.yellow.enterpriseAckMs, want: 20 * MIN },
    { why: 'another sector is untouched by coal’s override', sector: 'hazchem', o: overrides, pick: (p: LifecyclePolicy) => p.levels.red.enterpriseAckMs, want: 5 * MIN },
    { why: 'no sector (platform alerts): the `all` layer', sector: null, o: overrides, pick: (p: LifecyclePolicy) => p.flapThreshold, want: 4 },
  ])('$why', ({ sector, o, pick, want }) => {
    expect(pick(policyFor(sector, o))).toEqual(want);
  });

  it('does not mutate the defaults', () => {
    policyFor('coal', overrides);
    expect(DEFAULT_POLICY.levels.red.enterpriseAckMs).toBe(5 * MIN);
  });

  it('throws RW_ERR_CONFIG on an inconsistent policy that bypassed the schema', () => {
    const bad = { sectors: { coal: { levels: { red: { archivesItselfAfterRecovery: true } } } } } as never;
    let err: unknown = null;
    try {
      policyFor('coal', bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RwError);
    expect((err as RwError).code).toBe('RW_ERR_CONFIG');
  });
});

describe('PolicyOverridesSchema', () => {
  it.each([
    { why: 'an empty section is the defaults', input: {}, ok: true },
    { why: 'a level switched to self-archiving with its other two columns', input: { all: { levels: { yellow: { archivesItselfAfterRecovery: true, staysOpenAfterRecovery: false, clearNeedsReason: false } } } }, ok: true },
    { why: 'self-archiving alone contradicts "stays open" (contract.md "Per level")', input: { all: { levels: { yellow: { archivesItselfAfterRecovery: true } } } }, ok: false },
    { why: 'tiers must be strictly increasing', input: { sectors: { coal: { levels: { red: { escalateAfterMs: [10 * MIN, 5 * MIN] } } } } }, ok: false },
    { why: 'unknown sector', input: { sectors: { fishing: {} } }, ok: false },
    { why: 'unknown field (typo) is refused, not ignored', input: { all: { levels: { red: { ackMs: 1 } } } }, ok: false },
    { why: 'non-positive ack time', input: { all: { levels: { red: { enterpriseAckMs: 0 } } } }, ok: false },
    { why: 'suppression may be switched off (0)', input: { all: { levels: { red: { suppressMs: 0 } } } }, ok: true },
  ])('$why', ({ input, ok }) => {
    expect(PolicyOverridesSchema.safeParse(input).success).toBe(ok);
  });
});
